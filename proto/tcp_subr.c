/* SPDX-License-Identifier: MIT */
/*
 * tcp_subr.c - TCP connection life: the TCB table, the user interface
 * (RFC 9293 3.10: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS), and deferred
 * work.
 *
 * Theory of operation: events for the user and output are never produced
 * in the middle of processing a segment or a timer.  tcp_notify() and
 * tcp_need_output() mark the tcb and put it on st->tcb_pending;
 * tcp_run_pending() (from stack_flush() and stack_timer()) then sends what
 * is due, one pass per tcb, which also coalesces the ACKs of a whole batch
 * of received frames into one, and calls the user back.  The callback may
 * call any user function, tcp_release() included, because the stack no
 * longer touches the tcb after it.
 *
 * Ownership: the user holds a tcb (TF_HELD) from tcp_connect() until
 * tcp_release().  A connection that ends while held stays, CLOSED, until the
 * user releases it; one that ends after release is freed by
 * tcp_run_pending().  Buffers are allocated once per connection, never per
 * segment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "tcp_var.h"

#define EPHEMERAL_LO 32768 /* Linux's ip_local_port_range */
#define EPHEMERAL_HI 60999
#define TCP_MAXWIN 65535   /* largest window without window scaling */

static unsigned tcb_hash(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint32_t h = laddr ^ (raddr * 2654435761u) ^ ((uint32_t)lport << 16 | rport);

	h ^= h >> 15;
	h *= 2246822519u;
	h ^= h >> 13;
	return h & (TCP_HASH_SIZE - 1);
}

struct tcb *tcb_lookup(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport)
{
	struct tcb *tp;

	LIST_FOREACH(tp, &st->tcb_hash[tcb_hash(laddr, lport, raddr, rport)], hash_link)
		if (tp->lport == lport && tp->rport == rport && tp->raddr == raddr &&
		    tp->laddr == laddr)
			return tp;
	return NULL;
}

static void tcb_unhash(struct tcb *tp)
{
	if (tp->t_flags & TF_HASHED) {
		LIST_REMOVE(tp, hash_link);
		tp->t_flags &= ~TF_HASHED;
	}
}

static void tcb_free(struct tcb *tp)
{
	struct stack *st = tp->st;

	if (tp->parent) {
		/* Never accepted: the listener no longer counts it. */
		if (tp->t_flags & TF_ACCEPTQ)
			TAILQ_REMOVE(&tp->parent->acceptq, tp, accept_link);
		tp->parent->qlen--;
		tp->parent = NULL;
	}
	tcb_unhash(tp);
	if (st->cb_tcb == tp)
		st->cb_tcb = NULL;
	if (tp->t_flags & TF_PENDING)
		TAILQ_REMOVE(&st->tcb_pending, tp, pending_link);
	TAILQ_REMOVE(&st->tcbs, tp, all_link);
	st->ntcbs--;
	free(tp->sndbuf);
	free(tp->rcvbuf);
	free(tp);
}

static void tcp_pend(struct tcb *tp)
{
	if (!(tp->t_flags & TF_PENDING)) {
		tp->t_flags |= TF_PENDING;
		TAILQ_INSERT_TAIL(&tp->st->tcb_pending, tp, pending_link);
	}
}

void tcp_notify(struct tcb *tp, unsigned events)
{
	tp->events |= events;
	tcp_pend(tp);
}

void tcp_need_output(struct tcb *tp)
{
	tp->t_flags |= TF_NEEDOUT;
	tcp_pend(tp);
}

void tcp_set_state(struct tcb *tp, enum tcps state)
{
	tp->state = state;
	if (state == TCPS_TIME_WAIT) {
		/* RFC 9293 3.10.7.4: only the 2MSL timer runs in TIME-WAIT. */
		tp->t_rexmt = tp->t_persist = tp->t_keep = tp->t_delack = tp->t_tlp = 0;
		tp->t_2msl = tp->st->now + tp->st->cfg.time_wait_ms;
	}
}

void tcp_drop(struct tcb *tp, int err)
{
	if (err) {
		tp->so_error = tp->last_error = err;
		tcp_notify(tp, TCP_EV_ERROR);
	}
	tp->state = TCPS_CLOSED;
	tcb_unhash(tp);
	tp->t_rexmt = tp->t_persist = tp->t_delack = tp->t_2msl = tp->t_keep = tp->t_tlp = 0;
	tp->t_flags &= ~(TF_ACKNOW | TF_DELACK | TF_NEEDOUT);
	tcp_notify(tp, TCP_EV_CLOSED);
}

uint32_t tcp_rcv_space(const struct tcb *tp)
{
	return tp->rcvbuf_size - tp->rcv_len;
}

void tcp_run_pending(struct stack *st)
{
	struct tcb *tp;

	while ((tp = TAILQ_FIRST(&st->tcb_pending)) != NULL) {
		unsigned ev = tp->events;

		TAILQ_REMOVE(&st->tcb_pending, tp, pending_link);
		tp->t_flags &= ~TF_PENDING;
		tp->events = 0;
		/*
		 * The user first, output second: what the callback reads from the
		 * receive buffer or adds to the send buffer then leaves in the
		 * same segment as the ACK (one ACK with the reopened window
		 * instead of two).  The callback may release tp; tcb_free()
		 * clears st->cb_tcb then, and we must not touch tp again.
		 */
		if (ev && (tp->t_flags & TF_HELD) && st->io.tcp_event) {
			st->cb_tcb = tp;
			st->io.tcp_event(st->io.ctx, tp, tp->user, ev);
			if (st->cb_tcb != tp)
				continue;
			st->cb_tcb = NULL;
		}
		if ((tp->t_flags & TF_NEEDOUT) && tp->state != TCPS_CLOSED) {
			tp->t_flags &= ~TF_NEEDOUT;
			tcp_output(tp);
		}
		if (!(tp->t_flags & TF_HELD) && tp->state == TCPS_CLOSED)
			tcb_free(tp);
	}
}

void tcp_host_unreachable(struct stack *st, uint32_t nexthop)
{
	struct tcb *tp;

	TAILQ_FOREACH(tp, &st->tcbs, all_link)
		if (tp->state == TCPS_SYN_SENT && tp->nexthop == nexthop) {
			STAT_INC(st, tcp_conn_failed);
			tcp_drop(tp, EHOSTUNREACH);
		}
}

void stack_tcb_walk(const struct stack *st, void (*fn)(void *arg, const struct tcb *tp, void *user),
		    void *arg)
{
	const struct tcb *tp;

	TAILQ_FOREACH(tp, &st->tcbs, all_link)
		fn(arg, tp, (tp->t_flags & TF_HELD) ? tp->user : NULL);
}

void tcp_free_all(struct stack *st)
{
	struct tcb *tp;

	while ((tp = TAILQ_FIRST(&st->tcbs)) != NULL)
		tcb_free(tp);
}

/* ---- user interface ---- */

/*
 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4-microsecond clock (from our millisecond one), F SipHash-2-4 under the
 * stack's random key.  New connections on the same 4-tuple get increasing
 * ISNs, and an off-path attacker cannot guess any of them.
 */
static uint64_t tcp_tuple_hash(const struct stack *st, const struct tcb *tp)
{
	uint8_t tuple[12];

	put_be32(tuple, tp->laddr);
	put_be16(tuple + 4, tp->lport);
	put_be32(tuple + 6, tp->raddr);
	put_be16(tuple + 10, tp->rport);
	return siphash24(st->isn_key, tuple, sizeof(tuple));
}

static uint32_t tcp_isn(const struct stack *st, const struct tcb *tp)
{
	return (uint32_t)(st->now * 250) + (uint32_t)tcp_tuple_hash(st, tp);
}

/* A free local port for the remote end, starting at a random point; 0 if none. */
static uint16_t tcp_pick_port(struct stack *st, uint32_t raddr, uint16_t rport)
{
	const uint32_t n = EPHEMERAL_HI - EPHEMERAL_LO + 1;
	uint32_t start;

	st->io.random(st->io.ctx, &start, sizeof(start));
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + (start + i) % n);

		if (!tcb_lookup(st, st->cfg.addr, port, raddr, rport) && !tcb_listener(st, port))
			return port;
	}
	return 0;
}

/*
 * A new tcb for the 4-tuple, not yet in any table: buffers (unless a
 * listener), ISN, and the defaults of RFC 9293/6298/1122.  NULL if out of
 * memory or over max_tcbs.
 */
static struct tcb *tcb_alloc(struct stack *st, uint16_t lport, uint32_t raddr, uint16_t rport,
			     uint32_t nexthop, int buffers)
{
	struct tcb *tp;

	if (st->ntcbs >= st->cfg.max_tcbs)
		return NULL;
	tp = calloc(1, sizeof(*tp));
	if (tp && buffers) {
		tp->sndbuf = malloc(st->cfg.sndbuf);
		tp->rcvbuf = malloc(st->cfg.rcvbuf);
	}
	if (!tp || (buffers && (!tp->sndbuf || !tp->rcvbuf))) {
		if (tp) {
			free(tp->sndbuf);
			free(tp->rcvbuf);
		}
		free(tp);
		return NULL;
	}
	tp->st = st;
	tp->laddr = st->cfg.addr;
	tp->lport = lport;
	tp->raddr = raddr;
	tp->rport = rport;
	tp->nexthop = nexthop;
	tp->sndbuf_size = st->cfg.sndbuf;
	tp->rcvbuf_size = st->cfg.rcvbuf;
	TAILQ_INIT(&tp->acceptq);

	tp->iss = tcp_isn(st, tp);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->recover = tp->iss;
	tp->cc = &tcp_cc_newreno;
	/*
	 * RFC 7323 5.4/7.1: a timestamp offset no one else can guess, but the
	 * same for every incarnation of this 4-tuple, so that PAWS and RFC 6191
	 * TIME-WAIT reuse can compare timestamps across connections (Linux
	 * derives its offset from a keyed hash the same way).
	 */
	tp->ts_offset = (uint32_t)(tcp_tuple_hash(st, tp) >> 32);
	/* The smallest window shift that lets us advertise the whole buffer (RFC 7323 2.3). */
	while (tp->request_r_scale < TCP_MAX_WINSHIFT &&
	       (st->cfg.rcvbuf >> tp->request_r_scale) > TCP_MAXWIN)
		tp->request_r_scale++;
	tp->snd_buf_seq = tp->iss + 1;
	tp->mss = (uint16_t)(st->cfg.mtu - IP4_HLEN - TCP_HLEN);
	tp->cwnd = tp->mss;
	tp->ssthresh = UINT32_MAX; /* RFC 5681 3.1: arbitrarily high */
	tp->rto = 1000;		   /* RFC 6298 2.1 */
	tp->keepidle = 7200;	   /* RFC 1122 4.2.3.6 and Linux defaults */
	tp->keepintvl = 75;
	tp->keepcnt = 9;

	TAILQ_INSERT_TAIL(&st->tcbs, tp, all_link);
	st->ntcbs++;
	return tp;
}

static void tcb_hash_insert(struct tcb *tp)
{
	LIST_INSERT_HEAD(&tp->st->tcb_hash[tcb_hash(tp->laddr, tp->lport, tp->raddr, tp->rport)],
			 tp, hash_link);
	tp->t_flags |= TF_HASHED;
}

struct tcb *tcp_connect(struct stack *st, uint32_t raddr, uint16_t rport, void *user,
			uint64_t now_ms, int *err)
{
	return tcp_connect_port(st, 0, raddr, rport, user, now_ms, err);
}

struct tcb *tcp_connect_port(struct stack *st, uint16_t lport, uint32_t raddr, uint16_t rport,
			     void *user, uint64_t now_ms, int *err)
{
	struct tcb *tp;
	uint32_t nexthop;

	st->now = now_ms;
	/* Linux refuses TCP to a broadcast route with ENETUNREACH (tcp_v4_connect). */
	if (ip4_route(st, raddr, &nexthop) < 0 || raddr == st->cfg.addr ||
	    raddr == (st->cfg.addr | ~st->cfg.netmask)) {
		*err = ENETUNREACH;
		return NULL;
	}
	if (lport && tcb_lookup(st, st->cfg.addr, lport, raddr, rport)) {
		*err = EADDRINUSE;
		return NULL;
	}
	if (!lport)
		lport = tcp_pick_port(st, raddr, rport);
	if (!lport) {
		*err = EADDRNOTAVAIL;
		return NULL;
	}
	tp = tcb_alloc(st, lport, raddr, rport, nexthop, 1);
	if (!tp) {
		*err = ENOBUFS;
		return NULL;
	}
	tp->user = user;
	tp->t_flags |= TF_HELD;
	tcb_hash_insert(tp);
	tp->state = TCPS_SYN_SENT;
	STAT_INC(st, tcp_active_opens);
	tcp_output(tp); /* the SYN */
	return tp;
}

struct tcb *tcb_listener(struct stack *st, uint16_t lport)
{
	struct tcb *lp;

	LIST_FOREACH(lp, &st->tcb_listen, hash_link)
		if (lp->lport == lport)
			return lp;
	return NULL;
}

struct tcb *tcp_listen(struct stack *st, uint16_t lport, int backlog, void *user, int *err)
{
	struct tcb *lp;

	if (!lport || tcb_listener(st, lport)) {
		*err = lport ? EADDRINUSE : EINVAL;
		return NULL;
	}
	lp = tcb_alloc(st, lport, 0, 0, 0, 0);
	if (!lp) {
		*err = ENOBUFS;
		return NULL;
	}
	lp->user = user;
	lp->t_flags |= TF_HELD | TF_HASHED;
	/* Linux clamps the backlog to somaxconn (4096) and treats <= 0 as 1-ish. */
	lp->backlog = (unsigned)MIN(MAX(backlog, 1), 4096);
	lp->state = TCPS_LISTEN;
	LIST_INSERT_HEAD(&st->tcb_listen, lp, hash_link);
	return lp;
}

/*
 * RFC 9293 3.10.7.2, LISTEN: a SYN creates a child in SYN-RECEIVED that
 * answers with SYN/ACK, if the listener has room for it (the backlog counts
 * children not yet accepted, as Linux's accept queue plus SYN queue).
 */
void tcp_listen_input(struct tcb *lp, const struct tcp_seg *s)
{
	struct stack *st = lp->st;
	struct tcb *tp;
	uint32_t nexthop;

	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK) {
		STAT_INC(st, tcp_rst_tx);
		tcp_respond(st, s->dst, s->dport, s->src, s->sport, s->ack, 0, TH_RST);
		return;
	}
	if (!(s->flags & TH_SYN) || (s->flags & TH_FIN))
		return;
	if (lp->qlen >= lp->backlog) {
		STAT_INC(st, tcp_listen_overflow); /* Linux drops the SYN; the peer retries */
		return;
	}
	if (ip4_route(st, s->src, &nexthop) < 0)
		return;
	tp = tcb_alloc(st, lp->lport, s->src, s->sport, nexthop, 1);
	if (!tp) {
		STAT_INC(st, tcp_listen_overflow);
		return;
	}
	tp->parent = lp;
	lp->qlen++;
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tp->mss = (uint16_t)MIN(tp->mss, s->mss ? MAX(s->mss, 64u) : TCP_DEFAULT_MSS);
	tp->snd_wnd = tp->max_sndwnd = s->wnd; /* never scaled in a SYN */
	tp->snd_wl1 = s->seq;
	tcp_syn_options(tp, s);
	tcb_hash_insert(tp);
	tp->state = TCPS_SYN_RECEIVED;
	STAT_INC(st, tcp_passive_opens);
	tcp_output(tp); /* the SYN/ACK */
}

struct tcb *tcp_accept(struct tcb *lp, void *user)
{
	struct tcb *tp = TAILQ_FIRST(&lp->acceptq);

	if (lp->state != TCPS_LISTEN || !tp)
		return NULL;
	TAILQ_REMOVE(&lp->acceptq, tp, accept_link);
	lp->qlen--;
	tp->parent = NULL;
	tp->user = user;
	tp->t_flags |= TF_HELD;
	/* What arrived before accept() is there to read. */
	tcp_notify(tp, TCP_EV_WRITABLE | ((tp->rcv_len || TCPS_HAVERCVDFIN(tp->state))
						  ? TCP_EV_READABLE
						  : 0));
	return tp;
}

size_t tcp_snd_space(struct tcb *tp, struct iovec iov[2])
{
	uint32_t free_, tail;

	iov[0].iov_len = iov[1].iov_len = 0;
	if ((tp->t_flags & TF_SHUTWR) ||
	    !(TCPS_CANSEND(tp->state) || tp->state == TCPS_SYN_SENT))
		return 0;
	free_ = tp->sndbuf_size - tp->snd_len;
	tail = (tp->snd_head + tp->snd_len) % tp->sndbuf_size;
	iov[0].iov_base = tp->sndbuf + tail;
	iov[0].iov_len = MIN(free_, tp->sndbuf_size - tail);
	iov[1].iov_base = tp->sndbuf;
	iov[1].iov_len = free_ - iov[0].iov_len;
	return free_;
}

void tcp_snd_commit(struct tcb *tp, size_t n)
{
	if (n == 0)
		return;
	tp->snd_len += (uint32_t)n;
	tcp_need_output(tp);
}

size_t tcp_rcv_data(struct tcb *tp, struct iovec iov[2])
{
	iov[0].iov_base = tp->rcvbuf + tp->rcv_head;
	iov[0].iov_len = MIN(tp->rcv_len, tp->rcvbuf_size - tp->rcv_head);
	iov[1].iov_base = tp->rcvbuf;
	iov[1].iov_len = tp->rcv_len - iov[0].iov_len;
	return tp->rcv_len;
}

void tcp_rcv_consume(struct tcb *tp, size_t n)
{
	uint32_t adv;

	if (n > tp->rcv_len)
		n = tp->rcv_len;
	tp->rcv_head = (uint32_t)((tp->rcv_head + n) % tp->rcvbuf_size);
	tp->rcv_len -= (uint32_t)n;
	if (!TCPS_HAVEESTABLISHED(tp->state) || TCPS_HAVERCVDFIN(tp->state))
		return;
	/*
	 * RFC 1122 4.2.3.3: tell the peer as soon as the window can open by
	 * at least min(half the buffer, one MSS); smaller steps would invite
	 * silly-window segments.
	 */
	adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	if (MIN(tcp_rcv_space(tp), (uint32_t)TCP_MAXWIN << tp->rcv_scale) >=
	    adv + MIN(tp->rcvbuf_size / 2, tp->mss)) {
		STAT_INC(tp->st, tcp_win_updates);
		tp->t_flags |= TF_ACKNOW;
		tcp_need_output(tp);
	}
}

int tcp_rcv_fin(const struct tcb *tp)
{
	return TCPS_HAVERCVDFIN(tp->state) && tp->rcv_len == 0;
}

void tcp_shutdown(struct tcb *tp)
{
	if (tp->t_flags & TF_SHUTWR)
		return;
	switch (tp->state) {
	case TCPS_SYN_SENT:
		/* RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the TCB. */
		tcp_drop(tp, 0);
		return;
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		return;
	}
	tp->t_flags |= TF_SHUTWR;
	tp->snd_fin = tp->snd_buf_seq + tp->snd_len;
	tcp_need_output(tp);
}

void tcp_abort(struct tcb *tp)
{
	/* RFC 9293 3.10.5: synchronized states send <SEQ=SND.NXT><CTL=RST>. */
	if (TCPS_HAVERCVDSYN(tp->state) && tp->state != TCPS_TIME_WAIT) {
		STAT_INC(tp->st, tcp_rst_tx);
		tcp_respond(tp->st, tp->laddr, tp->lport, tp->raddr, tp->rport, tp->snd_max, 0,
			    TH_RST);
	}
	if (tp->state != TCPS_CLOSED)
		tcp_drop(tp, 0);
}

void tcp_release(struct tcb *tp)
{
	struct stack *st = tp->st;

	tp->t_flags &= ~TF_HELD;
	tp->user = NULL;
	tp->events = 0;
	if (tp->state == TCPS_LISTEN) {
		/* Closing a listener resets the connections nobody accepted (as Linux). */
		struct tcb *c, *next;

		for (c = TAILQ_FIRST(&st->tcbs); c; c = next) {
			next = TAILQ_NEXT(c, all_link);
			if (c->parent == tp) {
				tcp_abort(c);
				tcb_free(c);
			}
		}
		tcb_free(tp);
		return;
	}
	if (tp->state == TCPS_SYN_SENT)
		tcp_drop(tp, 0);
	else if (tp->rcv_len > 0 && tp->state != TCPS_CLOSED)
		tcp_abort(tp); /* unread data: the application will never read it */
	else if (tp->state != TCPS_CLOSED)
		tcp_shutdown(tp);
	if (tp->state == TCPS_FIN_WAIT_2 && !tp->t_2msl)
		tp->t_2msl = st->now + st->cfg.time_wait_ms; /* orphan: do not wait forever */
	if (tp->state == TCPS_CLOSED)
		tcb_free(tp);
}

int tcp_error(const struct tcb *tp)
{
	return tp->so_error;
}

int tcp_error_take(struct tcb *tp)
{
	int e = tp->so_error;

	tp->so_error = 0;
	return e;
}

int tcp_was_reset(const struct tcb *tp)
{
	return !!(tp->t_flags & TF_RESET);
}

int tcp_state(const struct tcb *tp)
{
	/* Linux's TCP_* numbers (include/net/tcp_states.h), what TCP_INFO and ss show. */
	static const int linux_state[TCPS_NSTATES] = {
		[TCPS_CLOSED] = 7,	[TCPS_LISTEN] = 10,	[TCPS_SYN_SENT] = 2,
		[TCPS_SYN_RECEIVED] = 3, [TCPS_ESTABLISHED] = 1, [TCPS_CLOSE_WAIT] = 8,
		[TCPS_FIN_WAIT_1] = 4,	[TCPS_CLOSING] = 11,	[TCPS_LAST_ACK] = 9,
		[TCPS_FIN_WAIT_2] = 5,	[TCPS_TIME_WAIT] = 6,
	};

	return linux_state[tp->state];
}

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		"UNKNOWN",    "ESTABLISHED", "SYN-SENT", "SYN-RECEIVED", "FIN-WAIT-1", "FIN-WAIT-2",
		"TIME-WAIT",  "CLOSED",	     "CLOSE-WAIT", "LAST-ACK",   "LISTEN",	     "CLOSING",
	};

	if (state < 0 || (size_t)state >= ARRAY_SIZE(names))
		return "UNKNOWN";
	return names[state];
}

void tcp_endpoints(const struct tcb *tp, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
		   uint16_t *rport)
{
	*laddr = tp->laddr;
	*lport = tp->lport;
	*raddr = tp->raddr;
	*rport = tp->rport;
}

int tcp_setopt(struct tcb *tp, enum tcp_opt opt, int val)
{
	switch (opt) {
	case TCP_OPT_NODELAY:
		if (val)
			tp->t_flags |= TF_NODELAY;
		else
			tp->t_flags &= ~TF_NODELAY;
		if (val)
			tcp_need_output(tp); /* Linux pushes pending data when Nagle is turned off */
		return 0;
	case TCP_OPT_KEEPALIVE:
		if (val)
			tp->t_flags |= TF_KEEPALIVE;
		else
			tp->t_flags &= ~TF_KEEPALIVE;
		tcp_keep_reset(tp);
		return 0;
	case TCP_OPT_KEEPIDLE: /* same bounds as Linux (MAX_TCP_KEEPIDLE etc.) */
		if (val < 1 || val > 32767)
			return -EINVAL;
		tp->keepidle = (uint32_t)val;
		tcp_keep_reset(tp);
		return 0;
	case TCP_OPT_KEEPINTVL:
		if (val < 1 || val > 32767)
			return -EINVAL;
		tp->keepintvl = (uint32_t)val;
		return 0;
	case TCP_OPT_KEEPCNT:
		if (val < 1 || val > 127)
			return -EINVAL;
		tp->keepcnt = (uint32_t)val;
		return 0;
	}
	return -EINVAL;
}

int tcp_getopt(const struct tcb *tp, enum tcp_opt opt)
{
	switch (opt) {
	case TCP_OPT_NODELAY:
		return !!(tp->t_flags & TF_NODELAY);
	case TCP_OPT_KEEPALIVE:
		return !!(tp->t_flags & TF_KEEPALIVE);
	case TCP_OPT_KEEPIDLE:
		return (int)tp->keepidle;
	case TCP_OPT_KEEPINTVL:
		return (int)tp->keepintvl;
	case TCP_OPT_KEEPCNT:
		return (int)tp->keepcnt;
	}
	return -1;
}

void tcp_get_stat(const struct tcb *tp, struct tcp_stat *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->state = tcp_state(tp);
	ts->snd_una = tp->snd_una;
	ts->snd_nxt = tp->snd_nxt;
	ts->rcv_nxt = tp->rcv_nxt;
	ts->snd_wnd = tp->snd_wnd;
	ts->rcv_wnd = tp->rcv_wnd_sent; /* what the peer was last told */
	ts->mss = tp->mss;
	ts->cwnd = tp->cwnd;
	ts->ssthresh = tp->ssthresh;
	ts->srtt_us = tp->srtt_us;
	ts->rttvar_us = tp->rttvar_us;
	ts->rto_ms = tp->rto;
	ts->retransmits = tp->rxtshift;
	ts->total_retrans = tp->total_retrans;
	ts->snd_queued = tp->snd_len;
	ts->rcv_queued = tp->rcv_len;
}

/* SPDX-License-Identifier: MIT */
/*
 * udp.c - UDP (RFC 768, RFC 1122 4.1): sockets, input, output, ICMP errors.
 *
 * Theory of operation: a pcb is a socket.  It gets a local port from
 * udp_bind(), or from udp_connect()/udp_sendto() if it has none yet (an
 * ephemeral one from 32768-60999, starting at a random point), and sits in
 * the bucket of that port in a hash table.  A port belongs to one pcb: with
 * one local address and no SO_REUSEADDR there is nothing to share, so input
 * demultiplexing is one lookup by destination port, then two filters that
 * make a socket refuse a datagram as Linux's lookup does - a pcb bound to
 * our unicast address takes no broadcast, and a connected pcb takes only
 * its peer's datagrams (RFC 1122 4.1.4 leaves the interface to the system;
 * this is what BSD and Linux do).  Datagrams from a broadcast or multicast
 * source (RFC 1122 4.1.3.6) never get here: ip4_input() drops them.
 *
 * Input (udp_input): header and length checks (the UDP length may be
 * shorter than the IP payload, never longer), the checksum unless it is 0
 * ("none", RFC 768; RFC 1122 4.1.3.4) or the owner says it was verified
 * (STACK_IN_CSUM_OK), then the pcb's receive queue.  A datagram no socket
 * takes gets ICMP port unreachable (RFC 1122 4.1.3.1), quoting its IPv4
 * header and as much of it as fits in 576 bytes, except when it came to a
 * broadcast address or in a link-layer broadcast (RFC 1122 3.2.2); icmp.c
 * rate-limits the errors.
 *
 * Receive queue: one ring of rq_cap bytes per pcb, allocated when the pcb
 * is opened (or SO_RCVBUF changes), never per datagram.  Each datagram is a
 * record - sender address (4), sender port (2), length (2), payload - so
 * datagram boundaries, zero-length datagrams and the sender of each are
 * kept, and a receive takes exactly one record (MSG_TRUNC: the rest of a
 * record the caller's buffer cannot hold is discarded, and the full length
 * is reported).  A datagram is queued if the queue is empty or if the
 * records would stay within rq_limit (SO_RCVBUF); otherwise it is dropped
 * and counted as Linux's RcvbufErrors.  The ring holds rq_limit bytes or one
 * largest datagram, whichever is more, so both cases always fit.  Linux
 * charges each datagram its skb's truesize, we charge payload plus
 * UDP_REC_OVERHEAD: more small datagrams fit in the same SO_RCVBUF here.
 *
 * Output (udp_sendto): header, checksum (a computed 0 goes out as 0xffff,
 * RFC 768), then ip4_output_frag(), which sends without DF and fragments
 * what does not fit the MTU, so datagrams of up to UDP_MAX_PAYLOAD bytes go
 * as on Linux.  Nothing is queued: the datagram is built in st->tx and
 * handed to ARP at once (ARP holds a few frames per unresolved neighbour;
 * fragments of a big datagram beyond those are lost, and counted there).
 *
 * ICMP errors (udp_icmp_error): RFC 1122 4.1.3.3 would pass every error up
 * to the application; Linux without IP_RECVERR reports one only to a
 * connected socket matching the quoted 4-tuple, and only the "hard" ones
 * of its icmp_err_convert[] table - port and protocol unreachable, the
 * administratively prohibited codes, parameter problem - and we do as it.
 * Net and host unreachable and time exceeded are transient (RFC 1122
 * 3.2.2.1) and ignored; so is fragmentation needed, since we never set DF
 * on UDP.  The error waits in so_error: the next send or receive returns
 * it once instead of doing anything (Linux checks sk_err first in both),
 * or udp_error_take() collects it (SO_ERROR).
 *
 * Events (UDP_EV_*) are collected on the pcb and delivered by
 * udp_run_pending() from stack_flush() and stack_timer(), never from inside
 * input processing; the callback may close the pcb, which is off the
 * pending list by then and never touched again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "csum.h"
#include "icmp.h"
#include "stack_var.h"
#include "udp.h"

#define UDPF_PORTLOCK 0x01 /* bind() chose the port: a disconnect keeps it */
#define UDPF_PENDING 0x02  /* on the pending list */

/* The largest record: one always fits an empty queue. */
#define UDP_REC_MAX (UDP_REC_OVERHEAD + UDP_MAX_PAYLOAD)

struct udp_pcb {
	struct stack *st;
	void *user;
	LIST_ENTRY(udp_pcb) hash_link;	   /* in the bucket of lport, if lport */
	TAILQ_ENTRY(udp_pcb) all_link;	   /* every open pcb */
	TAILQ_ENTRY(udp_pcb) pending_link; /* events to deliver */
	uint32_t laddr;			   /* bound address: 0 (any) or ours */
	uint32_t raddr;			   /* connected peer, 0 if not connected */
	uint16_t lport;			   /* 0: no port yet */
	uint16_t rport;
	uint8_t flags;	 /* UDPF_* */
	unsigned events; /* UDP_EV_* not yet delivered */
	int so_error;	 /* pending error (positive errno), reported once */

	/* Receive queue: records [addr 4][port 2][len 2][payload] in a ring. */
	uint8_t *rq;
	size_t rq_cap;	 /* bytes of rq */
	size_t rq_limit; /* SO_RCVBUF */
	size_t rq_head;	 /* where the oldest record starts */
	size_t rq_used;	 /* bytes of records */
	unsigned rq_count;
};

LIST_HEAD(udp_list, udp_pcb);
TAILQ_HEAD(udp_tailq, udp_pcb);

struct udp_tab {
	struct udp_list hash[UDP_HASH_SIZE]; /* pcbs with a port, by port */
	struct udp_tailq all;
	struct udp_tailq pending;
	unsigned npcbs;
	size_t mem; /* bytes of receive rings */
};

/*
 * Linux's icmp_err_convert[] restricted to the errors it reports on a UDP
 * socket without IP_RECVERR (its "fatal" ones): 0 for the rest.
 */
static const int unreach_hard_errno[] = {
	[ICMP_UNREACH_PROTOCOL] = ENOPROTOOPT,
	[ICMP_UNREACH_PORT] = ECONNREFUSED,
	[ICMP_UNREACH_NET_UNKNOWN] = ENETUNREACH,
	[ICMP_UNREACH_HOST_UNKNOWN] = EHOSTDOWN,
	[ICMP_UNREACH_ISOLATED] = ENONET,
	[ICMP_UNREACH_NET_PROHIB] = ENETUNREACH,
	[ICMP_UNREACH_HOST_PROHIB] = EHOSTUNREACH,
	[ICMP_UNREACH_FILTER_PROHIB] = EHOSTUNREACH,
	[ICMP_UNREACH_HOST_PRECEDENCE] = EHOSTUNREACH,
	[ICMP_UNREACH_PRECEDENCE_CUTOFF] = EHOSTUNREACH,
};

static struct udp_list *udp_bucket(struct stack *st, uint16_t port)
{
	return &st->udp->hash[port & (UDP_HASH_SIZE - 1)];
}

/* The pcb that owns lport, or NULL. */
static struct udp_pcb *udp_lookup(struct stack *st, uint16_t lport)
{
	struct udp_pcb *pcb;

	LIST_FOREACH(pcb, udp_bucket(st, lport), hash_link)
		if (pcb->lport == lport)
			return pcb;
	return NULL;
}

static int udp_is_bcast(const struct stack *st, uint32_t addr)
{
	return addr == 0xffffffffu || addr == (st->cfg.addr | ~st->cfg.netmask);
}

int udp_init(struct stack *st)
{
	struct udp_tab *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	for (size_t i = 0; i < UDP_HASH_SIZE; i++)
		LIST_INIT(&t->hash[i]);
	TAILQ_INIT(&t->all);
	TAILQ_INIT(&t->pending);
	st->udp = t;
	return 0;
}

void udp_free(struct stack *st)
{
	struct udp_pcb *pcb;

	if (!st->udp)
		return;
	while ((pcb = TAILQ_FIRST(&st->udp->all)) != NULL)
		udp_close(pcb);
	free(st->udp);
	st->udp = NULL;
}

unsigned stack_udp_count(const struct stack *st)
{
	return st->udp->npcbs;
}

size_t udp_mem(const struct stack *st)
{
	return st->udp->mem;
}

/* Queue ev for delivery at the next stack_flush()/stack_timer(). */
static void udp_mark(struct udp_pcb *pcb, unsigned ev)
{
	struct udp_tab *t = pcb->st->udp;

	pcb->events |= ev;
	if (!(pcb->flags & UDPF_PENDING)) {
		pcb->flags |= UDPF_PENDING;
		TAILQ_INSERT_TAIL(&t->pending, pcb, pending_link);
	}
}

void udp_run_pending(struct stack *st)
{
	struct udp_tab *t = st->udp;
	struct udp_pcb *pcb;

	while ((pcb = TAILQ_FIRST(&t->pending)) != NULL) {
		unsigned ev = pcb->events;

		TAILQ_REMOVE(&t->pending, pcb, pending_link);
		pcb->flags &= ~UDPF_PENDING;
		pcb->events = 0;
		/* Last use of pcb here: the callback may close it. */
		if (ev && st->io.udp_event)
			st->io.udp_event(st->io.ctx, pcb, pcb->user, ev);
	}
}

/* ---- the receive ring ---- */

/* Copy n bytes into the ring at pos, wrapping; returns the position after them. */
static size_t rq_write(struct udp_pcb *pcb, size_t pos, const uint8_t *src, size_t n)
{
	size_t k = MIN(n, pcb->rq_cap - pos);

	memcpy(pcb->rq + pos, src, k);
	memcpy(pcb->rq, src + k, n - k);
	return (pos + n) % pcb->rq_cap;
}

/* Copy n bytes out of the ring from pos, wrapping; returns the position after them. */
static size_t rq_read(const struct udp_pcb *pcb, size_t pos, uint8_t *dst, size_t n)
{
	size_t k = MIN(n, pcb->rq_cap - pos);

	memcpy(dst, pcb->rq + pos, k);
	memcpy(dst + k, pcb->rq, n - k);
	return (pos + n) % pcb->rq_cap;
}

/* The header of the oldest record; its payload starts at the returned position. */
static size_t rq_peek(const struct udp_pcb *pcb, uint32_t *addr, uint16_t *port, uint16_t *len)
{
	uint8_t h[UDP_REC_OVERHEAD];
	size_t pos = rq_read(pcb, pcb->rq_head, h, sizeof(h));

	*addr = get_be32(h);
	*port = get_be16(h + 4);
	*len = get_be16(h + 6);
	return pos;
}

/* Drop the oldest record. */
static void rq_pop(struct udp_pcb *pcb, uint16_t len)
{
	size_t rec = UDP_REC_OVERHEAD + (size_t)len;

	pcb->rq_head = (pcb->rq_head + rec) % pcb->rq_cap;
	pcb->rq_used -= rec;
	if (--pcb->rq_count == 0)
		pcb->rq_head = pcb->rq_used = 0; /* start again at the front: fewer wraps */
}

/* A ring for a queue limit of limit bytes; the caller swaps it in. */
static uint8_t *rq_alloc(size_t limit, size_t *cap)
{
	*cap = MAX(limit, (size_t)UDP_REC_MAX);
	return malloc(*cap);
}

/* ---- user calls ---- */

struct udp_pcb *udp_open(struct stack *st, void *user, int *err)
{
	struct udp_tab *t = st->udp;
	struct udp_pcb *pcb;

	if (t->npcbs >= UDP_MAX_PCBS || !(pcb = calloc(1, sizeof(*pcb)))) {
		*err = ENOBUFS;
		return NULL;
	}
	pcb->rq_limit = UDP_RCVBUF_DEFAULT;
	pcb->rq = rq_alloc(pcb->rq_limit, &pcb->rq_cap);
	if (!pcb->rq) {
		free(pcb);
		*err = ENOBUFS;
		return NULL;
	}
	pcb->st = st;
	pcb->user = user;
	TAILQ_INSERT_TAIL(&t->all, pcb, all_link);
	t->npcbs++;
	t->mem += pcb->rq_cap;
	return pcb;
}

void udp_close(struct udp_pcb *pcb)
{
	struct udp_tab *t = pcb->st->udp;

	if (pcb->lport)
		LIST_REMOVE(pcb, hash_link);
	if (pcb->flags & UDPF_PENDING)
		TAILQ_REMOVE(&t->pending, pcb, pending_link);
	TAILQ_REMOVE(&t->all, pcb, all_link);
	t->npcbs--;
	t->mem -= pcb->rq_cap;
	free(pcb->rq);
	free(pcb);
}

/* A free port from a random point of the ephemeral range; 0 if none. */
static uint16_t udp_pick_port(struct stack *st)
{
	const uint32_t n = UDP_EPHEMERAL_HI - UDP_EPHEMERAL_LO + 1;
	uint32_t start;

	st->io.random(st->io.ctx, &start, sizeof(start));
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(UDP_EPHEMERAL_LO + (start + i) % n);

		if (!udp_lookup(st, port))
			return port;
	}
	return 0;
}

static void udp_hash(struct udp_pcb *pcb, uint16_t port)
{
	pcb->lport = port;
	LIST_INSERT_HEAD(udp_bucket(pcb->st, port), pcb, hash_link);
}

/* Give pcb an ephemeral port if it has none (connect, sendto): 0 or -EAGAIN, as Linux. */
static int udp_autobind(struct udp_pcb *pcb)
{
	uint16_t port;

	if (pcb->lport)
		return 0;
	port = udp_pick_port(pcb->st);
	if (!port)
		return -EAGAIN;
	udp_hash(pcb, port);
	return 0;
}

int udp_bind(struct udp_pcb *pcb, uint32_t laddr, uint16_t port)
{
	struct stack *st = pcb->st;

	if (pcb->lport)
		return -EINVAL;
	if (laddr && laddr != st->cfg.addr)
		return -EADDRNOTAVAIL;
	if (port) {
		if (udp_lookup(st, port))
			return -EADDRINUSE;
		pcb->flags |= UDPF_PORTLOCK;
	} else if (!(port = udp_pick_port(st))) {
		return -EADDRINUSE; /* bind() says so where connect() says EAGAIN */
	}
	pcb->laddr = laddr;
	udp_hash(pcb, port);
	return 0;
}

int udp_connect(struct udp_pcb *pcb, uint32_t raddr, uint16_t rport)
{
	struct stack *st = pcb->st;
	uint32_t nexthop;
	int err;

	if (!raddr) {
		/* AF_UNSPEC: forget the peer, and a port that bind() did not choose. */
		pcb->raddr = 0;
		pcb->rport = 0;
		if (pcb->lport && !(pcb->flags & UDPF_PORTLOCK)) {
			LIST_REMOVE(pcb, hash_link);
			pcb->lport = 0;
		}
		return 0;
	}
	if (udp_is_bcast(st, raddr))
		return -EACCES; /* no SO_BROADCAST */
	if (ip4_route(st, raddr, &nexthop) < 0)
		return -ENETUNREACH;
	err = udp_autobind(pcb);
	if (err)
		return err;
	pcb->raddr = raddr;
	pcb->rport = rport;
	return 0;
}

ssize_t udp_sendto(struct udp_pcb *pcb, uint32_t raddr, uint16_t rport, const struct iovec *iov,
		   int iovcnt)
{
	struct stack *st = pcb->st;
	uint8_t *uh = ip4_tx_payload(st);
	size_t len = 0, off = UDP_HLEN;
	uint32_t nexthop;
	uint16_t sum;
	int err;

	if (iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > UDP_MAX_PAYLOAD - len)
			return -EMSGSIZE;
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EFAULT;
		len += iov[i].iov_len;
	}
	if (raddr) {
		if (!rport)
			return -EINVAL; /* as Linux's udp_sendmsg() */
	} else if (!pcb->raddr) {
		return -EDESTADDRREQ;
	} else {
		raddr = pcb->raddr;
		rport = pcb->rport;
	}
	if (udp_is_bcast(st, raddr))
		return -EACCES;
	err = udp_autobind(pcb);
	if (err)
		return err;
	if (ip4_route(st, raddr, &nexthop) < 0) {
		STAT_INC(st, ip_noroute);
		return -ENETUNREACH;
	}
	if (pcb->so_error)
		return -udp_error_take(pcb);

	put_be16(uh, pcb->lport);
	put_be16(uh + 2, rport);
	put_be16(uh + 4, (uint16_t)(UDP_HLEN + len));
	put_be16(uh + 6, 0);
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(uh + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	sum = csum_fold(csum_partial(uh, UDP_HLEN + len,
				     csum_pseudo4(st->cfg.addr, raddr, IPPROTO_UDP_,
						  (uint16_t)(UDP_HLEN + len))));
	put_be16(uh + 6, sum ? sum : 0xffff); /* RFC 768: 0 would mean "no checksum" */
	err = ip4_output_frag(st, UDP_HLEN + len, raddr, IPPROTO_UDP_);
	if (err)
		return err;
	STAT_INC(st, udp_tx);
	return (ssize_t)len;
}

ssize_t udp_recv(struct udp_pcb *pcb, struct iovec *iov, int iovcnt, uint32_t *raddr,
		 uint16_t *rport, int flags, size_t *full_len)
{
	size_t pos, done = 0;
	uint32_t addr;
	uint16_t port, len;

	if (iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	if (pcb->so_error)
		return -udp_error_take(pcb);
	if (!pcb->rq_count)
		return -EAGAIN;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EFAULT;
	pos = rq_peek(pcb, &addr, &port, &len);
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t k = MIN(iov[i].iov_len, (size_t)len - done);

		if (k)
			pos = rq_read(pcb, pos, iov[i].iov_base, k);
		done += k;
	}
	if (raddr)
		*raddr = addr;
	if (rport)
		*rport = port;
	if (full_len)
		*full_len = len;
	if (!(flags & UDP_PEEK))
		rq_pop(pcb, len);
	return (ssize_t)done;
}

ssize_t udp_pending(const struct udp_pcb *pcb)
{
	uint32_t addr;
	uint16_t port, len;

	if (!pcb->rq_count)
		return -EAGAIN;
	rq_peek(pcb, &addr, &port, &len);
	return len;
}

int udp_error(const struct udp_pcb *pcb)
{
	return pcb->so_error;
}

int udp_error_take(struct udp_pcb *pcb)
{
	int err = pcb->so_error;

	pcb->so_error = 0;
	return err;
}

int udp_set_rcvbuf(struct udp_pcb *pcb, size_t bytes)
{
	struct udp_tab *t = pcb->st->udp;
	size_t cap, limit = MAX(bytes, (size_t)UDP_RCVBUF_MIN), pos = pcb->rq_head;
	uint8_t *rq;

	/* What is queued stays, even above a smaller limit (Linux drops nothing either). */
	rq = rq_alloc(MAX(limit, pcb->rq_used), &cap);
	if (!rq)
		return -ENOBUFS;
	if (pcb->rq_used)
		rq_read(pcb, pos, rq, pcb->rq_used);
	free(pcb->rq);
	t->mem = t->mem - pcb->rq_cap + cap;
	pcb->rq = rq;
	pcb->rq_cap = cap;
	pcb->rq_head = 0;
	pcb->rq_limit = limit;
	return 0;
}

size_t udp_get_rcvbuf(const struct udp_pcb *pcb)
{
	return pcb->rq_limit;
}

void udp_endpoints(const struct udp_pcb *pcb, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
		   uint16_t *rport)
{
	/* Linux fills in the source address on connect() (inet_saddr). */
	if (laddr)
		*laddr = pcb->laddr ? pcb->laddr : pcb->raddr ? pcb->st->cfg.addr : 0;
	if (lport)
		*lport = pcb->lport;
	if (raddr)
		*raddr = pcb->raddr;
	if (rport)
		*rport = pcb->rport;
}

/* ---- input ---- */

/* Whether pcb takes a datagram from ii->src:sport (Linux's compute_score() filters). */
static int udp_accepts(const struct udp_pcb *pcb, const struct ip4_info *ii, uint16_t sport)
{
	if (pcb->laddr && ii->dst != pcb->laddr)
		return 0; /* bound to our unicast address: no broadcast */
	if (pcb->raddr && (ii->src != pcb->raddr || sport != pcb->rport))
		return 0; /* connected: that peer only */
	return 1;
}

/* Queue a datagram of len bytes from addr:port, or drop it if the queue is full. */
static void udp_enqueue(struct udp_pcb *pcb, uint32_t addr, uint16_t port, const uint8_t *data,
			uint16_t len)
{
	struct stack *st = pcb->st;
	size_t rec = UDP_REC_OVERHEAD + (size_t)len, pos;
	uint8_t h[UDP_REC_OVERHEAD];

	/* SO_RCVBUF, as Linux: an empty queue takes any one datagram. */
	if (pcb->rq_count && pcb->rq_used + rec > pcb->rq_limit) {
		STAT_INC(st, udp_rcvbuf_errors);
		return;
	}
	put_be32(h, addr);
	put_be16(h + 4, port);
	put_be16(h + 6, len);
	pos = rq_write(pcb, (pcb->rq_head + pcb->rq_used) % pcb->rq_cap, h, sizeof(h));
	rq_write(pcb, pos, data, len);
	pcb->rq_used += rec;
	pcb->rq_count++;
	STAT_INC(st, udp_delivered);
	udp_mark(pcb, UDP_EV_READABLE);
}

/*
 * No socket for the datagram p (ulen bytes of UDP): port unreachable
 * (RFC 1122 4.1.3.1), unless it was broadcast (RFC 1122 3.2.2).
 */
static void udp_noport(struct stack *st, const struct pkt *p, size_t ulen,
		       const struct ip4_info *ii, unsigned flags)
{
	uint8_t quote[576 - IP4_HLEN - ICMP_HLEN];
	const uint8_t *data;
	size_t n;

	if (ii->dst != st->cfg.addr || (flags & ETH_IN_BCAST)) {
		STAT_INC(st, udp_noport_bcast);
		return;
	}
	STAT_INC(st, udp_noport);
	if (!ii->hdr || ii->hlen > sizeof(quote))
		return; /* nothing to quote (cannot happen from ip4_input()) */
	/* RFC 1812 4.3.2.3: the header and as much of the datagram as fits in 576 bytes. */
	n = MIN(ulen, sizeof(quote) - ii->hlen);
	if (!(data = pkt_get(p, 0, n)))
		return;
	memcpy(quote, ii->hdr, ii->hlen);
	memcpy(quote + ii->hlen, data, n);
	icmp_send_error(st, ICMP_UNREACH, ICMP_UNREACH_PORT, ii->src, quote, ii->hlen + n);
}

void udp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags)
{
	const uint8_t *uh = pkt_get(p, 0, UDP_HLEN), *dg;
	struct udp_pcb *pcb;
	uint16_t ulen, sport;

	STAT_INC(st, udp_rx);
	if (!uh) {
		STAT_INC(st, udp_drop_short);
		return;
	}
	/* RFC 768: the length covers header and data; IP may carry padding after it. */
	ulen = get_be16(uh + 4);
	if (ulen < UDP_HLEN || !(dg = pkt_get(p, 0, ulen))) {
		STAT_INC(st, udp_drop_len);
		return;
	}
	/* RFC 1122 4.1.3.4: a non-zero checksum that is wrong means a silent discard. */
	if (get_be16(uh + 6) && !(flags & STACK_IN_CSUM_OK) &&
	    csum_fold(csum_partial(dg, ulen, csum_pseudo4(ii->src, ii->dst, IPPROTO_UDP_, ulen)))) {
		STAT_INC(st, udp_drop_csum);
		return;
	}
	sport = get_be16(uh);
	pcb = udp_lookup(st, get_be16(uh + 2));
	if (!pcb || !udp_accepts(pcb, ii, sport)) {
		udp_noport(st, p, ulen, ii, flags);
		return;
	}
	udp_enqueue(pcb, ii->src, sport, dg + UDP_HLEN, (uint16_t)(ulen - UDP_HLEN));
}

/* ---- ICMP errors ---- */

/* The errno Linux reports for an error on a connected UDP socket, 0 if it does not. */
static int udp_icmp_errno(uint8_t type, uint8_t code)
{
	switch (type) {
	case ICMP_UNREACH:
		return code < ARRAY_SIZE(unreach_hard_errno) ? unreach_hard_errno[code] : 0;
	case ICMP_PARAMPROB:
		return EPROTO;
	default:
		return 0; /* time exceeded: transient */
	}
}

void udp_icmp_error(struct stack *st, uint16_t lport, uint32_t raddr, uint16_t rport, uint8_t type,
		    uint8_t code)
{
	struct udp_pcb *pcb = udp_lookup(st, lport);
	int err = udp_icmp_errno(type, code);

	/* RFC 1122 4.1.3.3: pass it up - Linux does so on a connected socket only. */
	if (!pcb || !pcb->raddr || pcb->raddr != raddr || pcb->rport != rport || !err) {
		STAT_INC(st, udp_icmp_ignored);
		return;
	}
	STAT_INC(st, udp_icmp_err);
	pcb->so_error = err;
	udp_mark(pcb, UDP_EV_ERROR);
}

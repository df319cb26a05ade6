/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_pair.c - two ustack endpoints joined by a simulated link.
 *
 * Theory of operation: stacks A (10.0.0.1) and B (10.0.0.2) send their
 * frames into a queue for the other side; the link delivers each frame after
 * a delay, and may lose, duplicate, reorder or corrupt it, all from one
 * seeded PRNG so a failure replays exactly.  Time is virtual: the loop
 * jumps to the next frame arrival or stack deadline.  B listens, A
 * connects, and both send a pattern the other checks byte by byte, so every
 * TCP mechanism (options on both ends, SACK recovery, retransmission,
 * window updates, the close handshake) runs against our own peer with
 * nothing but the RFCs between them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pkt.h"

#define P_QLEN 4096
#define P_MAXF 1600

struct pframe {
	uint64_t at;
	int to;	      /* 0: A, 1: B */
	uint64_t seq; /* order of sending */
	uint16_t len;
	uint8_t data[P_MAXF];
};

struct pair;

struct pend {
	struct pair *p;
	int side;
	struct stack *st;
	struct tcb *tp;	    /* the data connection */
	struct tcb *lp;	    /* B's listener */
	uint64_t sent, rcvd; /* pattern bytes */
	uint64_t total;	    /* to send */
	int shut, eof, err;
	int close_after_eof; /* close only once the peer has closed */
};

struct pair {
	struct pend e[2];
	struct pframe *q; /* arrivals, unsorted; small enough to scan */
	size_t nq;
	uint64_t nseq;
	uint64_t now;
	uint32_t rng;
	/* link model, per mille */
	unsigned loss, dup, reorder, corrupt;
	unsigned delay_ms;
	uint64_t lost, dups, reordered, corrupted;
};

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };

static uint32_t prng(struct pair *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 17;
	p->rng ^= p->rng << 5;
	return p->rng;
}

static void p_enqueue(struct pair *p, int to, const uint8_t *f, size_t len, uint64_t at)
{
	struct pframe *x;

	ck_assert_uint_lt(p->nq, P_QLEN);
	ck_assert_uint_le(len, P_MAXF);
	x = &p->q[p->nq++];
	x->at = at;
	x->seq = p->nseq++;
	x->to = to;
	x->len = (uint16_t)len;
	memcpy(x->data, f, len);
}

static void p_xmit(void *ctx, const uint8_t *f, size_t len)
{
	struct pend *e = ctx;
	struct pair *p = e->p;
	uint64_t at = p->now + p->delay_ms;

	if (prng(p) % 1000 < p->loss) {
		p->lost++;
		return;
	}
	if (prng(p) % 1000 < p->reorder) {
		at += 1 + prng(p) % 5; /* behind the frames sent in the next few ms */
		p->reordered++;
	}
	p_enqueue(p, !e->side, f, len, at);
	if (len > 34 && prng(p) % 1000 < p->corrupt) {
		/* A flipped byte past the IPv4 header: TCP's checksum must catch it. */
		struct pframe *x = &p->q[p->nq - 1];

		x->data[34 + prng(p) % (len - 34)] ^= (uint8_t)(1 + prng(p) % 255);
		p->corrupted++;
	}
	if (prng(p) % 1000 < p->dup) {
		p_enqueue(p, !e->side, f, len, at + 1);
		p->dups++;
	}
}

static void p_random(void *ctx, void *buf, size_t len)
{
	struct pend *e = ctx;

	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)prng(e->p);
}

static uint8_t pat(uint64_t off, int side)
{
	return (uint8_t)((off * 7 + (off >> 9)) ^ (side ? 0x5a : 0xa5));
}

/* Move what can move between the application and the tcb of e. */
static void p_pump(struct pend *e)
{
	struct iovec iov[2];
	size_t n;

	if (!e->tp || e->err)
		return;
	while (e->sent < e->total && (n = tcp_snd_space(e->tp, iov)) > 0) {
		size_t k = 0;

		for (int v = 0; v < 2; v++)
			for (size_t i = 0; i < iov[v].iov_len && e->sent + k < e->total; i++, k++)
				((uint8_t *)iov[v].iov_base)[i] = pat(e->sent + k, e->side);
		tcp_snd_commit(e->tp, k);
		e->sent += k;
	}
	/* Like an application, close only once connected (CLOSE in SYN-SENT deletes the TCB). */
	if (e->sent == e->total && !e->shut && (!e->close_after_eof || e->eof) &&
	    (tcp_state(e->tp) == H_ESTABLISHED || tcp_state(e->tp) == H_CLOSE_WAIT)) {
		tcp_shutdown(e->tp);
		e->shut = 1;
	}
	while ((n = tcp_rcv_data(e->tp, iov)) > 0) {
		/* Check's assertions cost a write each: compare first, assert on a mismatch. */
		for (int v = 0; v < 2; v++)
			for (size_t i = 0; i < iov[v].iov_len; i++, e->rcvd++)
				if (((uint8_t *)iov[v].iov_base)[i] != pat(e->rcvd, !e->side))
					ck_abort_msg("side %d byte %llu corrupted", e->side,
						     (unsigned long long)e->rcvd);
		tcp_rcv_consume(e->tp, n);
	}
	if (tcp_rcv_fin(e->tp))
		e->eof = 1;
}

static void p_event(void *ctx, struct tcb *tp, void *user, unsigned ev)
{
	struct pend *e = ctx;

	if (tp == e->lp) {
		struct tcb *c = tcp_accept(e->lp, e);

		if (c)
			e->tp = c;
		return;
	}
	if (ev & TCP_EV_ERROR)
		e->err = tcp_error_take(tp);
	p_pump(e);
}

static struct pair *p_new(uint32_t seed)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct stack_cfg cfg;

	ck_assert_ptr_nonnull(p);
	p->q = calloc(P_QLEN, sizeof(*p->q));
	ck_assert_ptr_nonnull(p->q);
	p->rng = seed ? seed : 1;
	p->delay_ms = 1;
	for (int s = 0; s < 2; s++) {
		struct stack_io io = { .ctx = &p->e[s], .xmit = p_xmit, .random = p_random,
				       .tcp_event = p_event };

		stack_cfg_defaults(&cfg);
		memcpy(cfg.mac, s ? mac_b : mac_a, 6);
		cfg.addr = s ? H_PEER_IP : H_OUR_IP;
		cfg.netmask = H_NETMASK;
		cfg.time_wait_ms = 2000;
		p->e[s].p = p;
		p->e[s].side = s;
		p->e[s].st = stack_new(&cfg, &io, 0);
		ck_assert_ptr_nonnull(p->e[s].st);
	}
	return p;
}

static void p_free(struct pair *p)
{
	for (int s = 0; s < 2; s++)
		stack_free(p->e[s].st);
	free(p->q);
	free(p);
}

static int p_done(const struct pair *p)
{
	return p->e[0].eof && p->e[1].eof && p->e[0].shut && p->e[1].shut;
}

static int p_empty(const struct pair *p)
{
	return stack_tcb_count(p->e[0].st) + stack_tcb_count(p->e[1].st) == 0;
}

static int a_empty(const struct pair *p)
{
	return stack_tcb_count(p->e[0].st) == 0;
}

/* Run until done(p) or limit_ms of virtual time passed; returns the time. */
static uint64_t p_run_until(struct pair *p, uint64_t limit_ms, int (*done)(const struct pair *))
{
	while (p->now < limit_ms) {
		uint64_t next = UINT64_MAX;
		size_t i;

		if (done(p))
			break;
		for (i = 0; i < p->nq; i++)
			next = MIN(next, p->q[i].at);
		for (int s = 0; s < 2; s++)
			next = MIN(next, stack_next_deadline(p->e[s].st));
		if (next == UINT64_MAX)
			break;
		p->now = MAX(p->now, next);
		/* Deliver every frame due now, oldest first (reordering comes only from "at"). */
		for (;;) {
			size_t best = p->nq;
			struct pframe f;

			for (i = 0; i < p->nq; i++)
				if (p->q[i].at <= p->now &&
				    (best == p->nq || p->q[i].at < p->q[best].at ||
				     (p->q[i].at == p->q[best].at && p->q[i].seq < p->q[best].seq)))
					best = i;
			if (best == p->nq)
				break;
			f = p->q[best];
			p->q[best] = p->q[--p->nq];
			stack_input(p->e[f.to].st, f.data, f.len, 0, p->now);
		}
		for (int s = 0; s < 2; s++) {
			stack_flush(p->e[s].st, p->now);
			if (stack_next_deadline(p->e[s].st) <= p->now)
				stack_timer(p->e[s].st, p->now);
			p_pump(&p->e[s]);
			stack_flush(p->e[s].st, p->now);
		}
	}
	return p->now;
}

static uint64_t p_run(struct pair *p, uint64_t limit_ms)
{
	return p_run_until(p, limit_ms, p_done);
}

/* Listen on B, connect from A, move total bytes each way, close both ways. */
static void p_transfer(struct pair *p, uint64_t total, uint64_t limit_ms)
{
	int err = 0;

	p->e[0].total = p->e[1].total = total;
	p->e[1].lp = tcp_listen(p->e[1].st, 80, 8, &p->e[1], &err);
	ck_assert_ptr_nonnull(p->e[1].lp);
	p->e[0].tp = tcp_connect(p->e[0].st, H_PEER_IP, 80, &p->e[0], p->now, &err);
	ck_assert_ptr_nonnull(p->e[0].tp);
	p_run(p, limit_ms);
	if (getenv("PAIR_VERBOSE"))
		fprintf(stderr, "transfer done at %llu ms, lost %llu dup %llu reord %llu corrupt %llu\n",
			(unsigned long long)p->now, (unsigned long long)p->lost,
			(unsigned long long)p->dups, (unsigned long long)p->reordered,
			(unsigned long long)p->corrupted);
	if (getenv("PAIR_VERBOSE"))
		for (int s = 0; s < 2; s++) {
			const uint64_t *c = stack_stats(p->e[s].st);

			fprintf(stderr, "  side %d: rto %llu fastrx %llu sackrec %llu partial %llu rexmit %llu dupacks %llu\n", s,
				(unsigned long long)c[STAT_tcp_rexmit_timeouts],
				(unsigned long long)c[STAT_tcp_fast_retransmits],
				(unsigned long long)c[STAT_tcp_sack_recoveries],
				(unsigned long long)c[STAT_tcp_partial_acks],
				(unsigned long long)c[STAT_tcp_rexmit_segs],
				(unsigned long long)c[STAT_tcp_dupacks]);
		}
	for (int s = 0; s < 2; s++) {
		ck_assert_msg(!p->e[s].err, "side %d failed with errno %d", s, p->e[s].err);
		ck_assert_ptr_nonnull(p->e[s].tp);
		ck_assert_uint_eq(p->e[s].rcvd, total);
		ck_assert_msg(p->e[s].eof, "side %d saw no FIN", s);
	}
}

/* Release both connections and the listener; after TIME-WAIT nothing is left. */
static void p_finish(struct pair *p)
{
	tcp_release(p->e[0].tp);
	tcp_release(p->e[1].tp);
	tcp_release(p->e[1].lp);
	p->e[0].tp = p->e[1].tp = p->e[1].lp = NULL;
	p_run_until(p, p->now + 120000, p_empty);
	ck_assert_uint_eq(stack_tcb_count(p->e[0].st), 0);
	ck_assert_uint_eq(stack_tcb_count(p->e[1].st), 0);
}

START_TEST(clean_link)
{
	struct pair *p = p_new(1);
	struct tcp_stat ts;

	p_transfer(p, 4 << 20, 60000);
	tcp_get_stat(p->e[0].tp, &ts);
	ck_assert_uint_eq(ts.total_retrans, 0);
	ck_assert_uint_eq(stack_stats(p->e[1].st)[STAT_tcp_passive_opens], 1);
	p_finish(p);
	p_free(p);
}
END_TEST

/* Each impairment of the link, alone and together; every byte must arrive. */
static const struct {
	const char *name;
	unsigned loss, dup, reorder, corrupt;
} profiles[] = {
	{ "loss 1%", 10, 0, 0, 0 },    { "loss 5%", 50, 0, 0, 0 },   { "loss 10%", 100, 0, 0, 0 },
	{ "reorder 5%", 0, 0, 50, 0 }, { "dup 2%", 0, 20, 0, 0 },     { "corrupt 1%", 0, 0, 0, 10 },
	{ "all", 30, 20, 50, 10 },
};

START_TEST(impaired_link)
{
	struct pair *p = p_new(1000u + (uint32_t)_i);

	p->loss = profiles[_i].loss;
	p->dup = profiles[_i].dup;
	p->reorder = profiles[_i].reorder;
	p->corrupt = profiles[_i].corrupt;
	p_transfer(p, 1 << 20, 600000);
	if (profiles[_i].loss)
		ck_assert_uint_gt(p->lost, 0);
	if (profiles[_i].corrupt)
		ck_assert_uint_gt(stack_stats(p->e[0].st)[STAT_tcp_drop_csum] +
					  stack_stats(p->e[1].st)[STAT_tcp_drop_csum] +
					  stack_stats(p->e[0].st)[STAT_ip_drop_csum] +
					  stack_stats(p->e[1].st)[STAT_ip_drop_csum],
				  0);
	if (profiles[_i].loss >= 50)
		ck_assert_uint_gt(stack_stats(p->e[0].st)[STAT_tcp_sack_recoveries] +
					  stack_stats(p->e[1].st)[STAT_tcp_sack_recoveries],
				  0);
	p_finish(p);
	p_free(p);
}
END_TEST

/* RFC 9293 3.5 figure 8: both ends send SYN at once and both get ESTABLISHED. */
START_TEST(simultaneous_open)
{
	struct pair *p = p_new(7);
	int err = 0;

	p->delay_ms = 5;
	p->e[0].total = p->e[1].total = 100000;
	p->e[0].tp = tcp_connect_port(p->e[0].st, 40000, H_PEER_IP, 40001, &p->e[0], 0, &err);
	ck_assert_ptr_nonnull(p->e[0].tp);
	p->e[1].tp = tcp_connect_port(p->e[1].st, 40001, H_OUR_IP, 40000, &p->e[1], 0, &err);
	ck_assert_ptr_nonnull(p->e[1].tp);
	p_run(p, 60000);
	for (int s = 0; s < 2; s++) {
		ck_assert_int_eq(p->e[s].err, 0);
		ck_assert_uint_eq(p->e[s].rcvd, 100000);
		ck_assert(p->e[s].eof);
	}
	/* Both sides closed at once too: CLOSING on at least one side, then TIME-WAIT. */
	tcp_release(p->e[0].tp);
	tcp_release(p->e[1].tp);
	p->e[0].tp = p->e[1].tp = NULL;
	p_run_until(p, p->now + 120000, p_empty);
	ck_assert_uint_eq(stack_tcb_count(p->e[0].st) + stack_tcb_count(p->e[1].st), 0);
	/* The same port pair again while the first is still in use is refused. */
	p_free(p);
}
END_TEST

/* RFC 6191: a new SYN with a newer timestamp ends the server's TIME-WAIT at once. */
START_TEST(time_wait_reuse)
{
	struct pair *p = p_new(21);
	int err = 0;
	struct tcb *c;
	uint64_t t0;

	p->e[1].lp = tcp_listen(p->e[1].st, 80, 4, &p->e[1], &err);
	ck_assert_ptr_nonnull(p->e[1].lp);
	p->e[1].total = 10000;	       /* the server sends, then closes first */
	p->e[0].close_after_eof = 1; /* the client closes after it */
	p->e[0].tp = tcp_connect_port(p->e[0].st, 40000, H_PEER_IP, 80, &p->e[0], 0, &err);
	ck_assert_ptr_nonnull(p->e[0].tp);
	p_run(p, 10000);
	ck_assert_uint_eq(p->e[0].rcvd, 10000);
	ck_assert_int_eq(tcp_state(p->e[1].tp), H_TIME_WAIT);
	tcp_release(p->e[0].tp);
	tcp_release(p->e[1].tp);
	p->e[0].tp = p->e[1].tp = NULL;
	p_run_until(p, p->now + 1000, a_empty); /* the client's LAST-ACK ends */
	ck_assert_uint_eq(stack_tcb_count(p->e[0].st), 0);
	ck_assert_uint_eq(stack_tcb_count(p->e[1].st), 2); /* listener + TIME-WAIT */
	p->now += 100; /* well inside the 2 s TIME-WAIT */
	t0 = p->now;
	c = tcp_connect_port(p->e[0].st, 40000, H_PEER_IP, 80, NULL, p->now, &err);
	ck_assert_ptr_nonnull(c);
	p_run_until(p, p->now + 500, p_empty); /* not empty: just run 500 ms */
	ck_assert_int_eq(tcp_state(c), H_ESTABLISHED);
	ck_assert_uint_eq(stack_stats(p->e[1].st)[STAT_tcp_tw_reused], 1);
	ck_assert_uint_lt(p->now - t0, 1000); /* no SYN retransmission was needed */
	ck_assert_ptr_nonnull(p->e[1].tp); /* accepted by p_event from the listener's READABLE */
	ck_assert_int_eq(tcp_state(p->e[1].tp), H_ESTABLISHED);
	p_free(p);
}
END_TEST

/* A SYN beyond the backlog is dropped; the client's retransmission gets in once there is room. */
START_TEST(listen_backlog)
{
	struct pair *p = p_new(11);
	struct tcb *c[3], *lp;
	int err = 0;

	lp = tcp_listen(p->e[1].st, 80, 2, NULL, &err);
	ck_assert_ptr_nonnull(lp);
	ck_assert_ptr_null(tcp_listen(p->e[1].st, 80, 2, NULL, &err));
	ck_assert_int_eq(err, EADDRINUSE);
	for (int i = 0; i < 3; i++) {
		c[i] = tcp_connect(p->e[0].st, H_PEER_IP, 80, NULL, p->now, &err);
		ck_assert_ptr_nonnull(c[i]);
	}
	p_run(p, 900); /* before the SYN goes again at 1 s */
	ck_assert_uint_ge(stack_stats(p->e[1].st)[STAT_tcp_listen_overflow], 1);
	ck_assert_int_eq(tcp_state(c[0]), H_ESTABLISHED);
	ck_assert_int_eq(tcp_state(c[1]), H_ESTABLISHED);
	ck_assert_int_eq(tcp_state(c[2]), H_SYN_SENT);
	ck_assert_ptr_nonnull(tcp_accept(lp, NULL));
	p_run(p, 5000); /* the SYN goes again after 1 s, and now fits */
	ck_assert_int_eq(tcp_state(c[2]), H_ESTABLISHED);
	for (int i = 0; i < 3; i++)
		tcp_abort(c[i]), tcp_release(c[i]);
	tcp_release(lp); /* resets the two never accepted */
	p->now += 10;
	stack_flush(p->e[0].st, p->now);
	ck_assert_uint_eq(stack_tcb_count(p->e[0].st), 0);
	ck_assert_uint_eq(stack_tcb_count(p->e[1].st), 1); /* the accepted one, held */
	p_free(p);
}
END_TEST

Suite *tcp_pair_suite(void)
{
	Suite *s = suite_create("tcp_pair");
	TCase *tc = tcase_create("link");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, clean_link);
	tcase_add_loop_test(tc, impaired_link, 0, (int)(sizeof(profiles) / sizeof(profiles[0])));
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, listen_backlog);
	tcase_add_test(tc, time_wait_reuse);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_timer.c - retransmission (RFC 6298: initial RTO, backoff, RTT
 * estimation, rto_min/rto_max, Karn), SYN and data give-up, fast
 * retransmit (RFC 5681 3.2).
 */
#include <errno.h>

#include "harness.h"

static struct harness *est_rtt(struct h_conn *c, const struct stack_cfg *cfg, uint32_t rtt_ms)
{
	struct harness *h = h_new(cfg);

	h_conn_init(c);
	c->peer_mss = 1000;
	c->rtt_ms = rtt_ms;
	h_establish(h, c);
	return h;
}

static uint32_t rto_of(const struct tcb *tp)
{
	struct tcp_stat ts;

	tcp_get_stat(tp, &ts);
	return ts.rto_ms;
}

/* Connect to the (known) peer that never answers; returns the tcb. */
static struct tcb *connect_silent(struct harness *h)
{
	struct tcb *tp;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, h->now, &err);
	ck_assert_ptr_nonnull(tp);
	return tp;
}

static void check_syns(const struct harness *h, const uint64_t *at, size_t n)
{
	struct h_seg s, first;

	ck_assert_uint_eq(h_ntcp(h), n);
	h_tcp(h, 0, &first);
	for (size_t i = 0; i < n; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.flags, H_SYN);
		ck_assert_uint_eq(s.seq, first.seq);
		ck_assert_uint_eq(s.sport, first.sport);
		ck_assert(s.has_mss);
		ck_assert_msg(h->sent[i].at == at[i], "SYN #%zu at %llu, not %llu", i,
			      (unsigned long long)h->sent[i].at, (unsigned long long)at[i]);
	}
}

/* RFC 6298 2.1 and 5.5: 1 s before any sample, doubled at every timeout. */
START_TEST(syn_backoff_then_timeout)
{
	static const uint64_t at[] = { 0, 1000, 3000, 7000, 15000, 31000, 63000 };
	struct harness *h = h_new(NULL);
	struct tcb *tp = connect_silent(h);

	ck_assert_uint_eq(rto_of(tp), 1000);
	h_advance_to(h, 122999);
	check_syns(h, at, 7); /* the first and syn_retries = 6 more; 64 s capped to 60 s */
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
	h_advance_to(h, 123000);
	ck_assert_uint_eq(h_ntcp(h), 7);
	ck_assert_uint_eq(h_events(h, tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(tp), ETIMEDOUT);
	ck_assert_int_eq(tcp_state(tp), H_CLOSE);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_conn_failed), 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(syn_retries_and_rto_max)
{
	static const uint64_t at[] = { 0, 1000, 3000, 6000, 9000, 12000 };
	struct stack_cfg cfg;
	struct harness *h;
	struct tcb *tp;

	h_cfg(&cfg);
	cfg.syn_retries = 5;
	cfg.rto_max_ms = 3000;
	h = h_new(&cfg);
	tp = connect_silent(h);
	h_advance_to(h, 14999);
	check_syns(h, at, 6);
	ck_assert_int_eq(tcp_error(tp), 0);
	h_advance_to(h, 15000);
	ck_assert_int_eq(tcp_error(tp), ETIMEDOUT);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* Unacknowledged data goes again after the RTO: one segment (cwnd = 1 MSS), then go-back-N. */
START_TEST(data_rto)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 100);
	struct h_seg s;
	uint64_t t0 = h->now;

	ck_assert_uint_eq(rto_of(c.tp), 300); /* RFC 6298 2.2: R + 4 * R/2 */
	h_write(c.tp, 3000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	h_advance_to(h, t0 + 299);
	ck_assert_uint_eq(h_ntcp(h), 3);
	h_advance_to(h, t0 + 300);
	ck_assert_uint_eq(h_ntcp(h), 4);
	h_tcp(h, 3, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(s.len, 1000);
	ck_assert(h_pattern_ok(s.data, s.len, 0));
	ck_assert_uint_eq(rto_of(c.tp), 600);
	/* backed off: next at +600, then +1200 */
	h_advance_to(h, t0 + 899);
	ck_assert_uint_eq(h_ntcp(h), 4);
	h_advance_to(h, t0 + 900);
	ck_assert_uint_eq(h_ntcp(h), 5);
	h_advance_to(h, t0 + 2100);
	ck_assert_uint_eq(h_ntcp(h), 6);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_timeouts), 3);
	/* the first segment arrives: the other two follow */
	h_clear(h);
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1001);
	ck_assert(h_pattern_ok(s.data, s.len, 1000));
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.seq, c.iss + 2001);
	ck_assert(h_pattern_ok(s.data, s.len, 2000));
	h_peer_ack(h, &c, c.iss + 1 + 3000);
	h_flush(h);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/* RFC 6298 5.3: an ACK of new data restarts the timer; 5.2: all acknowledged stops it. */
START_TEST(rexmt_restarted_on_ack)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 100);
	uint64_t t0 = h->now;
	struct h_seg s;

	uint32_t rto;

	h_write(c.tp, 2000, 0);
	h_flush(h);
	h_advance_to(h, t0 + 250);
	h_peer_ack(h, &c, c.iss + 1001);
	h_flush(h);
	h_clear(h);
	rto = rto_of(c.tp); /* after the 250 ms sample */
	h_advance_to(h, t0 + 250 + rto - 1);
	ck_assert_uint_eq(h->nsent, 0);
	h_advance_to(h, t0 + 250 + rto);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1001);
	h_peer_ack(h, &c, c.iss + 2001);
	h_flush(h);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/* RFC 6298 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R. */
START_TEST(rtt_sample_updates_rto)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 100);
	uint64_t t0;

	ck_assert_uint_eq(rto_of(c.tp), 300);
	h_write(c.tp, 1000, 0);
	h_flush(h);
	h_advance(h, 200);
	h_peer_ack(h, &c, c.iss + 1001);
	h_flush(h);
	/* RTTVAR = 37.5 + 25 = 62.5 ms, SRTT = 87.5 + 25 = 112.5 ms: 112.5 + 250 = 362.5 */
	ck_assert_uint_eq(rto_of(c.tp), 363);
	h_clear(h);
	t0 = h->now;
	h_write(c.tp, 1000, 1000);
	h_flush(h);
	h_advance_to(h, t0 + 362);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_advance_to(h, t0 + 363);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_peer_ack(h, &c, c.iss + 2001);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* RFC 6298 2.4: the RTO never goes below rto_min (here a 10 ms path: 30 ms computed). */
START_TEST(rto_min_clamp)
{
	struct stack_cfg cfg;
	struct h_conn c;
	struct harness *h;
	uint64_t t0;

	h = est_rtt(&c, NULL, 10);
	ck_assert_uint_eq(rto_of(c.tp), 200);
	h_finish(h, &c);
	h_teardown();

	h_cfg(&cfg);
	cfg.rto_min_ms = 20;
	h = est_rtt(&c, &cfg, 10);
	ck_assert_uint_eq(rto_of(c.tp), 30);
	h_finish(h, &c);
	h_teardown();

	cfg.rto_min_ms = 50;
	h = est_rtt(&c, &cfg, 10);
	ck_assert_uint_eq(rto_of(c.tp), 50);
	t0 = h->now;
	h_write(c.tp, 100, 0);
	h_flush(h);
	h_advance_to(h, t0 + 49);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_advance_to(h, t0 + 50);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_peer_ack(h, &c, c.iss + 101);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* Karn: the ACK of a retransmitted segment is no sample; the backed-off RTO stays. */
START_TEST(karn)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 100);
	uint64_t t0 = h->now;

	h_write(c.tp, 1000, 0);
	h_flush(h);
	h_advance_to(h, t0 + 300);
	ck_assert_uint_eq(h_ntcp(h), 2);
	ck_assert_uint_eq(rto_of(c.tp), 600);
	h_advance_to(h, t0 + 350);
	h_peer_ack(h, &c, c.iss + 1001);
	h_flush(h);
	/* a sample of 350 ms would have given 532 */
	ck_assert_uint_eq(rto_of(c.tp), 600);
	/* a fresh segment is timed again: a 100 ms sample gives 100 + 4 * 37.5 = 250 */
	h_write(c.tp, 1000, 1000);
	h_flush(h);
	h_advance(h, 100);
	h_peer_ack(h, &c, c.iss + 2001);
	h_flush(h);
	ck_assert_uint_eq(rto_of(c.tp), 250);
	h_finish(h, &c);
}
END_TEST

/*
 * Karn for the SYN: a SYN/ACK after a retransmitted SYN gives no sample, and
 * RFC 6298 5.7: the RTO is then 3 s when data transmission begins.
 */
START_TEST(karn_syn)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	uint64_t t0;

	h_conn_init(&c);
	c.rtt_ms = 1100; /* the SYN went again at 1000; a sample would give 3300 */
	h_establish(h, &c);
	ck_assert_uint_eq(rto_of(c.tp), 3000);
	t0 = h->now;
	h_write(c.tp, 100, 0);
	h_flush(h);
	h_advance_to(h, t0 + 2999);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_advance_to(h, t0 + 3000);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_peer_ack(h, &c, c.iss + 101);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

START_TEST(data_retries_timeout)
{
	struct stack_cfg cfg;
	struct h_conn c;
	struct harness *h;
	uint64_t t0;

	h_cfg(&cfg);
	cfg.data_retries = 3;
	h = est_rtt(&c, &cfg, 0);
	ck_assert_uint_eq(rto_of(c.tp), 200);
	t0 = h->now;
	h_write(c.tp, 500, 0);
	h_flush(h);
	/* sent at 0, again at 200, 600, 1400; given up at 3000 */
	h_advance_to(h, t0 + 2999);
	ck_assert_uint_eq(h_ntcp(h), 4);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	h_advance_to(h, t0 + 3000);
	ck_assert_uint_eq(h_ntcp(h), 4);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), ETIMEDOUT);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_timeouts), 1);
	tcp_release(c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* RFC 5681 3.2: the third duplicate ACK resends the first unacknowledged segment at once. */
START_TEST(fast_retransmit)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 10);
	struct h_seg s;

	h_write(c.tp, 5000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 5);
	h_advance(h, 10);
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	h_flush(h);
	h_clear(h);
	h_peer_ack(h, &c, c.ack);
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 1000);
	ck_assert_uint_eq(s.len, 1000);
	ck_assert(h_pattern_ok(s.data, s.len, 1000));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_dupacks), 3);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_timeouts), 0);
	/* the hole filled, everything is acknowledged: no timer left */
	h_peer_ack(h, &c, c.iss + 1 + 5000);
	h_flush(h);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/* ACKs that carry data or a new window are not duplicates (RFC 5681 2). */
START_TEST(not_dupacks)
{
	struct h_conn c;
	struct harness *h = est_rtt(&c, NULL, 10);
	uint8_t d[10];

	h_pattern(d, sizeof(d), 0);
	h_write(c.tp, 5000, 0);
	h_flush(h);
	h_clear(h);
	h_peer_send(h, &c, 0, d, sizeof(d));
	h_peer_send(h, &c, 0, d, sizeof(d));
	h_peer_send(h, &c, 0, d, sizeof(d));
	c.win -= 1;
	h_peer_ack(h, &c, c.ack);
	c.win -= 1;
	h_peer_ack(h, &c, c.ack);
	c.win -= 1;
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	for (size_t i = 0; i < h_ntcp(h); i++) {
		struct h_seg s;

		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.len, 0);
	}
	ck_assert_uint_eq(h_stat(h, STAT_tcp_dupacks), 0);
	h_peer_ack(h, &c, c.iss + 1 + 5000);
	h_flush(h);
	h_read(c.tp, d, sizeof(d));
	h_read(c.tp, d, sizeof(d));
	h_read(c.tp, d, sizeof(d));
	h_finish(h, &c);
}
END_TEST

Suite *tcp_timer_suite(void)
{
	Suite *s = suite_create("tcp_timer");
	TCase *tc = h_tcase("rexmt");

	tcase_add_test(tc, syn_backoff_then_timeout);
	tcase_add_test(tc, syn_retries_and_rto_max);
	tcase_add_test(tc, data_rto);
	tcase_add_test(tc, rexmt_restarted_on_ack);
	tcase_add_test(tc, rtt_sample_updates_rto);
	tcase_add_test(tc, rto_min_clamp);
	tcase_add_test(tc, karn);
	tcase_add_test(tc, karn_syn);
	tcase_add_test(tc, data_retries_timeout);
	tcase_add_test(tc, fast_retransmit);
	tcase_add_test(tc, not_dupacks);
	suite_add_tcase(s, tc);
	return s;
}

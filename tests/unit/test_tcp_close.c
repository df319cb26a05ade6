/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_close.c - closing (RFC 9293 3.6): active, passive and
 * simultaneous close, TIME_WAIT, orphans, half-close; and that every tcb is
 * freed once the connection is over and released.
 */
#include <errno.h>

#include "harness.h"

static struct harness *est_tw(struct h_conn *c, uint32_t time_wait_ms)
{
	struct stack_cfg cfg;
	struct harness *h;

	h_cfg(&cfg);
	cfg.time_wait_ms = time_wait_ms;
	h = h_new(&cfg);
	h_conn_init(c);
	h_establish(h, c);
	return h;
}

/* Our CLOSE up to FIN_WAIT_2: FIN sent and acknowledged. */
static void close_to_fin_wait_2(struct harness *h, struct h_conn *c)
{
	struct iovec iov[2];
	struct h_seg s;

	tcp_shutdown(c->tp);
	ck_assert_int_eq(tcp_state(c->tp), H_FIN_WAIT1);
	ck_assert_uint_eq(tcp_snd_space(c->tp, iov), 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_FIN | H_ACK);
	ck_assert_uint_eq(s.seq, c->iss + 1);
	ck_assert_uint_eq(s.ack, c->seq);
	h_clear(h);
	h_advance(h, 20);
	h_peer_ack(h, c, c->iss + 2);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c->tp), H_FIN_WAIT2);
	ck_assert_uint_eq(h->nsent, 0);
}

START_TEST(active_close)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	struct h_seg s;
	uint64_t t0;

	close_to_fin_wait_2(h, &c);
	ck_assert(!tcp_rcv_fin(c.tp));
	h_advance(h, 100);
	t0 = h->now;
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_TIME_WAIT);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert(tcp_rcv_fin(c.tp));
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, c.iss + 2);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	tcp_release(c.tp);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), t0 + 5000);
	h_advance_to(h, t0 + 4999);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_advance_to(h, t0 + 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_time_wait_done), 1);
	ck_assert_uint_eq(h_ntcp(h), 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

/* The user may hold the tcb through TIME_WAIT: CLOSED is reported at its end. */
START_TEST(active_close_held)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 7000);
	uint64_t t0;

	close_to_fin_wait_2(h, &c);
	t0 = h->now;
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	h_clear(h);
	h_advance_to(h, t0 + 6999);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	h_advance_to(h, t0 + 7000);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1); /* never freed under the user */
	tcp_release(c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* RFC 9293 3.10.7.4: a retransmitted FIN in TIME-WAIT is acknowledged and restarts 2MSL. */
START_TEST(time_wait_fin_again)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	struct h_seg s;
	uint64_t t1;

	close_to_fin_wait_2(h, &c);
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	tcp_release(c.tp);
	h_clear(h);
	h_advance(h, 3000);
	t1 = h->now;
	h_peer_seg(h, &c, H_FIN | H_ACK, c.irs + 1, c.iss + 2, c.win, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	h_advance_to(h, t1 + 4999);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_advance_to(h, t1 + 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(passive_close)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	struct h_seg s;

	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE_WAIT);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert(tcp_rcv_fin(c.tp));
	ck_assert_uint_eq(h_ntcp(h), 1); /* a FIN is acknowledged at once */
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	/* we may still send */
	h_clear(h);
	ck_assert_uint_eq(h_write(c.tp, 100, 0), 100);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 100);
	h_clear(h);
	tcp_shutdown(c.tp);
	ck_assert_int_eq(tcp_state(c.tp), H_LAST_ACK);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & H_FIN, H_FIN);
	ck_assert_uint_eq(s.seq, c.iss + 101);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	h_clear(h);
	h_peer_ack(h, &c, c.iss + 101); /* the data, not yet the FIN */
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_LAST_ACK);
	h_peer_ack(h, &c, c.iss + 102);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_uint_eq(h_events(h, c.tp) & TCP_EV_CLOSED, TCP_EV_CLOSED);
	ck_assert_uint_eq(h_events(h, c.tp) & TCP_EV_ERROR, 0);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	ck_assert(!tcp_was_reset(c.tp));
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX); /* no TIME_WAIT */
	tcp_release(c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* The FIN is reported after the data before it has been read. */
START_TEST(fin_after_data)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	uint8_t buf[200];
	struct h_seg s;

	h_pattern(buf, 100, 0);
	h_peer_send(h, &c, H_FIN | H_PSH, buf, 100);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE_WAIT);
	ck_assert(!tcp_rcv_fin(c.tp));
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.irs + 1 + 100 + 1);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 100);
	ck_assert(h_pattern_ok(buf, 100, 0));
	ck_assert(tcp_rcv_fin(c.tp));
	h_finish(h, &c);
}
END_TEST

START_TEST(simultaneous_close)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	struct h_seg s;
	uint64_t t0;

	tcp_shutdown(c.tp);
	h_flush(h);
	h_clear(h);
	/* the peer's FIN crosses ours: it does not acknowledge it */
	h_advance(h, 10);
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSING);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & (H_ACK | H_SYN | H_RST), H_ACK);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert(tcp_rcv_fin(c.tp));
	h_advance(h, 10);
	t0 = h->now;
	h_peer_ack(h, &c, c.iss + 2);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_TIME_WAIT);
	tcp_release(c.tp);
	h_advance_to(h, t0 + 4999);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_advance_to(h, t0 + 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* The peer's FIN acknowledges ours as well: straight to TIME_WAIT. */
START_TEST(fin_ack_together)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);

	tcp_shutdown(c.tp);
	h_flush(h);
	c.ack = c.iss + 2;
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_TIME_WAIT);
	tcp_release(c.tp);
	h_advance(h, 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(fin_retransmitted)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	struct tcp_stat ts;
	struct h_seg s;
	uint64_t t0 = h->now;

	tcp_get_stat(c.tp, &ts);
	tcp_shutdown(c.tp);
	h_flush(h);
	h_advance_to(h, t0 + ts.rto_ms);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.flags, H_FIN | H_ACK);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	h_peer_ack(h, &c, c.iss + 2);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_FIN_WAIT2);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/* Half close: after our FIN the peer may go on sending, and we read it. */
START_TEST(half_close_receive)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	uint8_t buf[3000];

	close_to_fin_wait_2(h, &c);
	h_pattern(buf, 1000, 0);
	h_peer_send(h, &c, 0, buf, 1000);
	h_pattern(buf, 1000, 1000);
	h_peer_send(h, &c, H_FIN, buf, 1000);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_TIME_WAIT);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 2000);
	ck_assert(h_pattern_ok(buf, 2000, 0));
	ck_assert(tcp_rcv_fin(c.tp));
	tcp_release(c.tp);
	h_advance(h, 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* Released in FIN_WAIT_2 and the peer never closes: freed after time_wait_ms anyway. */
START_TEST(orphan_fin_wait_2)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	uint64_t t0;

	tcp_release(c.tp);
	h_flush(h);
	h_advance(h, 10);
	t0 = h->now;
	h_peer_ack(h, &c, c.iss + 2);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_advance_to(h, t0 + 4999);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_advance_to(h, t0 + 5000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h->nev, 0);
}
END_TEST

/* An orphan whose FIN is never acknowledged gives up after data_retries. */
START_TEST(orphan_unanswered)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;

	h_cfg(&cfg);
	cfg.data_retries = 2;
	h = h_new(&cfg);
	h_conn_init(&c);
	h_establish(h, &c);
	tcp_release(c.tp);
	h_flush(h);
	h_advance(h, 24 * 3600 * 1000);
	ck_assert_uint_eq(h_ntcp(h), 3);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

START_TEST(close_in_syn_sent)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	h_clear(h);
	tcp_shutdown(tp);
	h_flush(h);
	ck_assert_int_eq(tcp_state(tp), H_CLOSE);
	ck_assert_uint_eq(h_events(h, tp), TCP_EV_CLOSED);
	h_advance(h, 100000);
	ck_assert_uint_eq(h->nsent, 0);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

static void release_on_closed(struct harness *h, struct tcb *tp, unsigned events)
{
	if (events & TCP_EV_CLOSED) {
		tcp_release(tp);
		h->priv = tp;
	}
}

/* The callback may release the tcb it is told about. */
START_TEST(release_from_callback)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);

	h->on_event = release_on_closed;
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	tcp_shutdown(c.tp);
	h_flush(h);
	h_peer_ack(h, &c, c.iss + 2);
	h_flush(h);
	ck_assert_ptr_eq(h->priv, c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	/* and after a reset */
	h->priv = NULL;
	h_establish(h, &c);
	h_peer_seg(h, &c, H_RST, c.seq, 0, 0, NULL, 0);
	h_flush(h);
	ck_assert_ptr_eq(h->priv, c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

static void release_on_readable(struct harness *h, struct tcb *tp, unsigned events)
{
	if (events & TCP_EV_READABLE) {
		tcp_release(tp);
		h->priv = tp;
	}
}

/* Released from the callback with data unread (reset, freed at once) or after the FIN (closed). */
START_TEST(release_from_readable)
{
	struct h_conn c;
	struct harness *h = est_tw(&c, 5000);
	uint8_t d[10];
	struct h_seg s;

	h->on_event = release_on_readable;
	h_pattern(d, sizeof(d), 0);
	h_peer_send(h, &c, H_PSH, d, sizeof(d));
	h_flush(h);
	ck_assert_ptr_eq(h->priv, c.tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & H_RST, H_RST);

	h->on_event = NULL;
	h_establish(h, &c);
	h->on_event = release_on_readable;
	h->priv = NULL;
	h_peer_send(h, &c, H_FIN, NULL, 0);
	h_flush(h);
	ck_assert_ptr_eq(h->priv, c.tp);
	/* one segment: the ACK of the peer's FIN rides on ours */
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_FIN | H_ACK);
	ck_assert_uint_eq(s.ack, c.irs + 2);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_peer_ack(h, &c, c.iss + 2);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* Many connections, each ended a different way: nothing is left behind. */
START_TEST(no_leftovers)
{
	struct harness *h = h_new(NULL);
	struct h_conn c[8];
	uint8_t d[10];

	h_pattern(d, sizeof(d), 0);
	for (int i = 0; i < 8; i++) {
		h_conn_init(&c[i]);
		c[i].rport = (uint16_t)(1000 + i);
		h_establish(h, &c[i]);
	}
	ck_assert_uint_eq(stack_tcb_count(h->st), 8);
	h_finish(h, &c[0]);					/* orderly, active */
	tcp_abort(c[1].tp);					/* abort */
	tcp_release(c[1].tp);
	h_peer_seg(h, &c[2], H_RST, c[2].seq, 0, 0, NULL, 0);	/* reset */
	h_flush(h);
	tcp_release(c[2].tp);
	h_peer_send(h, &c[3], 0, d, sizeof(d));			/* unread data */
	h_flush(h);
	tcp_release(c[3].tp);
	h_peer_send(h, &c[4], H_FIN, NULL, 0);			/* passive */
	h_flush(h);
	h_finish(h, &c[4]);
	tcp_release(c[5].tp);					/* orphan */
	tcp_release(c[6].tp);
	tcp_release(c[7].tp);
	h_flush(h);
	h_advance(h, 24 * 3600 * 1000);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

Suite *tcp_close_suite(void)
{
	Suite *s = suite_create("tcp_close");
	TCase *tc = h_tcase("close");

	tcase_add_test(tc, active_close);
	tcase_add_test(tc, active_close_held);
	tcase_add_test(tc, time_wait_fin_again);
	tcase_add_test(tc, passive_close);
	tcase_add_test(tc, fin_after_data);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, fin_ack_together);
	tcase_add_test(tc, fin_retransmitted);
	tcase_add_test(tc, half_close_receive);
	tcase_add_test(tc, orphan_fin_wait_2);
	tcase_add_test(tc, orphan_unanswered);
	tcase_add_test(tc, close_in_syn_sent);
	tcase_add_test(tc, release_from_callback);
	tcase_add_test(tc, release_from_readable);
	tcase_add_test(tc, no_leftovers);
	suite_add_tcase(s, tc);
	return s;
}

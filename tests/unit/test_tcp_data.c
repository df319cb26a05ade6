/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_data.c - TCP data transfer: segmentation, ACK numbers, delayed
 * ACKs, the receive window and SWS avoidance, zero windows, out-of-order and
 * duplicate segments, sequence number wrap-around, buffer ring wrap-around.
 */
#include <string.h>

#include "harness.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static struct harness *est_cfg(struct h_conn *c, const struct stack_cfg *cfg, uint16_t peer_mss)
{
	struct harness *h = h_new(cfg);

	h_conn_init(c);
	c->peer_mss = peer_mss;
	h_establish(h, c);
	return h;
}

static struct harness *est_rcvbuf(struct h_conn *c, uint32_t rcvbuf)
{
	struct stack_cfg cfg;

	h_cfg(&cfg);
	cfg.rcvbuf = rcvbuf;
	return est_cfg(c, &cfg, 1460);
}

/* The peer sends len bytes of h_pattern(offset seq - irs - 1). */
static void peer_data(struct harness *h, struct h_conn *c, size_t len)
{
	static uint8_t buf[65536];

	h_pattern(buf, len, c->seq - c->irs - 1);
	h_peer_send(h, c, 0, buf, len);
}

START_TEST(send_mss_segments)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1000);
	struct iovec iov[2];
	struct h_seg s;
	size_t space = tcp_snd_space(c.tp, iov);

	ck_assert_uint_eq(space, h->cfg.sndbuf);
	ck_assert_uint_eq(h_write(c.tp, 3000, 0), 3000);
	ck_assert_uint_eq(tcp_snd_space(c.tp, iov), space - 3000);
	ck_assert_uint_eq(h->nsent, 0); /* only marked: the work is done at the flush */
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	for (uint32_t i = 0; i < 3; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.seq, c.iss + 1 + 1000 * i);
		ck_assert_uint_eq(s.ack, c.seq);
		ck_assert_uint_eq(s.len, 1000);
		ck_assert_uint_eq(s.flags & ~H_PSH, H_ACK);
		ck_assert_msg(h_pattern_ok(s.data, s.len, 1000 * i), "payload of segment %u", i);
	}
	ck_assert_uint_eq(s.flags, H_ACK | H_PSH); /* the last one pushes */
	h_clear(h);
	h_peer_ack(h, &c, c.iss + 1 + 2000);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_WRITABLE);
	ck_assert_uint_eq(tcp_snd_space(c.tp, iov), space - 1000);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_ne(stack_next_deadline(h->st), UINT64_MAX); /* 1000 bytes still out */
	h_peer_ack(h, &c, c.iss + 1 + 3000);
	h_flush(h);
	ck_assert_uint_eq(tcp_snd_space(c.tp, iov), space);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX); /* nothing left to time */
	ck_assert_uint_eq(h->nsent, 0);
	h_finish(h, &c);
}
END_TEST

/* The MSS is the smaller of ours (MTU - 40) and the peer's. */
START_TEST(send_own_mss_limit)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;

	h_cfg(&cfg);
	cfg.mtu = 1000;
	h = est_cfg(&c, &cfg, 1460);
	h_write(c.tp, 2 * 960, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.len, 960);
	ck_assert_uint_eq(h->sent[1].len, 14 + 1000);
	h_finish(h, &c);
}
END_TEST

START_TEST(receive_data)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[4000];
	struct iovec iov[2];
	struct h_seg s;
	uint32_t start = c.seq;

	peer_data(h, &c, 1000);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 1000);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 1000);
	ck_assert(h_pattern_ok(buf, 1000, 0));
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 0);
	h_advance(h, h->cfg.delack_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, start + 1000);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(s.len, 0);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, start + 2461);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 1461);
	ck_assert(h_pattern_ok(buf, 1461, 1000));
	h_finish(h, &c);
}
END_TEST

START_TEST(delayed_ack_one_segment)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint64_t t0;

	h_cfg(&cfg);
	cfg.delack_ms = 100;
	h = est_cfg(&c, &cfg, 1460);
	h_advance(h, 7);
	t0 = h->now;
	peer_data(h, &c, 500);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), t0 + 100);
	h_advance(h, 99);
	ck_assert_uint_eq(h->nsent, 0);
	h_advance(h, 1);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_delacks), 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_advance(h, 1000);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_finish(h, &c);
}
END_TEST

START_TEST(delayed_ack_two_segments)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	struct h_seg s;

	/* two in one batch: one ACK for both, at the flush */
	peer_data(h, &c, 1000);
	peer_data(h, &c, 1000);
	ck_assert_uint_eq(h->nsent, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	h_advance(h, 1000);
	ck_assert_uint_eq(h_ntcp(h), 1);
	/* one per batch: the second is acknowledged at once */
	h_clear(h);
	peer_data(h, &c, 1000);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	h_advance(h, 10);
	peer_data(h, &c, 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_delacks), 0);
	h_finish(h, &c);
}
END_TEST

/* An owed ACK rides on data we send: no separate ACK later. */
START_TEST(delayed_ack_piggybacked)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	struct h_seg s;

	peer_data(h, &c, 100);
	h_flush(h);
	h_write(c.tp, 50, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 50);
	ck_assert_uint_eq(s.ack, c.seq);
	h_peer_ack(h, &c, c.iss + 51);
	h_flush(h);
	h_advance(h, 1000);
	ck_assert_uint_eq(h_ntcp(h), 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_delacks), 0);
	h_finish(h, &c);
}
END_TEST

/* The window shrinks with unread data; RFC 1122 4.2.3.3 decides when it reopens. */
START_TEST(window_shrinks_and_update)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 8192);
	uint8_t buf[8192];
	struct h_seg s;

	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.win, 8192 - 2920);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, 8192 - 5840);
	h_clear(h);

	/* the window could open by 1459 < min(rcvbuf/2, MSS) = 1460: not yet */
	ck_assert_uint_eq(h_read(c.tp, buf, 1000), 1000);
	h_flush(h);
	ck_assert_uint_eq(h_read(c.tp, buf, 459), 459);
	h_flush(h);
	h_advance(h, 1000);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_win_updates), 0);
	/* one more byte makes it 1460: a window update */
	ck_assert_uint_eq(h_read(c.tp, buf, 1), 1);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, 8192 - 5840 + 1460);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_win_updates), 1);
	/* the peer may fill exactly what was offered */
	h_clear(h);
	peer_data(h, &c, 3812);
	h_flush(h);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 8192);
	ck_assert(h_pattern_ok(buf, 8192, 1460));
	h_finish(h, &c);
}
END_TEST

/*
 * RFC 1122 4.2.3.3: while the window may not open by min(rcvbuf/2, MSS), its
 * right edge stays put in every segment, even though the buffer has more
 * room; and data past that edge is not taken.
 */
START_TEST(window_right_edge_kept)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 8192);
	static uint8_t buf[8192];
	struct h_seg s;
	uint32_t start = c.seq;

	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	h_flush(h);
	ck_assert_uint_eq(h_read(c.tp, buf, 1459), 1459);
	h_flush(h);
	h_clear(h);
	/* 3811 bytes free, but the window offered ends at 8192 - 5840 = 2352 past RCV.NXT */
	peer_data(h, &c, 100);
	peer_data(h, &c, 100);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 5840 + 200);
	ck_assert_uint_eq(s.win, 2352 - 200);
	/* more than that edge: only up to it is taken */
	h_clear(h);
	peer_data(h, &c, 3000);
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 5840 + 200 + 2152);
	ck_assert_uint_eq(s.win, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_rcvbuf), 0);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 8192 - 1459);
	ck_assert(h_pattern_ok(buf, 8192 - 1459, 1459));
	h_finish(h, &c);
}
END_TEST

/* RFC 9293 3.8.6.2.1 sender SWS: no runt that only fills a small window. */
START_TEST(sender_sws)
{
	struct h_conn c;
	struct harness *h;
	struct h_seg s;

	h = h_new(NULL);
	h_conn_init(&c);
	c.peer_mss = 1000;
	c.win = 1500;
	h_establish(h, &c);
	h_write(c.tp, 3000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1); /* 1000, not 1000 + 500 */
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 1000);
	h_clear(h);
	h_peer_ack(h, &c, c.iss + 1001);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1001);
	ck_assert_uint_eq(s.len, 1000);
	/* a runt of half the largest window ever offered may go */
	h_clear(h);
	c.win = 1750;
	h_peer_ack(h, &c, c.iss + 2001);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 1000);
	h_peer_ack(h, &c, c.iss + 3001);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* RFC 9293 3.8.6.2.1: a runt held back by sender SWS goes when the override timer fires. */
START_TEST(sender_sws_override)
{
	struct h_conn c;
	struct harness *h;
	struct h_seg s;

	h = h_new(NULL);
	h_conn_init(&c);
	c.peer_mss = 1000;
	c.win = 4000;
	h_establish(h, &c);
	h_write(c.tp, 4000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 4);
	/* everything acknowledged, but the window is now only 300: nothing in flight */
	h_clear(h);
	c.win = 300;
	h_write(c.tp, 1000, 4000);
	h_peer_ack(h, &c, c.iss + 4001);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 0);
	/* without the override timer the connection would wait forever; RTO is 200 ms here */
	h_advance(h, 199);
	ck_assert_uint_eq(h_ntcp(h), 0);
	h_advance(h, 1);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 4001);
	ck_assert_uint_eq(s.len, 300);
	c.win = 4000;
	h_peer_ack(h, &c, c.iss + 4301);
	h_flush(h);
	h_peer_ack(h, &c, c.iss + 5001);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

static void read_all(struct harness *h, struct tcb *tp, unsigned events)
{
	uint8_t buf[4096];

	if (events & TCP_EV_READABLE)
		while (h_read(tp, buf, sizeof(buf)))
			;
}

/* The user is called before output: data read in the callback reopens the window in one ACK. */
START_TEST(read_in_callback_one_ack)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 4096);
	struct h_seg s;

	h->on_event = read_all;
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, 4096);
	h->on_event = NULL;
	h_finish(h, &c);
}
END_TEST

/* Data past the right edge of the window is not taken. */
START_TEST(beyond_window_trimmed)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 4096);
	static uint8_t buf[8192];
	struct h_seg s;
	uint32_t start = c.seq;

	peer_data(h, &c, 3000);
	peer_data(h, &c, 2000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 4096);
	ck_assert_uint_eq(s.win, 0);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 4096);
	ck_assert(h_pattern_ok(buf, 4096, 0));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_rcvbuf), 0); /* refused by the window */
	/* the rest, sent again, is taken now */
	h_flush(h);
	h_clear(h);
	h_pattern(buf, 904, 4096);
	h_peer_seg(h, &c, H_ACK, start + 4096, c.ack, c.win, buf, 904);
	h_flush(h);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 904);
	ck_assert(h_pattern_ok(buf, 904, 4096));
	/* and a segment wholly beyond the window is dropped with an ACK */
	h_flush(h);
	h_clear(h);
	h_pattern(buf, 100, 0);
	h_peer_seg(h, &c, H_ACK, start + 5000 + 5000, c.ack, c.win, buf, 100);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 5000);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 0);
	h_finish(h, &c);
}
END_TEST

/* Our window is closed: a probe is answered, not taken; reading reopens it. */
START_TEST(zero_window_ours)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 2048);
	uint8_t buf[4096];
	struct h_seg s;
	uint32_t start = c.seq;

	peer_data(h, &c, 1460);
	peer_data(h, &c, 588);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.win, 0);
	h_clear(h);
	/* a one-byte zero-window probe */
	h_pattern(buf, 1, 2048);
	h_peer_seg(h, &c, H_ACK, start + 2048, c.ack, c.win, buf, 1);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 2048);
	ck_assert_uint_eq(s.win, 0);
	h_clear(h);
	/* 1000 < min(2048/2, 1460): no update yet; 1048 >= 1024: update */
	ck_assert_uint_eq(h_read(c.tp, buf, 1000), 1000);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_read(c.tp, buf + 1000, 48), 48);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.win, 1048);
	ck_assert_uint_eq(s.ack, start + 2048);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 1000);
	ck_assert(h_pattern_ok(buf, 1000, 1048));
	h_finish(h, &c);
}
END_TEST

/* The peer closes its window: our data waits, the persist timer probes, reopening resumes. */
START_TEST(zero_window_peer)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1000);
	struct tcp_stat ts;
	struct h_seg s;
	uint64_t t0, t1;

	h_write(c.tp, 2000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_advance(h, 10);
	c.win = 0;
	h_peer_ack(h, &c, c.iss + 1 + 2000);
	h_flush(h);
	h_clear(h);

	h_advance(h, 5);
	t0 = h->now;
	h_write(c.tp, 1000, 2000);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	tcp_get_stat(c.tp, &ts);
	ck_assert_uint_eq(ts.snd_wnd, 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), t0 + ts.rto_ms);
	h_advance_to(h, t0 + ts.rto_ms - 1);
	ck_assert_uint_eq(h->nsent, 0);
	h_advance_to(h, t0 + ts.rto_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 2000 - 1); /* SND.UNA - 1 */
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.len, 0);
	/* the peer answers: still closed; the next probe comes later, backed off */
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	t1 = stack_next_deadline(h->st);
	ck_assert_uint_gt(t1, h->now + ts.rto_ms);
	h_advance_to(h, t1);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.seq, c.iss + 2000);
	/* many probes while the window stays shut, never data, never a timeout */
	h_advance(h, 600000);
	for (size_t i = 0; i < h_ntcp(h); i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.len, 0);
	}
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	/* the window opens: the data goes */
	h_clear(h);
	c.win = 4000;
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 2000);
	ck_assert_uint_eq(s.len, 1000);
	ck_assert(h_pattern_ok(s.data, s.len, 2000));
	h_peer_ack(h, &c, c.iss + 1 + 3000);
	h_flush(h);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/*
 * A segment past RCV.NXT draws an immediate duplicate ACK (RFC 5681 4.2) and
 * is not readable; it is held, and the segment that fills the hole makes
 * both readable, with an immediate ACK for all of it.
 */
START_TEST(out_of_order)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[2000];
	struct iovec iov[2];
	struct h_seg s;
	uint32_t start = c.seq;

	h_pattern(buf, 1000, 1000);
	h_peer_seg(h, &c, H_ACK, start + 1000, c.ack, c.win, buf, 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, start);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 0);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	/* the missing piece */
	h_clear(h);
	h_pattern(buf, 1000, 0);
	h_peer_seg(h, &c, H_ACK, start, c.ack, c.win, buf, 1000);
	h_flush(h);
	c.seq = start + 2000;
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 2000);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 2000);
	ck_assert(h_pattern_ok(buf, 2000, 0));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_ooo_queued), 1);
	h_finish(h, &c);
}
END_TEST

/* RFC 5681 4.2: one duplicate ACK per out-of-order segment, even within one batch. */
START_TEST(out_of_order_dupack_each)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[1000];
	uint32_t start = c.seq;
	struct h_seg s;

	for (uint32_t k = 1; k <= 3; k++) {
		h_pattern(buf, 1000, 1000 * k);
		h_peer_seg(h, &c, H_ACK, start + 1000 * k, c.ack, c.win, buf, 1000);
	}
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	for (size_t i = 0; i < 3; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.flags, H_ACK);
		ck_assert_uint_eq(s.ack, start);
		ck_assert_uint_eq(s.len, 0);
	}
	h_clear(h);
	h_pattern(buf, 1000, 0);
	h_peer_seg(h, &c, H_ACK, start, c.ack, c.win, buf, 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 4000);
	c.seq = start + 4000;
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 1000);
		ck_assert(h_pattern_ok(buf, 1000, 1000 * (uint32_t)i));
	}
	h_finish(h, &c);
}
END_TEST

/* Several holes, filled in any order, with the ring wrapping and the user reading meanwhile. */
START_TEST(out_of_order_ring)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 8192);
	static uint8_t buf[8192];
	struct iovec iov[2];
	struct h_seg s;
	uint32_t base, got;

	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 1460);
	peer_data(h, &c, 620);
	h_flush(h);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 5000);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.win, 8192);
	h_clear(h);
	/* four pieces of 1000 after RCV.NXT; the ring wraps inside the fourth */
	base = c.seq;
#define PIECE(k)                                                                                \
	do {                                                                                    \
		h_pattern(buf, 1000, 5000 + 1000 * (k));                                         \
		h_peer_seg(h, &c, H_ACK, base + 1000 * (k), c.ack, c.win, buf, 1000);           \
	} while (0)
	PIECE(3);
	PIECE(1);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2); /* two duplicate ACKs */
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, base);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 0);
	PIECE(0);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, base + 2000);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 2000);
	ck_assert_uint_eq(h_read(c.tp, buf, 700), 700);
	ck_assert(h_pattern_ok(buf, 700, 5000));
	got = 700;
	PIECE(2);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, base + 4000);
#undef PIECE
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 4000 - got);
	ck_assert(h_pattern_ok(buf, 4000 - got, 5000 + got));
	c.seq = base + 4000;
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* A FIN that arrives out of order takes effect when the hole before it fills. */
START_TEST(out_of_order_fin)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[2000];
	struct h_seg s;
	uint32_t start = c.seq;

	h_pattern(buf, 1000, 1000);
	h_peer_seg(h, &c, H_ACK | H_FIN, start + 1000, c.ack, c.win, buf, 1000);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	ck_assert(!tcp_rcv_fin(c.tp));
	h_pattern(buf, 1000, 0);
	h_peer_seg(h, &c, H_ACK, start, c.ack, c.win, buf, 1000);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE_WAIT);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, start + 2001);
	ck_assert(!tcp_rcv_fin(c.tp)); /* data before it unread */
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 2000);
	ck_assert(h_pattern_ok(buf, 2000, 0));
	ck_assert(tcp_rcv_fin(c.tp));
	c.seq = start + 2001;
	c.fin_sent = 1;
	h_finish(h, &c);
}
END_TEST

/* Only TCP_OOO_MAX holes are remembered; more are dropped and counted, and nothing breaks. */
START_TEST(out_of_order_full)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[1000];
	uint32_t start = c.seq;
	struct h_seg s;

	for (uint32_t k = 1; k <= 17; k++) {
		h_pattern(buf, 10, 20 * k);
		h_peer_seg(h, &c, H_ACK, start + 20 * k, c.ack, c.win, buf, 10);
	}
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_ooo_queued), 16);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_ooo), 1);
	h_pattern(buf, 360, 0);
	h_peer_seg(h, &c, H_ACK, start, c.ack, c.win, buf, 360);
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, start + 360);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 360);
	ck_assert(h_pattern_ok(buf, 360, 0));
	c.seq = start + 360;
	h_finish(h, &c);
}
END_TEST

START_TEST(duplicate_segment)
{
	struct h_conn c;
	struct harness *h = est_cfg(&c, NULL, 1460);
	uint8_t buf[3000];
	struct iovec iov[2];
	struct h_seg s;
	uint32_t start = c.seq;

	peer_data(h, &c, 1000);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	h_clear(h);
	h_pattern(buf, 1000, 0);
	h_peer_seg(h, &c, H_ACK, start, c.ack, c.win, buf, 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1); /* at once */
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, start + 1000);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 1000);
	ck_assert_uint_eq(h_events(h, c.tp), 0); /* nothing new to read */
	/* partly old: only the new part is taken */
	h_clear(h);
	h_pattern(buf, 1500, 500);
	h_peer_seg(h, &c, H_ACK, start + 500, c.ack, c.win, buf, 1500);
	c.seq = start + 2000;
	h_flush(h);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 2000);
	ck_assert(h_pattern_ok(buf, 2000, 0));
	h_finish(h, &c);
}
END_TEST

/* Both sequence spaces cross 2^32 during the transfer. */
START_TEST(sequence_wrap)
{
	struct harness *h = h_new(NULL);
	static uint8_t buf[8000];
	struct h_conn c;
	struct h_seg s;
	uint32_t off = 0;

	/* our ISN: pick the time at which RFC 6528 gives 0xfffff000 for port 32768 */
	h_advance_to(h, h_time_for_isn(h, 32768, H_PEER_IP, H_PEER_PORT, 0xfffff000u));
	h_force_random(h, 0);
	h_conn_init(&c);
	c.irs = 0xfffff800u;
	c.peer_mss = 1000;
	h_establish(h, &c);
	ck_assert(c.iss == 0xfffff000u || c.iss == 0xffffefffu);
	for (int round = 0; round < 3; round++) {
		h_clear(h);
		h_write(c.tp, 3000, off);
		h_flush(h);
		ck_assert_uint_eq(h_ntcp(h), 3);
		for (uint32_t i = 0; i < 3; i++) {
			h_tcp(h, i, &s);
			ck_assert_uint_eq(s.seq, c.iss + 1 + off + 1000 * i);
			ck_assert(h_pattern_ok(s.data, s.len, off + 1000 * i));
		}
		off += 3000;
		peer_data(h, &c, 1400);
		c.ack = c.iss + 1 + off;
		peer_data(h, &c, 1400);
		h_flush(h);
		h_last_tcp(h, &s);
		ck_assert_uint_eq(s.ack, c.seq);
		ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 2800);
		ck_assert(h_pattern_ok(buf, 2800, (uint32_t)round * 2800));
		ck_assert_uint_eq(h_events(h, c.tp) & TCP_EV_WRITABLE, TCP_EV_WRITABLE);
	}
	ck_assert(c.seq < c.irs && c.ack < c.iss); /* both wrapped */
	h_advance(h, 1000);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	h_finish(h, &c);
}
END_TEST

/* A window update from a segment whose sequence number just wrapped is taken (SND.WL1). */
START_TEST(window_update_across_wrap)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct h_seg s;

	h_conn_init(&c);
	c.irs = 0xffffff00u;
	c.peer_mss = 1000;
	h_establish(h, &c);
	peer_data(h, &c, 1000); /* from 0xffffff01 across 2^32 */
	h_flush(h);
	ck_assert_uint_lt(c.seq, c.irs);
	c.win = 1000;
	h_peer_ack(h, &c, c.ack);
	h_flush(h);
	h_clear(h);
	h_write(c.tp, 3000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 1000);
	h_clear(h);
	c.win = 65535;
	h_peer_ack(h, &c, c.iss + 1001);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_peer_ack(h, &c, c.iss + 3001);
	h_read(c.tp, (uint8_t[1000]){ 0 }, 1000);
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* A small send buffer is used as a ring many times over. */
START_TEST(send_buffer_ring)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint32_t queued = 0, acked = 0, total = 50000;

	h_cfg(&cfg);
	cfg.sndbuf = 4000;
	h = est_cfg(&c, &cfg, 1000);
	tcp_setopt(c.tp, TCP_OPT_NODELAY, 1);
	while (acked < total) {
		struct iovec iov[2];
		size_t space = tcp_snd_space(c.tp, iov);
		size_t n = MIN(space, MIN(total - queued, 1700u));

		ck_assert_uint_eq(space, 4000 - (queued - acked));
		queued += (uint32_t)h_write(c.tp, n, queued);
		h_clear(h);
		h_flush(h);
		for (size_t i = 0; i < h_ntcp(h); i++) {
			h_tcp(h, i, &s);
			ck_assert_uint_eq(s.seq - c.iss - 1, acked);
			ck_assert(h_pattern_ok(s.data, s.len, acked));
			acked += (uint32_t)s.len;
		}
		ck_assert_uint_eq(acked, queued);
		h_peer_ack(h, &c, c.iss + 1 + acked);
	}
	h_flush(h);
	h_finish(h, &c);
}
END_TEST

/* A small receive buffer is used as a ring many times over. */
START_TEST(receive_buffer_ring)
{
	struct h_conn c;
	struct harness *h = est_rcvbuf(&c, 4096);
	uint8_t buf[4096];
	uint32_t got = 0;

	for (int i = 0; i < 40; i++) {
		peer_data(h, &c, 1000);
		h_flush(h);
		ck_assert_uint_eq(h_read(c.tp, buf, 700), 700);
		ck_assert(h_pattern_ok(buf, 700, got));
		ck_assert_uint_eq(h_read(c.tp, buf, 700), 300);
		ck_assert(h_pattern_ok(buf, 300, got + 700));
		got += 1000;
		h_flush(h);
	}
	h_finish(h, &c);
}
END_TEST

Suite *tcp_data_suite(void)
{
	Suite *s = suite_create("tcp_data");
	TCase *tc = h_tcase("transfer");
	TCase *tw = h_tcase("window");

	tcase_add_test(tc, send_mss_segments);
	tcase_add_test(tc, send_own_mss_limit);
	tcase_add_test(tc, receive_data);
	tcase_add_test(tc, delayed_ack_one_segment);
	tcase_add_test(tc, delayed_ack_two_segments);
	tcase_add_test(tc, delayed_ack_piggybacked);
	tcase_add_test(tc, out_of_order);
	tcase_add_test(tc, out_of_order_dupack_each);
	tcase_add_test(tc, out_of_order_ring);
	tcase_add_test(tc, out_of_order_fin);
	tcase_add_test(tc, out_of_order_full);
	tcase_add_test(tc, duplicate_segment);
	tcase_add_test(tc, sequence_wrap);
	tcase_add_test(tc, window_update_across_wrap);
	tcase_add_test(tc, send_buffer_ring);
	tcase_add_test(tc, receive_buffer_ring);
	suite_add_tcase(s, tc);
	tcase_add_test(tw, window_shrinks_and_update);
	tcase_add_test(tw, window_right_edge_kept);
	tcase_add_test(tw, read_in_callback_one_ack);
	tcase_add_test(tw, beyond_window_trimmed);
	tcase_add_test(tw, sender_sws);
	tcase_add_test(tw, sender_sws_override);
	tcase_add_test(tw, zero_window_ours);
	tcase_add_test(tw, zero_window_peer);
	suite_add_tcase(s, tw);
	return s;
}

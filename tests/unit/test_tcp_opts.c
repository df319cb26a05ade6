/* SPDX-License-Identifier: MIT */
/*
 * test_tcp_opts.c - TCP options and loss recovery: what our SYN offers,
 * window scaling (RFC 7323 2), timestamps, RTTM and PAWS (RFC 7323 3-5),
 * SACK on both sides (RFC 2018), SACK-based recovery (RFC 6675), NewReno
 * (RFC 5681, RFC 6582), a retransmission timeout in recovery, RFC 6528
 * ISNs and the RFC 5961 ACK check and challenge-ACK limit.
 *
 * Sequence numbers of our data are written S(i): the first byte of our i-th
 * segment of c.peer_mss (1000 in the recovery tests) bytes.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_var.h" /* to look at the scoreboard, recovery and the cc hooks */

#define S(c, i) ((c)->iss + 1 + (uint32_t)(i) * (c)->peer_mss)

static struct tcp_stat stat_of(const struct tcb *tp)
{
	struct tcp_stat ts;

	tcp_get_stat(tp, &ts);
	return ts;
}

/* An established connection on a fresh stack (cfg NULL: h_cfg), c already set up. */
static struct harness *est(struct h_conn *c, const struct stack_cfg *cfg)
{
	struct harness *h = h_new(cfg);

	h_establish(h, c);
	return h;
}

/* A connection whose peer offers SACK (and timestamps if ts), MSS 1000, for recovery. */
static struct harness *est_sack(struct h_conn *c, int sack, int ts)
{
	h_conn_init(c);
	c->peer_mss = 1000;
	c->peer_sack = sack;
	c->peer_ts = ts;
	return est(c, NULL);
}

/* The peer sends len bytes of h_pattern at offset off of its stream, c->seq unchanged. */
static void peer_data_at(struct harness *h, struct h_conn *c, uint32_t off, size_t len)
{
	static uint8_t buf[65536];

	h_pattern(buf, len, off);
	h_peer_seg(h, c, H_ACK, c->irs + 1 + off, c->ack, c->win, buf, len);
}

/* The peer sends len bytes in order: c->seq advances. */
static void peer_data(struct harness *h, struct h_conn *c, size_t len)
{
	uint32_t off = c->seq - c->irs - 1;

	peer_data_at(h, c, off, len);
	c->seq += (uint32_t)len;
}

/* Read and check everything received so far (n bytes from offset off). */
static void read_check(struct harness *h, struct h_conn *c, size_t n, uint32_t off)
{
	static uint8_t buf[65536];

	ck_assert_uint_eq(h_read(c->tp, buf, sizeof(buf)), n);
	ck_assert(h_pattern_ok(buf, n, off));
	h_flush(h);
}

/* The peer acknowledges everything, round after round, until nothing is left to send. */
static void ack_all(struct harness *h, struct h_conn *c)
{
	for (int i = 0; i < 100; i++) {
		struct tcp_stat ts = stat_of(c->tp);

		if (ts.snd_queued == 0 && ts.snd_una == ts.snd_nxt)
			return;
		h_peer_ack(h, c, ts.snd_nxt);
		h_flush(h);
	}
	ck_abort_msg("data does not drain");
}

/* The i-th TCP frame sent is a data segment of our segment #k (len bytes). */
static void check_data(const struct harness *h, size_t i, const struct h_conn *c, uint32_t k,
		       uint32_t len)
{
	struct h_seg s;

	h_tcp(h, i, &s);
	ck_assert_msg(s.seq == S(c, k), "frame %zu: seq is segment %d, not %u", i,
		      (int)((s.seq - S(c, 0)) / c->peer_mss), k);
	ck_assert_uint_eq(s.len, len);
	ck_assert(h_pattern_ok(s.data, s.len, k * c->peer_mss));
}

/* No frame sent since h_clear() carries data below seq (new data may go: RFC 3042). */
static void check_no_rexmit(const struct harness *h, uint32_t seq)
{
	struct h_seg s;

	for (size_t i = 0; i < h_ntcp(h); i++) {
		h_tcp(h, i, &s);
		ck_assert_msg(!s.len || SEQ_GEQ(s.seq, seq), "frame %zu resends old data", i);
	}
}

/* ---- what our SYN offers ---- */

static void check_syn_offer(uint32_t rcvbuf, uint8_t shift)
{
	const uint8_t want[20] = { 2, 4, 1460 >> 8, 1460 & 0xff, /* MSS */
				   4, 2,			  /* SACK-permitted */
				   8, 10, 0, 0, 0, 0, 0, 0, 0, 0, /* TS (TSval filled below) */
				   1, 3, 3, shift };		  /* NOP, window scale */
	uint8_t w[20];
	struct stack_cfg cfg;
	struct harness *h;
	struct h_seg s;
	struct tcb *tp;
	int err = 0;

	h_cfg(&cfg);
	cfg.rcvbuf = rcvbuf;
	h = h_new(&cfg);
	h_learn(h, H_PEER_IP, h_peer_mac);
	h_advance(h, 3);
	tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, h->now, &err);
	ck_assert_ptr_nonnull(tp);
	for (size_t i = 0; i < 2; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.flags, H_SYN);
		ck_assert_uint_eq(s.optlen, 20);
		memcpy(w, want, sizeof(w));
		memcpy(w + 8, s.opt + 8, 4);
		ck_assert_mem_eq(s.opt, w, sizeof(w));
		ck_assert(s.ts);
		ck_assert_uint_eq(s.tsecr, 0);
		ck_assert_uint_eq(s.tsval, (uint32_t)h->sent[i].at + tp->ts_offset);
		ck_assert_int_eq(s.wscale, shift);
		/* RFC 7323 2.2: the window in a SYN is never scaled */
		ck_assert_uint_eq(s.win, 65535);
		if (i == 0)
			h_advance(h, 1000); /* the retransmitted SYN offers the same */
	}
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}

START_TEST(syn_offers_options)
{
	check_syn_offer(64 * 1024, 1);
	check_syn_offer(256 * 1024, 3);
	check_syn_offer(1024 * 1024, 5);
}
END_TEST

/* A peer that offers nothing gets plain RFC 9293 TCP. */
START_TEST(no_options_none_used)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;

	h_cfg(&cfg);
	cfg.rcvbuf = 256 * 1024; /* would be shift 3 */
	h_conn_init(&c);
	h = est(&c, &cfg);
	tcp_setopt(c.tp, TCP_OPT_NODELAY, 1);
	h_write(c.tp, 3000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	for (size_t i = 0; i < 3; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.optlen, 0);
		ck_assert_uint_eq(s.len, i < 2 ? 1460 : 80); /* the full MSS: no room for TS */
		ck_assert_uint_eq(s.win, 65535);	     /* unscaled, so capped */
	}
	/* the peer's window is taken as it is */
	c.win = 1000;
	h_peer_ack(h, &c, c.iss + 1 + 3000);
	ck_assert_uint_eq(stat_of(c.tp).snd_wnd, 1000);
	/* out of order: a duplicate ACK, no SACK blocks */
	h_clear(h);
	peer_data_at(h, &c, 100, 100);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.optlen, 0);
	/* a timestamp the peer did not negotiate is ignored: no PAWS, no echo */
	c.ts = 1;
	c.ts_clock = 0;
	peer_data(h, &c, 100);
	c.ts = 0;
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.ack, c.seq + 100);
	ck_assert_uint_eq(s.optlen, 0);
	c.seq += 100;
	read_check(h, &c, 200, 0);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* ---- window scaling (RFC 7323 2) ---- */

/* The peer's shift applies to every window but the one in its SYN. */
START_TEST(wscale_peer_window)
{
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint32_t sent = 0;

	h_conn_init(&c);
	c.peer_wscale = 7;
	c.win = 100;
	h = est(&c, NULL);
	ck_assert_uint_eq(stat_of(c.tp).snd_wnd, 100); /* RFC 7323 2.2: not in the SYN */
	h_peer_ack(h, &c, c.ack);
	ck_assert_uint_eq(stat_of(c.tp).snd_wnd, 12800);
	/* cwnd (10 segments, 14600) is not the limit: the window is */
	tcp_setopt(c.tp, TCP_OPT_NODELAY, 1); /* the last 1120 bytes go without waiting */
	h_write(c.tp, 12800, 0);
	h_flush(h);
	for (size_t i = 0; i < h_ntcp(h); i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.seq, c.iss + 1 + sent);
		sent += (uint32_t)s.len;
	}
	ck_assert_uint_eq(sent, 12800);
	h_clear(h);
	h_write(c.tp, 1000, 12800);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0); /* the window is full */
	h_peer_ack(h, &c, c.iss + 1 + 12800);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 1000);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* Our window field is the free space shifted by our shift, even if the peer's is 0. */
static void check_our_window(uint32_t rcvbuf, unsigned shift)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;

	h_cfg(&cfg);
	cfg.rcvbuf = rcvbuf;
	h_conn_init(&c);
	c.peer_wscale = 0;
	h = est(&c, &cfg);
	peer_data(h, &c, 1000);
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, (rcvbuf - 1000) >> shift);
	ck_assert_uint_eq(stat_of(c.tp).rcv_wnd, ((rcvbuf - 1000) >> shift) << shift);
	/* and the peer's windows count as they are (shift 0) */
	c.win = 1000;
	h_peer_ack(h, &c, c.ack);
	ck_assert_uint_eq(stat_of(c.tp).snd_wnd, 1000);
	read_check(h, &c, 1000, 0);
	h_finish(h, &c);
}

START_TEST(wscale_our_window)
{
	check_our_window(64 * 1024, 1);
	check_our_window(256 * 1024, 3);
}
END_TEST

/*
 * A full ring shows a zero window even when the free space is not a
 * multiple of 2^shift: rounding must never offer bytes the buffer cannot
 * hold (they would be dropped, and the peer would retransmit instead of
 * probing).
 */
START_TEST(wscale_full_buffer_zero_window)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint32_t sent = 0;

	h_cfg(&cfg);
	cfg.rcvbuf = 256 * 1024; /* shift 3: the window moves in 8-byte steps */
	h_conn_init(&c);
	c.peer_wscale = 0;
	c.peer_mss = 1000;
	h = est(&c, &cfg);
	/* fill all but 5 bytes, in peer MSS-sized pieces that respect our window */
	while (sent < cfg.rcvbuf - 5) {
		uint32_t n = MIN(1000u, cfg.rcvbuf - 5 - sent);

		peer_data(h, &c, n);
		sent += n;
		h_flush(h);
	}
	h_advance(h, h->cfg.delack_ms);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, 0); /* 5 free bytes >> 3: a zero window, not one 8-byte step */
	/* the 5 bytes still fit and are taken; nothing beyond the ring was offered */
	peer_data(h, &c, 5);
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.win, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_rcvbuf), 0);
	for (uint32_t off = 0; off < cfg.rcvbuf; off += 65536)
		read_check(h, &c, 65536, off);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 2.3: a shift above 14 is taken as 14. */
START_TEST(wscale_clamped_to_14)
{
	struct harness *h;
	struct h_conn c;

	h_conn_init(&c);
	c.peer_wscale = 15;
	h = est(&c, NULL);
	c.win = 4;
	h_peer_ack(h, &c, c.ack);
	ck_assert_uint_eq(stat_of(c.tp).snd_wnd, 4u << 14);
	h_finish(h, &c);
}
END_TEST

/* ---- timestamps (RFC 7323 3-5) ---- */

/* After the handshake every segment carries TS: our clock, and the peer's latest TSval. */
START_TEST(ts_on_every_segment)
{
	static const uint8_t appa[4] = { 1, 1, 8, 10 }; /* RFC 7323 appendix A layout */
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint32_t peer_tsval;

	h_conn_init(&c);
	c.peer_ts = 1;
	h = est(&c, NULL);
	peer_tsval = c.ts_clock + (uint32_t)h->now; /* the SYN/ACK's */
	ck_assert_uint_eq(stat_of(c.tp).mss, 1460);
	h_advance(h, 5);
	tcp_setopt(c.tp, TCP_OPT_NODELAY, 1);
	h_write(c.tp, 3000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	for (size_t i = 0; i < 3; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.len, i < 2 ? 1448 : 104); /* mss - 12 */
		ck_assert_uint_eq(s.optlen, 12);
		ck_assert_mem_eq(s.opt, appa, 4);
		ck_assert_uint_eq(s.tsval, (uint32_t)h->now + c.tp->ts_offset);
		ck_assert_uint_eq(s.tsecr, peer_tsval);
	}
	/* the peer's newer TSval, on data: echoed by the (delayed) ACK */
	h_advance(h, 7);
	h_clear(h);
	h_peer_ack(h, &c, c.iss + 1 + 1448);
	peer_data(h, &c, 10);
	peer_tsval = c.ts_clock + (uint32_t)h->now;
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 0);
	ck_assert(s.ts);
	ck_assert_uint_eq(s.tsval, (uint32_t)h->now + c.tp->ts_offset);
	ck_assert_uint_eq(s.tsecr, peer_tsval);
	/* a retransmission carries the time it is sent at */
	h_clear(h);
	h_advance(h, stat_of(c.tp).rto_ms);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 1448);
	ck_assert_uint_eq(s.len, 1448);
	ck_assert(s.ts);
	ck_assert_uint_eq(s.tsval, (uint32_t)h->sent[0].at + c.tp->ts_offset);
	ck_assert_uint_eq(s.tsecr, peer_tsval);
	ack_all(h, &c);
	/* and so does the FIN */
	h_clear(h);
	tcp_shutdown(c.tp);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_FIN | H_ACK);
	ck_assert(s.ts);
	read_check(h, &c, 10, 0);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 4.3: TS.Recent comes from segments at or before Last.ACK.sent, not from ahead. */
START_TEST(ts_recent_in_order_only)
{
	struct harness *h;
	struct h_conn c;
	struct h_seg s;
	uint32_t a, b, cc;

	h_conn_init(&c);
	c.peer_ts = 1;
	h = est(&c, NULL);
	h_advance(h, 10);
	a = c.ts_clock + (uint32_t)h->now;
	peer_data(h, &c, 100);
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.tsecr, a);
	/* out of order, newer TSval: the duplicate ACK still echoes a */
	h_advance(h, 10);
	h_clear(h);
	b = c.ts_clock + (uint32_t)h->now;
	peer_data_at(h, &c, 200, 100);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_ne(s.tsecr, b);
	ck_assert_uint_eq(s.tsecr, a);
	/* the segment that fills the hole is at Last.ACK.sent: its TSval is echoed */
	h_advance(h, 10);
	h_clear(h);
	cc = c.ts_clock + (uint32_t)h->now;
	peer_data(h, &c, 100);
	c.seq += 100;
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.tsecr, cc);
	read_check(h, &c, 300, 0);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 4.1: the RTT comes from the echoed TSval. */
START_TEST(ts_rtt_from_echo)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;
	struct h_seg s;

	h_conn_init(&c);
	c.peer_ts = 1;
	c.rtt_ms = 10;
	h = est(&c, NULL);
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.srtt_us, 10000);
	ck_assert_uint_eq(ts.rttvar_us, 5000);
	h_write(c.tp, 1000, 0);
	h_flush(h);
	h_tcp(h, 0, &s);
	h_advance(h, 40);
	/* the echo says 100 ms although the clock says 40 */
	c.ts_hold = 1;
	c.ts_echo = s.tsval - 60;
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	c.ts_hold = 0;
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.srtt_us, (7 * 10000 + 100000) / 8);
	ck_assert_uint_eq(ts.rttvar_us, (3 * 5000 + 90000) / 4);
	ck_assert_uint_eq(ts.rto_ms, 200); /* 21.25 + 4 * 26.25 ms = 127 ms: rto_min */
	h_finish(h, &c);
}
END_TEST

/* The echo times even a retransmitted SYN (no Karn ambiguity: it says which one). */
START_TEST(ts_rtt_retransmitted_syn)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;

	h_conn_init(&c);
	c.peer_ts = 1;
	c.rtt_ms = 1100; /* the SYN went again at 1000 and the SYN/ACK echoes that one */
	h = est(&c, NULL);
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.srtt_us, 100000);
	ck_assert_uint_eq(ts.rto_ms, 300);
	h_finish(h, &c);
}
END_TEST

/* An echo of a time we have not reached yet is no RTT sample. */
START_TEST(ts_rtt_echo_from_future)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts, ts0;
	struct h_seg s;

	h_conn_init(&c);
	c.peer_ts = 1;
	c.rtt_ms = 10;
	h = est(&c, NULL);
	ts0 = stat_of(c.tp);
	h_write(c.tp, 1000, 0);
	h_flush(h);
	h_tcp(h, 0, &s);
	h_advance(h, 40);
	c.ts_hold = 1;
	c.ts_echo = s.tsval + 1000;
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	c.ts_hold = 0;
	ts = stat_of(c.tp);
	ck_assert_uint_le(ts.srtt_us, 100000);
	ck_assert_uint_le(ts.rto_ms, ts0.rto_ms);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 5.3: an older TSval marks an old duplicate: dropped, answered with an ACK. */
START_TEST(paws_drops_old_tsval)
{
	struct harness *h;
	struct h_conn c;
	struct iovec iov[2];
	struct h_seg s;
	uint32_t a;

	h_conn_init(&c);
	c.peer_ts = 1;
	h = est(&c, NULL);
	h_advance(h, 10);
	a = c.ts_clock + (uint32_t)h->now;
	peer_data(h, &c, 100);
	h_flush(h);
	h_advance(h, h->cfg.delack_ms);
	h_clear(h);
	c.ts_clock -= 1000; /* the peer's clock went back: an old segment */
	peer_data_at(h, &c, 100, 100);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_paws_drop), 1);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 100);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.tsecr, a);
	/* the same bytes with a current TSval are taken */
	c.ts_clock += 1000;
	peer_data(h, &c, 100);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_paws_drop), 1);
	read_check(h, &c, 200, 0);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 5.3 R1: PAWS does not apply to a RST. */
START_TEST(paws_not_for_rst)
{
	struct harness *h;
	struct h_conn c;

	h_conn_init(&c);
	c.peer_ts = 1;
	h = est(&c, NULL);
	h_advance(h, 10);
	peer_data(h, &c, 100);
	h_flush(h);
	read_check(h, &c, 100, 0);
	h_advance(h, h->cfg.delack_ms);
	h_clear(h);
	c.ts_clock -= 1000;
	h_peer_seg(h, &c, H_RST, c.seq, 0, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_paws_drop), 0);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), ECONNRESET);
	ck_assert_uint_eq(h->nsent, 0);
	h_finish(h, &c);
}
END_TEST

/* RFC 7323 5.5: after 24 days of silence TS.Recent is stale and an older TSval is taken. */
START_TEST(paws_idle_24_days)
{
	const uint64_t idle = 24ull * 24 * 3600 * 1000 + 1;
	struct harness *h;
	struct h_conn c;

	h_conn_init(&c);
	c.peer_ts = 1;
	h = est(&c, NULL);
	peer_data(h, &c, 100);
	h_flush(h);
	h_advance(h, idle);
	h_learn(h, H_PEER_IP, h_peer_mac); /* the ARP entry is long gone */
	c.ts_clock -= (uint32_t)idle + 1000;
	peer_data(h, &c, 100);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_paws_drop), 0);
	read_check(h, &c, 200, 0);
	h_finish(h, &c);
}
END_TEST

/* ---- SACK, the receiver (RFC 2018 4) ---- */

/* The peer's segment [off, off + len) arrives out of order; returns our ACK. */
static void ooo_ack(struct harness *h, struct h_conn *c, uint32_t off, uint32_t len,
		    struct h_seg *s)
{
	h_clear(h);
	peer_data_at(h, c, off, len);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, s);
	ck_assert_uint_eq(s->ack, c->seq);
}

static void check_block(const struct h_conn *c, const struct h_seg *s, unsigned b, uint32_t start,
			uint32_t end)
{
	ck_assert_uint_gt(s->nsack, b);
	ck_assert_msg(s->sack[b].start == c->seq + start && s->sack[b].end == c->seq + end,
		      "block %u is [%u, %u), not [%u, %u)", b, s->sack[b].start - c->seq,
		      s->sack[b].end - c->seq, start, end);
}

static int has_block(const struct h_conn *c, const struct h_seg *s, uint32_t start, uint32_t end)
{
	for (unsigned b = 0; b < s->nsack; b++)
		if (s->sack[b].start == c->seq + start && s->sack[b].end == c->seq + end)
			return 1;
	return 0;
}

START_TEST(sack_blocks_newest_first)
{
	struct harness *h;
	struct h_conn c;
	struct h_seg s;

	h_conn_init(&c);
	c.peer_sack = 1;
	c.peer_ts = 1;
	h = est(&c, NULL);
	ooo_ack(h, &c, 100, 100, &s);
	ck_assert_uint_eq(s.nsack, 1);
	ck_assert_uint_eq(s.optlen, 12 + 4 + 8);
	check_block(&c, &s, 0, 100, 200);
	ooo_ack(h, &c, 300, 100, &s);
	ck_assert_uint_eq(s.nsack, 2);
	check_block(&c, &s, 0, 300, 400);
	check_block(&c, &s, 1, 100, 200);
	ooo_ack(h, &c, 500, 100, &s);
	ck_assert_uint_eq(s.nsack, 3);
	check_block(&c, &s, 0, 500, 600);
	/* four ranges, but with TS there is room for three blocks */
	ooo_ack(h, &c, 700, 100, &s);
	ck_assert_uint_eq(s.nsack, 3);
	ck_assert_uint_eq(s.optlen, 40);
	check_block(&c, &s, 0, 700, 800);
	/* then the most recently reported ones (RFC 2018 4), not sequence order */
	check_block(&c, &s, 1, 500, 600);
	check_block(&c, &s, 2, 300, 400);
	/* a segment that grows an old range puts that range first */
	ooo_ack(h, &c, 150, 100, &s);
	ck_assert_uint_eq(s.nsack, 3);
	check_block(&c, &s, 0, 100, 250);
	check_block(&c, &s, 1, 700, 800);
	check_block(&c, &s, 2, 500, 600);
	/* holes fill: their blocks go (in any order now: the ACK moved, RFC 2018 4) */
	h_clear(h);
	peer_data(h, &c, 100); /* [0, 100), and [100, 250) was held */
	c.seq += 150;
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.nsack, 3);
	ck_assert(has_block(&c, &s, 50, 150));
	ck_assert(has_block(&c, &s, 250, 350));
	ck_assert(has_block(&c, &s, 450, 550));
	peer_data(h, &c, 50); /* [250, 300), and [300, 400) */
	c.seq += 100;
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.nsack, 2);
	ck_assert(has_block(&c, &s, 100, 200));
	ck_assert(has_block(&c, &s, 300, 400));
	peer_data(h, &c, 100);
	c.seq += 100;
	peer_data(h, &c, 100);
	c.seq += 100;
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.nsack, 0);
	ck_assert_uint_eq(s.optlen, 12);
	read_check(h, &c, 800, 0);
	h_finish(h, &c);
}
END_TEST

START_TEST(sack_four_blocks_without_ts)
{
	struct harness *h;
	struct h_conn c;
	struct h_seg s;

	h_conn_init(&c);
	c.peer_sack = 1;
	h = est(&c, NULL);
	for (uint32_t k = 1; k <= 5; k++)
		ooo_ack(h, &c, 200 * k, 100, &s);
	ck_assert_uint_eq(s.nsack, 4);
	ck_assert_uint_eq(s.optlen, 4 + 4 * 8);
	check_block(&c, &s, 0, 1000, 1100);
	for (uint32_t k = 0; k < 5; k++)
		peer_data_at(h, &c, 200 * k + 100 * (k > 0), k ? 100 : 200);
	c.seq += 1100;
	h_flush(h);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(s.nsack, 0);
	read_check(h, &c, 1100, 0);
	h_finish(h, &c);
}
END_TEST

/* The SACK blocks on our data segments come out of its payload: the segment stays within MSS. */
START_TEST(sack_blocks_fit_mss)
{
	for (int ts = 0; ts <= 1; ts++) {
		struct harness *h;
		struct h_conn c;
		struct h_seg s;

		h_conn_init(&c);
		c.peer_sack = 1;
		c.peer_ts = ts;
		h = est(&c, NULL);
		for (uint32_t k = 1; k <= 4; k++)
			ooo_ack(h, &c, 200 * k, 100, &s);
		h_clear(h);
		h_write(c.tp, 3000, 0);
		h_flush(h);
		ck_assert_uint_ge(h_ntcp(h), 2);
		h_tcp(h, 0, &s);
		ck_assert_uint_eq(s.nsack, ts ? 3 : 4);
		ck_assert_uint_eq(s.optlen + s.len, 1460);
		ck_assert_uint_eq(s.ip_len, 1500);
		ack_all(h, &c);
		for (uint32_t k = 0; k < 4; k++)
			peer_data_at(h, &c, 200 * k + 100 * (k > 0), k ? 100 : 200);
		c.seq += 900;
		h_flush(h);
		read_check(h, &c, 900, 0);
		h_finish(h, &c);
	}
}
END_TEST

/* ---- SACK, the sender: scoreboard and RFC 6675 recovery ---- */

/* RFC 2018 / RFC 6675: blocks count only within (SND.UNA, SND.MAX]. */
START_TEST(sack_scoreboard_bounds)
{
	struct harness *h;
	struct h_conn c;

	h = est_sack(&c, 1, 0);
	h_write(c.tp, 10000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 10);
	h_peer_ack(h, &c, S(&c, 1));
	/* beyond what we sent (would be lost data in plenty otherwise) */
	h_peer_sack(h, &c, S(&c, 1), 1, S(&c, 5), S(&c, 12));
	ck_assert_uint_eq(c.tp->nsacked, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 0);
	h_peer_ack(h, &c, S(&c, 2));
	/* below SND.UNA (a D-SACK) and empty */
	h_peer_sack(h, &c, S(&c, 2), 2, S(&c, 1), S(&c, 2), S(&c, 5), S(&c, 5));
	ck_assert_uint_eq(c.tp->nsacked, 0);
	h_peer_ack(h, &c, S(&c, 3));
	/* across SND.UNA: only the part above it */
	h_peer_sack(h, &c, S(&c, 3), 1, S(&c, 2) + 500, S(&c, 5));
	ck_assert_uint_eq(c.tp->nsacked, 1);
	ck_assert_uint_eq(c.tp->sacked[0].start, S(&c, 3));
	ck_assert_uint_eq(c.tp->sacked[0].end, S(&c, 5));
	/* and up to SND.MAX exactly */
	h_peer_ack(h, &c, S(&c, 4));
	h_peer_sack(h, &c, S(&c, 4), 1, S(&c, 9), S(&c, 10));
	ck_assert_uint_eq(c.tp->nsacked, 2);
	ck_assert_uint_eq(c.tp->sacked[1].end, S(&c, 10));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 0);
	h_flush(h);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* RFC 6675 IsLost(): more than 2 * SMSS SACKed above SND.UNA starts recovery before 3 dupacks. */
START_TEST(sack_recovery_before_three_dupacks)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;

	h = est_sack(&c, 1, 0);
	h_write(c.tp, 10000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 10);
	h_clear(h);
	h_peer_sack(h, &c, S(&c, 0), 1, S(&c, 1), S(&c, 3)); /* 2 * SMSS: not yet */
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 0);
	h_peer_sack(h, &c, S(&c, 0), 1, S(&c, 1), S(&c, 4)); /* the second dupack */
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_sack_recoveries), 1);
	/* RFC 6675 5 (4.3): the first hole goes at once */
	ck_assert_uint_eq(h_ntcp(h), 1);
	check_data(h, 0, &c, 0, 1000);
	/* (4.2): cwnd = ssthresh = FlightSize / 2 */
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.ssthresh, 5000);
	ck_assert_uint_eq(ts.cwnd, 5000);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* Holes first, each once, while cwnd > pipe; then new data; a full ACK ends it. */
START_TEST(sack_recovery_holes_then_new_data)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;

	h = est_sack(&c, 1, 0);
	h_write(c.tp, 10000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 10);
	h_clear(h);
	/* segments 0 and 2 are lost */
	h_peer_sack(h, &c, S(&c, 0), 1, S(&c, 1), S(&c, 2));
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 4), S(&c, 1), S(&c, 2));
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 5), S(&c, 1), S(&c, 2));
	h_flush(h);
	/* third dupack, 3 SACKed: recovery, segment 0 at once; pipe = 10 - 3 - 1 (hole 2) = 6 */
	ck_assert_uint_eq(h_ntcp(h), 1);
	check_data(h, 0, &c, 0, 1000);
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.cwnd, 5000);
	ck_assert_uint_eq(ts.ssthresh, 5000);
	h_write(c.tp, 10000, 10000);
	/* pipe 5: cwnd is not above it */
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 6), S(&c, 1), S(&c, 2));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	/* pipe 4: the next hole */
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 7), S(&c, 1), S(&c, 2));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	check_data(h, 1, &c, 2, 1000);
	/* no hole left: new data, one segment per segment that left the network */
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 8), S(&c, 1), S(&c, 2));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	check_data(h, 2, &c, 10, 1000);
	h_peer_sack(h, &c, S(&c, 0), 2, S(&c, 3), S(&c, 9), S(&c, 1), S(&c, 2));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 4);
	check_data(h, 3, &c, 11, 1000);
	/* a partial ACK (segment 0 arrived): hole 2 is not sent again */
	h_peer_sack(h, &c, S(&c, 2), 1, S(&c, 3), S(&c, 10));
	h_flush(h);
	for (size_t i = 4; i < h_ntcp(h); i++) {
		struct h_seg s;

		h_tcp(h, i, &s);
		ck_assert_msg(SEQ_GEQ(s.seq, S(&c, 12)), "frame %zu resends old data", i);
	}
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_segs), 2);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 1);
	/* the full ACK: cwnd = min(ssthresh, FlightSize + SMSS) (RFC 6582 3.2 step 3) */
	ts = stat_of(c.tp);
	h_peer_ack(h, &c, S(&c, 11));
	ck_assert(!(c.tp->t_flags & TF_RECOVERY));
	ck_assert_uint_eq(stat_of(c.tp).cwnd, MIN(5000u, ts.snd_nxt - S(&c, 11) + 1000u));
	ck_assert_uint_lt(stat_of(c.tp).cwnd, 5000u);
	h_flush(h);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* ---- NewReno without SACK (RFC 5681 3.2, RFC 6582) ---- */

START_TEST(newreno_recovery)
{
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;
	struct h_seg s;

	h = est_sack(&c, 0, 0);
	h_write(c.tp, 10000, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 10);
	h_clear(h);
	/* segments 0 and 4 are lost */
	h_peer_ack(h, &c, S(&c, 0));
	h_peer_ack(h, &c, S(&c, 0));
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	h_peer_ack(h, &c, S(&c, 0));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	check_data(h, 0, &c, 0, 1000);
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.ssthresh, 5000);
	ck_assert_uint_eq(ts.cwnd, 5000 + 3 * 1000);
	h_write(c.tp, 20000, 10000);
	/* every further dupack inflates cwnd; new data once flight (10) < cwnd */
	for (unsigned k = 4; k <= 7; k++) {
		h_peer_ack(h, &c, S(&c, 0));
		h_flush(h);
		ck_assert_uint_eq(stat_of(c.tp).cwnd, 5000 + k * 1000);
		ck_assert_uint_eq(h_ntcp(h), 1 + (k >= 6) + (k >= 7));
	}
	check_data(h, 1, &c, 10, 1000);
	check_data(h, 2, &c, 11, 1000);
	/* a partial ACK: the next hole at once, cwnd deflated by the 4 acked, plus one */
	h_peer_ack(h, &c, S(&c, 4));
	ck_assert_uint_eq(h_ntcp(h), 4);
	check_data(h, 3, &c, 4, 1000);
	ck_assert_uint_eq(stat_of(c.tp).cwnd, 12000 - 4000 + 1000);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_partial_acks), 1);
	h_flush(h); /* flight 8 < cwnd 9: one new segment */
	ck_assert_uint_eq(h_ntcp(h), 5);
	check_data(h, 4, &c, 12, 1000);
	/* the full ACK: out of recovery, cwnd = min(ssthresh, flight + SMSS) */
	h_peer_ack(h, &c, S(&c, 10));
	ck_assert(!(c.tp->t_flags & TF_RECOVERY));
	ck_assert_uint_eq(stat_of(c.tp).cwnd, 3000 + 1000);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 6);
	check_data(h, 5, &c, 13, 1000);
	/* RFC 6582 4.1: dupacks at "recover" do not start a second recovery */
	h_clear(h);
	for (int k = 0; k < 4; k++)
		h_peer_ack(h, &c, S(&c, 10));
	h_flush(h);
	check_no_rexmit(h, S(&c, 14));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 1);
	/* beyond it they do */
	h_peer_ack(h, &c, S(&c, 11));
	h_flush(h);
	h_clear(h);
	for (int k = 0; k < 3; k++)
		h_peer_ack(h, &c, S(&c, 11));
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 2);
	ck_assert_uint_ge(h_ntcp(h), 1);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.seq, S(&c, 11));
	ck_assert_uint_eq(s.len, 1000);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* ---- a retransmission timeout during recovery ---- */

static unsigned ssthresh_calls;

static uint32_t counting_ssthresh(struct tcb *tp)
{
	ssthresh_calls++;
	return tcp_cc_newreno.ssthresh(tp);
}

START_TEST(rto_ends_recovery)
{
	struct tcp_cc_ops cc = tcp_cc_newreno;
	struct harness *h;
	struct h_conn c;
	struct tcp_stat ts;

	cc.ssthresh = counting_ssthresh;
	ssthresh_calls = 0;
	h = est_sack(&c, 1, 0);
	c.tp->cc = &cc;
	h_write(c.tp, 20000, 0);
	h_flush(h);
	h_peer_sack(h, &c, S(&c, 0), 1, S(&c, 1), S(&c, 4));
	h_flush(h);
	ck_assert(c.tp->t_flags & TF_RECOVERY); /* "recover" is segment 10 */
	ck_assert_uint_eq(ssthresh_calls, 1);
	h_peer_sack(h, &c, S(&c, 0), 1, S(&c, 1), S(&c, 8));
	h_flush(h); /* pipe 3 < cwnd 5: new data went, flight is 12 segments now */
	ck_assert_uint_eq(stat_of(c.tp).snd_nxt, S(&c, 12));
	/* the retransmission of segment 0 is lost too: the RTO */
	h_clear(h);
	h_advance(h, stat_of(c.tp).rto_ms);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_timeouts), 1);
	ck_assert(!(c.tp->t_flags & TF_RECOVERY));
	ck_assert_uint_eq(c.tp->nsacked, 0); /* RFC 2018 8: the receiver may renege */
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.cwnd, 1000);
	ck_assert_uint_eq(ts.ssthresh, 12000 / 2);
	ck_assert_uint_eq(ssthresh_calls, 2);
	ck_assert_uint_eq(h_ntcp(h), 1);
	check_data(h, 0, &c, 0, 1000);
	/* the next timeout of the same loss leaves ssthresh alone */
	h_advance(h, stat_of(c.tp).rto_ms);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_timeouts), 2);
	ck_assert_uint_eq(ssthresh_calls, 2);
	ts = stat_of(c.tp);
	ck_assert_uint_eq(ts.cwnd, 1000);
	ck_assert_uint_eq(ts.ssthresh, 6000);
	/*
	 * RFC 6582 4.2 / RFC 6675 5.1: the timeout moved "recover" to SND.MAX
	 * (segment 12), so duplicate ACKs at 11 start no new recovery.
	 */
	h_peer_ack(h, &c, S(&c, 11));
	h_flush(h);
	h_clear(h);
	for (int k = 0; k < 3; k++)
		h_peer_sack(h, &c, S(&c, 11), 1, S(&c, 12), S(&c, 13));
	h_flush(h);
	check_no_rexmit(h, S(&c, 13));
	ck_assert_uint_eq(h_stat(h, STAT_tcp_fast_retransmits), 1);
	ack_all(h, &c);
	h_finish(h, &c);
}
END_TEST

/* ---- RFC 6528 initial sequence numbers ---- */

START_TEST(isn_rfc6528)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp1, *tp2, *tp3;
	struct h_seg s1, s2, s3;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_advance(h, 1000);
	tp1 = tcp_connect(h->st, H_PEER_IP, 80, NULL, h->now, &err);
	tp2 = tcp_connect(h->st, H_PEER_IP, 81, NULL, h->now, &err);
	ck_assert_ptr_nonnull(tp1);
	ck_assert_ptr_nonnull(tp2);
	h_tcp(h, 0, &s1);
	h_tcp(h, 1, &s2);
	ck_assert_uint_eq(s1.seq, h_isn(h, s1.sport, H_PEER_IP, 80));
	ck_assert_uint_eq(s2.seq, h_isn(h, s2.sport, H_PEER_IP, 81));
	/* same time, other 4-tuple: far apart, nothing like a shared counter */
	ck_assert_uint_gt(s2.seq - s1.seq, 1u << 24);
	ck_assert_uint_gt(s1.seq - s2.seq, 1u << 24);
	/* and not a random word as it came (a keyed hash of the tuple, plus the clock) */
	for (size_t k = 0; k < h->nrnd; k++) {
		ck_assert_uint_ne(s1.seq, h->rnd_log[k]);
		ck_assert_uint_ne(s2.seq, h->rnd_log[k]);
	}
	tcp_release(tp1);
	tcp_release(tp2);
	/* the same 4-tuple 5 s later: 250 more per ms */
	h_advance(h, 5000);
	h_clear(h);
	h_force_random(h, s1.sport - 32768u);
	tp3 = tcp_connect(h->st, H_PEER_IP, 80, NULL, h->now, &err);
	ck_assert_ptr_nonnull(tp3);
	h_tcp(h, 0, &s3);
	ck_assert_uint_eq(s3.sport, s1.sport);
	ck_assert_uint_eq(s3.seq - s1.seq, 5000u * 250);
	tcp_release(tp3);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* ---- RFC 5961 ---- */

/* 5.2: an ACK below SND.UNA - MAX.SND.WND is a blind guess: challenge, drop. */
START_TEST(rfc5961_old_ack_challenged)
{
	struct harness *h;
	struct h_conn c;
	struct iovec iov[2];
	struct h_seg s;
	uint32_t una;
	uint8_t d[100];

	h_conn_init(&c);
	c.win = 1000;
	h = est(&c, NULL);
	for (int k = 0; k < 3; k++) {
		h_write(c.tp, 1000, 0);
		h_flush(h);
		h_peer_ack(h, &c, c.iss + 1 + 1000 * (uint32_t)(k + 1));
		h_flush(h);
	}
	una = c.iss + 1 + 3000;
	ck_assert_uint_eq(stat_of(c.tp).snd_una, una);
	h_clear(h);
	h_pattern(d, sizeof(d), 0);
	/* at the edge: an old ACK, ignored, but the segment counts */
	h_peer_seg(h, &c, H_ACK, c.seq, una - 1000, c.win, d, sizeof(d));
	c.seq += 100;
	h_flush(h);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 100);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_acks), 0);
	/* one further: a challenge ACK, data not taken */
	h_clear(h);
	h_peer_seg(h, &c, H_ACK, c.seq, una - 1001, c.win, d, sizeof(d));
	h_flush(h);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 100);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_acks), 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_badack), 1);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, una);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_uint_eq(stat_of(c.tp).snd_una, una);
	read_check(h, &c, 100, 0);
	h_finish(h, &c);
}
END_TEST

/* 7: at most challenge_ack_limit challenge ACKs a second; the rest are counted. */
START_TEST(rfc5961_challenge_ack_limit)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	uint64_t t;

	h_cfg(&cfg);
	cfg.challenge_ack_limit = 3;
	h_conn_init(&c);
	h = est(&c, &cfg);
	h_advance(h, 10);
	t = h->now;
	for (int k = 0; k < 5; k++) {
		h_peer_seg(h, &c, H_RST, c.seq + 10, 0, 0, NULL, 0); /* in window, not exact */
		h_flush(h);
	}
	ck_assert_uint_eq(h_ntcp(h), 3);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_acks), 3);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_limited), 2);
	h_advance_to(h, t + 500);
	h_peer_seg(h, &c, H_SYN, c.seq, 0, 1000, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 3);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_limited), 3);
	/* the next second */
	h_advance_to(h, t + 1000);
	h_peer_seg(h, &c, H_RST, c.seq + 10, 0, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 4);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_challenge_acks), 4);
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	h_finish(h, &c);
}
END_TEST

Suite *tcp_opts_suite(void)
{
	Suite *s = suite_create("tcp_opts");
	TCase *o = h_tcase("options");
	TCase *r = h_tcase("recovery");
	TCase *x = h_tcase("rfc6528_5961");

	tcase_add_test(o, syn_offers_options);
	tcase_add_test(o, no_options_none_used);
	tcase_add_test(o, wscale_peer_window);
	tcase_add_test(o, wscale_our_window);
	tcase_add_test(o, wscale_full_buffer_zero_window);
	tcase_add_test(o, wscale_clamped_to_14);
	tcase_add_test(o, ts_on_every_segment);
	tcase_add_test(o, ts_recent_in_order_only);
	tcase_add_test(o, ts_rtt_from_echo);
	tcase_add_test(o, ts_rtt_retransmitted_syn);
	tcase_add_test(o, ts_rtt_echo_from_future);
	tcase_add_test(o, paws_drops_old_tsval);
	tcase_add_test(o, paws_not_for_rst);
	tcase_add_test(o, paws_idle_24_days);
	tcase_add_test(o, sack_blocks_newest_first);
	tcase_add_test(o, sack_four_blocks_without_ts);
	tcase_add_test(o, sack_blocks_fit_mss);
	suite_add_tcase(s, o);
	tcase_add_test(r, sack_scoreboard_bounds);
	tcase_add_test(r, sack_recovery_before_three_dupacks);
	tcase_add_test(r, sack_recovery_holes_then_new_data);
	tcase_add_test(r, newreno_recovery);
	tcase_add_test(r, rto_ends_recovery);
	suite_add_tcase(s, r);
	tcase_add_test(x, isn_rfc6528);
	tcase_add_test(x, rfc5961_old_ack_challenged);
	tcase_add_test(x, rfc5961_challenge_ack_limit);
	suite_add_tcase(s, x);
	return s;
}

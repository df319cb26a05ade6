/* SPDX-License-Identifier: MIT */
/*
 * test_icmp_err.c - ICMP errors reaching TCP (RFC 1122 4.2.3.9, RFC 1191,
 * RFC 5461, RFC 5927): hard before the connection is synchronized, soft
 * after; fragmentation needed lowers the MSS and resends at once; quotes
 * that are short, not ours or out of the window are counted and ignored.
 *
 * icmp_err() quotes a frame the stack really sent (its IPv4 header and the
 * first 8 bytes of TCP, as a router does), so the tests use the stack's own
 * ports and sequence numbers.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* The i-th TCP frame the stack sent (since the last h_clear()). */
static const struct h_frame *tcp_frame(struct harness *h, size_t i)
{
	for (size_t k = 0; k < h->nsent; k++)
		if (h_frame_is(&h->sent[k], 0x0800, 6) && i-- == 0)
			return &h->sent[k];
	ck_abort_msg("no TCP frame #%zu", i);
	return NULL;
}

/*
 * Feed an ICMP error type/code (with word, the second header word: the
 * next-hop MTU for fragmentation needed) from the gateway quoting qlen
 * bytes of quote.
 */
static void icmp_err_raw(struct harness *h, uint8_t type, uint8_t code, uint32_t word,
			 const uint8_t *quote, size_t qlen)
{
	static uint8_t f[H_FRAME_MAX], m[1500];

	m[0] = type;
	m[1] = code;
	put16(m + 2, 0);
	put32(m + 4, word);
	memcpy(m + 8, quote, qlen);
	put16(m + 2, h_csum(m, 8 + qlen, 0));
	h_input(h, f, h_build_ip4(f, h_gw_mac, H_GW_IP, H_OUR_IP, 1, m, 8 + qlen));
}

/* An ICMP error quoting the IPv4 header and 8 bytes of TCP of frame fr, as RFC 792 has it. */
static void icmp_err(struct harness *h, const struct h_frame *fr, uint8_t type, uint8_t code,
		     uint16_t mtu)
{
	uint8_t q[28];

	memcpy(q, fr->data + 14, sizeof(q));
	icmp_err_raw(h, type, code, mtu, q, sizeof(q));
}

/* Start a connection to the peer and stop after the SYN: the SYN frame stays in h->sent[0]. */
static struct tcb *syn_sent(struct harness *h)
{
	struct tcb *tp;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	tp = tcp_connect(h->st, H_PEER_IP, H_PEER_PORT, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(h_ntcp(h), 1);
	return tp;
}

/*
 * Before the connection is synchronized every error ends the attempt, with
 * the errno Linux gives (RFC 1122 4.2.3.9 for codes 2-3; RFC 5461 4.1 for
 * the others, which stacks treat the same in SYN-SENT).
 */
static const struct {
	uint8_t type, code;
	int err;
} hard[] = {
	{ 3, 3, ECONNREFUSED }, /* port unreachable */
	{ 3, 2, ENOPROTOOPT },	/* protocol unreachable */
	{ 3, 1, EHOSTUNREACH }, /* host unreachable */
	{ 3, 0, ENETUNREACH },	/* net unreachable */
	{ 3, 13, EHOSTUNREACH }, /* administratively prohibited */
	{ 3, 10, EHOSTUNREACH }, /* host administratively prohibited */
	{ 3, 9, ENETUNREACH },	 /* net administratively prohibited */
	{ 11, 0, EHOSTUNREACH }, /* time exceeded in transit */
	{ 12, 0, EPROTO },	 /* parameter problem */
};

START_TEST(hard_in_syn_sent)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);

	icmp_err(h, tcp_frame(h, 0), hard[_i].type, hard[_i].code, 0);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(tp), hard[_i].err);
	ck_assert_int_eq(tcp_state(tp), H_CLOSE);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_hard), 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_conn_failed), 1);
	/* no more SYNs */
	h_clear(h);
	h_advance(h, 60000);
	ck_assert_uint_eq(h_ntcp(h), 0);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/*
 * A passive open's child in SYN-RECEIVED: an error quoting our SYN/ACK
 * (its ISS) removes it quietly, as Linux drops a request sock; the
 * listener lives on and the next SYN is answered.
 */
START_TEST(hard_in_syn_received)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[200];
	struct h_tcp t = { .src = H_PEER_IP, .dst = H_OUR_IP, .sport = 5555, .dport = 80,
			   .seq = 0x1000, .flags = H_SYN, .win = 65535, .mss = 1460 };
	struct tcb *lp;
	struct h_seg s;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	lp = tcp_listen(h->st, 80, 4, NULL, &err);
	ck_assert_ptr_nonnull(lp);
	h_input(h, f, h_build_tcp(f, &t));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_SYN | H_ACK);
	ck_assert_uint_eq(stack_tcb_count(h->st), 2);
	icmp_err(h, tcp_frame(h, 0), 3, 1, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_hard), 1);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	ck_assert_uint_eq(h_events(h, lp), 0);
	ck_assert_ptr_null(tcp_accept(lp, NULL));
	/* the peer tries again: a new child */
	h_clear(h);
	h_input(h, f, h_build_tcp(f, &t));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_SYN | H_ACK);
	ck_assert_uint_eq(stack_tcb_count(h->st), 2);
	tcp_release(lp);
	h_flush(h);
}
END_TEST

/* A code TCP has no meaning for (beyond RFC 1812's 15) changes nothing. */
START_TEST(unknown_code_ignored)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);

	icmp_err(h, tcp_frame(h, 0), 3, 16, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_ignored), 1);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
}
END_TEST

/*
 * An established connection with len bytes from us in flight, unacknowledged,
 * all sent at once (TCP_NODELAY: no runt held back by Nagle).
 */
static struct tcb *established_in_flight(struct harness *h, struct h_conn *c, size_t len)
{
	h_conn_init(c);
	h_establish(h, c);
	ck_assert_int_eq(tcp_setopt(c->tp, TCP_OPT_NODELAY, 1), 0);
	ck_assert_uint_eq(h_write(c->tp, len, 0), len);
	h_flush(h);
	ck_assert_uint_ge(h_ntcp(h), 1);
	return c->tp;
}

/*
 * Once synchronized, errors are soft (RFC 5927 7.2, and Linux without
 * IP_RECVERR): no event, no SO_ERROR, and the connection keeps
 * retransmitting until an ACK comes.  Port unreachable included.
 */
START_TEST(soft_when_established)
{
	static const uint8_t codes[] = { 1, 0, 3, 2, 13 };
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct tcb *tp = established_in_flight(h, &c, 1000);
	struct h_seg s;

	for (size_t i = 0; i < sizeof(codes); i++)
		icmp_err(h, tcp_frame(h, 0), 3, codes[i], 0);
	icmp_err(h, tcp_frame(h, 0), 11, 0, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_soft), sizeof(codes) + 1);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_hard), 0);
	ck_assert_int_eq(tcp_state(tp), H_ESTABLISHED);
	ck_assert_uint_eq(h_events(h, tp), 0);
	ck_assert_int_eq(tcp_error(tp), 0);
	/* the retransmission timer still runs, and an ACK ends the episode */
	h_clear(h);
	h_advance(h, 1000);
	ck_assert_uint_ge(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(s.len, 1000);
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	h_flush(h);
	ck_assert_int_eq(tcp_state(tp), H_ESTABLISHED);
	h_finish(h, &c);
}
END_TEST

/* A soft error becomes the connection's error if it then times out (Linux's sk_err_soft). */
START_TEST(soft_error_on_timeout)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct tcb *tp;

	h_cfg(&cfg);
	cfg.data_retries = 2;
	h = h_new(&cfg);
	tp = established_in_flight(h, &c, 1000);
	icmp_err(h, tcp_frame(h, 0), 3, 1, 0); /* host unreachable */
	h_flush(h);
	ck_assert_int_eq(tcp_error(tp), 0);
	h_advance(h, 60000);
	ck_assert(h_events(h, tp) & TCP_EV_ERROR);
	ck_assert_int_eq(tcp_error(tp), EHOSTUNREACH);
	tcp_release(tp);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* An ACK clears it: the path works again, a later timeout is plain ETIMEDOUT. */
START_TEST(soft_error_cleared_by_ack)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_conn c;
	struct tcb *tp;

	h_cfg(&cfg);
	cfg.data_retries = 2;
	h = h_new(&cfg);
	tp = established_in_flight(h, &c, 1000);
	icmp_err(h, tcp_frame(h, 0), 3, 1, 0);
	h_peer_ack(h, &c, c.iss + 1 + 500);
	h_flush(h);
	h_advance(h, 60000);
	ck_assert(h_events(h, tp) & TCP_EV_ERROR);
	ck_assert_int_eq(tcp_error(tp), ETIMEDOUT);
	tcp_release(tp);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/*
 * RFC 5927 4.1: the quoted sequence number must be in flight, SND.UNA <=
 * SEQ < SND.MAX.  A forged port unreachable with any other number does not
 * end a connection attempt.
 */
START_TEST(seq_outside_window)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);
	uint8_t q[28];
	uint32_t iss;

	memcpy(q, tcp_frame(h, 0)->data + 14, sizeof(q));
	iss = (uint32_t)q[24] << 24 | (uint32_t)q[25] << 16 | (uint32_t)q[26] << 8 | q[27];
	put32(q + 24, iss + 1);
	icmp_err_raw(h, 3, 3, 0, q, sizeof(q));
	put32(q + 24, iss - 1);
	icmp_err_raw(h, 3, 3, 0, q, sizeof(q));
	put32(q + 24, iss + 0x40000000u);
	icmp_err_raw(h, 3, 3, 0, q, sizeof(q));
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_badseq), 3);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
	/* the real one still works */
	put32(q + 24, iss);
	icmp_err_raw(h, 3, 3, 0, q, sizeof(q));
	h_flush(h);
	ck_assert_int_eq(tcp_error(tp), ECONNREFUSED);
}
END_TEST

/* Data already acknowledged: a late fragmentation needed about it changes nothing. */
START_TEST(seq_acked_ignored)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct tcb *tp = established_in_flight(h, &c, 1000);
	struct tcp_stat ts;
	uint8_t q[28];

	memcpy(q, tcp_frame(h, 0)->data + 14, sizeof(q));
	h_peer_ack(h, &c, c.iss + 1 + 1000);
	h_flush(h);
	h_clear(h);
	icmp_err_raw(h, 3, 4, 576, q, sizeof(q));
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_badseq), 1);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 1460);
	ck_assert_uint_eq(h->nsent, 0);
	h_finish(h, &c);
}
END_TEST

/* Check that frames [from, h_ntcp) carry [seq, end) in order, each at most mss bytes. */
static void expect_segments(struct harness *h, size_t from, uint32_t seq, uint32_t end,
			    uint32_t mss)
{
	struct h_seg s;

	for (size_t i = from; i < h_ntcp(h) && seq != end; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.seq, seq);
		ck_assert_uint_le(s.len, mss);
		ck_assert_uint_gt(s.len, 0);
		ck_assert(h_pattern_ok(s.data, s.len, s.seq));
		seq += (uint32_t)s.len;
	}
	ck_assert_uint_eq(seq, end);
}

/*
 * RFC 1191: fragmentation needed lowers the MSS to the MTU less 40 and
 * resends everything unacknowledged at once (6.4) in the smaller size; the
 * next new data uses it too.
 */
START_TEST(frag_needed)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct tcb *tp;
	struct tcp_stat ts;
	struct h_seg s;
	uint32_t una;

	h_conn_init(&c);
	h_establish(h, &c);
	una = c.iss + 1;
	ck_assert_int_eq(tcp_setopt(c.tp, TCP_OPT_NODELAY, 1), 0);
	/* the pattern offset is the sequence number, so segments can be checked alone */
	ck_assert_uint_eq(h_write(c.tp, 4000, una), 4000);
	h_flush(h);
	tp = c.tp;
	ck_assert_uint_eq(h_ntcp(h), 3); /* 1460 + 1460 + 1080 */
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 1460);
	icmp_err(h, tcp_frame(h, 1), 3, 4, 1000);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 960);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_pmtu), 1);
	h_flush(h);
	/* at once, no timer: 960 * 4 + 160 from SND.UNA */
	ck_assert_uint_eq(h_ntcp(h), 3 + 5);
	expect_segments(h, 3, una, una + 4000, 960);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rexmit_segs), 5);
	/* not congestion: the window stays */
	tcp_get_stat(tp, &ts);
	ck_assert_uint_ge(ts.cwnd, 4000);
	/* the peer has everything; new data goes out in the new size */
	h_peer_ack(h, &c, una + 4000);
	h_flush(h);
	h_clear(h);
	ck_assert_uint_eq(h_write(tp, 2000, una + 4000), 2000);
	h_flush(h);
	expect_segments(h, 0, una + 4000, una + 6000, 960);
	h_peer_ack(h, &c, una + 6000);
	h_flush(h);
	ck_assert_int_eq(tcp_state(tp), H_ESTABLISHED);
	ck_assert_uint_eq(h_events(h, tp) & TCP_EV_ERROR, 0);
	h_finish(h, &c);
}
END_TEST

/*
 * RFC 1191 3: never raise the estimate - an MTU at or above the path's is
 * ignored; and no lower than Linux's min_pmtu (552) however small the
 * report.
 */
START_TEST(frag_needed_limits)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct tcb *tp = established_in_flight(h, &c, 3000);
	struct tcp_stat ts;
	uint8_t q[28];

	memcpy(q, tcp_frame(h, 0)->data + 14, sizeof(q));
	h_clear(h);
	icmp_err_raw(h, 3, 4, 1500, q, sizeof(q));
	icmp_err_raw(h, 3, 4, 9000, q, sizeof(q));
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_pmtu_ignored), 2);
	ck_assert_uint_eq(h->nsent, 0);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 1460);
	/* quote a retransmission this time */
	h_advance(h, 1000);
	ck_assert_uint_ge(h_ntcp(h), 1);
	icmp_err(h, tcp_frame(h, 0), 3, 4, 100);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 552 - 40);
	/* and once there, a still smaller report is not news */
	icmp_err(h, tcp_frame(h, 0), 3, 4, 68);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_pmtu), 1);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_pmtu_ignored), 3);
	h_flush(h);
	h_peer_ack(h, &c, c.iss + 1 + 3000);
	h_finish(h, &c);
}
END_TEST

/*
 * RFC 1191 5: a router older than RFC 1191 reports MTU 0; the next plateau
 * below the datagram's length is assumed (1500 -> 1492).
 */
START_TEST(frag_needed_plateau)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct tcb *tp = established_in_flight(h, &c, 1460);
	struct tcp_stat ts;

	icmp_err(h, tcp_frame(h, 0), 3, 4, 0);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 1492 - 40);
	h_flush(h);
	h_peer_ack(h, &c, c.iss + 1 + 1460);
	h_finish(h, &c);
}
END_TEST

/* In SYN-SENT fragmentation needed only lowers the MSS: the attempt goes on. */
START_TEST(frag_needed_syn_sent)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);
	struct tcp_stat ts;

	icmp_err(h, tcp_frame(h, 0), 3, 4, 1280);
	h_flush(h);
	tcp_get_stat(tp, &ts);
	ck_assert_uint_eq(ts.mss, 1240);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
}
END_TEST

/*
 * RFC 1122 3.2.2: the quote must hold the IPv4 header and 8 bytes; shorter
 * or malformed quotes are counted and change nothing.
 */
START_TEST(truncated_quote)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);
	uint8_t q[28 + 4];

	memcpy(q, tcp_frame(h, 0)->data + 14, 28);
	icmp_err_raw(h, 3, 3, 0, q, 0);	 /* nothing quoted */
	icmp_err_raw(h, 3, 3, 0, q, 19); /* part of the header */
	icmp_err_raw(h, 3, 3, 0, q, 27); /* 7 bytes of TCP */
	q[0] = 0x46;			 /* a header with options, but the same bytes */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	q[0] = 0x44; /* a header length below 20 */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	q[0] = 0x65; /* not IPv4 */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	q[0] = 0x45;
	q[7] = 1; /* a later fragment: no TCP header in it */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_rx), 7);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_short), 7);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
}
END_TEST

/* Quotes of datagrams we did not send, or not TCP, or for no connection. */
START_TEST(not_ours)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);
	uint8_t q[28];

	memcpy(q, tcp_frame(h, 0)->data + 14, 28);
	put32(q + 12, H_OTHER_IP); /* source not us */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	put32(q + 12, H_OUR_IP);
	q[9] = 132; /* SCTP */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	q[9] = 6;
	q[20] ^= 0x01; /* another local port */
	icmp_err_raw(h, 3, 3, 0, q, 28);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_notours), 1);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_proto), 1);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_tcp_noconn), 1);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
}
END_TEST

/* An error sent to a broadcast address, or with a bad checksum, is not acted on. */
START_TEST(broadcast_or_bad_checksum)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);
	static uint8_t f[200];
	uint8_t m[8 + 28];
	size_t n;

	m[0] = 3;
	m[1] = 3;
	put16(m + 2, 0);
	put32(m + 4, 0);
	memcpy(m + 8, tcp_frame(h, 0)->data + 14, 28);
	put16(m + 2, h_csum(m, sizeof(m), 0));
	n = h_build_ip4(f, h_gw_mac, H_GW_IP, H_BCAST_IP, 1, m, sizeof(m));
	memcpy(f, h_bcast_mac, 6);
	h_input(h, f, n);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_type), 1);
	n = h_build_ip4(f, h_gw_mac, H_GW_IP, H_OUR_IP, 1, m, sizeof(m));
	f[n - 1] ^= 1;
	h_input(h, f, n);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_csum), 1);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_rx), 0);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
}
END_TEST

/* RFC 6633: source quench is ignored; so are redirects (one gateway). */
START_TEST(quench_and_redirect_ignored)
{
	struct harness *h = h_new(NULL);
	struct tcb *tp = syn_sent(h);

	icmp_err(h, tcp_frame(h, 0), 4, 0, 0);
	icmp_err(h, tcp_frame(h, 0), 5, 1, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_type), 2);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, tp), 0);
}
END_TEST

Suite *icmp_err_suite(void)
{
	Suite *s = suite_create("icmp_err");
	TCase *th = h_tcase("hard");
	TCase *ts = h_tcase("soft");
	TCase *tm = h_tcase("pmtu");
	TCase *tv = h_tcase("validation");

	tcase_add_loop_test(th, hard_in_syn_sent, 0, (int)(sizeof(hard) / sizeof(hard[0])));
	tcase_add_test(th, hard_in_syn_received);
	tcase_add_test(th, unknown_code_ignored);
	suite_add_tcase(s, th);
	tcase_add_test(ts, soft_when_established);
	tcase_add_test(ts, soft_error_on_timeout);
	tcase_add_test(ts, soft_error_cleared_by_ack);
	suite_add_tcase(s, ts);
	tcase_add_test(tm, frag_needed);
	tcase_add_test(tm, frag_needed_limits);
	tcase_add_test(tm, frag_needed_plateau);
	tcase_add_test(tm, frag_needed_syn_sent);
	suite_add_tcase(s, tm);
	tcase_add_test(tv, seq_outside_window);
	tcase_add_test(tv, seq_acked_ignored);
	tcase_add_test(tv, truncated_quote);
	tcase_add_test(tv, not_ours);
	tcase_add_test(tv, broadcast_or_bad_checksum);
	tcase_add_test(tv, quench_and_redirect_ignored);
	suite_add_tcase(s, tv);
	return s;
}

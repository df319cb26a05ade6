/* SPDX-License-Identifier: MIT */
/*
 * test_tcp.c - TCP connection setup, resets (RFC 9293 3.10.7, RFC 5961),
 * segments for no connection, ABORT and release, keepalive.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"

/* An established connection to the peer on a fresh stack (cfg NULL: defaults). */
static struct harness *est(struct h_conn *c, const struct stack_cfg *cfg)
{
	struct harness *h = h_new(cfg);

	h_conn_init(c);
	h_establish(h, c);
	return h;
}

static void release_all_gone(struct harness *h, struct tcb *tp)
{
	tcp_release(tp);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}

START_TEST(syn_mss_and_isn)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct h_seg s;
	struct tcb *tp;
	int err = 0;

	h_cfg(&cfg);
	cfg.mtu = 1400;
	h = h_new(&cfg);
	h_learn(h, H_PEER_IP, h_peer_mac);
	/* stack_new took the ISN key (4 words); connect asks for a port start only */
	ck_assert_uint_eq(h->nrnd, 4);
	h_force_random(h, 28232u * 3 + 5); /* -> port 32768 + 5 */
	h_advance(h, 1000);
	tp = tcp_connect(h->st, H_PEER_IP, 8080, NULL, h->now, &err);
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(h->nrnd, 5);
	ck_assert_int_eq(tcp_state(tp), H_SYN_SENT);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_SYN);
	/* RFC 6528: M (4 us clock) + SipHash of the 4-tuple under the secret key */
	ck_assert_uint_eq(s.seq, h_isn(h, 32773, H_PEER_IP, 8080));
	ck_assert_uint_eq(s.seq, (uint32_t)(1000 * 250) + h_isn(h, 32773, H_PEER_IP, 8080) -
					 (uint32_t)(h->now * 250));
	ck_assert_uint_eq(s.ack, 0);
	ck_assert_uint_eq(s.sport, 32773);
	ck_assert_uint_eq(s.dport, 8080);
	ck_assert_uint_eq(s.dst, H_PEER_IP);
	ck_assert(s.has_mss);
	ck_assert_uint_eq(s.mss, 1400 - 40);
	ck_assert_uint_eq(s.win, 65535); /* 64 KiB receive buffer, no window scaling */
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_active_opens), 1);
	release_all_gone(h, tp);
}
END_TEST

/* A port already used towards the same remote end is skipped. */
START_TEST(ephemeral_port_in_use)
{
	struct harness *h = h_new(NULL);
	struct tcb *a, *b;
	struct h_seg s;
	int err = 0;

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_force_random(h, 7); /* a's port start */
	h_force_random(h, 7); /* b's: taken by a towards the same peer, so the next one */
	a = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	b = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.sport, 32768 + 7);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.sport, 32768 + 8);
	tcp_release(a);
	release_all_gone(h, b);
}
END_TEST

START_TEST(connection_limit)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct tcb *a, *b;
	int err = 0;

	h_cfg(&cfg);
	cfg.max_tcbs = 1;
	h = h_new(&cfg);
	a = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	ck_assert_ptr_nonnull(a);
	b = tcp_connect(h->st, H_PEER_IP, 81, NULL, 0, &err);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(err, ENOBUFS);
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	release_all_gone(h, a);
}
END_TEST

START_TEST(syn_ack_establishes)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct h_seg s;
	int err = 0;

	h_conn_init(&c);
	h_learn(h, H_PEER_IP, h_peer_mac);
	c.tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	h_tcp(h, 0, &s);
	c.lport = s.sport;
	c.iss = s.seq;
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	h_clear(h);
	h_advance(h, 30);
	c.irs = 0x80000000u;
	c.seq = c.irs + 1;
	c.ack = c.iss + 1;
	h_peer_seg(h, &c, H_SYN | H_ACK, c.irs, c.iss + 1, 1000, NULL, 0);
	ck_assert_uint_eq(h->nev, 0); /* events only from stack_flush() */
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_CONNECTED);
	ck_assert_uint_eq(h_event_calls(h, c.tp), 1);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(s.ack, 0x80000001u);
	ck_assert(!s.has_mss);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_estab), 1);
	/* a flush with nothing to do sends and reports nothing */
	h_clear(h);
	h_flush(h);
	ck_assert_uint_eq(h->nsent + h->nev, 0);
	h_finish(h, &c);
}
END_TEST

static void on_connected(struct harness *h, struct tcb *tp, unsigned events)
{
	h->priv = (void *)(uintptr_t)(events & TCP_EV_CONNECTED ? 1 : 0);
	ck_assert_ptr_eq(h->ev[h->nev - 1].user, (void *)&on_connected);
	ck_assert_uint_eq(h->nev, 1);
}

START_TEST(connected_event_user)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;

	h->on_event = on_connected;
	h_conn_init(&c);
	c.user = (void *)&on_connected;
	h_establish(h, &c);
	ck_assert_ptr_eq(h->priv, (void *)1);
	h_finish(h, &c);
}
END_TEST

/* Without an MSS option the peer gets 536-byte segments (RFC 9293 3.7.1). */
START_TEST(no_mss_option)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct h_seg s;

	h_conn_init(&c);
	c.peer_mss = 0;
	h_establish(h, &c);
	h_write(c.tp, 2 * 536, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.len, 536);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.len, 536);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 536);
	h_finish(h, &c);
}
END_TEST

/* A SYN/ACK that acknowledges something else draws a RST and changes nothing. */
START_TEST(syn_ack_bad_ack)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct h_seg s;
	int err = 0;

	h_conn_init(&c);
	h_learn(h, H_PEER_IP, h_peer_mac);
	c.tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	h_tcp(h, 0, &s);
	c.lport = s.sport;
	c.iss = s.seq;
	h_clear(h);
	h_peer_seg(h, &c, H_SYN | H_ACK, c.irs, c.iss + 2, 1000, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_RST);
	ck_assert_uint_eq(s.seq, c.iss + 2);
	ck_assert_int_eq(tcp_state(c.tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	release_all_gone(h, c.tp);
}
END_TEST

START_TEST(rst_in_syn_sent)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	struct h_seg s;
	int err = 0;

	h_conn_init(&c);
	h_learn(h, H_PEER_IP, h_peer_mac);
	c.tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	h_tcp(h, 0, &s);
	c.lport = s.sport;
	c.iss = s.seq;
	h_clear(h);
	/* without ACK, or with an unacceptable one: ignored (RFC 9293 3.10.7.3) */
	h_peer_seg(h, &c, H_RST, 0, 0, 0, NULL, 0);
	h_peer_seg(h, &c, H_RST | H_ACK, 0, c.iss, 0, NULL, 0);
	h_peer_seg(h, &c, H_RST | H_ACK, 0, c.iss + 5, 0, NULL, 0);
	h_flush(h);
	ck_assert_int_eq(tcp_state(c.tp), H_SYN_SENT);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	ck_assert_uint_eq(h->nsent, 0);
	/* acknowledging our SYN: the port is closed */
	h_peer_seg(h, &c, H_RST | H_ACK, 0, c.iss + 1, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), ECONNREFUSED);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_int_eq(tcp_error_take(c.tp), ECONNREFUSED);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	/* no timer is left: the SYN is not retransmitted */
	h_advance(h, 10000);
	ck_assert_uint_eq(h->nsent, 0);
	release_all_gone(h, c.tp);
}
END_TEST

START_TEST(rst_exact_seq)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);

	h_peer_seg(h, &c, H_RST, c.seq, 0, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), ECONNRESET);
	ck_assert(tcp_was_reset(c.tp));
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rst_rx), 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	release_all_gone(h, c.tp);
}
END_TEST

/* RFC 5961 3.2: in the window but not exact, only a challenge ACK. */
START_TEST(rst_in_window_challenge)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	uint8_t data[10];
	struct h_seg s;

	h_peer_seg(h, &c, H_RST, c.seq + 1, 0, 0, NULL, 0);
	h_peer_seg(h, &c, H_RST | H_ACK, c.seq + 30000, c.ack, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_ge(h_ntcp(h), 1);
	for (size_t i = 0; i < h_ntcp(h); i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(s.flags, H_ACK);
		ck_assert_uint_eq(s.seq, c.iss + 1);
		ck_assert_uint_eq(s.ack, c.seq);
	}
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	ck_assert(!tcp_was_reset(c.tp));
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	/* outside the window: ignored silently */
	h_clear(h);
	h_peer_seg(h, &c, H_RST, c.seq - 1, 0, 0, NULL, 0);
	h_peer_seg(h, &c, H_RST, c.seq + 70000, 0, 0, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	/* and the connection still works */
	h_pattern(data, sizeof(data), 0);
	h_peer_send(h, &c, H_PSH, data, sizeof(data));
	h_flush(h);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
	release_all_gone(h, c.tp);
}
END_TEST

/* RFC 5961 4.2: a SYN on a synchronized connection draws a challenge ACK. */
START_TEST(syn_on_established)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	struct h_seg s;

	h_peer_seg(h, &c, H_SYN, c.seq + 100, 0, 1000, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	ck_assert_uint_eq(s.ack, c.seq);
	/* even one at RCV.NXT exactly, and a SYN/ACK (a retransmitted one) */
	h_clear(h);
	h_peer_seg(h, &c, H_SYN, c.seq, 0, 1000, NULL, 0);
	h_flush(h);
	h_peer_seg(h, &c, H_SYN | H_ACK, c.irs, c.iss + 1, 1000, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_last_tcp(h, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.ack, c.seq);
	ck_assert_int_eq(tcp_state(c.tp), H_ESTABLISHED);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	h_finish(h, &c);
}
END_TEST

/* RFC 9293 3.10.7.1: a segment for no connection draws a RST. */
START_TEST(no_connection_rst)
{
	struct harness *h = h_new(NULL);
	struct h_conn c;
	uint8_t data[10];
	struct h_seg s;

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_conn_init(&c);
	c.lport = 5555;
	h_pattern(data, sizeof(data), 0);
	/* with ACK: <SEQ=SEG.ACK><CTL=RST> */
	h_peer_seg(h, &c, H_ACK | H_PSH, 1000, 0x77777777u, 1000, data, sizeof(data));
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_RST);
	ck_assert_uint_eq(s.seq, 0x77777777u);
	ck_assert_uint_eq(s.sport, 5555);
	ck_assert_uint_eq(s.dport, H_PEER_PORT);
	ck_assert_uint_eq(s.dst, H_PEER_IP);
	ck_assert_uint_eq(s.len, 0);
	h_clear(h);
	/* without: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN counted */
	h_peer_seg(h, &c, H_SYN, 0xfffffff0u, 0, 1000, NULL, 0);
	h_peer_seg(h, &c, H_FIN, 2000, 0, 1000, data, sizeof(data));
	h_peer_seg(h, &c, 0, 3000, 0, 1000, data, sizeof(data));
	ck_assert_uint_eq(h_ntcp(h), 3);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_RST | H_ACK);
	ck_assert_uint_eq(s.seq, 0);
	ck_assert_uint_eq(s.ack, 0xfffffff1u);
	h_tcp(h, 1, &s);
	ck_assert_uint_eq(s.flags, H_RST | H_ACK);
	ck_assert_uint_eq(s.ack, 2000 + sizeof(data) + 1);
	h_tcp(h, 2, &s);
	ck_assert_uint_eq(s.ack, 3000 + sizeof(data));
	h_clear(h);
	/* a RST never draws one */
	h_peer_seg(h, &c, H_RST, 1, 0, 0, NULL, 0);
	h_peer_seg(h, &c, H_RST | H_ACK, 1, 1, 0, NULL, 0);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_noconn), 6);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_rst_tx), 4);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(abort_sends_rst)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	struct h_seg s;

	h_write(c.tp, 100, 0);
	h_flush(h);
	h_clear(h);
	tcp_abort(c.tp);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & H_RST, H_RST);
	ck_assert_uint_eq(s.seq, c.iss + 1 + 100);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), 0);
	ck_assert(!tcp_was_reset(c.tp));
	/* nothing more: no retransmission of the data, no timers */
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
	release_all_gone(h, c.tp);
	ck_assert_uint_eq(h_ntcp(h), 1);
}
END_TEST

START_TEST(release_unread_rst)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	uint8_t data[10];
	struct h_seg s;

	h_pattern(data, sizeof(data), 0);
	h_peer_send(h, &c, H_PSH, data, sizeof(data));
	h_flush(h);
	h_clear(h);
	tcp_release(c.tp);
	h_flush(h);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & (H_RST | H_FIN), H_RST);
	ck_assert_uint_eq(s.seq, c.iss + 1);
	/* the connection is gone: the peer's next segment draws a RST too */
	h_clear(h);
	h_peer_send(h, &c, 0, data, sizeof(data));
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_RST);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

START_TEST(data_after_release_rst)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	uint8_t data[10];
	struct h_seg s;

	tcp_release(c.tp);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_FIN | H_ACK); /* nothing unread: an orderly close */
	ck_assert_uint_eq(stack_tcb_count(h->st), 1);
	h_clear(h);
	h_pattern(data, sizeof(data), 0);
	h_peer_send(h, &c, H_PSH, data, sizeof(data));
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags & H_RST, H_RST);
	ck_assert_uint_eq(s.seq, c.iss + 2); /* after our FIN */
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_after_close), 1);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(h->nev, 0); /* a released tcb reports nothing */
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

static void setup_keepalive(struct tcb *tp)
{
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPALIVE, 1), 0);
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPIDLE, 2), 0);
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPINTVL, 1), 0);
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPCNT, 3), 0);
	ck_assert_int_eq(tcp_getopt(tp, TCP_OPT_KEEPIDLE), 2);
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPIDLE, 0), -EINVAL);
	ck_assert_int_eq(tcp_setopt(tp, TCP_OPT_KEEPCNT, 128), -EINVAL);
}

START_TEST(keepalive_timeout)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);
	struct h_seg s;

	/* without SO_KEEPALIVE an idle connection stays silent */
	h_advance(h, 3 * 3600 * 1000);
	ck_assert_uint_eq(h->nsent, 0);
	h = est(&c, NULL);
	setup_keepalive(c.tp);
	h_advance(h, 1999);
	ck_assert_uint_eq(h->nsent, 0);
	h_advance_to(h, 4999);
	ck_assert_uint_eq(h_ntcp(h), 3);
	for (size_t i = 0; i < 3; i++) {
		h_tcp(h, i, &s);
		ck_assert_uint_eq(h->sent[i].at, 2000 + 1000 * i);
		ck_assert_uint_eq(s.flags, H_ACK);
		ck_assert_uint_eq(s.seq, c.iss); /* SND.UNA - 1 */
		ck_assert_uint_eq(s.ack, c.seq);
		ck_assert_uint_eq(s.len, 0);
	}
	ck_assert_uint_eq(h_events(h, c.tp), 0);
	h_advance_to(h, 5000);
	ck_assert_uint_eq(h_ntcp(h), 3);
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(c.tp), ETIMEDOUT);
	ck_assert_int_eq(tcp_state(c.tp), H_CLOSE);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_keepalive_probes), 3);
	release_all_gone(h, c.tp);
}
END_TEST

START_TEST(keepalive_answered)
{
	struct h_conn c;
	struct harness *h = est(&c, NULL);

	setup_keepalive(c.tp);
	h_advance_to(h, 2000);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_advance_to(h, 2010);
	h_peer_ack(h, &c, c.ack); /* the answer */
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_advance_to(h, 4009);
	ck_assert_uint_eq(h_ntcp(h), 1); /* idle again from the answer */
	h_advance_to(h, 4010);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_advance_to(h, 60000);
	ck_assert_int_eq(tcp_error(c.tp), ETIMEDOUT);
	release_all_gone(h, c.tp);
}
END_TEST

Suite *tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = h_tcase("open");
	TCase *tr = h_tcase("reset");
	TCase *tk = h_tcase("keepalive");

	tcase_add_test(tc, syn_mss_and_isn);
	tcase_add_test(tc, ephemeral_port_in_use);
	tcase_add_test(tc, connection_limit);
	tcase_add_test(tc, syn_ack_establishes);
	tcase_add_test(tc, connected_event_user);
	tcase_add_test(tc, no_mss_option);
	tcase_add_test(tc, syn_ack_bad_ack);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, rst_in_syn_sent);
	tcase_add_test(tr, rst_exact_seq);
	tcase_add_test(tr, rst_in_window_challenge);
	tcase_add_test(tr, syn_on_established);
	tcase_add_test(tr, no_connection_rst);
	tcase_add_test(tr, abort_sends_rst);
	tcase_add_test(tr, release_unread_rst);
	tcase_add_test(tr, data_after_release_rst);
	suite_add_tcase(s, tr);
	tcase_add_test(tk, keepalive_timeout);
	tcase_add_test(tk, keepalive_answered);
	suite_add_tcase(s, tk);
	return s;
}

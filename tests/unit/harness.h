/* SPDX-License-Identifier: MIT */
/*
 * harness.h - a test stack for the unit tests (lwIP's test netif, in spirit).
 *
 * Theory of operation: each test builds a stack on 10.0.0.0/24 (we are .1,
 * the gateway .254, "the peer" .2) whose stack_io records everything: xmit
 * copies every frame into h->sent[], random hands out bytes from a seeded
 * xorshift32 (every 32-bit word is logged in h->rnd_log[], and tests may
 * force the next words), and tcp_event appends to h->ev[].  Time is a
 * virtual clock h->now that only h_advance*() moves, running stack_timer()
 * at every deadline on the way, exactly when stack_next_deadline() says.
 *
 * Frames to feed are built with correct checksums by h_build_*(); frames the
 * stack sent are parsed back by h_tcp()/h_arp()/h_icmp(), which also fail
 * the test if a length or checksum in them is wrong, so every test checks
 * the framing of whatever it looks at.  The checksum here is written apart
 * from proto/csum.c on purpose.
 *
 * Tests may include stack_var.h/tcp_var.h to look at internal state.
 */
#ifndef USTACK_TEST_HARNESS_H
#define USTACK_TEST_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "stack.h"

#define H_MAX_FRAMES 1024
#define H_MAX_EVENTS 1024
#define H_MAX_RAND 256
#define H_MAX_TSCONN 16
#define H_FRAME_MAX (14 + 65535)

/* The test network: 10.0.0.0/24; we are .1, the peer .2, the gateway .254. */
#define H_OUR_IP 0x0a000001u
#define H_PEER_IP 0x0a000002u
#define H_OTHER_IP 0x0a000003u
#define H_GW_IP 0x0a0000feu
#define H_NETMASK 0xffffff00u
#define H_BCAST_IP 0x0a0000ffu
#define H_FAR_IP 0xc0000201u /* 192.0.2.1, off-link */
#define H_PEER_PORT 80

/* tcp_state() values (Linux's TCP_* numbers). */
#define H_ESTABLISHED 1
#define H_SYN_SENT 2
#define H_FIN_WAIT1 4
#define H_FIN_WAIT2 5
#define H_TIME_WAIT 6
#define H_CLOSE 7
#define H_CLOSE_WAIT 8
#define H_LAST_ACK 9
#define H_CLOSING 11

/* TCP flags as on the wire. */
#define H_FIN 0x01
#define H_SYN 0x02
#define H_RST 0x04
#define H_PSH 0x08
#define H_ACK 0x10

extern const uint8_t h_our_mac[6], h_peer_mac[6], h_other_mac[6], h_gw_mac[6], h_bcast_mac[6];

struct h_frame {
	uint8_t *data;
	size_t len;
	uint64_t at; /* virtual time it was sent */
};

struct h_event {
	struct tcb *tp;
	void *user;
	unsigned events;
	uint64_t at;
};

struct harness {
	struct stack *st;
	struct stack_cfg cfg;
	uint64_t now;

	struct h_frame sent[H_MAX_FRAMES];
	size_t nsent;
	struct h_event ev[H_MAX_EVENTS];
	size_t nev;

	uint32_t rng;			/* xorshift32 state */
	uint32_t rnd_log[H_MAX_RAND];	/* every word handed out, in order */
	size_t nrnd;
	uint32_t rnd_force[16];		/* handed out first, in order */
	size_t nforce, iforce;

	/* The TSval of the last segment we sent, per connection: what the peer echoes. */
	struct {
		uint32_t raddr;
		uint16_t lport, rport;
		uint32_t tsval;
	} ts_sent[H_MAX_TSCONN];
	size_t nts_sent;

	/* Called from the tcp_event callback after recording, if set. */
	void (*on_event)(struct harness *h, struct tcb *tp, unsigned events);
	void *priv;
};

/* Defaults of the stack plus the test network, and ARP entries that last a day. */
void h_cfg(struct stack_cfg *cfg);
/* A new test stack at time 0 (cfg NULL: h_cfg()).  Freed by h_teardown(). */
struct harness *h_new(const struct stack_cfg *cfg);
/* Checked-fixture teardown: free every harness of the test. */
void h_teardown(void);
/* A TCase with h_teardown as its checked teardown. */
TCase *h_tcase(const char *name);

/* Make the next 32-bit random words v (ISN, port start, ...). */
void h_force_random(struct harness *h, uint32_t v);

void h_input(struct harness *h, const uint8_t *frame, size_t len);
void h_input_flags(struct harness *h, const uint8_t *frame, size_t len, unsigned flags);
void h_flush(struct harness *h);
/* Move the clock to t (>= now), running every timer that falls due on the way. */
void h_advance_to(struct harness *h, uint64_t t);
void h_advance(struct harness *h, uint64_t ms);
/* Forget recorded frames and events. */
void h_clear(struct harness *h);
uint64_t h_stat(const struct harness *h, enum stat_id id);

/* OR of the events reported for tp since the last h_clear(), and how many calls. */
unsigned h_events(const struct harness *h, const struct tcb *tp);
unsigned h_event_calls(const struct harness *h, const struct tcb *tp);

/* ---- building frames (all addressed to our MAC unless said otherwise) ---- */

void h_pattern(uint8_t *buf, size_t len, uint32_t off);
int h_pattern_ok(const uint8_t *buf, size_t len, uint32_t off);
/* RFC 1071 checksum, independent of proto/csum.c. */
uint16_t h_csum(const void *buf, size_t len, uint32_t sum);

size_t h_build_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha,
		   uint32_t spa, const uint8_t *tha, uint32_t tpa);
/* Ethernet + IPv4 (20 bytes, DF, TTL 64) + l4; returns the frame length. */
size_t h_build_ip4(uint8_t *f, const uint8_t *eth_src, uint32_t src, uint32_t dst, uint8_t proto,
		   const uint8_t *l4, size_t l4len);
/* Recompute the IPv4 header checksum of frame f after a test changed the header. */
void h_ip4_fix_csum(uint8_t *f);
size_t h_build_echo(uint8_t *f, const uint8_t *eth_src, uint32_t src, uint32_t dst, uint16_t id,
		    uint16_t seq, const uint8_t *data, size_t len);

#define H_MAX_SACK 4 /* blocks in one SACK option */

struct h_sack {
	uint32_t start, end; /* [start, end) */
};

struct h_tcp {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss; /* MSS option if non-zero */
	/*
	 * Window scale option with this shift on a SYN, -1 none.  Only SYNs
	 * carry it, so a zero-initialised h_tcp is option-free except for a
	 * SYN, which then offers shift 0: set -1 there.
	 */
	int wscale;
	int sack_ok; /* SACK-permitted option */
	int ts;	     /* timestamps option with tsval and tsecr */
	uint32_t tsval, tsecr;
	unsigned nsack; /* SACK option with these blocks (at most 3 with ts) */
	struct h_sack sack[H_MAX_SACK];
	const uint8_t *data;
	size_t len;
};
/*
 * Ethernet (from the peer's MAC) + IPv4 + TCP with a correct checksum.
 * Options in Linux's order: MSS, SACK-permitted, timestamps, window scale
 * (NOP-padded like Linux's), then SACK blocks.
 */
size_t h_build_tcp(uint8_t *f, const struct h_tcp *t);

/* Feed the ARP reply that teaches the stack ip is at mac (and forget frames sent). */
void h_learn(struct harness *h, uint32_t ip, const uint8_t *mac);

/* The RFC 6528 ISN the stack picks for this 4-tuple at the current time. */
uint32_t h_isn(const struct harness *h, uint16_t lport, uint32_t raddr, uint16_t rport);
/* A virtual time at which that ISN is target (or target - 1: the clock steps by 250). */
uint64_t h_time_for_isn(const struct harness *h, uint16_t lport, uint32_t raddr, uint16_t rport,
			uint32_t target);

/* ---- parsing what the stack sent ---- */

struct h_seg {
	uint8_t eth_dst[6];
	uint32_t src, dst;
	uint16_t ip_len;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	int has_mss;
	uint16_t mss;
	int wscale;  /* window scale option, -1 none */
	int sack_ok; /* SACK-permitted option */
	int ts;	     /* timestamps option: tsval, tsecr */
	uint32_t tsval, tsecr;
	unsigned nsack; /* SACK blocks, in the order sent */
	struct h_sack sack[H_MAX_SACK];
	const uint8_t *opt; /* the raw options, optlen bytes (header length - 20) */
	size_t optlen;
	const uint8_t *data;
	size_t len;
};

struct h_arp {
	uint8_t eth_dst[6], eth_src[6];
	uint16_t op;
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa;
};

struct h_icmp {
	uint8_t eth_dst[6];
	uint32_t src, dst;
	uint16_t ip_len;
	uint8_t type, code;
	uint16_t id, seq;
	const uint8_t *data;
	size_t len;
};

int h_frame_is(const struct h_frame *f, uint16_t ethertype, int ipproto);
/* Number of TCP / ARP (op 0: any) / ICMP frames sent since h_clear(). */
size_t h_ntcp(const struct harness *h);
size_t h_narp(const struct harness *h, uint16_t op);
size_t h_nicmp(const struct harness *h);
/* The i-th TCP / ARP / ICMP frame sent since h_clear(), parsed and checked. */
void h_tcp(const struct harness *h, size_t i, struct h_seg *s);
void h_arp(const struct harness *h, size_t i, struct h_arp *a);
void h_icmp(const struct harness *h, size_t i, struct h_icmp *m);
/* The last TCP frame sent. */
void h_last_tcp(const struct harness *h, struct h_seg *s);

/* ---- a TCP peer ---- */

struct h_conn {
	struct tcb *tp;
	uint32_t raddr;
	uint16_t lport, rport;
	uint32_t iss;	   /* our ISN (from the SYN) */
	uint32_t irs;	   /* the peer's ISN */
	uint32_t seq;	   /* the peer's next sequence number */
	uint32_t ack;	   /* what the peer acknowledges */
	uint16_t win;	   /* the peer's window */
	uint16_t peer_mss; /* MSS option on the SYN/ACK, 0: none */
	uint32_t rtt_ms;   /* delay between our SYN and the SYN/ACK */
	int fin_sent;	   /* the peer has sent its FIN (h_peer_send) */
	void *user;

	/* Options the peer offers on its SYN/ACK (RFC 7323, RFC 2018); default none. */
	int peer_wscale; /* window scale shift, -1 none; c->win is the raw field */
	int peer_ts;	 /* timestamps */
	int peer_sack;	 /* SACK-permitted */
	/*
	 * Timestamps, once negotiated (ts, set by h_establish): every segment
	 * from the peer carries TSval = ts_clock + now and TSecr = the TSval
	 * of the last segment we sent on this connection, or ts_echo if the
	 * test sets ts_hold.
	 */
	int ts;
	uint32_t ts_clock;
	uint32_t ts_echo;
	int ts_hold;
};

/*
 * Defaults: peer 10.0.0.2:80, ISN 0x20000000, MSS 1460, window 65535, RTT 0,
 * no other options (peer clock 0x10000000 if timestamps are turned on).
 */
void h_conn_init(struct h_conn *c);
/*
 * Active open to the peer and complete the handshake: tcp_connect, answer
 * ARP if asked, check the SYN, send the SYN/ACK (after c->rtt_ms), flush,
 * check the ACK, ESTABLISHED and TCP_EV_CONNECTED; then h_clear().
 */
struct tcb *h_establish(struct harness *h, struct h_conn *c);
/* A segment from the peer with explicit fields (ports from c; timestamps if c->ts). */
void h_peer_seg(struct harness *h, const struct h_conn *c, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t win, const uint8_t *data, size_t len);
/* The peer sends flags (ACK added) + data at c->seq/c->ack/c->win; c->seq advances. */
void h_peer_send(struct harness *h, struct h_conn *c, uint8_t flags, const uint8_t *data,
		 size_t len);
/* The peer acknowledges up to ack (c->ack = ack) with its window c->win. */
void h_peer_ack(struct harness *h, struct h_conn *c, uint32_t ack);
/*
 * The same with a SACK option of nblocks blocks, given as nblocks pairs of
 * uint32_t start, end (RFC 2018 3: [start, end)), in the order to send.
 */
void h_peer_sack(struct harness *h, struct h_conn *c, uint32_t ack, unsigned nblocks, ...);

/*
 * Release c->tp and finish the connection as a well-behaved peer would (ACK
 * of our FIN, with its own FIN unless sent already), wait out TIME_WAIT, and
 * check that the tcb was freed.  If release reset the connection (unread
 * data) or it was over already, only the check.
 */
void h_finish(struct harness *h, struct h_conn *c);

/* Read everything tp has received (up to max bytes) into buf and consume it. */
size_t h_read(struct tcb *tp, uint8_t *buf, size_t max);
/* Queue len bytes of h_pattern(off) for sending; returns bytes queued. */
size_t h_write(struct tcb *tp, size_t len, uint32_t off);

/* Suites, one per module. */
Suite *csum_suite(void);
Suite *eth_suite(void);
Suite *tcp_pair_suite(void);
Suite *arp_suite(void);
Suite *ip4_suite(void);
Suite *icmp_suite(void);
Suite *tcp_suite(void);
Suite *tcp_data_suite(void);
Suite *tcp_timer_suite(void);
Suite *tcp_close_suite(void);
Suite *trace_suite(void); /* test_trace.c: ustack trace and capture filters */
Suite *frag_suite(void);
Suite *icmp_err_suite(void);
Suite *fuzz_suite(void);
Suite *tcp_opts_suite(void);
Suite *udp_suite(void);

#endif /* USTACK_TEST_HARNESS_H */

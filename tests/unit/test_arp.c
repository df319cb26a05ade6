/* SPDX-License-Identifier: MIT */
/* test_arp.c - ARP (proto/arp.c): answering, resolving, queueing, retrying, expiring. */
#include <errno.h>
#include <string.h>

#include "arp.h"
#include "harness.h"

static const uint8_t zero_mac[6];

static void ping_from_peer(struct harness *h, uint16_t seq)
{
	uint8_t f[100];
	uint8_t data[16];

	h_pattern(data, sizeof(data), seq);
	h_input(h, f, h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 0x4242, seq, data,
				   sizeof(data)));
}

static void reply_from(struct harness *h, uint32_t ip, const uint8_t *mac)
{
	uint8_t f[60];

	h_input(h, f, h_build_arp(f, h_our_mac, ARP_OP_REPLY, mac, ip, h_our_mac, H_OUR_IP));
}

static void check_request(const struct harness *h, size_t i, uint32_t tpa)
{
	struct h_arp a;

	h_arp(h, i, &a);
	ck_assert_uint_eq(a.op, ARP_OP_REQUEST);
	ck_assert_mem_eq(a.eth_dst, h_bcast_mac, 6);
	ck_assert_mem_eq(a.eth_src, h_our_mac, 6);
	ck_assert_mem_eq(a.sha, h_our_mac, 6);
	ck_assert_uint_eq(a.spa, H_OUR_IP);
	ck_assert_mem_eq(a.tha, zero_mac, 6);
	ck_assert_uint_eq(a.tpa, tpa);
}

START_TEST(request_for_us_answered)
{
	struct harness *h = h_new(NULL);
	const struct arp_entry *e;
	uint8_t f[60];
	struct h_arp a;

	h_input(h, f,
		h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac,
			    H_OUR_IP));
	ck_assert_uint_eq(h->nsent, 1);
	ck_assert_uint_eq(h->sent[0].len, 60); /* padded to the Ethernet minimum */
	h_arp(h, 0, &a);
	ck_assert_mem_eq(a.eth_dst, h_peer_mac, 6);
	ck_assert_mem_eq(a.eth_src, h_our_mac, 6);
	ck_assert_uint_eq(a.op, ARP_OP_REPLY);
	ck_assert_mem_eq(a.sha, h_our_mac, 6);
	ck_assert_uint_eq(a.spa, H_OUR_IP);
	ck_assert_mem_eq(a.tha, h_peer_mac, 6);
	ck_assert_uint_eq(a.tpa, H_PEER_IP);
	ck_assert_uint_eq(h_stat(h, STAT_arp_replies_sent), 1);
	/* RFC 826: the requester is learned, so the answer to its ping goes out at once */
	e = arp_lookup(h->st, H_PEER_IP);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->state, ARP_REACHABLE);
	ck_assert_mem_eq(e->mac, h_peer_mac, 6);
	h_clear(h);
	ping_from_peer(h, 1);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, 0), 0);
}
END_TEST

START_TEST(request_for_other_ignored)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];

	h_input(h, f,
		h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac,
			    H_OTHER_IP));
	h_input(h, f,
		h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac,
			    H_GW_IP));
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_arp_rx), 2);
	ck_assert_uint_eq(h_stat(h, STAT_arp_drop_malformed), 0);
	ck_assert_ptr_null(arp_lookup(h->st, H_PEER_IP)); /* not the target: not added */
	/* and a request for us afterwards still works */
	h_input(h, f,
		h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac,
			    H_OUR_IP));
	ck_assert_uint_eq(h_narp(h, ARP_OP_REPLY), 1);
}
END_TEST

START_TEST(unknown_neighbour_queues)
{
	struct harness *h = h_new(NULL);
	const struct arp_entry *e;
	struct tcb *tp, *tp2;
	struct h_seg s;
	int err = 0;

	tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(h->nsent, 1);
	ck_assert_uint_eq(h_ntcp(h), 0);
	check_request(h, 0, H_PEER_IP);
	e = arp_lookup(h->st, H_PEER_IP);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->state, ARP_INCOMPLETE);
	/* a second packet for the same neighbour waits too, without a second request */
	tp2 = tcp_connect(h->st, H_PEER_IP, 81, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp2);
	h_flush(h);
	ck_assert_uint_eq(h->nsent, 1);
	ck_assert_uint_eq(h_stat(h, STAT_arp_requests_sent), 1);

	h_advance(h, 10);
	reply_from(h, H_PEER_IP, h_peer_mac);
	ck_assert_uint_eq(h_ntcp(h), 2);
	h_tcp(h, 0, &s);
	ck_assert_mem_eq(s.eth_dst, h_peer_mac, 6);
	ck_assert_uint_eq(s.dport, 80); /* in the order they were queued */
	ck_assert_uint_eq(s.flags, 0x02);
	h_tcp(h, 1, &s);
	ck_assert_mem_eq(s.eth_dst, h_peer_mac, 6);
	ck_assert_uint_eq(s.dport, 81);
	ck_assert_uint_eq(h_stat(h, STAT_arp_resolved), 1);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_REACHABLE);
	tcp_release(tp);
	tcp_release(tp2);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

/* RFC 826 merge: a request from the neighbour we are asking about answers our question too. */
START_TEST(request_resolves_pending)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];

	ping_from_peer(h, 1);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_INCOMPLETE);
	h_clear(h);
	h_input(h, f,
		h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac,
			    H_OUR_IP));
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REPLY), 1);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_REACHABLE);
	h_advance(h, 10000);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 0); /* no more asking */
}
END_TEST

START_TEST(reply_flushes_in_order)
{
	struct harness *h = h_new(NULL);
	struct h_icmp m;

	for (uint16_t seq = 1; seq <= 5; seq++)
		ping_from_peer(h, seq);
	ck_assert_uint_eq(h_nicmp(h), 0);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 1);
	check_request(h, 0, H_PEER_IP);
	h_clear(h);
	reply_from(h, H_PEER_IP, h_peer_mac);
	ck_assert_uint_eq(h->nsent, 5);
	for (uint16_t seq = 1; seq <= 5; seq++) {
		h_icmp(h, seq - 1u, &m);
		ck_assert_uint_eq(m.seq, seq);
		ck_assert_mem_eq(m.eth_dst, h_peer_mac, 6);
		ck_assert(h_pattern_ok(m.data, m.len, seq));
	}
	/* nothing is left to send twice */
	h_clear(h);
	reply_from(h, H_PEER_IP, h_peer_mac);
	h_advance(h, 5000);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

START_TEST(queue_limit)
{
	struct harness *h = h_new(NULL);
	struct h_icmp m;

	for (uint16_t seq = 1; seq <= ARP_QLEN + 3; seq++)
		ping_from_peer(h, seq);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 1);
	ck_assert_uint_eq(h_stat(h, STAT_arp_queue_drop), 3);
	h_clear(h);
	reply_from(h, H_PEER_IP, h_peer_mac);
	ck_assert_uint_eq(h_nicmp(h), ARP_QLEN);
	for (uint16_t i = 0; i < ARP_QLEN; i++) {
		h_icmp(h, i, &m);
		ck_assert_uint_eq(m.seq, i + 1u); /* the first ones were kept */
	}
}
END_TEST

static void on_unreach(struct harness *h, struct tcb *tp, unsigned events)
{
	if (events & TCP_EV_ERROR)
		ck_assert_int_eq(tcp_error(tp), EHOSTUNREACH);
}

START_TEST(retries_then_unreachable)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct tcb *tp;
	int err = 0;

	h_cfg(&cfg);
	cfg.arp_retry_ms = 300;
	cfg.arp_retries = 4;
	h = h_new(&cfg);
	h->on_event = on_unreach;
	tp = tcp_connect(h->st, H_PEER_IP, 80, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	h_advance_to(h, 899);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 3);
	h_advance_to(h, 1199);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 4);
	for (size_t i = 0; i < 4; i++) {
		check_request(h, i, H_PEER_IP);
		ck_assert_uint_eq(h->sent[i].at, 300 * i);
	}
	ck_assert_uint_eq(h_events(h, tp), 0);
	ck_assert_int_eq(tcp_error(tp), 0);
	ck_assert_uint_eq(h_stat(h, STAT_arp_failed), 0);

	h_advance_to(h, 1200);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 4);
	ck_assert_uint_eq(h_ntcp(h), 0);
	ck_assert_uint_eq(h_events(h, tp), TCP_EV_ERROR | TCP_EV_CLOSED);
	ck_assert_int_eq(tcp_error(tp), EHOSTUNREACH);
	ck_assert_int_eq(tcp_state(tp), 7); /* TCP_CLOSE */
	ck_assert_uint_eq(h_stat(h, STAT_arp_failed), 1);
	/* the SYN and its retransmission at 1000 ms were waiting */
	ck_assert_uint_eq(h_stat(h, STAT_arp_queue_drop), 2);
	ck_assert_ptr_null(arp_lookup(h->st, H_PEER_IP));
	h_advance(h, 100000);
	ck_assert_uint_eq(h_narp(h, 0), 4);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);
}
END_TEST

START_TEST(expiry_stale_then_deleted)
{
	struct stack_cfg cfg;
	struct harness *h;

	h_cfg(&cfg);
	cfg.arp_ttl_ms = 10000;
	h = h_new(&cfg);
	h_learn(h, H_PEER_IP, h_peer_mac);
	ck_assert_uint_eq(stack_next_deadline(h->st), UINT64_MAX);

	h_advance_to(h, 9999);
	ping_from_peer(h, 1);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, 0), 0);
	h_clear(h);

	/* expired while in use: still sent to the known MAC, and asked again */
	h_advance_to(h, 10000);
	ping_from_peer(h, 2);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 1);
	check_request(h, 0, H_PEER_IP);
	ck_assert_uint_eq(h_stat(h, STAT_arp_expired), 1);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_STALE);
	h_clear(h);
	h_advance_to(h, 10500);
	ping_from_peer(h, 3);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, 0), 0);

	/* asked again every arp_retry_ms, arp_retries requests in all, then forgotten */
	h_advance_to(h, 12999);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 2);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_STALE);
	h_advance_to(h, 13000);
	ck_assert_ptr_null(arp_lookup(h->st, H_PEER_IP));
	h_clear(h);
	ping_from_peer(h, 4);
	ck_assert_uint_eq(h_nicmp(h), 0);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 1);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_INCOMPLETE);
}
END_TEST

START_TEST(stale_answered)
{
	struct stack_cfg cfg;
	struct harness *h;

	h_cfg(&cfg);
	cfg.arp_ttl_ms = 10000;
	h = h_new(&cfg);
	h_learn(h, H_PEER_IP, h_peer_mac);
	h_advance_to(h, 10000);
	ping_from_peer(h, 1);
	ck_assert_uint_eq(h_narp(h, ARP_OP_REQUEST), 1);
	h_advance(h, 5);
	reply_from(h, H_PEER_IP, h_peer_mac);
	ck_assert_uint_eq(arp_lookup(h->st, H_PEER_IP)->state, ARP_REACHABLE);
	h_clear(h);
	h_advance(h, 9000);
	ping_from_peer(h, 2);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, 0), 0); /* valid for another arp_ttl_ms */
}
END_TEST

START_TEST(malformed)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];
	uint8_t *a = f + 14;
	size_t len;
	unsigned n = 0;

#define REQ()                                                                                   \
	h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_PEER_IP, zero_mac, H_OUR_IP)
	len = REQ();
	h_input(h, f, 14 + 27); /* truncated */
	n++;
	h_input(h, f, 14);
	n++;
	REQ();
	a[1] = 6; /* hardware type 6 */
	h_input(h, f, len);
	n++;
	REQ();
	a[2] = 0x86; /* protocol IPv6 */
	a[3] = 0xdd;
	h_input(h, f, len);
	n++;
	REQ();
	a[4] = 8; /* hardware address length */
	h_input(h, f, len);
	n++;
	REQ();
	a[5] = 16; /* protocol address length */
	h_input(h, f, len);
	n++;
	REQ();
	a[7] = 3; /* RARP request */
	h_input(h, f, len);
	n++;
	REQ();
	a[8] = 0xff; /* broadcast/multicast sender MAC */
	h_input(h, f, len);
	n++;
	len = h_build_arp(f, h_bcast_mac, ARP_OP_REQUEST, h_peer_mac, H_OUR_IP, zero_mac,
			  H_OUR_IP); /* someone claims our address */
	h_input(h, f, len);
	n++;
#undef REQ
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_arp_drop_malformed), n);
	ck_assert_uint_eq(h_stat(h, STAT_arp_rx), n);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_ptr_null(arp_lookup(h->st, H_PEER_IP));
	ck_assert_ptr_null(arp_lookup(h->st, H_OUR_IP));
}
END_TEST

Suite *arp_suite(void)
{
	Suite *s = suite_create("arp");
	TCase *tc = h_tcase("arp");

	tcase_add_test(tc, request_for_us_answered);
	tcase_add_test(tc, request_for_other_ignored);
	tcase_add_test(tc, unknown_neighbour_queues);
	tcase_add_test(tc, request_resolves_pending);
	tcase_add_test(tc, reply_flushes_in_order);
	tcase_add_test(tc, queue_limit);
	tcase_add_test(tc, retries_then_unreachable);
	tcase_add_test(tc, expiry_stale_then_deleted);
	tcase_add_test(tc, stale_answered);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	return s;
}

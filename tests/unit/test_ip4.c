/* SPDX-License-Identifier: MIT */
/* test_ip4.c - IPv4 input checks (RFC 1122 3.2.1), padding, and routing. */
#include <errno.h>
#include <string.h>

#include "harness.h"

static const uint8_t data[] = "0123456789abcdef";

/* A valid ping from the known peer; tests break one field of it. */
static size_t ping(uint8_t *f)
{
	return h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, 1, data, sizeof(data));
}

static struct harness *setup(void)
{
	struct harness *h = h_new(NULL);
	uint8_t f[100];

	h_learn(h, H_PEER_IP, h_peer_mac);
	/* the unbroken ping is answered: what the tests below break is all that differs */
	h_input(h, f, ping(f));
	ck_assert_uint_eq(h_nicmp(h), 1);
	h_clear(h);
	return h;
}

/* Feed f and check that exactly counter id went up by one and nothing was sent. */
static void expect_drop(struct harness *h, const uint8_t *f, size_t len, enum stat_id id)
{
	uint64_t before[STAT_MAX];

	memcpy(before, stack_stats(h->st), sizeof(before));
	h_input(h, f, len);
	h_flush(h);
	ck_assert_msg(h_stat(h, id) == before[id] + 1, "%s not counted", stat_names[id]);
	for (int i = 0; i < STAT_MAX; i++)
		if (i != (int)id && i != STAT_eth_rx && i != STAT_ip_rx)
			ck_assert_msg(h_stat(h, (enum stat_id)i) == before[i], "%s also changed",
				      stat_names[i]);
	ck_assert_uint_eq(h->nsent, 0);
}

START_TEST(bad_version)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = ping(f);

	f[14] = 0x65;
	h_ip4_fix_csum(f);
	expect_drop(h, f, len, STAT_ip_drop_version);
}
END_TEST

START_TEST(short_header_length)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = ping(f);

	f[14] = 0x44; /* IHL 4: 16 bytes */
	h_ip4_fix_csum(f);
	expect_drop(h, f, len, STAT_ip_drop_version);
	f[14] = 0x40;
	expect_drop(h, f, len, STAT_ip_drop_version);
}
END_TEST

START_TEST(truncated_header)
{
	struct harness *h = setup();
	uint8_t f[100];

	ping(f);
	expect_drop(h, f, 14 + 19, STAT_ip_drop_short);
}
END_TEST

START_TEST(total_length_beyond_frame)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = ping(f);

	f[14 + 3]++; /* one byte more than the frame has */
	h_ip4_fix_csum(f);
	expect_drop(h, f, len, STAT_ip_drop_len);
	/* and less than the header */
	f[14 + 2] = 0;
	f[14 + 3] = 19;
	h_ip4_fix_csum(f);
	expect_drop(h, f, len, STAT_ip_drop_len);
}
END_TEST

START_TEST(bad_header_checksum)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = ping(f);

	f[14 + 10] ^= 0x01;
	expect_drop(h, f, len, STAT_ip_drop_csum);
	/* a changed field without a new checksum */
	ping(f);
	f[14 + 8] = 1; /* TTL */
	expect_drop(h, f, len, STAT_ip_drop_csum);
}
END_TEST

START_TEST(not_for_us)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_OTHER_IP, 1, 1, data, sizeof(data));

	expect_drop(h, f, len, STAT_ip_drop_notours);
	len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_FAR_IP, 1, 1, data, sizeof(data));
	expect_drop(h, f, len, STAT_ip_drop_notours); /* we do not forward */
}
END_TEST

START_TEST(bad_source)
{
	struct harness *h = setup();
	uint8_t f[100];

	expect_drop(h, f, h_build_echo(f, h_peer_mac, 0, H_OUR_IP, 1, 1, data, 4),
		    STAT_ip_drop_badsrc);
	expect_drop(h, f, h_build_echo(f, h_peer_mac, H_BCAST_IP, H_OUR_IP, 1, 1, data, 4),
		    STAT_ip_drop_badsrc);
	expect_drop(h, f, h_build_echo(f, h_peer_mac, 0xe0000001u, H_OUR_IP, 1, 1, data, 4),
		    STAT_ip_drop_badsrc);
}
END_TEST

START_TEST(unknown_protocol)
{
	struct harness *h = setup();
	uint8_t f[100];

	expect_drop(h, f, h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 132, data, 16),
		    STAT_ip_drop_proto);
}
END_TEST

/* IP options make the header longer: the payload starts after them. */
START_TEST(header_options)
{
	struct harness *h = setup();
	uint8_t f[100], g[100];
	size_t len = ping(f);
	struct h_icmp m;

	memcpy(g, f, 34);
	memset(g + 34, 1, 4); /* four NOP options */
	memcpy(g + 38, f + 34, len - 34);
	g[14] = 0x46;
	g[14 + 3] += 4;
	h_ip4_fix_csum(g);
	h_input(h, g, len + 4);
	ck_assert_uint_eq(h_nicmp(h), 1);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.len, sizeof(data));
	ck_assert_mem_eq(m.data, data, sizeof(data));
}
END_TEST

/* Ethernet pads short frames: only the IPv4 total length counts. */
START_TEST(ethernet_padding)
{
	struct harness *h = setup();
	uint8_t f[100];
	size_t len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 9, 3, data, 4);
	struct h_icmp m;

	ck_assert_uint_eq(len, 14 + 20 + 8 + 4);
	memset(f + len, 0xa5, 60 - len); /* non-zero padding would break the ICMP checksum */
	h_input(h, f, 60);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h->sent[0].len, 14 + 20 + 8 + 4);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.ip_len, 20 + 8 + 4);
	ck_assert_uint_eq(m.len, 4);
	ck_assert_mem_eq(m.data, data, 4);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_csum), 0);
}
END_TEST

/* The same for TCP: a padded pure ACK carries no data. */
START_TEST(ethernet_padding_tcp)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[H_FRAME_MAX];
	struct h_conn c;
	struct h_tcp t;
	struct iovec iov[2];
	size_t len;

	h_conn_init(&c);
	h_establish(h, &c);
	t = (struct h_tcp){ .src = c.raddr, .dst = H_OUR_IP, .sport = c.rport, .dport = c.lport,
			    .seq = c.seq, .ack = c.ack, .flags = 0x10, .win = c.win };
	len = h_build_tcp(f, &t);
	ck_assert_uint_eq(len, 54);
	memset(f + len, 0x5a, 6);
	h_input(h, f, 60);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_csum), 0);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 0);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_events(h, c.tp), 0);
}
END_TEST

START_TEST(route_on_link)
{
	struct harness *h = h_new(NULL);
	struct h_arp a;
	struct tcb *tp;
	int err = 0;

	tp = tcp_connect(h->st, H_OTHER_IP, 80, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(h_narp(h, 1), 1);
	h_arp(h, 0, &a);
	ck_assert_uint_eq(a.tpa, H_OTHER_IP);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(route_via_gateway)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];
	struct h_arp a;
	struct h_seg s;
	struct tcb *tp;
	int err = 0;

	tp = tcp_connect(h->st, H_FAR_IP, 443, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(h_narp(h, 1), 1);
	h_arp(h, 0, &a);
	ck_assert_uint_eq(a.tpa, H_GW_IP);
	h_input(h, f, h_build_arp(f, h_our_mac, 2, h_gw_mac, H_GW_IP, h_our_mac, H_OUR_IP));
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_mem_eq(s.eth_dst, h_gw_mac, 6);
	ck_assert_uint_eq(s.dst, H_FAR_IP);
	ck_assert_uint_eq(s.dport, 443);
	tcp_release(tp);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
}
END_TEST

START_TEST(route_none)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct tcb *tp;
	int err = 0;

	h_cfg(&cfg);
	cfg.gateway = 0;
	h = h_new(&cfg);
	tp = tcp_connect(h->st, H_FAR_IP, 443, NULL, 0, &err);
	ck_assert_ptr_null(tp);
	ck_assert_int_eq(err, ENETUNREACH);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(stack_tcb_count(h->st), 0);
	/* on-link still works without a gateway */
	tp = tcp_connect(h->st, H_PEER_IP, 443, NULL, 0, &err);
	ck_assert_ptr_nonnull(tp);
	tcp_release(tp);
	/* nor a loopback, multicast or our own address, even with a gateway */
	h_teardown();
	h = h_new(NULL);
	err = 0;
	ck_assert_ptr_null(tcp_connect(h->st, 0x7f000001u, 80, NULL, 0, &err));
	ck_assert_int_eq(err, ENETUNREACH);
	err = 0;
	ck_assert_ptr_null(tcp_connect(h->st, 0xe0000001u, 80, NULL, 0, &err));
	ck_assert_int_eq(err, ENETUNREACH);
	err = 0;
	ck_assert_ptr_null(tcp_connect(h->st, H_OUR_IP, 80, NULL, 0, &err));
	ck_assert_int_eq(err, ENETUNREACH);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

Suite *ip4_suite(void)
{
	Suite *s = suite_create("ip4");
	TCase *tc = h_tcase("input");
	TCase *tr = h_tcase("route");

	tcase_add_test(tc, bad_version);
	tcase_add_test(tc, short_header_length);
	tcase_add_test(tc, truncated_header);
	tcase_add_test(tc, total_length_beyond_frame);
	tcase_add_test(tc, bad_header_checksum);
	tcase_add_test(tc, not_for_us);
	tcase_add_test(tc, bad_source);
	tcase_add_test(tc, unknown_protocol);
	tcase_add_test(tc, header_options);
	tcase_add_test(tc, ethernet_padding);
	tcase_add_test(tc, ethernet_padding_tcp);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, route_on_link);
	tcase_add_test(tr, route_via_gateway);
	tcase_add_test(tr, route_none);
	suite_add_tcase(s, tr);
	return s;
}

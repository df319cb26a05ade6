/* SPDX-License-Identifier: MIT */
/* test_icmp.c - ICMP echo (RFC 792, RFC 1122 3.2.2.6). */
#include <string.h>

#include "harness.h"

START_TEST(echo_reply)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[H_FRAME_MAX];
	uint8_t data[1001]; /* odd length: the checksum's padding byte */
	struct h_icmp m;
	const uint8_t *ip;

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_pattern(data, sizeof(data), 77);
	h_input(h, f, h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 0xbeef, 0x0102, data,
				   sizeof(data)));
	ck_assert_uint_eq(h->nsent, 1);
	h_icmp(h, 0, &m); /* checks the IPv4 and ICMP checksums */
	ck_assert_uint_eq(m.type, 0);
	ck_assert_uint_eq(m.code, 0);
	ck_assert_uint_eq(m.id, 0xbeef);
	ck_assert_uint_eq(m.seq, 0x0102);
	ck_assert_uint_eq(m.len, sizeof(data));
	ck_assert_mem_eq(m.data, data, sizeof(data));
	ck_assert_uint_eq(m.src, H_OUR_IP);
	ck_assert_uint_eq(m.dst, H_PEER_IP);
	ck_assert_mem_eq(m.eth_dst, h_peer_mac, 6);
	ck_assert_uint_eq(m.ip_len, 20 + 8 + sizeof(data));
	ip = h->sent[0].data + 14;
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_echo_replies), 1);
}
END_TEST

/* A ping that fills the MTU is answered; the reply fills it exactly too. */
START_TEST(echo_reply_full_mtu)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[H_FRAME_MAX];
	static uint8_t data[1500 - 28];
	struct h_icmp m;

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_pattern(data, sizeof(data), 1);
	h_input(h, f, h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, 2, data, sizeof(data)));
	ck_assert_uint_eq(h->nsent, 1);
	ck_assert_uint_eq(h->sent[0].len, 1514);
	h_icmp(h, 0, &m);
	ck_assert(h_pattern_ok(m.data, m.len, 1));
}
END_TEST

START_TEST(bad_checksum)
{
	struct harness *h = h_new(NULL);
	uint8_t f[100];
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, 1, (const uint8_t *)"abcd", 4);
	f[len - 1] ^= 0x10;
	h_input(h, f, len);
	/* offload flags are about TCP: the ICMP checksum is always checked */
	h_input_flags(h, f, len, STACK_IN_CSUM_OK);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_csum), 2);
	ck_assert_uint_eq(h->nsent, 0);
	f[len - 1] ^= 0x10;
	h_input(h, f, len);
	ck_assert_uint_eq(h_nicmp(h), 1);
}
END_TEST

START_TEST(truncated)
{
	static const uint8_t stub[3] = { 8, 0, 0xf7 }; /* 3 of the 8 header bytes */
	struct harness *h = h_new(NULL);
	uint8_t f[100];

	h_learn(h, H_PEER_IP, h_peer_mac);
	h_input(h, f, h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, stub, sizeof(stub)));
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_short), 1);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

START_TEST(broadcast_ignored)
{
	struct harness *h = h_new(NULL);
	uint8_t f[100];
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_BCAST_IP, 1, 1, (const uint8_t *)"ab", 2);
	memcpy(f, h_bcast_mac, 6);
	h_input(h, f, len);
	len = h_build_echo(f, h_peer_mac, H_PEER_IP, 0xffffffffu, 1, 2, (const uint8_t *)"ab", 2);
	memcpy(f, h_bcast_mac, 6);
	h_input(h, f, len);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_rx), 2); /* they got as far as ICMP */
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_type), 2);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

START_TEST(other_types_ignored)
{
	struct harness *h = h_new(NULL);
	uint8_t f[100];
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, 1, (const uint8_t *)"ab", 2);
	f[34] = 0; /* an echo reply must not be answered */
	f[36] = f[37] = 0;
	{
		uint16_t c = h_csum(f + 34, len - 34, 0);

		f[36] = (uint8_t)(c >> 8);
		f[37] = (uint8_t)c;
	}
	h_input(h, f, len);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_type), 1);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

Suite *icmp_suite(void)
{
	Suite *s = suite_create("icmp");
	TCase *tc = h_tcase("icmp");

	tcase_add_test(tc, echo_reply);
	tcase_add_test(tc, echo_reply_full_mtu);
	tcase_add_test(tc, bad_checksum);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, broadcast_ignored);
	tcase_add_test(tc, other_types_ignored);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/* test_eth.c - Ethernet input: what is dropped, and counted, before any protocol sees it. */
#include <string.h>

#include "harness.h"

static const uint8_t ping_data[] = "ustack";

/* A ping from the (known) peer, with the Ethernet destination given. */
static size_t ping_to(uint8_t *f, const uint8_t *eth_dst)
{
	size_t len = h_build_echo(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 7, 1, ping_data,
				  sizeof(ping_data));

	memcpy(f, eth_dst, 6);
	return len;
}

START_TEST(short_frame)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];
	size_t len = ping_to(f, h_our_mac);

	h_learn(h, H_PEER_IP, h_peer_mac);
	for (size_t n = 0; n < 14; n++)
		h_input(h, f, n);
	h_input(h, NULL, 0);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_eth_drop_short), 15);
	ck_assert_uint_eq(h_stat(h, STAT_ip_rx), 0);
	ck_assert_uint_eq(h->nsent, 0);
	/* the same frame whole is answered */
	h_input(h, f, len);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_stat(h, STAT_eth_drop_short), 15);
}
END_TEST

START_TEST(foreign_mac)
{
	struct harness *h = h_new(NULL);
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t f[60];
	uint64_t arp0;
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	arp0 = h_stat(h, STAT_arp_rx);
	/* unicast to someone else: neither a ping nor an ARP request for us is looked at */
	h_input(h, f, ping_to(f, h_other_mac));
	len = h_build_arp(f, h_other_mac, 1, h_peer_mac, H_PEER_IP, h_bcast_mac, H_OUR_IP);
	h_input(h, f, len);
	h_input(h, f, ping_to(f, mcast));
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_eth_drop_notours), 3);
	ck_assert_uint_eq(h_stat(h, STAT_ip_rx), 0);
	ck_assert_uint_eq(h_stat(h, STAT_arp_rx), arp0);
	ck_assert_uint_eq(h->nsent, 0);
	/* to us and to broadcast are accepted */
	h_input(h, f, ping_to(f, h_our_mac));
	len = h_build_arp(f, h_bcast_mac, 1, h_peer_mac, H_PEER_IP, h_bcast_mac, H_OUR_IP);
	h_input(h, f, len);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(h_narp(h, 2), 1);
	ck_assert_uint_eq(h_stat(h, STAT_eth_drop_notours), 3);
}
END_TEST

START_TEST(unknown_ethertype)
{
	struct harness *h = h_new(NULL);
	uint8_t f[60];
	uint64_t rx0;
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	rx0 = h_stat(h, STAT_eth_rx);
	len = ping_to(f, h_our_mac);
	f[12] = 0x86; /* IPv6 */
	f[13] = 0xdd;
	h_input(h, f, len);
	f[12] = 0x81; /* VLAN tag */
	f[13] = 0x00;
	h_input(h, f, len);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_eth_drop_type), 2);
	ck_assert_uint_eq(h_stat(h, STAT_eth_rx), rx0 + 2);
	ck_assert_uint_eq(h_stat(h, STAT_ip_rx), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

Suite *eth_suite(void)
{
	Suite *s = suite_create("eth");
	TCase *tc = h_tcase("eth");

	tcase_add_test(tc, short_frame);
	tcase_add_test(tc, foreign_mac);
	tcase_add_test(tc, unknown_ethertype);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/* test_csum.c - the Internet checksum (proto/csum.c) and its use on input. */
#include <string.h>

#include "csum.h"
#include "harness.h"

/* RFC 1071 1.2 (and 3): the worked example, 00 01 f2 03 f4 f5 f6 f7. */
START_TEST(rfc1071_example)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t sum = csum_partial(b, sizeof(b), 0);

	/* 0001 + f203 + f4f5 + f6f7 = 2ddf0, folded ddf2, complemented 220d. */
	ck_assert_uint_eq((sum & 0xffff) + (sum >> 16), 0xddf2);
	ck_assert_uint_eq(csum_fold(sum), 0x220d);
	/* Byte order independence (RFC 1071 2(B)): a split at an even offset sums the same. */
	ck_assert_uint_eq(csum_fold(csum_partial(b + 4, 4, csum_partial(b, 4, 0))), 0x220d);
}
END_TEST

/* A well-known IPv4 header: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7. */
START_TEST(ipv4_header_example)
{
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	ck_assert_uint_eq(csum_fold(csum_partial(ip, sizeof(ip), 0)), 0xb861);
	ip[10] = 0xb8;
	ip[11] = 0x61;
	ck_assert_uint_eq(csum_fold(csum_partial(ip, sizeof(ip), 0)), 0);
}
END_TEST

/* An odd trailing byte is the high byte of a word padded with zero. */
START_TEST(odd_length)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03 };
	static const uint8_t one[] = { 0xab };
	uint8_t big[1001];

	ck_assert_uint_eq(csum_fold(csum_partial(b, 3, 0)), (uint16_t)~0x0402);
	ck_assert_uint_eq(csum_fold(csum_partial(one, 1, 0)), (uint16_t)~0xab00);
	ck_assert_uint_eq(csum_fold(csum_partial(b, 0, 0)), 0xffff);
	h_pattern(big, sizeof(big), 5);
	ck_assert_uint_eq(csum_fold(csum_partial(big, sizeof(big), 0)),
			  h_csum(big, sizeof(big), 0));
}
END_TEST

/* Many 0xffff words: the carries must all be folded back in (end-around carry). */
START_TEST(carries)
{
	static uint8_t b[65536];

	memset(b, 0xff, sizeof(b));
	b[0] = 0xfe;
	ck_assert_uint_eq(csum_fold(csum_partial(b, sizeof(b), 0)), h_csum(b, sizeof(b), 0));
	/* fe ff + 32767 * ffff: ffff is -0 in one's complement, so feff -> 0100 */
	ck_assert_uint_eq(csum_fold(csum_partial(b, sizeof(b), 0)), 0x0100);
	/* folding itself can carry: ffff + ffff = 1fffe -> fffe + 1 = ffff */
	ck_assert_uint_eq(csum_fold(0xffffffffu), 0x0000);
	ck_assert_uint_eq(csum_fold(0x0001ffffu), 0xfffe);
	ck_assert_uint_eq(csum_fold(0), 0xffff);
}
END_TEST

/* RFC 9293 3.1 pseudo-header: src, dst, zero, protocol, TCP length. */
START_TEST(pseudo_header)
{
	/* c0a8 + 0001 + c0a8 + 00c7 + 0006 + 0014 = 18232 -> 8233 -> 7dcc */
	ck_assert_uint_eq(csum_fold(csum_pseudo4(0xc0a80001u, 0xc0a800c7u, 6, 20)), 0x7dcc);
	/* all ones: 5 * ffff + 6 = 50001, folded 0006, complemented fff9 */
	ck_assert_uint_eq(csum_fold(csum_pseudo4(0xffffffffu, 0xffffffffu, 6, 0xffff)), 0xfff9);
	/* Chained with a header: the sum of pseudo-header and segment. */
	{
		uint8_t seg[21];

		h_pattern(seg, sizeof(seg), 9);
		ck_assert_uint_eq(
			csum_fold(csum_partial(seg, sizeof(seg),
					       csum_pseudo4(H_PEER_IP, H_OUR_IP, 6, sizeof(seg)))),
			h_csum(seg, sizeof(seg),
			       (H_PEER_IP >> 16) + (H_PEER_IP & 0xffff) + (H_OUR_IP >> 16) +
				       (H_OUR_IP & 0xffff) + 6 + sizeof(seg)));
	}
}
END_TEST

/* A segment with a bad TCP checksum is dropped and counted, unless the caller vouches for it. */
START_TEST(tcp_bad_csum_dropped)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[H_FRAME_MAX];
	uint8_t data[100], buf[200];
	struct h_conn c;
	struct h_tcp t;
	struct iovec iov[2];
	size_t len;

	h_conn_init(&c);
	h_establish(h, &c);
	h_pattern(data, sizeof(data), 0);
	t = (struct h_tcp){ .src = c.raddr, .dst = H_OUR_IP, .sport = c.rport, .dport = c.lport,
			    .seq = c.seq, .ack = c.ack, .flags = 0x18, .win = 65535,
			    .data = data, .len = sizeof(data) };
	len = h_build_tcp(f, &t);
	f[len - 1] ^= 0x40; /* corrupt one payload byte */

	h_input(h, f, len);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_csum), 1);
	ck_assert_uint_eq(tcp_rcv_data(c.tp, iov), 0);
	ck_assert_uint_eq(h_events(h, c.tp), 0);

	h_input_flags(h, f, len, STACK_IN_CSUM_OK);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_csum), 1);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), sizeof(data));
	ck_assert_uint_eq(h_events(h, c.tp), TCP_EV_READABLE);
}
END_TEST

/* A SYN with a bad checksum to a closed port draws no RST; with CSUM_OK it does. */
START_TEST(tcp_bad_csum_no_rst)
{
	struct harness *h = h_new(NULL);
	uint8_t f[100];
	struct h_tcp t = { .src = H_PEER_IP, .dst = H_OUR_IP, .sport = 1234, .dport = 5555,
			   .seq = 1000, .flags = 0x02, .win = 1000 };
	size_t len;

	h_learn(h, H_PEER_IP, h_peer_mac);
	len = h_build_tcp(f, &t);
	f[34 + 16] ^= 0x01; /* the checksum field itself */
	h_input(h, f, len);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_csum), 1);
	ck_assert_uint_eq(h->nsent, 0);
	h_input_flags(h, f, len, STACK_IN_CSUM_OK);
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
}
END_TEST

Suite *csum_suite(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = h_tcase("csum");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, ipv4_header_example);
	tcase_add_test(tc, odd_length);
	tcase_add_test(tc, carries);
	tcase_add_test(tc, pseudo_header);
	tcase_add_test(tc, tcp_bad_csum_dropped);
	tcase_add_test(tc, tcp_bad_csum_no_rst);
	suite_add_tcase(s, tc);
	return s;
}

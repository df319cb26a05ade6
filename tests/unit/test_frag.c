/* SPDX-License-Identifier: MIT */
/*
 * test_frag.c - IPv4 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2,
 * RFC 5722): order, duplicates, overlaps, limits and the timeout.
 *
 * Datagrams are built whole (an ICMP echo request or a TCP segment from the
 * peer) and cut into fragments by frag(), which sends payload bytes
 * [off, off + len) under one IPv4 header with the identification, MF and
 * offset set.  Every test ends with the pool empty unless it says why not.
 */
#include <string.h>

#include "harness.h"
#include "ip4.h"
#include "stack_var.h"

#define ID 0x4242

static uint8_t dg[65536 + 64]; /* the datagram being cut up (and slack to read past it) */
static size_t dglen;

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* dg = an ICMP echo request carrying n pattern bytes; returns its length. */
static size_t echo_dg(size_t n, uint16_t seq)
{
	dg[0] = 8;
	dg[1] = 0;
	put16(dg + 2, 0);
	put16(dg + 4, 0x77);
	put16(dg + 6, seq);
	h_pattern(dg + 8, n, 5);
	put16(dg + 2, h_csum(dg, 8 + n, 0));
	dglen = 8 + n;
	return dglen;
}

/* Feed bytes [off, off + len) of dg (protocol proto) as a fragment of datagram id to dst. */
static void frag_to(struct harness *h, uint32_t dst, uint8_t proto, uint16_t id, size_t off,
		    size_t len, int more, unsigned flags)
{
	static uint8_t f[H_FRAME_MAX];
	size_t n;

	ck_assert_uint_eq(off % 8, 0);
	n = h_build_ip4(f, h_peer_mac, H_PEER_IP, dst, proto, dg + off, len);
	if (dst == H_BCAST_IP)
		memcpy(f, h_bcast_mac, 6);
	put16(f + 14 + 4, id);
	put16(f + 14 + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
	h_ip4_fix_csum(f);
	h_input_flags(h, f, n, flags);
}

static void frag_proto(struct harness *h, uint8_t proto, uint16_t id, size_t off, size_t len,
		       int more, unsigned flags)
{
	frag_to(h, H_OUR_IP, proto, id, off, len, more, flags);
}

static void frag(struct harness *h, size_t off, size_t len, int more)
{
	frag_proto(h, 1, ID, off, len, more, 0);
}

static struct harness *setup(void)
{
	struct harness *h = h_new(NULL);

	h_learn(h, H_PEER_IP, h_peer_mac);
	return h;
}

/* The stack answered dg (an echo request) with one echo reply carrying its data. */
static void expect_reply(struct harness *h, size_t n)
{
	struct h_icmp m;

	ck_assert_uint_eq(h_nicmp(h), 1);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.type, 0);
	ck_assert_uint_eq(m.dst, H_PEER_IP);
	ck_assert_uint_eq(m.id, 0x77);
	ck_assert_uint_eq(m.len, n);
	ck_assert(h_pattern_ok(m.data, m.len, 5));
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 1);
}

/* Nothing left in reassembly. */
#define ck_pool_empty(h) ck_assert_uint_eq(ip4_frag_count((h)->st), 0)

/* RFC 791 3.2: pieces in order make the datagram; the reply comes after the last. */
START_TEST(in_order)
{
	struct harness *h = setup();

	echo_dg(1000, 1);
	frag(h, 0, 400, 1);
	frag(h, 400, 400, 1);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), 1);
	frag(h, 800, dglen - 800, 0);
	expect_reply(h, 1000);
	ck_pool_empty(h);
	ck_assert_uint_eq(h_stat(h, STAT_ip_frag_rx), 3);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_echo_replies), 1);
}
END_TEST

START_TEST(out_of_order)
{
	struct harness *h = setup();

	echo_dg(1200, 2);
	frag(h, 800, 400, 1);
	frag(h, 0, 400, 1);
	frag(h, 1200, dglen - 1200, 0);
	ck_assert_uint_eq(h->nsent, 0); /* [400, 800) still missing */
	frag(h, 400, 400, 1);
	expect_reply(h, 1200);
	ck_pool_empty(h);
}
END_TEST

/* The last fragment first: it fixes the length before anything else is held. */
START_TEST(last_first)
{
	struct harness *h = setup();

	echo_dg(1000, 3);
	frag(h, 504, dglen - 504, 0);
	frag(h, 0, 504, 1);
	expect_reply(h, 1000);
	ck_pool_empty(h);
}
END_TEST

/*
 * The network duplicates frames: a fragment whose bytes are all held
 * already is dropped alone and the datagram still completes.
 */
START_TEST(duplicates)
{
	struct harness *h = setup();

	echo_dg(1200, 4);
	frag(h, 0, 400, 1);
	frag(h, 0, 400, 1);
	frag(h, 400, 400, 1);
	frag(h, 400, 400, 1);
	frag(h, 200, 400, 1); /* inside the run [0, 800) the two made */
	ck_assert_uint_eq(h_stat(h, STAT_ip_frag_dup), 3);
	ck_assert_uint_eq(h->nsent, 0);
	frag(h, 800, dglen - 800, 0);
	expect_reply(h, 1200);
	ck_pool_empty(h);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_overlap), 0);
}
END_TEST

/*
 * RFC 5722 (and Linux for IPv4): a fragment that partly overlaps bytes
 * held drops the whole datagram, whichever side it overlaps on.
 */
START_TEST(overlap)
{
	struct harness *h = setup();

	echo_dg(1200, 5);
	frag(h, 0, 400, 1);
	frag(h, 392, 400, 1); /* 8 bytes over the end of the first */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_overlap), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	/* The rest alone is not a datagram: no reply, the pieces wait in a new slot. */
	frag(h, 792, dglen - 792, 0);
	ck_assert_uint_eq(h->nsent, 0);

	/* Overlapping the start of a held run, and spanning two runs. */
	h_advance(h, h->cfg.frag_timeout_ms);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	frag(h, 400, 400, 1);
	frag(h, 8, 400, 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_overlap), 2);
	frag(h, 0, 400, 1);
	frag(h, 800, 400, 1);
	frag(h, 400, 408, 1); /* meets the first run exactly, overlaps the second */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_overlap), 3);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* RFC 791: only the last fragment may carry a length that is not a multiple of 8. */
START_TEST(bad_fragments)
{
	struct harness *h = setup();

	echo_dg(1000, 6);
	frag(h, 0, 404, 1);
	frag(h, 0, 0, 1);
	frag(h, 400, 0, 0);
	ck_assert_uint_eq(h_stat(h, STAT_ip_frag_bad), 3);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	frag(h, 0, 400, 1);
	frag(h, 400, dglen - 400, 0);
	expect_reply(h, 1000);
	ck_pool_empty(h);
}
END_TEST

/* Two ends for one datagram, or data past its end: it is dropped whole. */
START_TEST(inconsistent_end)
{
	struct harness *h = setup();

	echo_dg(1000, 7);
	frag(h, 800, dglen - 800, 0);
	frag(h, 400, 400 + 8, 0); /* a second "last" fragment ending elsewhere */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_inconsistent), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	frag(h, 800, dglen - 800, 0);
	frag(h, 1000, 400, 1); /* more data past the end */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_inconsistent), 2);
	frag(h, 1000, 400, 1);
	frag(h, 800, dglen - 800, 0); /* an end before data held */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_inconsistent), 3);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/*
 * RFC 1122 3.3.2: an incomplete datagram is dropped after the timeout, and
 * the sender hears time exceeded (code 1) if fragment zero had come; the
 * message quotes fragment zero's header, options included, and 8 bytes.
 */
START_TEST(timeout)
{
	struct harness *h = setup();
	static uint8_t f[H_FRAME_MAX];
	struct h_icmp m;
	size_t n;

	ck_assert_uint_eq(h->cfg.frag_timeout_ms, 30000);
	echo_dg(1000, 8);
	h_advance(h, 100);
	/* fragment zero with 4 bytes of options (four NOPs) */
	n = h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, dg, 4 + 400);
	memmove(f + 14 + 24, f + 14 + 20, 400);
	memset(f + 14 + 20, 1, 4);
	f[14] = 0x46;
	put16(f + 14 + 4, ID);
	put16(f + 14 + 6, 0x2000);
	h_ip4_fix_csum(f);
	h_input(h, f, n);
	h_advance(h, 1000);
	frag(h, 400, 400, 1); /* a later fragment does not extend the deadline */
	ck_assert_uint_eq(stack_next_deadline(h->st), 100 + 30000);
	h_advance_to(h, 100 + 30000 - 1);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), 1);
	h_advance(h, 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_timeout), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	ck_assert_uint_eq(h_nicmp(h), 1);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.type, 11);
	ck_assert_uint_eq(m.code, 1);
	ck_assert_uint_eq(m.dst, H_PEER_IP);
	ck_assert_uint_eq(m.len, 24 + 8);
	ck_assert_mem_eq(m.data, f + 14, 24); /* the header as it came */
	ck_assert_mem_eq(m.data + 24, dg, 8);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_tx), 1);
	/* the last piece after the timeout starts a new reassembly, and no reply */
	frag(h, 800, dglen - 800, 0);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 1);
}
END_TEST

/* Without fragment zero there is nothing to quote: the timeout is silent. */
START_TEST(timeout_without_first)
{
	struct harness *h = setup();

	echo_dg(1000, 9);
	frag(h, 400, 400, 1);
	frag(h, 800, dglen - 800, 0);
	h_advance(h, 30000);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_timeout), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* RFC 1122 3.2.2: never an ICMP error about an ICMP error, nor to a broadcast. */
START_TEST(timeout_no_error_about_errors)
{
	struct harness *h = setup();

	echo_dg(1000, 10);
	frag_to(h, H_BCAST_IP, 1, ID, 0, 400, 1, 0);
	dg[0] = 3; /* a destination unreachable, fragmented */
	frag(h, 0, 400, 1);
	h_advance(h, 30000);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_timeout), 2);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* The configured timeout is the one used. */
START_TEST(timeout_configured)
{
	struct stack_cfg cfg;
	struct harness *h;

	h_cfg(&cfg);
	cfg.frag_timeout_ms = 5000;
	h = h_new(&cfg);
	h_learn(h, H_PEER_IP, h_peer_mac);
	echo_dg(1000, 11);
	frag(h, 0, 400, 1);
	ck_assert_uint_eq(stack_next_deadline(h->st), 5000);
	h_advance(h, 5000);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_timeout), 1);
	ck_assert_uint_eq(h_nicmp(h), 1);
}
END_TEST

/*
 * At most frag_slots datagrams in reassembly: a new one beyond that is
 * dropped (and counted) while those in progress go on; a finished or
 * expired one frees its slot.
 */
START_TEST(pool_exhaustion)
{
	struct harness *h = setup();
	unsigned n = h->cfg.frag_slots;

	ck_assert_uint_eq(n, 16);
	echo_dg(1000, 12);
	for (unsigned i = 0; i < n; i++)
		frag_proto(h, 1, (uint16_t)(100 + i), 0, 400, 1, 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), n);
	frag_proto(h, 1, 99, 0, 400, 1, 0);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_nomem), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), n);
	/* one of those in progress completes, and its slot takes a new datagram */
	frag_proto(h, 1, 105, 400, dglen - 400, 0, 0);
	expect_reply(h, 1000);
	ck_assert_uint_eq(ip4_frag_count(h->st), n - 1);
	frag_proto(h, 1, 99, 0, 400, 1, 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), n);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_nomem), 1);
	h_advance(h, 30000);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_timeout), n);
}
END_TEST

/*
 * RFC 791: a datagram is at most 65535 bytes with its header.  A fragment
 * that would end past that drops the reassembly (the "ping of death"); one
 * that ends exactly there is fine.
 */
START_TEST(oversize)
{
	struct harness *h = setup();
	size_t off;

	memset(dg, 0, sizeof(dg));
	frag(h, 0, 1480, 1);
	frag(h, 65528, 8, 0); /* 20 + 65536 */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_toobig), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	frag(h, 65512, 40, 1); /* alone, with no reassembly to drop */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_toobig), 2);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);

	/* the largest datagram there is: 65515 bytes of echo request */
	echo_dg(65515 - 8, 13);
	for (off = 0; off + 1480 < dglen; off += 1480)
		frag(h, off, 1480, 1);
	frag(h, off, dglen - off, 0);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_toobig), 2);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	/* its reply would not fit the MTU (we do not fragment): counted, not sent */
	ck_assert_uint_eq(h_stat(h, STAT_icmp_drop_short), 1);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* Fragment zero with options makes the same end too long. */
START_TEST(oversize_with_options)
{
	struct harness *h = setup();
	static uint8_t f[H_FRAME_MAX];
	size_t n;

	memset(dg, 0, sizeof(dg));
	frag(h, 65512, 3, 0); /* 20 + 65515: fine so far */
	n = h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, dg, 4 + 65504);
	memmove(f + 14 + 24, f + 14 + 20, 65504); /* 4 bytes of NOP options */
	memset(f + 14 + 20, 1, 4);
	f[14] = 0x46;
	put16(f + 14 + 4, ID);
	put16(f + 14 + 6, 0x2000);
	h_ip4_fix_csum(f);
	h_input(h, f, n); /* [0, 65508) with a 24-byte header: alone it fits */
	ck_assert_uint_eq(ip4_frag_count(h->st), 1);
	frag(h, 65504, 8, 1); /* closes the hole: 24 + 65515 is too long */
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_toobig), 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
}
END_TEST

/* More separate pieces than a slot tracks: the datagram is dropped, not the stack. */
START_TEST(too_many_holes)
{
	struct harness *h = setup();
	unsigned i;

	echo_dg(2000, 14);
	for (i = 0; i < 64; i++)
		frag(h, i * 16, 8, 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_holes), 0);
	frag(h, i * 16, 8, 1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_holes), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
}
END_TEST

/* Filling holes merges pieces, so scattered arrival still completes. */
START_TEST(holes_merge)
{
	struct harness *h = setup();
	unsigned i;

	echo_dg(64 * 16 - 8, 15);
	for (i = 0; i < 64; i++)
		frag(h, i * 16, 8, 1);
	for (i = 0; i < 63; i++)
		frag(h, i * 16 + 8, 8, 1);
	frag(h, 63 * 16 + 8, dglen - (63 * 16 + 8), 0);
	expect_reply(h, 64 * 16 - 8);
	ck_pool_empty(h);
}
END_TEST

/* Fragments are keyed by source, destination, protocol and identification (RFC 791). */
START_TEST(keyed)
{
	struct harness *h = setup();

	echo_dg(1000, 16);
	frag_proto(h, 1, ID, 0, 400, 1, 0);
	frag_proto(h, 1, ID + 1, 400, dglen - 400, 0, 0);
	frag_proto(h, 6, ID, 400, dglen - 400, 0, 0);
	ck_assert_uint_eq(ip4_frag_count(h->st), 3);
	ck_assert_uint_eq(h->nsent, 0);
	frag_proto(h, 1, ID, 400, dglen - 400, 0, 0);
	ck_assert_uint_eq(h_nicmp(h), 1);
	ck_assert_uint_eq(ip4_frag_count(h->st), 2);
}
END_TEST

/*
 * A TCP segment in fragments reaches the connection, and its checksum is
 * checked even when the frames came with STACK_IN_CSUM_OK: that flag is
 * about one frame, the checksum spans them all.
 */
START_TEST(tcp_segment)
{
	struct harness *h = h_new(NULL);
	static uint8_t f[H_FRAME_MAX], buf[4000];
	uint8_t data[3000];
	struct h_conn c;
	struct h_tcp t;
	size_t n;

	h_conn_init(&c);
	h_establish(h, &c);
	h_pattern(data, sizeof(data), 0);
	t = (struct h_tcp){ .src = c.raddr, .dst = H_OUR_IP, .sport = c.rport, .dport = c.lport,
			    .seq = c.seq, .ack = c.ack, .flags = H_ACK | H_PSH, .win = c.win,
			    .data = data, .len = sizeof(data) };
	n = h_build_tcp(f, &t) - 34;
	memcpy(dg, f + 34, n);
	/* corrupted in one byte, each frame "checked" by the NIC */
	dg[2000] ^= 0x40;
	frag_proto(h, 6, 1, 0, 1480, 1, STACK_IN_CSUM_OK);
	frag_proto(h, 6, 1, 1480, n - 1480, 0, STACK_IN_CSUM_OK);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 1);
	ck_assert_uint_eq(h_stat(h, STAT_tcp_drop_csum), 1);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), 0);
	/* intact, out of order */
	dg[2000] ^= 0x40;
	frag_proto(h, 6, 2, 1480, n - 1480, 0, STACK_IN_CSUM_OK);
	frag_proto(h, 6, 2, 0, 1480, 1, STACK_IN_CSUM_OK);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 2);
	ck_assert_uint_eq(h_read(c.tp, buf, sizeof(buf)), sizeof(data));
	ck_assert(h_pattern_ok(buf, sizeof(data), 0));
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);
	c.seq += sizeof(data);
	h_finish(h, &c);
}
END_TEST

Suite *frag_suite(void)
{
	Suite *s = suite_create("frag");
	TCase *tc = h_tcase("reassembly");
	TCase *tl = h_tcase("limits");

	tcase_add_test(tc, in_order);
	tcase_add_test(tc, out_of_order);
	tcase_add_test(tc, last_first);
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, overlap);
	tcase_add_test(tc, bad_fragments);
	tcase_add_test(tc, inconsistent_end);
	tcase_add_test(tc, keyed);
	tcase_add_test(tc, holes_merge);
	tcase_add_test(tc, tcp_segment);
	suite_add_tcase(s, tc);
	tcase_add_test(tl, timeout);
	tcase_add_test(tl, timeout_without_first);
	tcase_add_test(tl, timeout_no_error_about_errors);
	tcase_add_test(tl, timeout_configured);
	tcase_add_test(tl, pool_exhaustion);
	tcase_add_test(tl, oversize);
	tcase_add_test(tl, oversize_with_options);
	tcase_add_test(tl, too_many_holes);
	suite_add_tcase(s, tl);
	return s;
}

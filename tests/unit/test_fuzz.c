/* SPDX-License-Identifier: MIT */
/*
 * test_fuzz.c - a deterministic fuzz loop over the packet input path.
 *
 * Theory of operation: valid frames of every kind the stack parses - ARP
 * requests and replies, echo requests, fragments, TCP segments for a live
 * connection and for closed ports, ICMP errors quoting the live
 * connection's segments - are built from templates, mutated (bit flips,
 * byte overwrites, truncation, extension, and edits of the length, header
 * length, fragment and data offset fields) and fed to stack_input(), with
 * the virtual clock moving between frames so that the timers run too.
 * Half the frames get their checksums fixed after the mutation, so that
 * the damage reaches past the IPv4 header and into ICMP and TCP.  A seeded
 * xorshift drives everything: every run feeds the same frames.
 *
 * What is checked: no crash and no sanitizer report (make check runs the
 * unit tests under ASan and UBSan too); every frame the stack sends is
 * well-formed and within the MTU (the harness checks each one); the
 * reassembly pool drains; and the live connection is still ESTABLISHED,
 * never reported an error, and moves data both ways afterwards.
 *
 * So that a mutation cannot end the connection legitimately, RST, SYN and
 * FIN are cleared in every frame that claims to be TCP before it is fed:
 * with a fixed checksum and a sequence number left intact, those would be
 * a correct request to close, not a bug.  ICMP errors cannot end it: once
 * synchronized they are soft.  Every 2048 frames the peer acknowledges
 * everything and the test reads what arrived, so data keeps flowing and
 * ICMP quotes have segments in flight to name.
 */
#include <string.h>

#include "harness.h"
#include "ip4.h"
#include "tcp_var.h"

#define FUZZ_ITERATIONS 200000
#define FUZZ_SEED 0x5eed1234abcd9876ull

static uint64_t rs;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

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

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

struct fuzz {
	struct harness *h;
	struct h_conn c;
	int broken; /* the live connection reported an error or closed */
	uint8_t dg[4096];
	size_t dglen;
};

static struct fuzz fz;

static void on_event(struct harness *h, struct tcb *tp, unsigned events)
{
	if (tp == fz.c.tp && (events & (TCP_EV_ERROR | TCP_EV_CLOSED)))
		fz.broken = 1;
}

/* ---- templates: each writes one valid frame into f and returns its length ---- */

static size_t t_arp(uint8_t *f)
{
	static const uint8_t zero[6];
	uint32_t spa = below(2) ? H_PEER_IP : H_OTHER_IP;
	const uint8_t *sha = spa == H_PEER_IP ? h_peer_mac : h_other_mac;

	if (below(2))
		return h_build_arp(f, h_bcast_mac, 1, sha, spa, zero, H_OUR_IP);
	return h_build_arp(f, h_our_mac, 2, sha, spa, h_our_mac, H_OUR_IP);
}

static size_t t_echo(uint8_t *f)
{
	uint8_t data[256];
	size_t n = below(sizeof(data));

	h_pattern(data, n, rnd());
	return h_build_echo(f, h_peer_mac, H_PEER_IP, below(8) ? H_OUR_IP : H_BCAST_IP,
			    (uint16_t)rnd(), (uint16_t)rnd(), data, n);
}

/* One fragment of a 3000-byte echo request (ids from a small set, so some complete). */
static size_t t_frag(uint8_t *f)
{
	static const size_t cut[] = { 0, 1480, 2960, 3008 };
	unsigned k = below(3);
	size_t off = cut[k], len = cut[k + 1] - off, n;

	n = h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, fz.dg + off, len);
	put16(f + 14 + 4, (uint16_t)(0x100 + below(4)));
	put16(f + 14 + 6, (uint16_t)((k < 2 ? 0x2000 : 0) | off / 8));
	h_ip4_fix_csum(f);
	return n;
}

static size_t t_tcp(uint8_t *f)
{
	struct tcb *tp = fz.c.tp;
	uint8_t data[600];
	struct h_tcp t = {
		.src = H_PEER_IP, .dst = H_OUR_IP, .sport = fz.c.rport, .dport = fz.c.lport,
		.seq = tp->rcv_nxt, .ack = tp->snd_max, .flags = H_ACK, .win = 65535,
	};

	switch (below(4)) {
	case 0: /* data for the live connection */
		t.len = below(sizeof(data));
		h_pattern(data, t.len, rnd());
		t.data = data;
		t.flags |= H_PSH;
		break;
	case 1: /* a pure ACK, perhaps a duplicate one */
		t.ack = tp->snd_una;
		break;
	case 2: /* to a closed port: draws a RST */
		t.dport = (uint16_t)(1000 + below(100));
		break;
	default: /* a SYN to a closed port */
		t.dport = (uint16_t)(1000 + below(100));
		t.flags = H_SYN;
		t.mss = 1460;
		break;
	}
	return h_build_tcp(f, &t);
}

/* An ICMP error from the gateway quoting a segment of the live connection. */
static size_t t_icmp_err(uint8_t *f)
{
	static const uint8_t types[] = { 3, 3, 3, 3, 11, 12, 4, 5 };
	struct tcb *tp = fz.c.tp;
	uint8_t m[8 + 20 + 8];

	m[0] = types[below(sizeof(types))];
	m[1] = (uint8_t)(m[0] == 3 ? below(17) : below(2));
	put16(m + 2, 0);
	put16(m + 4, 0);
	put16(m + 6, (uint16_t)(m[1] == 4 ? 68 + below(1500) : 0));
	/* the quoted IPv4 header and TCP ports + sequence number */
	memset(m + 8, 0, 20);
	m[8] = 0x45;
	put16(m + 8 + 2, (uint16_t)(40 + below(1460)));
	put16(m + 8 + 6, 0x4000);
	m[8 + 8] = 64;
	m[8 + 9] = 6;
	put32(m + 8 + 12, H_OUR_IP);
	put32(m + 8 + 16, H_PEER_IP);
	put16(m + 28, fz.c.lport);
	put16(m + 30, fz.c.rport);
	put32(m + 32, tp->snd_una + (below(2) ? 0 : below(3000)));
	put16(m + 2, h_csum(m, sizeof(m), 0));
	return h_build_ip4(f, h_gw_mac, H_GW_IP, H_OUR_IP, 1, m, sizeof(m));
}

/* ---- mutation ---- */

/* Recompute the IPv4 header checksum and, if fix_l4, the ICMP or TCP one, as far as they parse. */
static void fix_csums(uint8_t *f, size_t len, int fix_l4)
{
	uint8_t *ip = f + 14;
	size_t hlen, tlen;
	uint32_t sum;

	if (len < 34 || rd16(f + 12) != 0x0800)
		return;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < 20 || 14 + hlen > len)
		return;
	h_ip4_fix_csum(f);
	tlen = rd16(ip + 2);
	if (!fix_l4 || tlen < hlen || 14 + tlen > len || (rd16(ip + 6) & 0x3fff))
		return;
	if (ip[9] == 1 && tlen - hlen >= 8) {
		put16(ip + hlen + 2, 0);
		put16(ip + hlen + 2, h_csum(ip + hlen, tlen - hlen, 0));
	} else if (ip[9] == 6 && tlen - hlen >= 20) {
		uint8_t ph[12];

		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		put16(ph + 10, (uint16_t)(tlen - hlen));
		sum = 0;
		for (int i = 0; i < 12; i += 2)
			sum += (uint32_t)ph[i] << 8 | ph[i + 1];
		put16(ip + hlen + 16, 0);
		put16(ip + hlen + 16, h_csum(ip + hlen, tlen - hlen, sum));
	}
}

/* Clear RST, SYN and FIN in anything that claims to be TCP (see the top). */
static void defang(uint8_t *f, size_t len)
{
	size_t hlen;

	if (len < 34 || rd16(f + 12) != 0x0800 || f[14 + 9] != 6)
		return;
	hlen = (size_t)(f[14] & 0x0f) * 4;
	if (14 + hlen + 14 <= len)
		f[14 + hlen + 13] &= (uint8_t) ~(H_RST | H_SYN | H_FIN);
}

static size_t mutate(uint8_t *f, size_t len, size_t max)
{
	unsigned nops = 1 + below(4);

	for (unsigned k = 0; k < nops && len > 0; k++) {
		/* aim at the headers most of the time */
		size_t pos = below(4) ? below((uint32_t)MIN(len, 80)) : below((uint32_t)len);

		switch (below(8)) {
		case 0:
		case 1:
			f[pos] ^= (uint8_t)(1u << below(8));
			break;
		case 2:
			f[pos] = (uint8_t)rnd();
			break;
		case 3:
			len = below((uint32_t)len + 1);
			break;
		case 4: {
			size_t more = MIN(max - len, (size_t)below(64));

			for (size_t i = 0; i < more; i++)
				f[len + i] = (uint8_t)rnd();
			len += more;
			break;
		}
		case 5: /* IPv4 total length */
			if (len >= 18)
				put16(f + 16, (uint16_t)(below(2) ? rnd() : rd16(f + 16) + below(17) - 8));
			break;
		case 6: /* IPv4 header length, or the fragment field */
			if (len >= 22 && below(2))
				f[14] = (uint8_t)((f[14] & 0xf0) | below(16));
			else if (len >= 22)
				put16(f + 20, (uint16_t)rnd());
			break;
		default: /* TCP data offset, or the header length of an ICMP quote */
			if (len >= 47)
				f[below(2) ? 46 : 42] = (uint8_t)rnd();
			break;
		}
	}
	return len;
}

/* The peer acknowledges everything we sent and we read what it sent; refill: send more. */
static void settle(struct harness *h, int refill)
{
	static uint8_t buf[1 << 18];
	struct tcb *tp = fz.c.tp;

	h_learn(h, H_PEER_IP, h_peer_mac); /* the fuzz may have taught ARP another MAC */
	h_peer_seg(h, &fz.c, H_ACK, tp->rcv_nxt, tp->snd_max, 65535, NULL, 0);
	h_flush(h);
	while (h_read(tp, buf, sizeof(buf)))
		;
	h_flush(h);
	if (refill && tp->snd_una == tp->snd_max && tp->snd_len == 0) {
		h_write(tp, 3000, 0);
		h_flush(h);
	}
}

START_TEST(input_path)
{
	static uint8_t f[H_FRAME_MAX];
	struct harness *h = h_new(NULL);
	static uint8_t buf[1 << 18];
	struct tcb *tp;
	uint32_t rcv0, una0, seq;
	size_t got = 0;

	memset(&fz, 0, sizeof(fz));
	fz.h = h;
	rs = FUZZ_SEED;
	h_conn_init(&fz.c);
	tp = h_establish(h, &fz.c);
	h->on_event = on_event;
	/* the fragmented datagram: an echo request of 3000 bytes */
	fz.dg[0] = 8;
	h_pattern(fz.dg + 8, 3000, 1);
	put16(fz.dg + 2, h_csum(fz.dg, 3008, 0));
	fz.dglen = 3008;

	for (unsigned i = 0; i < FUZZ_ITERATIONS; i++) {
		size_t len;

		switch (below(16)) {
		case 0:
		case 1:
			len = t_arp(f);
			break;
		case 2:
		case 3:
			len = t_echo(f);
			break;
		case 4:
		case 5:
		case 6:
		case 7:
			len = t_frag(f);
			break;
		case 8:
		case 9:
		case 10:
		case 11:
			len = t_tcp(f);
			break;
		default:
			len = t_icmp_err(f);
			break;
		}
		if (below(8))
			len = mutate(f, len, sizeof(f));
		defang(f, len);
		if (below(2))
			fix_csums(f, len, below(4) != 0);
		defang(f, len);
		h_input_flags(h, f, len, below(8) ? 0 : STACK_IN_CSUM_OK);
		if (below(4) == 0)
			h_flush(h);
		if (below(8) == 0)
			h_advance(h, below(30));
		if (i % 2048 == 2047)
			settle(h, 1);
		if (h->nsent > 512 || h->nev > 512)
			h_clear(h);
		ck_assert_msg(!fz.broken, "the live connection failed at iteration %u", i);
	}

	/* The pool drains once fragments stop. */
	h_advance(h, 30000);
	ck_assert_uint_eq(ip4_frag_count(h->st), 0);

	/* The connection still works: the peer sends 80 KiB, we read at least that much. */
	for (int k = 0; k < 50 && tp->snd_una != tp->snd_max; k++) {
		settle(h, 0);
		h_advance(h, 10);
	}
	ck_assert_uint_eq(tp->snd_una, tp->snd_max);
	h_clear(h);
	ck_assert_int_eq(tcp_state(tp), H_ESTABLISHED);
	rcv0 = tp->rcv_nxt;
	seq = rcv0;
	for (int k = 0; k < 56; k++) {
		uint8_t data[1460];

		h_pattern(data, sizeof(data), seq);
		h_peer_seg(h, &fz.c, H_ACK, seq, tp->snd_max, 65535, data, sizeof(data));
		seq += sizeof(data);
		h_flush(h);
		got += h_read(tp, buf, sizeof(buf));
	}
	ck_assert_uint_ge(got, 56 * 1460);
	ck_assert(SEQ_GEQ(tp->rcv_nxt, rcv0 + 56 * 1460));
	/* and we send 10 KiB that the peer acknowledges */
	h_clear(h);
	una0 = tp->snd_una;
	ck_assert_uint_eq(tp->snd_una, tp->snd_max);
	ck_assert_uint_eq(h_write(tp, 10000, 0), 10000);
	tcp_setopt(tp, TCP_OPT_NODELAY, 1);
	h_flush(h);
	for (int k = 0; k < 20 && tp->snd_una != una0 + 10000; k++) {
		h_peer_seg(h, &fz.c, H_ACK, tp->rcv_nxt, tp->snd_max, 65535, NULL, 0);
		h_flush(h);
		h_advance(h, 10);
	}
	ck_assert_uint_eq(tp->snd_una, una0 + 10000);
	ck_assert_int_eq(tcp_state(tp), H_ESTABLISHED);
	ck_assert(!fz.broken);
}
END_TEST

Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = h_tcase("fuzz");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, input_path);
	suite_add_tcase(s, tc);
	return s;
}

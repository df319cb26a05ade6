/* SPDX-License-Identifier: MIT */
/*
 * harness.c - the test stack, frame builders and parsers (see harness.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "siphash.h"
#include "stack_var.h"

const uint8_t h_our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t h_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t h_other_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
const uint8_t h_gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
const uint8_t h_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define H_MAX_LIVE 8
static struct harness *live[H_MAX_LIVE];

static void be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- the fake stack_io ---- */

/* The slot for a connection's last TSval (added if add), or -1. */
static int h_ts_slot(struct harness *h, uint32_t raddr, uint16_t lport, uint16_t rport, int add)
{
	size_t i;

	for (i = 0; i < h->nts_sent; i++)
		if (h->ts_sent[i].raddr == raddr && h->ts_sent[i].lport == lport &&
		    h->ts_sent[i].rport == rport)
			return (int)i;
	if (!add)
		return -1;
	ck_assert_msg(i < H_MAX_TSCONN, "too many connections with timestamps");
	h->nts_sent++;
	h->ts_sent[i].raddr = raddr;
	h->ts_sent[i].lport = lport;
	h->ts_sent[i].rport = rport;
	return (int)i;
}

/* Remember the TSval of a TCP segment we send, for the peer to echo (lenient: no checks). */
static void h_note_tsval(struct harness *h, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *th;
	size_t ihl, off;

	if (len < 14 + 20 + 20 || rd16(f + 12) != 0x0800 || ip[9] != 6)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	th = ip + ihl;
	if (len < 14 + ihl + 20)
		return;
	off = (size_t)(th[12] >> 4) * 4;
	if (len < 14 + ihl + off)
		return;
	for (size_t k = 20; k + 1 < off && th[k];) {
		if (th[k] == 1) {
			k++;
			continue;
		}
		if (th[k + 1] < 2 || k + th[k + 1] > off)
			return;
		if (th[k] == 8 && th[k + 1] == 10) {
			int i = h_ts_slot(h, rd32(ip + 16), rd16(th), rd16(th + 2), 1);

			h->ts_sent[i].tsval = rd32(th + k + 2);
			return;
		}
		k += th[k + 1];
	}
}

static void h_xmit(void *ctx, const uint8_t *frame, size_t len)
{
	struct harness *h = ctx;
	struct h_frame *f;

	ck_assert_msg(h->nsent < H_MAX_FRAMES, "too many frames sent");
	ck_assert_msg(len >= 14 && len <= 14 + (size_t)h->cfg.mtu,
		      "frame of %zu bytes is not between 14 and 14 + MTU", len);
	f = &h->sent[h->nsent++];
	f->data = malloc(len);
	ck_assert_ptr_nonnull(f->data);
	memcpy(f->data, frame, len);
	f->len = len;
	f->at = h->now;
	h_note_tsval(h, frame, len);
}

static uint32_t h_rand32(struct harness *h)
{
	uint32_t x;

	if (h->iforce < h->nforce) {
		x = h->rnd_force[h->iforce++];
	} else {
		x = h->rng;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		h->rng = x;
	}
	ck_assert(h->nrnd < H_MAX_RAND);
	h->rnd_log[h->nrnd++] = x;
	return x;
}

/* Whole 32-bit words, so a uint32_t the stack asks for is exactly one logged word. */
static void h_random(void *ctx, void *buf, size_t len)
{
	struct harness *h = ctx;
	uint8_t *p = buf;

	while (len) {
		uint32_t x = h_rand32(h);
		size_t n = len < 4 ? len : 4;

		memcpy(p, &x, n);
		p += n;
		len -= n;
	}
}

static void h_tcp_event(void *ctx, struct tcb *tp, void *user, unsigned events)
{
	struct harness *h = ctx;

	ck_assert_msg(events != 0, "tcp_event called with no events");
	ck_assert_msg(h->nev < H_MAX_EVENTS, "too many events");
	h->ev[h->nev++] = (struct h_event){ tp, user, events, h->now };
	if (h->on_event)
		h->on_event(h, tp, events);
}

void h_cfg(struct stack_cfg *cfg)
{
	stack_cfg_defaults(cfg);
	memcpy(cfg->mac, h_our_mac, 6);
	cfg->addr = H_OUR_IP;
	cfg->netmask = H_NETMASK;
	cfg->gateway = H_GW_IP;
	/* Long TCP tests should not need ARP traffic; the ARP tests set their own. */
	cfg->arp_ttl_ms = 24 * 3600 * 1000;
	/* The window arithmetic in the tests assumes a 64 KiB receive buffer. */
	cfg->rcvbuf = 64 * 1024;
}

struct harness *h_new(const struct stack_cfg *cfg)
{
	struct harness *h = calloc(1, sizeof(*h));
	struct stack_io io = { .xmit = h_xmit, .random = h_random, .tcp_event = h_tcp_event };
	size_t i;

	ck_assert_ptr_nonnull(h);
	if (cfg)
		h->cfg = *cfg;
	else
		h_cfg(&h->cfg);
	h->rng = 0x12345678u;
	io.ctx = h;
	h->st = stack_new(&h->cfg, &io, 0);
	ck_assert_ptr_nonnull(h->st);
	for (i = 0; i < H_MAX_LIVE && live[i]; i++)
		;
	ck_assert(i < H_MAX_LIVE);
	live[i] = h;
	return h;
}

static void h_free_frames(struct harness *h)
{
	for (size_t i = 0; i < h->nsent; i++)
		free(h->sent[i].data);
	h->nsent = 0;
}

void h_teardown(void)
{
	for (size_t i = 0; i < H_MAX_LIVE; i++) {
		struct harness *h = live[i];

		if (!h)
			continue;
		stack_free(h->st);
		h_free_frames(h);
		free(h);
		live[i] = NULL;
	}
}

TCase *h_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, NULL, h_teardown);
	return tc;
}

void h_force_random(struct harness *h, uint32_t v)
{
	ck_assert(h->nforce < sizeof(h->rnd_force) / sizeof(h->rnd_force[0]));
	h->rnd_force[h->nforce++] = v;
}

void h_input(struct harness *h, const uint8_t *frame, size_t len)
{
	stack_input(h->st, frame, len, 0, h->now);
}

void h_input_flags(struct harness *h, const uint8_t *frame, size_t len, unsigned flags)
{
	stack_input(h->st, frame, len, flags, h->now);
}

void h_flush(struct harness *h)
{
	stack_flush(h->st, h->now);
}

void h_advance_to(struct harness *h, uint64_t t)
{
	unsigned guard = 0;

	ck_assert(t >= h->now);
	for (;;) {
		uint64_t d = stack_next_deadline(h->st);

		if (d > t)
			break;
		ck_assert_msg(d >= h->now, "deadline %llu already passed at %llu",
			      (unsigned long long)d, (unsigned long long)h->now);
		h->now = d;
		stack_timer(h->st, h->now);
		ck_assert_msg(++guard < 100000, "timers do not converge at %llu",
			      (unsigned long long)h->now);
	}
	h->now = t;
}

void h_advance(struct harness *h, uint64_t ms)
{
	h_advance_to(h, h->now + ms);
}

void h_clear(struct harness *h)
{
	h_free_frames(h);
	h->nev = 0;
}

uint64_t h_stat(const struct harness *h, enum stat_id id)
{
	return stack_stats(h->st)[id];
}

unsigned h_events(const struct harness *h, const struct tcb *tp)
{
	unsigned ev = 0;

	for (size_t i = 0; i < h->nev; i++)
		if (h->ev[i].tp == tp)
			ev |= h->ev[i].events;
	return ev;
}

unsigned h_event_calls(const struct harness *h, const struct tcb *tp)
{
	unsigned n = 0;

	for (size_t i = 0; i < h->nev; i++)
		if (h->ev[i].tp == tp)
			n++;
	return n;
}

/* ---- building frames ---- */

void h_pattern(uint8_t *buf, size_t len, uint32_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((off + i) * 131u + ((off + i) >> 8) + 7u);
}

int h_pattern_ok(const uint8_t *buf, size_t len, uint32_t off)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)((off + i) * 131u + ((off + i) >> 8) + 7u))
			return 0;
	return 1;
}

uint16_t h_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static uint32_t h_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
	       (uint32_t)len;
}

static void h_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	be16(f + 12, type);
}

size_t h_build_arp(uint8_t *f, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha,
		   uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = f + 14;

	memset(f, 0, 60);
	h_eth(f, eth_dst, sha, 0x0806);
	be16(a, 1);
	be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	be16(a + 6, op);
	memcpy(a + 8, sha, 6);
	be32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	be32(a + 24, tpa);
	return 60;
}

void h_ip4_fix_csum(uint8_t *f)
{
	uint8_t *ip = f + 14;
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	if (hlen < 20)
		hlen = 20;
	be16(ip + 10, 0);
	be16(ip + 10, h_csum(ip, hlen, 0));
}

size_t h_build_ip4(uint8_t *f, const uint8_t *eth_src, uint32_t src, uint32_t dst, uint8_t proto,
		   const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + 14;

	ck_assert(l4len <= 65535 - 20);
	h_eth(f, h_our_mac, eth_src, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	be16(ip + 2, (uint16_t)(20 + l4len));
	be16(ip + 4, 0x1234);
	be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	be32(ip + 12, src);
	be32(ip + 16, dst);
	h_ip4_fix_csum(f);
	if (l4len && l4 != ip + 20)
		memmove(ip + 20, l4, l4len);
	return 14 + 20 + l4len;
}

size_t h_build_echo(uint8_t *f, const uint8_t *eth_src, uint32_t src, uint32_t dst, uint16_t id,
		    uint16_t seq, const uint8_t *data, size_t len)
{
	uint8_t *m = f + 34;

	m[0] = 8;
	m[1] = 0;
	be16(m + 2, 0);
	be16(m + 4, id);
	be16(m + 6, seq);
	if (len)
		memcpy(m + 8, data, len);
	be16(m + 2, h_csum(m, 8 + len, 0));
	return h_build_ip4(f, eth_src, src, dst, 1, m, 8 + len);
}

size_t h_build_tcp(uint8_t *f, const struct h_tcp *t)
{
	uint8_t *th = f + 34, o[40];
	size_t olen = 0, hlen;

	if (t->mss) {
		o[olen++] = 2;
		o[olen++] = 4;
		be16(o + olen, t->mss);
		olen += 2;
	}
	if (t->ts) {
		o[olen++] = t->sack_ok ? 4 : 1; /* SACK-permitted fills the TS padding */
		o[olen++] = t->sack_ok ? 2 : 1;
		o[olen++] = 8;
		o[olen++] = 10;
		be32(o + olen, t->tsval);
		be32(o + olen + 4, t->tsecr);
		olen += 8;
	} else if (t->sack_ok) {
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 4;
		o[olen++] = 2;
	}
	if ((t->flags & H_SYN) && t->wscale >= 0) {
		o[olen++] = 1;
		o[olen++] = 3;
		o[olen++] = 3;
		o[olen++] = (uint8_t)t->wscale;
	}
	if (t->nsack) {
		ck_assert_uint_le(t->nsack, H_MAX_SACK);
		ck_assert_uint_le(olen + 4 + 8 * t->nsack, sizeof(o));
		o[olen++] = 1;
		o[olen++] = 1;
		o[olen++] = 5;
		o[olen++] = (uint8_t)(2 + 8 * t->nsack);
		for (unsigned b = 0; b < t->nsack; b++, olen += 8) {
			be32(o + olen, t->sack[b].start);
			be32(o + olen + 4, t->sack[b].end);
		}
	}
	hlen = 20 + olen;
	ck_assert(t->len <= 65535 - 20 - hlen);
	memset(th, 0, 20);
	be16(th, t->sport);
	be16(th + 2, t->dport);
	be32(th + 4, t->seq);
	be32(th + 8, t->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = t->flags;
	be16(th + 14, t->win);
	memcpy(th + 20, o, olen);
	if (t->len)
		memcpy(th + hlen, t->data, t->len);
	be16(th + 16, h_csum(th, hlen + t->len, h_pseudo(t->src, t->dst, 6, hlen + t->len)));
	return h_build_ip4(f, h_peer_mac, t->src, t->dst, 6, th, hlen + t->len);
}

void h_learn(struct harness *h, uint32_t ip, const uint8_t *mac)
{
	uint8_t f[60];

	h_input(h, f, h_build_arp(f, h_our_mac, 2, mac, ip, h_our_mac, H_OUR_IP));
	h_flush(h);
	h_clear(h);
}

/* ---- parsing ---- */

int h_frame_is(const struct h_frame *f, uint16_t ethertype, int ipproto)
{
	if (f->len < 14 || rd16(f->data + 12) != ethertype)
		return 0;
	if (ipproto < 0)
		return 1;
	return f->len >= 34 && f->data[14 + 9] == ipproto;
}

static const struct h_frame *h_nth(const struct harness *h, uint16_t type, int proto, size_t i)
{
	for (size_t k = 0; k < h->nsent; k++)
		if (h_frame_is(&h->sent[k], type, proto) && i-- == 0)
			return &h->sent[k];
	ck_abort_msg("no frame #%zu of type %04x/%d (%zu frames sent)", i, type, proto, h->nsent);
	return NULL;
}

static size_t h_count(const struct harness *h, uint16_t type, int proto)
{
	size_t n = 0;

	for (size_t k = 0; k < h->nsent; k++)
		n += (size_t)h_frame_is(&h->sent[k], type, proto);
	return n;
}

size_t h_ntcp(const struct harness *h)
{
	return h_count(h, 0x0800, 6);
}

size_t h_nicmp(const struct harness *h)
{
	return h_count(h, 0x0800, 1);
}

size_t h_narp(const struct harness *h, uint16_t op)
{
	size_t n = 0;

	for (size_t k = 0; k < h->nsent; k++) {
		const struct h_frame *f = &h->sent[k];

		if (h_frame_is(f, 0x0806, -1) && f->len >= 14 + 28 &&
		    (!op || rd16(f->data + 14 + 6) == op))
			n++;
	}
	return n;
}

/* Check the IPv4 header of a frame we sent; returns the header (20 bytes, no options). */
static const uint8_t *h_check_ip(const struct harness *h, const struct h_frame *f)
{
	const uint8_t *ip = f->data + 14;

	ck_assert_uint_ge(f->len, 34);
	ck_assert_mem_eq(f->data + 6, h->cfg.mac, 6);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(rd16(ip + 2), f->len - 14);
	ck_assert_uint_eq(h_csum(ip, 20, 0), 0);
	ck_assert_uint_eq(rd32(ip + 12), h->cfg.addr);
	ck_assert_uint_gt(ip[8], 0);
	return ip;
}

void h_tcp(const struct harness *h, size_t i, struct h_seg *s)
{
	const struct h_frame *f = h_nth(h, 0x0800, 6, i);
	const uint8_t *ip = h_check_ip(h, f), *th = ip + 20;
	size_t l4len = f->len - 34, off;

	ck_assert_uint_ge(l4len, 20);
	memset(s, 0, sizeof(*s));
	memcpy(s->eth_dst, f->data, 6);
	s->src = rd32(ip + 12);
	s->dst = rd32(ip + 16);
	s->ip_len = rd16(ip + 2);
	ck_assert_msg(h_csum(th, l4len, h_pseudo(s->src, s->dst, 6, l4len)) == 0,
		      "bad TCP checksum in a frame we sent");
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	off = (size_t)(th[12] >> 4) * 4;
	ck_assert_uint_ge(off, 20);
	ck_assert_uint_le(off, l4len);
	s->flags = th[13];
	s->win = rd16(th + 14);
	s->wscale = -1;
	s->opt = th + 20;
	s->optlen = off - 20;
	for (size_t k = 20; k < off;) {
		size_t olen;

		if (th[k] == 0)
			break;
		if (th[k] == 1) {
			k++;
			continue;
		}
		ck_assert_uint_lt(k + 1, off);
		olen = th[k + 1];
		ck_assert_uint_ge(olen, 2);
		ck_assert_uint_le(k + olen, off);
		switch (th[k]) {
		case 2:
			ck_assert_uint_eq(olen, 4);
			s->has_mss = 1;
			s->mss = rd16(th + k + 2);
			break;
		case 3:
			ck_assert_uint_eq(olen, 3);
			s->wscale = th[k + 2];
			break;
		case 4:
			ck_assert_uint_eq(olen, 2);
			s->sack_ok = 1;
			break;
		case 5:
			ck_assert_msg(olen >= 10 && (olen - 2) % 8 == 0 &&
					      (olen - 2) / 8 <= H_MAX_SACK,
				      "SACK option of length %zu", olen);
			s->nsack = (unsigned)(olen - 2) / 8;
			for (unsigned b = 0; b < s->nsack; b++) {
				s->sack[b].start = rd32(th + k + 2 + 8 * b);
				s->sack[b].end = rd32(th + k + 6 + 8 * b);
			}
			break;
		case 8:
			ck_assert_uint_eq(olen, 10);
			s->ts = 1;
			s->tsval = rd32(th + k + 2);
			s->tsecr = rd32(th + k + 6);
			break;
		default:
			break;
		}
		k += olen;
	}
	s->data = th + off;
	s->len = l4len - off;
}

void h_last_tcp(const struct harness *h, struct h_seg *s)
{
	size_t n = h_ntcp(h);

	ck_assert_msg(n > 0, "no TCP frame sent");
	h_tcp(h, n - 1, s);
}

void h_arp(const struct harness *h, size_t i, struct h_arp *a)
{
	const struct h_frame *f = h_nth(h, 0x0806, -1, i);
	const uint8_t *p = f->data + 14;

	ck_assert_uint_ge(f->len, 14 + 28);
	memset(a, 0, sizeof(*a));
	memcpy(a->eth_dst, f->data, 6);
	memcpy(a->eth_src, f->data + 6, 6);
	ck_assert_uint_eq(rd16(p), 1);
	ck_assert_uint_eq(rd16(p + 2), 0x0800);
	ck_assert_uint_eq(p[4], 6);
	ck_assert_uint_eq(p[5], 4);
	a->op = rd16(p + 6);
	memcpy(a->sha, p + 8, 6);
	a->spa = rd32(p + 14);
	memcpy(a->tha, p + 18, 6);
	a->tpa = rd32(p + 24);
}

void h_icmp(const struct harness *h, size_t i, struct h_icmp *m)
{
	const struct h_frame *f = h_nth(h, 0x0800, 1, i);
	const uint8_t *ip = h_check_ip(h, f), *p = ip + 20;
	size_t len = f->len - 34;

	ck_assert_uint_ge(len, 8);
	ck_assert_msg(h_csum(p, len, 0) == 0, "bad ICMP checksum in a frame we sent");
	memset(m, 0, sizeof(*m));
	memcpy(m->eth_dst, f->data, 6);
	m->src = rd32(ip + 12);
	m->dst = rd32(ip + 16);
	m->ip_len = rd16(ip + 2);
	m->type = p[0];
	m->code = p[1];
	m->id = rd16(p + 4);
	m->seq = rd16(p + 6);
	m->data = p + 8;
	m->len = len - 8;
}

/* ---- a TCP peer ---- */

void h_conn_init(struct h_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->raddr = H_PEER_IP;
	c->rport = H_PEER_PORT;
	c->irs = 0x20000000u;
	c->win = 65535;
	c->peer_mss = 1460;
	c->peer_wscale = -1;
	c->ts_clock = 0x10000000u;
}

/* What the peer echoes in TSecr: our last TSval on the connection (0 before any). */
static uint32_t h_peer_tsecr(struct harness *h, const struct h_conn *c)
{
	int i = h_ts_slot(h, c->raddr, c->lport, c->rport, 0);

	if (c->ts_hold)
		return c->ts_echo;
	return i < 0 ? 0 : h->ts_sent[i].tsval;
}

/* h_peer_seg() with a SACK option of nsack blocks. */
static void h_peer_seg_sack(struct harness *h, const struct h_conn *c, uint8_t flags,
			    uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *data,
			    size_t len, unsigned nsack, const struct h_sack *sack)
{
	static uint8_t f[H_FRAME_MAX];
	struct h_tcp t = {
		.src = c->raddr, .dst = H_OUR_IP, .sport = c->rport, .dport = c->lport,
		.seq = seq, .ack = ack, .flags = flags, .win = win, .data = data, .len = len,
		.wscale = -1, .nsack = nsack,
	};

	if (c->ts) {
		t.ts = 1;
		t.tsval = c->ts_clock + (uint32_t)h->now;
		t.tsecr = h_peer_tsecr(h, c);
	}
	ck_assert_uint_le(nsack, H_MAX_SACK);
	if (nsack)
		memcpy(t.sack, sack, nsack * sizeof(*sack));
	h_input(h, f, h_build_tcp(f, &t));
}

void h_peer_seg(struct harness *h, const struct h_conn *c, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t win, const uint8_t *data, size_t len)
{
	h_peer_seg_sack(h, c, flags, seq, ack, win, data, len, 0, NULL);
}

void h_peer_send(struct harness *h, struct h_conn *c, uint8_t flags, const uint8_t *data,
		 size_t len)
{
	flags |= H_ACK;
	h_peer_seg(h, c, flags, c->seq, c->ack, c->win, data, len);
	c->seq += (uint32_t)len + !!(flags & H_SYN) + !!(flags & H_FIN);
	if (flags & H_FIN)
		c->fin_sent = 1;
}

void h_peer_ack(struct harness *h, struct h_conn *c, uint32_t ack)
{
	c->ack = ack;
	h_peer_seg(h, c, H_ACK, c->seq, c->ack, c->win, NULL, 0);
}

void h_peer_sack(struct harness *h, struct h_conn *c, uint32_t ack, unsigned nblocks, ...)
{
	struct h_sack sack[H_MAX_SACK];
	va_list ap;

	ck_assert_uint_le(nblocks, H_MAX_SACK);
	va_start(ap, nblocks);
	for (unsigned b = 0; b < nblocks; b++) {
		sack[b].start = va_arg(ap, uint32_t);
		sack[b].end = va_arg(ap, uint32_t);
	}
	va_end(ap);
	c->ack = ack;
	h_peer_seg_sack(h, c, H_ACK, c->seq, c->ack, c->win, NULL, 0, nblocks, sack);
}

struct tcb *h_establish(struct harness *h, struct h_conn *c)
{
	static uint8_t f[H_FRAME_MAX];
	struct h_seg s;
	struct h_tcp t;
	int err = 0, syn_ts;

	h_clear(h);
	c->fin_sent = 0;
	c->ts = 0;
	c->tp = tcp_connect(h->st, c->raddr, c->rport, c->user, h->now, &err);
	ck_assert_msg(c->tp != NULL, "tcp_connect failed: %d", err);
	if (h_narp(h, 1)) {
		struct h_arp a;

		h_arp(h, 0, &a);
		ck_assert_uint_eq(h_ntcp(h), 0); /* the SYN waits for the answer */
		h_input(h, f,
			h_build_arp(f, h_our_mac, 2,
				    a.tpa == c->raddr ? h_peer_mac : h_gw_mac, a.tpa, h_our_mac,
				    H_OUR_IP));
	}
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_SYN);
	ck_assert_uint_eq(s.dst, c->raddr);
	ck_assert_uint_eq(s.dport, c->rport);
	c->lport = s.sport;
	c->iss = s.seq;
	syn_ts = s.ts;
	h_flush(h);
	h_advance(h, c->rtt_ms); /* the SYN may go again meanwhile */
	h_clear(h);

	t = (struct h_tcp){ .src = c->raddr, .dst = H_OUR_IP, .sport = c->rport,
			    .dport = c->lport, .seq = c->irs, .ack = c->iss + 1,
			    .flags = H_SYN | H_ACK, .win = c->win, .mss = c->peer_mss,
			    .wscale = c->peer_wscale, .sack_ok = c->peer_sack, .ts = c->peer_ts };
	if (c->peer_ts) {
		t.tsval = c->ts_clock + (uint32_t)h->now;
		t.tsecr = h_peer_tsecr(h, c);
	}
	c->ts = c->peer_ts && syn_ts;
	h_input(h, f, h_build_tcp(f, &t));
	c->seq = c->irs + 1;
	c->ack = c->iss + 1;
	h_flush(h);
	ck_assert_uint_eq(h_ntcp(h), 1);
	h_tcp(h, 0, &s);
	ck_assert_uint_eq(s.flags, H_ACK);
	ck_assert_uint_eq(s.seq, c->iss + 1);
	ck_assert_uint_eq(s.ack, c->irs + 1);
	ck_assert_int_eq(s.ts, c->ts); /* RFC 7323 3.2: only when both SYNs had it */
	if (c->ts)
		ck_assert_uint_eq(s.tsecr, t.tsval);
	ck_assert_int_eq(tcp_state(c->tp), 1); /* TCP_ESTABLISHED */
	ck_assert_uint_eq(h_events(h, c->tp), TCP_EV_CONNECTED);
	h_clear(h);
	return c->tp;
}

void h_finish(struct harness *h, struct h_conn *c)
{
	unsigned ntcbs = stack_tcb_count(h->st);
	size_t n0 = h_ntcp(h);
	struct tcp_stat ts;
	struct h_seg s;
	uint32_t fin;
	int found = 0;

	tcp_get_stat(c->tp, &ts);
	tcp_release(c->tp);
	c->tp = NULL;
	h_flush(h);
	for (size_t i = n0; i < h_ntcp(h); i++) {
		h_tcp(h, i, &s);
		if (s.flags & H_RST)
			goto out;
		if (s.flags & H_FIN) {
			fin = s.seq + (uint32_t)s.len;
			found = 1;
		}
	}
	if (ts.state == H_CLOSE)
		goto out;
	if (!found) {
		/* our FIN went before the release */
		ck_assert_msg(ts.state == H_FIN_WAIT1 || ts.state == H_FIN_WAIT2 ||
				      ts.state == H_CLOSING || ts.state == H_LAST_ACK ||
				      ts.state == H_TIME_WAIT,
			      "no FIN after tcp_release in state %d", ts.state);
		fin = ts.snd_nxt - 1;
	}
	if (ts.state != H_TIME_WAIT) {
		c->ack = fin + 1;
		h_peer_seg(h, c, c->fin_sent ? H_ACK : H_FIN | H_ACK, c->seq, c->ack, c->win,
			   NULL, 0);
		if (!c->fin_sent)
			c->seq++;
		c->fin_sent = 1;
		h_flush(h);
	}
	h_advance(h, h->cfg.time_wait_ms);
out:
	ck_assert_uint_eq(stack_tcb_count(h->st), ntcbs - 1);
}

size_t h_read(struct tcb *tp, uint8_t *buf, size_t max)
{
	struct iovec iov[2];
	size_t n = tcp_rcv_data(tp, iov), done = 0;

	for (int i = 0; i < 2 && done < max; i++) {
		size_t k = iov[i].iov_len < max - done ? iov[i].iov_len : max - done;

		memcpy(buf + done, iov[i].iov_base, k);
		done += k;
	}
	ck_assert_uint_ge(n, done);
	tcp_rcv_consume(tp, done);
	return done;
}

size_t h_write(struct tcb *tp, size_t len, uint32_t off)
{
	struct iovec iov[2];
	size_t space = tcp_snd_space(tp, iov), done = 0;

	if (len > space)
		len = space;
	for (int i = 0; i < 2 && done < len; i++) {
		size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		h_pattern(iov[i].iov_base, k, off + (uint32_t)done);
		done += k;
	}
	tcp_snd_commit(tp, done);
	return done;
}

/* H = F(4-tuple, key) of RFC 6528, as proto/tcp_subr.c computes it. */
static uint32_t h_isn_hash(const struct harness *h, uint16_t lport, uint32_t raddr,
			   uint16_t rport)
{
	uint8_t t[12];

	t[0] = H_OUR_IP >> 24;
	t[1] = (H_OUR_IP >> 16) & 0xff;
	t[2] = (H_OUR_IP >> 8) & 0xff;
	t[3] = H_OUR_IP & 0xff;
	t[4] = (uint8_t)(lport >> 8);
	t[5] = (uint8_t)lport;
	t[6] = (uint8_t)(raddr >> 24);
	t[7] = (uint8_t)(raddr >> 16);
	t[8] = (uint8_t)(raddr >> 8);
	t[9] = (uint8_t)raddr;
	t[10] = (uint8_t)(rport >> 8);
	t[11] = (uint8_t)rport;
	return (uint32_t)siphash24(h->st->isn_key, t, sizeof(t));
}

uint32_t h_isn(const struct harness *h, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return (uint32_t)(h->now * 250) + h_isn_hash(h, lport, raddr, rport);
}

uint64_t h_time_for_isn(const struct harness *h, uint16_t lport, uint32_t raddr, uint16_t rport,
			uint32_t target)
{
	uint32_t x = (target - h_isn_hash(h, lport, raddr, rport)) & ~1u, inv = 125;

	/* Solve t * 250 == x (mod 2^32): t = (x / 2) * 125^-1 (mod 2^31). */
	for (int i = 0; i < 5; i++)
		inv *= 2 - 125 * inv; /* Newton: inverse of 125 modulo 2^32 */
	return ((uint64_t)((x >> 1) * inv) & 0x7fffffffu);
}

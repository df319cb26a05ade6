/* SPDX-License-Identifier: MIT */
/*
 * fuzz_input.c - libFuzzer harness for the packet input path (make fuzz).
 *
 *   make fuzz && build/fuzz/fuzz_input -max_total_time=600 corpus/
 *
 * Theory of operation: each input is a script of frames for a fresh stack
 * (10.0.0.1/24, gateway .254) that already has one ESTABLISHED connection
 * to 10.0.0.2:80, so TCP input reaches a real tcb, ICMP errors can name it
 * and its timers run.  A script is a sequence of records
 *
 *   u8 ctl | u8 advance | u16 len (big-endian) | len bytes of frame
 *
 * ctl bit 0: feed with STACK_IN_CSUM_OK; bit 1: fix the IPv4 and ICMP/TCP
 * checksums first (so the fuzzer need not learn the checksum to get past
 * it); bit 2: stack_flush() after the frame; bit 3: the connection's user
 * queues 1000 bytes (so there is data in flight to acknowledge, lose and
 * quote); bit 4: the user reads what arrived.  advance moves the clock
 * (ms, times 16 if bit 5) and runs the timers that fell due.  A short last
 * record is fed as it is.  Sanitizers catch what goes wrong; the xmit
 * callback checks that every frame sent fits the MTU.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "pkt.h"
#include "stack.h"

#define OUR_IP 0x0a000001u
#define PEER_IP 0x0a000002u
#define GW_IP 0x0a0000feu

static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 2 };

struct fctx {
	uint64_t now;
	uint32_t rng;
	uint8_t last[14 + 1500]; /* the last frame sent */
	size_t last_len;
	struct tcb *tp;
};

static void f_xmit(void *ctx, const uint8_t *frame, size_t len)
{
	struct fctx *c = ctx;

	if (len < 14 || len > sizeof(c->last))
		abort(); /* a frame the link cannot carry */
	memcpy(c->last, frame, len);
	c->last_len = len;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	struct fctx *c = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 17;
		c->rng ^= c->rng << 5;
		p[i] = (uint8_t)c->rng;
	}
}

static void f_event(void *ctx, struct tcb *tp, void *user, unsigned events)
{
	struct fctx *c = ctx;

	if (events & TCP_EV_CLOSED) {
		tcp_release(tp);
		if (c->tp == tp)
			c->tp = NULL;
	}
}

static void fix_csums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;
	size_t hlen, tlen;

	if (len < 34 || get_be16(f + 12) != 0x0800)
		return;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < 20 || 14 + hlen > len)
		return;
	put_be16(ip + 10, 0);
	put_be16(ip + 10, csum_fold(csum_partial(ip, hlen, 0)));
	tlen = get_be16(ip + 2);
	if (tlen < hlen || 14 + tlen > len || (get_be16(ip + 6) & 0x3fff))
		return;
	if (ip[9] == 1 && tlen - hlen >= 8) {
		put_be16(ip + hlen + 2, 0);
		put_be16(ip + hlen + 2, csum_fold(csum_partial(ip + hlen, tlen - hlen, 0)));
	} else if (ip[9] == 6 && tlen - hlen >= 20) {
		uint32_t ps = csum_pseudo4(get_be32(ip + 12), get_be32(ip + 16), 6,
					   (uint16_t)(tlen - hlen));

		put_be16(ip + hlen + 16, 0);
		put_be16(ip + hlen + 16, csum_fold(csum_partial(ip + hlen, tlen - hlen, ps)));
	}
}

/* Ethernet + IPv4 header from the peer for l4len bytes of protocol proto; returns 34. */
static size_t ip_hdr(uint8_t *f, uint8_t proto, size_t l4len)
{
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put_be16(f + 12, 0x0800);
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	put_be16(f + 16, (uint16_t)(20 + l4len));
	f[14 + 8] = 64;
	f[14 + 9] = proto;
	put_be32(f + 14 + 12, PEER_IP);
	put_be32(f + 14 + 16, OUR_IP);
	return 34;
}

/* A stack with an established connection to the peer, or NULL. */
static struct stack *setup(struct fctx *c)
{
	struct stack_io io = { .ctx = c, .xmit = f_xmit, .random = f_random, .tcp_event = f_event };
	struct stack_cfg cfg;
	struct stack *st;
	uint8_t f[64];
	uint16_t lport;
	uint32_t iss;
	int err;

	stack_cfg_defaults(&cfg);
	memcpy(cfg.mac, our_mac, 6);
	cfg.addr = OUR_IP;
	cfg.netmask = 0xffffff00u;
	cfg.gateway = GW_IP;
	cfg.frag_slots = 4; /* cheaper per input, and the limit is reachable */
	memset(c, 0, sizeof(*c));
	c->rng = 0x2545f491u;
	st = stack_new(&cfg, &io, 0);
	if (!st)
		return NULL;
	c->tp = tcp_connect(st, PEER_IP, 80, NULL, 0, &err);
	if (!c->tp)
		goto fail;
	/* the ARP reply that lets the SYN go */
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put_be16(f + 12, 0x0806);
	put_be16(f + 14, 1);
	put_be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put_be16(f + 20, 2);
	memcpy(f + 22, peer_mac, 6);
	put_be32(f + 28, PEER_IP);
	memcpy(f + 32, our_mac, 6);
	put_be32(f + 38, OUR_IP);
	memset(f + 42, 0, 18);
	stack_input(st, f, 60, 0, 0);
	if (c->last_len < 54 || c->last[14 + 9] != 6 || c->last[14 + 20 + 13] != 0x02)
		goto fail;
	lport = get_be16(c->last + 34);
	iss = get_be32(c->last + 34 + 4);
	/* the SYN/ACK */
	ip_hdr(f, 6, 20);
	memset(f + 34, 0, 20);
	put_be16(f + 34, 80);
	put_be16(f + 36, lport);
	put_be32(f + 38, 1000);
	put_be32(f + 42, iss + 1);
	f[46] = 0x50;
	f[47] = 0x12;
	put_be16(f + 48, 65535);
	fix_csums(f, 54);
	stack_input(st, f, 54, 0, 0);
	stack_flush(st, 0);
	if (!c->tp || tcp_state(c->tp) != 1)
		goto fail;
	return st;
fail:
	stack_free(st);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[14 + 65535];
	struct fctx c;
	struct stack *st = setup(&c);
	size_t off = 0;

	if (!st)
		abort(); /* the fixed handshake must work */
	while (off < size) {
		uint8_t ctl = data[off], adv = off + 1 < size ? data[off + 1] : 0;
		size_t len = off + 3 < size ? get_be16(data + off + 2) : 0;

		off += 4;
		if (off > size)
			off = size;
		len = MIN(len, size - off);
		memcpy(frame, data + off, len);
		off += len;
		if (ctl & 0x02)
			fix_csums(frame, len);
		stack_input(st, frame, len, (ctl & 0x01) ? STACK_IN_CSUM_OK : 0, c.now);
		if ((ctl & 0x08) && c.tp) {
			struct iovec iov[2];
			size_t n = MIN(tcp_snd_space(c.tp, iov), (size_t)1000), k0;

			k0 = MIN(n, iov[0].iov_len);
			memset(iov[0].iov_base, 'x', k0);
			memset(iov[1].iov_base, 'y', n - k0);
			tcp_snd_commit(c.tp, n);
		}
		if ((ctl & 0x10) && c.tp) {
			struct iovec iov[2];

			tcp_rcv_consume(c.tp, tcp_rcv_data(c.tp, iov));
		}
		if (ctl & 0x04)
			stack_flush(st, c.now);
		c.now += (uint64_t)adv * ((ctl & 0x20) ? 16 : 1);
		while (stack_next_deadline(st) <= c.now)
			stack_timer(st, stack_next_deadline(st));
		stack_flush(st, c.now);
	}
	if (c.tp)
		tcp_release(c.tp);
	stack_free(st);
	return 0;
}

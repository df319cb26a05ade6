/* SPDX-License-Identifier: MIT */
/*
 * arp.c - address resolution for IPv4 over Ethernet.
 *
 * Theory of operation: a small fixed table of neighbours.  An address we need
 * but do not know becomes INCOMPLETE: we broadcast a request every
 * arp_retry_ms, up to arp_retries times, and hold up to ARP_QLEN packets for
 * it in a preallocated pool.  An answer makes it REACHABLE for arp_ttl_ms and
 * releases the held packets in order.  If nobody answers, the held packets
 * are dropped and TCP is told, so connections waiting in SYN-SENT fail with
 * EHOSTUNREACH as on Linux.  An expired entry that is still in use turns
 * STALE: we keep using its MAC while asking again (like Linux's STALE/PROBE),
 * so a long transfer does not stall every arp_ttl_ms; if the neighbour stays
 * silent the entry is deleted.
 *
 * We learn from every request or reply addressed to us (RFC 826 "merge"),
 * and answer requests for our own address.
 */
#include <stdlib.h>
#include <string.h>

#include "arp.h"
#include "eth.h"
#include "stack_var.h"
#include "tcp.h"

int arp_init(struct stack *st)
{
	struct arp_cache *c = &st->arp;

	memset(c, 0, sizeof(*c));
	c->qframe = ETH_HLEN + (size_t)st->cfg.mtu;
	c->qmem = malloc(ARP_POOL * c->qframe);
	return c->qmem ? 0 : -1;
}

void arp_free(struct stack *st)
{
	free(st->arp.qmem);
	st->arp.qmem = NULL;
}

static struct arp_entry *arp_find(struct stack *st, uint32_t ip)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->arp.e); i++)
		if (st->arp.e[i].state != ARP_FREE && st->arp.e[i].ip == ip)
			return &st->arp.e[i];
	return NULL;
}

const struct arp_entry *arp_lookup(const struct stack *st, uint32_t ip)
{
	return arp_find((struct stack *)(uintptr_t)st, ip);
}

/* A free slot, else the REACHABLE or STALE entry closest to expiry; NULL if all are resolving. */
static struct arp_entry *arp_alloc(struct stack *st)
{
	struct arp_entry *victim = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(st->arp.e); i++) {
		struct arp_entry *e = &st->arp.e[i];

		if (e->state == ARP_FREE)
			return e;
		if (e->state != ARP_INCOMPLETE && (!victim || e->deadline < victim->deadline))
			victim = e;
	}
	return victim;
}

static void arp_send(struct stack *st, uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *dst)
{
	uint8_t f[60] = { 0 }; /* minimum Ethernet frame, zero padded */
	uint8_t *a = f + ETH_HLEN;

	put_be16(a, 1);			/* hardware: Ethernet */
	put_be16(a + 2, ETHERTYPE_IPV4); /* protocol: IPv4 */
	a[4] = ETH_ALEN;
	a[5] = 4;
	put_be16(a + 6, op);
	memcpy(a + 8, st->cfg.mac, ETH_ALEN);
	put_be32(a + 14, st->cfg.addr);
	memcpy(a + 18, tha, ETH_ALEN);
	put_be32(a + 24, tpa);
	if (op == ARP_OP_REQUEST)
		STAT_INC(st, arp_requests_sent);
	else
		STAT_INC(st, arp_replies_sent);
	eth_output(st, f, sizeof(f), dst, ETHERTYPE_ARP);
}

static void arp_request(struct stack *st, struct arp_entry *e)
{
	static const uint8_t zero[ETH_ALEN];

	e->tries++;
	e->deadline = st->now + st->cfg.arp_retry_ms;
	arp_send(st, ARP_OP_REQUEST, zero, e->ip, eth_broadcast);
}

/* Drop every packet held for ip; returns how many. */
static unsigned arp_queue_drop(struct stack *st, uint32_t ip)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARP_POOL; i++)
		if (st->arp.q[i].nexthop == ip) {
			st->arp.q[i].nexthop = 0;
			n++;
		}
	STAT_ADD(st, arp_queue_drop, n);
	return n;
}

/* Send the packets held for e, oldest first. */
static void arp_queue_flush(struct stack *st, struct arp_entry *e)
{
	for (;;) {
		struct arp_qslot *first = NULL;

		for (size_t i = 0; i < ARP_POOL; i++) {
			struct arp_qslot *s = &st->arp.q[i];

			if (s->nexthop == e->ip &&
			    (!first || (int32_t)(s->order - first->order) < 0))
				first = s;
		}
		if (!first)
			return;
		first->nexthop = 0;
		eth_output(st, st->arp.qmem + (size_t)(first - st->arp.q) * st->arp.qframe,
			   first->len, e->mac, ETHERTYPE_IPV4);
	}
}

static void arp_update(struct stack *st, struct arp_entry *e, uint32_t ip, const uint8_t *mac)
{
	int was_incomplete = e->state == ARP_INCOMPLETE;

	if (e->state == ARP_FREE || was_incomplete)
		STAT_INC(st, arp_resolved);
	e->ip = ip;
	memcpy(e->mac, mac, ETH_ALEN);
	e->state = ARP_REACHABLE;
	e->tries = 0;
	e->deadline = st->now + st->cfg.arp_ttl_ms;
	if (was_incomplete)
		arp_queue_flush(st, e);
}

void arp_input(struct stack *st, const struct pkt *p, const uint8_t *src)
{
	const uint8_t *a = pkt_get(p, 0, ARP_LEN);
	struct arp_entry *e;
	uint32_t spa, tpa;
	uint16_t op;

	STAT_INC(st, arp_rx);
	if (!a || get_be16(a) != 1 || get_be16(a + 2) != ETHERTYPE_IPV4 || a[4] != ETH_ALEN ||
	    a[5] != 4) {
		STAT_INC(st, arp_drop_malformed);
		return;
	}
	op = get_be16(a + 6);
	spa = get_be32(a + 14);
	tpa = get_be32(a + 24);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		STAT_INC(st, arp_drop_malformed);
		return;
	}
	/* Never learn a broadcast/multicast sender MAC or our own address. */
	if ((a[8] & 1) || spa == st->cfg.addr) {
		STAT_INC(st, arp_drop_malformed);
		return;
	}

	/* RFC 826: update the sender if known ("merge"), add it if we are the target. */
	e = spa ? arp_find(st, spa) : NULL;
	if (e)
		arp_update(st, e, spa, a + 8);
	if (tpa != st->cfg.addr)
		return;
	if (!e && spa && (e = arp_alloc(st)) != NULL) {
		if (e->state != ARP_FREE)
			arp_queue_drop(st, e->ip);
		e->state = ARP_FREE;
		arp_update(st, e, spa, a + 8);
	}
	if (op == ARP_OP_REQUEST)
		arp_send(st, ARP_OP_REPLY, a + 8, spa, src);
}

void arp_output(struct stack *st, uint8_t *frame, size_t len, uint32_t nexthop)
{
	struct arp_entry *e = arp_find(st, nexthop);
	struct arp_qslot *slot = NULL;
	unsigned held = 0;

	if (e && e->state == ARP_REACHABLE && st->now >= e->deadline) {
		/* Expired while in use: keep sending, but ask again. */
		STAT_INC(st, arp_expired);
		e->state = ARP_STALE;
		e->tries = 0;
		arp_request(st, e);
	}
	if (e && e->state != ARP_INCOMPLETE) {
		eth_output(st, frame, len, e->mac, ETHERTYPE_IPV4);
		return;
	}
	if (!e) {
		e = arp_alloc(st);
		if (!e) {
			STAT_INC(st, arp_cache_full);
			STAT_INC(st, arp_queue_drop);
			return;
		}
		if (e->state != ARP_FREE)
			arp_queue_drop(st, e->ip);
		memset(e, 0, sizeof(*e));
		e->ip = nexthop;
		e->state = ARP_INCOMPLETE;
		arp_request(st, e);
	}

	for (size_t i = 0; i < ARP_POOL; i++) {
		if (st->arp.q[i].nexthop == nexthop)
			held++;
		else if (!st->arp.q[i].nexthop && !slot)
			slot = &st->arp.q[i];
	}
	if (!slot || held >= ARP_QLEN || len > st->arp.qframe) {
		STAT_INC(st, arp_queue_drop);
		return;
	}
	slot->nexthop = nexthop;
	slot->order = st->arp.qorder++;
	slot->len = (uint16_t)len;
	memcpy(st->arp.qmem + (size_t)(slot - st->arp.q) * st->arp.qframe, frame, len);
}

void arp_timer(struct stack *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->arp.e); i++) {
		struct arp_entry *e = &st->arp.e[i];
		uint32_t ip = e->ip;

		if ((e->state != ARP_INCOMPLETE && e->state != ARP_STALE) || st->now < e->deadline)
			continue;
		if (e->tries < st->cfg.arp_retries) {
			arp_request(st, e);
			continue;
		}
		if (e->state == ARP_INCOMPLETE) {
			/* Nobody answered: fail what waits for this neighbour. */
			STAT_INC(st, arp_failed);
			arp_queue_drop(st, ip);
			e->state = ARP_FREE;
			tcp_host_unreachable(st, ip);
		} else {
			e->state = ARP_FREE;
		}
	}
}

uint64_t arp_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;

	for (size_t i = 0; i < ARRAY_SIZE(st->arp.e); i++) {
		const struct arp_entry *e = &st->arp.e[i];

		if ((e->state == ARP_INCOMPLETE || e->state == ARP_STALE) && e->deadline < d)
			d = e->deadline;
	}
	return d;
}

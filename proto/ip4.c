/* SPDX-License-Identifier: MIT */
/*
 * ip4.c - IPv4 input and output.
 *
 * Input checks follow RFC 1122 3.2.1: version, header length, total length
 * against what was received (Ethernet may pad short packets, so we trim to
 * the total length), header checksum, and a destination that is ours.
 * Fragments go to ip4_frag.c, which hands a completed datagram back to
 * ip4_deliver() like any other.  The header checksum is always verified:
 * checksum offload (PACKET_AUXDATA) only ever concerns the transport
 * checksum.
 *
 * Output: one route decision (on-link or via the gateway), the header, then
 * ARP.  We set DF on everything TCP and ICMP send, as Linux does for TCP.
 * UDP goes through ip4_output_frag(): without DF, since nothing here keeps
 * a path MTU per destination to act on "fragmentation needed" (Linux's
 * IP_PMTUDISC_DONT), and a datagram longer than the MTU is cut into
 * fragments of the largest multiple of 8 bytes that fits (RFC 791 3.2), as
 * Linux sends UDP datagrams of up to 65507 bytes.  The fragments are built
 * in place in st->tx: the headers of fragment k go in the 34 bytes just
 * before its data, over the tail of fragment k-1, which has been handed to
 * ARP (sent or copied into its queue) by then.
 */
#include <errno.h>

#include "csum.h"
#include "icmp.h"
#include "ip4.h"
#include "stack_var.h"
#include "tcp.h"
#include "udp.h"

static int ip4_is_ours(const struct stack *st, uint32_t dst)
{
	uint32_t bcast = st->cfg.addr | ~st->cfg.netmask;

	return dst == st->cfg.addr || dst == 0xffffffffu || dst == bcast;
}

void ip4_input(struct stack *st, const struct pkt *p, unsigned flags)
{
	const uint8_t *h = pkt_get(p, 0, IP4_HLEN);
	struct ip4_info ii;
	struct pkt payload;
	size_t hlen, tlen;
	uint16_t frag;

	STAT_INC(st, ip_rx);
	if (!h) {
		STAT_INC(st, ip_drop_short);
		return;
	}
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if ((h[0] >> 4) != 4 || hlen < IP4_HLEN) {
		STAT_INC(st, ip_drop_version);
		return;
	}
	tlen = get_be16(h + 2);
	if (tlen < hlen || tlen > p->len) {
		STAT_INC(st, ip_drop_len);
		return;
	}
	if (!(h = pkt_get(p, 0, hlen))) { /* the options too, from here on */
		STAT_INC(st, ip_drop_short);
		return;
	}
	if (csum_fold(csum_partial(h, hlen, 0)) != 0) {
		STAT_INC(st, ip_drop_csum);
		return;
	}
	ii.src = get_be32(h + 12);
	ii.dst = get_be32(h + 16);
	ii.proto = h[9];
	ii.ttl = h[8];
	ii.hdr = h;
	ii.hlen = hlen;
	if (!ip4_is_ours(st, ii.dst)) {
		STAT_INC(st, ip_drop_notours);
		return;
	}
	/* RFC 1122 3.2.1.3: a source that is broadcast, multicast or zero is discarded. */
	if (ii.src == 0 || ii.src == 0xffffffffu || (ii.src >> 28) == 0xe ||
	    ii.src == (st->cfg.addr | ~st->cfg.netmask)) {
		STAT_INC(st, ip_drop_badsrc);
		return;
	}
	payload = pkt_sub(p, hlen, tlen - hlen);
	frag = get_be16(h + 6);
	if (frag & (IP4_MF | IP4_OFFMASK)) {
		ip4_frag_input(st, h, hlen, &payload, &ii, flags);
		return;
	}
	ip4_deliver(st, &payload, &ii, flags);
}

void ip4_deliver(struct stack *st, const struct pkt *payload, const struct ip4_info *ii,
		 unsigned flags)
{
	switch (ii->proto) {
	case IPPROTO_ICMP_:
		icmp_input(st, payload, ii, flags);
		break;
	case IPPROTO_TCP_:
		/* Broadcast never carries TCP (RFC 1122 4.2.3.10). */
		if (ii->dst != st->cfg.addr) {
			STAT_INC(st, ip_drop_notours);
			break;
		}
		tcp_input(st, payload, ii, flags);
		break;
	case IPPROTO_UDP_:
		udp_input(st, payload, ii, flags); /* broadcast too (RFC 1122 3.3.6) */
		break;
	default:
		STAT_INC(st, ip_drop_proto);
		break;
	}
}

int ip4_route(const struct stack *st, uint32_t dst, uint32_t *nexthop)
{
	if (dst == 0 || (dst >> 24) == 127 || (dst >> 28) >= 0xe)
		return -ENETUNREACH;
	if ((dst & st->cfg.netmask) == (st->cfg.addr & st->cfg.netmask)) {
		*nexthop = dst;
		return 0;
	}
	if (st->cfg.gateway) {
		*nexthop = st->cfg.gateway;
		return 0;
	}
	return -ENETUNREACH;
}

uint8_t *ip4_tx_payload(struct stack *st)
{
	return st->tx + ETH_HLEN + IP4_HLEN;
}

/* Write the IPv4 header into frame (Ethernet header space first) for plen bytes and send it. */
static void ip4_send(struct stack *st, uint8_t *frame, size_t plen, uint32_t dst, uint8_t proto,
		     uint16_t id, uint16_t frag, uint32_t nexthop)
{
	uint8_t *h = frame + ETH_HLEN;

	h[0] = 0x45;
	h[1] = 0;
	put_be16(h + 2, (uint16_t)(IP4_HLEN + plen));
	put_be16(h + 4, id);
	put_be16(h + 6, frag);
	h[8] = IP4_TTL;
	h[9] = proto;
	put_be16(h + 10, 0);
	put_be32(h + 12, st->cfg.addr);
	put_be32(h + 16, dst);
	put_be16(h + 10, csum_fold(csum_partial(h, IP4_HLEN, 0)));
	STAT_INC(st, ip_tx);
	arp_output(st, frame, ETH_HLEN + IP4_HLEN + plen, nexthop);
}

int ip4_output(struct stack *st, size_t l4len, uint32_t dst, uint8_t proto)
{
	uint32_t nexthop;
	int err = ip4_route(st, dst, &nexthop);

	if (err) {
		STAT_INC(st, ip_noroute);
		return err;
	}
	ip4_send(st, st->tx, l4len, dst, proto, st->ip_id++, IP4_DF, nexthop);
	return 0;
}

int ip4_output_frag(struct stack *st, size_t l4len, uint32_t dst, uint8_t proto)
{
	/* RFC 791: every fragment but the last carries a multiple of 8 bytes. */
	const size_t fs = ((size_t)st->cfg.mtu - IP4_HLEN) & ~(size_t)7;
	uint32_t nexthop;
	uint16_t id;
	int err;

	if (l4len > IP4_MAXLEN - IP4_HLEN)
		return -EMSGSIZE;
	err = ip4_route(st, dst, &nexthop);
	if (err) {
		STAT_INC(st, ip_noroute);
		return err;
	}
	id = st->ip_id++;
	if (IP4_HLEN + l4len <= st->cfg.mtu) {
		ip4_send(st, st->tx, l4len, dst, proto, id, 0, nexthop);
		return 0;
	}
	for (size_t off = 0; off < l4len; off += fs) {
		size_t n = MIN(fs, l4len - off);
		uint16_t frag = (uint16_t)(off / 8) | (off + n < l4len ? IP4_MF : 0);

		/* st->tx + off: this fragment's data starts ETH_HLEN + IP4_HLEN after it. */
		ip4_send(st, st->tx + off, n, dst, proto, id, frag, nexthop);
		STAT_INC(st, ip_frag_created);
	}
	STAT_INC(st, ip_fragmented);
	return 0;
}

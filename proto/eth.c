/* SPDX-License-Identifier: MIT */
/*
 * eth.c - Ethernet II input and output.
 *
 * We accept frames addressed to our MAC or to broadcast; multicast is not
 * used by IPv4 unicast TCP, so it is dropped and counted.  Frames may be
 * longer than the MTU when the kernel hands us GRO-merged segments; the
 * layers above trust only their own length fields, never the frame size.
 */
#include <string.h>

#include "arp.h"
#include "eth.h"
#include "ip4.h"
#include "stack_var.h"

const uint8_t eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_input(struct stack *st, const struct pkt *frame, unsigned flags)
{
	const uint8_t *h = pkt_get(frame, 0, ETH_HLEN);
	struct pkt payload;

	STAT_INC(st, eth_rx);
	if (!h) {
		STAT_INC(st, eth_drop_short);
		return;
	}
	if (memcmp(h, st->cfg.mac, ETH_ALEN) && memcmp(h, eth_broadcast, ETH_ALEN)) {
		STAT_INC(st, eth_drop_notours);
		return;
	}
	if (!memcmp(h, eth_broadcast, ETH_ALEN))
		flags |= ETH_IN_BCAST;
	payload = pkt_sub(frame, ETH_HLEN, frame->len);
	switch (get_be16(h + 12)) {
	case ETHERTYPE_IPV4:
		ip4_input(st, &payload, flags);
		break;
	case ETHERTYPE_ARP:
		arp_input(st, &payload, h + ETH_ALEN);
		break;
	default:
		STAT_INC(st, eth_drop_type);
		break;
	}
}

void eth_output(struct stack *st, uint8_t *frame, size_t len, const uint8_t *dst, uint16_t type)
{
	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + ETH_ALEN, st->cfg.mac, ETH_ALEN);
	put_be16(frame + 12, type);
	STAT_INC(st, eth_tx);
	st->io.xmit(st->io.ctx, frame, len);
}

/* SPDX-License-Identifier: MIT */
/* eth.h - Ethernet II framing. */
#ifndef USTACK_ETH_H
#define USTACK_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define ETH_HLEN 14
#define ETH_ALEN 6
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

/* Input flag added by eth_input(): the frame was a link-layer broadcast (RFC 1122 3.2.2). */
#define ETH_IN_BCAST 0x100

struct stack;

extern const uint8_t eth_broadcast[ETH_ALEN];

/* Demultiplex one received frame by EtherType. */
void eth_input(struct stack *st, const struct pkt *frame, unsigned flags);
/* Write the Ethernet header at frame[0] (from our MAC to dst) and send it. */
void eth_output(struct stack *st, uint8_t *frame, size_t len, const uint8_t *dst, uint16_t type);

#endif /* USTACK_ETH_H */

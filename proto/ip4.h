/* SPDX-License-Identifier: MIT */
/* ip4.h - IPv4 (RFC 791): wire format, input checks, routing and output. */
#ifndef USTACK_IP4_H
#define USTACK_IP4_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define IP4_HLEN 20 /* header without options: all we send */
#define IP4_TTL 64
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IP4_DF 0x4000
#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff

struct stack;

/* What ip4_input() hands the transport protocols. */
struct ip4_info {
	uint32_t src, dst; /* host byte order */
	uint8_t proto;
	uint8_t ttl;
};

/* Check and demultiplex one IPv4 packet (the Ethernet payload). */
void ip4_input(struct stack *st, const struct pkt *p, unsigned flags);
/* The next hop for dst: 0 and *nexthop, or -ENETUNREACH. */
int ip4_route(const struct stack *st, uint32_t dst, uint32_t *nexthop);
/*
 * Send the transport payload of l4len bytes already written at
 * st->tx + ETH_HLEN + IP4_HLEN: fill in the IPv4 header and pass the frame
 * on to ARP.  Returns 0 or -ENETUNREACH.
 */
int ip4_output(struct stack *st, size_t l4len, uint32_t dst, uint8_t proto);
/* Where the transport header of an outgoing packet starts. */
uint8_t *ip4_tx_payload(struct stack *st);

#endif /* USTACK_IP4_H */

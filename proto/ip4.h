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
#define IPPROTO_UDP_ 17
#define IP4_DF 0x4000
#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff
#define IP4_MAXLEN 65535 /* the total length field is 16 bits (RFC 791) */

struct stack;

/* What ip4_input() hands the transport protocols. */
struct ip4_info {
	uint32_t src, dst; /* host byte order */
	uint8_t proto;
	uint8_t ttl;
	const uint8_t *hdr; /* the IPv4 header as received (of fragment zero), to quote in errors */
	size_t hlen;
};

/* Check and demultiplex one IPv4 packet (the Ethernet payload). */
void ip4_input(struct stack *st, const struct pkt *p, unsigned flags);
/* Hand a whole datagram's payload to its transport protocol. */
void ip4_deliver(struct stack *st, const struct pkt *payload, const struct ip4_info *ii,
		 unsigned flags);
/* The next hop for dst: 0 and *nexthop, or -ENETUNREACH. */
int ip4_route(const struct stack *st, uint32_t dst, uint32_t *nexthop);
/*
 * Send the transport payload of l4len bytes already written at
 * st->tx + ETH_HLEN + IP4_HLEN: fill in the IPv4 header and pass the frame
 * on to ARP.  Returns 0 or -ENETUNREACH.
 */
int ip4_output(struct stack *st, size_t l4len, uint32_t dst, uint8_t proto);
/*
 * The same for a datagram protocol (UDP): no DF, and a payload too big for
 * one frame leaves in fragments (RFC 791 3.2).  Returns 0, -ENETUNREACH, or
 * -EMSGSIZE over 65535 bytes with the header.
 */
int ip4_output_frag(struct stack *st, size_t l4len, uint32_t dst, uint8_t proto);
/* Where the transport header of an outgoing packet starts. */
uint8_t *ip4_tx_payload(struct stack *st);

/* ---- ip4_frag.c: reassembly (RFC 791, RFC 815) ---- */

#define IP4_FRAG_SLOTS 16	   /* default datagrams in reassembly at once */
#define IP4_FRAG_SLOTS_MAX 1024	   /* upper bound of stack_cfg.frag_slots */
#define IP4_FRAG_TIMEOUT_MS 30000 /* default reassembly timeout (Linux ipfrag_time) */

/* Allocate the reassembly pool (the only allocation reassembly does); 0 or -1. */
int ip4_frag_init(struct stack *st);
void ip4_frag_free(struct stack *st);
/*
 * One fragment: h is its checked IPv4 header (hlen bytes), payload its data,
 * ii its addresses.  A datagram it completes goes to ip4_deliver().
 */
void ip4_frag_input(struct stack *st, const uint8_t *h, size_t hlen, const struct pkt *payload,
		    const struct ip4_info *ii, unsigned flags);
/* Drop reassemblies that timed out (time exceeded to the sender, RFC 1122 3.3.2). */
void ip4_frag_timer(struct stack *st);
/* When the oldest reassembly times out, or UINT64_MAX. */
uint64_t ip4_frag_deadline(const struct stack *st);
/* Datagrams in reassembly right now (tests check the pool drains). */
unsigned ip4_frag_count(const struct stack *st);

#endif /* USTACK_IP4_H */

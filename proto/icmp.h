/* SPDX-License-Identifier: MIT */
/* icmp.h - ICMP for IPv4 (RFC 792): echo, and errors in both directions. */
#ifndef USTACK_ICMP_H
#define USTACK_ICMP_H

#include "ip4.h"
#include "pkt.h"

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_SOURCEQUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_PARAMPROB 12
#define ICMP_HLEN 8

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812 5.2.7.1). */
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4 /* next-hop MTU in bytes 6-7 (RFC 1191 4) */
#define ICMP_UNREACH_SRCFAIL 5
#define ICMP_UNREACH_NET_UNKNOWN 6
#define ICMP_UNREACH_HOST_UNKNOWN 7
#define ICMP_UNREACH_ISOLATED 8
#define ICMP_UNREACH_NET_PROHIB 9
#define ICMP_UNREACH_HOST_PROHIB 10
#define ICMP_UNREACH_TOSNET 11
#define ICMP_UNREACH_TOSHOST 12
#define ICMP_UNREACH_FILTER_PROHIB 13
#define ICMP_UNREACH_HOST_PRECEDENCE 14
#define ICMP_UNREACH_PRECEDENCE_CUTOFF 15

/* Time exceeded codes */
#define ICMP_TIMXCEED_INTRANS 0
#define ICMP_TIMXCEED_REASS 1

/* Error rate limit: one per millisecond, bursts of 50 (Linux's icmp_msgs_per_sec/_burst). */
#define ICMP_ERR_BURST 50

/* The smallest MTU a router may report that we act on (Linux's min_pmtu). */
#define ICMP_MIN_PMTU 552

struct stack;

void icmp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags);
/*
 * Send an ICMP error of type/code to dst quoting orig (the offending
 * datagram's IPv4 header and at least its first 8 data bytes, RFC 792).
 * The caller has checked that RFC 1122 3.2.2 allows an error at all;
 * errors over the rate limit are counted and not sent.
 */
void icmp_send_error(struct stack *st, uint8_t type, uint8_t code, uint32_t dst,
		     const uint8_t *orig, size_t origlen);
/* True for the ICMP types that report errors (RFC 1122 3.2.2: never answer those with one). */
int icmp_is_error(uint8_t type);

#endif /* USTACK_ICMP_H */

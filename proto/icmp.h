/* SPDX-License-Identifier: MIT */
/* icmp.h - ICMP for IPv4 (RFC 792). */
#ifndef USTACK_ICMP_H
#define USTACK_ICMP_H

#include "ip4.h"
#include "pkt.h"

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_HLEN 8

struct stack;

void icmp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags);

#endif /* USTACK_ICMP_H */

/* SPDX-License-Identifier: MIT */
/* arp.h - ARP (RFC 826) for IPv4 over Ethernet: wire format and the neighbour cache. */
#ifndef USTACK_ARP_H
#define USTACK_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define ARP_LEN 28	   /* Ethernet/IPv4 ARP packet */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_CACHE_SIZE 64  /* neighbours we remember */
#define ARP_QLEN 8	   /* packets held per address being resolved */
#define ARP_POOL 64	   /* packets held in all */

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE, /* request sent, no answer yet: packets are queued */
	ARP_REACHABLE,	/* answered; valid until deadline */
	ARP_STALE,	/* expired but still used while we ask again */
};

struct arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state;
	uint8_t tries;	   /* requests sent in this resolution */
	uint64_t deadline; /* REACHABLE: expiry; INCOMPLETE/STALE: next request */
};

struct arp_qslot {
	uint32_t nexthop; /* 0: free */
	uint32_t order;	  /* FIFO order among queued packets */
	uint16_t len;
};

struct arp_cache {
	struct arp_entry e[ARP_CACHE_SIZE];
	struct arp_qslot q[ARP_POOL];
	uint8_t *qmem;	   /* ARP_POOL frames of qframe bytes, allocated once */
	size_t qframe;
	uint32_t qorder;
};

struct stack;

int arp_init(struct stack *st);
void arp_free(struct stack *st);
/* Handle one ARP packet (the Ethernet payload); src is the frame's source MAC. */
void arp_input(struct stack *st, const struct pkt *p, const uint8_t *src);
/*
 * Send an IPv4 frame (Ethernet header space at frame[0]) to nexthop: at once
 * if its MAC is known, else queued until resolution (or dropped and counted).
 */
void arp_output(struct stack *st, uint8_t *frame, size_t len, uint32_t nexthop);
void arp_timer(struct stack *st);
uint64_t arp_deadline(const struct stack *st);
/* The cached entry for ip, or NULL (tests and status). */
const struct arp_entry *arp_lookup(const struct stack *st, uint32_t ip);

#endif /* USTACK_ARP_H */

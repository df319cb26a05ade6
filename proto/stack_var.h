/* SPDX-License-Identifier: MIT */
/*
 * stack_var.h - the stack's internal state, shared by the protocol modules.
 *
 * Only the proto/ modules include this.  TCP's per-connection state lives apart in
 * tcp_var.h, which only the tcp_* modules include.
 */
#ifndef USTACK_STACK_VAR_H
#define USTACK_STACK_VAR_H

#include <sys/queue.h>

#include "arp.h"
#include "eth.h"
#include "stack.h"

#define TCP_HASH_SIZE 1024 /* buckets of the connection table (power of two) */

struct tcb;
struct ip4_frag_pool;
struct udp_tab;
LIST_HEAD(tcb_list, tcb);
TAILQ_HEAD(tcb_tailq, tcb);

struct stack {
	struct stack_cfg cfg;
	struct stack_io io;
	uint64_t now; /* ms, the time of the call being processed */
	uint64_t stats[STAT_MAX];

	struct arp_cache arp;
	struct ip4_frag_pool *frag; /* IPv4 reassembly (ip4_frag.c) */
	struct udp_tab *udp;	    /* UDP sockets (udp.c) */
	uint64_t icmp_err_time;	    /* ICMP error rate limit (icmp.c): last refill */
	uint32_t icmp_err_debt;	    /* tokens taken and not refilled yet */

	/* TCP */
	struct tcb_list tcb_hash[TCP_HASH_SIZE]; /* synchronized or opening tcbs by 4-tuple */
	struct tcb_tailq tcbs;			 /* every allocated tcb */
	struct tcb_list tcb_listen;		 /* listeners (LISTEN), by port */
	struct tcb_tailq tcb_pending;		 /* tcbs with events or output to handle */
	struct tcb *cb_tcb; /* the tcb whose user callback is running */
	uint8_t isn_key[16]; /* RFC 6528 secret */
	uint64_t challenge_start; /* RFC 5961 7: the current one-second window */
	uint32_t challenge_count;
	unsigned ntcbs;
	uint16_t ip_id;

	/* One frame being built: Ethernet + IPv4 + transport, up to 64 KiB. */
	uint8_t tx[ETH_HLEN + 65536];
};

#define STAT_INC(st, name) ((st)->stats[STAT_##name]++)
#define STAT_ADD(st, name, n) ((st)->stats[STAT_##name] += (n))

#endif /* USTACK_STACK_VAR_H */

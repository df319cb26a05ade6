/* SPDX-License-Identifier: MIT */
/*
 * udp.h - UDP wire format (RFC 768) and the entry points other protocol
 * modules call.  The socket state (struct udp_pcb) is private to udp.c; the
 * user's interface is in stack.h.
 *
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   source port   |    dest port    |
 *  +--------+--------+--------+--------+
 *  |     length      |    checksum     |
 *  +--------+--------+--------+--------+
 *
 * Length counts the header and the data; checksum 0 means "none" (RFC 768),
 * so a computed 0 is sent as 0xffff.
 */
#ifndef USTACK_UDP_H
#define USTACK_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "ip4.h"
#include "pkt.h"

#define UDP_HLEN 8
#define UDP_HASH_SIZE 1024 /* buckets of the port table (power of two) */
#define UDP_EPHEMERAL_LO 32768 /* Linux's ip_local_port_range, as TCP's */
#define UDP_EPHEMERAL_HI 60999
#define UDP_RCVBUF_MIN 2304 /* Linux's SOCK_MIN_RCVBUF */

struct stack;

int udp_init(struct stack *st);
/* Free every pcb (stack_free()). */
void udp_free(struct stack *st);
/* One datagram (the IPv4 payload) for us, unicast or broadcast. */
void udp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags);
/*
 * An ICMP error quoting our datagram from lport to raddr:rport (icmp.c has
 * checked that we sent it).
 */
void udp_icmp_error(struct stack *st, uint16_t lport, uint32_t raddr, uint16_t rport, uint8_t type,
		    uint8_t code);
/* Deliver deferred events (stack_flush(), stack_timer()). */
void udp_run_pending(struct stack *st);
/* Bytes of receive queues allocated right now (tests check that close frees them). */
size_t udp_mem(const struct stack *st);

#endif /* USTACK_UDP_H */

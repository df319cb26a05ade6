/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - TCP wire format (RFC 9293 3.1) and the entry points other
 * protocol modules call.  Connection state is in tcp_var.h, which non-TCP
 * code must not include.
 */
#ifndef USTACK_TCP_H
#define USTACK_TCP_H

#include <stdint.h>

#include "ip4.h"
#include "pkt.h"

#define TCP_HLEN 20 /* header without options */
#define TCP_MAXOLEN 40

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MAXSEG 2
#define TCPOLEN_MAXSEG 4
#define TCPOPT_WINDOW 3 /* RFC 7323 2 */
#define TCPOLEN_WINDOW 3
#define TCPOPT_SACK_PERMITTED 4 /* RFC 2018 2 */
#define TCPOLEN_SACK_PERMITTED 2
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8 /* RFC 7323 3 */
#define TCPOLEN_TIMESTAMP 10
#define TCPOLEN_TSTAMP_APPA 12 /* NOP NOP TS: RFC 7323 appendix A layout */
#define TCP_MAX_WINSHIFT 14
#define TCP_MAX_SACK 4 /* blocks in one option */

#define TCP_DEFAULT_MSS 536 /* RFC 9293 3.7.1: when the peer sends no MSS option */

/* Sequence space arithmetic, modulo 2^32 (RFC 9293 3.4). */
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

/* A received segment, parsed and checked. */
struct tcp_seg {
	uint32_t src, dst; /* IPv4, host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint16_t mss; /* MSS option, 0 if absent */
	int8_t wscale; /* window scale option, -1 if absent */
	uint8_t sack_ok; /* SACK-permitted option seen */
	uint8_t ts_ok;	 /* timestamps option seen */
	uint8_t nsack;
	uint32_t tsval, tsecr;
	struct {
		uint32_t start, end;
	} sack[TCP_MAX_SACK];
	const uint8_t *data;
	uint32_t len; /* payload bytes */
};

/* SEG.LEN: payload plus one for each of SYN and FIN. */
static inline uint32_t tcp_seg_len(const struct tcp_seg *s)
{
	return s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

struct stack;

/*
 * Parse the TCP header of p into s and check its checksum unless
 * STACK_IN_CSUM_OK is in flags.  Returns 0, or -1 after counting the drop.
 */
int tcp_parse(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags,
	      struct tcp_seg *s);
void tcp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags);
/* ARP gave up on nexthop: connections still opening through it fail (EHOSTUNREACH). */
void tcp_host_unreachable(struct stack *st, uint32_t nexthop);
/* An ICMP error quoting our segment laddr:lport -> raddr:rport at seq (tcp_icmp.c). */
void tcp_icmp_error(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport, uint32_t seq, uint8_t type, uint8_t code, uint16_t nexthop_mtu);
void tcp_timer(struct stack *st);
uint64_t tcp_deadline(const struct stack *st);
/* Deliver deferred events and output; free connections that are done. */
void tcp_run_pending(struct stack *st);
void tcp_free_all(struct stack *st);

#endif /* USTACK_TCP_H */

/* SPDX-License-Identifier: MIT */
/*
 * tcp_icmp.c - what an ICMP error means for a TCP connection (RFC 1122
 * 4.2.3.9, RFC 1191, RFC 5461, RFC 5927).
 *
 * Theory of operation: icmp.c has bounds-checked the quoted datagram and
 * made sure we sent it; tcp_icmp_error() gets the quoted segment's 4-tuple
 * and sequence number and the message's type and code, and
 *
 *  1. finds the connection and checks that the quoted sequence number is
 *     one we sent and is not yet acknowledged, SND.UNA <= SEQ < SND.MAX
 *     (RFC 5927 4.1; SND.MAX rather than SND.NXT because SND.NXT moves back
 *     on retransmission): a blind attacker would have to guess it, and an
 *     error about acknowledged data is stale anyway;
 *
 *  2. fragmentation needed (RFC 1191): the path cannot carry our segments.
 *     The MSS drops to the reported MTU minus the headers - never raised
 *     (RFC 1191 3), never below what a 552-byte MTU allows (Linux's
 *     min_pmtu: smaller reports are more likely forged than true) - and
 *     everything from SND.UNA goes again at once in the smaller size,
 *     since the router discarded it and no timeout would say so sooner
 *     (RFC 1191 6.4).  It is not congestion: cwnd and ssthresh stay;
 *
 *  3. any other error, before the connection is synchronized (SYN-SENT,
 *     SYN-RECEIVED): the attempt ends with the errno Linux reports
 *     (ECONNREFUSED for port unreachable, EHOSTUNREACH, ENETUNREACH, ...).
 *     RFC 1122 4.2.3.9 calls only protocol and port unreachable hard, but
 *     stacks - Linux and the BSDs - abort connection attempts on soft
 *     errors too (RFC 5461 4.1): connect() then fails in one round trip
 *     instead of after every SYN retry.  The sequence check makes this
 *     safe: the quote must carry our ISS;
 *
 *  4. any other error once synchronized: soft.  The connection keeps
 *     retransmitting and ends only if its timers give up.  RFC 1122 would
 *     abort on protocol and port unreachable, but RFC 5927 7.2 recommends
 *     treating them as soft in synchronized states, and Linux does: without
 *     IP_RECVERR it only keeps them in sk_err_soft, which SO_ERROR does not
 *     show and which replaces ETIMEDOUT if the connection later times out.
 *
 * Soft errors are not stored in so_error: that is what SO_ERROR returns,
 * and the shim turns a pending one into the result of a connect or the
 * error of the next call, while Linux shows nothing for a soft error on a
 * live connection.  They go to soft_error (Linux's sk_err_soft), which
 * becomes the connection's error if it later times out.
 */
#include <errno.h>

#include "icmp.h"
#include "tcp_var.h"

/* Linux's icmp_err_convert[] (net/ipv4/icmp.c): the errno of each unreachable code. */
static const int unreach_errno[] = {
	[ICMP_UNREACH_NET] = ENETUNREACH,
	[ICMP_UNREACH_HOST] = EHOSTUNREACH,
	[ICMP_UNREACH_PROTOCOL] = ENOPROTOOPT,
	[ICMP_UNREACH_PORT] = ECONNREFUSED,
	[ICMP_UNREACH_NEEDFRAG] = EMSGSIZE,
	[ICMP_UNREACH_SRCFAIL] = EOPNOTSUPP,
	[ICMP_UNREACH_NET_UNKNOWN] = ENETUNREACH,
	[ICMP_UNREACH_HOST_UNKNOWN] = EHOSTDOWN,
	[ICMP_UNREACH_ISOLATED] = ENONET,
	[ICMP_UNREACH_NET_PROHIB] = ENETUNREACH,
	[ICMP_UNREACH_HOST_PROHIB] = EHOSTUNREACH,
	[ICMP_UNREACH_TOSNET] = ENETUNREACH,
	[ICMP_UNREACH_TOSHOST] = EHOSTUNREACH,
	[ICMP_UNREACH_FILTER_PROHIB] = EHOSTUNREACH,
	[ICMP_UNREACH_HOST_PRECEDENCE] = EHOSTUNREACH,
	[ICMP_UNREACH_PRECEDENCE_CUTOFF] = EHOSTUNREACH,
};

/* The errno for an error message, or 0 for one TCP does not act on. */
static int tcp_icmp_errno(uint8_t type, uint8_t code)
{
	switch (type) {
	case ICMP_UNREACH:
		return code < ARRAY_SIZE(unreach_errno) ? unreach_errno[code] : 0;
	case ICMP_TIMXCEED:
		return EHOSTUNREACH; /* as Linux: a routing loop or a too small TTL */
	case ICMP_PARAMPROB:
		return EPROTO;
	default:
		return 0;
	}
}

/* Fragmentation needed for tp: the path's MTU is mtu (RFC 1191). */
static void tcp_icmp_pmtu(struct tcb *tp, uint16_t mtu)
{
	struct stack *st = tp->st;
	uint32_t mss = (uint32_t)MAX(mtu, ICMP_MIN_PMTU) - IP4_HLEN - TCP_HLEN;

	if (mss >= tp->mss) {
		STAT_INC(st, icmp_tcp_pmtu_ignored); /* RFC 1191 3: never raise the estimate */
		return;
	}
	STAT_INC(st, icmp_tcp_pmtu);
	tp->mss = (uint16_t)mss;
	if (!TCPS_HAVEESTABLISHED(tp->state))
		return; /* the SYN was small: only what follows needs the new size */
	/*
	 * RFC 1191 6.4: resend at once, go-back-N from SND.UNA.  Any recovery
	 * in progress ends as after a timeout (its scoreboard describes the
	 * segments that were too big), without the timeout's cwnd collapse;
	 * no RTT sample from the resent data (Karn).
	 */
	tcp_loss_timeout(tp);
	tp->rtt_timing = 0;
	tp->snd_nxt = tp->snd_una;
	tcp_need_output(tp);
}

void tcp_icmp_error(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport, uint32_t seq, uint8_t type, uint8_t code, uint16_t nexthop_mtu)
{
	struct tcb *tp = tcb_lookup(st, laddr, lport, raddr, rport);
	int err;

	if (!tp) {
		STAT_INC(st, icmp_tcp_noconn);
		return;
	}
	if (tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN) {
		STAT_INC(st, icmp_tcp_ignored);
		return;
	}
	/* RFC 5927 4.1: only about a segment in flight. */
	if (SEQ_LT(seq, tp->snd_una) || SEQ_GEQ(seq, tp->snd_max)) {
		STAT_INC(st, icmp_tcp_badseq);
		return;
	}
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		tcp_icmp_pmtu(tp, nexthop_mtu);
		return;
	}
	err = tcp_icmp_errno(type, code);
	if (!err) {
		STAT_INC(st, icmp_tcp_ignored);
		return;
	}
	if (!TCPS_HAVEESTABLISHED(tp->state)) {
		STAT_INC(st, icmp_tcp_hard);
		STAT_INC(st, tcp_conn_failed);
		tcp_drop(tp, err);
		return;
	}
	STAT_INC(st, icmp_tcp_soft);
	tp->soft_error = err;
}

/* SPDX-License-Identifier: MIT */
/*
 * icmp.c - ICMP input and error output.
 *
 * Theory of operation: echo requests are answered (so `ping` works against
 * ustack).  Error messages - destination unreachable, time exceeded and
 * parameter problem - quote the IPv4 header and at least the first 8 data
 * bytes of a datagram we sent (RFC 792, RFC 1122 3.2.2); the quote is as
 * untrusted as the rest of the frame, so it is bounds-checked and must name
 * us as its source before TCP hears of it.  TCP then finds the connection by
 * the quoted 4-tuple and checks the quoted sequence number (RFC 5927 4.1):
 * tcp_icmp.c decides what the error means for the connection.  Everything
 * else (source quench, which RFC 6633 deprecates; redirects, which a host
 * with one gateway does not need; replies) is counted and ignored.
 *
 * UDP errors go to udp.c the same way (udp_icmp_error()), by the quoted ports.
 *
 * The errors we send are time exceeded for a reassembly that timed out
 * (RFC 792, RFC 1122 3.3.2) and port unreachable for a UDP datagram no
 * socket wants (RFC 1122 4.1.3.1), built by icmp_send_error() at most
 * 1000 a second in bursts of ICMP_ERR_BURST (RFC 1812 4.3.2.8; Linux's
 * icmp_global_allow() with its defaults), so a flood of datagrams to a
 * closed port cannot turn us into a flood of errors.
 *
 * The ICMP checksum covers the whole message and is never offloaded by a
 * veth peer, so it is always verified.  Messages to a broadcast address are
 * not acted on: echo requests are not answered (RFC 1122 3.2.2.6 allows
 * silence; it avoids smurf floods) and an error has no business there.
 */
#include <string.h>

#include "csum.h"
#include "icmp.h"
#include "stack_var.h"
#include "tcp.h"
#include "udp.h"

int icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIMXCEED || type == ICMP_PARAMPROB;
}

static void icmp_echo(struct stack *st, const struct pkt *p, const struct ip4_info *ii)
{
	uint8_t *out;

	if (p->len > (size_t)st->cfg.mtu - IP4_HLEN) {
		STAT_INC(st, icmp_drop_short);
		return;
	}
	/* RFC 792: the reply is the request with type 0, same identifier, sequence and data. */
	out = ip4_tx_payload(st);
	memcpy(out, p->data, p->len);
	out[0] = ICMP_ECHOREPLY;
	out[1] = 0;
	put_be16(out + 2, 0);
	put_be16(out + 2, csum_fold(csum_partial(out, p->len, 0)));
	if (ip4_output(st, p->len, ii->src, IPPROTO_ICMP_) == 0)
		STAT_INC(st, icmp_echo_replies);
}

/*
 * The MTU of the next hop for a fragmentation-needed message h about a
 * datagram of orig_len bytes.  RFC 1191 4 puts it in the low half of the
 * second word; a router older than RFC 1191 leaves that zero, and then
 * RFC 1191 5 has the host guess the plateau (table 7-1) below orig_len.
 */
static uint16_t icmp_nexthop_mtu(const uint8_t *h, uint16_t orig_len)
{
	static const uint16_t plateau[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296 };
	uint16_t mtu = get_be16(h + 6);

	if (mtu)
		return mtu;
	for (size_t i = 0; i < ARRAY_SIZE(plateau); i++)
		if (plateau[i] < orig_len)
			return plateau[i];
	return 68; /* RFC 791: every host link carries 68 bytes */
}

/* An error message h (type 3, 11 or 12) whose quote starts at ICMP_HLEN in p. */
static void icmp_error_input(struct stack *st, const struct pkt *p, const uint8_t *h)
{
	struct pkt q = pkt_sub(p, ICMP_HLEN, p->len - ICMP_HLEN);
	const uint8_t *ih = pkt_get(&q, 0, IP4_HLEN), *th;
	uint16_t mtu = 0;
	size_t ihl;

	STAT_INC(st, icmp_err_rx);
	if (!ih) {
		STAT_INC(st, icmp_err_short);
		return;
	}
	/*
	 * RFC 1122 3.2.2: the quote is the whole IPv4 header, options and all,
	 * then at least 8 bytes - for TCP the ports and the sequence number.
	 */
	ihl = (size_t)(ih[0] & 0x0f) * 4;
	if ((ih[0] >> 4) != 4 || ihl < IP4_HLEN || !(th = pkt_get(&q, ihl, 8))) {
		STAT_INC(st, icmp_err_short);
		return;
	}
	/* Only a first fragment starts with a transport header (we send DF anyway). */
	if (get_be16(ih + 6) & IP4_OFFMASK) {
		STAT_INC(st, icmp_err_short);
		return;
	}
	if (get_be32(ih + 12) != st->cfg.addr) {
		STAT_INC(st, icmp_err_notours);
		return;
	}
	if (ih[9] == IPPROTO_UDP_) {
		udp_icmp_error(st, get_be16(th), get_be32(ih + 16), get_be16(th + 2), h[0], h[1]);
		return;
	}
	if (ih[9] != IPPROTO_TCP_) {
		STAT_INC(st, icmp_err_proto);
		return;
	}
	if (h[0] == ICMP_UNREACH && h[1] == ICMP_UNREACH_NEEDFRAG)
		mtu = icmp_nexthop_mtu(h, get_be16(ih + 2));
	tcp_icmp_error(st, get_be32(ih + 12), get_be16(th), get_be32(ih + 16), get_be16(th + 2),
		       get_be32(th + 4), h[0], h[1], mtu);
}

void icmp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags)
{
	const uint8_t *h = pkt_get(p, 0, ICMP_HLEN);

	STAT_INC(st, icmp_rx);
	if (!h) {
		STAT_INC(st, icmp_drop_short);
		return;
	}
	if (csum_fold(csum_partial(p->data, p->len, 0)) != 0) {
		STAT_INC(st, icmp_drop_csum);
		return;
	}
	if (ii->dst != st->cfg.addr) {
		STAT_INC(st, icmp_drop_type);
		return;
	}
	switch (h[0]) {
	case ICMP_ECHO:
		icmp_echo(st, p, ii);
		break;
	case ICMP_UNREACH:
	case ICMP_TIMXCEED:
	case ICMP_PARAMPROB:
		icmp_error_input(st, p, h);
		break;
	default:
		STAT_INC(st, icmp_drop_type);
		break;
	}
}

/*
 * Whether the rate limit lets one more error go: a token bucket that gains
 * one token per millisecond and holds ICMP_ERR_BURST.  icmp_err_debt counts
 * the tokens taken and not yet regained, so a new stack starts full.
 */
static int icmp_err_allow(struct stack *st)
{
	uint64_t gained = st->now - st->icmp_err_time;

	st->icmp_err_time = st->now;
	st->icmp_err_debt = gained >= st->icmp_err_debt ? 0 : st->icmp_err_debt - (uint32_t)gained;
	if (st->icmp_err_debt >= ICMP_ERR_BURST)
		return 0;
	st->icmp_err_debt++;
	return 1;
}

void icmp_send_error(struct stack *st, uint8_t type, uint8_t code, uint32_t dst,
		     const uint8_t *orig, size_t origlen)
{
	uint8_t *out = ip4_tx_payload(st);
	size_t len;

	if (!icmp_err_allow(st)) {
		STAT_INC(st, icmp_err_ratelimited);
		return;
	}

	/* RFC 1812 4.3.2.3: as much of the datagram as fits in 576 bytes is allowed. */
	origlen = MIN(origlen, (size_t)576 - IP4_HLEN - ICMP_HLEN);
	len = ICMP_HLEN + origlen;
	out[0] = type;
	out[1] = code;
	memset(out + 2, 0, 6); /* checksum, then the unused word */
	memcpy(out + ICMP_HLEN, orig, origlen);
	put_be16(out + 2, csum_fold(csum_partial(out, len, 0)));
	if (ip4_output(st, len, dst, IPPROTO_ICMP_) == 0)
		STAT_INC(st, icmp_err_tx);
}

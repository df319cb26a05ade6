/* SPDX-License-Identifier: MIT */
/*
 * icmp.c - ICMP input: echo requests are answered (so `ping` works against
 * ustack); everything else is counted and ignored for now (destination
 * unreachable reaching sockets comes with the robustness work).
 *
 * The ICMP checksum covers the whole message and is never offloaded by a
 * veth peer, so it is always verified.  Echo requests to a broadcast address
 * are not answered (RFC 1122 3.2.2.6 allows silence; it avoids smurf floods).
 */
#include <string.h>

#include "csum.h"
#include "icmp.h"
#include "stack_var.h"

void icmp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags)
{
	const uint8_t *h = pkt_get(p, 0, ICMP_HLEN);
	uint8_t *out;

	STAT_INC(st, icmp_rx);
	if (!h) {
		STAT_INC(st, icmp_drop_short);
		return;
	}
	if (csum_fold(csum_partial(p->data, p->len, 0)) != 0) {
		STAT_INC(st, icmp_drop_csum);
		return;
	}
	if (h[0] != ICMP_ECHO || ii->dst != st->cfg.addr) {
		STAT_INC(st, icmp_drop_type);
		return;
	}
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

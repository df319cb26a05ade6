/* SPDX-License-Identifier: MIT */
/*
 * tcp_sack.c - loss recovery: SACK (RFC 2018) on both sides, fast
 * retransmit and fast recovery (RFC 5681) with NewReno partial ACKs
 * (RFC 6582), and SACK-based recovery (RFC 6675).
 *
 * Theory of operation.  Both ends keep sets of sequence ranges: the
 * receiver the out-of-order data it holds (reported in SACK blocks), the
 * sender what the peer reported holding (the scoreboard).  A sender enters
 * recovery on the third duplicate ACK, or, with SACK, as soon as more than
 * DupThresh - 1 = two segments' worth above SND.UNA are SACKed (RFC 6675
 * IsLost()).
 *
 * Without SACK it is NewReno: retransmit the first unacknowledged segment,
 * inflate cwnd by one segment per duplicate ACK so new data keeps the ACK
 * clock going, retransmit the next hole on every partial ACK, and leave
 * recovery when the ACK covers "recover" (SND.MAX at entry).
 *
 * With SACK it is RFC 6675's pipe algorithm, simplified the way most stacks
 * do it: every unSACKed byte below the highest SACKed one is taken as lost
 * once recovery starts, so pipe = outstanding - SACKed - (lost and not yet
 * retransmitted).  While cwnd > pipe we send the next hole (at rexmit_nxt),
 * and when no hole is left, new data.  A retransmission timeout ends
 * recovery and forgets the scoreboard (RFC 2018 8: the receiver may renege).
 */
#include <string.h>

#include "tcp_var.h"

#define DUPTHRESH 3 /* RFC 5681 / RFC 6675 DupThresh */

int seqset_add(struct seq_range *r, unsigned *n, unsigned max, uint32_t start, uint32_t end)
{
	unsigned i = 0, j;

	while (i < *n && SEQ_LT(r[i].end, start))
		i++;
	/* Ranges i..j-1 overlap or touch [start, end): they merge into slot i. */
	for (j = i; j < *n && SEQ_LEQ(r[j].start, end); j++) {
		start = SEQ_MIN(start, r[j].start);
		end = SEQ_MAX(end, r[j].end);
	}
	if (j == i) {
		if (*n == max)
			return -1;
		memmove(&r[i + 1], &r[i], (*n - i) * sizeof(*r));
		(*n)++;
	} else if (j > i + 1) {
		memmove(&r[i + 1], &r[j], (*n - j) * sizeof(*r));
		*n -= j - i - 1;
	}
	r[i].start = start;
	r[i].end = end;
	return (int)i;
}

void seqset_trim(struct seq_range *r, unsigned *n, uint32_t below)
{
	unsigned k = 0;

	while (k < *n && SEQ_LEQ(r[k].end, below))
		k++;
	memmove(&r[0], &r[k], (*n - k) * sizeof(*r));
	*n -= k;
	if (*n && SEQ_LT(r[0].start, below))
		r[0].start = below;
}

/*
 * The SACK option for an ACK we send (RFC 2018 4): NOP NOP SACK, the block
 * holding the newest out-of-order segment first, then the blocks changed
 * most recently before it, then any others.  Returns the bytes written to
 * out (0 if none or no room).
 */
size_t tcp_sack_blocks(const struct tcb *tp, uint8_t *out, size_t room)
{
	unsigned nb = 0, max, order[TCP_OOO_MAX], n = 0;
	uint32_t used = 0; /* bit i: range i is already in order[] */
	size_t len;

	if (!(tp->t_flags & TF_SACK) || !tp->nooo || room < 12)
		return 0;
	max = (unsigned)MIN((room - 4) / 8, (size_t)TCP_MAX_SACK);
	for (unsigned r = 0; r < tp->nrecent; r++)
		for (unsigned i = 0; i < tp->nooo; i++)
			if (!(used & (1u << i)) && SEQ_GEQ(tp->ooo_recent[r], tp->ooo[i].start) &&
			    SEQ_LT(tp->ooo_recent[r], tp->ooo[i].end)) {
				used |= 1u << i;
				order[n++] = i;
			}
	for (unsigned i = 0; i < tp->nooo; i++)
		if (!(used & (1u << i)))
			order[n++] = i;
	len = 4;
	out[0] = TCPOPT_NOP;
	out[1] = TCPOPT_NOP;
	out[2] = TCPOPT_SACK;
	for (unsigned k = 0; k < n && nb < max; k++, nb++) {
		put_be32(out + len, tp->ooo[order[k]].start);
		put_be32(out + len + 4, tp->ooo[order[k]].end);
		len += 8;
	}
	out[3] = (uint8_t)(2 + 8 * nb);
	return len;
}

uint32_t tcp_sacked_bytes(const struct tcb *tp)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < tp->nsacked; i++)
		n += tp->sacked[i].end - tp->sacked[i].start;
	return n;
}

/* Add the segment's SACK blocks to the scoreboard; returns 1 if it learned something. */
int tcp_sack_update(struct tcb *tp, const struct tcp_seg *s)
{
	uint32_t before = tcp_sacked_bytes(tp);

	if (!(tp->t_flags & TF_SACK))
		return 0;
	seqset_trim(tp->sacked, &tp->nsacked, tp->snd_una);
	for (unsigned b = 0; b < s->nsack; b++) {
		uint32_t start = s->sack[b].start, end = s->sack[b].end;

		/* RFC 2018 3: only blocks inside what we sent and not yet acknowledged. */
		if (!SEQ_LT(start, end) || SEQ_LEQ(end, tp->snd_una) || SEQ_GT(end, tp->snd_max))
			continue;
		start = SEQ_MAX(start, tp->snd_una);
		if (seqset_add(tp->sacked, &tp->nsacked, TCP_SACK_MAX, start, end) < 0)
			STAT_INC(tp->st, tcp_sack_overflow);
	}
	return tcp_sacked_bytes(tp) != before;
}

/* Highest SACKed sequence number + 1, or snd_una if nothing is SACKed. */
static uint32_t sack_high(const struct tcb *tp)
{
	return tp->nsacked ? tp->sacked[tp->nsacked - 1].end : tp->snd_una;
}

/* The first hole at or after seq below the highest SACKed byte: 0 and [*start, *end), or -1. */
static int sack_next_hole(const struct tcb *tp, uint32_t seq, uint32_t *start, uint32_t *end)
{
	uint32_t high = sack_high(tp);

	for (unsigned i = 0; i < tp->nsacked && SEQ_LT(seq, high); i++) {
		if (SEQ_LT(seq, tp->sacked[i].start)) {
			*start = seq;
			*end = tp->sacked[i].start;
			return 0;
		}
		seq = SEQ_MAX(seq, tp->sacked[i].end);
	}
	return -1;
}

/* RFC 6675 pipe: what we believe is still in the network. */
uint32_t tcp_sack_pipe(const struct tcb *tp)
{
	uint32_t out = tp->snd_max - tp->snd_una - tcp_sacked_bytes(tp);
	uint32_t seq = SEQ_MAX(tp->rexmit_nxt, tp->snd_una), hs, he, lost = 0;

	while (sack_next_hole(tp, seq, &hs, &he) == 0) {
		lost += he - hs;
		seq = he;
	}
	return out > lost ? out - lost : 0;
}

void tcp_retransmit_at(struct tcb *tp, uint32_t seq, uint32_t max)
{
	uint32_t data_end = tp->snd_buf_seq + tp->snd_len;
	uint32_t len = SEQ_LT(seq, data_end) ? MIN(MIN(data_end - seq, tcp_maxseg(tp)), max) : 0;
	uint8_t flags = TH_ACK;

	if ((tp->t_flags & TF_SENTFIN) && seq + len == tp->snd_fin)
		flags |= TH_FIN;
	if (!len && !(flags & TH_FIN))
		return;
	STAT_INC(tp->st, tcp_rexmit_segs);
	tp->total_retrans++;
	tcp_xmit(tp, seq, len, flags);
	if (!tp->t_rexmt)
		tcp_rexmt_start(tp);
}

static void recovery_enter(struct tcb *tp)
{
	struct stack *st = tp->st;

	STAT_INC(st, tcp_fast_retransmits);
	tp->ssthresh = tp->cc->ssthresh(tp);
	tp->recover = tp->snd_max;
	tp->t_flags |= TF_RECOVERY;
	tp->t_tlp = 0;
	tp->rtt_timing = 0; /* Karn */
	tp->rexmit_nxt = tp->snd_una;
	if ((tp->t_flags & TF_SACK) && tp->nsacked) {
		uint32_t hs, he;

		STAT_INC(st, tcp_sack_recoveries);
		tp->cwnd = tp->ssthresh; /* RFC 6675 5 (4.2) */
		/* (4.3): the first hole goes now, whatever pipe says; then (4.5) on to (C) */
		if (sack_next_hole(tp, tp->snd_una, &hs, &he) == 0) {
			tcp_retransmit_at(tp, hs, he - hs); /* only the hole, not SACKed bytes */
			tp->rexmit_nxt = hs + MIN(he - hs, tcp_maxseg(tp));
		}
		tcp_need_output(tp);
	} else {
		/* RFC 6582 3.2 step 2-3 */
		tp->cwnd = tp->ssthresh + DUPTHRESH * (uint32_t)tp->mss;
		tcp_retransmit_at(tp, tp->snd_una, UINT32_MAX);
	}
	tcp_rexmt_start(tp);
}

void tcp_loss_dupack(struct tcb *tp)
{
	int sack_lost = (tp->t_flags & TF_SACK) &&
			tcp_sacked_bytes(tp) > (DUPTHRESH - 1) * (uint32_t)tp->mss;

	tp->dupacks++;
	if (tp->t_flags & TF_RECOVERY) {
		if (!(tp->t_flags & TF_SACK) || !tp->nsacked)
			tp->cwnd += tp->mss; /* RFC 6582 3.2 step 4: inflate */
		tcp_need_output(tp);
		return;
	}
	/* RFC 6582 4.1: no new recovery for losses in the window already recovered. */
	if ((tp->dupacks >= DUPTHRESH || sack_lost) && SEQ_GT(tp->snd_una, tp->recover))
		recovery_enter(tp);
}

void tcp_loss_ack(struct tcb *tp, uint32_t acked)
{
	if (!(tp->t_flags & TF_RECOVERY)) {
		tp->dupacks = 0;
		tp->cc->ack(tp, acked);
		return;
	}
	if (SEQ_GEQ(tp->snd_una, tp->recover)) {
		/* Full ACK: RFC 6582 3.2 step 3, option (1). */
		uint32_t flight = tp->snd_max - tp->snd_una;

		tp->cwnd = MIN(tp->ssthresh, MAX(flight, (uint32_t)tp->mss) + tp->mss);
		tp->t_flags &= ~TF_RECOVERY;
		tp->dupacks = 0;
		tp->nsacked = 0;
		return;
	}
	/* Partial ACK: the next hole is lost too. */
	STAT_INC(tp->st, tcp_partial_acks);
	if ((tp->t_flags & TF_SACK) && tp->nsacked) {
		tp->rexmit_nxt = SEQ_MAX(tp->rexmit_nxt, tp->snd_una);
		tcp_need_output(tp);
		return;
	}
	tcp_retransmit_at(tp, tp->snd_una, UINT32_MAX);
	/* RFC 6582 3.2 step 5: deflate by what was acked; add back one segment if that was one. */
	tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked : 0;
	if (acked >= tp->mss)
		tp->cwnd += tp->mss;
	tp->cwnd = MAX(tp->cwnd, (uint32_t)tp->mss);
	tcp_need_output(tp);
}

void tcp_loss_timeout(struct tcb *tp)
{
	tp->t_flags &= ~TF_RECOVERY;
	tp->t_tlp = 0;
	tp->nsacked = 0; /* RFC 2018 8: SACKed data may be discarded by the receiver */
	tp->recover = tp->snd_max; /* RFC 6582 4.2: no fast retransmit for this window */
	tp->dupacks = 0;
}

/* RFC 6675 5: send holes, then new data, while cwnd allows. */
void tcp_output_recovery(struct tcb *tp)
{
	uint32_t pipe = tcp_sack_pipe(tp), hs, he;

	for (int budget = 64; budget > 0 && tp->cwnd > pipe; budget--) {
		uint32_t seq = SEQ_MAX(tp->rexmit_nxt, tp->snd_una), len;

		if (sack_next_hole(tp, seq, &hs, &he) == 0) {
			len = MIN(he - hs, tcp_maxseg(tp));
			tcp_retransmit_at(tp, hs, len);
			tp->rexmit_nxt = hs + len;
			pipe += len;
			continue;
		}
		break; /* no hole left: new data goes through tcp_output's normal path */
	}
	tp->snd_nxt = tp->snd_max;
}

/* ---- NewReno (RFC 5681 3.1, RFC 6582) ---- */

static void newreno_init(struct tcb *tp)
{
	(void)tp;
}

static void newreno_ack(struct tcb *tp, uint32_t acked)
{
	if (tp->cwnd < tp->ssthresh)
		tp->cwnd += MIN(acked, (uint32_t)tp->mss); /* slow start */
	else
		tp->cwnd += MAX((uint32_t)tp->mss * tp->mss / tp->cwnd, 1u); /* avoidance */
	tp->cwnd = MIN(tp->cwnd, 1u << 30);
}

static uint32_t newreno_ssthresh(struct tcb *tp)
{
	return MAX((tp->snd_max - tp->snd_una) / 2, 2u * tp->mss); /* RFC 5681 (4) */
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "reno",
	.init = newreno_init,
	.ack = newreno_ack,
	.ssthresh = newreno_ssthresh,
};

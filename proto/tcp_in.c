/* SPDX-License-Identifier: MIT */
/*
 * tcp_in.c - TCP segment arrival (RFC 9293 3.10.7).
 *
 * Theory of operation: tcp_parse() checks the header and checksum and reads
 * the options; tcp_input() finds the connection and follows the RFC's
 * SEGMENT ARRIVES steps in order: SYN-SENT handling, then for synchronized
 * states the acceptability test, RST, SYN, ACK, text and FIN.  RST and SYN
 * checks already follow RFC 5961 (an in-window RST or any SYN only draws a
 * challenge ACK), so a blind attacker must guess RCV.NXT exactly.
 *
 * Data that arrives beyond RCV.NXT (a loss or a reordering) is written to
 * its final place in the receive ring at once and its range remembered;
 * each such segment draws an immediate duplicate ACK so the peer's fast
 * retransmit can fill the hole, and the segment that fills it makes the
 * held data readable without a copy.  Other ACKs are owed, not sent here:
 * the pending pass after the batch sends one ACK for all the segments it
 * acknowledges.
 */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "tcp_var.h"

#define TCP_PAWS_IDLE_MS (24ull * 24 * 3600 * 1000) /* RFC 7323 5.5 */

int tcp_parse(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags,
	      struct tcp_seg *s)
{
	const uint8_t *h = pkt_get(p, 0, TCP_HLEN);
	size_t off;

	if (!h) {
		STAT_INC(st, tcp_drop_short);
		return -1;
	}
	off = (size_t)(h[12] >> 4) * 4;
	if (off < TCP_HLEN || off > p->len) {
		STAT_INC(st, tcp_drop_off);
		return -1;
	}
	if (!(flags & STACK_IN_CSUM_OK) &&
	    csum_fold(csum_partial(p->data, p->len,
				   csum_pseudo4(ii->src, ii->dst, IPPROTO_TCP_,
						(uint16_t)p->len))) != 0) {
		STAT_INC(st, tcp_drop_csum);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->src = ii->src;
	s->dst = ii->dst;
	s->sport = get_be16(h);
	s->dport = get_be16(h + 2);
	s->seq = get_be32(h + 4);
	s->ack = get_be32(h + 8);
	s->flags = h[13] & 0x3f;
	s->wnd = get_be16(h + 14);
	s->data = h + off;
	s->len = (uint32_t)(p->len - off);
	s->wscale = -1;

	/* Options (RFC 9293 3.2): a malformed list ends parsing, the segment stays. */
	for (size_t i = TCP_HLEN; i < off;) {
		uint8_t kind = h[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= off || (olen = h[i + 1]) < 2 || i + olen > off)
			break;
		switch (kind) {
		case TCPOPT_MAXSEG:
			if (olen == TCPOLEN_MAXSEG && (s->flags & TH_SYN))
				s->mss = get_be16(h + i + 2);
			break;
		case TCPOPT_WINDOW:
			if (olen == TCPOLEN_WINDOW && (s->flags & TH_SYN))
				s->wscale = (int8_t)MIN(h[i + 2], TCP_MAX_WINSHIFT); /* RFC 7323 2.3 */
			break;
		case TCPOPT_SACK_PERMITTED:
			if (olen == TCPOLEN_SACK_PERMITTED && (s->flags & TH_SYN))
				s->sack_ok = 1;
			break;
		case TCPOPT_TIMESTAMP:
			if (olen == TCPOLEN_TIMESTAMP) {
				s->ts_ok = 1;
				s->tsval = get_be32(h + i + 2);
				s->tsecr = get_be32(h + i + 6);
			}
			break;
		case TCPOPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0)
				for (size_t b = 0; b < (size_t)(olen - 2) / 8 && b < TCP_MAX_SACK; b++) {
					s->sack[b].start = get_be32(h + i + 2 + 8 * b);
					s->sack[b].end = get_be32(h + i + 6 + 8 * b);
					s->nsack = (uint8_t)(b + 1);
				}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

/* RFC 9293 3.10.7.1: a segment for no connection draws a RST (unless it is one). */
static void tcp_reset_closed(struct stack *st, const struct tcp_seg *s)
{
	STAT_INC(st, tcp_drop_noconn);
	if (s->flags & TH_RST)
		return;
	STAT_INC(st, tcp_rst_tx);
	if (s->flags & TH_ACK)
		tcp_respond(st, s->dst, s->dport, s->src, s->sport, s->ack, 0, TH_RST);
	else
		tcp_respond(st, s->dst, s->dport, s->src, s->sport, 0, s->seq + tcp_seg_len(s),
			    TH_RST | TH_ACK);
}

/* RFC 5961 3.2/4.2: answer a suspicious RST or SYN with our current ACK. */
static void tcp_challenge_ack(struct tcb *tp)
{
	struct stack *st = tp->st;

	/* RFC 5961 7: at most challenge_ack_limit per second for the whole stack. */
	if (st->now - st->challenge_start >= 1000) {
		st->challenge_start = st->now;
		st->challenge_count = 0;
	}
	if (st->challenge_count >= st->cfg.challenge_ack_limit) {
		STAT_INC(st, tcp_challenge_limited);
		return;
	}
	st->challenge_count++;
	STAT_INC(st, tcp_challenge_acks);
	tp->t_flags |= TF_ACKNOW;
	tcp_need_output(tp);
}

/*
 * Copy len bytes of sequence number seq (at or after RCV.NXT) to their place
 * in the receive ring: the byte for seq always lives at rcv_head + rcv_len +
 * (seq - RCV.NXT), so data held out of order needs no copy when the hole
 * before it fills.  Only what fits in the free space is taken; returns that.
 */
static uint32_t tcp_rcv_place(struct tcb *tp, uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint32_t off = seq - tp->rcv_nxt, space = tcp_rcv_space(tp), n, pos, first;

	if (off >= space) {
		STAT_ADD(tp->st, tcp_drop_rcvbuf, len);
		return 0;
	}
	n = MIN(len, space - off);
	pos = (tp->rcv_head + tp->rcv_len + off) % tp->rcvbuf_size;
	first = MIN(n, tp->rcvbuf_size - pos);
	memcpy(tp->rcvbuf + pos, data, first);
	memcpy(tp->rcvbuf, data + first, n - first);
	if (n < len)
		STAT_ADD(tp->st, tcp_drop_rcvbuf, len - n);
	return n;
}

/* Remember [start, end) as held out of order; -1 if every range slot is taken. */
static int tcp_ooo_add(struct tcb *tp, uint32_t start, uint32_t end)
{
	return seqset_add(tp->ooo, &tp->nooo, TCP_OOO_MAX, start, end) < 0 ? -1 : 0;
}

/*
 * Remember that the range holding seq changed now: RFC 2018 4 wants the
 * newest block first and the others in the order they were last reported,
 * so that each range is repeated in several ACKs and one lost ACK hides none.
 */
static void tcp_ooo_recent(struct tcb *tp, uint32_t seq)
{
	unsigned n = MIN(tp->nrecent, (unsigned)TCP_MAX_SACK - 1);

	memmove(&tp->ooo_recent[1], &tp->ooo_recent[0], n * sizeof(tp->ooo_recent[0]));
	tp->ooo_recent[0] = seq;
	tp->nrecent = n + 1;
}

/* RCV.NXT moved: the held ranges it reached become in-order data. */
static void tcp_ooo_pull(struct tcb *tp)
{
	unsigned k = 0;

	for (; k < tp->nooo && SEQ_LEQ(tp->ooo[k].start, tp->rcv_nxt); k++)
		if (SEQ_GT(tp->ooo[k].end, tp->rcv_nxt)) {
			tp->rcv_len += tp->ooo[k].end - tp->rcv_nxt;
			tp->rcv_nxt = tp->ooo[k].end;
		}
	memmove(&tp->ooo[0], &tp->ooo[k], (tp->nooo - k) * sizeof(tp->ooo[0]));
	tp->nooo -= k;
}

/*
 * The options of the peer's SYN or SYN/ACK: each is used only when both
 * SYNs carry it (RFC 7323 2.2, 3.2; RFC 2018 2).  A SYN/ACK we send in
 * answer only echoes what the SYN offered (tcp_out.c).
 */
void tcp_syn_options(struct tcb *tp, const struct tcp_seg *s)
{
	if (s->wscale >= 0) {
		tp->t_flags |= TF_WSCALE;
		tp->snd_scale = (uint8_t)s->wscale;
		tp->rcv_scale = tp->request_r_scale;
	}
	if (s->ts_ok) {
		tp->t_flags |= TF_TSTMP;
		tp->ts_recent = s->tsval;
		tp->ts_recent_age = tp->st->now;
	}
	if (s->sack_ok)
		tp->t_flags |= TF_SACK;
}

/*
 * RFC 7323 4.1: the RTT the segment's TSecr measures.  Returns 0 if it
 * echoes nothing usable: no timestamp, or a time we have not reached yet
 * (a broken peer), which would otherwise make a sample of some 49 days.
 */
static int tcp_ts_rtt(const struct tcb *tp, const struct tcp_seg *s, uint32_t *ms)
{
	uint32_t d = tcp_ts_now(tp) - s->tsecr;

	if (!(tp->t_flags & TF_TSTMP) || !s->ts_ok || !s->tsecr || (int32_t)d < 0)
		return 0;
	*ms = d;
	return 1;
}

/* Initial window (RFC 6928), or one segment if the SYN had to be retransmitted (RFC 5681 3.1). */
static uint32_t tcp_initial_window(const struct tcb *tp)
{
	if (tp->rxtshift)
		return tp->mss;
	return MIN(10u * tp->mss, MAX(2u * tp->mss, 14600u));
}

/* RFC 9293 3.10.7.3: SYN-SENT. Returns 1 if s still has text to process. */
static int tcp_in_syn_sent(struct tcb *tp, struct tcp_seg *s)
{
	struct stack *st = tp->st;
	uint32_t rtt;

	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, tp->iss) || SEQ_GT(s->ack, tp->snd_max)) {
			STAT_INC(st, tcp_drop_badack);
			if (!(s->flags & TH_RST)) {
				STAT_INC(st, tcp_rst_tx);
				tcp_respond(st, tp->laddr, tp->lport, tp->raddr, tp->rport, s->ack, 0,
					    TH_RST);
			}
			return 0;
		}
	}
	if (s->flags & TH_RST) {
		/* Only a RST that acknowledges our SYN refuses the connection. */
		if (s->flags & TH_ACK) {
			STAT_INC(st, tcp_rst_rx);
			STAT_INC(st, tcp_conn_failed);
			tp->t_flags |= TF_RESET;
			tcp_drop(tp, ECONNREFUSED);
		} else {
			STAT_INC(st, tcp_drop_unacceptable);
		}
		return 0;
	}
	if (!(s->flags & TH_SYN)) {
		STAT_INC(st, tcp_drop_unacceptable);
		return 0;
	}
	if (!(s->flags & TH_ACK)) {
		/*
		 * RFC 9293 3.10.7.3: a SYN without ACK is a simultaneous open.
		 * Go to SYN-RECEIVED and answer <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>.
		 */
		tp->irs = s->seq;
		tp->rcv_nxt = s->seq + 1;
		tp->rcv_adv = tp->rcv_nxt;
		tp->mss = (uint16_t)MIN(tp->mss, s->mss ? MAX(s->mss, 64u) : TCP_DEFAULT_MSS);
		tp->snd_wnd = tp->max_sndwnd = s->wnd;
		tp->snd_wl1 = s->seq;
		tcp_syn_options(tp, s);
		tcp_set_state(tp, TCPS_SYN_RECEIVED);
		tp->snd_nxt = tp->iss; /* the SYN again, now with ACK */
		tp->t_rexmt = 0;
		tcp_need_output(tp);
		return 0;
	}
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt; /* nothing advertised yet for the synchronized window */
	tp->mss = (uint16_t)MIN(tp->mss, s->mss ? MAX(s->mss, 64u) : TCP_DEFAULT_MSS);
	tcp_syn_options(tp, s);
	tp->snd_una = s->ack;
	tp->snd_wnd = tp->max_sndwnd = s->wnd; /* never scaled in a SYN */
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	if (tp->rtt_timing && tp->rxtshift == 0)
		tcp_rtt_sample(tp, (uint32_t)(st->now - tp->rtt_start));
	else if (tcp_ts_rtt(tp, s, &rtt)) /* RFC 7323 4.1: the echo times it */
		tcp_rtt_sample(tp, rtt);
	else if (tp->rto < 3000) /* RFC 6298 5.7: the SYN went again, no sample: 3 s */
		tp->rto = MIN(3000u, st->cfg.rto_max_ms);
	tp->rtt_timing = 0;
	tp->cwnd = tcp_initial_window(tp);
	tp->rxtshift = 0;
	tp->t_rexmt = 0;
	tcp_set_state(tp, TCPS_ESTABLISHED);
	STAT_INC(st, tcp_estab);
	tcp_keep_reset(tp);
	tp->t_flags |= TF_ACKNOW;
	tcp_need_output(tp);
	tcp_notify(tp, TCP_EV_CONNECTED);
	/* Text or FIN on the SYN/ACK: continue with them (step 6 of the RFC). */
	s->seq++;
	s->flags &= (uint8_t)~TH_SYN;
	return s->len || (s->flags & TH_FIN);
}

/*
 * RFC 9293 3.10.7.4 first check, done BSD-style by trimming: the part of
 * the segment before RCV.NXT is a duplicate, the part past the window is
 * not ours yet.  Returns 0 to go on, -1 to drop (an ACK may be owed).
 */
static int tcp_trim(struct tcb *tp, struct tcp_seg *s)
{
	struct stack *st = tp->st;
	uint32_t wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	int32_t todrop = (int32_t)(tp->rcv_nxt - s->seq);

	if (todrop > 0) {
		if ((uint32_t)todrop > s->len ||
		    ((uint32_t)todrop == s->len && !(s->flags & TH_FIN))) {
			/* Entirely old: a retransmission we already have. ACK it. */
			if ((s->flags & TH_FIN) && tp->state == TCPS_TIME_WAIT)
				tcp_set_state(tp, TCPS_TIME_WAIT); /* the FIN again: restart 2MSL */
			s->flags &= (uint8_t)~TH_FIN;
			tp->t_flags |= TF_ACKNOW;
			todrop = (int32_t)s->len;
		}
		s->data += todrop;
		s->len -= (uint32_t)todrop;
		s->seq += (uint32_t)todrop;
	}
	todrop = (int32_t)(s->seq + s->len - (tp->rcv_nxt + wnd));
	if (todrop > 0) {
		if ((uint32_t)todrop >= s->len) {
			if (wnd == 0 && s->seq == tp->rcv_nxt) {
				/* A zero-window probe: answer with our window. */
				tp->t_flags |= TF_ACKNOW;
			} else if (s->len || !SEQ_GEQ(s->seq, tp->rcv_nxt) ||
				   SEQ_GT(s->seq, tp->rcv_nxt + wnd)) {
				STAT_INC(st, tcp_drop_unacceptable);
				tp->t_flags |= TF_ACKNOW;
				tcp_need_output(tp);
				return -1;
			}
		}
		s->len -= MIN((uint32_t)todrop, s->len);
		s->flags &= (uint8_t)~TH_FIN;
	}
	return 0;
}

/*
 * RFC 9293 3.10.7.4, ACK in SYN-RECEIVED: if it acknowledges our SYN, the
 * connection is established (a child goes to its listener's accept queue);
 * otherwise <SEQ=SEG.ACK><CTL=RST>.  Returns -1 if s is dropped.
 */
static int tcp_in_synrcvd(struct tcb *tp, const struct tcp_seg *s)
{
	struct stack *st = tp->st;

	if (!SEQ_GT(s->ack, tp->snd_una) || SEQ_GT(s->ack, tp->snd_max)) {
		STAT_INC(st, tcp_drop_badack);
		STAT_INC(st, tcp_rst_tx);
		tcp_respond(st, tp->laddr, tp->lport, tp->raddr, tp->rport, s->ack, 0, TH_RST);
		return -1;
	}
	tp->snd_wnd = (uint32_t)s->wnd << tp->snd_scale;
	tp->max_sndwnd = MAX(tp->max_sndwnd, tp->snd_wnd);
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	tp->cwnd = tcp_initial_window(tp);
	tp->cc->init(tp);
	tcp_set_state(tp, TCPS_ESTABLISHED);
	STAT_INC(st, tcp_estab);
	if (tp->parent) {
		TAILQ_INSERT_TAIL(&tp->parent->acceptq, tp, accept_link);
		tp->t_flags |= TF_ACCEPTQ;
		tcp_notify(tp->parent, TCP_EV_READABLE);
	} else {
		tcp_notify(tp, TCP_EV_CONNECTED); /* simultaneous open */
	}
	return 0;
}

/* RFC 9293 3.10.7.4 fifth check: the ACK field. Returns -1 if the connection is gone. */
static int tcp_in_ack(struct tcb *tp, const struct tcp_seg *s)
{
	struct stack *st = tp->st;
	uint32_t wnd = (uint32_t)s->wnd << tp->snd_scale, rtt;
	int new_sack;

	if (SEQ_GT(s->ack, tp->snd_max)) {
		/* Acknowledges something not yet sent: ACK and drop. */
		STAT_INC(st, tcp_drop_badack);
		tp->t_flags |= TF_ACKNOW;
		tcp_need_output(tp);
		return 1;
	}
	/* RFC 5961 5.2: an ACK older than the largest window we were offered is a blind guess. */
	if (SEQ_LT(s->ack, tp->snd_una - MAX(tp->max_sndwnd, 1u))) {
		STAT_INC(st, tcp_drop_badack);
		tcp_challenge_ack(tp);
		return 1;
	}
	new_sack = s->nsack ? tcp_sack_update(tp, s) : 0;
	if (SEQ_GT(s->ack, tp->snd_una)) {
		uint32_t acked = s->ack - tp->snd_una;
		uint32_t data_end = tp->snd_buf_seq + tp->snd_len;
		uint32_t dacked = SEQ_GT(SEQ_MIN(s->ack, data_end), tp->snd_buf_seq)
					  ? SEQ_MIN(s->ack, data_end) - tp->snd_buf_seq
					  : 0;

		tp->snd_head = (tp->snd_head + dacked) % tp->sndbuf_size;
		tp->snd_len -= dacked;
		tp->snd_buf_seq += dacked;
		if (tcp_ts_rtt(tp, s, &rtt)) {
			/*
			 * RFC 7323 4.1: the echoed timestamp times every ACK that
			 * advances, retransmissions included (no Karn ambiguity), so a
			 * backed-off RTO comes down as soon as data flows again.
			 */
			tcp_rtt_sample(tp, rtt);
			tp->rtt_timing = 0;
		} else if (tp->rtt_timing && SEQ_GT(s->ack, tp->rtt_seq)) {
			tcp_rtt_sample(tp, (uint32_t)(st->now - tp->rtt_start));
			tp->rtt_timing = 0;
		}
		tp->rxtshift = 0;
		tp->soft_error = 0; /* the path works: forget ICMP's complaint (Linux too) */
		/* RFC 6298 5.2/5.3: stop when all is acknowledged, else restart. */
		if (s->ack == tp->snd_max)
			tp->t_rexmt = 0;
		else
			tcp_rexmt_start(tp);
		tp->snd_una = s->ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		seqset_trim(tp->sacked, &tp->nsacked, tp->snd_una);
		tcp_loss_ack(tp, acked); /* cwnd growth, or recovery progress */
		tp->tlp_sent = 0;
		tp->t_tlp = 0;
		tcp_tlp_arm(tp);
		if (dacked)
			tcp_notify(tp, TCP_EV_WRITABLE);
		tcp_need_output(tp);
	} else if (s->ack == tp->snd_una && s->len == 0 && tp->snd_max != tp->snd_una &&
		   !(s->flags & TH_FIN) && (wnd == tp->snd_wnd || new_sack)) {
		/* RFC 5681 2 / RFC 6675 2: a duplicate ACK. */
		STAT_INC(st, tcp_dupacks);
		tcp_loss_dupack(tp);
	}

	/* RFC 9293 3.10.7.4: update the send window from the newest segment. */
	if (SEQ_LT(tp->snd_wl1, s->seq) ||
	    (tp->snd_wl1 == s->seq && SEQ_LEQ(tp->snd_wl2, s->ack))) {
		if (wnd > tp->snd_wnd)
			tcp_need_output(tp);
		tp->snd_wnd = wnd;
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		tp->max_sndwnd = MAX(tp->max_sndwnd, tp->snd_wnd);
		if (tp->snd_wnd && tp->t_persist) {
			tp->t_persist = 0;
			tp->rxtshift = 0;
		}
	}

	if ((tp->t_flags & TF_SENTFIN) && SEQ_GT(s->ack, tp->snd_fin)) {
		/* Our FIN is acknowledged. */
		switch (tp->state) {
		case TCPS_FIN_WAIT_1:
			tcp_set_state(tp, TCPS_FIN_WAIT_2);
			if (!(tp->t_flags & TF_HELD))
				tp->t_2msl = st->now + st->cfg.time_wait_ms;
			break;
		case TCPS_CLOSING:
			tcp_set_state(tp, TCPS_TIME_WAIT);
			break;
		case TCPS_LAST_ACK:
			tcp_drop(tp, 0);
			return -1;
		default:
			break;
		}
	}
	return 0;
}

/* RFC 9293 3.10.7.4 seventh and eighth checks: segment text and FIN. */
static void tcp_in_text(struct tcb *tp, struct tcp_seg *s)
{
	struct stack *st = tp->st;
	uint32_t n;

	if (s->len) {
		switch (tp->state) {
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
			if (!(tp->t_flags & TF_HELD) && !tp->parent) {
				/* Nobody will read this (RFC 9293 3.10.4; Linux does the same). */
				STAT_INC(st, tcp_drop_after_close);
				tcp_abort(tp);
				return;
			}
			if (s->seq != tp->rcv_nxt) {
				/* Hold it in place; RFC 5681 4.2: a duplicate ACK at once. */
				n = tcp_rcv_place(tp, s->seq, s->data, s->len);
				tcp_ooo_recent(tp, s->seq);
				if (n && tcp_ooo_add(tp, s->seq, s->seq + n) == 0) {
					STAT_INC(st, tcp_ooo_queued);
					if ((s->flags & TH_FIN) && n == s->len) {
						tp->t_flags |= TF_OOO_FIN;
						tp->ooo_fin = s->seq + n;
					}
				} else {
					STAT_INC(st, tcp_drop_ooo);
				}
				/* Sent now, not coalesced with the batch: the peer counts them. */
				tcp_send_ack(tp);
				return;
			}
			n = tcp_rcv_place(tp, s->seq, s->data, s->len);
			tp->rcv_nxt += n;
			tp->rcv_len += n;
			if (n < s->len)
				s->flags &= (uint8_t)~TH_FIN;
			if (tp->nooo) {
				/* It filled (part of) a hole: ACK at once (RFC 5681 4.2). */
				tcp_ooo_pull(tp);
				tp->t_flags |= TF_ACKNOW;
				if ((tp->t_flags & TF_OOO_FIN) && tp->rcv_nxt == tp->ooo_fin) {
					s->flags |= TH_FIN;
					s->seq = tp->rcv_nxt; /* so that the FIN check below matches */
					s->len = 0;
				}
			}
			tcp_notify(tp, TCP_EV_READABLE);
			/* Delayed ACK: at least every second segment, else within delack_ms. */
			if (++tp->segs_unacked >= 2) {
				tp->t_flags |= TF_ACKNOW;
			} else if (!tp->t_delack) {
				tp->t_flags |= TF_DELACK;
				tp->t_delack = st->now + st->cfg.delack_ms;
			}
			tcp_need_output(tp);
			break;
		default:
			break; /* after the peer's FIN: ignore */
		}
	}

	if ((s->flags & TH_FIN) && s->seq + s->len == tp->rcv_nxt) {
		if (!TCPS_HAVERCVDFIN(tp->state))
			tp->rcv_nxt++;
		tp->t_flags |= TF_ACKNOW;
		tcp_need_output(tp);
		tcp_notify(tp, TCP_EV_READABLE);
		switch (tp->state) {
		case TCPS_ESTABLISHED:
			tcp_set_state(tp, TCPS_CLOSE_WAIT); /* keepalive goes on here */
			break;
		case TCPS_FIN_WAIT_1:
			/* Our FIN not yet acknowledged: simultaneous close. */
			tcp_set_state(tp, TCPS_CLOSING);
			break;
		case TCPS_FIN_WAIT_2:
			tcp_set_state(tp, TCPS_TIME_WAIT);
			break;
		case TCPS_TIME_WAIT:
			tcp_set_state(tp, TCPS_TIME_WAIT); /* restart the 2MSL wait */
			break;
		default:
			break;
		}
	}
}

/* RFC 6191 4.2: may this SYN open a new incarnation of tp, which is in TIME-WAIT? */
static int tcp_tw_reuse(const struct tcb *tp, const struct tcp_seg *s)
{
	if (!tcb_listener(tp->st, tp->lport))
		return 0;
	if ((tp->t_flags & TF_TSTMP) && s->ts_ok)
		return (int32_t)(s->tsval - tp->ts_recent) > 0;
	return SEQ_GT(s->seq, tp->rcv_nxt);
}

void tcp_input(struct stack *st, const struct pkt *p, const struct ip4_info *ii, unsigned flags)
{
	struct tcp_seg s;
	struct tcb *tp;
	uint32_t wnd;

	STAT_INC(st, tcp_rx);
	if (tcp_parse(st, p, ii, flags, &s) < 0)
		return;
	tp = tcb_lookup(st, s.dst, s.dport, s.src, s.sport);
	if (!tp) {
		struct tcb *lp = tcb_listener(st, s.dport);

		if (lp)
			tcp_listen_input(lp, &s);
		else
			tcp_reset_closed(st, &s);
		return;
	}
	if (tp->state == TCPS_SYN_SENT) {
		if (!tcp_in_syn_sent(tp, &s))
			return;
		tcp_in_text(tp, &s);
		return;
	}

	/* RFC 5961 3.2: reset only on an exact match; in the window, challenge. */
	if (s.flags & TH_RST) {
		wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
		if (s.seq == tp->rcv_nxt) {
			STAT_INC(st, tcp_rst_rx);
			if (tp->state == TCPS_CLOSING || tp->state == TCPS_LAST_ACK ||
			    tp->state == TCPS_TIME_WAIT || tp->parent) {
				tcp_drop(tp, 0); /* a child nobody accepted just goes */
			} else if (tp->state == TCPS_SYN_RECEIVED) {
				STAT_INC(st, tcp_conn_failed); /* simultaneous open refused */
				tcp_drop(tp, ECONNREFUSED);
			} else {
				tp->t_flags |= TF_RESET;
				tcp_drop(tp, ECONNRESET);
			}
		} else if (SEQ_GEQ(s.seq, tp->rcv_nxt) && SEQ_LT(s.seq, tp->rcv_nxt + MAX(wnd, 1u))) {
			tcp_challenge_ack(tp);
		} else {
			STAT_INC(st, tcp_drop_unacceptable);
		}
		return;
	}
	if ((s.flags & TH_SYN) && tp->state == TCPS_SYN_RECEIVED && s.seq == tp->irs) {
		if (!(s.flags & TH_ACK)) {
			/* The peer did not get our SYN/ACK and sent its SYN again. */
			tp->snd_nxt = tp->iss;
			tcp_need_output(tp);
			return;
		}
		/* Simultaneous open: its SYN/ACK.  The SYN is old news, the ACK is not. */
		s.flags &= (uint8_t)~TH_SYN;
		s.seq++;
	}
	if ((s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN && tp->state == TCPS_TIME_WAIT &&
	    tcp_tw_reuse(tp, &s)) {
		/*
		 * RFC 9293 3.10.7.4 / RFC 6191: a new SYN for the same 4-tuple may
		 * end TIME-WAIT early when it cannot be mistaken for the old
		 * connection: its timestamp is newer, or (without timestamps) its
		 * sequence number is beyond the old one.  The listener takes it.
		 */
		struct tcb *lp = tcb_listener(st, s.dport);

		STAT_INC(st, tcp_tw_reused);
		tcp_drop(tp, 0);
		tcp_listen_input(lp, &s);
		return;
	}
	/* RFC 5961 4.2: a SYN on a synchronized connection only draws a challenge ACK. */
	if (s.flags & TH_SYN) {
		STAT_INC(st, tcp_drop_unacceptable);
		tcp_challenge_ack(tp);
		return;
	}
	/* RFC 7323 5.3 PAWS: a timestamp older than TS.Recent marks an old duplicate. */
	if ((tp->t_flags & TF_TSTMP) && s.ts_ok && (int32_t)(s.tsval - tp->ts_recent) < 0) {
		if (st->now - tp->ts_recent_age > TCP_PAWS_IDLE_MS) {
			tp->ts_recent = s.tsval; /* idle for 24 days: TS.Recent is stale (5.5) */
		} else {
			STAT_INC(st, tcp_paws_drop);
			tp->t_flags |= TF_ACKNOW;
			tcp_need_output(tp);
			return;
		}
	}
	if (tcp_trim(tp, &s) < 0)
		return;
	/* RFC 7323 4.3: remember the newest timestamp of a segment we acknowledge. */
	if ((tp->t_flags & TF_TSTMP) && s.ts_ok && SEQ_LEQ(s.seq, tp->last_ack_sent) &&
	    (int32_t)(s.tsval - tp->ts_recent) >= 0) {
		tp->ts_recent = s.tsval;
		tp->ts_recent_age = st->now;
	}
	if (!(s.flags & TH_ACK)) {
		STAT_INC(st, tcp_drop_unacceptable);
		return;
	}
	if (tp->state == TCPS_SYN_RECEIVED && tcp_in_synrcvd(tp, &s) < 0)
		return;
	tcp_keep_reset(tp);
	switch (tcp_in_ack(tp, &s)) {
	case -1:
		return; /* connection closed */
	case 1:
		return; /* ACK of unsent data: dropped */
	default:
		break;
	}
	tcp_in_text(tp, &s);
	if (tp->t_flags & TF_ACKNOW)
		tcp_need_output(tp);
}

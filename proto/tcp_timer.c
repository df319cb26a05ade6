/* SPDX-License-Identifier: MIT */
/*
 * tcp_timer.c - TCP's timers and round-trip estimation.
 *
 * Theory of operation: each tcb has absolute deadlines (ms) for its
 * retransmission, persist, delayed-ACK, 2MSL and keepalive timers; 0 means
 * off.  tcp_timer() runs whatever is due and tcp_deadline() tells the owner
 * when to call again.  Both walk every tcb, which is fine for the number of
 * connections one process pushes through us; a timer wheel can replace the
 * walk without changing this interface.
 *
 * Retransmission follows RFC 6298: SRTT/RTTVAR from one timed segment per
 * round trip, never from a retransmitted one (Karn), RTO = SRTT + 4 RTTVAR
 * clamped to [rto_min, rto_max], doubled on every timeout and kept doubled
 * until a new sample arrives.  A timeout also collapses cwnd to one segment
 * (RFC 5681 3.1).
 */
#include <errno.h>

#include "tcp_var.h"

void tcp_rexmt_start(struct tcb *tp)
{
	tp->t_rexmt = tp->st->now + tp->rto;
}

void tcp_rtt_sample(struct tcb *tp, uint32_t ms)
{
	const struct stack_cfg *c = &tp->st->cfg;
	uint32_t r = ms * 1000, rto_us;

	if (tp->srtt_us == 0 && tp->rttvar_us == 0) {
		/* RFC 6298 2.2: the first measurement */
		tp->srtt_us = r ? r : 1;
		tp->rttvar_us = r / 2;
	} else {
		/* RFC 6298 2.3, alpha = 1/8, beta = 1/4 */
		uint32_t delta = tp->srtt_us > r ? tp->srtt_us - r : r - tp->srtt_us;

		tp->rttvar_us = (3 * tp->rttvar_us + delta) / 4;
		tp->srtt_us = (7 * tp->srtt_us + r) / 8;
		if (!tp->srtt_us)
			tp->srtt_us = 1;
	}
	/* The clock granularity G is 1 ms. */
	rto_us = tp->srtt_us + MAX(1000u, 4 * tp->rttvar_us);
	tp->rto = (rto_us + 999) / 1000;
	if (tp->rto < c->rto_min_ms)
		tp->rto = c->rto_min_ms;
	if (tp->rto > c->rto_max_ms)
		tp->rto = c->rto_max_ms;
}

void tcp_keep_reset(struct tcb *tp)
{
	tp->keep_probes = 0;
	tp->last_rcv = tp->st->now;
	if ((tp->t_flags & TF_KEEPALIVE) &&
	    (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT))
		tp->t_keep = tp->st->now + (uint64_t)tp->keepidle * 1000;
	else
		tp->t_keep = 0;
}

/*
 * RFC 8985 7: a tail loss probe.  When the last segments of a flight are
 * lost, no duplicate ACK comes back and only the RTO (200 ms at least)
 * would notice.  About two round trips after the last send, with nothing
 * heard, we send one segment - new data if we may, else the last one again
 * - so that the peer's SACK tells us what is missing and fast recovery
 * takes over.  One probe per flight; needs SACK to be of use.
 */
void tcp_tlp_arm(struct tcb *tp)
{
	uint64_t pto;

	tp->t_tlp = 0;
	if (!(tp->t_flags & TF_SACK) || (tp->t_flags & TF_RECOVERY) || tp->tlp_sent ||
	    !TCPS_HAVEESTABLISHED(tp->state) || tp->snd_max == tp->snd_una || !tp->srtt_us ||
	    tp->rxtshift)
		return;
	pto = MAX(2 * (uint64_t)tp->srtt_us / 1000, 10u);
	if (tp->snd_max - tp->snd_una <= tp->mss)
		pto += 200; /* one segment out: the peer may be delaying its ACK (WCDelAckT) */
	if (pto >= tp->rto)
		return; /* the RTO comes first anyway */
	tp->t_tlp = tp->st->now + pto;
}

static void tcp_tlp_fire(struct tcb *tp)
{
	uint32_t off = tp->snd_max - tp->snd_buf_seq, outstanding = tp->snd_max - tp->snd_una;
	uint32_t len = 0;

	tp->tlp_sent = 1;
	STAT_INC(tp->st, tcp_tlp_probes);
	if (!(tp->t_flags & TF_SENTFIN) && tp->snd_len > off && tp->snd_wnd > outstanding)
		len = MIN(MIN(tp->snd_len - off, tp->snd_wnd - outstanding), tcp_maxseg(tp));
	if (len) {
		tcp_xmit(tp, tp->snd_max, len, TH_ACK | TH_PSH);
		tp->snd_max += len;
		tp->snd_nxt = tp->snd_max;
	} else {
		uint32_t data_end = tp->snd_buf_seq + tp->snd_len;
		uint32_t last = SEQ_MIN(tp->snd_max, data_end);

		tcp_retransmit_at(tp, SEQ_MAX(tp->snd_una, last - MIN(last - tp->snd_una,
								       tcp_maxseg(tp))),
				  UINT32_MAX);
	}
	tcp_rexmt_start(tp);
}

/* The retransmission timer went off (RFC 6298 5.4-5.7). */
static void tcp_rexmt_timeout(struct tcb *tp)
{
	struct stack *st = tp->st;
	const struct stack_cfg *c = &st->cfg;
	unsigned limit = tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED
				 ? c->syn_retries
				 : c->data_retries;

	if (tp->rxtshift >= limit) {
		STAT_INC(st, tcp_timeouts);
		if (tp->state == TCPS_SYN_SENT)
			STAT_INC(st, tcp_conn_failed);
		tcp_drop(tp, tp->soft_error ? tp->soft_error : ETIMEDOUT);
		return;
	}
	tp->rxtshift++;
	tp->retransmits++;
	STAT_INC(st, tcp_rexmit_timeouts);
	tp->rto = MIN(tp->rto * 2, c->rto_max_ms);
	/* RFC 5681 (4): on the first timeout of a loss; repeated timeouts keep it. */
	if (tp->rxtshift == 1 && TCPS_HAVEESTABLISHED(tp->state))
		tp->ssthresh = tp->cc->ssthresh(tp);
	tp->cwnd = tp->mss;
	tcp_loss_timeout(tp);
	tp->rtt_timing = 0; /* Karn: no sample from a retransmitted segment */
	tp->snd_nxt = tp->snd_una;
	tcp_output(tp);
}

static void tcp_persist_timeout(struct tcb *tp)
{
	const struct stack_cfg *c = &tp->st->cfg;

	if (tp->snd_wnd) {
		/* A window too small for the sender's SWS rule: the override timeout. */
		tp->t_flags |= TF_FORCE;
		tcp_output(tp);
		tp->t_flags &= ~TF_FORCE;
		if (tp->t_rexmt) {
			tp->t_persist = 0; /* data went out; the retransmission timer takes over */
			return;
		}
	} else {
		tcp_send_probe(tp);
	}
	/* Back off like the retransmission timer, but never give up while answered. */
	tp->rxtshift = MIN(tp->rxtshift + 1, 16u);
	tp->t_persist = tp->st->now + MIN((uint64_t)tp->rto << tp->rxtshift, c->rto_max_ms);
}

static void tcp_keep_timeout(struct tcb *tp)
{
	struct stack *st = tp->st;

	if (!(tp->t_flags & TF_KEEPALIVE) ||
	    !(tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT)) {
		tp->t_keep = 0;
		return;
	}
	if (tp->keep_probes >= tp->keepcnt) {
		STAT_INC(st, tcp_timeouts);
		tcp_drop(tp, tp->soft_error ? tp->soft_error : ETIMEDOUT);
		return;
	}
	tp->keep_probes++;
	STAT_INC(st, tcp_keepalive_probes);
	tcp_send_probe(tp);
	tp->t_keep = st->now + (uint64_t)tp->keepintvl * 1000;
}

#define DUE(t, now) ((t) && (t) <= (now))

void tcp_timer(struct stack *st)
{
	struct tcb *tp, *next;

	for (tp = TAILQ_FIRST(&st->tcbs); tp; tp = next) {
		next = TAILQ_NEXT(tp, all_link);
		if (tp->state == TCPS_CLOSED)
			continue;
		if (DUE(tp->t_2msl, st->now)) {
			/* End of TIME-WAIT, or an orphan that sat in FIN-WAIT-2 too long. */
			tp->t_2msl = 0;
			if (tp->state == TCPS_TIME_WAIT)
				STAT_INC(st, tcp_time_wait_done);
			tcp_drop(tp, 0);
			continue;
		}
		if (DUE(tp->t_rexmt, st->now)) {
			tp->t_rexmt = 0;
			tcp_rexmt_timeout(tp);
			if (tp->state == TCPS_CLOSED)
				continue;
		}
		if (DUE(tp->t_tlp, st->now)) {
			tp->t_tlp = 0;
			tcp_tlp_fire(tp);
		}
		if (DUE(tp->t_persist, st->now))
			tcp_persist_timeout(tp);
		if (DUE(tp->t_keep, st->now)) {
			tcp_keep_timeout(tp);
			if (tp->state == TCPS_CLOSED)
				continue;
		}
		if (DUE(tp->t_delack, st->now)) {
			STAT_INC(st, tcp_delacks);
			tcp_send_ack(tp);
		}
	}
}

static void deadline_min(uint64_t *d, uint64_t t)
{
	if (t && t < *d)
		*d = t;
}

uint64_t tcp_deadline(const struct stack *st)
{
	const struct tcb *tp;
	uint64_t d = UINT64_MAX;

	TAILQ_FOREACH(tp, &st->tcbs, all_link) {
		deadline_min(&d, tp->t_rexmt);
		deadline_min(&d, tp->t_persist);
		deadline_min(&d, tp->t_delack);
		deadline_min(&d, tp->t_2msl);
		deadline_min(&d, tp->t_keep);
		deadline_min(&d, tp->t_tlp);
	}
	return d;
}

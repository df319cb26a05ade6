/* SPDX-License-Identifier: MIT */
/*
 * tcp_out.c - building and sending TCP segments.
 *
 * Theory of operation: tcp_output() looks at the send sequence space and
 * sends everything that is allowed right now: the SYN, data up to
 * min(peer window, cwnd) in MSS-sized segments, the FIN once all data is
 * out, or a bare ACK when one is owed.  It is the only place that advances
 * SND.NXT, so retransmission is just "move SND.NXT back to SND.UNA and call
 * tcp_output()" (go-back-N; selective repeat comes with SACK).
 *
 * Every segment carries ACK = RCV.NXT and the window we can take (the free
 * part of the receive buffer, i.e. what the application has not read yet),
 * and records the right edge it advertised in rcv_adv so the window never
 * shrinks (RFC 9293 3.8.6.2.2).
 */
#include <string.h>

#include "csum.h"
#include "tcp_var.h"

#define TCP_MAXWIN 65535

uint32_t tcp_ts_now(const struct tcb *tp)
{
	return (uint32_t)tp->st->now + tp->ts_offset; /* 1 ms per tick (RFC 7323 5.4) */
}

/*
 * Most data one segment may carry: the peer's MSS less the options it will
 * carry, the timestamp and the SACK blocks while we hold out-of-order data
 * (RFC 9293 3.7.1, RFC 6691: the MSS counts no TCP options).
 */
uint32_t tcp_maxseg(const struct tcb *tp)
{
	uint8_t sack[TCP_MAXOLEN];
	size_t olen = (tp->t_flags & TF_TSTMP) ? TCPOLEN_TSTAMP_APPA : 0;

	olen += tcp_sack_blocks(tp, sack, TCP_MAXOLEN - olen);
	return tp->mss - (uint32_t)olen;
}

uint32_t tcp_rcv_window(struct tcb *tp)
{
	uint32_t space = MIN(tcp_rcv_space(tp), (uint32_t)TCP_MAXWIN << tp->rcv_scale);
	uint32_t adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;

	/* RFC 1122 4.2.3.3 receiver SWS avoidance: open in steps of min(buf/2, MSS). */
	if (space > adv && space - adv >= MIN(tp->rcvbuf_size / 2, tp->mss))
		adv = space;
	return adv;
}

/*
 * Options for a segment of tp with these flags, written to o (40 bytes of
 * room); returns their length, a multiple of 4.  A SYN offers everything we
 * do (RFC 9293 3.7.1 MSS, RFC 7323 window scale and timestamps, RFC 2018
 * SACK-permitted) in Linux's order; later segments carry the timestamp when
 * both sides agreed to it and SACK blocks while we hold out-of-order data.
 */
static size_t tcp_build_opts(struct tcb *tp, uint8_t flags, uint8_t *o)
{
	size_t n = 0;

	if (flags & TH_SYN) {
		/* A SYN/ACK (flags has ACK) only answers what the SYN offered. */
		int ack = !!(flags & TH_ACK), sack = !ack || (tp->t_flags & TF_SACK),
		    ts = !ack || (tp->t_flags & TF_TSTMP), ws = !ack || (tp->t_flags & TF_WSCALE);

		o[n++] = TCPOPT_MAXSEG;
		o[n++] = TCPOLEN_MAXSEG;
		put_be16(o + n, (uint16_t)(tp->st->cfg.mtu - IP4_HLEN - TCP_HLEN));
		n += 2;
		if (sack || ts) {
			o[n++] = sack ? TCPOPT_SACK_PERMITTED : TCPOPT_NOP;
			o[n++] = sack ? TCPOLEN_SACK_PERMITTED : TCPOPT_NOP;
		}
		if (ts) {
			o[n++] = TCPOPT_TIMESTAMP;
			o[n++] = TCPOLEN_TIMESTAMP;
			put_be32(o + n, tcp_ts_now(tp));
			put_be32(o + n + 4, ack ? tp->ts_recent : 0);
			n += 8;
		} else if (sack) {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
		}
		if (ws) {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_WINDOW;
			o[n++] = TCPOLEN_WINDOW;
			o[n++] = tp->request_r_scale;
		}
		return n;
	}
	if (tp->t_flags & TF_TSTMP) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_TIMESTAMP;
		o[n++] = TCPOLEN_TIMESTAMP;
		put_be32(o + n, tcp_ts_now(tp));
		put_be32(o + n + 4, tp->ts_recent);
		n += 8;
	}
	if ((flags & TH_ACK) && !(flags & TH_RST))
		n += tcp_sack_blocks(tp, o + n, TCP_MAXOLEN - n);
	return n;
}

/* Build a TCP header with olen bytes of options (already at out + 20); returns its length. */
static size_t tcp_build_hdr(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags, uint16_t win, size_t olen)
{
	size_t hlen = TCP_HLEN + olen;

	put_be16(out, sport);
	put_be16(out + 2, dport);
	put_be32(out + 4, seq);
	put_be32(out + 8, (flags & TH_ACK) ? ack : 0);
	out[12] = (uint8_t)((hlen / 4) << 4);
	out[13] = flags;
	put_be16(out + 14, win);
	put_be16(out + 16, 0); /* checksum */
	put_be16(out + 18, 0); /* urgent pointer */
	return hlen;
}

static void tcp_send_seg(struct stack *st, uint32_t laddr, uint32_t raddr, size_t len)
{
	uint8_t *out = ip4_tx_payload(st);

	put_be16(out + 16, csum_fold(csum_partial(out, len,
						  csum_pseudo4(laddr, raddr, IPPROTO_TCP_,
							       (uint16_t)len))));
	STAT_INC(st, tcp_tx);
	ip4_output(st, len, raddr, IPPROTO_TCP_);
}

void tcp_respond(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
		 uint32_t seq, uint32_t ack, uint8_t flags)
{
	size_t hlen = tcp_build_hdr(ip4_tx_payload(st), lport, rport, seq, ack, flags, 0, 0);

	tcp_send_seg(st, laddr, raddr, hlen);
}

/* Send one segment of tp: len bytes of data starting at seq, plus flags. */
void tcp_xmit(struct tcb *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct stack *st = tp->st;
	uint8_t *out = ip4_tx_payload(st);
	uint32_t win = tcp_rcv_window(tp), field;
	size_t olen = tcp_build_opts(tp, flags, out + TCP_HLEN), hlen;

	/* RFC 7323 2.2: the window in a SYN is never scaled. */
	if (flags & TH_SYN)
		field = MIN(win, (uint32_t)TCP_MAXWIN);
	else
		/*
		 * Scaling rounds down.  Our buffer is a fixed ring, so the window
		 * must never reach past its end, not even by the rounding (Linux
		 * rounds up, but its buffer limit is soft): the edge the peer sees
		 * may then move left by less than 2^scale bytes, which RFC 7323
		 * 2.4 expects receivers to do, and a full buffer shows a zero
		 * window, so the peer probes instead of retransmitting.
		 */
		field = MIN(win >> tp->rcv_scale, (uint32_t)TCP_MAXWIN);
	hlen = tcp_build_hdr(out, tp->lport, tp->rport, seq, tp->rcv_nxt, flags, (uint16_t)field,
			     olen);
	if (len) {
		uint32_t off = (tp->snd_head + (seq - tp->snd_buf_seq)) % tp->sndbuf_size;
		uint32_t first = MIN(len, tp->sndbuf_size - off);

		memcpy(out + hlen, tp->sndbuf + off, first);
		memcpy(out + hlen + first, tp->sndbuf, len - first);
	}
	if (flags & TH_ACK) {
		/*
		 * The furthest edge we ever advertised: data up to it is
		 * acceptable (RFC 9293 3.10.7.4) and, since the ring only grows
		 * towards it, always fits.
		 */
		uint32_t edge = tp->rcv_nxt + ((flags & TH_SYN) ? field : field << tp->rcv_scale);

		if ((flags & TH_SYN) || SEQ_GT(edge, tp->rcv_adv))
			tp->rcv_adv = edge;
		tp->rcv_wnd_sent = edge - tp->rcv_nxt;
		tp->last_ack_sent = tp->rcv_nxt;
		tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
		tp->t_delack = 0;
		tp->segs_unacked = 0;
	}
	tcp_send_seg(st, tp->laddr, tp->raddr, hlen + len);
}

void tcp_output(struct tcb *tp)
{
	struct stack *st = tp->st;

	if (tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN)
		return;
	if ((tp->t_flags & (TF_RECOVERY | TF_SACK)) == (TF_RECOVERY | TF_SACK) && tp->nsacked)
		tcp_output_recovery(tp); /* holes first (RFC 6675) */
	for (;;) {
		uint8_t flags = TH_ACK;
		uint32_t len = 0, off, avail, wnd, inflight, usable, seq = tp->snd_nxt;
		uint32_t maxseg = tcp_maxseg(tp);

		if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED) {
			if (tp->snd_nxt != tp->iss) {
				if ((tp->t_flags & TF_ACKNOW) && tp->state == TCPS_SYN_RECEIVED)
					tcp_xmit(tp, tp->snd_nxt, 0, TH_ACK);
				return; /* SYN out; wait for the answer or the timer */
			}
			flags = tp->state == TCPS_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK;
		} else if (tp->state != TCPS_TIME_WAIT) {
			off = tp->snd_nxt - tp->snd_buf_seq;
			avail = tp->snd_len > off ? tp->snd_len - off : 0;
			inflight = tp->snd_nxt - tp->snd_una;
			/* The peer's window bounds what is outstanding; cwnd what is in flight. */
			usable = tp->snd_wnd > inflight ? tp->snd_wnd - inflight : 0;
			if ((tp->t_flags & (TF_RECOVERY | TF_SACK)) == (TF_RECOVERY | TF_SACK) &&
			    tp->nsacked)
				inflight = tcp_sack_pipe(tp);
			/* RFC 3042 limited transmit: a new segment for each of the first two dupacks. */
			wnd = tp->cwnd + ((tp->t_flags & TF_RECOVERY) ? 0 : MIN(tp->dupacks, 2u) * tp->mss);
			wnd = wnd > inflight ? wnd - inflight : 0;
			usable = MIN(usable, wnd);
			len = MIN(MIN(avail, usable), maxseg);
			if (len > 0 && len < maxseg) {
				if (len < avail) {
					/* RFC 9293 3.8.6.2.1 sender SWS: a window-limited
					 * runt waits unless it is half the peer's largest window. */
					if (len < tp->max_sndwnd / 2 && !(tp->t_flags & TF_FORCE))
						len = 0;
				} else if (inflight > 0 && !(tp->t_flags & TF_NODELAY)) {
					len = 0; /* Nagle (RFC 896): one small segment in flight */
				}
			}
			if (len && tp->snd_nxt + len - tp->snd_buf_seq == tp->snd_len)
				flags |= TH_PSH;
			if ((tp->t_flags & TF_SHUTWR) && tp->snd_nxt + len == tp->snd_fin)
				flags |= TH_FIN;
		}
		if (!len && !(flags & (TH_SYN | TH_FIN)) && !(tp->t_flags & TF_ACKNOW))
			break;

		if (SEQ_LT(seq, tp->snd_max) && (len || (flags & (TH_SYN | TH_FIN)))) {
			STAT_INC(st, tcp_rexmit_segs);
			tp->total_retrans++;
		}
		tcp_xmit(tp, seq, len, flags);
		tp->snd_nxt += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
		if (flags & TH_FIN)
			tp->t_flags |= TF_SENTFIN;
		if (!len && !(flags & (TH_SYN | TH_FIN)))
			break; /* a bare ACK goes once */
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			if (len && tp->dupacks && !(tp->t_flags & TF_RECOVERY))
				STAT_INC(st, tcp_limited_transmits);
			if (!tp->rtt_timing) {
				/* RFC 6298 3: time one segment per round trip. */
				tp->rtt_timing = 1;
				tp->rtt_seq = seq;
				tp->rtt_start = st->now;
			}
			tp->snd_max = tp->snd_nxt;
		}
		if (!tp->t_rexmt)
			tcp_rexmt_start(tp);
		tp->t_persist = 0;
		if (flags & (TH_SYN | TH_FIN))
			break;
	}
	if (!tp->t_tlp)
		tcp_tlp_arm(tp);

	/*
	 * Data waits with nothing in flight: behind a zero window (RFC 9293
	 * 3.8.6.1, probe it) or behind a window too small to be worth a
	 * segment (3.8.6.2.1, send it anyway when the override timer fires).
	 * Either way the persist timer keeps the connection from stalling.
	 */
	if (TCPS_HAVEESTABLISHED(tp->state) && !tp->t_rexmt && !tp->t_persist &&
	    tp->snd_nxt == tp->snd_una && tp->snd_len > tp->snd_nxt - tp->snd_buf_seq)
		tp->t_persist = st->now + tp->rto;
}

void tcp_send_ack(struct tcb *tp)
{
	tp->t_flags |= TF_ACKNOW;
	tcp_output(tp);
}

void tcp_send_probe(struct tcb *tp)
{
	/*
	 * An old sequence number (SND.UNA - 1) with no data: the peer must
	 * answer with an ACK carrying its current window (RFC 1122 4.2.3.6,
	 * RFC 9293 3.8.6.1).  Used for keepalive and zero-window probes.
	 */
	tcp_xmit(tp, tp->snd_una - 1, 0, TH_ACK);
}

/* SPDX-License-Identifier: MIT */
/*
 * tcp_var.h - TCP connection state (the TCB, RFC 9293 3.3.1).  Only the
 * tcp_* modules include this.
 */
#ifndef USTACK_TCP_VAR_H
#define USTACK_TCP_VAR_H

#include <stdint.h>
#include <sys/queue.h>

#include "stack_var.h"
#include "tcp.h"

/*
 * States in the order of a connection's life, so that comparisons mean
 * something (OpenBSD tcp_fsm.h).  tcp_state() maps them to Linux's TCP_*
 * numbers for the outside world.
 */
enum tcps {
	TCPS_CLOSED = 0,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED, /* synchronized from here on */
	TCPS_CLOSE_WAIT,  /* peer sent FIN */
	TCPS_FIN_WAIT_1,  /* we sent FIN (from here on: user has closed) */
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
	TCPS_NSTATES
};

#define TCPS_HAVERCVDSYN(s) ((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s) ((s) >= TCPS_ESTABLISHED)
#define TCPS_HAVERCVDFIN(s)                                                                     \
	((s) == TCPS_CLOSE_WAIT || (s) == TCPS_CLOSING || (s) == TCPS_LAST_ACK ||               \
	 (s) == TCPS_TIME_WAIT)
/* States in which we may still send data. */
#define TCPS_CANSEND(s) ((s) == TCPS_ESTABLISHED || (s) == TCPS_CLOSE_WAIT)

/* t_flags */
#define TF_ACKNOW 0x0001    /* send an ACK at the next output */
#define TF_DELACK 0x0002    /* an ACK is owed, delayed */
#define TF_SHUTWR 0x0004    /* user closed the send side: FIN after the data */
#define TF_SENTFIN 0x0008   /* FIN has been sent (at snd_fin) */
#define TF_HELD 0x0010      /* the user still holds the tcb */
#define TF_NODELAY 0x0020   /* Nagle off */
#define TF_KEEPALIVE 0x0040 /* SO_KEEPALIVE */
#define TF_RESET 0x0080     /* ended by a RST from the peer */
#define TF_PENDING 0x0100   /* on st->tcb_pending */
#define TF_HASHED 0x0200    /* on st->tcb_hash */
#define TF_NEEDOUT 0x0400   /* run tcp_output at the next tcp_run_pending */
#define TF_OOO_FIN 0x0800   /* ooo_fin is valid */
#define TF_FORCE 0x1000     /* send a runt despite sender SWS avoidance (override timeout) */
#define TF_WSCALE 0x2000    /* window scaling in use (RFC 7323 2) */
#define TF_TSTMP 0x4000     /* timestamps in use (RFC 7323 3) */
#define TF_SACK 0x8000      /* SACK in use (RFC 2018) */
#define TF_RECOVERY 0x10000 /* in fast recovery (RFC 6582 / RFC 6675) */
#define TF_ACCEPTQ 0x20000  /* on the parent's accept queue */

#define TCP_SACK_MAX 16 /* SACKed ranges remembered by the sender */

struct seq_range {
	uint32_t start, end; /* [start, end) */
};

struct tcb;

/*
 * A congestion control algorithm (RFC 5681 names).  NewReno is the one we
 * have; CUBIC (RFC 9438) plugs in with the same three hooks.
 */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcb *tp);		    /* cwnd/ssthresh at ESTABLISHED */
	void (*ack)(struct tcb *tp, uint32_t acked); /* new data acknowledged, not in recovery */
	uint32_t (*ssthresh)(struct tcb *tp);	    /* new ssthresh after a loss */
};
extern const struct tcp_cc_ops tcp_cc_newreno;

#define TCP_OOO_MAX 16 /* out-of-order ranges held per connection */

struct tcb {
	LIST_ENTRY(tcb) hash_link;
	TAILQ_ENTRY(tcb) all_link;
	TAILQ_ENTRY(tcb) pending_link;
	struct stack *st;
	void *user;

	/* Passive open: a listener's queue of established children not yet accepted */
	struct tcb *parent; /* the listener, until accepted */
	TAILQ_ENTRY(tcb) accept_link;
	struct tcb_tailq acceptq;
	unsigned qlen, backlog; /* children not yet accepted, and their limit */
	unsigned events; /* TCP_EV_* waiting to be delivered */
	unsigned t_flags;
	enum tcps state;

	uint32_t laddr, raddr, nexthop;
	uint16_t lport, rport;

	/* Send sequence space (RFC 9293 3.3.1) */
	uint32_t iss;
	uint32_t snd_una; /* oldest unacknowledged */
	uint32_t snd_nxt; /* next to send (moves back on retransmission) */
	uint32_t snd_max; /* highest sequence number sent + 1 */
	uint32_t snd_wnd; /* peer's window */
	uint32_t snd_wl1, snd_wl2;
	uint32_t max_sndwnd; /* largest window the peer offered */
	uint32_t snd_fin; /* sequence number of our FIN, when TF_SHUTWR */
	uint16_t mss;	  /* effective send MSS */
	uint32_t cwnd, ssthresh;
	unsigned dupacks;

	/* Receive sequence space */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv; /* right edge of the window we advertised */
	uint32_t rcv_wnd_sent; /* the window field of our last segment, unscaled to bytes */
	unsigned segs_unacked;
	/*
	 * Out-of-order data already sits in the receive ring at its place
	 * after RCV.NXT; these are its ranges, sorted and disjoint: the
	 * blocks our SACK option reports, the one that changed last first.
	 */
	struct seq_range ooo[TCP_OOO_MAX];
	unsigned nooo;
	uint32_t ooo_recent[TCP_MAX_SACK]; /* a sequence number of each range, newest first */
	unsigned nrecent;
	uint32_t ooo_fin;  /* sequence number of a FIN received out of order */

	/* Options (RFC 7323, RFC 2018) */
	uint8_t snd_scale;	 /* the peer's window shift */
	uint8_t rcv_scale;	 /* ours */
	uint8_t request_r_scale; /* the shift we offered in our SYN */
	uint32_t ts_offset;	 /* random per connection (RFC 7323 5.4) */
	uint32_t ts_recent;	 /* TS.Recent */
	uint64_t ts_recent_age;
	uint32_t last_ack_sent; /* Last.ACK.sent */

	/* Loss recovery: what the peer has SACKed, sorted, within (snd_una, snd_max] */
	struct seq_range sacked[TCP_SACK_MAX];
	unsigned nsacked;
	uint32_t recover;    /* RFC 6582 "recover": snd_max when recovery began */
	uint32_t rexmit_nxt; /* next hole to retransmit in SACK recovery */
	const struct tcp_cc_ops *cc;

	/* Buffers: sndbuf holds [snd_buf_seq, snd_buf_seq + snd_len) */
	uint8_t *sndbuf;
	uint32_t sndbuf_size, snd_head, snd_len, snd_buf_seq;
	uint8_t *rcvbuf;
	uint32_t rcvbuf_size, rcv_head, rcv_len;

	/* Retransmission (RFC 6298), times in ms unless noted */
	uint32_t srtt_us, rttvar_us, rto;
	int rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned rxtshift;
	uint32_t retransmits, total_retrans;

	/* Timers: absolute deadlines in ms, 0 = not running */
	uint64_t t_rexmt;   /* retransmission */
	uint64_t t_persist; /* zero-window probe */
	uint64_t t_delack;
	uint64_t t_2msl;    /* TIME_WAIT, or FIN_WAIT_2 of an orphan */
	uint64_t t_keep;
	uint64_t t_tlp;	    /* tail loss probe (RFC 8985 7) */
	int tlp_sent;	    /* a probe is out for this flight */

	/* Keepalive (RFC 1122 4.2.3.6) */
	uint32_t keepidle, keepintvl, keepcnt; /* seconds, seconds, count */
	unsigned keep_probes;
	uint64_t last_rcv;

	int so_error;	/* pending, cleared by tcp_error_take */
	int soft_error; /* last ICMP soft error: reported instead of ETIMEDOUT */
	int last_error; /* what ended the connection, kept */
};

/* tcp_subr.c */
struct tcb *tcb_listener(struct stack *st, uint16_t lport);
void tcp_listen_input(struct tcb *lp, const struct tcp_seg *s);
void tcp_syn_options(struct tcb *tp, const struct tcp_seg *s);
struct tcb *tcb_lookup(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport);
void tcp_set_state(struct tcb *tp, enum tcps state);
void tcp_notify(struct tcb *tp, unsigned events);
void tcp_need_output(struct tcb *tp);
/* The connection is over: CLOSED, unhashed, timers off; err (if any) goes to the user. */
void tcp_drop(struct tcb *tp, int err);
uint32_t tcp_rcv_space(const struct tcb *tp);

/* tcp_out.c */
void tcp_output(struct tcb *tp);
void tcp_respond(struct stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
		 uint32_t seq, uint32_t ack, uint8_t flags);
void tcp_send_ack(struct tcb *tp);
void tcp_send_probe(struct tcb *tp);
uint32_t tcp_rcv_window(struct tcb *tp);
uint32_t tcp_maxseg(const struct tcb *tp);
void tcp_xmit(struct tcb *tp, uint32_t seq, uint32_t len, uint8_t flags);
uint32_t tcp_ts_now(const struct tcb *tp);

/* tcp_sack.c: sets of sequence ranges, SACK options, loss recovery */
int seqset_add(struct seq_range *r, unsigned *n, unsigned max, uint32_t start, uint32_t end);
void seqset_trim(struct seq_range *r, unsigned *n, uint32_t below);
size_t tcp_sack_blocks(const struct tcb *tp, uint8_t *out, size_t room);
int tcp_sack_update(struct tcb *tp, const struct tcp_seg *s);
uint32_t tcp_sacked_bytes(const struct tcb *tp);
uint32_t tcp_sack_pipe(const struct tcb *tp);
void tcp_loss_dupack(struct tcb *tp);
void tcp_loss_ack(struct tcb *tp, uint32_t acked);
void tcp_loss_timeout(struct tcb *tp);
void tcp_output_recovery(struct tcb *tp);
void tcp_retransmit_at(struct tcb *tp, uint32_t seq, uint32_t max);

/* tcp_timer.c */
void tcp_rexmt_start(struct tcb *tp);
void tcp_rtt_sample(struct tcb *tp, uint32_t ms);
void tcp_keep_reset(struct tcb *tp);
void tcp_tlp_arm(struct tcb *tp);

#endif /* USTACK_TCP_VAR_H */

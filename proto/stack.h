/* SPDX-License-Identifier: MIT */
/*
 * stack.h - the public face of ustack's protocol code.
 *
 * Theory of operation: proto/ does no I/O.  The owner (ustackd, or a unit
 * test) hands it received frames with stack_input() and the current time in
 * milliseconds, calls stack_flush() after each batch of work (received
 * frames and TCP user calls) so that coalesced ACKs, queued data and events
 * go out, and calls stack_timer() whenever the deadline reported by
 * stack_next_deadline() has passed.  Frames leave through io.xmit().
 *
 * TCP connections are driven through the RFC 9293 user interface (OPEN, SEND,
 * RECEIVE, CLOSE, ABORT) below.  A tcb belongs to its user until the user
 * calls tcp_release(); after that the stack finishes the connection on its
 * own (FIN handshake, TIME_WAIT) and frees it.  The stack tells the user
 * about progress through io.tcp_event() with TCP_EV_* bits, only from inside
 * stack_flush() and stack_timer(); it never frees a tcb the user still holds.
 * User calls (tcp_snd_commit, tcp_rcv_consume, tcp_shutdown) only mark work;
 * it is done at the next stack_flush().
 */
#ifndef USTACK_STACK_H
#define USTACK_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "stats.h"

struct stack;
struct tcb;
struct udp_pcb;

/* Events reported to the owner of a tcb (bit mask). */
#define TCP_EV_CONNECTED 0x01 /* reached ESTABLISHED (active open done) */
#define TCP_EV_READABLE 0x02  /* new in-order data, or the peer's FIN */
#define TCP_EV_WRITABLE 0x04  /* send buffer space was freed by an ACK */
#define TCP_EV_ERROR 0x08     /* connection failed or reset: see tcp_error() */
#define TCP_EV_CLOSED 0x10    /* connection reached CLOSED (no more events) */

struct stack_io {
	void *ctx;
	/* Send one Ethernet frame; the buffer is only valid during the call. */
	void (*xmit)(void *ctx, const uint8_t *frame, size_t len);
	/* Fill buf with unpredictable bytes (ISNs, ephemeral ports). */
	void (*random)(void *ctx, void *buf, size_t len);
	/* Progress on a tcb the user still holds; may be NULL. */
	void (*tcp_event)(void *ctx, struct tcb *tp, void *user, unsigned events);
	/* UDP_EV_* on an open UDP socket; may be NULL. */
	void (*udp_event)(void *ctx, struct udp_pcb *pcb, void *user, unsigned events);
};

struct stack_cfg {
	uint8_t mac[6];
	uint32_t addr;	  /* our IPv4 address, host byte order */
	uint32_t netmask; /* host byte order */
	uint32_t gateway; /* host byte order, 0 if none */
	uint16_t mtu;	  /* IP MTU of the link (e.g. 1500) */

	uint32_t time_wait_ms;	 /* TIME_WAIT length (2*MSL), default 60000 */
	uint32_t arp_ttl_ms;	 /* life of a resolved ARP entry, default 60000 */
	uint32_t arp_retry_ms;	 /* interval between ARP requests, default 1000 */
	uint32_t arp_retries;	 /* requests before giving up, default 3 */
	uint32_t rto_min_ms;	 /* RFC 6298 lower bound, default 200 */
	uint32_t rto_max_ms;	 /* upper bound after backoff, default 60000 */
	uint32_t syn_retries;	 /* SYN retransmissions before ETIMEDOUT, default 6 */
	uint32_t data_retries;	 /* data retransmissions before ETIMEDOUT, default 15 */
	uint32_t delack_ms;	 /* delayed-ACK bound, default 40 */
	uint32_t sndbuf;	 /* per-connection send buffer bytes, default 2 MiB */
	uint32_t rcvbuf;	 /* per-connection receive buffer bytes, default 2 MiB */
	uint32_t max_tcbs;	 /* connection limit, default 4096 */
	uint32_t frag_timeout_ms; /* IPv4 reassembly timeout, default 30000 */
	uint32_t frag_slots;	  /* IPv4 datagrams in reassembly at once (64 KiB each), default 16 */
	uint32_t challenge_ack_limit; /* RFC 5961 challenge ACKs per second, default 1000 */
};

/* Fill cfg with the defaults above; the caller then sets mac/addr/mask/gw. */
void stack_cfg_defaults(struct stack_cfg *cfg);

/* Allocate and initialise a stack; returns NULL on allocation failure. */
struct stack *stack_new(const struct stack_cfg *cfg, const struct stack_io *io, uint64_t now_ms);
/* Free the stack and every tcb it still has (no frames are sent). */
void stack_free(struct stack *st);

/* Input flags for stack_input(). */
#define STACK_IN_CSUM_OK 0x01 /* L4 checksum already verified or not yet filled in */

/* Process one received Ethernet frame (any length, untrusted). */
void stack_input(struct stack *st, const uint8_t *frame, size_t len, unsigned flags,
		 uint64_t now_ms);
/* Send what became due during the last batch (coalesced ACKs, queued data). */
void stack_flush(struct stack *st, uint64_t now_ms);
/* Run expired timers (retransmission, delayed ACK, TIME_WAIT, ARP). */
void stack_timer(struct stack *st, uint64_t now_ms);
/* Absolute time of the earliest pending timer, or UINT64_MAX if none. */
uint64_t stack_next_deadline(const struct stack *st);

/* Counters, indexed by enum stat_id (stats.h). */
const uint64_t *stack_stats(const struct stack *st);
/* Number of tcbs allocated right now (user-held and stack-held). */
unsigned stack_tcb_count(const struct stack *st);
/*
 * Call fn for every tcb, held or not (user is NULL once released), for
 * status listings.  fn must not call into the stack.
 */
void stack_tcb_walk(const struct stack *st, void (*fn)(void *arg, const struct tcb *tp, void *user),
		    void *arg);

/* ---- TCP user interface (RFC 9293 3.10) ---- */

/*
 * OPEN (active): start a connection to raddr:rport (host byte order) and send
 * the SYN.  Returns the tcb, or NULL with *err set to a positive errno:
 * ENETUNREACH (no route), EADDRNOTAVAIL (no free port), ENOBUFS (limit).
 */
struct tcb *tcp_connect(struct stack *st, uint32_t raddr, uint16_t rport, void *user,
			uint64_t now_ms, int *err);

/*
 * OPEN (passive): listen on lport of our address.  Returns the listener or
 * NULL with *err: EADDRINUSE, EINVAL (port 0), ENOBUFS.  backlog bounds the
 * connections not yet accepted.  TCP_EV_READABLE on the listener means
 * tcp_accept() has one; tcp_release() closes it and resets those.
 */
struct tcb *tcp_listen(struct stack *st, uint16_t lport, int backlog, void *user, int *err);
/* The next established connection of a listener, now held with user; NULL if none. */
struct tcb *tcp_accept(struct tcb *lp, void *user);

/* OPEN from a given local port (0: pick one); EADDRINUSE if that 4-tuple is taken. */
struct tcb *tcp_connect_port(struct stack *st, uint16_t lport, uint32_t raddr, uint16_t rport,
			     void *user, uint64_t now_ms, int *err);

/* Free space in the send buffer as up to two iovecs; returns total bytes. */
size_t tcp_snd_space(struct tcb *tp, struct iovec iov[2]);
/* SEND: commit n bytes just written into the space from tcp_snd_space(). */
void tcp_snd_commit(struct tcb *tp, size_t n);
/* Received in-order data as up to two iovecs; returns total bytes. */
size_t tcp_rcv_data(struct tcb *tp, struct iovec iov[2]);
/* RECEIVE: the user consumed n bytes; may send a window update. */
void tcp_rcv_consume(struct tcb *tp, size_t n);
/* True once the peer's FIN has been received (after the data before it). */
int tcp_rcv_fin(const struct tcb *tp);

/* CLOSE: no more data from the user; FIN after what is queued.  Idempotent. */
void tcp_shutdown(struct tcb *tp);
/* ABORT: send RST (if synchronized) and go to CLOSED. */
void tcp_abort(struct tcb *tp);
/*
 * The user lets go of tp.  Unread received data or further data from the
 * peer means the application will never read it: the connection is reset,
 * as RFC 9293 3.10.4 and Linux do.  Otherwise it is closed (FIN) if it was
 * not yet, and the stack frees it after TIME_WAIT.  tp is invalid after this.
 */
void tcp_release(struct tcb *tp);

/* Pending error (positive errno) or 0; tcp_error_take() clears it (SO_ERROR). */
int tcp_error(const struct tcb *tp);
int tcp_error_take(struct tcb *tp);
/* True if the connection ended by a RST from the peer. */
int tcp_was_reset(const struct tcb *tp);
/* The state as Linux numbers it (TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11). */
int tcp_state(const struct tcb *tp);
const char *tcp_state_name(int state);
/* Local and remote endpoints, host byte order. */
void tcp_endpoints(const struct tcb *tp, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
		   uint16_t *rport);

/* Options the socket API sets (values as in setsockopt, times in seconds). */
enum tcp_opt {
	TCP_OPT_NODELAY,
	TCP_OPT_KEEPALIVE,
	TCP_OPT_KEEPIDLE,
	TCP_OPT_KEEPINTVL,
	TCP_OPT_KEEPCNT,
};
/* Returns 0 or -EINVAL for an out-of-range value. */
int tcp_setopt(struct tcb *tp, enum tcp_opt opt, int val);
int tcp_getopt(const struct tcb *tp, enum tcp_opt opt);

/* Information like Linux's struct tcp_info, for status and TCP_INFO. */
struct tcp_stat {
	int state;
	uint32_t snd_una, snd_nxt, rcv_nxt, snd_wnd, rcv_wnd;
	uint32_t mss, cwnd, ssthresh;
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t retransmits, total_retrans;
	size_t snd_queued, rcv_queued;
};
void tcp_get_stat(const struct tcb *tp, struct tcp_stat *ts);

/* ---- UDP (RFC 768, RFC 1122 4.1): the calls behind a SOCK_DGRAM socket ---- */

/*
 * A pcb is one socket: it belongs to its user from udp_open() to
 * udp_close().  Datagrams for it wait in a receive queue of rcvbuf bytes
 * (SO_RCVBUF: payload plus UDP_REC_OVERHEAD each; one datagram always fits
 * an empty queue), allocated once; more are dropped and counted
 * (udp_rcvbuf_errors).  Sends go out at once; a datagram longer than the
 * MTU leaves in IPv4 fragments.  Ports are UDP's own, one pcb each (no
 * SO_REUSEADDR).  io.udp_event() reports UDP_EV_* only from stack_flush()
 * and stack_timer(); the callback may call any udp_* function, udp_close()
 * included.  Addresses and ports are in host byte order; functions return
 * 0 (or a count) or -errno as the matching Linux call would fail.
 */
#define UDP_EV_READABLE 0x01 /* a datagram was queued */
#define UDP_EV_ERROR 0x02    /* an ICMP error is pending: see udp_error() */

#define UDP_PEEK 0x01		/* udp_recv(): leave the datagram queued (MSG_PEEK) */
#define UDP_RCVBUF_DEFAULT 212992 /* Linux's rmem_default */
#define UDP_REC_OVERHEAD 8	/* queue bytes per datagram besides its payload */
#define UDP_MAX_PCBS 4096	/* open pcbs per stack */
#define UDP_MAX_PAYLOAD 65507	/* 65535 less the IPv4 and UDP headers */

/* socket(): NULL with *err = ENOBUFS (limit or memory). */
struct udp_pcb *udp_open(struct stack *st, void *user, int *err);
/*
 * bind(): laddr 0 (INADDR_ANY) or our address; port 0 picks a free one in
 * 32768-60999 from a random start.  -EINVAL if bound already,
 * -EADDRNOTAVAIL, -EADDRINUSE, -EAGAIN (no free port).
 */
int udp_bind(struct udp_pcb *pcb, uint32_t laddr, uint16_t port);
/*
 * connect(): send to raddr:rport by default and take datagrams only from
 * there; binds a port first if none.  raddr 0 (AF_UNSPEC) disconnects, and
 * gives back a port that connect (not bind) chose.  -ENETUNREACH (no
 * route), -EACCES (broadcast: no SO_BROADCAST), -EAGAIN (no free port).
 */
int udp_connect(struct udp_pcb *pcb, uint32_t raddr, uint16_t rport);
/*
 * sendto()/sendmsg(): one datagram of the iovecs' bytes (0 allowed) to
 * raddr:rport, or to the connected peer if raddr is 0.  Returns the bytes
 * sent, or -EMSGSIZE (over UDP_MAX_PAYLOAD), -EINVAL (port 0 or bad iovec),
 * -EDESTADDRREQ (no address, not connected), -EAGAIN (no free port),
 * -ENETUNREACH, -EACCES (broadcast), or a pending error (udp_error_take()).
 */
ssize_t udp_sendto(struct udp_pcb *pcb, uint32_t raddr, uint16_t rport, const struct iovec *iov,
		   int iovcnt);
/*
 * recvfrom()/recvmsg(): copy the next datagram into the iovecs; the rest of
 * a longer one is discarded (unless UDP_PEEK).  Returns the bytes copied
 * and sets the sender and *full_len (the datagram's length: MSG_TRUNC);
 * -EAGAIN if none is queued, or a pending error first, as Linux.
 */
ssize_t udp_recv(struct udp_pcb *pcb, struct iovec *iov, int iovcnt, uint32_t *raddr,
		 uint16_t *rport, int flags, size_t *full_len);
/* Length of the next queued datagram (FIONREAD, SIOCINQ), -EAGAIN if none. */
ssize_t udp_pending(const struct udp_pcb *pcb);
/* Pending error (positive errno) or 0; udp_error_take() clears it (SO_ERROR). */
int udp_error(const struct udp_pcb *pcb);
int udp_error_take(struct udp_pcb *pcb);
/* SO_RCVBUF in bytes, as the stack applies it (the shim does Linux's doubling). */
int udp_set_rcvbuf(struct udp_pcb *pcb, size_t bytes);
size_t udp_get_rcvbuf(const struct udp_pcb *pcb);
/* getsockname()/getpeername(): laddr 0 if bound to any and not connected, raddr 0 if not. */
void udp_endpoints(const struct udp_pcb *pcb, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
		   uint16_t *rport);
/* close(): drop what is queued and free the pcb; no more events. */
void udp_close(struct udp_pcb *pcb);
/* Number of open pcbs. */
unsigned stack_udp_count(const struct stack *st);

#endif /* USTACK_STACK_H */

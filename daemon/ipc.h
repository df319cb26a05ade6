/* SPDX-License-Identifier: MIT */
/*
 * ipc.h - the control protocol between libustack.so and ustackd.
 *
 * Theory of operation: every intercepted AF_INET stream socket is an AF_UNIX
 * SOCK_STREAM socketpair.  The program keeps one end as its fd; the daemon
 * gets the other end by SCM_RIGHTS inside IPC_CONNECT, and from then on the
 * bytes of the connection flow over the pair with no per-call messages.
 *
 * Only calls whose meaning differs from a plain AF_UNIX socket travel over a
 * per-process control connection: a SOCK_SEQPACKET socket to the daemon's
 * path, so one message is one datagram and the kernel keeps the boundaries.
 * Every request gets exactly one reply with the same seq, except
 * IPC_RELEASE, which has none.  All integers are host byte order (both ends
 * run on the same host); addresses and ports are network byte order, as in
 * struct sockaddr_in, so the shim can copy them into the program's structs.
 *
 * A message is a struct ipc_hdr followed by the body for its type; hdr.len
 * is the whole message length.  The receiver checks version, type and exact
 * length before it looks at the body; anything else drops the connection.
 *
 * Connection set-up and readiness ("filler"): before IPC_CONNECT the shim
 * shrinks the program end's SO_SNDBUF and writes filler bytes until EAGAIN,
 * so that the program sees its socket unwritable while the handshake runs,
 * as in SYN-SENT.  It tells the daemon how many filler bytes it wrote.  When
 * the connection is established the daemon reads and discards exactly that
 * many bytes, and the program's poll/select/epoll report POLLOUT.  When the
 * connection fails, the daemon closes its end with the filler unread; the
 * program sees POLLOUT|POLLERR|POLLHUP and asks IPC_GETINFO for SO_ERROR.
 */
#ifndef USTACK_IPC_H
#define USTACK_IPC_H

#include <stdint.h>

#define IPC_VERSION 1
#define IPC_MAX_MSG 512 /* no message is larger */

enum ipc_type {
	IPC_HELLO = 1,	/* shim -> daemon: first message; reply: err [+ caps: ipc_hello_rep] */
	IPC_CONNECT,	/* shim -> daemon: + SCM_RIGHTS(daemon end); reply: ipc_connect_rep */
	IPC_GETINFO,	/* shim -> daemon: sock_id; reply: ipc_info */
	IPC_SETOPT,	/* shim -> daemon: ipc_opt; reply: err */
	IPC_RELEASE,	/* shim -> daemon: the program closed its last fd of sock_id; no reply */
	/* Observation (the ustack command), see "Observing the daemon" below. */
	IPC_STATUS,	/* ipc_list_req; reply: ipc_status_rep */
	IPC_STATS,	/* ipc_list_req; reply: ipc_stats_rep */
	IPC_CAPTURE,	/* ipc_capture [+ SCM_RIGHTS(fd) to start]; reply: ipc_capture_rep */
	/* Sent only to a daemon that advertises it, see "Capabilities" below. */
	IPC_QUEUES,	/* shim -> daemon: sock_id; reply: ipc_queues (IPC_CAP_QUEUES) */
	IPC_TYPE_MAX,
};

struct ipc_hdr {
	uint16_t version; /* IPC_VERSION */
	uint16_t type;	  /* enum ipc_type */
	uint32_t len;	  /* whole message, header included */
	uint32_t seq;	  /* echoed in the reply */
	uint32_t sock_id; /* the daemon's socket id, 0 if none */
	int32_t err;	  /* replies: 0 or a positive errno */
	uint32_t pad;
};

/* IPC_HELLO body: who is calling (the daemon also reads SO_PEERCRED). */
struct ipc_hello {
	struct ipc_hdr hdr;
	int32_t pid;
	uint32_t pad;
};

/* Options a program may set before connect(); sent along with IPC_CONNECT. */
struct ipc_sockopts {
	int32_t nodelay;
	int32_t keepalive;
	int32_t keepidle;  /* seconds, 0 = stack default */
	int32_t keepintvl; /* seconds, 0 = stack default */
	int32_t keepcnt;   /* 0 = stack default */
	uint32_t pad;
};

struct ipc_connect {
	struct ipc_hdr hdr;
	uint32_t daddr; /* network byte order */
	uint16_t dport; /* network byte order */
	uint16_t pad;
	uint32_t filler; /* filler bytes the shim wrote into the pair */
	uint32_t pad2;
	struct ipc_sockopts opts;
};

struct ipc_connect_rep {
	struct ipc_hdr hdr; /* err: an immediate failure (ENETUNREACH, ...) */
	uint32_t laddr;	    /* network byte order */
	uint16_t lport;	    /* network byte order */
	uint16_t pad;
};

/* IPC_GETINFO reply. */
struct ipc_info {
	struct ipc_hdr hdr;   /* err: lookup failure (EBADF: unknown sock_id) */
	int32_t state;	      /* tcp_state() numbering, 0 if the tcb is gone */
	int32_t so_error;     /* pending error, cleared by this call (SO_ERROR) */
	int32_t last_error;   /* the error that ended the connection, kept */
	uint32_t reset;	      /* 1 if the peer reset the connection */
	uint32_t laddr, raddr; /* network byte order */
	uint16_t lport, rport; /* network byte order */
	uint32_t pad;
};

/* IPC_SETOPT body: one option on an open socket. */
enum ipc_opt_name {
	IPC_OPT_NODELAY = 1,
	IPC_OPT_KEEPALIVE,
	IPC_OPT_KEEPIDLE,
	IPC_OPT_KEEPINTVL,
	IPC_OPT_KEEPCNT,
	/* Only to a daemon that advertises them (ipc_hello_rep.caps). */
	IPC_OPT_LINGER, /* IPC_CAP_LINGER; -1: off, else l_linger in seconds (0: RST on close) */
	IPC_OPT_TOS,	/* IPC_CAP_IPOPTS; IP_TOS byte (ECN bits clear) */
	IPC_OPT_TTL,	/* IPC_CAP_IPOPTS; 1..255, -1: the stack's default */
};

struct ipc_opt {
	struct ipc_hdr hdr;
	int32_t name; /* enum ipc_opt_name */
	int32_t value;
};

/*
 * Observing the daemon: IPC_STATUS, IPC_STATS, IPC_CAPTURE.
 *
 * A listing (every socket, every counter) does not fit one IPC_MAX_MSG
 * message, and the rule "one request, one reply" stays: the client pages
 * through it.  A request with cursor 0 makes the daemon take a snapshot of
 * the whole listing for this control connection (so the pages agree with
 * each other, which /proc/net/tcp read in chunks does not); each reply
 * carries `total`, the index of its first item and up to IPC_*_PER_MSG
 * items; the client asks again with cursor = first + count until it has
 * `total`.  The snapshot is freed after its last page, by a new cursor 0,
 * or when the connection closes.  A cursor past the snapshot, or without
 * one, is answered with EINVAL (a bare header) and the client starts over.
 * Replies have a variable length: offsetof(items) + count * sizeof(item).
 */
struct ipc_list_req {
	struct ipc_hdr hdr;
	uint32_t cursor; /* 0: take a new snapshot, else the next item wanted */
	uint32_t pad;
};

/* ipc_sock_rec.flags */
#define IPC_SOCK_ORPHAN 0x1 /* the program let go: only the stack holds it (no owner) */
#define IPC_SOCK_NOCTL	0x2 /* held, but its creator's control connection is gone (fork) */
#define IPC_SOCK_RESET	0x4 /* the peer reset it */

/* One TCP connection, as `ss -tanp` shows it. */
struct ipc_sock_rec {
	uint32_t sock_id;	/* the daemon's socket id, 0 for an orphan */
	int32_t state;		/* Linux TCP_* numbering (TCP_ESTABLISHED = 1 ...) */
	char state_name[16];	/* "ESTABLISHED", "TIME-WAIT", ... NUL-terminated */
	uint32_t laddr, raddr;	/* network byte order */
	uint16_t lport, rport;	/* network byte order */
	int32_t pid;		/* the creator (SO_PEERCRED); 0: no owner or not shown */
	uint32_t uid;		/* valid when pid != 0 */
	char comm[16];		/* /proc/PID/comm of the creator at connect time, NUL-terminated */
	uint32_t snd_queued;	/* bytes in the stack's send buffer (unacknowledged + unsent) */
	uint32_t rcv_queued;	/* bytes received, not yet written to the program's socket */
	uint32_t pair_unread;	/* bytes the program wrote that the daemon has not read yet */
	uint32_t mss, cwnd, ssthresh; /* bytes */
	uint32_t snd_wnd, rcv_wnd;    /* bytes */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t retransmits;	/* current backoff (unacknowledged retransmissions) */
	uint32_t total_retrans; /* segments retransmitted over the connection's life */
	uint32_t flags;		/* IPC_SOCK_* */
	uint32_t pad;
};

#define IPC_STATUS_PER_MSG 3

struct ipc_status_rep {
	struct ipc_hdr hdr; /* err: EINVAL (bad cursor), ENOMEM */
	uint32_t total;	    /* sockets in the snapshot */
	uint32_t first;	    /* index of rec[0] */
	uint32_t count;	    /* records in this message */
	uint32_t pad;
	struct ipc_sock_rec rec[IPC_STATUS_PER_MSG];
};

/* ipc_stat_ent.source */
#define IPC_STAT_STACK	1 /* proto/stats.h; the name's prefix (eth_, arp_, ip_, icmp_, tcp_) is its protocol */
#define IPC_STAT_DAEMON 2 /* daemon/daemon.h */

/* One counter with its name and description, so the client needs no table. */
struct ipc_stat_ent {
	uint64_t value;
	uint32_t source; /* IPC_STAT_* */
	uint32_t pad;
	char name[32];	 /* NUL-terminated */
	char desc[96];	 /* NUL-terminated */
};

#define IPC_STATS_PER_MSG 3

struct ipc_stats_rep {
	struct ipc_hdr hdr;
	uint32_t total, first, count, pad; /* as in ipc_status_rep */
	struct ipc_stat_ent ent[IPC_STATS_PER_MSG];
};

/*
 * IPC_CAPTURE: a live pcap of the frames the stack receives and sends,
 * written by the daemon into a file descriptor the client passes with
 * SCM_RIGHTS (a regular file, a memfd or a pipe), so the daemon needs no
 * filesystem access after start-up.  A control connection has at most one
 * capture; it ends with IPC_CAPTURE_STOP, whose reply carries the counts
 * once everything is written, or when the connection closes.  Only uid 0
 * and ustackd's own uid may capture: frames carry every user's data.
 *
 * The filter is compiled by the client (daemon/capfilter.c) into terms: it
 * matches if any group matches; a group is a run of terms that all match;
 * IPC_FT_OR starts a new group ("a and b or c" = (a and b) or (c)).  No
 * terms: every frame.
 */
enum ipc_capture_op {
	IPC_CAPTURE_START = 1, /* + SCM_RIGHTS(fd) */
	IPC_CAPTURE_STOP,
};

enum ipc_ft_kind {
	IPC_FT_HOST = 1, /* value: IPv4 address, network byte order (ARP: sender or target) */
	IPC_FT_PORT,	 /* value: TCP port, host byte order */
	IPC_FT_PROTO,	 /* value: IPC_FP_* */
};

enum ipc_ft_proto {
	IPC_FP_IP = 1,
	IPC_FP_ARP,
	IPC_FP_TCP,
	IPC_FP_ICMP,
};

/* ipc_filter_term.dir */
#define IPC_FD_ANY 0
#define IPC_FD_SRC 1
#define IPC_FD_DST 2

/* ipc_filter_term.flags */
#define IPC_FT_NOT 0x1 /* negate this term */
#define IPC_FT_OR  0x2 /* this term starts a new group */

struct ipc_filter_term {
	uint8_t kind;  /* enum ipc_ft_kind */
	uint8_t dir;   /* IPC_FD_*; only for HOST and PORT */
	uint8_t flags; /* IPC_FT_* */
	uint8_t pad;
	uint32_t value;
};

#define IPC_FILTER_TERMS 16
#define IPC_FILTER_TEXT	 128

struct ipc_capture {
	struct ipc_hdr hdr;
	uint32_t op;	  /* enum ipc_capture_op */
	uint32_t nterms;  /* terms used, at most IPC_FILTER_TERMS */
	uint32_t snaplen; /* bytes kept of each frame, 0: all */
	uint32_t pad;
	struct ipc_filter_term term[IPC_FILTER_TERMS];
	char text[IPC_FILTER_TEXT]; /* the filter as typed, for the log; NUL-terminated */
};

struct ipc_capture_rep {
	struct ipc_hdr hdr; /* err: EPERM, EBUSY (one already), EINVAL (fd, terms), ENOENT (stop: none) */
	uint64_t frames;    /* frames written */
	uint64_t dropped;   /* frames that matched but could not be written (full pipe, error) */
	uint64_t bytes;	    /* bytes written, file header included */
	int32_t write_error; /* errno of the write that failed, 0 if none */
	uint32_t pad;
};

/*
 * Capabilities.  The daemon drops a control connection that sends a type it
 * does not know, and refuses an option name it does not know, so newer
 * messages and options are sent only to a daemon that says it has them.
 * A daemon that knows none of them answers IPC_HELLO with a bare struct
 * ipc_hdr; one that knows some answers with struct ipc_hello_rep, and the
 * shim accepts either length.
 *
 * IPC_CAP_LINGER: IPC_OPT_LINGER.  With l_linger 0 the daemon aborts the
 *   connection (RST, send buffer discarded) instead of shutting it down when
 *   the program's last copy of the socket is gone (its end of the pair hung
 *   up), as tcp_close() does for SO_LINGER {1, 0}; that covers close(),
 *   exit, close_range and every close the shim does not see.
 * IPC_CAP_IPOPTS: IPC_OPT_TOS and IPC_OPT_TTL for the connection's segments.
 * IPC_CAP_QUEUES: IPC_QUEUES, the counts behind ioctl SIOCOUTQ/SIOCOUTQNSD.
 */
#define IPC_CAP_LINGER 0x1
#define IPC_CAP_IPOPTS 0x2
#define IPC_CAP_QUEUES 0x4

struct ipc_hello_rep {
	struct ipc_hdr hdr;
	uint32_t caps; /* IPC_CAP_* */
	uint32_t pad;
};

/*
 * IPC_QUEUES reply: one instant of the bytes between the program and the
 * wire.  SIOCOUTQ is pair_unread + snd_queued, SIOCOUTQNSD pair_unread +
 * snd_unsent (Linux: write_seq - snd_una, write_seq - snd_nxt).
 */
struct ipc_queues {
	struct ipc_hdr hdr;   /* err: EBADF (unknown sock_id) */
	uint32_t pair_unread; /* bytes the program wrote that the daemon has not read (SIOCINQ on its end) */
	uint32_t snd_queued;  /* bytes in the stack's send buffer, unacknowledged + unsent */
	uint32_t snd_unsent;  /* of those, not sent yet */
	uint32_t rcv_queued;  /* bytes received, not yet written into the pair */
};

_Static_assert(sizeof(struct ipc_status_rep) <= IPC_MAX_MSG, "IPC_STATUS reply too large");
_Static_assert(sizeof(struct ipc_stats_rep) <= IPC_MAX_MSG, "IPC_STATS reply too large");
_Static_assert(sizeof(struct ipc_capture) <= IPC_MAX_MSG, "IPC_CAPTURE request too large");

#endif /* USTACK_IPC_H */

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
	IPC_HELLO = 1,	/* shim -> daemon: first message; reply: err */
	IPC_CONNECT,	/* shim -> daemon: + SCM_RIGHTS(daemon end); reply: ipc_connect_rep */
	IPC_GETINFO,	/* shim -> daemon: sock_id; reply: ipc_info */
	IPC_SETOPT,	/* shim -> daemon: ipc_opt; reply: err */
	IPC_RELEASE,	/* shim -> daemon: the program closed its last fd of sock_id; no reply */
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
};

struct ipc_opt {
	struct ipc_hdr hdr;
	int32_t name; /* enum ipc_opt_name */
	int32_t value;
};

#endif /* USTACK_IPC_H */

/* SPDX-License-Identifier: MIT */
/*
 * client.h - programs talking to ustackd: control connections (client.c)
 * and the sockets they open (usock.c).
 *
 * A struct ctl is one control connection from one process's shim.  A struct
 * usock is one intercepted TCP socket: the daemon's end of the program's
 * AF_UNIX socketpair and the tcb that carries its bytes.  A usock is owned
 * by the ctl that created it, but it lives as long as its pair or tcb does:
 * a control connection that goes away (the process exited, or it forked and
 * the child holds the socket now) gives up ownership, it does not end the
 * connection.
 */
#ifndef USTACKD_CLIENT_H
#define USTACKD_CLIENT_H

#include <ev.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/un.h>

#include "stack.h"

struct ipc_info;
struct listing;
struct pcap_tap;

#define USOCK_HASH_SIZE 4096 /* buckets of the id table (power of two) */
#define UID_HASH_SIZE	64   /* buckets of the per-uid accounting table (power of two) */

struct client;

/* usock.flags */
#define US_QUEUED     0x0001 /* on client.pending */
#define US_ESTAB      0x0002 /* TCP_EV_CONNECTED seen: the pair carries data */
#define US_RD_BLOCKED 0x0004 /* send buffer full: reading waits for TCP_EV_WRITABLE */
#define US_APP_EOF    0x0008 /* the program shut its write side; tcp_shutdown() done */
#define US_WR_WAIT    0x0010 /* the pair is full: delivering waits for EV_WRITE */
#define US_RCV_LEFT   0x0020 /* received data not yet delivered to the pair */
#define US_FIN_SENT   0x0040 /* peer's FIN delivered: shutdown(SHUT_WR) on the pair */
#define US_TCP_DONE   0x0080 /* TCP_EV_ERROR or TCP_EV_CLOSED: nothing more from the peer */
#define US_RESET      0x0100 /* the peer reset the connection */
#define US_RELEASED   0x0200 /* IPC_RELEASE from the owner */

struct ctl {
	ev_io io;
	int fd;
	pid_t pid; /* SO_PEERCRED */
	uid_t uid;
	unsigned nsocks; /* usocks owned */
	struct client *cl;
	LIST_ENTRY(ctl) link;
	LIST_HEAD(, usock) socks;
	/* Observation (status.c, IPC_CAPTURE) */
	char comm[16];		 /* /proc/PID/comm, read at the first IPC_CONNECT */
	int comm_read;		 /* comm was looked up (it may have stayed empty) */
	struct listing *listing; /* the IPC_STATUS/IPC_STATS snapshot being paged */
	struct pcap_tap *tap;	 /* its live capture, if any */
};

/* What one uid holds, for max-sockets-per-uid and max-buffered-per-uid. */
struct uid_acct {
	uid_t uid;
	unsigned nsocks; /* usocks charged to it (owned or orphaned) */
	uint64_t bytes;	 /* stack buffer memory of those sockets */
	uint64_t logged; /* mono_ms() of the last limit line */
	LIST_ENTRY(uid_acct) link;
};

struct client_limits {
	unsigned max_socks_per_uid;  /* 0: none */
	uint64_t max_buf_per_uid;    /* 0: none */
	uint64_t sock_bytes;	     /* buffer memory of one socket (send + receive) */
	unsigned long long fd_limit; /* RLIMIT_NOFILE, for the log line */
	uint64_t logged;	     /* mono_ms() of the last max-sockets line */
};

/* Who may connect to a socket file we create. */
struct client_access {
	int mode;      /* file mode of the socket */
	gid_t gid;     /* its group, (gid_t)-1: ours */
	uid_t dir_uid; /* owner for a directory we create, (uid_t)-1: ours */
	gid_t dir_gid;
};

struct usock {
	uint32_t id;	       /* never 0, unique among live usocks */
	struct uid_acct *acct; /* the uid it is charged to */
	unsigned flags;
	int fd;		       /* daemon end of the pair, -1 once closed */
	int io_events;	       /* what io is started with (0: stopped) */
	ev_io io;	       /* on fd */
	struct tcb *tp;	       /* NULL once released */
	uint32_t filler;       /* filler bytes still to discard from the pair */
	uint32_t discarded;    /* bytes discarded after the connection ended */
	unsigned pending;      /* TCP_EV_* bits not handled yet */
	int so_error;	       /* pending error for SO_ERROR, positive errno */
	int last_error;	       /* the error that ended the connection, kept */
	uint32_t laddr, raddr; /* host byte order, kept after the tcb is gone */
	uint16_t lport, rport;
	struct ctl *owner; /* NULL once the owning control connection is gone */
	pid_t pid;	   /* the creator, for `ustack status` (kept after owner goes) */
	uid_t uid;
	char comm[16];
	struct client *cl;
	LIST_ENTRY(usock) id_link;
	LIST_ENTRY(usock) owner_link;
	TAILQ_ENTRY(usock) pending_link;
};

struct client {
	struct ev_loop *loop;
	struct stack *st;
	int lfd;       /* listening socket */
	int activated; /* lfd came from systemd (socket activation): not ours to unlink */
	ev_io lio;
	ev_timer lpause; /* accept() hit EMFILE: listen again later */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	LIST_HEAD(, ctl) ctls;
	unsigned nctls;
	LIST_HEAD(, usock) ids[USOCK_HASH_SIZE];
	unsigned nsocks;
	uint32_t next_id;
	TAILQ_HEAD(, usock) pending; /* usocks with stack events to handle */
	unsigned npending;
	LIST_HEAD(, uid_acct) uids[UID_HASH_SIZE];
	unsigned nuids;
	struct client_limits lim; /* set by main() before client_start() */
	uint64_t fd_logged;	  /* mono_ms() of the last out-of-fds line */
};

/* ---- client.c: start-up (die on error) ---- */

/*
 * Check that path is usable and free: dies if its directory is missing
 * (unless client_listen() is to create it) or if another ustackd (or
 * anything else) listens there.  Returns 1 if a stale socket file is there
 * (to be removed by client_listen()), 0 if nothing is.
 */
int client_probe_path(const char *path, int mkdir_parent);
/*
 * Create the directory if asked, bind, give the file acc's group and mode,
 * listen; dies on error.
 */
void client_listen(struct client *cl, const char *path, int stale, int mkdir_parent,
		   const struct client_access *acc);
/* Take the listening socket systemd passed instead; dies if it is not one. */
void client_adopt(struct client *cl, int fd);
/* Start accepting clients in loop, for the stack st. */
void client_start(struct client *cl, struct ev_loop *loop, struct stack *st);
/* Close everything: clients, sockets (their connections are aborted), the listener. */
void client_stop(struct client *cl);

/* A usock is being freed: give its uid back what it was charged. */
void client_uncharge(struct usock *us);

/* Check one control message (version, type, exact length); its type or -EINVAL. */
int ipc_validate(const void *msg, size_t len);

/* ---- usock.c ---- */

/* Find a live usock by id; NULL if none. */
struct usock *usock_lookup(struct client *cl, uint32_t id);
/*
 * IPC_CONNECT: adopt the pair end fd (always consumed) and start a
 * connection.  Returns the usock, or NULL with *err a positive errno.
 */
struct usock *usock_connect(struct client *cl, struct ctl *owner, int fd, uint32_t daddr,
			    uint16_t dport, uint32_t filler, int *err);
/* IPC_GETINFO: state, errors (SO_ERROR is cleared), endpoints. */
void usock_getinfo(struct usock *us, struct ipc_info *info);
/* Set one IPC_OPT_* option; 0 or a positive errno (ENOPROTOOPT, EINVAL). */
int usock_setopt(struct usock *us, int name, int value);
/* IPC_RELEASE from the owner. */
void usock_release(struct usock *us);
/* The owning control connection went away. */
void usock_orphan(struct usock *us);
/* Tear down at daemon exit: abort the connection, close the pair, free. */
void usock_destroy(struct usock *us);
/* io.tcp_event from the stack: record and queue for client_run_pending(). */
void usock_tcp_event(struct client *cl, struct tcb *tp, void *user, unsigned events);
/* Handle the queued stack events (a bounded pass); call outside the stack. */
void client_run_pending(struct client *cl);
static inline int client_has_pending(const struct client *cl)
{
	return cl->npending != 0;
}

#endif /* USTACKD_CLIENT_H */

/* SPDX-License-Identifier: MIT */
/*
 * shim.h - internals of libustack.so, the LD_PRELOAD socket shim.
 *
 * Theory of operation: socket(AF_INET, SOCK_STREAM) returns one end ("A") of
 * an AF_UNIX stream socketpair instead of a kernel TCP socket.  The shim keeps
 * the other end ("B") until connect(), which hands B to ustackd together with
 * the destination over the per-process control connection (ipc.h).  From then
 * on the bytes of the connection flow over the pair, so poll, select, epoll,
 * fork, O_NONBLOCK, FIONBIO, MSG_PEEK and shutdown work natively.  The shim
 * only corrects what an AF_UNIX socket would answer differently from a TCP
 * socket: connect and its readiness, SO_ERROR, TCP options, addresses, and
 * whether a read of 0 is an end of file or a reset.
 *
 * The shim's state is an fd table (table.c) of pointers to struct usock, one
 * per socket, shared by the fds that dup() made.  The data path looks at one
 * slot and one flag word without a lock; everything else runs under g_lock
 * with signals blocked, so that a signal handler calling close() cannot
 * deadlock against the thread it interrupted.  A slot is a cache, validated by
 * the inode of end A on the slow paths: a socket closed behind the shim's back
 * (a close the wrappers of close.c did not see) is noticed and dropped.
 *
 * Processes: fork() runs pthread_atfork handlers, so a child gets its own
 * control connection (real.c).  A child of vfork() or of a raw clone() runs
 * no handler and may share the parent's memory: there the shim leaves the
 * table alone (shim_foreign()) and close, dup and friends go straight to the
 * kernel, which is all such a child may do before exec or _exit.  Across
 * exec the sockets travel in $USTACK_FDS (exec.c).
 */
#ifndef USTACK_SHIM_H
#define USTACK_SHIM_H

/* The shim defines read() and friends; fortify's inline versions must not. */
#undef _FORTIFY_SOURCE

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"

/* What the host program sees; everything else stays hidden (-fvisibility). */
#define SHIM_API __attribute__((visibility("default")))

#define USTACK_DEFAULT_SOCKET "/run/ustack/ustackd.sock"

/* ---- the real libc functions (real.c) ---- */

struct real_fns {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*shutdown)(int, int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	int (*ioctl)(int, unsigned long, ...);
	long (*syscall)(long, ...);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*fclose)(FILE *);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			    const posix_spawnattr_t *, char *const[], char *const[]);
};

extern struct real_fns real;
extern int real_ready; /* set (release) once `real` is filled */

/* Resolve the real functions once (also run as a constructor); never fails. */
const struct real_fns *real_get(void);
/* The kernel's syscall(), never the shim's dispatcher; -1 and errno on error. */
long real_syscall6(long nr, long a, long b, long c, long d, long e, long f);

/* The process the table belongs to: set at load time and in fork()'s child. */
extern pid_t g_pid;

/*
 * True in a child the shim did not see forked (vfork(), clone()): it may
 * share the parent's memory, so it must not change the table.  A syscall:
 * for the slow paths only.
 */
static inline bool shim_foreign(void)
{
	return getpid() != __atomic_load_n(&g_pid, __ATOMIC_RELAXED);
}

#define REAL(fn)                                                                                   \
	(__builtin_expect(__atomic_load_n(&real_ready, __ATOMIC_ACQUIRE), 1) ? real.fn             \
									     : real_get()->fn)

/* ---- per-socket state and the fd table (table.c) ---- */

enum us_state {
	US_UNCONN,     /* socket() done, B still held by the shim */
	US_CONNECTING, /* B handed to the daemon, handshake running */
	US_CONNECTED,  /* the program has seen the connection established */
	US_FAILED,     /* the connection attempt failed; the pair is dead */
};

/* Bits of usock.fast, read without the lock on the data path. */
#define F_UNCONN  0x1 /* no connect() yet: reads ENOTCONN, writes EPIPE */
#define F_RESTORE 0x2 /* SO_SNDBUF still shrunk for the filler */

/* Bits of usock.opts_set: options the program set itself. */
#define OPT_SET(name) (1u << (name))

struct usock {
	unsigned fast; /* F_* bits, atomic */
	int refs;      /* fd slots + temporary pins, under g_lock */
	pid_t owner;   /* process that created it; only it sends IPC_RELEASE */
	ino_t ino;     /* st_ino of end A */
	int b_fd;      /* end B before connect, else -1 */
	ino_t b_ino;
	uint32_t sock_id; /* the daemon's id, 0 before connect */
	enum us_state state;

	struct ipc_sockopts opts; /* current values, 0 = stack default */
	unsigned opts_set;	  /* OPT_SET(IPC_OPT_*) */
	int user_sndbuf;	  /* SO_SNDBUF/SO_RCVBUF the program set, 0 if none */
	int user_rcvbuf;
	int sndbuf_saved; /* SO_SNDBUF (as getsockopt reports it) to restore */

	struct sockaddr_in local, peer;
	ino_t pair_ino; /* st_ino of end B, kept after connect (sock_diag, SIOCOUTQ) */

	/* Options Linux keeps on the socket that the pair cannot hold for us. */
	int linger;	   /* -1: off, else l_linger (SO_LINGER is also set on A) */
	int tos;	   /* IP_TOS, ECN bits clear */
	int ttl;	   /* IP_TTL, -1: default (64) */
	bool reuseaddr;	   /* SO_REUSEADDR (also set on A) */
	bool reuseport;	   /* SO_REUSEPORT (AF_UNIX refuses it) */

	int so_err_pending; /* error learned from the daemon, not yet reported */
	bool err_reported;  /* the connection's error was reported once */
	bool fin_known;	    /* the end-of-stream verdict is cached in fin_err */
	int fin_err;

	struct usock *next_free;
};

#define FD_CHUNK_SHIFT 12
#define FD_CHUNK_SLOTS (1u << FD_CHUNK_SHIFT)
#define FD_TOP_SLOTS   (1u << 18)
#define FD_LIMIT       (FD_TOP_SLOTS * FD_CHUNK_SLOTS) /* 2^30 fds */

extern struct usock **g_fdtab[FD_TOP_SLOTS];
extern unsigned g_fdtab_top; /* chunks above this were never allocated */
extern pthread_mutex_t g_lock;

/* The usock of fd or NULL: lock-free, unvalidated (the data path's test). */
static inline struct usock *slot_peek(int fd)
{
	struct usock **chunk;

	if ((unsigned)fd >= FD_LIMIT)
		return NULL;
	chunk = __atomic_load_n(&g_fdtab[(unsigned)fd >> FD_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	if (chunk == NULL)
		return NULL;
	return __atomic_load_n(&chunk[(unsigned)fd & (FD_CHUNK_SLOTS - 1)], __ATOMIC_ACQUIRE);
}

static inline unsigned us_fast(const struct usock *us)
{
	return __atomic_load_n(&us->fast, __ATOMIC_ACQUIRE);
}

static inline void us_set_fast(struct usock *us, unsigned fast)
{
	__atomic_store_n(&us->fast, fast, __ATOMIC_RELEASE);
}

/*
 * Block every signal and cancellation and take g_lock; shim_unlock() undoes
 * all three.  Neither a signal handler calling close() nor pthread_cancel()
 * in a control round trip may leave the lock held.
 */
struct shim_held {
	sigset_t mask;
	int cancel;
};
void shim_lock(struct shim_held *old);
void shim_unlock(const struct shim_held *old);

/* The rest of this section runs under g_lock. */

/* A zeroed usock with one reference, or NULL (ENOMEM). */
struct usock *us_alloc(void);
/* Take a reference (a pin across an unlocked wait, or a new fd slot). */
void us_get(struct usock *us);
/* Drop a reference; the last one sends IPC_RELEASE and closes B. */
void us_put(struct usock *us);
/* Point fd's slot at us (taking no reference); drops what was there.  0 or -ENOMEM. */
int slot_set(int fd, struct usock *us);
/* Empty fd's slot and return what it held (the caller owns that reference). */
struct usock *slot_take(int fd);
/* Empty and put every slot in [first, last]: after the kernel closed them. */
void slots_drop_range(unsigned first, unsigned last);
/* The usock of fd if fd still is end A (checked by inode), else NULL; drops stale slots. */
struct usock *us_lookup(int fd);
/* True if fd still is the socket with inode ino. */
bool fd_is_ino(int fd, ino_t ino);
/* Inode of fd, 0 on error. */
ino_t fd_ino(int fd);

/* ---- the control connection (ctl.c) ---- */

/* Open the control connection if needed.  0, or -ECONNREFUSED / -ENETDOWN. */
int ctl_ensure(void);
/*
 * One request and its reply.  req's version, len and seq are filled in;
 * passfd >= 0 travels as SCM_RIGHTS.  Returns 0 (look at rep->err) or a
 * negative errno if the daemon cannot be reached (the stderr line is printed).
 */
int ctl_call(struct ipc_hdr *req, size_t reqlen, int passfd, struct ipc_hdr *rep, size_t replen);
/* IPC_RELEASE, if the control connection is open (no reply). */
void ctl_release(uint32_t sock_id);
/* Forget the parent's connection in a child after fork(). */
void ctl_atfork_child(void);
/*
 * True if the daemon advertised cap (IPC_CAP_*) in its HELLO reply; opens
 * the connection if needed.  False if it cannot be reached.
 */
bool ctl_has(uint32_t cap);
/* Read $USTACK_SOCKET (once, from real_get()). */
void ctl_init(void);

/* ---- socket state machine (sock.c) ---- */

/* GETINFO for us; a so_error is kept in so_err_pending.  0 or -errno. */
int us_getinfo(struct usock *us, struct ipc_info *info);
/* 0 established, a positive errno if it failed, -EINPROGRESS (consumes so_err_pending). */
int us_connect_progress(struct usock *us);
/* The program now sees the connection: restore SO_SNDBUF, state CONNECTED. */
void us_mark_connected(int fd, struct usock *us);
/* The connection failed and the program was told (err_reported). */
void us_mark_failed(struct usock *us);
/*
 * What a read of 0 or a write's EPIPE stands for: a positive errno reported
 * once (ECONNRESET, ETIMEDOUT, ...), or 0 for a clean end.  cache: remember a
 * clean verdict (an end of file is final; an EPIPE after shutdown is not).
 */
int us_end_verdict(struct usock *us, bool cache);
/*
 * connect() for an fd in the table.  nonblock: as if O_NONBLOCK were set (a
 * sendto with MSG_FASTOPEN|MSG_DONTWAIT).  0 or -1 with errno.
 */
int us_connect(int fd, const struct sockaddr *addr, socklen_t len, bool nonblock);
/* Under g_lock, after IPC_CONNECT: the options IPC_CONNECT cannot carry (linger, TOS, TTL). */
void us_send_late_opts(struct usock *us);

/* ---- the data path shared with the mmsg and fastopen wrappers (io.c) ---- */

ssize_t us_sendmsg(int fd, struct usock *us, const struct msghdr *msg, int flags);
ssize_t us_recvmsg(int fd, struct usock *us, struct msghdr *msg, int flags);

/* ---- inheritance across exec (exec.c) ---- */

/* Adopt the sockets $USTACK_FDS describes and remove it from the environment. */
void exec_adopt(void);
/* Remember which library we are and the environment we were started with. */
void exec_init(void);

/* ---- AF_UNIX socket diagnostics (diag.c) ---- */

/* Inode of the peer of the AF_UNIX socket with inode ino, 0 if unknown. */
ino_t diag_peer_ino(ino_t ino);
/* Bytes unread in the receive queue of the AF_UNIX socket with inode ino.  0 or -errno. */
int diag_rqueue(ino_t ino, uint32_t *bytes);

/* ---- small helpers ---- */

/* Copy an int option out like the kernel (truncating to *optlen).  0 or -errno. */
int put_int_opt(void *optval, socklen_t *optlen, int v);
/* Copy an address out like the kernel (truncating, *len = full size).  0 or -errno. */
int put_addr(struct sockaddr *addr, socklen_t *len, const struct sockaddr_in *sin);

#endif /* USTACK_SHIM_H */

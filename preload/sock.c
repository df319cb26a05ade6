/* SPDX-License-Identifier: MIT */
/*
 * sock.c - socket(), connect() and the life of an fd (close, dup, fcntl).
 *
 * Theory of operation: socket(AF_INET, SOCK_STREAM) makes an AF_UNIX pair;
 * the program gets end A, the shim keeps end B in the usock (US_UNCONN).
 *
 * connect() to loopback or INADDR_ANY swaps a real kernel socket onto the
 * fd number (dup3) and lets the kernel connect: those never leave the host.
 * Any other destination goes to ustackd:
 *   1. shrink A's SO_SNDBUF to the minimum and fill it with "filler" bytes
 *      until EAGAIN, so that A polls unwritable as a socket in SYN-SENT;
 *   2. IPC_CONNECT {destination, filler count, options} with SCM_RIGHTS(B);
 *      an error in the reply fails connect() at once, and B is drained so
 *      the socket can be connected again, as after a kernel ENETUNREACH;
 *   3. close B (the daemon has it): US_CONNECTING, F_RESTORE set.
 * When the handshake completes the daemon discards exactly the filler and A
 * polls writable; when it fails the daemon closes B, and A polls
 * OUT|ERR|HUP.  A non-blocking connect() returns EINPROGRESS after step 3;
 * a blocking one waits for POLLOUT and asks IPC_GETINFO how it went.
 * The first intercepted call that sees the connection established (connect,
 * SO_ERROR, a send, getpeername) puts SO_SNDBUF back.
 *
 * A failed socket (US_FAILED) has a dead pair; connecting it again puts a
 * fresh pair on the fd number, as the kernel would start a new attempt.
 *
 * Signals during a blocking connect(): the round trips run with signals
 * blocked (shim_lock), and the wait is a ppoll() that opens the program's
 * mask atomically, so a signal that arrived at any point interrupts the
 * wait, as it would interrupt inet_wait_for_connect().  The attempt goes on
 * either way; a later connect() waits again (blocking), says EALREADY
 * (non-blocking), 0 once established, then EISCONN.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILLER_MAX (4u << 20) /* more means SO_SNDBUF did not shrink: give up */

/* ---- the state machine shared with opts.c and io.c ---- */

int us_getinfo(struct usock *us, struct ipc_info *info)
{
	struct ipc_hdr req = {.type = IPC_GETINFO, .sock_id = us->sock_id};
	int err;

	err = ctl_call(&req, sizeof(req), -1, &info->hdr, sizeof(*info));
	if (err != 0)
		return err;
	if (info->hdr.err != 0)
		return -info->hdr.err;
	if (info->so_error > 0 && !us->err_reported)
		us->so_err_pending = info->so_error;
	return 0;
}

int us_connect_progress(struct usock *us)
{
	struct ipc_info info = {0};
	int e = us->so_err_pending;

	if (e == 0) {
		if (us_getinfo(us, &info) != 0)
			return ECONNRESET; /* the daemon is gone (stderr says so) */
		e = us->so_err_pending;
	}
	if (e != 0) {
		us->so_err_pending = 0;
		return e;
	}
	switch (info.state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		return -EINPROGRESS;
	case 0: /* the tcb is gone */
	case TCP_CLOSE:
		if (info.reset)
			return ECONNRESET;
		return info.last_error; /* 0: it was established and ended cleanly */
	default:
		return 0;
	}
}

void us_mark_connected(int fd, struct usock *us)
{
	int saved = errno, v;

	us->state = US_CONNECTED;
	if (!(us_fast(us) & F_RESTORE))
		return;
	/* getsockopt reports the doubled value that setsockopt stores. */
	v = us->sndbuf_saved / 2;
	if (v > 0 && fd_is_ino(fd, us->ino))
		REAL(setsockopt)(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	us_set_fast(us, us_fast(us) & ~F_RESTORE);
	errno = saved;
}

void us_mark_failed(struct usock *us)
{
	us->state = US_FAILED;
	us->err_reported = true;
	us->so_err_pending = 0;
	us_set_fast(us, us_fast(us) & ~F_RESTORE);
}

int us_end_verdict(struct usock *us, bool cache)
{
	struct ipc_info info;
	int e;

	if (us->fin_known) {
		e = us->fin_err;
		us->fin_err = 0;
		if (e != 0)
			us->err_reported = true;
		return e;
	}
	if (us->state == US_UNCONN)
		return 0;
	e = us->so_err_pending;
	if (e == 0) {
		if (us_getinfo(us, &info) != 0)
			e = ECONNRESET; /* the daemon is gone, or forgot the socket */
		else if ((e = us->so_err_pending) == 0)
			e = info.reset ? ECONNRESET : info.last_error;
	}
	us->so_err_pending = 0;
	/*
	 * Linux reports a connection's error once (sk_err is cleared when
	 * read); after that reads return 0 and writes EPIPE.
	 */
	if (us->err_reported)
		e = 0;
	if (e == 0 && !cache)
		return 0;
	if (e != 0) {
		us->err_reported = true;
		if (us->state == US_CONNECTING)
			us_mark_failed(us);
	}
	us->fin_known = true;
	us->fin_err = 0;
	return e;
}

/* ---- helpers ---- */

static bool is_kernel_dst(const struct sockaddr_in *sin)
{
	uint32_t a = ntohl(sin->sin_addr.s_addr);

	return a == INADDR_ANY || (a >> 24) == IN_LOOPBACKNET;
}

/*
 * An AF_UNIX stream pair; flags (SOCK_NONBLOCK, SOCK_CLOEXEC) go to sv[0]
 * only.  sv[0] gets the lowest free number, as socket() would; sv[1] is
 * kept above stderr, where a program with closed stdio would write into it.
 */
static int pair_new(int flags, int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (sv[1] <= STDERR_FILENO) {
		int hi = REAL(fcntl)(sv[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

		if (hi < 0) {
			int e = errno;

			REAL(close)(sv[0]);
			REAL(close)(sv[1]);
			errno = e;
			return -1;
		}
		REAL(close)(sv[1]);
		sv[1] = hi;
	}
	if (!(flags & SOCK_CLOEXEC))
		REAL(fcntl)(sv[0], F_SETFD, 0);
	if (flags & SOCK_NONBLOCK)
		REAL(fcntl)(sv[0], F_SETFL, REAL(fcntl)(sv[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

/* Copy the generic socket options the program may have set on A to a new socket. */
static void replay_sol(int from, int to, const struct usock *us)
{
	static const int names[] = {SO_RCVTIMEO, SO_SNDTIMEO, SO_LINGER, SO_PRIORITY};
	char buf[64] = {0}, zero[sizeof(buf)] = {0};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		socklen_t len = sizeof(buf);

		if (REAL(getsockopt)(from, SOL_SOCKET, names[i], buf, &len) == 0 &&
		    memcmp(buf, zero, len) != 0)
			REAL(setsockopt)(to, SOL_SOCKET, names[i], buf, len);
	}
	if (us->user_sndbuf > 0)
		REAL(setsockopt)(to, SOL_SOCKET, SO_SNDBUF, &us->user_sndbuf, sizeof(int));
	if (us->user_rcvbuf > 0)
		REAL(setsockopt)(to, SOL_SOCKET, SO_RCVBUF, &us->user_rcvbuf, sizeof(int));
}

/* The TCP options the program set, on a kernel TCP socket. */
static void replay_tcp(int to, const struct usock *us)
{
	static const struct {
		int bit, level, name;
		size_t off;
	} map[] = {
	    {IPC_OPT_NODELAY, IPPROTO_TCP, TCP_NODELAY, offsetof(struct ipc_sockopts, nodelay)},
	    {IPC_OPT_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE, offsetof(struct ipc_sockopts, keepalive)},
	    {IPC_OPT_KEEPIDLE, IPPROTO_TCP, TCP_KEEPIDLE, offsetof(struct ipc_sockopts, keepidle)},
	    {IPC_OPT_KEEPINTVL, IPPROTO_TCP, TCP_KEEPINTVL,
	     offsetof(struct ipc_sockopts, keepintvl)},
	    {IPC_OPT_KEEPCNT, IPPROTO_TCP, TCP_KEEPCNT, offsetof(struct ipc_sockopts, keepcnt)},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		int32_t v;

		if (!(us->opts_set & OPT_SET(map[i].bit)))
			continue;
		memcpy(&v, (const char *)&us->opts + map[i].off, sizeof(v));
		REAL(setsockopt)(to, map[i].level, map[i].name, &v, sizeof(v));
	}
}

/*
 * Put a kernel TCP socket with A's flags and options on fd and forget the
 * usock: loopback belongs to the kernel.  0 or a positive errno.
 */
static int to_kernel(int fd, struct usock *us)
{
	int fl, fdfl, k, err;

	fl = REAL(fcntl)(fd, F_GETFL);
	fdfl = REAL(fcntl)(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return errno;
	k = REAL(socket)(AF_INET,
			 SOCK_STREAM | SOCK_CLOEXEC | (fl & O_NONBLOCK ? SOCK_NONBLOCK : 0),
			 IPPROTO_TCP);
	if (k < 0)
		return errno;
	replay_sol(fd, k, us);
	replay_tcp(k, us);
	if (REAL(dup3)(k, fd, fdfl & FD_CLOEXEC ? O_CLOEXEC : 0) < 0) {
		err = errno;
		REAL(close)(k);
		return err;
	}
	REAL(close)(k);
	us = slot_take(fd);
	if (us != NULL)
		us_put(us);
	return 0;
}

/*
 * A fresh pair on fd for a new connection attempt (after a failure, or when
 * B was closed behind the shim's back).  0 or a positive errno.
 */
static int us_rearm(int fd, struct usock *us)
{
	int sv[2], fl, fdfl, err;

	fl = REAL(fcntl)(fd, F_GETFL);
	fdfl = REAL(fcntl)(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return errno;
	if (pair_new(fl & O_NONBLOCK ? SOCK_NONBLOCK : 0, sv) < 0)
		return errno;
	replay_sol(fd, sv[0], us);
	if (REAL(dup3)(sv[0], fd, fdfl & FD_CLOEXEC ? O_CLOEXEC : 0) < 0) {
		err = errno;
		REAL(close)(sv[0]);
		REAL(close)(sv[1]);
		return err;
	}
	REAL(close)(sv[0]);
	if (us->sock_id != 0 && us->owner == getpid())
		ctl_release(us->sock_id);
	if (us->b_fd >= 0 && fd_is_ino(us->b_fd, us->b_ino))
		REAL(close)(us->b_fd);
	us->ino = fd_ino(fd);
	us->b_fd = sv[1];
	us->b_ino = fd_ino(sv[1]);
	us->pair_ino = us->b_ino;
	us->owner = getpid();
	us->sock_id = 0;
	us->state = US_UNCONN;
	memset(&us->local, 0, sizeof(us->local));
	memset(&us->peer, 0, sizeof(us->peer));
	us->local.sin_family = AF_INET;
	us->peer.sin_family = AF_INET;
	us->so_err_pending = 0;
	us->err_reported = false;
	us->fin_known = false;
	us->fin_err = 0;
	us_set_fast(us, F_UNCONN);
	return 0;
}

/* Empty B of the filler after a refused IPC_CONNECT, so A can connect again. */
static void drain_b(const struct usock *us)
{
	char buf[4096];

	while (REAL(recv)(us->b_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Steps 1-3 of the theory above.  0 or a positive errno (the socket stays US_UNCONN). */
static int start_connect(int fd, struct usock *us, const struct sockaddr_in *dst)
{
	static const char zeros[4096];
	struct ipc_connect req = {.hdr.type = IPC_CONNECT};
	struct ipc_connect_rep rep;
	socklen_t sl = sizeof(us->sndbuf_saved);
	uint32_t filler = 0;
	int one = 1, err, v;
	ssize_t n;

	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_SNDBUF, &us->sndbuf_saved, &sl) < 0)
		return errno;
	/* Any value below the minimum is clamped to it (SOCK_MIN_SNDBUF). */
	if (REAL(setsockopt)(fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)) < 0)
		return errno;
	/* MSG_DONTWAIT: non-blocking for this call only, the file's flags stay. */
	for (;;) {
		n = REAL(send)(fd, zeros, sizeof(zeros), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			filler += (uint32_t)n;
			if (filler <= FILLER_MAX)
				continue;
			err = ENOBUFS;
			goto undo;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		err = n < 0 ? errno : EIO;
		goto undo;
	}

	req.daddr = dst->sin_addr.s_addr;
	req.dport = dst->sin_port;
	req.filler = filler;
	req.opts = us->opts;
	err = ctl_call(&req.hdr, sizeof(req), us->b_fd, &rep.hdr, sizeof(rep));
	if (err != 0) {
		err = ECONNREFUSED; /* the daemon went away (stderr says so) */
		goto undo;
	}
	if (rep.hdr.err != 0) {
		err = rep.hdr.err;
		goto undo;
	}

	REAL(close)(us->b_fd);
	us->b_fd = -1;
	us->b_ino = 0;
	us->sock_id = rep.hdr.sock_id;
	us->owner = getpid();
	us->local.sin_addr.s_addr = rep.laddr;
	us->local.sin_port = rep.lport;
	us->peer.sin_addr = dst->sin_addr;
	us->peer.sin_port = dst->sin_port;
	us->state = US_CONNECTING;
	us_set_fast(us, F_RESTORE);
	return 0;

undo:
	drain_b(us);
	v = us->sndbuf_saved / 2;
	REAL(setsockopt)(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	return err;
}

/* SO_SNDTIMEO bounds a blocking connect on Linux; -1 if unset. */
static int connect_timeout_ms(int fd)
{
	struct timeval tv = {0};
	socklen_t len = sizeof(tv);
	long long ms;

	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0 ||
	    (tv.tv_sec == 0 && tv.tv_usec == 0))
		return -1;
	ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Cancelled in the middle of connect_wait(): let go of its pin. */
static void pin_drop(void *arg)
{
	struct shim_held old;

	shim_lock(&old);
	us_put(arg);
	shim_unlock(&old);
}

/*
 * Wait with g_lock released but signals still blocked until ppoll() opens
 * the program's mask: a signal that came during a round trip interrupts
 * the wait at once instead of being handled just before it.
 */
static int wait_unlocked(struct pollfd *p, nfds_t n, const struct timespec *ts,
			 const struct shim_held *old, struct usock *us, int *err)
{
	int r;

	pthread_mutex_unlock(&g_lock);
	pthread_setcancelstate(old->cancel, NULL);
	pthread_cleanup_push(pin_drop, us);
	r = ppoll(p, n, ts, &old->mask);
	*err = errno;
	pthread_cleanup_pop(0);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&g_lock);
	return r;
}

/*
 * A handler ran during the wait.  Linux restarts a blocking connect() after
 * a handler with SA_RESTART (the restarted call waits on) and returns EINTR
 * after one without.  Which signal it was is not known here: restart only
 * if every handler the thread can receive has SA_RESTART, so a program with
 * one handler without it may see EINTR early, never hang in a retry.
 */
static bool restart_after_signal(const sigset_t *mask)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(mask, sig) == 1 || sigaction(sig, NULL, &sa) != 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) &&
		    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		if (!(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

/* end - now, never negative. */
static void ts_left(const struct timespec *end, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left->tv_sec = end->tv_sec - now.tv_sec;
	left->tv_nsec = end->tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_nsec += 1000000000L;
		left->tv_sec--;
	}
	if (left->tv_sec < 0)
		left->tv_sec = left->tv_nsec = 0;
}

/*
 * A blocking connect() waits for the handshake: called and returns under
 * g_lock, which it lets go while it sleeps.  0 or a positive errno.
 */
static int connect_wait(int fd, struct usock *us, struct shim_held *old)
{
	int timeout = connect_timeout_ms(fd), v, n, e;
	struct timespec end, left, *tsp = NULL;
	const struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};

	if (timeout >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += timeout / 1000;
		end.tv_nsec += (long)(timeout % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_nsec -= 1000000000L;
			end.tv_sec++;
		}
		tsp = &left;
	}
	us_get(us); /* a close() in another thread must not recycle us */
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};

		if (tsp != NULL)
			ts_left(&end, &left);
		n = wait_unlocked(&p, 1, tsp, old, us, &e);
		if (n < 0 && e == EINTR && tsp == NULL && restart_after_signal(&old->mask))
			continue;
		if (n < 0) {
			v = e; /* EINTR: the connection goes on, as on Linux */
			break;
		}
		if (n == 0) {
			v = EINPROGRESS; /* SO_SNDTIMEO expired */
			break;
		}
		if (us->state == US_CONNECTED) {
			v = 0; /* another thread saw it first */
			break;
		}
		if (us->state != US_CONNECTING) {
			v = ECONNABORTED;
			break;
		}
		v = us_connect_progress(us);
		if (v == 0) {
			us_mark_connected(fd, us);
			break;
		}
		if (v > 0) {
			us_mark_failed(us);
			break;
		}
		/* Writable but not yet established: should not happen; do not spin. */
		n = wait_unlocked(NULL, 0, &pause, old, us, &e);
		if (n < 0 && e == EINTR && tsp == NULL && !restart_after_signal(&old->mask)) {
			v = EINTR;
			break;
		}
	}
	us_put(us);
	return v;
}

int us_connect(int fd, const struct sockaddr *addr, socklen_t len, bool nonblock)
{
	struct sockaddr_in dst;
	struct usock *us;
	struct shim_held old;
	int saved = errno, err, fl;

	shim_lock(&old);
	us = us_lookup(fd);
	if (us == NULL) {
		shim_unlock(&old);
		return REAL(connect)(fd, addr, len);
	}

	/* The checks in the order of __sys_connect() and inet_stream_connect(). */
	if (len > sizeof(struct sockaddr_storage) || len < sizeof(sa_family_t)) {
		err = EINVAL;
		goto out;
	}
	if (addr == NULL) {
		err = EFAULT;
		goto out;
	}
	if (addr->sa_family == AF_UNSPEC) {
		/* TODO(disconnect): AF_UNSPEC on a live connection should abort it. */
		err = us->state == US_UNCONN || us->state == US_FAILED ? 0 : EOPNOTSUPP;
		goto out;
	}
	switch (us->state) {
	case US_CONNECTED:
		err = EISCONN;
		goto out;
	case US_CONNECTING:
		err = us_connect_progress(us);
		if (err == 0) {
			us_mark_connected(fd, us);
			goto out;
		}
		if (err > 0) {
			us_mark_failed(us);
			goto out;
		}
		fl = REAL(fcntl)(fd, F_GETFL);
		if (nonblock || (fl >= 0 && (fl & O_NONBLOCK))) {
			err = EALREADY;
			goto out;
		}
		err = connect_wait(fd, us, &old);
		goto out;
	case US_UNCONN:
	case US_FAILED:
		break;
	}
	if (len < sizeof(dst)) {
		err = EINVAL;
		goto out;
	}
	if (addr->sa_family != AF_INET) {
		err = EAFNOSUPPORT;
		goto out;
	}
	memcpy(&dst, addr, sizeof(dst));

	if (is_kernel_dst(&dst)) {
		err = to_kernel(fd, us);
		shim_unlock(&old);
		if (err != 0) {
			errno = err;
			return -1;
		}
		errno = saved;
		return REAL(connect)(fd, addr, len);
	}

	if (us->state == US_FAILED || us->b_fd < 0 || !fd_is_ino(us->b_fd, us->b_ino)) {
		err = us_rearm(fd, us);
		if (err != 0)
			goto out;
	}
	err = -ctl_ensure();
	if (err != 0)
		goto out;
	err = start_connect(fd, us, &dst);
	if (err != 0)
		goto out;
	us_send_late_opts(us);
	fl = REAL(fcntl)(fd, F_GETFL);
	if (nonblock || (fl >= 0 && (fl & O_NONBLOCK))) {
		err = EINPROGRESS;
		goto out;
	}
	err = connect_wait(fd, us, &old);
out:
	shim_unlock(&old);
	if (err != 0) {
		errno = err;
		return -1;
	}
	errno = saved;
	return 0;
}

/* ---- exported wrappers ---- */

SHIM_API int socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int sv[2], err, saved = errno;
	struct usock *us;
	struct shim_held old;

	/*
	 * TODO(udp): SOCK_DGRAM over a SOCK_SEQPACKET pair.  TODO(ipv6): AF_INET6
	 * stays with the kernel for now.  Raw and other families are never ours.
	 */
	if (domain != AF_INET || base != SOCK_STREAM || (protocol != 0 && protocol != IPPROTO_TCP))
		return REAL(socket)(domain, type, protocol);
	/* A vfork() child shares our table and may only exec: a kernel socket. */
	if (shim_foreign())
		return REAL(socket)(domain, type, protocol);

	if (pair_new(type & (SOCK_NONBLOCK | SOCK_CLOEXEC), sv) < 0)
		return -1;
	shim_lock(&old);
	us = us_alloc();
	if (us == NULL) {
		err = -ENOMEM;
	} else {
		us->ino = fd_ino(sv[0]);
		us->b_fd = sv[1];
		us->b_ino = fd_ino(sv[1]);
		us->pair_ino = us->b_ino;
		us->state = US_UNCONN;
		us_set_fast(us, F_UNCONN);
		err = slot_set(sv[0], us);
		if (err != 0)
			us_put(us); /* closes B */
	}
	shim_unlock(&old);
	if (err != 0) {
		if (us == NULL)
			REAL(close)(sv[1]);
		REAL(close)(sv[0]);
		errno = -err;
		return -1;
	}
	errno = saved;
	return sv[0];
}

SHIM_API int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (slot_peek(fd) == NULL)
		return REAL(connect)(fd, addr.__sockaddr__, len);
	return us_connect(fd, addr.__sockaddr__, len, false);
}

/*
 * bind() is for later (TODO(listen): listen/accept/bind through the daemon).
 * What already works: a loopback address gives the socket to the kernel, as
 * connect() does, and INADDR_ANY port 0 is what connect() picks anyway.
 */
SHIM_API int bind(int fd, __CONST_SOCKADDR_ARG uaddr, socklen_t len)
{
	const struct sockaddr *addr = uaddr.__sockaddr__;
	struct sockaddr_in sin;
	struct usock *us;
	struct shim_held old;
	int err, saved = errno;

	if (slot_peek(fd) == NULL)
		return REAL(bind)(fd, addr, len);
	shim_lock(&old);
	us = us_lookup(fd);
	if (us == NULL) {
		shim_unlock(&old);
		return REAL(bind)(fd, addr, len);
	}
	if (len > sizeof(struct sockaddr_storage) || len < sizeof(sin)) {
		err = EINVAL;
	} else if (addr == NULL) {
		err = EFAULT;
	} else {
		memcpy(&sin, addr, sizeof(sin));
		if (sin.sin_family != AF_INET &&
		    !(sin.sin_family == AF_UNSPEC && sin.sin_addr.s_addr == htonl(INADDR_ANY)))
			err = EAFNOSUPPORT;
		else if (us->state != US_UNCONN)
			err = EINVAL;
		else if (sin.sin_addr.s_addr != htonl(INADDR_ANY) && is_kernel_dst(&sin))
			err = to_kernel(fd, us) ?: -1; /* -1: now the kernel's to bind */
		else if (sin.sin_addr.s_addr == htonl(INADDR_ANY) && sin.sin_port == 0)
			err = 0;
		else
			err = EOPNOTSUPP; /* TODO(listen): bind to our address or a port */
	}
	shim_unlock(&old);
	if (err == -1) {
		errno = saved;
		return REAL(bind)(fd, addr, len);
	}
	if (err != 0) {
		errno = err;
		return -1;
	}
	errno = saved;
	return 0;
}

SHIM_API int close(int fd)
{
	struct usock *us;
	struct shim_held old;
	int ret, e;

	if (slot_peek(fd) == NULL || shim_foreign())
		return REAL(close)(fd);
	/*
	 * The slot goes first and the fd after, both under the lock, so a
	 * socket() in another thread cannot get this number while the slot
	 * still names the old socket.  IPC_RELEASE follows the real close.
	 */
	shim_lock(&old);
	us = slot_take(fd);
	ret = REAL(close)(fd);
	e = errno;
	if (us != NULL)
		us_put(us);
	shim_unlock(&old);
	errno = e;
	return ret;
}

/* After a successful dup of oldfd to newfd: newfd now shares oldfd's socket. Under g_lock. */
static void dup_adopt(int oldfd, int newfd)
{
	struct usock *us, *prev;

	us = us_lookup(oldfd);
	if (us == NULL) {
		prev = slot_take(newfd); /* newfd's old file was closed by the dup */
		if (prev != NULL)
			us_put(prev);
		return;
	}
	us_get(us);
	if (slot_set(newfd, us) != 0)
		us_put(us); /* out of memory: newfd stays an untracked AF_UNIX socket */
}

SHIM_API int dup(int oldfd)
{
	struct shim_held old;
	int fd, e;

	if (slot_peek(oldfd) == NULL || shim_foreign())
		return REAL(dup)(oldfd);
	shim_lock(&old);
	fd = REAL(dup)(oldfd);
	e = errno;
	if (fd >= 0)
		dup_adopt(oldfd, fd);
	shim_unlock(&old);
	errno = e;
	return fd;
}

SHIM_API int dup2(int oldfd, int newfd)
{
	struct shim_held old;
	int fd, e;

	if ((slot_peek(oldfd) == NULL && slot_peek(newfd) == NULL) || oldfd == newfd ||
	    shim_foreign())
		return REAL(dup2)(oldfd, newfd);
	shim_lock(&old);
	fd = REAL(dup2)(oldfd, newfd);
	e = errno;
	if (fd >= 0)
		dup_adopt(oldfd, fd);
	shim_unlock(&old);
	errno = e;
	return fd;
}

SHIM_API int dup3(int oldfd, int newfd, int flags)
{
	struct shim_held old;
	int fd, e;

	if ((slot_peek(oldfd) == NULL && slot_peek(newfd) == NULL) || oldfd == newfd ||
	    shim_foreign())
		return REAL(dup3)(oldfd, newfd, flags);
	shim_lock(&old);
	fd = REAL(dup3)(oldfd, newfd, flags);
	e = errno;
	if (fd >= 0)
		dup_adopt(oldfd, fd);
	shim_unlock(&old);
	errno = e;
	return fd;
}

/* fcntl: only F_DUPFD and F_DUPFD_CLOEXEC concern the table; O_NONBLOCK is native. */
static int fcntl_common(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
	struct shim_held old;
	int nfd, e;

	if ((cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) || slot_peek(fd) == NULL || shim_foreign())
		return fn(fd, cmd, arg);
	shim_lock(&old);
	nfd = fn(fd, cmd, arg);
	e = errno;
	if (nfd >= 0)
		dup_adopt(fd, nfd);
	shim_unlock(&old);
	errno = e;
	return nfd;
}

/* The argument is read as a pointer, as glibc's own fcntl does. */
SHIM_API int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl), fd, cmd, arg);
}

SHIM_API int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl64), fd, cmd, arg);
}

/*
 * shutdown() works natively on the pair (never over the control channel: it
 * would overtake data still in the pair).  Only a socket that was never
 * connected answers differently: ENOTCONN, as inet_shutdown() does.
 * TODO(shutdown): on SYN-SENT Linux aborts the attempt.
 */
SHIM_API int shutdown(int fd, int how)
{
	struct usock *us = slot_peek(fd);
	struct shim_held old;
	bool unconn = false;

	if (us != NULL && (us_fast(us) & F_UNCONN) && how >= SHUT_RD && how <= SHUT_RDWR) {
		shim_lock(&old);
		us = us_lookup(fd);
		unconn = us != NULL && us->state == US_UNCONN;
		shim_unlock(&old);
	}
	if (unconn) {
		errno = ENOTCONN;
		return -1;
	}
	return REAL(shutdown)(fd, how);
}

/* TODO(listen): listen, accept, accept4.  TODO(dns): getaddrinfo. */

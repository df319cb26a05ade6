/* SPDX-License-Identifier: MIT */
/*
 * io.c - the data path: read, write and their relatives.
 *
 * Theory of operation: the bytes of a connection flow natively over the
 * pair; for an fd that is not in the table a wrapper costs one slot load.
 * For a ustack socket the shim steps in at three points only:
 *
 *  - before the call, one flag test: F_UNCONN (never connected: reads fail
 *    ENOTCONN and writes EPIPE, as on Linux, instead of talking to the shim's
 *    own end B), and for writes F_RESTORE (the first write after the
 *    handshake puts SO_SNDBUF back, see sock.c);
 *  - a read of 0 bytes for a non-zero request, or the pair's own ECONNRESET
 *    (the "EOF rule"): the pair
 *    only knows that the daemon closed its end, so the shim asks IPC_GETINFO
 *    whether that was a FIN, a reset (ECONNRESET) or a failure (ETIMEDOUT,
 *    ...), and reports an error once, as Linux does with sk_err;
 *  - a write that gets EPIPE (or the pair's own ECONNRESET): writes go out
 *    as send(MSG_NOSIGNAL) so that the shim can first ask the same question
 *    (Linux owes ECONNRESET, not SIGPIPE, on the first write after a reset)
 *    and then raise SIGPIPE itself when a kernel socket would.
 *
 * sendmmsg and recvmmsg work on TCP sockets too: the kernel loops over
 * sendmsg/recvmsg, and so does the shim, with __sys_recvmmsg()'s rules for
 * the timeout, MSG_WAITFORONE and an error after the first message.
 * MSG_FASTOPEN connects and sends in one call (tx_fastopen()).
 */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/* glibc's fortified entry points (bits/unistd.h, bits/socket2.h). */
SHIM_API ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
SHIM_API ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
SHIM_API ssize_t __recvfrom_chk(int fd, void *__restrict buf, size_t n, size_t buflen, int flags,
				__SOCKADDR_ARG addr, socklen_t *__restrict alen);

/* ---- reads ---- */

/* A read on a socket flagged F_UNCONN: -1/ENOTCONN if still unconnected, else 0. */
static int rx_unconn(int fd)
{
	struct usock *us;
	struct shim_held old;
	bool unconn;

	shim_lock(&old);
	us = us_lookup(fd);
	unconn = us != NULL && us->state == US_UNCONN;
	shim_unlock(&old);
	if (!unconn)
		return 0;
	errno = ENOTCONN;
	return -1;
}

/* The EOF rule: what a read of 0 means. */
static ssize_t rx_eof(int fd)
{
	struct usock *us;
	struct shim_held old;
	int saved = errno, e = 0;

	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL)
		e = us_end_verdict(us, true);
	shim_unlock(&old);
	if (e != 0) {
		errno = e;
		return -1;
	}
	errno = saved;
	return 0;
}

/*
 * After a read on a ustack socket: a 0 for a non-zero request, or the pair's
 * own ECONNRESET (AF_UNIX reports it once when the daemon closed its end with
 * filler or data unread, e.g. after a failed connect), goes to the EOF rule.
 */
static inline ssize_t rx_end(int fd, ssize_t r, size_t want)
{
	if ((r == 0 && want > 0) || (r < 0 && errno == ECONNRESET))
		return rx_eof(fd);
	return r;
}

#define RX_CHECK(fd, us)                                                                           \
	do {                                                                                       \
		if ((us_fast(us) & F_UNCONN) && rx_unconn(fd) < 0)                                 \
			return -1;                                                                 \
	} while (0)

static size_t iov_total(const struct iovec *iov, size_t cnt)
{
	size_t i, total = 0;

	for (i = 0; i < cnt && iov != NULL; i++)
		total |= iov[i].iov_len; /* only "is anything asked for" matters */
	return total;
}

SHIM_API ssize_t read(int fd, void *buf, size_t n)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(read)(fd, buf, n);
	RX_CHECK(fd, us);
	r = REAL(read)(fd, buf, n);
	return rx_end(fd, r, n);
}

SHIM_API ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(read_chk)(fd, buf, n, buflen);
	RX_CHECK(fd, us);
	r = REAL(read_chk)(fd, buf, n, buflen);
	return rx_end(fd, r, n);
}

SHIM_API ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(readv)(fd, iov, cnt);
	RX_CHECK(fd, us);
	r = REAL(readv)(fd, iov, cnt);
	return rx_end(fd, r, cnt > 0 ? iov_total(iov, (size_t)cnt) : 0);
}

SHIM_API ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(recv)(fd, buf, n, flags);
	RX_CHECK(fd, us);
	r = REAL(recv)(fd, buf, n, flags);
	return rx_end(fd, r, n);
}

SHIM_API ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(recv_chk)(fd, buf, n, buflen, flags);
	RX_CHECK(fd, us);
	r = REAL(recv_chk)(fd, buf, n, buflen, flags);
	return rx_end(fd, r, n);
}

/*
 * TCP leaves the source address alone and reports its length as 0; the pair
 * would report an AF_UNIX address.
 */
SHIM_API ssize_t recvfrom(int fd, void *__restrict buf, size_t n, int flags, __SOCKADDR_ARG addr,
			  socklen_t *__restrict alen)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(recvfrom)(fd, buf, n, flags, addr.__sockaddr__, alen);
	RX_CHECK(fd, us);
	r = REAL(recvfrom)(fd, buf, n, flags, NULL, NULL);
	if (r >= 0 && addr.__sockaddr__ != NULL && alen != NULL)
		*alen = 0;
	return rx_end(fd, r, n);
}

SHIM_API ssize_t __recvfrom_chk(int fd, void *__restrict buf, size_t n, size_t buflen, int flags,
				__SOCKADDR_ARG addr, socklen_t *__restrict alen)
{
	struct usock *us = slot_peek(fd);
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(recvfrom_chk)(fd, buf, n, buflen, flags, addr.__sockaddr__, alen);
	RX_CHECK(fd, us);
	r = REAL(recvfrom_chk)(fd, buf, n, buflen, flags, NULL, NULL);
	if (r >= 0 && addr.__sockaddr__ != NULL && alen != NULL)
		*alen = 0;
	return rx_end(fd, r, n);
}

SHIM_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct usock *us = slot_peek(fd);

	if (__builtin_expect(us == NULL, 1) || msg == NULL)
		return REAL(recvmsg)(fd, msg, flags);
	return us_recvmsg(fd, us, msg, flags);
}

ssize_t us_recvmsg(int fd, struct usock *us, struct msghdr *msg, int flags)
{
	struct msghdr m;
	ssize_t r;

	RX_CHECK(fd, us);
	m = *msg;
	m.msg_name = NULL;
	m.msg_namelen = 0;
	r = REAL(recvmsg)(fd, &m, flags);
	if (r >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags;
	}
	return rx_end(fd, r, r == 0 ? iov_total(msg->msg_iov, msg->msg_iovlen) : 1);
}

/* ---- writes ---- */

/* EPIPE as a kernel TCP socket gives it: with SIGPIPE unless MSG_NOSIGNAL. */
static ssize_t tx_sigpipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	errno = EPIPE;
	return -1;
}

/*
 * Before a send on a socket flagged F_UNCONN or F_RESTORE.  Returns 0 to go
 * on, or -1 with errno set.  A connecting socket whose pair turned writable
 * has finished its handshake one way or the other: ask which.
 */
static int tx_check(int fd, int flags)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	struct usock *us;
	struct shim_held old;
	int saved = errno, v;
	bool unconn = false;

	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL && us->state == US_UNCONN) {
		unconn = true;
	} else if (us != NULL && us->state == US_CONNECTING && poll(&p, 1, 0) == 1 &&
		   (p.revents & POLLOUT)) {
		v = us_connect_progress(us);
		if (v == 0) {
			us_mark_connected(fd, us);
		} else if (v > 0) {
			/* Not reported yet: this send's EPIPE, or SO_ERROR, will. */
			us->so_err_pending = v;
			us->state = US_FAILED;
			us_set_fast(us, us_fast(us) & ~F_RESTORE);
		}
	}
	shim_unlock(&old);
	if (unconn)
		return (int)tx_sigpipe(flags);
	errno = saved;
	return 0;
}

/* The send failed with EPIPE: the connection's error once, else EPIPE (+SIGPIPE). */
static ssize_t tx_epipe(int fd, int flags)
{
	struct usock *us;
	struct shim_held old;
	int e = 0;

	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL)
		e = us_end_verdict(us, false);
	shim_unlock(&old);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return tx_sigpipe(flags);
}

/* The slot was stale (the fd is no socket now): forget it. */
static void tx_drop_stale(int fd)
{
	struct shim_held old;

	shim_lock(&old);
	us_lookup(fd);
	shim_unlock(&old);
}

/* send() for a ustack socket; as_write: the program called write(), not send(). */
static ssize_t tx_send(int fd, struct usock *us, const void *buf, size_t n, int flags,
		       bool as_write)
{
	ssize_t r;

	if ((us_fast(us) & (F_UNCONN | F_RESTORE)) && tx_check(fd, flags) < 0)
		return -1;
	r = REAL(send)(fd, buf, n, flags | MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	if (errno == EPIPE || errno == ECONNRESET) /* ECONNRESET: the pair's, see rx_end() */
		return tx_epipe(fd, flags);
	if (errno == ENOTSOCK && as_write) {
		tx_drop_stale(fd);
		return REAL(write)(fd, buf, n);
	}
	return -1;
}

static ssize_t tx_sendmsg(int fd, struct usock *us, const struct msghdr *msg, int flags,
			  bool as_write)
{
	ssize_t r;

	if ((us_fast(us) & (F_UNCONN | F_RESTORE)) && tx_check(fd, flags) < 0)
		return -1;
	r = REAL(sendmsg)(fd, msg, flags | MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	if (errno == EPIPE || errno == ECONNRESET) /* ECONNRESET: the pair's, see rx_end() */
		return tx_epipe(fd, flags);
	if (errno == ENOTSOCK && as_write) {
		tx_drop_stale(fd);
		return REAL(writev)(fd, msg->msg_iov, (int)msg->msg_iovlen);
	}
	return -1;
}

SHIM_API ssize_t write(int fd, const void *buf, size_t n)
{
	struct usock *us = slot_peek(fd);

	if (__builtin_expect(us == NULL, 1))
		return REAL(write)(fd, buf, n);
	return tx_send(fd, us, buf, n, 0, true);
}

SHIM_API ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct usock *us = slot_peek(fd);
	struct msghdr m = {0};

	if (__builtin_expect(us == NULL, 1) || cnt < 0 || cnt > IOV_MAX)
		return REAL(writev)(fd, iov, cnt);
	m.msg_iov = (struct iovec *)(uintptr_t)iov;
	m.msg_iovlen = (size_t)cnt;
	return tx_sendmsg(fd, us, &m, 0, true);
}

SHIM_API ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct usock *us = slot_peek(fd);

	if (__builtin_expect(us == NULL, 1))
		return REAL(send)(fd, buf, n, flags);
	return tx_send(fd, us, buf, n, flags, false);
}

/*
 * MSG_FASTOPEN (tcp_sendmsg_fastopen()): connect and send in one call.
 * ustack has no Fast Open cookies, so it does what Linux does without one:
 * the SYN carries no data; a blocking call waits for the handshake and then
 * sends, a non-blocking one (O_NONBLOCK or MSG_DONTWAIT) says EINPROGRESS
 * with nothing sent, and the bytes go with a later send.  A connected
 * socket gives EISCONN, a connecting one EALREADY (or waits, if blocking),
 * no address EINVAL, AF_UNSPEC EOPNOTSUPP, all as on Linux.
 */
static ssize_t tx_fastopen(int fd, const struct msghdr *msg, int flags)
{
	const struct sockaddr *addr = msg->msg_name;
	socklen_t alen = msg->msg_namelen;
	struct sockaddr_in peer = {0};
	struct usock *us;
	struct shim_held old;
	enum us_state st = US_UNCONN;
	struct msghdr m;
	bool found;

	shim_lock(&old);
	us = us_lookup(fd);
	found = us != NULL;
	if (found) {
		st = us->state;
		peer = us->peer;
	}
	shim_unlock(&old);
	if (!found)
		return REAL(sendmsg)(fd, msg, flags);
	if (addr != NULL && alen >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (st == US_CONNECTED) {
		errno = EISCONN;
		return -1;
	}
	if (st == US_CONNECTING) {
		/* The attempt in progress: its own address, whatever this call names. */
		addr = (const struct sockaddr *)&peer;
		alen = sizeof(peer);
	} else if (addr == NULL || alen < sizeof(struct sockaddr_in)) {
		errno = EINVAL;
		return -1;
	}
	if (us_connect(fd, addr, alen, flags & MSG_DONTWAIT) < 0)
		return -1; /* EINPROGRESS, EALREADY, ECONNREFUSED, ... */
	m = *msg;
	m.msg_name = NULL;
	m.msg_namelen = 0;
	flags &= ~MSG_FASTOPEN;
	us = slot_peek(fd);
	if (us == NULL) /* a loopback destination: now the kernel's socket */
		return REAL(sendmsg)(fd, &m, flags);
	return tx_sendmsg(fd, us, &m, flags, false);
}

/*
 * TCP ignores a destination address on a connected socket; the pair would
 * fail it with EISCONN.
 */
SHIM_API ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
			socklen_t alen)
{
	struct usock *us = slot_peek(fd);
	struct iovec iov;
	struct msghdr m = {0};

	if (__builtin_expect(us == NULL, 1))
		return REAL(sendto)(fd, buf, n, flags, addr.__sockaddr__, alen);
	if (!(flags & MSG_FASTOPEN))
		return tx_send(fd, us, buf, n, flags, false);
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = n;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = (void *)(uintptr_t)addr.__sockaddr__;
	m.msg_namelen = alen;
	return tx_fastopen(fd, &m, flags);
}

ssize_t us_sendmsg(int fd, struct usock *us, const struct msghdr *msg, int flags)
{
	struct msghdr m;

	if (flags & MSG_FASTOPEN)
		return tx_fastopen(fd, msg, flags);
	m = *msg;
	m.msg_name = NULL;
	m.msg_namelen = 0;
	return tx_sendmsg(fd, us, &m, flags, false);
}

SHIM_API ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct usock *us = slot_peek(fd);

	if (__builtin_expect(us == NULL, 1) || msg == NULL)
		return REAL(sendmsg)(fd, msg, flags);
	return us_sendmsg(fd, us, msg, flags);
}

/* ---- sendmmsg, recvmmsg ---- */

#define MMSG_MAX 1024 /* UIO_MAXIOV: __sys_sendmmsg() and do_recvmmsg() cap vlen here */

/* __sys_sendmmsg(): stop at the first error; report it only if nothing was sent. */
SHIM_API int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct usock *us = slot_peek(fd);
	unsigned int i;
	int saved = errno;
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(sendmmsg)(fd, vec, vlen, flags);
	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	if (vec == NULL && vlen > 0) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < vlen; i++) {
		r = us_sendmsg(fd, us, &vec[i].msg_hdr, flags);
		if (r < 0)
			break;
		vec[i].msg_len = (unsigned int)r;
	}
	if (i == 0 && vlen > 0)
		return -1;
	errno = saved;
	return (int)i;
}

/*
 * An error ended recvmmsg() after some messages: Linux keeps it in sk_err
 * for the next call.  An error of the EOF rule (ECONNRESET, ...) goes back
 * to where the next read of 0 finds it; the others come again by themselves.
 */
static void rx_keep_error(int fd, int err)
{
	struct usock *us;
	struct shim_held old;

	if (err != ECONNRESET && err != ETIMEDOUT && err != EHOSTUNREACH && err != ENETUNREACH &&
	    err != ECONNREFUSED && err != ECONNABORTED)
		return;
	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL && us->fin_known && us->err_reported && us->fin_err == 0) {
		us->fin_err = err;
		us->err_reported = false;
	}
	shim_unlock(&old);
}

/* do_recvmmsg(): the timeout is looked at between messages and written back. */
SHIM_API int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		      struct timespec *tmo)
{
	struct usock *us = slot_peek(fd);
	struct timespec end = {0}, now;
	unsigned int i;
	int saved = errno, err = 0;
	ssize_t r;

	if (__builtin_expect(us == NULL, 1))
		return REAL(recvmmsg)(fd, vec, vlen, flags, tmo);
	if (tmo != NULL) {
		if (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= 1000000000L) {
			errno = EINVAL;
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += tmo->tv_sec;
		end.tv_nsec += tmo->tv_nsec;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_nsec -= 1000000000L;
			end.tv_sec++;
		}
	}
	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	if (vec == NULL && vlen > 0) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < vlen;) {
		r = us_recvmsg(fd, us, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0) {
			err = errno;
			break;
		}
		vec[i++].msg_len = (unsigned int)r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (tmo != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			tmo->tv_sec = end.tv_sec - now.tv_sec;
			tmo->tv_nsec = end.tv_nsec - now.tv_nsec;
			if (tmo->tv_nsec < 0) {
				tmo->tv_nsec += 1000000000L;
				tmo->tv_sec--;
			}
			if (tmo->tv_sec < 0) {
				tmo->tv_sec = tmo->tv_nsec = 0;
				break;
			}
			if (tmo->tv_sec == 0 && tmo->tv_nsec == 0)
				break;
		}
		if (vec[i - 1].msg_hdr.msg_flags & MSG_OOB)
			break;
	}
	if (i == 0 && err != 0) {
		errno = err;
		return -1;
	}
	if (err != 0)
		rx_keep_error(fd, err);
	errno = saved;
	return (int)i;
}

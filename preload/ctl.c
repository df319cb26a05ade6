/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the per-process control connection to ustackd.
 *
 * Theory of operation: one AF_UNIX SOCK_SEQPACKET connection per process,
 * opened on the first connect() that needs the daemon and greeted with
 * IPC_HELLO.  Every call runs under g_lock (signals blocked), so requests
 * never interleave: each carries the next seq and the reply must echo it.
 * The daemon answers at once; a reply that takes longer than CTL_TIMEOUT_S
 * means it is stuck, and the shim gives up rather than hang its host.
 *
 * When the daemon cannot be reached, or drops the connection, the host sees
 * the errno a kernel socket would give (the callers choose it) and stderr
 * gets one line naming the socket path; the line is printed again only after
 * a later HELLO succeeded.  The fd is checked by inode before each use, so a
 * program that closed it behind the shim's back only costs a reconnect.
 *
 * The HELLO reply says which newer messages and options the daemon knows
 * (ipc.h, "Capabilities"); the shim sends only those: a daemon drops a
 * connection that sends a type it does not know.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_TIMEOUT_S 10

static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
static bool ctl_path_long; /* $USTACK_SOCKET does not fit in sun_path */
static uint32_t ctl_caps;  /* IPC_CAP_* of the open connection */
static int ctl_fd = -1;
static ino_t ctl_ino;
static uint32_t ctl_seq;
static bool ctl_warned;

void ctl_init(void)
{
	const char *p = getenv("USTACK_SOCKET");

	if (p == NULL || *p == '\0')
		p = USTACK_DEFAULT_SOCKET;
	if (strlen(p) >= sizeof(ctl_path) - 1)
		ctl_path_long = true;
	snprintf(ctl_path, sizeof(ctl_path), "%s", p);
}

/* The one stderr line; written with the real write(), never to stdout. */
static void ctl_warn(int err)
{
	char msg[512], ebuf[128];
	int n, saved = errno;

	if (ctl_warned)
		return;
	ctl_warned = true;
	/* A program with stderr closed may have a socket there: not into that. */
	if (slot_peek(STDERR_FILENO) != NULL || ctl_fd == STDERR_FILENO)
		return;
	n = snprintf(msg, sizeof(msg), "ustack: cannot reach ustackd at %s%s: %s\n", ctl_path,
		     ctl_path_long ? "..." : "", strerror_r(err, ebuf, sizeof(ebuf)));
	if (n > 0)
		(void)!REAL(write)(STDERR_FILENO, msg,
				   (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	errno = saved;
}

/* Close the connection after an error; the next call reconnects. */
static void ctl_drop(int err)
{
	if (ctl_fd >= 0 && fd_is_ino(ctl_fd, ctl_ino))
		REAL(close)(ctl_fd);
	ctl_fd = -1;
	ctl_warn(err);
}

static int ctl_send(const void *msg, size_t len, int passfd)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (passfd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	do
		n = REAL(sendmsg)(ctl_fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EPIPE)
		return -ECONNRESET; /* the daemon closed the connection */
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n != len)
		return -EPROTO;
	return 0;
}

/*
 * Wait for the reply to seq.  An error reply may be a bare header; any other
 * message breaks the protocol and drops the connection.
 */
static int ctl_recv(uint16_t type, uint32_t seq, struct ipc_hdr *rep, size_t replen)
{
	union {
		char buf[IPC_MAX_MSG];
		struct ipc_hdr hdr;
	} m;
	ssize_t n;

	for (;;) {
		n = REAL(recv)(ctl_fd, m.buf, sizeof(m.buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		if ((size_t)n < sizeof(m.hdr) || (size_t)n > sizeof(m.buf) ||
		    m.hdr.version != IPC_VERSION || m.hdr.len != (uint32_t)n)
			return -EPROTO;
		if (m.hdr.seq != seq) {
			/* A late reply to an earlier request cannot happen; be strict. */
			return -EPROTO;
		}
		if (m.hdr.type != type)
			return -EPROTO;
		/* An error may come as a bare header; so may HELLO's, from a daemon without caps. */
		if ((size_t)n != replen && !((m.hdr.err != 0 || type == IPC_HELLO) &&
					     (size_t)n == sizeof(m.hdr)))
			return -EPROTO;
		memset(rep, 0, replen);
		memcpy(rep, m.buf, (size_t)n);
		return 0;
	}
}

/* One round trip on the open connection; 0 or -errno (the connection is dropped). */
static int ctl_roundtrip(struct ipc_hdr *req, size_t reqlen, int passfd, struct ipc_hdr *rep,
			 size_t replen)
{
	int err;

	req->version = IPC_VERSION;
	req->len = (uint32_t)reqlen;
	req->seq = ++ctl_seq;
	err = ctl_send(req, reqlen, passfd);
	if (err == 0)
		err = ctl_recv(req->type, req->seq, rep, replen);
	if (err != 0)
		ctl_drop(-err);
	return err;
}

/* Connect and say HELLO.  0, or the positive errno of what went wrong. */
static int ctl_open(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_S};
	struct ipc_hello hello = {.hdr.type = IPC_HELLO};
	struct ipc_hello_rep rep;
	int fd, err;

	if (ctl_path_long)
		return ENAMETOOLONG;
	memcpy(sa.sun_path, ctl_path, strlen(ctl_path));
	fd = REAL(socket)(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (fd <= STDERR_FILENO) {
		/* Not where the program's stdio would write into it. */
		int hi = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

		REAL(close)(fd);
		if (hi < 0)
			return errno;
		fd = hi;
	}
	if (REAL(connect)(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		REAL(close)(fd);
		return err;
	}
	REAL(setsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	REAL(setsockopt)(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ctl_fd = fd;
	ctl_ino = fd_ino(fd);
	ctl_seq = 0;
	ctl_caps = 0;
	hello.pid = getpid();
	err = ctl_roundtrip(&hello.hdr, sizeof(hello), -1, &rep.hdr, sizeof(rep));
	if (err != 0)
		return -err; /* ctl_roundtrip dropped the connection and warned */
	if (rep.hdr.err != 0) {
		ctl_drop(rep.hdr.err);
		return rep.hdr.err;
	}
	ctl_caps = rep.caps; /* 0 from a bare header */
	ctl_warned = false;
	return 0;
}

/* Is the open connection still ours?  A program may have closed its fd. */
static bool ctl_alive(void)
{
	if (ctl_fd < 0)
		return false;
	if (fd_is_ino(ctl_fd, ctl_ino))
		return true;
	ctl_fd = -1; /* not ours any more: do not close it */
	return false;
}

int ctl_ensure(void)
{
	int err, saved = errno;

	if (ctl_alive())
		return 0;
	err = ctl_open();
	errno = saved;
	if (err == 0)
		return 0;
	ctl_warn(err);
	return err == ENOENT || err == ECONNREFUSED ? -ECONNREFUSED : -ENETDOWN;
}

int ctl_call(struct ipc_hdr *req, size_t reqlen, int passfd, struct ipc_hdr *rep, size_t replen)
{
	int err, saved = errno;

	err = ctl_ensure();
	if (err == 0)
		err = ctl_roundtrip(req, reqlen, passfd, rep, replen);
	errno = saved;
	return err;
}

void ctl_release(uint32_t sock_id)
{
	struct ipc_hdr req = {.type = IPC_RELEASE, .sock_id = sock_id};
	int err, saved = errno;

	if (!ctl_alive())
		return; /* the daemon knows: its end of the pair saw the close */
	req.version = IPC_VERSION;
	req.len = sizeof(req);
	req.seq = ++ctl_seq;
	err = ctl_send(&req, sizeof(req), -1);
	if (err != 0)
		ctl_drop(-err);
	errno = saved;
}

bool ctl_has(uint32_t cap)
{
	return ctl_ensure() == 0 && (ctl_caps & cap) == cap;
}

void ctl_atfork_child(void)
{
	if (ctl_fd >= 0 && fd_is_ino(ctl_fd, ctl_ino))
		REAL(close)(ctl_fd);
	ctl_fd = -1;
	ctl_seq = 0;
	ctl_caps = 0;
	ctl_warned = false;
}

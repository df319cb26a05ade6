/* SPDX-License-Identifier: MIT */
/*
 * uctl.c - the `ustack` command's control connection to ustackd.
 *
 * Theory of operation: the same SOCK_SEQPACKET protocol the shim speaks
 * (daemon/ipc.h): one request, one reply carrying its seq, each checked for
 * version, type, seq and length before it is used.  The command is a
 * short-lived tool, so every transport failure is fatal with one sentence
 * saying which socket and why; a reply's errno is the caller's to judge.
 * A daemon that does not answer within UCTL_TIMEOUT_S is stuck: we say so
 * rather than hang.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "ustack.h"

#define UCTL_TIMEOUT_S 10

static const char *uctl_sock_path = "";
static uint32_t uctl_seq;

const char *uctl_path(const char *opt)
{
	const char *env = getenv("USTACK_SOCKET");

	if (opt && *opt)
		return opt;
	return env && *env ? env : USTACK_DEFAULT_SOCKET;
}

int uctl_open(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = UCTL_TIMEOUT_S};
	struct ipc_hello hello = {.hdr.type = IPC_HELLO};
	union {
		struct ipc_hdr hdr;
		uint8_t raw[IPC_MAX_MSG];
	} rep;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	uctl_sock_path = path;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot create a Unix socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot reach ustackd at %s: %s", path, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		die("cannot set a timeout on the control socket: %s", strerror(errno));
	hello.pid = (int32_t)getpid();
	uctl_call(fd, &hello, sizeof(hello), -1, &rep, sizeof(rep), &err);
	if (err)
		die("ustackd at %s refused us: %s", path, strerror(err));
	return fd;
}

size_t uctl_call(int fd, void *req, size_t reqlen, int passfd, void *rep, size_t repmax, int *err)
{
	struct ipc_hdr *h = req, *r = rep;
	struct iovec iov = {.iov_base = req, .iov_len = reqlen};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	h->version = IPC_VERSION;
	h->len = (uint32_t)reqlen;
	h->seq = ++uctl_seq;
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
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		die("ustackd at %s closed the connection", uctl_sock_path);
	if (n < 0)
		die("cannot send to ustackd at %s: %s", uctl_sock_path, strerror(errno));
	if ((size_t)n != reqlen)
		die("short send to ustackd at %s", uctl_sock_path);

	do
		n = recv(fd, rep, repmax, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		die("ustackd at %s did not answer within %d s", uctl_sock_path, UCTL_TIMEOUT_S);
	if (n < 0)
		die("cannot read from ustackd at %s: %s", uctl_sock_path, strerror(errno));
	if (n == 0)
		die("ustackd at %s closed the connection (an older ustackd without this request?)",
		    uctl_sock_path);
	if ((size_t)n > repmax || (size_t)n < sizeof(*r) || r->version != IPC_VERSION ||
	    r->len != (uint32_t)n || r->seq != h->seq || r->type != h->type)
		die("ustackd at %s sent a malformed reply", uctl_sock_path);
	if (r->err < 0)
		die("ustackd at %s sent a malformed reply", uctl_sock_path);
	*err = r->err;
	return (size_t)n;
}

/* SPDX-License-Identifier: MIT */
/*
 * opts.c - socket options and addresses of ustack sockets.
 *
 * Theory of operation: an AF_UNIX pair answers these calls as AF_UNIX, so
 * for an fd in the table the shim answers as Linux would for AF_INET TCP:
 * SO_TYPE/SO_DOMAIN/SO_PROTOCOL locally, SO_ERROR from the daemon, TCP
 * options from the values stored in the usock (sent with IPC_CONNECT, and
 * with IPC_SETOPT once the daemon has the socket), addresses from the
 * connect reply.  Options ustack does not implement fail with ENOPROTOOPT
 * rather than pretend.  Generic SOL_SOCKET options (timeouts, buffer sizes)
 * act on the pair, which is what carries the bytes.
 */
#include "shim.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

/* Linux's defaults (include/net/tcp.h) and bounds, reported while unset. */
#define TCP_KEEPIDLE_DEFAULT  7200
#define TCP_KEEPINTVL_DEFAULT 75
#define TCP_KEEPCNT_DEFAULT   9
#define MAX_TCP_KEEPIDLE      32767
#define MAX_TCP_KEEPINTVL     32767
#define MAX_TCP_KEEPCNT	      127

/* Under g_lock: SO_ERROR for a ustack socket. */
static int so_error(int fd, struct usock *us)
{
	struct ipc_info info;
	int e;

	if (us->so_err_pending != 0) {
		e = us->so_err_pending;
		us->so_err_pending = 0;
		us->err_reported = true;
		return e;
	}
	switch (us->state) {
	case US_CONNECTING:
		e = us_connect_progress(us);
		if (e == 0)
			us_mark_connected(fd, us);
		else if (e > 0)
			us_mark_failed(us);
		return e > 0 ? e : 0;
	case US_CONNECTED:
		if (us_getinfo(us, &info) != 0)
			e = us->err_reported ? 0 : ECONNRESET;
		else
			e = us->so_err_pending;
		us->so_err_pending = 0;
		if (e != 0)
			us->err_reported = true;
		return e;
	case US_UNCONN:
	case US_FAILED:
		break;
	}
	return 0;
}

/* Under g_lock: getsockopt() for a ustack socket; 1 means "ask the pair". */
static int us_getsockopt(int fd, struct usock *us, int level, int name, void *val, socklen_t *len)
{
	const struct ipc_sockopts *o = &us->opts;

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			return put_int_opt(val, len, SOCK_STREAM);
		case SO_DOMAIN:
			return put_int_opt(val, len, AF_INET);
		case SO_PROTOCOL:
			return put_int_opt(val, len, IPPROTO_TCP);
		case SO_ACCEPTCONN:
			return put_int_opt(val, len, 0);
		case SO_KEEPALIVE:
			return put_int_opt(val, len, o->keepalive);
		case SO_ERROR:
			if (val == NULL || len == NULL)
				return -EFAULT;
			return put_int_opt(val, len, so_error(fd, us));
		case SO_SNDBUF:
			/* While the filler shrinks it, report what it will be again. */
			if (us_fast(us) & F_RESTORE)
				return put_int_opt(val, len, us->sndbuf_saved);
			return 1;
		default:
			return 1;
		}
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT; /* TODO(ipopts): IP_TOS, IP_TTL, ... */
	switch (name) {
	case TCP_NODELAY:
		return put_int_opt(val, len, o->nodelay);
	case TCP_KEEPIDLE:
		return put_int_opt(val, len, o->keepidle ? o->keepidle : TCP_KEEPIDLE_DEFAULT);
	case TCP_KEEPINTVL:
		return put_int_opt(val, len, o->keepintvl ? o->keepintvl : TCP_KEEPINTVL_DEFAULT);
	case TCP_KEEPCNT:
		return put_int_opt(val, len, o->keepcnt ? o->keepcnt : TCP_KEEPCNT_DEFAULT);
	default:
		return -ENOPROTOOPT; /* TODO(tcpinfo): TCP_INFO, TCP_MAXSEG, ... */
	}
}

SHIM_API int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct usock *us;
	struct shim_held old;
	int ret, saved = errno;

	if (slot_peek(fd) == NULL)
		return REAL(getsockopt)(fd, level, name, val, len);
	shim_lock(&old);
	us = us_lookup(fd);
	ret = us != NULL ? us_getsockopt(fd, us, level, name, val, len) : 1;
	shim_unlock(&old);
	if (ret == 1)
		return REAL(getsockopt)(fd, level, name, val, len);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	errno = saved;
	return 0;
}

/* Under g_lock: tell the daemon about one option, if it has the socket. */
static int send_opt(struct usock *us, int name, int32_t value)
{
	struct ipc_opt req = {.hdr.type = IPC_SETOPT, .hdr.sock_id = us->sock_id};
	struct ipc_hdr rep;

	if (us->state != US_CONNECTING && us->state != US_CONNECTED)
		return 0;
	req.name = name;
	req.value = value;
	/* A daemon that is gone has no connection left to apply it to. */
	if (ctl_call(&req.hdr, sizeof(req), -1, &rep, sizeof(rep)) != 0)
		return 0;
	return -rep.err;
}

/* Under g_lock: setsockopt() for a ustack socket; 1 means "give it to the pair". */
static int us_setsockopt(int fd, struct usock *us, int level, int name, const void *val,
			 socklen_t len)
{
	int32_t *slot;
	int v, opt, lo = 0, hi = 1;

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_KEEPALIVE:
			opt = IPC_OPT_KEEPALIVE;
			slot = &us->opts.keepalive;
			break;
		case SO_SNDBUF:
			if (len < sizeof(int))
				return -EINVAL;
			if (val == NULL)
				return -EFAULT;
			memcpy(&us->user_sndbuf, val, sizeof(int));
			if (!(us_fast(us) & F_RESTORE))
				return 1;
			/* Keep the filler's minimum until connected; restore this then. */
			us->sndbuf_saved = us->user_sndbuf > 0 && us->user_sndbuf < (1 << 29)
					       ? us->user_sndbuf * 2
					       : us->sndbuf_saved;
			return 0;
		case SO_RCVBUF:
			if (len >= sizeof(int) && val != NULL)
				memcpy(&us->user_rcvbuf, val, sizeof(int));
			return 1;
		default:
			return 1;
		}
	} else if (level == IPPROTO_TCP) {
		switch (name) {
		case TCP_NODELAY:
			opt = IPC_OPT_NODELAY;
			slot = &us->opts.nodelay;
			break;
		case TCP_KEEPIDLE:
			opt = IPC_OPT_KEEPIDLE;
			slot = &us->opts.keepidle;
			lo = 1;
			hi = MAX_TCP_KEEPIDLE;
			break;
		case TCP_KEEPINTVL:
			opt = IPC_OPT_KEEPINTVL;
			slot = &us->opts.keepintvl;
			lo = 1;
			hi = MAX_TCP_KEEPINTVL;
			break;
		case TCP_KEEPCNT:
			opt = IPC_OPT_KEEPCNT;
			slot = &us->opts.keepcnt;
			lo = 1;
			hi = MAX_TCP_KEEPCNT;
			break;
		default:
			return -ENOPROTOOPT; /* TODO(tcpopts): TCP_MAXSEG, TCP_USER_TIMEOUT, ... */
		}
	} else {
		return -ENOPROTOOPT; /* TODO(ipopts) */
	}

	if (len < sizeof(int))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	memcpy(&v, val, sizeof(v));
	if (lo == 0) {
		v = v != 0; /* a boolean */
	} else if (v < lo || v > hi) {
		return -EINVAL;
	}
	*slot = v;
	us->opts_set |= OPT_SET(opt);
	return send_opt(us, opt, v);
}

SHIM_API int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct usock *us;
	struct shim_held old;
	int ret, saved = errno;

	if (slot_peek(fd) == NULL)
		return REAL(setsockopt)(fd, level, name, val, len);
	shim_lock(&old);
	us = us_lookup(fd);
	ret = us != NULL ? us_setsockopt(fd, us, level, name, val, len) : 1;
	shim_unlock(&old);
	if (ret == 1)
		return REAL(setsockopt)(fd, level, name, val, len);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	errno = saved;
	return 0;
}

SHIM_API int getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	struct sockaddr_in sin;
	struct usock *us;
	struct shim_held old;
	int saved = errno, err;

	if (slot_peek(fd) == NULL)
		return REAL(getsockname)(fd, addr.__sockaddr__, len);
	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL)
		sin = us->local;
	shim_unlock(&old);
	if (us == NULL)
		return REAL(getsockname)(fd, addr.__sockaddr__, len);
	err = put_addr(addr.__sockaddr__, len, &sin);
	if (err != 0) {
		errno = -err;
		return -1;
	}
	errno = saved;
	return 0;
}

SHIM_API int getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	struct sockaddr_in sin;
	struct usock *us;
	struct shim_held old;
	int saved = errno, err = 0, e;

	if (slot_peek(fd) == NULL)
		return REAL(getpeername)(fd, addr.__sockaddr__, len);
	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL) {
		if (us->state == US_CONNECTING) {
			e = us_connect_progress(us);
			if (e == 0)
				us_mark_connected(fd, us);
			else if (e > 0)
				us->so_err_pending = e; /* for SO_ERROR, which reports it */
		}
		if (us->state == US_CONNECTED)
			sin = us->peer;
		else
			err = -ENOTCONN;
	}
	shim_unlock(&old);
	if (us == NULL)
		return REAL(getpeername)(fd, addr.__sockaddr__, len);
	if (err == 0)
		err = put_addr(addr.__sockaddr__, len, &sin);
	if (err != 0) {
		errno = -err;
		return -1;
	}
	errno = saved;
	return 0;
}

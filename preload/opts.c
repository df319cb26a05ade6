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
 *
 * Some options the pair cannot hold the way TCP does: SO_REUSEPORT (AF_UNIX
 * refuses it), IP_TOS and IP_TTL (no IP level), the SO_PEER* family (the
 * pair would name the shim's own process).  Those are kept in the usock and
 * answered as Linux answers for TCP; SO_LINGER, IP_TOS and IP_TTL also go
 * to a daemon that advertises them (ipc.h, "Capabilities").  SO_LINGER and
 * SO_REUSEADDR stay on the pair as well, so getsockopt() reads them back
 * natively.
 *
 * ioctl: FIONREAD/SIOCINQ, FIONBIO and FIOASYNC are right natively.
 * SIOCOUTQ and SIOCOUTQNSD are not (see diag.c): they are the bytes not yet
 * acknowledged (not yet sent): what is still in the pair plus what the
 * daemon holds, asked with IPC_QUEUES, or the pair's share alone when the
 * daemon cannot say.
 */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

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

/* An IP-level value out like do_ip_getsockopt(): one byte for a short buffer. */
static int put_ip_opt(void *optval, socklen_t *optlen, int v)
{
	unsigned char c = (unsigned char)v;

	if (optval == NULL || optlen == NULL)
		return -EFAULT;
	if ((int)*optlen < 0)
		return -EINVAL;
	if (*optlen > 0 && *optlen < sizeof(int) && v >= 0 && v <= 255) {
		memcpy(optval, &c, 1);
		*optlen = 1;
		return 0;
	}
	return put_int_opt(optval, optlen, v);
}

/* SO_PEERNAME as sock_getsockopt() does it: the buffer may not be larger than the address. */
static int put_peername(struct usock *us, void *optval, socklen_t *optlen)
{
	if (optval == NULL || optlen == NULL)
		return -EFAULT;
	if ((int)*optlen < 0)
		return -EINVAL;
	if (us->state != US_CONNECTING && us->state != US_CONNECTED)
		return -ENOTCONN;
	if (*optlen > sizeof(us->peer))
		return -EINVAL;
	memcpy(optval, &us->peer, *optlen);
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
		case SO_REUSEPORT:
			return put_int_opt(val, len, us->reuseport);
		case SO_PEERCRED: {
			/* A TCP socket has no peer credentials: cred_to_ucred(NULL, NULL). */
			struct ucred uc = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};

			if (val == NULL || len == NULL)
				return -EFAULT;
			if ((int)*len < 0)
				return -EINVAL;
			if (*len > sizeof(uc))
				*len = sizeof(uc);
			memcpy(val, &uc, *len);
			return 0;
		}
		case SO_PEERNAME:
			return put_peername(us, val, len);
		case SO_PEERSEC:
			return -ENOPROTOOPT; /* no labelled networking */
		case SO_PEERGROUPS:
		case SO_PEERPIDFD:
			return -ENODATA;
		default:
			return 1;
		}
	}
	if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TOS:
			return put_ip_opt(val, len, us->tos);
		case IP_TTL:
			return put_ip_opt(val, len, us->ttl < 0 ? IPDEFTTL : us->ttl);
		default:
			return -ENOPROTOOPT; /* TODO(ipopts): IP_MTU, IP_OPTIONS, ... */
		}
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
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

/* The capability a daemon must advertise before it is sent option name, 0 if none. */
static uint32_t opt_cap(int name)
{
	switch (name) {
	case IPC_OPT_LINGER:
		return IPC_CAP_LINGER;
	case IPC_OPT_TOS:
	case IPC_OPT_TTL:
		return IPC_CAP_IPOPTS;
	default:
		return 0;
	}
}

/*
 * Under g_lock: tell the daemon about one option, if it has the socket.  A
 * daemon that does not advertise the option is not told: the value is kept
 * and answered by the shim (TODO(daemon): IPC_CAP_LINGER, IPC_CAP_IPOPTS).
 */
static int send_opt(struct usock *us, int name, int32_t value)
{
	struct ipc_opt req = {.hdr.type = IPC_SETOPT, .hdr.sock_id = us->sock_id};
	struct ipc_hdr rep;
	uint32_t cap = opt_cap(name);

	if (us->state != US_CONNECTING && us->state != US_CONNECTED)
		return 0;
	if (cap != 0 && !ctl_has(cap))
		return 0;
	req.name = name;
	req.value = value;
	/* A daemon that is gone has no connection left to apply it to. */
	if (ctl_call(&req.hdr, sizeof(req), -1, &rep, sizeof(rep)) != 0)
		return 0;
	return -rep.err;
}

void us_send_late_opts(struct usock *us)
{
	if (us->linger >= 0)
		send_opt(us, IPC_OPT_LINGER, us->linger);
	if (us->tos != 0)
		send_opt(us, IPC_OPT_TOS, us->tos);
	if (us->ttl >= 0)
		send_opt(us, IPC_OPT_TTL, us->ttl);
}

/* Read an int option as sock_setsockopt() does: at least an int.  0 or -errno. */
static int get_int_arg(const void *val, socklen_t len, int *v)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	memcpy(v, val, sizeof(int));
	return 0;
}

/* Under g_lock: IP-level setsockopt(), as do_ip_setsockopt() reads an int or one byte. */
static int us_setsockopt_ip(struct usock *us, int name, const void *val, socklen_t len)
{
	int v = 0;

	if (len >= 1) {
		unsigned char c;

		if (val == NULL)
			return -EFAULT;
		if (len >= sizeof(int)) {
			memcpy(&v, val, sizeof(v));
		} else {
			memcpy(&c, val, 1);
			v = c;
		}
	}
	switch (name) {
	case IP_TOS:
		/* For SOCK_STREAM the ECN bits are the stack's, not the program's. */
		us->tos = v & 0xff & ~IPTOS_ECN_MASK;
		return send_opt(us, IPC_OPT_TOS, us->tos);
	case IP_TTL:
		if (len < 1 || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		us->ttl = v;
		return send_opt(us, IPC_OPT_TTL, v);
	default:
		return -ENOPROTOOPT; /* TODO(ipopts): IP_MTU_DISCOVER, IP_RECVERR, ... */
	}
}

/* Under g_lock: setsockopt() for a ustack socket; 1 means "give it to the pair". */
static int us_setsockopt(int fd, struct usock *us, int level, int name, const void *val,
			 socklen_t len)
{
	int32_t *slot;
	int v, opt, lo = 0, hi = 1, err;

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_LINGER: {
			struct linger lg;

			if (len < sizeof(lg))
				return -EINVAL;
			if (val == NULL)
				return -EFAULT;
			memcpy(&lg, val, sizeof(lg));
			us->linger = !lg.l_onoff ? -1 : lg.l_linger < 0 ? INT_MAX : lg.l_linger;
			err = send_opt(us, IPC_OPT_LINGER, us->linger);
			return err < 0 ? err : 1; /* the pair keeps it for getsockopt() */
		}
		case SO_REUSEADDR:
			if ((err = get_int_arg(val, len, &v)) < 0)
				return err;
			us->reuseaddr = v != 0;
			return 1;
		case SO_REUSEPORT:
			if ((err = get_int_arg(val, len, &v)) < 0)
				return err;
			us->reuseport = v != 0; /* TODO(listen): the daemon's port sharing */
			return 0;
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
	} else if (level == IPPROTO_IP) {
		return us_setsockopt_ip(us, name, val, len);
	} else {
		return -ENOPROTOOPT; /* as tcp_setsockopt() for a level it does not know */
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

/*
 * Under g_lock: SIOCOUTQ (unsent: SIOCOUTQNSD) for a ustack socket.  As
 * tcp_ioctl(): 0 before the connection is established.  0 or -errno.
 */
static int us_outq(int fd, struct usock *us, bool unsent, int *out)
{
	struct ipc_hdr req = {.type = IPC_QUEUES, .sock_id = us->sock_id};
	struct ipc_queues q;
	uint32_t rq = 0;
	uint64_t total;
	int e;

	*out = 0;
	if (us->state == US_CONNECTING) {
		e = us_connect_progress(us);
		if (e == 0)
			us_mark_connected(fd, us);
		else if (e > 0)
			us->so_err_pending = e; /* for SO_ERROR, which reports it */
	}
	if (us->state != US_CONNECTED)
		return 0;
	if (ctl_has(IPC_CAP_QUEUES) && ctl_call(&req, sizeof(req), -1, &q.hdr, sizeof(q)) == 0 &&
	    q.hdr.err == 0) {
		total = (uint64_t)q.pair_unread + (unsent ? q.snd_unsent : q.snd_queued);
		*out = total > INT_MAX ? INT_MAX : (int)total;
		return 0;
	}
	/* The daemon cannot say: the pair's share, what the stack has not taken yet. */
	if (us->pair_ino == 0)
		us->pair_ino = diag_peer_ino(us->ino);
	if (diag_rqueue(us->pair_ino, &rq) == 0)
		*out = rq > INT_MAX ? INT_MAX : (int)rq;
	return 0;
}

SHIM_API int ioctl(int fd, unsigned long req, ...)
{
	struct usock *us;
	struct shim_held old;
	va_list ap;
	void *arg;
	int ret = 0, v = 0, saved = errno;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (slot_peek(fd) == NULL || (req != SIOCOUTQ && req != SIOCOUTQNSD))
		return REAL(ioctl)(fd, req, arg);
	shim_lock(&old);
	us = us_lookup(fd);
	if (us != NULL)
		ret = us_outq(fd, us, req == SIOCOUTQNSD, &v);
	shim_unlock(&old);
	if (us == NULL)
		return REAL(ioctl)(fd, req, arg);
	if (ret == 0 && arg == NULL)
		ret = -EFAULT;
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	memcpy(arg, &v, sizeof(v));
	errno = saved;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * client.c - the listening socket and the control connections of the shims.
 *
 * Theory of operation: each process running with libustack.so opens one
 * SOCK_SEQPACKET connection to our path (daemon/ipc.h), so one recvmsg() is
 * one whole message and SCM_RIGHTS fds arrive with the message that names
 * them.  Every message is checked (version, type, exact length for the type)
 * before its body is looked at; a connection that sends anything malformed
 * is dropped and counted, the daemon and the other clients carry on.  Each
 * request is answered with exactly one reply carrying its seq, except
 * IPC_RELEASE.  Replies are sent without blocking: the shim waits for each
 * reply before its next request, so a full socket means a broken client,
 * and that client is dropped.
 *
 * The sockets a connection created (usock.c) do not die with it: after
 * fork() the child may hold them, and the pair itself tells when the last
 * holder closed.
 *
 * Who may use the stack: the socket file's mode and group decide who may
 * connect at all (client_listen(), or systemd's SocketMode=/SocketGroup=).
 * Every connection's peer credentials (SO_PEERCRED) are read once, at
 * accept, and logged; every socket is charged to that uid (struct
 * uid_acct): max-sockets-per-uid sockets and max-buffered-per-uid bytes of
 * stack buffers, past which IPC_CONNECT fails with EMFILE or ENOBUFS for
 * that uid only.  A request naming a socket is honoured only for a socket of
 * the caller's own uid (a forked child has its own control connection with
 * the same uid); any other id is answered as unknown (EBADF), so a client
 * cannot even learn which ids exist.
 *
 * TODO(bind): when listening sockets come (IPC_BIND), a port below 1024
 * needs the client to be uid 0 or to hold CAP_NET_BIND_SERVICE; SO_PEERCRED
 * gives the uid; the capability should come from the shim's request, since
 * /proc/PID/status may already describe another process by the time we read it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "client.h"
#include "daemon.h"
#include "ipc.h"
#include "isolate.h"
#include "log.h"
#include "pcap.h"
#include "status.h"

#define LISTEN_BACKLOG	   128
#define ACCEPTS_PER_WAKEUP 16
#define MSGS_PER_WAKEUP	   16	       /* messages from one control connection per wakeup */
#define CTL_MAX_FDS	   8	       /* fds we can receive with one message (we want 1) */
#define CTL_MAX_SOCKS	   16384       /* live sockets per control connection */
#define FILLER_MAX	   (16u << 20) /* a filler larger than this is not from our shim */
#define ACCEPT_PAUSE	   0.1	       /* seconds without accept() after EMFILE */
#define LIMIT_LOG_MS	   10000       /* at most one line per limit (and uid) this often */

/* Every message we may receive, aligned for its fields. */
union ipc_msg {
	struct ipc_hdr hdr;
	struct ipc_hello hello;
	struct ipc_connect connect;
	struct ipc_opt opt;
	struct ipc_list_req list;
	struct ipc_capture capture;
	uint8_t raw[IPC_MAX_MSG];
};

int ipc_validate(const void *msg, size_t len)
{
	struct ipc_hdr h;
	size_t want;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.version != IPC_VERSION)
		return -EPROTONOSUPPORT;
	switch (h.type) {
	case IPC_HELLO:
		want = sizeof(struct ipc_hello);
		break;
	case IPC_CONNECT:
		want = sizeof(struct ipc_connect);
		break;
	case IPC_GETINFO:
	case IPC_RELEASE:
		want = sizeof(struct ipc_hdr); /* the sock_id is in the header */
		break;
	case IPC_SETOPT:
		want = sizeof(struct ipc_opt);
		break;
	case IPC_STATUS:
	case IPC_STATS:
		want = sizeof(struct ipc_list_req);
		break;
	case IPC_CAPTURE:
		want = sizeof(struct ipc_capture);
		break;
	default:
		return -EINVAL;
	}
	if (h.len != len || len != want)
		return -EINVAL;
	return h.type;
}

static void close_fds(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/* Collect the SCM_RIGHTS fds of a message into fds[]; returns how many. */
static unsigned take_fds(struct msghdr *mh, int *fds)
{
	unsigned n = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (n < CTL_MAX_FDS)
				fds[n++] = fd;
			else
				close(fd); /* cannot happen with our buffer size; never leak */
		}
	}
	return n;
}

/* Is fd a connected AF_UNIX stream socket, the only thing a pair end can be? */
static int pair_fd_ok(int fd)
{
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	int v;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 || v != AF_UNIX)
		return 0;
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0 || v != SOCK_STREAM)
		return 0;
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) < 0 || v != 0)
		return 0;
	return getpeername(fd, (struct sockaddr *)&sa, &sl) == 0;
}

/* Send one reply; -1 if it could not be sent (the connection is then dropped). */
static int ctl_send(struct ctl *c, struct ipc_hdr *rep, size_t len, const struct ipc_hdr *req,
		    uint32_t sock_id, int err)
{
	ssize_t r;

	rep->version = IPC_VERSION;
	rep->type = req->type;
	rep->len = (uint32_t)len;
	rep->seq = req->seq;
	rep->sock_id = sock_id;
	rep->err = err;
	do
		r = send(c->fd, rep, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)len)
		return 0;
	DSTAT_INC(ctl_reply_failed);
	debug("client pid %d: reply not sent (%s)", (int)c->pid,
	      r < 0 ? strerror(errno) : "short write");
	return -1;
}

static int ctl_hello(struct ctl *c, const struct ipc_hello *m)
{
	struct ipc_hdr rep = {0};

	if (m->pid != c->pid)
		debug("client pid %d calls itself pid %d (another pid namespace?)", (int)c->pid,
		      (int)m->pid);
	return ctl_send(c, &rep, sizeof(rep), &m->hdr, 0, 0);
}

/* ---- per-uid accounting ---- */

static unsigned uid_hash(uid_t uid)
{
	return (unsigned)uid & (UID_HASH_SIZE - 1);
}

static struct uid_acct *uid_find(struct client *cl, uid_t uid)
{
	struct uid_acct *a;

	LIST_FOREACH(a, &cl->uids[uid_hash(uid)], link)
	if (a->uid == uid)
		return a;
	return NULL;
}

/* The record of uid, created if needed; NULL if out of memory. */
static struct uid_acct *uid_get(struct client *cl, uid_t uid)
{
	struct uid_acct *a = uid_find(cl, uid);

	if (a)
		return a;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->uid = uid;
	LIST_INSERT_HEAD(&cl->uids[uid_hash(uid)], a, link);
	cl->nuids++;
	return a;
}

static void uid_put(struct client *cl, struct uid_acct *a)
{
	if (a->nsocks > 0)
		return;
	LIST_REMOVE(a, link);
	cl->nuids--;
	free(a);
}

/* One line per limit and uid per LIMIT_LOG_MS: a client retrying must not flood the log. */
static int limit_log_due(uint64_t *last)
{
	uint64_t now = mono_ms();

	if (*last && now - *last < LIMIT_LOG_MS)
		return 0;
	*last = now;
	return 1;
}

/* Out of file descriptors: one clear line per LIMIT_LOG_MS. */
static void fd_exhausted(struct client *cl, const char *what)
{
	DSTAT_INC(fd_exhausted);
	if (limit_log_due(&cl->fd_logged))
		info("out of file descriptors (RLIMIT_NOFILE %llu, %u clients, %u sockets): %s",
		     cl->lim.fd_limit, cl->nctls, cl->nsocks, what);
}

/* May c's uid open one more socket?  0, or the errno connect() fails with. */
static int uid_admit(struct ctl *c, struct uid_acct *a)
{
	const struct client_limits *lim = &c->cl->lim;

	if (lim->max_socks_per_uid && a->nsocks >= lim->max_socks_per_uid) {
		DSTAT_INC(limit_socks_uid);
		if (limit_log_due(&a->logged))
			info("uid %u holds %u sockets, its limit (max-sockets-per-uid): pid %d's "
			     "connect fails with EMFILE",
			     (unsigned)a->uid, a->nsocks, (int)c->pid);
		return EMFILE;
	}
	if (lim->max_buf_per_uid && a->bytes + lim->sock_bytes > lim->max_buf_per_uid) {
		DSTAT_INC(limit_buf_uid);
		if (limit_log_due(&a->logged))
			info("uid %u holds %llu bytes of socket buffers, limit %llu "
			     "(max-buffered-per-uid): pid %d's connect fails with ENOBUFS",
			     (unsigned)a->uid, (unsigned long long)a->bytes,
			     (unsigned long long)lim->max_buf_per_uid, (int)c->pid);
		return ENOBUFS;
	}
	return 0;
}

void client_uncharge(struct usock *us)
{
	struct uid_acct *a = us->acct;

	if (!a)
		return;
	us->acct = NULL;
	a->nsocks--;
	a->bytes -= us->cl->lim.sock_bytes;
	uid_put(us->cl, a);
}

/*
 * The socket id names, if the caller may act on it: only sockets of its own
 * uid.  Another uid's socket looks exactly like an unknown id.
 */
static struct usock *ctl_lookup(struct ctl *c, uint32_t id)
{
	struct usock *us = usock_lookup(c->cl, id);

	if (us && (!us->acct || us->acct->uid != c->uid)) {
		DSTAT_INC(ipc_foreign_id);
		debug("client pid %d uid %u named socket %u of another uid: refused", (int)c->pid,
		      (unsigned)c->uid, id);
		return NULL;
	}
	if (!us)
		DSTAT_INC(ipc_unknown_id);
	return us;
}

/* Apply the options set before connect(); 0 means "stack default": skip. */
static void ctl_connect_opts(struct usock *us, const struct ipc_sockopts *o)
{
	const struct {
		int name;
		int32_t value;
	} opts[] = {
	    {IPC_OPT_NODELAY, o->nodelay},   {IPC_OPT_KEEPALIVE, o->keepalive},
	    {IPC_OPT_KEEPIDLE, o->keepidle}, {IPC_OPT_KEEPINTVL, o->keepintvl},
	    {IPC_OPT_KEEPCNT, o->keepcnt},
	};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (opts[i].value == 0)
			continue;
		if (usock_setopt(us, opts[i].name, opts[i].value) != 0) {
			/* setsockopt() already succeeded for the program: keep the connection. */
			DSTAT_INC(ipc_opt_refused);
			debug("socket %u: option %d = %d refused by the stack", us->id,
			      opts[i].name, (int)opts[i].value);
		}
	}
}

static int ctl_connect(struct ctl *c, const struct ipc_connect *m, int *fds, unsigned nfds)
{
	struct ipc_connect_rep rep = {0};
	struct usock *us = NULL;
	struct uid_acct *a = NULL;
	int err = 0;

	if (nfds != 1 || !pair_fd_ok(fds[0])) {
		DSTAT_INC(ipc_bad_fd);
		close_fds(fds, nfds);
		err = EINVAL;
	} else if (m->filler > FILLER_MAX) {
		close(fds[0]);
		err = EINVAL;
	} else if (c->nsocks >= CTL_MAX_SOCKS) {
		close(fds[0]);
		err = ENOBUFS;
	} else if (!(a = uid_get(c->cl, c->uid))) {
		close(fds[0]);
		err = ENOBUFS;
	} else if ((err = uid_admit(c, a)) != 0) {
		close(fds[0]);
	} else {
		us = usock_connect(c->cl, c, fds[0], m->daddr, m->dport, m->filler, &err);
		if (!us && err == ENOBUFS) {
			DSTAT_INC(limit_socks);
			if (limit_log_due(&c->cl->lim.logged))
				info("the stack holds its most connections (max-sockets): pid %d "
				     "uid %u's connect fails with ENOBUFS",
				     (int)c->pid, (unsigned)c->uid);
		}
	}
	if (us) {
		us->acct = a;
		a->nsocks++;
		a->bytes += c->cl->lim.sock_bytes;
	} else if (a) {
		uid_put(c->cl, a);
	}
	if (us) {
		ctl_connect_opts(us, &m->opts);
		rep.laddr = htonl(us->laddr);
		rep.lport = htons(us->lport);
		DSTAT_INC(ipc_connects);
		debug("socket %u: pid %d connects to %s:%u, filler %u", us->id, (int)c->pid,
		      inet_ntoa((struct in_addr){m->daddr}), ntohs(m->dport), m->filler);
	} else {
		DSTAT_INC(ipc_connect_refused);
	}
	return ctl_send(c, &rep.hdr, sizeof(rep), &m->hdr, us ? us->id : 0, err);
}

static int ctl_getinfo(struct ctl *c, const struct ipc_hdr *m)
{
	struct ipc_info rep = {0};
	struct usock *us = ctl_lookup(c, m->sock_id);

	if (!us)
		return ctl_send(c, &rep.hdr, sizeof(rep), m, m->sock_id, EBADF);
	usock_getinfo(us, &rep);
	return ctl_send(c, &rep.hdr, sizeof(rep), m, m->sock_id, 0);
}

static int ctl_setopt(struct ctl *c, const struct ipc_opt *m)
{
	struct ipc_hdr rep = {0};
	struct usock *us = ctl_lookup(c, m->hdr.sock_id);
	int err;

	if (!us) {
		err = EBADF;
	} else {
		err = usock_setopt(us, m->name, m->value);
		if (err)
			DSTAT_INC(ipc_opt_refused);
	}
	return ctl_send(c, &rep, sizeof(rep), &m->hdr, m->hdr.sock_id, err);
}

static void ctl_release(struct ctl *c, const struct ipc_hdr *m)
{
	struct usock *us = usock_lookup(c->cl, m->sock_id);

	if (!us) {
		DSTAT_INC(ipc_unknown_id);
		return;
	}
	/*
	 * Only the owner's word counts: another process (a forked child) that
	 * closed its copy says nothing about the owner's.  An orphaned usock
	 * is freed as soon as its pair and tcb are gone anyway.
	 */
	if (us->owner != c) {
		DSTAT_INC(ipc_foreign_release);
		return;
	}
	usock_release(us);
}

/* IPC_STATUS and IPC_STATS: one page of the snapshot (status.c). */
static int ctl_list(struct ctl *c, const struct ipc_list_req *m)
{
	union {
		struct ipc_hdr hdr;
		struct ipc_status_rep status;
		struct ipc_stats_rep stats;
	} rep;
	int len;

	memset(&rep, 0, sizeof(rep));
	if (m->hdr.type == IPC_STATUS)
		len = status_reply(c, m->cursor, &rep.status);
	else
		len = stats_reply(c, m->cursor, &rep.stats);
	if (len < 0)
		return ctl_send(c, &rep.hdr, sizeof(rep.hdr), &m->hdr, 0, -len);
	return ctl_send(c, &rep.hdr, (size_t)len, &m->hdr, 0, 0);
}

/* Copy a client's text for the log: bounded, printable ASCII only. */
static void log_text(char *dst, size_t size, const char *src, size_t srclen)
{
	size_t i;

	for (i = 0; i + 1 < size && i < srclen && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/*
 * IPC_CAPTURE: start a live capture into the fd that came along, or stop
 * this connection's.  Frames carry every user's data: only root and our
 * own uid may capture.
 */
static int ctl_capture(struct ctl *c, const struct ipc_capture *m, int *fds, unsigned nfds)
{
	struct ipc_capture_rep rep = {0};
	char text[IPC_FILTER_TEXT];
	int err = 0, r;

	if (m->op == IPC_CAPTURE_STOP) {
		close_fds(fds, nfds);
		if (!c->tap) {
			err = ENOENT;
		} else {
			pcap_tap_stop(c->tap, &rep);
			c->tap = NULL;
			info("client pid %d: live capture stopped: %llu frames, %llu dropped",
			     (int)c->pid, (unsigned long long)rep.frames,
			     (unsigned long long)rep.dropped);
		}
		return ctl_send(c, &rep.hdr, sizeof(rep), &m->hdr, 0, err);
	}
	if (m->op != IPC_CAPTURE_START || nfds != 1) {
		close_fds(fds, nfds);
		err = EINVAL;
	} else if (c->uid != 0 && c->uid != geteuid()) {
		close_fds(fds, nfds);
		err = EPERM;
	} else if (c->tap) {
		close_fds(fds, nfds);
		err = EBUSY;
	} else if ((r = pcap_tap_start(&c->tap, fds[0], m)) < 0) {
		close_fds(fds, nfds);
		err = -r;
	} else {
		log_text(text, sizeof(text), m->text, sizeof(m->text));
		info("client pid %d uid %u: live capture started (filter: %s)", (int)c->pid,
		     (unsigned)c->uid, text[0] ? text : "none");
	}
	return ctl_send(c, &rep.hdr, sizeof(rep), &m->hdr, 0, err);
}

/* Handle one received message; consumes fds.  -1: drop the connection. */
static int ctl_dispatch(struct ctl *c, const union ipc_msg *m, size_t len, int *fds, unsigned nfds)
{
	int type = ipc_validate(m, len);

	if (type == -EPROTONOSUPPORT)
		info("client pid %d speaks control protocol version %u, not %u: dropped",
		     (int)c->pid, m->hdr.version, IPC_VERSION);
	if (type < 0 || (type != IPC_CONNECT && type != IPC_CAPTURE && nfds > 0)) {
		close_fds(fds, nfds);
		DSTAT_INC(ctl_malformed);
		debug("client pid %d: malformed message (%zu bytes), dropped", (int)c->pid, len);
		return -1;
	}
	switch (type) {
	case IPC_HELLO:
		return ctl_hello(c, &m->hello);
	case IPC_CONNECT:
		return ctl_connect(c, &m->connect, fds, nfds);
	case IPC_GETINFO:
		return ctl_getinfo(c, &m->hdr);
	case IPC_SETOPT:
		return ctl_setopt(c, &m->opt);
	case IPC_RELEASE:
		ctl_release(c, &m->hdr);
		return 0;
	case IPC_STATUS:
	case IPC_STATS:
		return ctl_list(c, &m->list);
	case IPC_CAPTURE:
		return ctl_capture(c, &m->capture, fds, nfds);
	}
	return -1; /* not reached: ipc_validate() knows the types */
}

/* Drop a control connection; its sockets live on, without an owner. */
static void ctl_close(struct ctl *c, const char *why)
{
	struct client *cl = c->cl;
	struct usock *us;

	debug("client pid %d: control connection closed (%s), %u sockets orphaned", (int)c->pid,
	      why, c->nsocks);
	ev_io_stop(cl->loop, &c->io);
	close(c->fd);
	while ((us = LIST_FIRST(&c->socks)) != NULL)
		usock_orphan(us);
	status_free(c);
	if (c->tap) {
		pcap_tap_stop(c->tap, NULL); /* `ustack capture` went away: so does its capture */
		c->tap = NULL;
	}
	LIST_REMOVE(c, link);
	cl->nctls--;
	DSTAT_INC(ctl_closed);
	free(c);
}

static void ctl_io_cb(struct ev_loop *loop UNUSED, ev_io *w, int revents UNUSED)
{
	struct ctl *c = container_of(w, struct ctl, io);

	for (int i = 0; i < MSGS_PER_WAKEUP; i++) {
		union ipc_msg m;
		union {
			char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
		struct msghdr mh = {
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = cbuf.buf,
		    .msg_controllen = sizeof(cbuf.buf),
		};
		int fds[CTL_MAX_FDS];
		unsigned nfds;
		ssize_t n;

		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			ctl_close(c, strerror(errno));
			return;
		}
		nfds = take_fds(&mh, fds);
		if (n == 0) {
			close_fds(fds, nfds);
			ctl_close(c, "end of file");
			return;
		}
		if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == MSG_CTRUNC && nfds == 0 &&
		    ipc_validate(&m, (size_t)n) == IPC_CONNECT) {
			/* Not one fd could be installed: we are out of them, the client is fine. */
			struct ipc_connect_rep rep = {0};

			fd_exhausted(c->cl, "a socket from a client could not be received");
			DSTAT_INC(ipc_connect_refused);
			if (ctl_send(c, &rep.hdr, sizeof(rep), &m.hdr, 0, EMFILE) < 0) {
				ctl_close(c, "reply failed");
				return;
			}
			continue;
		}
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			close_fds(fds, nfds);
			DSTAT_INC(ctl_malformed);
			ctl_close(c, "message or fds truncated");
			return;
		}
		if (ctl_dispatch(c, &m, (size_t)n, fds, nfds) < 0) {
			ctl_close(c, "protocol error");
			return;
		}
	}
}

static void ctl_new(struct client *cl, int fd)
{
	struct ucred cred = {.pid = -1, .uid = (uid_t)-1};
	socklen_t l = sizeof(cred);
	struct ctl *c = calloc(1, sizeof(*c));

	if (!c) {
		DSTAT_INC(ctl_accept_errors);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
		debug("SO_PEERCRED: %s", strerror(errno));
	c->fd = fd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->cl = cl;
	LIST_INIT(&c->socks);
	LIST_INSERT_HEAD(&cl->ctls, c, link);
	cl->nctls++;
	DSTAT_INC(ctl_accepted);
	info("client pid %d uid %u connected", (int)c->pid, (unsigned)c->uid);
	ev_io_init(&c->io, ctl_io_cb, fd, EV_READ);
	ev_io_start(cl->loop, &c->io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents UNUSED)
{
	struct client *cl = container_of(w, struct client, lio);

	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		int fd = accept4(cl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			ctl_new(cl, fd);
			continue;
		}
		if (errno == EAGAIN)
			return;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		DSTAT_INC(ctl_accept_errors);
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Level-triggered: without a pause we would spin on the queued client. */
			if (errno == EMFILE || errno == ENFILE)
				fd_exhausted(cl, "not accepting new clients for a while");
			else
				debug("accept: %s; not accepting for %.1f s", strerror(errno),
				      ACCEPT_PAUSE);
			ev_io_stop(loop, &cl->lio);
			/*
			 * A one-shot timer keeps what was left of its time when it
			 * expired (nothing): set the pause again, or it fires at
			 * once from the second time on and we spin after all.
			 */
			ev_timer_set(&cl->lpause, ACCEPT_PAUSE, 0.);
			ev_timer_start(loop, &cl->lpause);
		}
		return;
	}
}

static void lpause_cb(struct ev_loop *loop, ev_timer *w, int revents UNUSED)
{
	struct client *cl = container_of(w, struct client, lpause);

	ev_io_start(loop, &cl->lio);
}

int client_probe_path(const char *path, int mkdir_parent)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	struct stat stt;
	int fd, r, err;

	if (!*path)
		die("the socket path is empty");
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path %s is too long (at most %zu bytes)", path,
		    sizeof(sa.sun_path) - 1);
	snprintf(dir, sizeof(dir), "%s", path);
	if (!mkdir_parent && (stat(dirname(dir), &stt) < 0 || !S_ISDIR(stt.st_mode)))
		die("directory %s for the socket does not exist", dir);
	if (lstat(path, &stt) < 0) {
		if (errno == ENOENT)
			return 0;
		die("cannot use socket path %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(stt.st_mode))
		die("%s exists and is not a socket", path);

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot create a Unix socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN) /* EAGAIN: it listens, its backlog is full */
		die("another ustackd is already listening on %s", path);
	if (err == ECONNREFUSED)
		return 1; /* nobody listens: a stale file from a daemon that died */
	if (err == ENOENT)
		return 0;
	if (err == EPROTOTYPE)
		die("another program (not ustackd) is listening on %s", path);
	die("cannot check socket path %s: %s", path, strerror(err));
}

static void client_init(struct client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->lfd = -1;
	LIST_INIT(&cl->ctls);
	for (size_t i = 0; i < ARRAY_SIZE(cl->ids); i++)
		LIST_INIT(&cl->ids[i]);
	for (size_t i = 0; i < ARRAY_SIZE(cl->uids); i++)
		LIST_INIT(&cl->uids[i]);
	TAILQ_INIT(&cl->pending);
	cl->next_id = 1;
}

void client_listen(struct client *cl, const char *path, int stale, int mkdir_parent,
		   const struct client_access *acc)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int r;

	client_init(cl);
	snprintf(cl->path, sizeof(cl->path), "%s", path);
	strcpy(sa.sun_path, path); /* length checked by client_probe_path() */

	if (mkdir_parent) {
		char dir[sizeof(sa.sun_path)];

		snprintf(dir, sizeof(dir), "%s", path);
		if (mkdir(dirname(dir), 0755) == 0) {
			/* Ours: the user we become may remove the socket at exit. */
			if (acc->dir_uid != (uid_t)-1 && chown(dir, acc->dir_uid, acc->dir_gid) < 0)
				die("cannot hand directory %s to uid %u: %s", dir,
				    (unsigned)acc->dir_uid, strerror(errno));
		} else if (errno != EEXIST) {
			die("cannot create directory %s: %s", dir, strerror(errno));
		}
	}
	if (stale && unlink(path) < 0 && errno != ENOENT)
		die("cannot remove the stale socket %s: %s", path, strerror(errno));

	cl->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cl->lfd < 0)
		die("cannot create a Unix socket: %s", strerror(errno));
	/*
	 * Connecting needs write permission on the file.  Create it with
	 * none for anyone else, then open it up to the group and mode asked
	 * for; nobody can connect before listen() anyway.
	 */
	old = umask(0177);
	r = bind(cl->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		die("cannot listen on %s: %s", path, strerror(errno));
	if (acc->gid != (gid_t)-1 && chown(path, (uid_t)-1, acc->gid) < 0)
		die("cannot give %s to group %u: %s", path, (unsigned)acc->gid, strerror(errno));
	if (chmod(path, (mode_t)acc->mode) < 0)
		die("cannot set the mode of %s: %s", path, strerror(errno));
	if (listen(cl->lfd, LISTEN_BACKLOG) < 0)
		die("cannot listen on %s: %s", path, strerror(errno));
}

void client_adopt(struct client *cl, int fd)
{
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	int fl;

	client_init(cl);
	if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
		die("the socket systemd passed is not a listening AF_UNIX SOCK_SEQPACKET socket "
		    "(ListenSequentialPacket= in ustackd.socket)");
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		die("cannot read the address of the socket systemd passed: %s", strerror(errno));
	if (sl <= offsetof(struct sockaddr_un, sun_path) || !sa.sun_path[0])
		snprintf(cl->path, sizeof(cl->path), "(unnamed)");
	else
		snprintf(cl->path, sizeof(cl->path), "%.*s",
			 (int)(sl - offsetof(struct sockaddr_un, sun_path)), sa.sun_path);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		die("cannot make the socket systemd passed non-blocking: %s", strerror(errno));
	cl->lfd = fd;
	cl->activated = 1;
}

void client_start(struct client *cl, struct ev_loop *loop, struct stack *st)
{
	cl->loop = loop;
	cl->st = st;
	ev_io_init(&cl->lio, accept_cb, cl->lfd, EV_READ);
	ev_io_start(loop, &cl->lio);
	ev_timer_init(&cl->lpause, lpause_cb, ACCEPT_PAUSE, 0.);
}

void client_stop(struct client *cl)
{
	struct ctl *c;

	for (size_t i = 0; i < ARRAY_SIZE(cl->ids); i++) {
		struct usock *us;

		while ((us = LIST_FIRST(&cl->ids[i])) != NULL)
			usock_destroy(us);
	}
	while ((c = LIST_FIRST(&cl->ctls)) != NULL)
		ctl_close(c, "ustackd is stopping");
	if (cl->lfd >= 0) {
		ev_io_stop(cl->loop, &cl->lio);
		ev_timer_stop(cl->loop, &cl->lpause);
		close(cl->lfd);
		cl->lfd = -1;
		/* systemd's socket stays: it queues clients until we are back. */
		if (!cl->activated && unlink(cl->path) < 0 && errno != ENOENT)
			info("cannot remove the socket %s: %s (the next ustackd replaces it)",
			     cl->path, strerror(errno));
	}
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use client_syscalls[] = {
    SYSCALL("accept4", "accept_cb(): new control connections"),
    SYSCALL("getsockopt", "SO_PEERCRED of each client; pair_fd_ok() checks a passed fd"),
    SYSCALL("getpeername", "pair_fd_ok(): a passed fd must be a connected socket"),
    SYSCALL("recvmsg", "ctl_io_cb(): control messages and their SCM_RIGHTS fds"),
    SYSCALL("sendto", "ctl_send(): replies, send() with MSG_DONTWAIT"),
    SYSCALL("close", "control connections, fds a malformed message carried, the listener"),
    SYSCALL("unlink", "client_stop(): the socket file at exit"),
    SYSCALLS_END,
};

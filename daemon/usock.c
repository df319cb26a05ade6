/* SPDX-License-Identifier: MIT */
/*
 * usock.c - one intercepted TCP socket: the program's socketpair on one
 * side, a tcb on the other, and the bytes between them.
 *
 * Theory of operation (see daemon/ipc.h and notes/interposition.md 3):
 * the program writes into its end of an AF_UNIX stream pair; we read our
 * end straight into the tcb's send buffer (tcp_snd_space() / readv() /
 * tcp_snd_commit()), and write what the tcb received straight into the pair
 * (tcp_rcv_data() / sendmsg() / tcp_rcv_consume()).  No byte is copied in
 * between, and backpressure is native in both directions: a full send buffer
 * stops our reads, so the pair fills and the program blocks or gets EAGAIN;
 * a full pair stops our writes, so the receive window closes.
 *
 * Everything that is not data travels on the pair itself, in order with the
 * data, never on the control connection:
 *   handshake  the shim fills the pair with `filler` bytes so the program sees
 *              its socket unwritable; on TCP_EV_CONNECTED we discard exactly
 *              that many and the program sees POLLOUT.  If the handshake fails
 *              we close our end with the filler unread: POLLOUT|POLLERR|POLLHUP.
 *   peer FIN   shutdown(SHUT_WR) on our end after the last byte: the program
 *              reads EOF and can still write.
 *   SHUT_WR    our read returns 0 and the pair is not hung up: tcp_shutdown().
 *   close      our read returns 0 with POLLHUP: shutdown and release the tcb.
 *              ECONNRESET from our read (or EPIPE writing) means the program
 *              closed with data unread: abort, as Linux sends RST then.
 *   error      deliver what was received, then close our end: the program
 *              reads EOF and the shim asks IPC_GETINFO for the reason.
 *
 * Stack events are handled inside io.tcp_event(), which proto/ calls from
 * stack_flush() once per tcb per batch, before it sends that tcb's output:
 * so one pass writes a whole batch of received segments to the pair with
 * one sendmsg(), and the ACK that leaves afterwards already carries the
 * window the program's read reopened.  Every loop over a pair is bounded
 * per wakeup so that one busy socket cannot starve the others; a usock with
 * work left queues itself and client_run_pending() comes back to it.
 *
 * Life: a usock is freed when its pair is closed, its tcb released, and no
 * one can ask about it any more: the owner sent IPC_RELEASE or the owning
 * control connection is gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "ipc.h"
#include "isolate.h"
#include "log.h"
#include "status.h"

#define PULL_CALLS  8	       /* reads from one pair per wakeup */
#define PUSH_CALLS  8	       /* writes to one pair per pass */
#define DISCARD_MAX (1u << 20) /* bytes we swallow after the connection ended */

/* Filler and writes after the end land here; never read back. */
static uint8_t scratch[65536];

static unsigned id_hash(uint32_t id)
{
	return id & (USOCK_HASH_SIZE - 1);
}

struct usock *usock_lookup(struct client *cl, uint32_t id)
{
	struct usock *us;

	if (id == 0)
		return NULL;
	for (us = LIST_FIRST(&cl->ids[id_hash(id)]); us; us = LIST_NEXT(us, id_link))
		if (us->id == id)
			return us;
	return NULL;
}

/* Next free id; ids are sequential, so a reused one is at least 2^32 sockets old. */
static uint32_t usock_new_id(struct client *cl)
{
	uint32_t id;

	do
		id = cl->next_id++;
	while (id == 0 || usock_lookup(cl, id));
	return id;
}

static void usock_queue(struct usock *us)
{
	if (us->flags & US_QUEUED)
		return;
	us->flags |= US_QUEUED;
	TAILQ_INSERT_TAIL(&us->cl->pending, us, pending_link);
	us->cl->npending++;
}

static void usock_unqueue(struct usock *us)
{
	if (!(us->flags & US_QUEUED))
		return;
	us->flags &= ~US_QUEUED;
	TAILQ_REMOVE(&us->cl->pending, us, pending_link);
	us->cl->npending--;
}

/* Start, change or stop the pair watcher to match the flags. */
static void usock_update_io(struct usock *us)
{
	int want = 0;

	if (us->fd >= 0) {
		/* After the end we still read, to swallow writes and notice the close. */
		if ((us->flags & US_ESTAB) && !(us->flags & US_APP_EOF) &&
		    ((us->flags & US_TCP_DONE) || !(us->flags & US_RD_BLOCKED)))
			want |= EV_READ;
		if (us->flags & US_WR_WAIT)
			want |= EV_WRITE;
	}
	if (want == us->io_events)
		return;
	if (us->io_events)
		ev_io_stop(us->cl->loop, &us->io);
	if (want) {
		ev_io_set(&us->io, us->fd, want);
		ev_io_start(us->cl->loop, &us->io);
	}
	us->io_events = want;
}

static void usock_close_pair(struct usock *us)
{
	if (us->fd < 0)
		return;
	if (us->io_events)
		ev_io_stop(us->cl->loop, &us->io);
	us->io_events = 0;
	close(us->fd);
	us->fd = -1;
	us->flags &= ~(US_WR_WAIT | US_RD_BLOCKED);
}

/* Let go of the tcb; the stack finishes (FIN, TIME_WAIT) or resets on its own. */
static void usock_drop_tcb(struct usock *us)
{
	if (!us->tp)
		return;
	tcp_release(us->tp);
	us->tp = NULL;
	us->pending = 0;
}

static void usock_free(struct usock *us)
{
	struct client *cl = us->cl;

	usock_unqueue(us);
	usock_close_pair(us);
	client_uncharge(us);
	LIST_REMOVE(us, id_link);
	if (us->owner) {
		LIST_REMOVE(us, owner_link);
		us->owner->nsocks--;
	}
	cl->nsocks--;
	DSTAT_INC(us_freed);
	debug("socket %u freed", us->id);
	free(us);
}

/*
 * The program closed its socket (its last copy of it).  abort: it left data
 * unread, so the peer gets a RST as Linux would send.  Before the handshake
 * completed the connection is simply dropped (no RST: not synchronized).
 */
static void usock_app_gone(struct usock *us, int abort)
{
	DSTAT_INC(us_app_closed);
	if (us->tp && !(us->flags & US_TCP_DONE)) {
		if (abort || !(us->flags & US_ESTAB)) {
			if ((us->flags & US_ESTAB) && abort)
				DSTAT_INC(us_app_reset);
			tcp_abort(us->tp);
		} else {
			tcp_shutdown(us->tp); /* tcp_release() resets if data stays unread */
		}
	}
	usock_drop_tcb(us);
	usock_close_pair(us);
}

/* Our read returned 0: the program shut its write side, or closed the socket. */
static void usock_app_eof(struct usock *us)
{
	struct pollfd pfd = {.fd = us->fd, .events = POLLIN};

	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
		/* Closed for good; with filler left it never even saw the connection: reset. */
		usock_app_gone(us, us->filler != 0);
		return;
	}
	us->flags |= US_APP_EOF;
	if (us->tp && !(us->flags & US_TCP_DONE))
		tcp_shutdown(us->tp);
}

/*
 * The program may have closed its end while we were not reading (handshake,
 * after its SHUT_WR, after the end): look for the hang-up.  With data still
 * queued in the pair the read path finds the close after that data.
 */
static void usock_check_hup(struct usock *us)
{
	struct pollfd pfd = {.fd = us->fd, .events = POLLIN};

	if (us->fd < 0 || poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLHUP))
		return;
	if (!(us->flags & US_ESTAB))
		usock_app_gone(us, 1);
	else if (us->flags & (US_APP_EOF | US_TCP_DONE))
		usock_app_gone(us, 0);
}

/* Pair -> tcb: discard the filler, then move what the program wrote into the send buffer. */
static void usock_pull(struct usock *us)
{
	for (int i = 0; i < PULL_CALLS && us->fd >= 0; i++) {
		struct iovec iov[2];
		size_t want;
		ssize_t r;
		int discard = us->filler || !us->tp || (us->flags & US_TCP_DONE);

		if (discard) {
			want = us->filler && us->filler < sizeof(scratch) ? us->filler
									  : sizeof(scratch);
			r = read(us->fd, scratch, want);
		} else {
			want = tcp_snd_space(us->tp, iov);
			if (want == 0) {
				us->flags |= US_RD_BLOCKED; /* until TCP_EV_WRITABLE */
				return;
			}
			r = readv(us->fd, iov, iov[1].iov_len ? 2 : 1);
		}
		if (r > 0) {
			if (us->filler) {
				us->filler -= (uint32_t)r;
			} else if (discard) {
				/* Written after the end: Linux would fail these writes. */
				DSTAT_ADD(us_discarded, (uint64_t)r);
				us->discarded += (uint32_t)r;
				if (us->discarded > DISCARD_MAX) {
					usock_app_gone(us, 1);
					return;
				}
			} else {
				tcp_snd_commit(us->tp, (size_t)r);
			}
			if ((size_t)r < want)
				return; /* the pair is empty for now */
			continue;
		}
		if (r == 0) {
			usock_app_eof(us);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return;
		if (errno != ECONNRESET)
			DSTAT_INC(us_pair_errors);
		usock_app_gone(us, 1); /* ECONNRESET: closed with our data unread */
		return;
	}
}

/* tcb -> pair: deliver received data, then the peer's FIN as SHUT_WR. */
static void usock_push(struct usock *us)
{
	int i;

	if (!us->tp || us->fd < 0)
		return;
	us->flags &= ~(US_WR_WAIT | US_RCV_LEFT);
	for (i = 0; i < PUSH_CALLS; i++) {
		struct iovec iov[2];
		struct msghdr mh = {.msg_iov = iov};
		size_t n = tcp_rcv_data(us->tp, iov);
		ssize_t w;

		if (n == 0)
			break;
		mh.msg_iovlen = iov[1].iov_len ? 2 : 1;
		w = sendmsg(us->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0) {
			tcp_rcv_consume(us->tp, (size_t)w);
			if ((size_t)w < n) {
				us->flags |= US_WR_WAIT | US_RCV_LEFT; /* the pair is full */
				return;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			us->flags |= US_WR_WAIT | US_RCV_LEFT;
			return;
		}
		if (errno != EPIPE && errno != ECONNRESET)
			DSTAT_INC(us_pair_errors);
		usock_app_gone(us, 1); /* closed: it will never read what the peer sent */
		return;
	}
	if (i == PUSH_CALLS) {
		/* Budget spent with data left: come back on the next pass. */
		us->flags |= US_RCV_LEFT;
		us->pending |= TCP_EV_READABLE;
		usock_queue(us);
		return;
	}
	if (tcp_rcv_fin(us->tp) && !(us->flags & US_FIN_SENT)) {
		us->flags |= US_FIN_SENT;
		if (shutdown(us->fd, SHUT_WR) < 0)
			DSTAT_INC(us_pair_errors);
	}
}

/* React to stack events; several bits may come at once. */
static void usock_handle(struct usock *us, unsigned ev)
{
	if (!us->tp)
		return; /* released meanwhile: nothing more to say */
	if (ev & TCP_EV_CONNECTED)
		us->flags |= US_ESTAB;
	if (ev & TCP_EV_ERROR) {
		int err = tcp_error_take(us->tp);

		if (err)
			us->so_error = us->last_error = err;
		if (tcp_was_reset(us->tp))
			us->flags |= US_RESET;
	}
	if (ev & (TCP_EV_ERROR | TCP_EV_CLOSED))
		us->flags |= US_TCP_DONE;
	if ((us->flags & US_TCP_DONE) && !(us->flags & US_ESTAB)) {
		/* The handshake failed: close with the filler unread (POLLERR|POLLHUP). */
		usock_close_pair(us);
		usock_drop_tcb(us);
		return;
	}

	if (ev & TCP_EV_CONNECTED) {
		usock_pull(us); /* drain the filler now: the program sees POLLOUT */
	} else if ((ev & TCP_EV_WRITABLE) && (us->flags & US_RD_BLOCKED)) {
		us->flags &= ~US_RD_BLOCKED;
		usock_pull(us);
	}
	/* With the pair full, EV_WRITE resumes delivery; trying now would only see EAGAIN. */
	if ((ev & (TCP_EV_READABLE | TCP_EV_ERROR | TCP_EV_CLOSED)) && !(us->flags & US_WR_WAIT))
		usock_push(us);
}

/*
 * After anything happened to us: end the connection when both directions
 * are done, adjust the watcher, free the record when nothing refers to it.
 * us may be freed.
 */
static void usock_progress(struct usock *us)
{
	if (us->tp) {
		if ((us->flags & US_TCP_DONE) && !(us->flags & US_RCV_LEFT)) {
			/* All the peer sent is in the pair: the program reads it, then EOF. */
			usock_drop_tcb(us);
			usock_close_pair(us);
		} else if ((us->flags & (US_APP_EOF | US_FIN_SENT)) == (US_APP_EOF | US_FIN_SENT)) {
			/* Both directions finished: the pair has nothing left to carry. */
			usock_drop_tcb(us);
			usock_close_pair(us);
		}
	}
	usock_update_io(us);
	if (us->fd < 0 && !us->tp && ((us->flags & US_RELEASED) || !us->owner))
		usock_free(us);
}

static void usock_io_cb(struct ev_loop *loop UNUSED, ev_io *w, int revents)
{
	struct usock *us = container_of(w, struct usock, io);

	if ((revents & EV_WRITE) && us->tp) {
		us->flags &= ~US_WR_WAIT;
		usock_push(us);
	}
	if ((revents & EV_READ) && us->fd >= 0)
		usock_pull(us);
	usock_progress(us);
}

void usock_tcp_event(struct client *cl UNUSED, struct tcb *tp UNUSED, void *user, unsigned events)
{
	struct usock *us = user;
	unsigned ev;

	if (!us)
		return;
	ev = us->pending | events;
	us->pending = 0;
	usock_unqueue(us);
	usock_handle(us, ev);
	usock_progress(us); /* may free us; the stack does not look at it again */
}

void client_run_pending(struct client *cl)
{
	/* Only those queued now: a usock that re-queues itself waits for the next pass. */
	unsigned n = cl->npending;
	struct usock *us;

	while (n-- > 0 && (us = TAILQ_FIRST(&cl->pending)) != NULL) {
		unsigned ev = us->pending;

		usock_unqueue(us);
		us->pending = 0;
		usock_handle(us, ev);
		usock_progress(us);
	}
}

struct usock *usock_connect(struct client *cl, struct ctl *owner, int fd, uint32_t daddr,
			    uint16_t dport, uint32_t filler, int *err)
{
	struct usock *us;
	int fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		*err = errno;
		close(fd);
		return NULL;
	}
	us = calloc(1, sizeof(*us));
	if (!us) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	us->cl = cl;
	us->fd = fd;
	us->filler = filler;
	us->tp = tcp_connect(cl->st, ntohl(daddr), ntohs(dport), us, mono_ms(), err);
	if (!us->tp) {
		close(fd);
		free(us);
		return NULL;
	}
	tcp_endpoints(us->tp, &us->laddr, &us->lport, &us->raddr, &us->rport);
	ev_io_init(&us->io, usock_io_cb, fd, EV_READ);
	us->id = usock_new_id(cl);
	LIST_INSERT_HEAD(&cl->ids[id_hash(us->id)], us, id_link);
	cl->nsocks++;
	us->owner = owner;
	LIST_INSERT_HEAD(&owner->socks, us, owner_link);
	owner->nsocks++;
	/* Who made it, for `ustack status`: the process may be gone when someone asks. */
	if (!owner->comm_read) {
		status_read_comm(owner->pid, owner->comm);
		owner->comm_read = 1;
	}
	us->pid = owner->pid;
	us->uid = owner->uid;
	memcpy(us->comm, owner->comm, sizeof(us->comm));
	return us;
}

void usock_getinfo(struct usock *us, struct ipc_info *info)
{
	int so = 0;

	if (us->tp) {
		info->state = tcp_state(us->tp);
		so = tcp_error_take(us->tp); /* an error whose event is still queued */
		if (so && !us->last_error)
			us->last_error = so;
		if (tcp_was_reset(us->tp))
			us->flags |= US_RESET;
	}
	if (!so)
		so = us->so_error;
	us->so_error = 0;
	info->so_error = so;
	info->last_error = us->last_error;
	info->reset = !!(us->flags & US_RESET);
	info->laddr = htonl(us->laddr);
	info->lport = htons(us->lport);
	info->raddr = htonl(us->raddr);
	info->rport = htons(us->rport);
}

int usock_setopt(struct usock *us, int name, int value)
{
	enum tcp_opt opt;

	switch (name) {
	case IPC_OPT_NODELAY:
		opt = TCP_OPT_NODELAY;
		break;
	case IPC_OPT_KEEPALIVE:
		opt = TCP_OPT_KEEPALIVE;
		break;
	case IPC_OPT_KEEPIDLE:
		opt = TCP_OPT_KEEPIDLE;
		break;
	case IPC_OPT_KEEPINTVL:
		opt = TCP_OPT_KEEPINTVL;
		break;
	case IPC_OPT_KEEPCNT:
		opt = TCP_OPT_KEEPCNT;
		break;
	default:
		return ENOPROTOOPT;
	}
	if (!us->tp)
		return 0; /* the connection is over: harmless */
	return tcp_setopt(us->tp, opt, value) < 0 ? EINVAL : 0;
}

void usock_release(struct usock *us)
{
	us->flags |= US_RELEASED;
	usock_check_hup(us);
	usock_progress(us);
}

void usock_orphan(struct usock *us)
{
	LIST_REMOVE(us, owner_link);
	us->owner->nsocks--;
	us->owner = NULL;
	usock_check_hup(us);
	usock_progress(us);
}

void usock_destroy(struct usock *us)
{
	if (us->tp) {
		if (!(us->flags & US_TCP_DONE))
			tcp_abort(us->tp);
		usock_drop_tcb(us);
	}
	usock_free(us);
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use usock_syscalls[] = {
    SYSCALL("fcntl", "usock_connect(): the pair end becomes non-blocking"),
    SYSCALL("read", "usock_pull(): filler and writes after the end are discarded"),
    SYSCALL("readv", "usock_pull(): pair -> the tcb's send buffer"),
    SYSCALL("sendmsg", "usock_push(): the tcb's receive buffer -> pair"),
    SYSCALL("shutdown", "usock_push(): the peer's FIN as SHUT_WR on the pair"),
    SYSCALL("poll", "usock_app_eof(), usock_check_hup(): did the program hang up?"),
    SYSCALL("close", "usock_close_pair()"),
    SYSCALLS_END,
};

/* SPDX-License-Identifier: MIT */
/*
 * status.c - what `ustack status` and `ustack stats` see: snapshots of every
 * connection and every counter, handed out a page at a time.
 *
 * Theory of operation (daemon/ipc.h, "Observing the daemon"): a request
 * with cursor 0 copies the whole listing into one allocation owned by the
 * control connection that asked; later requests page through that copy, so
 * what the client prints is one instant of the daemon, however many pages
 * it takes.  The copy is freed after its last page, by the next cursor 0,
 * or with the connection.  This costs one allocation per listing, never
 * anything per packet.  At most LISTINGS_MAX snapshots live at once, so
 * that clients that start listings and never finish them cannot pin memory
 * (a status snapshot is 120 bytes per connection): the oldest is dropped,
 * and its client, told EINVAL at its next page, starts again.
 *
 * A connection's owner is the process whose control connection created its
 * socket: its pid from SO_PEERCRED and its command from /proc/PID/comm, read
 * once per control connection at its first connect (status_read_comm()),
 * because later the process may be gone.  Once the program let go of a
 * socket (close), the stack may still hold its tcb (FIN-WAIT, LAST-ACK,
 * TIME-WAIT): such a connection is listed without an owner, as ss does.
 * Owners are shown only to root and to their own uid, like `ss -p`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "ipc.h"
#include "isolate.h"
#include "status.h"

const char *const dstat_descs[DSTAT_MAX] = {
#define DSTAT_DESC(name, desc) desc,
    DAEMON_STATS(DSTAT_DESC)
#undef DSTAT_DESC
};

#define LISTINGS_MAX 32

struct listing {
	struct ctl *owner;
	TAILQ_ENTRY(listing) link; /* oldest first */
	int type;		   /* IPC_STATUS or IPC_STATS */
	uint32_t total;		   /* items */
	uint32_t filled;	   /* items written so far while building */
	size_t size;		   /* bytes per item */
	uint8_t items[];
};

void status_read_comm(pid_t pid, char comm[16])
{
	char path[32];
	ssize_t n;
	int fd;

	memset(comm, 0, 16);
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		n = read(fd, comm, 15);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0) {
		memset(comm, 0, 16);
		return;
	}
	comm[n] = '\0';
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}

static TAILQ_HEAD(, listing) listings = TAILQ_HEAD_INITIALIZER(listings);
static unsigned nlistings;

void status_free(struct ctl *c)
{
	struct listing *l = c->listing;

	if (!l)
		return;
	TAILQ_REMOVE(&listings, l, link);
	nlistings--;
	free(l);
	c->listing = NULL;
}

static struct listing *listing_new(int type, uint32_t total, size_t size)
{
	struct listing *l = calloc(1, sizeof(*l) + (size_t)total * size);

	if (!l)
		return NULL;
	l->type = type;
	l->total = total;
	l->size = size;
	return l;
}

/* Make l c's snapshot; past LISTINGS_MAX, the oldest one goes. */
static void listing_attach(struct ctl *c, struct listing *l)
{
	if (nlistings >= LISTINGS_MAX)
		status_free(TAILQ_FIRST(&listings)->owner);
	l->owner = c;
	c->listing = l;
	TAILQ_INSERT_TAIL(&listings, l, link);
	nlistings++;
}

struct walk {
	const struct ctl *asker;
	struct listing *l;
};

static void sock_walk(void *arg, const struct tcb *tp, void *user)
{
	struct walk *w = arg;
	struct ipc_sock_rec *r;
	struct tcp_stat ts;
	uint32_t la, ra;
	uint16_t lp, rp;

	if (w->l->filled == w->l->total)
		return; /* cannot happen: counted just before, and the walk calls nothing */
	r = (struct ipc_sock_rec *)(void *)(w->l->items + w->l->filled++ * w->l->size);
	tcp_get_stat(tp, &ts);
	tcp_endpoints(tp, &la, &lp, &ra, &rp);
	r->state = ts.state;
	snprintf(r->state_name, sizeof(r->state_name), "%s", tcp_state_name(ts.state));
	r->laddr = htonl(la);
	r->raddr = htonl(ra);
	r->lport = htons(lp);
	r->rport = htons(rp);
	r->snd_queued = (uint32_t)ts.snd_queued;
	r->rcv_queued = (uint32_t)ts.rcv_queued;
	r->mss = ts.mss;
	r->cwnd = ts.cwnd;
	r->ssthresh = ts.ssthresh;
	r->snd_wnd = ts.snd_wnd;
	r->rcv_wnd = ts.rcv_wnd;
	r->srtt_us = ts.srtt_us;
	r->rttvar_us = ts.rttvar_us;
	r->rto_ms = ts.rto_ms;
	r->retransmits = ts.retransmits;
	r->total_retrans = ts.total_retrans;
	if (tcp_was_reset(tp))
		r->flags |= IPC_SOCK_RESET;
	if (user) {
		const struct usock *us = user;
		int v;

		r->sock_id = us->id;
		if (!us->owner)
			r->flags |= IPC_SOCK_NOCTL;
		if (w->asker->uid == 0 || w->asker->uid == us->uid) {
			r->pid = us->pid;
			r->uid = us->uid;
			memcpy(r->comm, us->comm, sizeof(r->comm));
			r->comm[sizeof(r->comm) - 1] = '\0';
		}
		/* What the program wrote that we have not read: part of its send queue. */
		if (us->fd >= 0 && ioctl(us->fd, SIOCINQ, &v) == 0 && v > 0)
			r->pair_unread = (uint32_t)v;
	} else {
		r->flags |= IPC_SOCK_ORPHAN;
	}
}

/* Order of the listing: local address and port, then remote (as ss -tan, sorted). */
static int sock_cmp(const void *a, const void *b)
{
	const struct ipc_sock_rec *x = a, *y = b;
	uint64_t kx = (uint64_t)ntohl(x->laddr) << 16 | ntohs(x->lport);
	uint64_t ky = (uint64_t)ntohl(y->laddr) << 16 | ntohs(y->lport);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	kx = (uint64_t)ntohl(x->raddr) << 16 | ntohs(x->rport);
	ky = (uint64_t)ntohl(y->raddr) << 16 | ntohs(y->rport);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return (x->state > y->state) - (x->state < y->state);
}

static struct listing *status_snapshot(const struct ctl *c)
{
	struct walk w = {.asker = c};

	w.l = listing_new(IPC_STATUS, stack_tcb_count(c->cl->st), sizeof(struct ipc_sock_rec));
	if (!w.l)
		return NULL;
	stack_tcb_walk(c->cl->st, sock_walk, &w);
	w.l->total = w.l->filled;
	qsort(w.l->items, w.l->total, w.l->size, sock_cmp);
	return w.l;
}

static void stat_fill(struct ipc_stat_ent *e, uint32_t source, const char *name, const char *desc,
		      uint64_t value)
{
	e->source = source;
	e->value = value;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->desc, sizeof(e->desc), "%s", desc);
}

static struct listing *stats_snapshot(const struct ctl *c)
{
	const uint64_t *s = stack_stats(c->cl->st);
	struct listing *l =
	    listing_new(IPC_STATS, STAT_MAX + DSTAT_MAX, sizeof(struct ipc_stat_ent));
	struct ipc_stat_ent *e;

	if (!l)
		return NULL;
	e = (struct ipc_stat_ent *)(void *)l->items;
	for (int i = 0; i < STAT_MAX; i++)
		stat_fill(e++, IPC_STAT_STACK, stat_names[i], stat_descs[i], s[i]);
	for (int i = 0; i < DSTAT_MAX; i++)
		stat_fill(e++, IPC_STAT_DAEMON, dstat_names[i], dstat_descs[i], dstats[i]);
	return l;
}

/*
 * Take or find the snapshot for a request and copy up to `per` items from
 * cursor into out.  Returns the number copied, or -errno.
 */
static int page(struct ctl *c, int type, uint32_t cursor, void *out, unsigned per, uint32_t *total)
{
	struct listing *l;
	uint32_t n;

	if (cursor == 0) {
		status_free(c);
		l = type == IPC_STATUS ? status_snapshot(c) : stats_snapshot(c);
		if (!l)
			return -ENOMEM;
		listing_attach(c, l);
	}
	l = c->listing;
	if (!l || l->type != type || cursor > l->total || (cursor == l->total && cursor != 0))
		return -EINVAL;
	n = l->total - cursor < per ? l->total - cursor : per;
	memcpy(out, l->items + (size_t)cursor * l->size, (size_t)n * l->size);
	*total = l->total;
	if (cursor + n == l->total)
		status_free(c); /* the last page: the client has it all */
	return (int)n;
}

int status_reply(struct ctl *c, uint32_t cursor, struct ipc_status_rep *rep)
{
	int n = page(c, IPC_STATUS, cursor, rep->rec, IPC_STATUS_PER_MSG, &rep->total);

	if (n < 0)
		return n;
	rep->first = cursor;
	rep->count = (uint32_t)n;
	return (int)(offsetof(struct ipc_status_rep, rec) + (size_t)n * sizeof(rep->rec[0]));
}

int stats_reply(struct ctl *c, uint32_t cursor, struct ipc_stats_rep *rep)
{
	int n = page(c, IPC_STATS, cursor, rep->ent, IPC_STATS_PER_MSG, &rep->total);

	if (n < 0)
		return n;
	rep->first = cursor;
	rep->count = (uint32_t)n;
	return (int)(offsetof(struct ipc_stats_rep, ent) + (size_t)n * sizeof(rep->ent[0]));
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use status_syscalls[] = {
    /* Read-only opens only: no O_WRONLY/O_RDWR, O_CREAT, O_TRUNC or O_APPEND. */
    SYSCALL_MASKED("openat", "the creator's /proc/PID/comm, at its first IPC_CONNECT", 2,
		   O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, O_RDONLY),
    SYSCALL("read", "the creator's /proc/PID/comm"),
    SYSCALL("close", "the creator's /proc/PID/comm"),
    SYSCALL("ioctl", "SIOCINQ: bytes the program wrote that we have not read yet"),
    SYSCALLS_END,
};

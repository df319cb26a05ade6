/* SPDX-License-Identifier: MIT */
/*
 * main.c - ustackd: options, start-up, and the event loop that drives the
 * stack.
 *
 * Theory of operation: one thread, one libev loop.  Start-up goes through
 * the stages of isolate.c: it keeps only the capabilities start-up needs,
 * checks the whole configuration (config.c) and dies with one sentence on
 * the first problem, before anything is created; then it opens the three
 * privileged things (packet socket, pcap file, listening socket, which
 * systemd may pass instead), becomes its own user with no capability, puts
 * the system call allow-list in place, tells systemd it is ready, and runs
 * the loop until SIGINT or SIGTERM.
 *
 * The loop has four kinds of watchers:
 *   packet io   up to PKT_RX_CALLS batches of frames into stack_input(),
 *               each batch followed by the settle step below;
 *   pair/ctl io the clients (client.c, usock.c);
 *   timer       one ev_timer armed to stack_next_deadline(); it runs
 *               stack_timer();
 *   prepare     once per loop iteration, just before the loop sleeps: settle,
 *               send the queued frames with one sendmmsg(), flush the pcap
 *               buffer and re-arm the timer.
 * "Settle" runs the stack events the last calls queued (client_run_pending())
 * and stack_flush(), which sends what they made due and may queue more
 * events; a few rounds of that reach a fixed point.  Because output is only
 * flushed there, the data read from many pairs in one iteration leaves in
 * one sendmmsg(), and the ACKs of a received batch are coalesced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <ev.h>
#include <systemd/sd-daemon.h>

#include "client.h"
#include "config.h"
#include "daemon.h"
#include "isolate.h"
#include "log.h"
#include "packet.h"
#include "pcap.h"
#include "stack.h"

#define SETTLE_ROUNDS  4    /* event/flush rounds per settle before yielding */
#define STATS_INTERVAL 10.0 /* seconds between counter lines at debug level */

uint64_t dstats[DSTAT_MAX];
const char *const dstat_names[DSTAT_MAX] = {
#define DSTAT_NAME(name, desc) #name,
    DAEMON_STATS(DSTAT_NAME)
#undef DSTAT_NAME
};

struct daemon {
	struct ev_loop *loop;
	struct stack *st;
	struct pkt pkt;
	struct pcap pcap;
	struct client cl;
	ev_io pkt_io;
	ev_prepare prepare;
	ev_timer timer; /* armed to stack_next_deadline() */
	uint64_t armed; /* the deadline timer is armed for */
	int again;	/* settle left work: do not sleep */
	ev_timer stats_timer;
	uint64_t last_dstats[DSTAT_MAX];
	ev_signal sigint, sigterm, sigusr1;
};

static struct daemon daemon_;

static const char *ip_str(uint32_t addr, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {htonl(addr)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- the stack's view of the world (struct stack_io) ---- */

static void io_xmit(void *ctx, const uint8_t *frame, size_t len)
{
	struct daemon *d = ctx;

	pcap_write(&d->pcap, frame, len);
	pkt_xmit(&d->pkt, frame, len);
}

static void io_random(void *ctx UNUSED, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t r = getrandom(p, len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) /* checked at start-up; cannot fail after that */
			die("getrandom failed: %s", strerror(errno));
		p += r;
		len -= (size_t)r;
	}
}

static void io_tcp_event(void *ctx, struct tcb *tp, void *user, unsigned events)
{
	struct daemon *d = ctx;

	usock_tcp_event(&d->cl, tp, user, events);
}

/* ---- the loop ---- */

/* Run queued stack events and stack_flush() until neither has more to do. */
static void settle(struct daemon *d, uint64_t now)
{
	for (int round = 0; round < SETTLE_ROUNDS; round++) {
		client_run_pending(&d->cl);
		stack_flush(d->st, now);
		if (!client_has_pending(&d->cl))
			return;
	}
	/* Events keep coming (many sockets at once): yield, then go on. */
	DSTAT_INC(loop_again);
	d->again = 1;
}

static void pkt_cb(struct ev_loop *loop UNUSED, ev_io *w, int revents UNUSED)
{
	struct daemon *d = container_of(w, struct daemon, pkt_io);

	for (int calls = 0; calls < PKT_RX_CALLS; calls++) {
		int n = pkt_recv(&d->pkt);
		uint64_t now;

		if (n <= 0)
			break;
		now = mono_ms();
		for (unsigned i = 0; i < d->pkt.rx_n; i++) {
			const struct pkt_frame *f = &d->pkt.rx[i];

			pcap_write(&d->pcap, f->buf, f->len);
			stack_input(d->st, f->buf, f->len, f->flags, now);
		}
		settle(d, now);
		if (n < PKT_RX_BATCH)
			break; /* drained */
	}
}

static void timer_cb(struct ev_loop *loop UNUSED, ev_timer *w, int revents UNUSED)
{
	struct daemon *d = container_of(w, struct daemon, timer);
	uint64_t now = mono_ms();

	d->armed = UINT64_MAX;
	if (stack_next_deadline(d->st) <= now)
		stack_timer(d->st, now);
	/* prepare_cb settles and re-arms. */
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents UNUSED)
{
	struct daemon *d = container_of(w, struct daemon, prepare);
	uint64_t now = mono_ms(), deadline;

	d->again = 0;
	settle(d, now);
	pkt_flush(&d->pkt);
	pcap_flush(&d->pcap);

	deadline = d->again ? now : stack_next_deadline(d->st);
	if (deadline == UINT64_MAX) {
		ev_timer_stop(loop, &d->timer);
		d->armed = UINT64_MAX;
		return;
	}
	if (ev_is_active(&d->timer) && deadline == d->armed)
		return;
	/*
	 * libev times from its cached loop time, which is older than now by
	 * the callbacks of this iteration: refresh it, or the timer fires
	 * early and we wake once more for nothing.
	 */
	ev_now_update(loop);
	ev_timer_stop(loop, &d->timer);
	ev_timer_set(&d->timer, deadline > now ? (double)(deadline - now) / 1000.0 : 0., 0.);
	ev_timer_start(loop, &d->timer);
	d->armed = deadline;
}

/* Every STATS_INTERVAL with -v: the daemon counters that changed. */
static void stats_cb(struct ev_loop *loop UNUSED, ev_timer *w, int revents UNUSED)
{
	struct daemon *d = container_of(w, struct daemon, stats_timer);

	pkt_update_stats(&d->pkt);
	for (int i = 0; i < DSTAT_MAX; i++)
		if (dstats[i] != d->last_dstats[i])
			debug("%s %llu (+%llu)", dstat_names[i], (unsigned long long)dstats[i],
			      (unsigned long long)(dstats[i] - d->last_dstats[i]));
	memcpy(d->last_dstats, dstats, sizeof(dstats));
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents UNUSED)
{
	info("caught %s, stopping", w->signum == SIGINT ? "SIGINT" : "SIGTERM");
	ev_break(loop, EVBREAK_ALL);
}

/* With -v at exit: every non-zero counter, the stack's and ours. */
static void log_counters(struct daemon *d)
{
	const uint64_t *s = stack_stats(d->st);

	if (!log_verbose)
		return;
	pkt_update_stats(&d->pkt);
	for (int i = 0; i < STAT_MAX; i++)
		if (s[i])
			debug("stack %s %llu", stat_names[i], (unsigned long long)s[i]);
	for (int i = 0; i < DSTAT_MAX; i++)
		if (dstats[i])
			debug("daemon %s %llu", dstat_names[i], (unsigned long long)dstats[i]);
}

/* SIGUSR1: one line with what the daemon holds, for operators and the tests. */
static void usr1_cb(struct ev_loop *loop UNUSED, ev_signal *w, int revents UNUSED)
{
	struct daemon *d = container_of(w, struct daemon, sigusr1);

	info("state: %u clients, %u sockets of %u uids, %u connections in the stack", d->cl.nctls,
	     d->cl.nsocks, d->cl.nuids, stack_tcb_count(d->st));
}

/* Who may connect to the socket we create: the mode and group from cfg, or the defaults. */
static void socket_access(const struct config *cfg, struct client_access *acc)
{
	acc->gid = cfg->socket_gid;
	acc->mode = cfg->socket_mode;
	if (acc->mode < 0 && acc->gid != (gid_t)-1) {
		acc->mode = 0660;
	} else if (acc->mode < 0) {
		acc->mode = 0666;
		info("group %s does not exist: every local user may use the stack (socket mode "
		     "0666); create the group, or set socket-group and socket-mode",
		     DEFAULT_SOCKET_GROUP);
	}
	acc->dir_uid = cfg->user ? cfg->uid : (uid_t)-1;
	acc->dir_gid = cfg->user ? cfg->gid : (gid_t)-1;
}

int main(int argc, char **argv)
{
	struct daemon *d = &daemon_;
	struct config cfg;
	struct pkt_if ifi;
	struct stack_cfg scfg;
	struct client_access acc;
	struct stack_io sio = {
	    .ctx = d,
	    .xmit = io_xmit,
	    .random = io_random,
	    .tcp_event = io_tcp_event,
	};
	char mac[18], ab[INET_ADDRSTRLEN];
	unsigned long long fd_limit;
	uint8_t probe;
	int stale = 0, nfds, notify, nsys, r;
	uid_t uid;
	gid_t gid;

	/* Stage 1: only the capabilities start-up needs (isolate.c). */
	fd_limit = isolate_initial();

	/* Check the whole configuration; nothing is created yet. */
	config_load(&cfg, argc, argv);
	r = pkt_ifinfo(cfg.ifname, &ifi);
	if (r == -ENODEV)
		die("no such interface %s", cfg.ifname);
	if (r == -EAFNOSUPPORT)
		die("interface %s is not an Ethernet interface", cfg.ifname);
	if (r < 0)
		die("cannot query interface %s: %s", cfg.ifname, strerror(-r));
	if (ifi.mtu < 576)
		die("interface %s has an MTU of %u; ustackd needs at least 576", cfg.ifname,
		    ifi.mtu);
	if (getrandom(&probe, sizeof(probe), 0) < 0)
		die("getrandom() does not work: %s", strerror(errno));
	/* Socket activation (ustackd.socket): systemd made the socket and owns the file. */
	nfds = sd_listen_fds(1);
	if (nfds < 0)
		die("cannot take the sockets systemd passed: %s", strerror(-nfds));
	if (nfds > 1)
		die("systemd passed %d sockets; ustackd takes one (ListenSequentialPacket=)", nfds);
	if (nfds == 0)
		stale = client_probe_path(cfg.socket_path, cfg.default_socket);
	notify = getenv("NOTIFY_SOCKET") != NULL;
	info("file descriptor limit %llu (RLIMIT_NOFILE)", fd_limit);

	/* Stage 2: the privileged fds. */
	r = pkt_open(&d->pkt, &ifi);
	if (r == -EPERM || r == -EACCES)
		die("ustackd needs CAP_NET_RAW (run as root or grant the capability)");
	if (r < 0)
		die("cannot open a packet socket on %s: %s", cfg.ifname, strerror(-r));
	if (cfg.pcap_path && (r = pcap_open(&d->pcap, cfg.pcap_path)) < 0)
		die("cannot write pcap file %s: %s", cfg.pcap_path, strerror(-r));
	if (nfds == 1) {
		client_adopt(&d->cl, SD_LISTEN_FDS_START);
	} else {
		socket_access(&cfg, &acc);
		client_listen(&d->cl, cfg.socket_path, stale, cfg.default_socket, &acc);
	}

	/* Stage 3: our own user, no capability from here on (isolate.c). */
	isolate_user(&cfg);
	signal(SIGPIPE, SIG_IGN); /* we use MSG_NOSIGNAL anyway */

	stack_cfg_defaults(&scfg);
	memcpy(scfg.mac, ifi.mac, sizeof(scfg.mac));
	scfg.addr = cfg.addr;
	scfg.netmask = cfg.netmask;
	scfg.gateway = cfg.gateway;
	scfg.mtu = (uint16_t)(ifi.mtu < 65535 ? ifi.mtu : 65535); /* lo has 65536 */
	if (cfg.time_wait_ms >= 0)
		scfg.time_wait_ms = (uint32_t)cfg.time_wait_ms;
	if (cfg.max_socks)
		scfg.max_tcbs = cfg.max_socks;
	d->st = stack_new(&scfg, &sio, mono_ms());
	if (!d->st)
		die("out of memory creating the stack");
	if (cfg.max_socks_per_uid || cfg.max_buf_per_uid)
		info("limits per uid: %u sockets, %llu KiB of socket buffers (%u KiB per socket)",
		     cfg.max_socks_per_uid, (unsigned long long)(cfg.max_buf_per_uid >> 10),
		     (unsigned)((scfg.sndbuf + scfg.rcvbuf) >> 10));
	d->cl.lim = (struct client_limits){
	    .max_socks_per_uid = cfg.max_socks_per_uid,
	    .max_buf_per_uid = cfg.max_buf_per_uid,
	    .sock_bytes = (uint64_t)scfg.sndbuf + scfg.rcvbuf,
	    .fd_limit = fd_limit,
	};

	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop)
		die("cannot create the event loop");
	client_start(&d->cl, d->loop, d->st);
	ev_io_init(&d->pkt_io, pkt_cb, d->pkt.fd, EV_READ);
	ev_io_start(d->loop, &d->pkt_io);
	ev_prepare_init(&d->prepare, prepare_cb);
	ev_prepare_start(d->loop, &d->prepare);
	ev_init(&d->timer, timer_cb);
	d->armed = UINT64_MAX;
	ev_timer_init(&d->stats_timer, stats_cb, STATS_INTERVAL, STATS_INTERVAL);
	if (log_verbose)
		ev_timer_start(d->loop, &d->stats_timer);
	ev_signal_init(&d->sigint, signal_cb, SIGINT);
	ev_signal_start(d->loop, &d->sigint);
	ev_signal_init(&d->sigterm, signal_cb, SIGTERM);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_init(&d->sigusr1, usr1_cb, SIGUSR1);
	ev_signal_start(d->loop, &d->sigusr1);

	/* Stage 4: the system call allow-list, then only the loop (isolate.c). */
	uid = getuid();
	gid = getgid();
	nsys = isolate_seccomp(&cfg, notify);

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ifi.mac[0], ifi.mac[1],
		 ifi.mac[2], ifi.mac[3], ifi.mac[4], ifi.mac[5]);
	info("serving %s %s/%u (mac %s, mtu %u) on %s%s", ifi.name, ip_str(cfg.addr, ab),
	     cfg.prefix, mac, ifi.mtu, d->cl.path, nfds ? " (from systemd)" : "");
	info("running as uid %u gid %u, no capabilities, %s", (unsigned)uid, (unsigned)gid,
	     nsys ? "seccomp allow-list on" : "no seccomp allow-list");
	if (!ifi.up)
		info("interface %s is down: nothing will be received until it is up", ifi.name);
	if (notify)
		sd_notifyf(0, "READY=1\nSTATUS=serving %s %s/%u on %s", ifi.name,
			   ip_str(cfg.addr, ab), cfg.prefix, d->cl.path);

	ev_run(d->loop, 0);

	/* SIGINT/SIGTERM: reset what is open, say goodbye on the wire, clean up. */
	if (notify)
		sd_notify(0, "STOPPING=1");
	client_stop(&d->cl);
	stack_flush(d->st, mono_ms());
	pkt_flush(&d->pkt);
	pcap_close(&d->pcap);
	log_counters(d);
	stack_free(d->st);
	pkt_close(&d->pkt);
	ev_loop_destroy(d->loop);
	config_free(&cfg);
	return 0;
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use main_syscalls[] = {
    SYSCALL("epoll_wait", "libev waits for the fds and the next timer"),
    SYSCALL("epoll_ctl", "libev starts, changes and stops fd watchers"),
    SYSCALL("read", "libev drains its signal eventfd"),
    SYSCALL("write", "libev's signal handler wakes the loop through its eventfd"),
    SYSCALL("getrandom", "io_random(): ISNs and ephemeral ports"),
    SYSCALL("clock_gettime", "mono_ms() where the vDSO cannot read the clock"),
    SYSCALL("brk", "malloc(): sockets, tcbs and their buffers"),
    SYSCALL("mmap", "malloc(): large buffers"),
    SYSCALL("munmap", "free(): large buffers"),
    SYSCALL("mremap", "realloc() of large blocks"),
    SYSCALL("madvise", "free() returns memory to the kernel"),
    SYSCALLS_END,
};

const struct syscall_use notify_syscalls[] = {
    SYSCALL_ARG("socket", "sd_notify(STOPPING=1): a datagram socket to systemd, AF_UNIX only", 0,
		SYS_ARG_EQ, AF_UNIX),
    SYSCALL("getsockopt", "sd_notify(): its socket's send buffer"),
    SYSCALL("setsockopt", "sd_notify(): its socket's send buffer"),
    SYSCALL("getuid", "sd_notify(): credentials are sent only if they differ"),
    SYSCALL("geteuid", "sd_notify(): credentials are sent only if they differ"),
    SYSCALL("getgid", "sd_notify(): credentials are sent only if they differ"),
    SYSCALL("getegid", "sd_notify(): credentials are sent only if they differ"),
    SYSCALL("sendmsg", "sd_notify(): the message"),
    SYSCALL("close", "sd_notify(): its socket"),
    SYSCALLS_END,
};

/* SPDX-License-Identifier: MIT */
/*
 * main.c - ustackd: options, start-up, and the event loop that drives the
 * stack.
 *
 * Theory of operation: one thread, one libev loop.  Start-up checks the
 * whole configuration first and dies with one sentence on the first
 * problem, before anything is created; then it opens the three privileged
 * things (packet socket, pcap file, listening socket), drops every
 * capability, and runs the loop until SIGINT or SIGTERM.
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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <ev.h>

#include "client.h"
#include "daemon.h"
#include "isolate.h"
#include "log.h"
#include "packet.h"
#include "pcap.h"
#include "stack.h"

#define DEFAULT_SOCKET "/run/ustack/ustackd.sock"
#define SETTLE_ROUNDS  4       /* event/flush rounds per settle before yielding */
#define STATS_INTERVAL 10.0    /* seconds between counter lines at debug level */
#define TIME_WAIT_MAX  3600000 /* ms */

uint64_t dstats[DSTAT_MAX];
const char *const dstat_names[DSTAT_MAX] = {
#define DSTAT_NAME(name, desc) #name,
    DAEMON_STATS(DSTAT_NAME)
#undef DSTAT_NAME
};

struct config {
	const char *ifname;
	uint32_t addr, netmask, gateway; /* host byte order */
	unsigned prefix;
	const char *socket_path;
	int default_socket; /* the path is ours to create the directory of */
	const char *pcap_path;
	long time_wait_ms; /* -1: stack default */
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
	ev_signal sigint, sigterm;
};

static struct daemon daemon_;

static void usage(FILE *f)
{
	fprintf(f, "usage: ustackd --interface IFACE --address A.B.C.D/PREFIX [--gateway A.B.C.D]\n"
		   "               [--socket PATH] [--pcap FILE] [--time-wait MS] [-v]\n"
		   "\n"
		   "Run a userspace TCP/IP stack on IFACE with address A.B.C.D/PREFIX and serve\n"
		   "programs started with libustack.so (see `ustack`).\n"
		   "\n"
		   "  --interface IFACE    Ethernet interface to use (its MAC and MTU are used)\n"
		   "  --address A/P        the stack's IPv4 address and prefix length\n"
		   "  --gateway A.B.C.D    default router, on-link\n"
		   "  --socket PATH        control socket (default $USTACK_SOCKET, else\n"
		   "                       " DEFAULT_SOCKET ")\n"
		   "  --pcap FILE          write every frame received and sent to FILE (pcap)\n"
		   "  --time-wait MS       TIME_WAIT length in milliseconds (default 60000)\n"
		   "  -v, --verbose        debug messages\n"
		   "  -h, --help           this text\n");
}

/* Parse a dotted quad into host byte order; 0 on success. */
static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static const char *ip_str(uint32_t addr, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {htonl(addr)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* --address A.B.C.D/PREFIX: a unicast host address inside its subnet. */
static void parse_address(const char *arg, struct config *cfg)
{
	char buf[32], *slash, *end;
	unsigned long prefix;
	uint32_t a, mask;

	if (strlen(arg) >= sizeof(buf) || !(slash = strchr(strcpy(buf, arg), '/')))
		die("bad address '%s': expected A.B.C.D/PREFIX", arg);
	*slash = '\0';
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (parse_ip(buf, &a) < 0 || slash[1] < '0' || slash[1] > '9' || *end || errno ||
	    prefix < 1 || prefix > 32)
		die("bad address '%s': expected A.B.C.D/PREFIX with a prefix from 1 to 32", arg);
	mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	if (a == 0 || (a >> 24) == 127 || (a >> 28) >= 14 || (a >> 24) == 0)
		die("bad address '%s': not a unicast host address", arg);
	if (prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask))
		die("bad address '%s': that is the network or broadcast address of its subnet",
		    arg);
	cfg->addr = a;
	cfg->netmask = mask;
	cfg->prefix = (unsigned)prefix;
}

static void parse_gateway(const char *arg, struct config *cfg)
{
	char b1[INET_ADDRSTRLEN];
	uint32_t g;

	if (parse_ip(arg, &g) < 0)
		die("bad gateway '%s': expected A.B.C.D", arg);
	if (g == cfg->addr)
		die("gateway %s is ustackd's own address", arg);
	if ((g & cfg->netmask) != (cfg->addr & cfg->netmask) ||
	    (cfg->prefix <= 30 &&
	     ((g & ~cfg->netmask) == 0 || (g & ~cfg->netmask) == ~cfg->netmask)))
		die("gateway %s is not on-link for %s/%u", arg, ip_str(cfg->addr, b1), cfg->prefix);
	cfg->gateway = g;
}

static void parse_options(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"address", required_argument, NULL, 'a'},
	    {"gateway", required_argument, NULL, 'g'},
	    {"socket", required_argument, NULL, 's'},
	    {"pcap", required_argument, NULL, 'p'},
	    {"time-wait", required_argument, NULL, 't'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *address = NULL, *gateway = NULL, *env;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->time_wait_ms = -1;
	opterr = 0; /* our own one-sentence messages */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			cfg->ifname = optarg;
			break;
		case 'a':
			address = optarg;
			break;
		case 'g':
			gateway = optarg;
			break;
		case 's':
			cfg->socket_path = optarg;
			break;
		case 'p':
			cfg->pcap_path = optarg;
			break;
		case 't': {
			char *end;

			errno = 0;
			cfg->time_wait_ms = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno ||
			    cfg->time_wait_ms > TIME_WAIT_MAX)
				die("bad --time-wait '%s': expected milliseconds from 0 to %d",
				    optarg, TIME_WAIT_MAX);
			break;
		}
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die("option %s needs an argument (see --help)", argv[optind - 1]);
		default:
			if (optopt)
				die("unknown option -%c (see --help)", optopt);
			die("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (!cfg->ifname)
		die("--interface is required (see --help)");
	if (!address)
		die("--address is required (see --help)");
	parse_address(address, cfg);
	if (gateway)
		parse_gateway(gateway, cfg);
	if (!cfg->socket_path) {
		env = getenv("USTACK_SOCKET");
		cfg->socket_path = env && *env ? env : DEFAULT_SOCKET;
		cfg->default_socket = !(env && *env);
	}
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

int main(int argc, char **argv)
{
	struct daemon *d = &daemon_;
	struct config cfg;
	struct pkt_if ifi;
	struct stack_cfg scfg;
	struct stack_io sio = {
	    .ctx = d,
	    .xmit = io_xmit,
	    .random = io_random,
	    .tcp_event = io_tcp_event,
	};
	char mac[18], ab[INET_ADDRSTRLEN];
	uint8_t probe;
	int stale, r;

	/* Stage 0: check the whole configuration; nothing is created yet. */
	parse_options(argc, argv, &cfg);
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
	stale = client_probe_path(cfg.socket_path, cfg.default_socket);

	/* Stage 1: the privileged fds. */
	r = pkt_open(&d->pkt, &ifi);
	if (r == -EPERM || r == -EACCES)
		die("ustackd needs CAP_NET_RAW (run as root or grant the capability)");
	if (r < 0)
		die("cannot open a packet socket on %s: %s", cfg.ifname, strerror(-r));
	if (cfg.pcap_path && (r = pcap_open(&d->pcap, cfg.pcap_path)) < 0)
		die("cannot write pcap file %s: %s", cfg.pcap_path, strerror(-r));
	client_listen(&d->cl, cfg.socket_path, stale, cfg.default_socket);

	/* Stage 2: no capability from here on (isolate.c). */
	isolate_drop_caps();
	signal(SIGPIPE, SIG_IGN); /* we use MSG_NOSIGNAL anyway */

	stack_cfg_defaults(&scfg);
	memcpy(scfg.mac, ifi.mac, sizeof(scfg.mac));
	scfg.addr = cfg.addr;
	scfg.netmask = cfg.netmask;
	scfg.gateway = cfg.gateway;
	scfg.mtu = (uint16_t)(ifi.mtu < 65535 ? ifi.mtu : 65535); /* lo has 65536 */
	if (cfg.time_wait_ms >= 0)
		scfg.time_wait_ms = (uint32_t)cfg.time_wait_ms;
	d->st = stack_new(&scfg, &sio, mono_ms());
	if (!d->st)
		die("out of memory creating the stack");

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

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ifi.mac[0], ifi.mac[1],
		 ifi.mac[2], ifi.mac[3], ifi.mac[4], ifi.mac[5]);
	info("serving %s %s/%u (mac %s, mtu %u) on %s", ifi.name, ip_str(cfg.addr, ab), cfg.prefix,
	     mac, ifi.mtu, cfg.socket_path);
	if (!ifi.up)
		info("interface %s is down: nothing will be received until it is up", ifi.name);

	ev_run(d->loop, 0);

	/* SIGINT/SIGTERM: reset what is open, say goodbye on the wire, clean up. */
	client_stop(&d->cl);
	stack_flush(d->st, mono_ms());
	pkt_flush(&d->pkt);
	pcap_close(&d->pcap);
	log_counters(d);
	stack_free(d->st);
	pkt_close(&d->pkt);
	ev_loop_destroy(d->loop);
	return 0;
}

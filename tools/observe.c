/* SPDX-License-Identifier: MIT */
/*
 * observe.c - `ustack status`, `stats`, `capture` and `trace`: what ustackd
 * is doing, asked over its control socket (daemon/ipc.h).
 *
 * Theory of operation: status and stats page through a snapshot the daemon
 * takes for us (cursor 0, then first + count until total), so a listing is
 * one instant however long it is; then they print it as text for people or
 * as JSON for scripts, with field names that stay.  capture passes an open
 * file to the daemon (SCM_RIGHTS), so the daemon writes where we may write
 * and needs no filesystem access of its own; it then waits for Ctrl-C,
 * SIGTERM or --duration, with the control connection open: if we die, the
 * daemon sees the connection close and stops the capture itself.  trace
 * reads a pcap file (or captures one live into a memfd) and hands it to
 * trace.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capfilter.h"
#include "ipc.h"
#include "trace.h"
#include "ustack.h"

#define LIVE_POLL_MS 200 /* how often a live trace looks whether its connection ended */

/* ---- small helpers ---- */

/* "--name VALUE" or "--name=VALUE" at argv[*i]; the value, or NULL if argv[*i] is not it. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		die("%s needs a value", name);
	return argv[++*i];
}

static double parse_seconds(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 86400 * 365)
		die("bad %s '%s': expected seconds, more than 0", what, s);
	return v;
}

static unsigned long parse_uint(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v > max)
		die("bad %s '%s': expected a number from 0 to %lu", what, s, max);
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A JSON string: quotes, backslashes and control bytes escaped, other bytes above 0x7e as \u00XX.
 */
static void json_str(FILE *f, const char *s, size_t max)
{
	fputc('"', f);
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void ep_str(char *buf, size_t size, uint32_t addr_be, uint16_t port_be)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in = {addr_be};

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(buf, size, "%s:%u", a, ntohs(port_be));
}

/*
 * Page through a listing: items of item_size bytes at items_off in each
 * reply.  Returns a malloc'd array and its length in *total.
 */
static void *fetch_list(int fd, uint16_t type, size_t item_size, size_t items_off, uint32_t *total)
{
	struct ipc_list_req req;
	union {
		struct ipc_hdr hdr;
		struct ipc_status_rep status; /* both replies share the layout up to the items */
		uint8_t raw[IPC_MAX_MSG];
	} rep;
	uint8_t *all = NULL;
	uint32_t got = 0;
	int restarts = 0;

	*total = 0;
	for (;;) {
		size_t n;
		int err;
		uint32_t t, first, count;

		memset(&req, 0, sizeof(req));
		req.hdr.type = type;
		req.cursor = got;
		n = uctl_call(fd, &req, sizeof(req), -1, &rep, sizeof(rep), &err);
		if (err == EINVAL && got > 0 && restarts++ < 3) {
			/* Our snapshot was dropped to make room for others': start over. */
			free(all);
			all = NULL;
			got = 0;
			*total = 0;
			continue;
		}
		if (err)
			die("ustackd refused the listing: %s", strerror(err));
		if (n < items_off)
			die("ustackd sent a malformed listing");
		t = rep.status.total;
		first = rep.status.first;
		count = rep.status.count;
		if (n != items_off + (size_t)count * item_size || first != got ||
		    count > t - first || (got == 0 ? 0 : t != *total) || (count == 0 && got < t))
			die("ustackd sent a malformed listing");
		if (got == 0) {
			*total = t;
			all = calloc(t ? t : 1, item_size);
			if (!all)
				die("out of memory for %u items", t);
		}
		memcpy(all + (size_t)got * item_size, rep.raw + items_off,
		       (size_t)count * item_size);
		got += count;
		if (got == t)
			return all;
	}
}

/* ---- status ---- */

static void status_usage(FILE *f)
{
	fprintf(f, "usage: ustack status [--json] [--socket PATH]\n");
}

/* A record's strings come from the daemon: make sure they end inside their arrays. */
static void rec_terminate(struct ipc_sock_rec *r)
{
	r->state_name[sizeof(r->state_name) - 1] = '\0';
	r->comm[sizeof(r->comm) - 1] = '\0';
}

static void status_text(const struct ipc_sock_rec *recs, uint32_t n)
{
	printf("%-12s %-7s %-7s %-21s %-21s %-15s %-13s %-5s %s\n", "State", "Recv-Q", "Send-Q",
	       "Local Address:Port", "Peer Address:Port", "RTT/var ms", "Cwnd seg(B)", "Retr",
	       "Process");
	for (uint32_t i = 0; i < n; i++) {
		const struct ipc_sock_rec *r = &recs[i];
		char l[32], p[32], rtt[32] = "-", cw[32] = "-", rx[24], proc[64] = "-";

		ep_str(l, sizeof(l), r->laddr, r->lport);
		ep_str(p, sizeof(p), r->raddr, r->rport);
		if (r->srtt_us)
			snprintf(rtt, sizeof(rtt), "%.3f/%.3f", r->srtt_us / 1000.0,
				 r->rttvar_us / 1000.0);
		if (r->mss && r->cwnd)
			snprintf(cw, sizeof(cw), "%u(%u)", r->cwnd / r->mss, r->cwnd);
		snprintf(rx, sizeof(rx), "%u/%u", r->retransmits, r->total_retrans);
		if (r->pid)
			snprintf(proc, sizeof(proc), "%s pid=%d", r->comm[0] ? r->comm : "?",
				 (int)r->pid);
		printf("%-12s %-7u %-7u %-21s %-21s %-15s %-13s %-5s %s\n", r->state_name,
		       r->rcv_queued, r->snd_queued + r->pair_unread, l, p, rtt, cw, rx, proc);
	}
}

static void status_json(const struct ipc_sock_rec *recs, uint32_t n)
{
	printf("[");
	for (uint32_t i = 0; i < n; i++) {
		const struct ipc_sock_rec *r = &recs[i];
		char l[32], p[32], la[INET_ADDRSTRLEN], pa[INET_ADDRSTRLEN];

		ep_str(l, sizeof(l), r->laddr, r->lport);
		ep_str(p, sizeof(p), r->raddr, r->rport);
		inet_ntop(AF_INET, &r->laddr, la, sizeof(la));
		inet_ntop(AF_INET, &r->raddr, pa, sizeof(pa));
		printf("%s\n  {\"state\": ", i ? "," : "");
		json_str(stdout, r->state_name, sizeof(r->state_name));
		printf(", \"state_num\": %d", (int)r->state);
		printf(", \"local\": \"%s\", \"local_addr\": \"%s\", \"local_port\": %u", l, la,
		       ntohs(r->lport));
		printf(", \"peer\": \"%s\", \"peer_addr\": \"%s\", \"peer_port\": %u", p, pa,
		       ntohs(r->rport));
		printf(", \"recv_q\": %u, \"send_q\": %u", r->rcv_queued,
		       r->snd_queued + r->pair_unread);
		printf(", \"snd_queued\": %u, \"rcv_queued\": %u, \"pair_unread\": %u",
		       r->snd_queued, r->rcv_queued, r->pair_unread);
		printf(", \"rtt_ms\": %.3f, \"rttvar_ms\": %.3f, \"rto_ms\": %u",
		       r->srtt_us / 1000.0, r->rttvar_us / 1000.0, r->rto_ms);
		printf(", \"mss\": %u, \"cwnd\": %u, \"cwnd_bytes\": %u, \"ssthresh\": %u", r->mss,
		       r->mss ? r->cwnd / r->mss : 0, r->cwnd, r->ssthresh);
		printf(", \"snd_wnd\": %u, \"rcv_wnd\": %u", r->snd_wnd, r->rcv_wnd);
		printf(", \"retransmits\": %u, \"total_retrans\": %u", r->retransmits,
		       r->total_retrans);
		if (r->pid) {
			printf(", \"pid\": %d, \"uid\": %u, \"command\": ", (int)r->pid, r->uid);
			json_str(stdout, r->comm, sizeof(r->comm));
		} else {
			printf(", \"pid\": null, \"uid\": null, \"command\": null");
		}
		if (r->sock_id)
			printf(", \"socket_id\": %u", r->sock_id);
		else
			printf(", \"socket_id\": null");
		printf(", \"orphan\": %s, \"reset\": %s}",
		       r->flags & IPC_SOCK_ORPHAN ? "true" : "false",
		       r->flags & IPC_SOCK_RESET ? "true" : "false");
	}
	printf("%s]\n", n ? "\n" : "");
}

int cmd_status(int argc, char **argv)
{
	const char *sock = NULL, *v;
	struct ipc_sock_rec *recs;
	uint32_t n;
	int json = 0, fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if ((v = opt_value(argc, argv, &i, "--socket")) != NULL) {
			sock = v;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			status_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ustack status: unexpected argument %s\n", argv[i]);
			status_usage(stderr);
			return 2;
		}
	}
	fd = uctl_open(uctl_path(sock));
	recs = fetch_list(fd, IPC_STATUS, sizeof(*recs), offsetof(struct ipc_status_rep, rec), &n);
	close(fd);
	for (uint32_t i = 0; i < n; i++)
		rec_terminate(&recs[i]);
	if (json)
		status_json(recs, n);
	else
		status_text(recs, n);
	free(recs);
	return 0;
}

/* ---- stats ---- */

static void stats_usage(FILE *f)
{
	fprintf(f, "usage: ustack stats [-a] [--json] [--socket PATH]\n");
}

/* The protocols of `ustack stats`, in order, by the prefix of a stack counter's name. */
static const struct {
	const char *prefix, *title;
} groups[] = {
    {"eth_", "Ethernet"}, {"arp_", "ARP"}, {"ip_", "IPv4"}, {"icmp_", "ICMP"}, {"tcp_", "TCP"},
};

/* The group of a counter: an index into groups[], ARRAY_SIZE for "Other", +1 for the daemon. */
static size_t stat_group(const struct ipc_stat_ent *e)
{
	size_t ng = sizeof(groups) / sizeof(groups[0]);

	if (e->source == IPC_STAT_DAEMON)
		return ng + 1;
	for (size_t g = 0; g < ng; g++)
		if (strncmp(e->name, groups[g].prefix, strlen(groups[g].prefix)) == 0)
			return g;
	return ng;
}

int cmd_stats(int argc, char **argv)
{
	const size_t ng = sizeof(groups) / sizeof(groups[0]);
	const char *sock = NULL, *v;
	struct ipc_stat_ent *ents;
	uint32_t n;
	int json = 0, all = 0, fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0) {
			all = 1;
		} else if ((v = opt_value(argc, argv, &i, "--socket")) != NULL) {
			sock = v;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			stats_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ustack stats: unexpected argument %s\n", argv[i]);
			stats_usage(stderr);
			return 2;
		}
	}
	fd = uctl_open(uctl_path(sock));
	ents = fetch_list(fd, IPC_STATS, sizeof(*ents), offsetof(struct ipc_stats_rep, ent), &n);
	close(fd);
	for (uint32_t i = 0; i < n; i++) {
		ents[i].name[sizeof(ents[i].name) - 1] = '\0';
		ents[i].desc[sizeof(ents[i].desc) - 1] = '\0';
	}
	if (json) {
		printf("{");
		for (uint32_t i = 0; i < n; i++) {
			printf("%s\n  ", i ? "," : "");
			json_str(stdout, ents[i].name, sizeof(ents[i].name));
			printf(": %llu", (unsigned long long)ents[i].value);
		}
		printf("%s}\n", n ? "\n" : "");
		free(ents);
		return 0;
	}
	/* netstat -s: each protocol, then its counters with their descriptions. */
	for (size_t g = 0; g <= ng + 1; g++) {
		int any = 0;

		for (uint32_t i = 0; i < n; i++)
			any |= stat_group(&ents[i]) == g;
		if (!any)
			continue;
		printf("%s:\n", g < ng ? groups[g].title : g == ng ? "Other" : "Daemon");
		for (uint32_t i = 0; i < n; i++) {
			if (stat_group(&ents[i]) != g || (!all && ents[i].value == 0))
				continue;
			printf("    %llu %s", (unsigned long long)ents[i].value, ents[i].desc);
			if (all)
				printf(" [%s]", ents[i].name);
			printf("\n");
		}
	}
	free(ents);
	return 0;
}

/* ---- capture ---- */

static void capture_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ustack capture [--duration S] [--snaplen N] [--socket PATH] FILE [FILTER...]\n"
	    "\n"
	    "Write the frames ustackd receives and sends to FILE (pcap; - for standard\n"
	    "output) until Ctrl-C, SIGTERM or --duration.  FILTER: words such as\n"
	    "  port 80    host 10.0.0.2    src port 80 and dst host 10.0.0.1\n"
	    "  tcp    icmp    arp    not port 22    port 80 or port 443\n");
}

/*
 * Start a capture into out_fd with filter words; returns the control
 * connection, and the filter as text (empty: none) in text.
 */
static int capture_start(const char *sock, int out_fd, uint32_t snaplen, int nwords, char **words,
			 char text[IPC_FILTER_TEXT])
{
	struct ipc_capture req;
	struct ipc_capture_rep rep;
	char err[256];
	int fd, e;

	memset(&req, 0, sizeof(req));
	req.hdr.type = IPC_CAPTURE;
	req.op = IPC_CAPTURE_START;
	req.snaplen = snaplen;
	if (capfilter_compile(&req, nwords, words, err, sizeof(err)) < 0)
		die("%s", err);
	fd = uctl_open(uctl_path(sock));
	uctl_call(fd, &req, sizeof(req), out_fd, &rep, sizeof(rep), &e);
	if (e == EPERM)
		die("only root and ustackd's own user may capture (frames carry every user's "
		    "data)");
	if (e)
		die("ustackd cannot start the capture: %s", strerror(e));
	memcpy(text, req.text, IPC_FILTER_TEXT);
	return fd;
}

/* Stop the capture of control connection fd; fills rep. */
static void capture_stop(int fd, struct ipc_capture_rep *rep)
{
	struct ipc_capture req;
	size_t n;
	int e;

	memset(&req, 0, sizeof(req));
	req.hdr.type = IPC_CAPTURE;
	req.op = IPC_CAPTURE_STOP;
	n = uctl_call(fd, &req, sizeof(req), -1, rep, sizeof(*rep), &e);
	if (e)
		die("ustackd cannot stop the capture: %s", strerror(e));
	if (n != sizeof(*rep))
		die("ustackd sent a malformed reply");
}

/*
 * Wait until a signal, the deadline (0: none), the daemon going away, or
 * done(arg) returns true (checked every LIVE_POLL_MS).  Returns 0, or -1 if
 * the daemon went away.
 */
static int capture_wait(int ctl, double seconds, int (*done)(void *), void *arg)
{
	double deadline = seconds > 0 ? now_s() + seconds : 0;
	sigset_t mask;
	int sfd, r = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0)
		die("cannot set up signal handling: %s", strerror(errno));
	for (;;) {
		struct pollfd pf[2] = {{.fd = ctl, .events = POLLIN},
				       {.fd = sfd, .events = POLLIN}};
		int timeout = done ? LIVE_POLL_MS : -1;

		if (deadline > 0) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			if (timeout < 0 || left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (poll(pf, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pf[1].revents)
			break; /* Ctrl-C, SIGTERM, SIGHUP */
		if (pf[0].revents) {
			r = -1; /* the daemon never speaks unasked: it closed the connection */
			break;
		}
		if (done && done(arg))
			break;
	}
	close(sfd);
	return r;
}

int cmd_capture(int argc, char **argv)
{
	const char *sock = NULL, *file = NULL, *v;
	struct ipc_capture_rep rep;
	char text[IPC_FILTER_TEXT];
	double duration = 0;
	unsigned long snaplen = 0;
	char **words = calloc((size_t)argc, sizeof(*words));
	int i, out, ctl, nwords = 0;

	if (!words)
		die("out of memory");
	/* Options may come anywhere; the first other word is FILE, the rest the filter. */
	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--socket")) != NULL) {
			sock = v;
		} else if ((v = opt_value(argc, argv, &i, "--duration")) != NULL) {
			duration = parse_seconds(v, "--duration");
		} else if ((v = opt_value(argc, argv, &i, "--snaplen")) != NULL) {
			snaplen = parse_uint(v, "--snaplen", 262144);
			if (snaplen != 0 && snaplen < 64)
				die("bad --snaplen %lu: at least 64 bytes (or 0 for whole frames)",
				    snaplen);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			capture_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "ustack capture: unknown option %s\n", argv[i]);
			capture_usage(stderr);
			return 2;
		} else if (!file) {
			file = argv[i];
		} else {
			words[nwords++] = argv[i];
		}
	}
	if (!file) {
		fprintf(stderr, "ustack capture: which file? (- for standard output)\n");
		capture_usage(stderr);
		return 2;
	}
	if (strcmp(file, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			die("standard output is a terminal: a pcap is binary (redirect it, or give "
			    "a "
			    "file)");
		out = STDOUT_FILENO;
	} else {
		out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			die("cannot create %s: %s", file, strerror(errno));
	}
	ctl = capture_start(sock, out, (uint32_t)snaplen, nwords, words, text);
	free(words);
	if (out != STDOUT_FILENO)
		close(out); /* the daemon has its own copy now */
	fprintf(stderr, "ustack capture: capturing to %s (filter: %s); Ctrl-C stops\n", file,
		text[0] ? text : "none");
	if (capture_wait(ctl, duration, NULL, NULL) < 0)
		die("ustackd went away; %s has what was captured until then", file);
	capture_stop(ctl, &rep);
	close(ctl);
	fprintf(stderr, "%llu frames written to %s", (unsigned long long)rep.frames, file);
	if (rep.dropped)
		fprintf(stderr, ", %llu dropped (%s)", (unsigned long long)rep.dropped,
			rep.write_error ? strerror(rep.write_error) : "buffer full");
	fprintf(stderr, "\n");
	return rep.write_error && rep.write_error != EAGAIN ? 1 : 0;
}

/* ---- trace ---- */

static void trace_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ustack trace [OPTIONS] FILE.pcap\n"
	    "       ustack trace --live [--duration S] [--socket PATH] [OPTIONS] [FILTER...]\n"
	    "\n"
	    "Draw one TCP connection as a Mermaid sequence diagram.\n"
	    "  --conn A.B.C.D:P-A.B.C.D:P  the connection (default: the first whose SYN is in\n"
	    "                              the capture)\n"
	    "  --port P                    the first connection with port P\n"
	    "  --ustack A.B.C.D            the address of the ustack side (default: the side\n"
	    "                              that opened the connection)\n"
	    "  --absolute                  raw sequence numbers (default: relative to the ISN)\n"
	    "  --max-rounds N              rounds of a run drawn in full before it is folded\n"
	    "                              into a loop (default %d; 0: draw every segment)\n"
	    "  --live                      capture now (IPC_CAPTURE into memory) until the\n"
	    "                              connection closes, --duration, or Ctrl-C\n",
	    TRACE_MAX_ROUNDS_DEFAULT);
}

struct live {
	int fd; /* the memfd the daemon writes */
	const struct trace_opts *o;
	off_t seen; /* size at the last look */
};

/* The whole memfd (or file) in a malloc'd buffer. */
static uint8_t *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		die("out of memory");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb;

			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				die("out of memory reading %zu bytes", n);
			buf = nb;
		}
		r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("cannot read the capture: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

static int live_done(void *arg)
{
	struct live *l = arg;
	struct stat st;
	uint8_t *buf;
	size_t len;
	int done;

	if (fstat(l->fd, &st) < 0 || st.st_size == l->seen)
		return 0;
	l->seen = st.st_size;
	buf = read_all(l->fd, &len);
	done = trace_conn_finished(buf, len, l->o);
	free(buf);
	return done;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o;
	const char *sock = NULL, *file = NULL, *v;
	int live = 0, i, rc;
	double duration = 0;
	uint8_t *data;
	size_t len;
	char err[256];
	char **words = calloc((size_t)argc, sizeof(*words));
	int fd, mapped = 0, nwords = 0;

	if (!words)
		die("out of memory");
	trace_opts_init(&o);
	/* Options may come anywhere; other words are the file, or with --live the filter. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--live") == 0) {
			live = 1;
		} else if (strcmp(argv[i], "--absolute") == 0) {
			o.absolute = 1;
		} else if ((v = opt_value(argc, argv, &i, "--conn")) != NULL) {
			if (trace_parse_conn(&o, v) < 0)
				die("bad --conn '%s': expected A.B.C.D:PORT-A.B.C.D:PORT", v);
		} else if ((v = opt_value(argc, argv, &i, "--port")) != NULL) {
			o.port = (int)parse_uint(v, "--port", 65535);
		} else if ((v = opt_value(argc, argv, &i, "--ustack")) != NULL) {
			struct in_addr a;

			if (inet_pton(AF_INET, v, &a) != 1)
				die("bad --ustack '%s': expected A.B.C.D", v);
			o.ustack = 1;
			o.ustack_addr = ntohl(a.s_addr);
		} else if ((v = opt_value(argc, argv, &i, "--max-rounds")) != NULL) {
			o.max_rounds = (unsigned)parse_uint(v, "--max-rounds", 1000000);
		} else if ((v = opt_value(argc, argv, &i, "--duration")) != NULL) {
			duration = parse_seconds(v, "--duration");
		} else if ((v = opt_value(argc, argv, &i, "--socket")) != NULL) {
			sock = v;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			trace_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "ustack trace: unknown option %s\n", argv[i]);
			trace_usage(stderr);
			return 2;
		} else {
			words[nwords++] = argv[i];
		}
	}

	if (live) {
		struct ipc_capture_rep rep;
		struct live l = {.o = &o};
		char text[IPC_FILTER_TEXT];
		int ctl;

		fd = memfd_create("ustack-trace", MFD_CLOEXEC);
		if (fd < 0)
			die("cannot create a memory file for the capture: %s", strerror(errno));
		ctl = capture_start(sock, fd, 0, nwords, words, text);
		l.fd = fd;
		fprintf(stderr,
			"ustack trace: capturing (filter: %s); stops when the connection closes, "
			"on Ctrl-C%s\n",
			text[0] ? text : "none", duration > 0 ? " or after --duration" : "");
		if (capture_wait(ctl, duration, live_done, &l) < 0)
			die("ustackd went away during the capture");
		capture_stop(ctl, &rep);
		close(ctl);
		data = read_all(fd, &len);
		close(fd);
	} else {
		struct stat st;

		if (nwords == 0) {
			fprintf(stderr, "ustack trace: which pcap file? (or --live)\n");
			trace_usage(stderr);
			return 2;
		}
		if (nwords > 1)
			die("unexpected argument '%s' after the file (filter words are for --live; "
			    "use --conn or --port)",
			    words[1]);
		file = words[0];
		fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("cannot open %s: %s", file, strerror(errno));
		if (fstat(fd, &st) < 0)
			die("cannot read %s: %s", file, strerror(errno));
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (data == MAP_FAILED)
				die("cannot read %s: %s", file, strerror(errno));
			len = (size_t)st.st_size;
			mapped = 1;
		} else {
			data = read_all(fd, &len); /* a pipe (or an empty file) */
		}
		if (fd != STDIN_FILENO)
			close(fd);
	}

	rc = trace_render(data, len, &o, stdout, stderr, err, sizeof(err));
	free(words);
	if (mapped)
		munmap(data, len);
	else
		free(data);
	if (rc < 0)
		die("%s%s%s", file ? file : "live capture", ": ", err);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("cannot write the diagram: %s", strerror(errno));
	return 0;
}

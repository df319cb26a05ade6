/* SPDX-License-Identifier: MIT */
/*
 * impair.c - a link emulator: an Ethernet bridge between two interfaces that
 * loses, duplicates, reorders, corrupts, delays and rate-limits frames.
 *
 *   impair --a IF1 --b IF2 [--seed N] [--a2b SPEC] [--b2a SPEC] [--both SPEC]
 *          [--control PATH] [--pool N]
 *   impair --control PATH [--a2b SPEC] [--b2a SPEC] [--both SPEC] [--seed N]
 *                       | --stats
 *
 * Theory of operation: one packet socket per port, each bound to its
 * interface, carries whole Ethernet frames.  A frame read on port a is
 * impaired by direction a2b and written to port b, and the other way round;
 * nothing else looks at it (no MAC learning: a two-port bridge floods by
 * definition).  Each direction owns:
 *
 *  - a settings record (struct spec) that the control socket replaces whole;
 *  - its own splitmix64 generator, seeded from --seed and the direction, of
 *    which every received frame consumes exactly four 64-bit draws.  The
 *    decisions for the n-th frame of a direction therefore depend only on
 *    the seed and n, not on the other direction, on timing or on which other
 *    impairments are on: the same frames in give the same fates;
 *  - a pool of frame slots, allocated once (see "Memory" below), and a free
 *    stack of slot numbers.  A frame is received straight into a free slot;
 *  - a FIFO of frames waiting to leave (the delay line), each entry a slot,
 *    a length and a due time.  Due times never decrease along the FIFO, so
 *    the next frame due is always at its head and no heap or wheel is
 *    needed.  Jitter therefore never reorders frames by itself (netem's
 *    tfifo does; real links rarely do): only "reorder" reorders;
 *  - a short list of frames held back for reordering.
 *
 * The fate of a received frame, in order: lost (loss %); duplicated (dup %:
 * a second copy follows the first, sharing its slot); corrupted (corrupt %:
 * one byte past the Ethernet header of an IPv4/IPv6 frame is XORed with a
 * random non-zero value); held back (reorder %: it leaves after the next
 * `depth` frames of this direction have gone ahead, or after HOLD_NS with
 * fewer); then queued for delay ± uniform jitter, and finally serialised at
 * `rate` bit/s behind the frames before it.  A frame with nothing ahead of it
 * and no delay or rate to serve goes out at once, without queueing.
 *
 * Rate limiting is a serialisation clock: a frame starts when it has arrived
 * and the link is free, and occupies the link for len * 8 / rate seconds (the
 * frame as seen, without preamble or FCS).  Frames whose serialisation has
 * not started yet form the bottleneck queue; with `limit` of them waiting, a
 * new one is dropped (tail drop), as by a router with a buffer of `limit`
 * frames.  The waiting frames are a suffix of the FIFO, tracked with one
 * index that only moves forward.
 *
 * One thread: ppoll() on the two packet sockets, the control socket and a
 * signalfd, with the time to the earliest due or held frame as the timeout.
 * Frames are read with recvmmsg() straight into free slots, RX_BATCH at a
 * time, and written with one sendmmsg() per direction and loop iteration;
 * a frame waiting in that batch holds a reference to its slot.
 * Every frame that cannot be served is counted, per direction; nothing is
 * logged per frame.  The counters are printed when SIGINT or SIGTERM ends
 * the program (exit status 0), and on request through the control socket.
 *
 * Control: a Unix datagram socket (--control PATH).  A request is text:
 * "stats", or lines "a2b SPEC" / "b2a SPEC" / "both SPEC" that replace the
 * settings of that direction and "seed N" that restarts both random streams
 * as --seed N would (all or none: a bad line changes nothing).  The
 * answer is "ok" and the settings (for "stats", also the counters), or
 * "error: WHY".  Frames already queued
 * keep the due times they were given; new settings apply to new frames.
 * `impair --control PATH --both SPEC` is the client.
 *
 * Memory: a slot must take the largest frame a packet socket can hand over
 * (a GRO super-frame, up to 64 KiB), but almost all frames are one MTU.  The
 * pool is therefore one anonymous MAP_NORESERVE mapping of FRAME_MAX-byte
 * slots: only the pages a frame touches are ever backed by memory, and the
 * free stack (last in, first out) keeps reusing the same few slots when the
 * queues are short.  Nothing is allocated after start-up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

#define FRAME_MAX      65536u /* a GRO super-frame at most */
#define POOL_DEFAULT   2048u  /* slots per direction */
#define POOL_MIN       16u
#define POOL_MAX       65536u
#define HOLD_MAX       64u		 /* frames held back for reordering, per direction */
#define HOLD_NS	       (100 * NS_PER_MS) /* longest a held frame waits for later ones */
#define DEPTH_DEFAULT  3u
#define DEPTH_MAX      1000u
#define LIMIT_DEFAULT  1000u
#define DELAY_MAX_MS   60000.0
#define RATE_MAX       400000000000ull /* 400 Gbit/s */
#define RX_BATCH       64	       /* frames read per port per loop */
#define TX_BATCH       256	       /* frames sent per direction per loop */
#define CTL_MAX	       4096	       /* a control request or answer */
#define SOCKBUF	       (4 << 20)       /* absorb a fast sender's bursts */
#define CLIENT_WAIT_MS 3000
#define NO_SLOT	       UINT32_MAX

/* The settings of one direction; percentages as given, times in ns. */
struct spec {
	double loss, dup, reorder, corrupt;
	unsigned depth;
	unsigned limit;
	uint64_t delay, jitter;
	uint64_t rate; /* bit/s; 0: no limit */
};

struct counters {
	uint64_t received;   /* frames read from the input port */
	uint64_t forwarded;  /* frames written to the output port, copies included */
	uint64_t lost;	     /* dropped by "loss" */
	uint64_t full;	     /* dropped: bottleneck queue, pool or FIFO full */
	uint64_t duplicated; /* frames sent twice */
	uint64_t reordered;  /* frames held back behind later ones */
	uint64_t corrupted;  /* frames with one byte flipped */
	uint64_t delayed;    /* frame copies that waited in the FIFO */
	uint64_t errors;     /* refused by the output port, or truncated on input */
	uint64_t kdrops;     /* dropped by the kernel: input socket buffer full */
};

struct port {
	const char *name;
	int fd;
};

/* A frame copy waiting in the FIFO: it starts serialising at start, leaves at due. */
struct entry {
	uint64_t due, start;
	uint32_t slot, len;
};

/* A frame held back: it leaves after `left` more frames, or at deadline. */
struct held {
	uint64_t deadline;
	uint32_t slot, len;
	unsigned left, copies;
};

struct dir {
	const char *name;
	struct port *in, *out;
	struct spec spec;
	uint64_t p_loss, p_dup, p_reorder, p_corrupt; /* chances out of 2^32 */
	uint64_t rng;

	unsigned char *mem; /* nslots * FRAME_MAX */
	uint8_t *refs;	    /* FIFO entries and held copies using each slot */
	uint32_t *freel;    /* free stack */
	uint32_t nslots, nfree;

	struct entry *ring; /* the FIFO, 2 * nslots entries (a slot has <= 2 copies) */
	uint64_t cap, head, tail;
	uint64_t rate_pos;  /* first entry that has not started serialising */
	uint64_t last_t;    /* latest arrival at the bottleneck */
	uint64_t last_due;  /* latest due time in the FIFO */
	uint64_t link_free; /* when the rate-limited link is next idle */

	struct held hold[HOLD_MAX];
	unsigned nhold;

	/* Receiving: one recvmmsg() into up to RX_BATCH free slots. */
	struct mmsghdr rx_msg[RX_BATCH];
	struct iovec rx_iov[RX_BATCH];
	struct sockaddr_ll rx_addr[RX_BATCH];
	uint32_t rx_slot[RX_BATCH];

	/* Sending: frames collected for one sendmmsg(), each holding a reference to its slot. */
	struct mmsghdr tx_msg[TX_BATCH];
	struct iovec tx_iov[TX_BATCH];
	uint32_t tx_slot[TX_BATCH];
	unsigned tx_n;

	struct counters c;
};

static struct port ports[2];
static struct dir dirs[2];
static unsigned char scratch[FRAME_MAX]; /* input when the pool is empty */

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("impair: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: impair --a IF1 --b IF2 [--seed N] [--a2b SPEC] [--b2a SPEC] [--both SPEC]\n"
	    "              [--control PATH] [--pool N]\n"
	    "       impair --control PATH [--a2b SPEC] [--b2a SPEC] [--both SPEC] [--seed N]\n"
	    "       impair --control PATH --stats\n"
	    "\n"
	    "Bridges IF1 and IF2 and impairs the frames crossing from a to b (a2b) and from\n"
	    "b to a (b2a).  SPEC is a list of settings, separated by spaces or commas:\n"
	    "  loss=PCT       drop PCT %% of the frames\n"
	    "  dup=PCT        send PCT %% of the frames twice\n"
	    "  reorder=PCT    hold PCT %% of the frames back behind later ones...\n"
	    "  depth=N        ...behind N of them (default %u; at most %u ms)\n"
	    "  corrupt=PCT    flip one byte past the Ethernet header of PCT %% of the IP frames\n"
	    "  delay=MS       delay every frame by MS milliseconds (also: 500us, 1s)\n"
	    "  jitter=MS      ...plus or minus up to MS, uniformly (never reorders)\n"
	    "  rate=BITS      serialise at BITS/s (10mbit, 1gbit, 64kbit, 1000000)\n"
	    "  limit=N        frames queued for the rate limit before tail drop (default %u)\n"
	    "  none           no impairment (the default)\n"
	    "Without --a/--b, it sends the settings, a new seed or --stats to the emulator "
	    "serving\n"
	    "the control socket PATH.  SIGINT/SIGTERM print the counters and exit.\n",
	    DEPTH_DEFAULT, (unsigned)(HOLD_NS / NS_PER_MS), LIMIT_DEFAULT);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, full period. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- settings ------------------------------------------------------------ */

/* Parse a number with an optional unit from units[] (name, factor); 0 or -EINVAL. */
struct unit {
	const char *name;
	double factor;
};

static int parse_num(const char *s, const struct unit *units, size_t nunits, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v != v || v < 0)
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < nunits; i++)
			if (!strcasecmp(end, units[i].name))
				break;
		if (i == nunits)
			return -EINVAL;
		v *= units[i].factor;
	} else if (nunits) {
		v *= units[0].factor; /* the first unit is the default */
	}
	*out = v;
	return 0;
}

/* Parse SPEC into *sp; 0, or -EINVAL with the reason in err. */
static int spec_parse(const char *text, struct spec *sp, char *err, size_t errlen)
{
	static const struct unit pct[] = {{"", 1}, {"%", 1}};
	static const struct unit ms[] = {{"ms", 1e6}, {"us", 1e3}, {"s", 1e9}};
	static const struct unit bits[] = {{"bit", 1},	  {"k", 1e3},	 {"kbit", 1e3}, {"m", 1e6},
					   {"mbit", 1e6}, {"g", 1e9},	 {"gbit", 1e9}, {"bps", 1},
					   {"kbps", 1e3}, {"mbps", 1e6}, {"gbps", 1e9}};
	char buf[CTL_MAX], *save = NULL, *tok;
	bool depth_set = false;

	memset(sp, 0, sizeof(*sp));
	sp->limit = LIMIT_DEFAULT;
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "settings longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, text);
	for (tok = strtok_r(buf, " \t\n,", &save); tok; tok = strtok_r(NULL, " \t\n,", &save)) {
		char *val = strchr(tok, '=');
		double v;
		int r = -EINVAL;

		if (!strcmp(tok, "none")) {
			memset(sp, 0, sizeof(*sp));
			sp->limit = LIMIT_DEFAULT;
			continue;
		}
		if (!val) {
			snprintf(err, errlen, "'%s' is not KEY=VALUE", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "loss") || !strcmp(tok, "dup") || !strcmp(tok, "reorder") ||
		    !strcmp(tok, "corrupt")) {
			r = parse_num(val, pct, ARRAY_SIZE(pct), &v);
			if (!r && v > 100)
				r = -EINVAL;
			if (!r)
				*(tok[0] == 'l'	  ? &sp->loss
				  : tok[0] == 'd' ? &sp->dup
				  : tok[0] == 'r' ? &sp->reorder
						  : &sp->corrupt) = v;
		} else if (!strcmp(tok, "delay") || !strcmp(tok, "jitter")) {
			r = parse_num(val, ms, ARRAY_SIZE(ms), &v);
			if (!r && v > DELAY_MAX_MS * 1e6)
				r = -EINVAL;
			if (!r)
				*(tok[0] == 'd' ? &sp->delay : &sp->jitter) = (uint64_t)(v + 0.5);
		} else if (!strcmp(tok, "rate")) {
			r = parse_num(val, bits, ARRAY_SIZE(bits), &v);
			if (!r && (v > (double)RATE_MAX || (v > 0 && v < 1000)))
				r = -EINVAL;
			if (!r)
				sp->rate = (uint64_t)(v + 0.5);
		} else if (!strcmp(tok, "depth") || !strcmp(tok, "limit")) {
			unsigned max = tok[0] == 'd' ? DEPTH_MAX : POOL_MAX;

			r = parse_num(val, NULL, 0, &v);
			if (!r && (v < 1 || v > max || v != (double)(unsigned)v))
				r = -EINVAL;
			if (!r && tok[0] == 'd') {
				sp->depth = (unsigned)v;
				depth_set = true;
			} else if (!r) {
				sp->limit = (unsigned)v;
			}
		} else {
			snprintf(err, errlen, "unknown setting '%s'", tok);
			return -EINVAL;
		}
		if (r) {
			snprintf(err, errlen, "bad value '%s' for %s", val, tok);
			return -EINVAL;
		}
	}
	if (!depth_set)
		sp->depth = DEPTH_DEFAULT;
	return 0;
}

/* The settings as a spec that spec_parse() reads back. */
static void spec_format(const struct spec *sp, char *buf, size_t len)
{
	size_t n = 0;

#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < len)                                                                       \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);                      \
	} while (0)
	buf[0] = '\0';
	if (sp->loss > 0)
		ADD(" loss=%g%%", sp->loss);
	if (sp->dup > 0)
		ADD(" dup=%g%%", sp->dup);
	if (sp->reorder > 0)
		ADD(" reorder=%g%% depth=%u", sp->reorder, sp->depth);
	if (sp->corrupt > 0)
		ADD(" corrupt=%g%%", sp->corrupt);
	if (sp->delay)
		ADD(" delay=%gms", (double)sp->delay / 1e6);
	if (sp->jitter)
		ADD(" jitter=%gms", (double)sp->jitter / 1e6);
	if (sp->rate)
		ADD(" rate=%gmbit limit=%u", (double)sp->rate / 1e6, sp->limit);
	if (!n)
		ADD(" none");
#undef ADD
	memmove(buf, buf + 1, strlen(buf)); /* the leading space */
}

/* A percentage as a threshold for a 32-bit random number: 100 % is 2^32. */
static uint64_t chance(double pct)
{
	return (uint64_t)(pct / 100.0 * 4294967296.0 + 0.5);
}

static void dir_set(struct dir *d, const struct spec *sp)
{
	d->spec = *sp;
	d->p_loss = chance(sp->loss);
	d->p_dup = chance(sp->dup);
	d->p_reorder = chance(sp->reorder);
	d->p_corrupt = chance(sp->corrupt);
}

/* ---- ports and pools ----------------------------------------------------- */

/*
 * Kernel quirks, for both ports:
 *
 * a) Protocol 0 at socket() time, ETH_P_ALL at bind(): the socket receives
 *    nothing until it is bound, so no frame of another interface slips in.
 * b) ETH_P_ALL also shows the frames leaving the interface: ours (which the
 *    kernel skips for the socket that sent them, but not for the other one on
 *    the same device) and those of the namespace's own kernel.  Neither may
 *    be forwarded.  PACKET_IGNORE_OUTGOING (Linux >= 4.20) drops them in the
 *    kernel; sll_pkttype == PACKET_OUTGOING catches them where it is missing.
 * c) Promiscuous mode: the frames we bridge are addressed to the far host,
 *    not to this interface.  veth delivers them anyway; a real NIC does not.
 * d) Offloads: with transmit checksum offload on at a sender, the frames
 *    arrive with CHECKSUM_PARTIAL (the TCP/UDP checksum field holds only the
 *    pseudo-header sum) and we would forward them unfinished; with GRO, a
 *    frame may be larger than the MTU and the output port refuses it
 *    (counted as an error).  And a receiver whose veth has rx checksumming
 *    on may trust our corrupted frames.  Turn offloads off on every end
 *    (tools/lab does); the 64 KiB slots are only there so that nothing is
 *    ever truncated.
 * e) VLAN tags a driver strips into the packet's metadata are not put back.
 */
static void port_open(struct port *p, const char *name)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct packet_mreq mr = {.mr_type = PACKET_MR_PROMISC};
	int one = 1, sz = SOCKBUF;
	unsigned idx;

	p->name = name;
	idx = if_nametoindex(name);
	if (!idx)
		die("interface %s not found", name);
	sll.sll_ifindex = (int)idx;
	mr.mr_ifindex = (int)idx;
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); /* (a) */
	if (p->fd < 0)
		die("cannot open a packet socket: %s (needs CAP_NET_RAW)", strerror(errno));
	setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)); /* (b) */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("cannot bind to %s: %s", name, strerror(errno));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) /* (c) */
		die("cannot make %s promiscuous: %s", name, strerror(errno));
}

/* Start direction idx's random stream from seed. */
static void dir_seed(struct dir *d, uint64_t seed, unsigned idx)
{
	/*
	 * Two directions, two unrelated streams from one seed: the state is a
	 * hash of (seed, direction), not a neighbour of the other's state, which
	 * for splitmix64 would give the same sequence shifted.
	 */
	d->rng = seed ^ (0xd1b54a32d192ed03ull * (idx + 1));
	d->rng = splitmix64(&d->rng);
}

static void dir_init(struct dir *d, const char *name, struct port *in, struct port *out,
		     uint32_t nslots, uint64_t seed, unsigned idx)
{
	size_t bytes = (size_t)nslots * FRAME_MAX;

	d->name = name;
	d->in = in;
	d->out = out;
	dir_seed(d, seed, idx);
	d->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->mem == MAP_FAILED)
		die("cannot map %zu MiB for %u frame slots: %s", bytes >> 20, nslots,
		    strerror(errno));
	d->nslots = nslots;
	d->cap = 2 * (uint64_t)nslots;
	d->refs = calloc(nslots, sizeof(*d->refs));
	d->freel = calloc(nslots, sizeof(*d->freel));
	d->ring = calloc(d->cap, sizeof(*d->ring));
	if (!d->refs || !d->freel || !d->ring)
		die("out of memory for %u frame slots", nslots);
	/* Slot 0 on top of the stack. */
	for (uint32_t i = 0; i < nslots; i++)
		d->freel[i] = nslots - 1 - i;
	d->nfree = nslots;
	/* The output socket is bound: frames go out on it without an address. */
	for (unsigned i = 0; i < TX_BATCH; i++) {
		d->tx_msg[i].msg_hdr.msg_iov = &d->tx_iov[i];
		d->tx_msg[i].msg_hdr.msg_iovlen = 1;
	}
}

static unsigned char *slot_buf(struct dir *d, uint32_t slot)
{
	return d->mem + (size_t)slot * FRAME_MAX;
}

/* A free slot, or NO_SLOT when the pool is exhausted. */
static uint32_t slot_get(struct dir *d)
{
	return d->nfree ? d->freel[--d->nfree] : NO_SLOT;
}

static void slot_put(struct dir *d, uint32_t slot)
{
	if (slot != NO_SLOT && !d->refs[slot] && d->nfree < d->nslots)
		d->freel[d->nfree++] = slot;
}

static void slot_unref(struct dir *d, uint32_t slot, unsigned n)
{
	d->refs[slot] = (uint8_t)(d->refs[slot] - n);
	slot_put(d, slot);
}

/* ---- the data path ------------------------------------------------------- */

/* Send the collected frames, in order, and let go of their slots. */
static void tx_flush(struct dir *d)
{
	unsigned done = 0;

	while (done < d->tx_n) {
		int r = sendmmsg(d->out->fd, d->tx_msg + done, d->tx_n - done, MSG_DONTWAIT);

		if (r > 0) {
			d->c.forwarded += (unsigned)r;
			done += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			/* Refused (ENOBUFS: the device is full): dropped, as a wire would. */
			d->c.errors++;
			done++;
		}
	}
	for (unsigned i = 0; i < d->tx_n; i++)
		slot_unref(d, d->tx_slot[i], 1);
	d->tx_n = 0;
}

/* Send a frame: collected for tx_flush(), or at once from scratch (NO_SLOT). */
static void frame_send(struct dir *d, uint32_t slot, unsigned char *buf, uint32_t len)
{
	ssize_t r;

	if (slot != NO_SLOT) {
		if (d->tx_n == TX_BATCH)
			tx_flush(d);
		d->refs[slot]++;
		d->tx_slot[d->tx_n] = slot;
		d->tx_iov[d->tx_n].iov_base = buf;
		d->tx_iov[d->tx_n].iov_len = len;
		d->tx_n++;
		return;
	}
	tx_flush(d); /* the frames before this one go first */
	do
		r = send(d->out->fd, buf, len, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)len)
		d->c.forwarded++;
	else
		d->c.errors++;
}

/* Queue one copy of a frame for its due time; 0, or -ENOBUFS when full. */
static int enqueue(struct dir *d, uint32_t slot, uint32_t len, uint64_t now, double jit)
{
	const struct spec *sp = &d->spec;
	double off = (double)sp->delay + jit * (double)sp->jitter;
	uint64_t t = now + (off > 0 ? (uint64_t)off : 0), start, due;
	struct entry *e;

	if (d->tail - d->head >= d->cap)
		return -ENOBUFS;
	if (t < d->last_t) /* arrivals at the bottleneck in FIFO order */
		t = d->last_t;
	start = due = t;
	if (sp->rate) {
		if (d->rate_pos < d->head)
			d->rate_pos = d->head;
		while (d->rate_pos < d->tail && d->ring[d->rate_pos % d->cap].start <= t)
			d->rate_pos++;
		if (d->tail - d->rate_pos >= sp->limit)
			return -ENOBUFS;
		if (start < d->link_free)
			start = d->link_free;
		due = start + (uint64_t)len * 8 * NS_PER_S / sp->rate;
		d->link_free = due;
	}
	if (due < d->last_due)
		due = d->last_due;
	d->last_t = t;
	d->last_due = due;
	e = &d->ring[d->tail++ % d->cap];
	e->due = due;
	e->start = start;
	e->slot = slot;
	e->len = len;
	d->refs[slot]++;
	if (due > now)
		d->c.delayed++;
	return 0;
}

/* Send `copies` copies of a frame now, or queue them when they must wait. */
static void pass(struct dir *d, uint32_t slot, unsigned char *buf, uint32_t len, unsigned copies,
		 uint64_t now, double jit)
{
	const struct spec *sp = &d->spec;

	for (unsigned i = 0; i < copies; i++) {
		if (!sp->delay && !sp->jitter && !sp->rate && d->head == d->tail)
			frame_send(d, slot, buf, len);
		else if (slot == NO_SLOT || enqueue(d, slot, len, now, jit) < 0)
			d->c.full++;
	}
}

static void release(struct dir *d, const struct held *h, uint64_t now)
{
	d->refs[h->slot] = (uint8_t)(d->refs[h->slot] - h->copies);
	pass(d, h->slot, slot_buf(d, h->slot), h->len, h->copies, now, 0.0);
	slot_put(d, h->slot);
}

/* Release the held frames that are due: all when `passed`, one more frame went by. */
static void hold_tick(struct dir *d, uint64_t now, bool passed)
{
	unsigned i = 0;

	while (i < d->nhold) {
		struct held h = d->hold[i];

		if (passed)
			d->hold[i].left--;
		if (d->hold[i].left && h.deadline > now) {
			i++;
			continue;
		}
		/* Keep the others in the order they were held. */
		memmove(&d->hold[i], &d->hold[i + 1], (d->nhold - i - 1) * sizeof(d->hold[0]));
		d->nhold--;
		release(d, &h, now);
	}
}

/* Flip one byte past the Ethernet header of an IP frame; true if it did. */
static bool corrupt(unsigned char *buf, uint32_t len, uint32_t where, uint32_t what)
{
	unsigned type;
	uint32_t off;

	/*
	 * Only IP: a link's CRC catches corruption on the wire, so what
	 * reaches a host corrupted was corrupted in a router's memory, inside
	 * an IP packet.  A flipped ARP field would instead poison neighbour
	 * caches, which no checksum protects.
	 */
	if (len <= ETH_HLEN)
		return false;
	type = (unsigned)buf[12] << 8 | buf[13];
	if (type != ETH_P_IP && type != ETH_P_IPV6)
		return false;
	off = ETH_HLEN + (uint32_t)(((uint64_t)where * (len - ETH_HLEN)) >> 32);
	buf[off] ^= (unsigned char)(what % 255 + 1);
	return true;
}

/* What happens to one received frame, in slot (or in scratch if NO_SLOT). */
static void frame_in(struct dir *d, uint32_t slot, unsigned char *buf, uint32_t len, uint64_t now)
{
	uint64_t r0 = splitmix64(&d->rng), r1 = splitmix64(&d->rng);
	uint64_t r2 = splitmix64(&d->rng), r3 = splitmix64(&d->rng);
	double jit = (double)(uint32_t)r3 / 2147483648.0 - 1.0; /* [-1, 1) */
	unsigned copies = 1;

	d->c.received++;
	if ((uint32_t)r0 < d->p_loss) {
		d->c.lost++;
		goto out;
	}
	if ((r0 >> 32) < d->p_dup) {
		copies = 2;
		d->c.duplicated++;
	}
	if ((uint32_t)r1 < d->p_corrupt && corrupt(buf, len, (uint32_t)(r1 >> 32), (uint32_t)r2))
		d->c.corrupted++;
	if ((r2 >> 32) < d->p_reorder && slot != NO_SLOT && d->nhold < HOLD_MAX) {
		struct held *h = &d->hold[d->nhold++];

		h->slot = slot;
		h->len = len;
		h->copies = copies;
		h->left = d->spec.depth;
		h->deadline = now + HOLD_NS;
		d->refs[slot] = (uint8_t)(d->refs[slot] + copies);
		d->c.reordered++;
		goto out;
	}
	pass(d, slot, buf, len, copies, now, jit);
	hold_tick(d, now, true);
out:
	slot_put(d, slot);
}

/* A received frame: true if it is one to bridge, counting the ones that are not. */
static bool frame_ok(struct dir *d, const struct sockaddr_ll *from, ssize_t len, bool trunc)
{
	if (from->sll_pkttype == PACKET_OUTGOING) /* (b) */
		return false;
	if (trunc || len < ETH_HLEN || len > (ssize_t)FRAME_MAX) { /* BIG TCP, or a runt */
		d->c.errors++;
		return false;
	}
	return true;
}

/* The pool is empty: read frames into scratch, where only those that need no queue survive. */
static void port_read_scratch(struct dir *d, uint64_t now)
{
	for (unsigned n = 0; n < RX_BATCH; n++) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		ssize_t r;

		r = recvfrom(d->in->fd, scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				d->c.errors++;
			return;
		}
		if (frame_ok(d, &from, r, false))
			frame_in(d, NO_SLOT, scratch, (uint32_t)r, now);
	}
}

/* Read what port d->in has, up to RX_BATCH frames, each straight into a free slot. */
static void port_readable(struct dir *d, uint64_t now)
{
	unsigned n, i;
	int r;

	for (n = 0; n < RX_BATCH; n++) {
		struct msghdr *mh = &d->rx_msg[n].msg_hdr;
		uint32_t slot = slot_get(d);

		if (slot == NO_SLOT)
			break;
		d->rx_slot[n] = slot;
		d->rx_iov[n].iov_base = slot_buf(d, slot);
		d->rx_iov[n].iov_len = FRAME_MAX;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &d->rx_iov[n];
		mh->msg_iovlen = 1;
		mh->msg_name = &d->rx_addr[n];
		mh->msg_namelen = sizeof(d->rx_addr[n]);
	}
	if (!n) {
		port_read_scratch(d, now);
		return;
	}
	do
		r = recvmmsg(d->in->fd, d->rx_msg, n, MSG_DONTWAIT, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		/* ENETDOWN and the like: reported once, then reading goes on. */
		if (errno != EAGAIN)
			d->c.errors++;
		r = 0;
	}
	for (i = 0; i < (unsigned)r; i++) {
		const struct msghdr *mh = &d->rx_msg[i].msg_hdr;

		if (frame_ok(d, &d->rx_addr[i], d->rx_msg[i].msg_len, mh->msg_flags & MSG_TRUNC))
			frame_in(d, d->rx_slot[i], slot_buf(d, d->rx_slot[i]), d->rx_msg[i].msg_len,
				 now);
		else
			slot_put(d, d->rx_slot[i]);
	}
	/* The slots not used go back, the last taken first. */
	while (n-- > i)
		slot_put(d, d->rx_slot[n]);
}

/* Send what is due; the time of the next event of this direction, or UINT64_MAX. */
static uint64_t dir_run(struct dir *d, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned n = 0;

	hold_tick(d, now, false);
	while (d->head < d->tail) {
		struct entry *e = &d->ring[d->head % d->cap];

		if (e->due > now) {
			next = e->due;
			break;
		}
		if (n++ == TX_BATCH) {
			next = now; /* more due: come back after reading the ports */
			break;
		}
		frame_send(d, e->slot, slot_buf(d, e->slot), e->len);
		d->head++;
		slot_unref(d, e->slot, 1);
	}
	for (unsigned i = 0; i < d->nhold; i++)
		if (d->hold[i].deadline < next)
			next = d->hold[i].deadline;
	return next;
}

/* ---- counters and control ------------------------------------------------ */

static void kernel_drops(struct dir *d)
{
	struct tpacket_stats ts;
	socklen_t l = sizeof(ts);

	/* Reading PACKET_STATISTICS resets the kernel's counters. */
	if (getsockopt(d->in->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &l) == 0)
		d->c.kdrops += ts.tp_drops;
}

/* One line of counters for direction d, into buf. */
static int dir_stats(struct dir *d, char *buf, size_t len)
{
	const struct counters *c = &d->c;
	uint64_t pending = d->tail - d->head;

	for (unsigned i = 0; i < d->nhold; i++)
		pending += d->hold[i].copies;
	kernel_drops(d);
	return snprintf(
	    buf, len,
	    "%s %s>%s: received %" PRIu64 ", forwarded %" PRIu64 ", dropped (loss) %" PRIu64
	    ", dropped (queue/pool full) %" PRIu64 ", duplicated %" PRIu64 ", reordered %" PRIu64
	    ", corrupted %" PRIu64 ", delayed %" PRIu64 ", errors %" PRIu64
	    ", dropped (socket buffer) %" PRIu64 ", pending %" PRIu64 "\n",
	    d->name, d->in->name, d->out->name, c->received, c->forwarded, c->lost, c->full,
	    c->duplicated, c->reordered, c->corrupted, c->delayed, c->errors, c->kdrops, pending);
}

static int dir_settings(struct dir *d, char *buf, size_t len)
{
	char s[256];

	spec_format(&d->spec, s, sizeof(s));
	return snprintf(buf, len, "%s %s>%s: %s\n", d->name, d->in->name, d->out->name, s);
}

/* Append f(dir) for both directions to buf (of len, holding *n bytes). */
static void append(char *buf, size_t len, size_t *n, int (*f)(struct dir *, char *, size_t))
{
	for (unsigned i = 0; i < ARRAY_SIZE(dirs) && *n < len; i++) {
		int r = f(&dirs[i], buf + *n, len - *n);

		if (r > 0)
			*n += (size_t)r < len - *n ? (size_t)r : len - *n - 1;
	}
}

/* Apply a request's "a2b|b2a|both SPEC" and "seed N" lines, all or none; 0 or -EINVAL. */
static int ctl_set(char *req, char *err, size_t errlen)
{
	struct spec sp[2] = {dirs[0].spec, dirs[1].spec};
	bool set[2] = {false, false}, reseed = false;
	unsigned long long seed = 0;
	char *save = NULL, *line, *end;

	for (line = strtok_r(req, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t k = strcspn(line, " \t");
		char *rest = line + k + strspn(line + k, " \t");
		struct spec s;
		int which;

		if (k == 3 && !strncmp(line, "a2b", 3))
			which = 0;
		else if (k == 3 && !strncmp(line, "b2a", 3))
			which = 1;
		else if (k == 4 && !strncmp(line, "both", 4))
			which = 2;
		else if (k == 4 && !strncmp(line, "seed", 4)) {
			errno = 0;
			seed = strtoull(rest, &end, 0);
			if (errno || end == rest || *end || *rest == '-') {
				snprintf(err, errlen, "bad seed '%.40s'", rest);
				return -EINVAL;
			}
			reseed = true;
			continue;
		} else {
			snprintf(err, errlen, "unknown request '%.*s'", (int)(k > 40 ? 40 : k),
				 line);
			return -EINVAL;
		}
		if (spec_parse(rest, &s, err, errlen) < 0)
			return -EINVAL;
		for (int i = 0; i < 2; i++)
			if (which == 2 || which == i) {
				sp[i] = s;
				set[i] = true;
			}
	}
	for (unsigned i = 0; i < 2; i++) {
		if (set[i])
			dir_set(&dirs[i], &sp[i]);
		if (reseed)
			dir_seed(&dirs[i], seed, i);
	}
	return 0;
}

static void ctl_readable(int fd)
{
	char req[CTL_MAX + 1], ans[CTL_MAX], err[256];
	struct sockaddr_un from;
	socklen_t fromlen = sizeof(from);
	size_t n = 0;
	ssize_t r;

	r = recvfrom(fd, req, CTL_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
	if (r < 0)
		return;
	req[r] = '\0';
	if (!strcmp(req, "stats") || !strcmp(req, "stats\n")) {
		n = (size_t)snprintf(ans, sizeof(ans), "ok\n");
		append(ans, sizeof(ans), &n, dir_settings);
		append(ans, sizeof(ans), &n, dir_stats);
	} else if (ctl_set(req, err, sizeof(err)) == 0) {
		n = (size_t)snprintf(ans, sizeof(ans), "ok\n");
		append(ans, sizeof(ans), &n, dir_settings);
	} else {
		n = (size_t)snprintf(ans, sizeof(ans), "error: %s\n", err);
	}
	/* An unbound client cannot be answered; it has what it asked for anyway. */
	if (fromlen > sizeof(sa_family_t))
		sendto(fd, ans, n < sizeof(ans) ? n : sizeof(ans) - 1, MSG_DONTWAIT,
		       (struct sockaddr *)&from, fromlen);
}

static void unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		die("control socket path too long: %s", path);
	strcpy(a->sun_path, path);
}

static int ctl_open(const char *path)
{
	struct sockaddr_un a;
	struct stat st;
	int fd;

	unix_addr(&a, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot open a Unix socket: %s", strerror(errno));
	/* A socket nobody serves is a leftover; one that answers is not ours to take. */
	if (stat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket", path);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			die("another emulator serves %s", path);
		unlink(path);
		close(fd);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("cannot open a Unix socket: %s", strerror(errno));
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("cannot bind the control socket %s: %s", path, strerror(errno));
	chmod(path, 0600);
	return fd;
}

/* The client: send req to the emulator at path, print its answer; the exit status. */
static int client(const char *path, const char *req)
{
	struct sockaddr_un a, self;
	char ans[CTL_MAX + 1], me[sizeof(self.sun_path)];
	struct pollfd pfd;
	ssize_t r = -1;
	int fd, n;

	unix_addr(&a, path);
	/*
	 * The answer needs an address to go to.  Not an abstract one: those
	 * belong to a network namespace, and the emulator usually runs in
	 * another.  A path beside the control socket is seen from both.
	 */
	n = snprintf(me, sizeof(me), "%s.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(me))
		die("control socket path too long: %s", path);
	unix_addr(&self, me);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot open a Unix socket: %s", strerror(errno));
	unlink(me);
	if (bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0)
		die("cannot bind a Unix socket to %s: %s", me, strerror(errno));
	if (sendto(fd, req, strlen(req), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		unlink(me);
		die("cannot reach the emulator at %s: %s", path, strerror(errno));
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, CLIENT_WAIT_MS) > 0)
		r = recv(fd, ans, CTL_MAX, 0);
	unlink(me);
	close(fd);
	if (r < 0)
		die("no answer from the emulator at %s within %d ms", path, CLIENT_WAIT_MS);
	ans[r] = '\0';
	if (strncmp(ans, "ok\n", 3) != 0) {
		fprintf(stderr, "impair: %s", ans);
		return 1;
	}
	fputs(ans + 3, stdout);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void print_all(FILE *f, int (*fn)(struct dir *, char *, size_t))
{
	char buf[CTL_MAX];
	size_t n = 0;

	append(buf, sizeof(buf), &n, fn);
	fputs(buf, f);
}

static void run(int ctl)
{
	struct pollfd pfd[4];
	struct timespec ts;
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	/* A background job of a script starts with SIGINT ignored; we want it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd: %s", strerror(errno));
	/* Rate limiting needs wakeups to the microsecond, not the default 50 us slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	pfd[0] = (struct pollfd){.fd = ports[0].fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = ports[1].fd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = sfd, .events = POLLIN};
	pfd[3] = (struct pollfd){.fd = ctl, .events = POLLIN};

	for (;;) {
		uint64_t now = now_ns(), next = UINT64_MAX, t;

		for (unsigned i = 0; i < ARRAY_SIZE(dirs); i++) {
			t = dir_run(&dirs[i], now);
			next = t < next ? t : next;
			tx_flush(&dirs[i]);
		}
		if (next != UINT64_MAX) {
			t = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(t / NS_PER_S);
			ts.tv_nsec = (long)(t % NS_PER_S);
		}
		if (ppoll(pfd, ctl >= 0 ? 4 : 3, next == UINT64_MAX ? NULL : &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll: %s", strerror(errno));
		}
		if (pfd[2].revents)
			break;
		now = now_ns();
		if (pfd[0].revents)
			port_readable(&dirs[0], now);
		if (pfd[1].revents)
			port_readable(&dirs[1], now);
		if (ctl >= 0 && pfd[3].revents)
			ctl_readable(ctl);
	}
	close(sfd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"a", required_argument, NULL, 'A'},
	    {"b", required_argument, NULL, 'B'},
	    {"seed", required_argument, NULL, 's'},
	    {"a2b", required_argument, NULL, '1'},
	    {"b2a", required_argument, NULL, '2'},
	    {"both", required_argument, NULL, '3'},
	    {"control", required_argument, NULL, 'c'},
	    {"pool", required_argument, NULL, 'p'},
	    {"stats", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ifa = NULL, *ifb = NULL, *ctl_path = NULL, *text[2] = {NULL, NULL};
	const char *opt_of[2] = {"--a2b", "--b2a"};
	unsigned long long seed = 1, pool = POOL_DEFAULT;
	struct spec sp[2];
	bool stats = false, seed_set = false;
	char err[256], *end;
	int o, ctl = -1;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'A':
			ifa = optarg;
			break;
		case 'B':
			ifb = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-')
				die("bad seed '%s'", optarg);
			seed_set = true;
			break;
		case '1':
		case '2':
		case '3':
			for (int i = 0; i < 2; i++)
				if (o == '3' || o == '1' + i) {
					text[i] = optarg;
					opt_of[i] = o == '3' ? "--both" : i ? "--b2a" : "--a2b";
				}
			break;
		case 'c':
			ctl_path = optarg;
			break;
		case 'p':
			errno = 0;
			pool = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || pool < POOL_MIN || pool > POOL_MAX)
				die("bad pool size '%s' (%u to %u frames)", optarg, POOL_MIN,
				    POOL_MAX);
			break;
		case 'S':
			stats = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < 2; i++)
		if (spec_parse(text[i] ? text[i] : "", &sp[i], err, sizeof(err)) < 0)
			die("%s: %s", opt_of[i], err);

	if (!ifa && !ifb) {
		char req[2 * CTL_MAX + 64]; /* two specs (each < CTL_MAX) and a seed */

		bool set = text[0] || text[1] || seed_set;

		if (!ctl_path || stats == set) {
			usage(stderr);
			return 2;
		}
		size_t n = 0;

		if (stats)
			n = (size_t)snprintf(req, sizeof(req), "stats");
		for (int i = 0; i < 2; i++)
			if (text[i])
				n += (size_t)snprintf(req + n, sizeof(req) - n, "%s %s\n",
						      i ? "b2a" : "a2b", text[i]);
		if (seed_set)
			n += (size_t)snprintf(req + n, sizeof(req) - n, "seed %llu\n", seed);
		if (n >= CTL_MAX)
			die("settings too long");
		return client(ctl_path, req);
	}
	if (!ifa || !ifb || stats) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(ifa, ifb))
		die("--a and --b name the same interface %s", ifa);

	port_open(&ports[0], ifa);
	port_open(&ports[1], ifb);
	dir_init(&dirs[0], "a2b", &ports[0], &ports[1], (uint32_t)pool, seed, 0);
	dir_init(&dirs[1], "b2a", &ports[1], &ports[0], (uint32_t)pool, seed, 1);
	dir_set(&dirs[0], &sp[0]);
	dir_set(&dirs[1], &sp[1]);
	if (ctl_path)
		ctl = ctl_open(ctl_path);

	fprintf(stderr, "impair: bridging %s and %s, seed %llu, %llu frame slots per direction\n",
		ifa, ifb, seed, pool);
	print_all(stderr, dir_settings);
	run(ctl);

	for (unsigned i = 0; i < ARRAY_SIZE(dirs); i++)
		tx_flush(&dirs[i]);
	print_all(stdout, dir_stats);
	fflush(stdout);
	if (ctl >= 0)
		unlink(ctl_path);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * trace.c - one TCP connection of a pcap file as a Mermaid sequenceDiagram,
 * in the style of the article in shared/seed: the two ends as participants,
 * every segment an arrow labelled with what it carries (flags, sequence
 * number, ACK number, window, length), and the rounds of "sequence number
 * and data" answered by "ACK number and window" folded into a loop that
 * runs "until all is sent".
 *
 * Theory of operation, in four passes over data that only grows smaller:
 *   1. select: read every record (pcapread.c), decode it just enough to know
 *      its TCP endpoints, and pick one connection: --conn, else --port, else
 *      the first connection whose SYN is in the capture, else the first seen.
 *   2. collect: decode that connection's segments fully into an array
 *      (options, payload length from the IP header, an HTTP first line).
 *   3. analyse: walk them in order with each side's highest sequence number
 *      and last ACK, marking what a reader must notice: retransmissions
 *      (data below what the side already sent), duplicate ACKs, keep-alives,
 *      zero windows and window updates.  Relative numbers start at each
 *      side's ISN, as tcpdump and Wireshark count.
 *   4. draw: a "round" is a burst of ordinary data segments from one side
 *      followed by the ordinary pure ACKs of the other; a run of more than
 *      max_rounds rounds in the same direction becomes a `loop` block with
 *      its first and last round and a note saying what was left out.  Within
 *      a drawn round, a burst of more than BURST_SHOWN segments is drawn as
 *      its first, one arrow standing for the middle, and its last.  Anything
 *      out of the ordinary is always drawn on its own arrow.
 *
 * Every field of every packet is read through bounds checks against the
 * captured length; a packet that is not a well-formed IPv4 TCP segment is
 * skipped.  The output depends on the input and the options only (no
 * clock, no locale), so it can be compared with a golden file.
 *
 * Mermaid gives ';' and '#' a meaning inside message text (statement
 * separator, entity code): no text we emit contains them, and payload
 * bytes shown as a hint pass through a whitelist.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapread.h"
#include "trace.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

#define ETH_HLEN     14
#define SLL_HLEN     16
#define ETHTYPE_IP   0x0800
#define ETHTYPE_VLAN 0x8100
#define IP_MF	     0x2000
#define IP_OFFMASK   0x1fff

#define MAX_SACK    4
#define HINT_MAX    48 /* bytes of an HTTP first line shown */
#define BURST_SHOWN 3  /* a longer burst inside a drawn round is folded */
#define LABEL_MAX   512

/* Segment marks found by analyse(). */
#define M_RETRANS   0x01
#define M_DUPACK    0x02
#define M_KEEPALIVE 0x04
#define M_ZEROWIN   0x08
#define M_WINUPD    0x10
#define M_HSACK	    0x20 /* the ACK that completes the three-way handshake */
#define M_PROBE	    0x40 /* a keep-alive-shaped segment into a zero window */

struct seg {
	uint64_t ts_us;
	uint32_t saddr, daddr; /* host byte order */
	uint16_t sport, dport;
	int dir; /* 0: from u (ustack), 1: from p (peer) */
	uint32_t seq, ack, len;
	uint32_t win; /* as sent; scaled in analyse() when both sides agreed */
	uint8_t flags;
	int32_t mss; /* option, -1 if absent */
	int wscale;  /* option, -1 if absent */
	int sackok;
	unsigned nsack;
	uint32_t sack[MAX_SACK][2];
	unsigned marks;
	char hint[HINT_MAX + 1]; /* an HTTP request or status line starting the payload */
};

struct conn {
	struct seg *s;
	size_t n, cap;
	uint32_t addr[2]; /* [0]: u, [1]: p */
	uint16_t port[2];
	uint32_t base[2]; /* ISN (or first sequence number seen) of each side */
	int have_syn[2];
	int opener;  /* side whose SYN carried no ACK, -1 if not seen */
	int scaled;  /* both SYNs carried a window scale */
	int rst_dir; /* side that sent the first RST, -1 if none */
	uint64_t bytes[2], segs[2], retrans[2];
	int fin[2]; /* that side's FIN was seen */
	uint32_t fin_seq[2];
	int fin_acked[2];
	int others;    /* other connections matched the options too */
	int reused;    /* the capture goes on with a new connection on the same ports */
	int truncated; /* reading stopped early: errbuf says why */
	char errbuf[160];
	int skipped; /* fragments and malformed packets left out */
};

void trace_opts_init(struct trace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = -1;
	o->max_rounds = TRACE_MAX_ROUNDS_DEFAULT;
}

static int parse_ep(const char *s, size_t n, uint32_t *addr, uint16_t *port)
{
	char buf[32], *colon, *end;
	struct in_addr a;
	unsigned long p;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || colon[1] < '0' || colon[1] > '9')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p > 65535)
		return -1;
	*addr = ntohl(a.s_addr);
	*port = (uint16_t)p;
	return 0;
}

int trace_parse_conn(struct trace_opts *o, const char *s)
{
	const char *dash = strchr(s, '-');

	if (!dash || parse_ep(s, (size_t)(dash - s), &o->a_addr, &o->a_port) < 0 ||
	    parse_ep(dash + 1, strlen(dash + 1), &o->b_addr, &o->b_port) < 0)
		return -1;
	o->conn = 1;
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An HTTP request or status line at the start of a payload, made safe for Mermaid. */
static void http_hint(const uint8_t *p, size_t avail, char *hint)
{
	static const char *const starts[] = {"GET ",	"HEAD ",    "POST ",  "PUT ",
					     "DELETE ", "OPTIONS ", "PATCH ", "HTTP/1."};
	size_t i, k;

	hint[0] = '\0';
	for (k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
		if (avail >= strlen(starts[k]) && memcmp(p, starts[k], strlen(starts[k])) == 0)
			break;
	if (k == sizeof(starts) / sizeof(starts[0]))
		return;
	for (i = 0; i < avail && i < HINT_MAX && p[i] != '\r' && p[i] != '\n'; i++) {
		uint8_t c = p[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || strchr(" /._-?=&%+:,~", c) != NULL;

		hint[i] = ok && c ? (char)c : '_';
	}
	hint[i] = '\0';
}

/* TCP options: MSS, window scale, SACK permitted, SACK blocks. */
static void parse_opts(const uint8_t *o, size_t n, struct seg *s)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = o[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		len = o[i + 1];
		if (len < 2 || len > n - i)
			break;
		if (kind == 2 && len == 4)
			s->mss = rd16(o + i + 2);
		else if (kind == 3 && len == 3)
			s->wscale = o[i + 2] > 14 ? 14 : o[i + 2]; /* RFC 7323 2.3 */
		else if (kind == 4 && len == 2)
			s->sackok = 1;
		else if (kind == 5 && len >= 10 && (len - 2) % 8 == 0)
			for (size_t b = i + 2; b + 8 <= (size_t)i + len && s->nsack < MAX_SACK;
			     b += 8) {
				s->sack[s->nsack][0] = rd32(o + b);
				s->sack[s->nsack][1] = rd32(o + b + 4);
				s->nsack++;
			}
		i += len;
	}
}

/*
 * Decode one record into s.  1: an IPv4 TCP segment; 0: something else;
 * -1: malformed or a fragment (counted by the caller).
 */
static int decode(const struct pcapr *r, const struct pcapr_pkt *p, struct seg *s)
{
	const uint8_t *d = p->data, *ip, *th;
	size_t cap = p->caplen, off = 0, ihl, tot, doff, tcap;
	uint16_t type;

	switch (r->linktype) {
	case PCAPR_LINK_ETHERNET:
		if (cap < ETH_HLEN)
			return 0;
		type = rd16(d + 12);
		off = ETH_HLEN;
		if (type == ETHTYPE_VLAN) {
			if (cap < ETH_HLEN + 4)
				return 0;
			type = rd16(d + 16);
			off += 4;
		}
		if (type != ETHTYPE_IP)
			return 0;
		break;
	case PCAPR_LINK_SLL:
		if (cap < SLL_HLEN || rd16(d + 14) != ETHTYPE_IP)
			return 0;
		off = SLL_HLEN;
		break;
	default: /* raw IP */
		break;
	}
	if (cap - off < 20)
		return 0;
	ip = d + off;
	if ((ip[0] >> 4) != 4)
		return 0;
	if (ip[9] != 6)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if (tot == 0) /* segmentation offload on the capturing host: trust the capture */
		tot = cap - off;
	if (ihl < 20 || ihl > cap - off || tot < ihl)
		return -1;
	if (rd16(ip + 6) & (IP_MF | IP_OFFMASK))
		return -1; /* a fragment: ports and lengths are not all here */
	th = ip + ihl;
	tcap = cap - off - ihl; /* TCP bytes captured (Ethernet padding included) */
	if (tcap < 20 || tot - ihl < 20)
		return -1;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > tot - ihl)
		return -1;
	memset(s, 0, sizeof(*s));
	s->ts_us = p->ts_us;
	s->saddr = rd32(ip + 12);
	s->daddr = rd32(ip + 16);
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13];
	s->win = rd16(th + 14);
	s->len = (uint32_t)(tot - ihl - doff);
	s->mss = -1;
	s->wscale = -1;
	if (doff > 20 && tcap > 20) /* the options we have: some may be cut by the snaplen */
		parse_opts(th + 20, (doff < tcap ? doff : tcap) - 20, s);
	if (s->len > 0 && tcap > doff) {
		size_t avail = tcap - doff;

		http_hint(th + doff, avail < s->len ? avail : s->len, s->hint);
	}
	return 1;
}

static int matches_opts(const struct seg *s, const struct trace_opts *o)
{
	if (o->conn)
		return (s->saddr == o->a_addr && s->sport == o->a_port && s->daddr == o->b_addr &&
			s->dport == o->b_port) ||
		       (s->saddr == o->b_addr && s->sport == o->b_port && s->daddr == o->a_addr &&
			s->dport == o->a_port);
	if (o->port >= 0)
		return s->sport == o->port || s->dport == o->port;
	return 1;
}

static int same_conn(const struct seg *s, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	return (s->saddr == a && s->sport == ap && s->daddr == b && s->dport == bp) ||
	       (s->saddr == b && s->sport == bp && s->daddr == a && s->dport == ap);
}

static void conn_free(struct conn *c)
{
	free(c->s);
	memset(c, 0, sizeof(*c));
}

static int conn_push(struct conn *c, const struct seg *s)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct seg *ns = realloc(c->s, cap * sizeof(*ns));

		if (!ns)
			return -1;
		c->s = ns;
		c->cap = cap;
	}
	c->s[c->n++] = *s;
	return 0;
}

/*
 * Passes 1 and 2: choose the connection and collect its segments in c.
 * 0, or -1 with the reason in err.
 */
static int collect(const uint8_t *data, size_t len, const struct trace_opts *o, struct conn *c,
		   char *err, size_t errlen)
{
	struct pcapr r;
	struct pcapr_pkt p;
	struct seg s;
	uint32_t a = 0, b = 0, syn_seq = 0;
	uint16_t ap = 0, bp = 0;
	int have = 0, have_syn = 0, rc, seen_syn = 0, closed = 0;

	memset(c, 0, sizeof(*c));
	c->rst_dir = -1;
	if (pcapr_open(&r, data, len, err, errlen) < 0)
		return -1;
	/* Pass 1: the connection.  A connection whose SYN we see beats one we joined late. */
	while ((rc = pcapr_next(&r, &p, c->errbuf, sizeof(c->errbuf))) == 1) {
		int syn;

		if (decode(&r, &p, &s) != 1 || !matches_opts(&s, o))
			continue;
		syn = (s.flags & (TH_SYN | TH_ACK)) == TH_SYN;
		if (have && same_conn(&s, a, ap, b, bp))
			continue;
		if (have && (have_syn || !syn)) {
			c->others = 1;
			continue;
		}
		if (have)
			c->others = 1;
		a = s.saddr, ap = s.sport, b = s.daddr, bp = s.dport;
		have = 1;
		have_syn = syn;
	}
	if (!have) {
		if (rc < 0)
			snprintf(err, errlen, "%s, before any TCP segment", c->errbuf);
		else if (o->conn || o->port >= 0)
			snprintf(err, errlen, "no TCP connection in the capture matches");
		else
			snprintf(err, errlen, "no TCP segment in the capture");
		return -1;
	}
	/* u is ustack: --ustack, else the side that opened (ustack only opens actively). */
	if (o->ustack) {
		if (b == o->ustack_addr && a != o->ustack_addr) {
			uint32_t t = a;
			uint16_t tp = ap;

			a = b, ap = bp, b = t, bp = tp;
		}
	} else if (!have_syn && bp > ap) {
		/* Joined late: the ephemeral (higher) port is the one that connected. */
		uint32_t t = a;
		uint16_t tp = ap;

		a = b, ap = bp, b = t, bp = tp;
	}
	c->addr[0] = a, c->port[0] = ap, c->addr[1] = b, c->port[1] = bp;

	/* Pass 2: its segments, up to a new connection on the same four-tuple. */
	pcapr_open(&r, data, len, err, errlen);
	while ((rc = pcapr_next(&r, &p, c->errbuf, sizeof(c->errbuf))) == 1) {
		int d = decode(&r, &p, &s);

		if (d < 0) {
			c->skipped++;
			continue;
		}
		if (d == 0 || !same_conn(&s, a, ap, b, bp))
			continue;
		s.dir = s.saddr == a && s.sport == ap ? 0 : 1;
		if ((s.flags & (TH_SYN | TH_ACK)) == TH_SYN) {
			if (seen_syn && closed && s.seq != syn_seq) {
				c->reused = 1;
				break;
			}
			if (!seen_syn)
				syn_seq = s.seq;
			seen_syn = 1;
		}
		if (s.flags & (TH_FIN | TH_RST))
			closed = 1;
		if (conn_push(c, &s) < 0) {
			snprintf(err, errlen, "out of memory after %zu segments", c->n);
			conn_free(c);
			return -1;
		}
	}
	c->truncated = rc < 0;
	return 0;
}

/* Pass 3: relative bases, window scaling, and the marks. */
static void analyse(struct conn *c)
{
	uint32_t max_end[2] = {0, 0}, last_ack[2] = {0, 0}, last_win[2] = {0, 0};
	int have_end[2] = {0, 0}, have_ack[2] = {0, 0}, ws[2] = {-1, -1};
	int have_base[2] = {0, 0}, have_data[2] = {0, 0};
	uint32_t data_end[2] = {0, 0}; /* highest data sequence number seen + 1 */

	c->opener = -1;

	for (size_t i = 0; i < c->n; i++) {
		struct seg *s = &c->s[i];

		if ((s->flags & (TH_SYN | TH_ACK)) == TH_SYN && c->opener < 0)
			c->opener = s->dir;
		if ((s->flags & TH_SYN) && !c->have_syn[s->dir]) {
			c->have_syn[s->dir] = 1;
			c->base[s->dir] = s->seq;
			have_base[s->dir] = 1;
			ws[s->dir] = s->wscale;
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		struct seg *s = &c->s[i];

		if (!have_base[s->dir]) {
			c->base[s->dir] = s->seq;
			have_base[s->dir] = 1;
		}
	}
	/* A side never seen still gets acknowledged: count from its first ACK. */
	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < c->n && !have_base[d]; i++)
			if (c->s[i].dir != d && (c->s[i].flags & TH_ACK)) {
				c->base[d] = c->s[i].ack - 1;
				have_base[d] = 1;
			}
	c->scaled = c->have_syn[0] && c->have_syn[1] && ws[0] >= 0 && ws[1] >= 0;

	for (size_t i = 0; i < c->n; i++) {
		struct seg *s = &c->s[i];
		int d = s->dir, o = !d;
		uint32_t end = s->seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
		int pure = s->len == 0 && !(s->flags & (TH_SYN | TH_FIN | TH_RST));

		if (c->scaled && !(s->flags & TH_SYN))
			s->win <<= ws[d];
		c->segs[d]++;
		if (s->flags & TH_RST) {
			if (c->rst_dir < 0)
				c->rst_dir = d;
		} else if (s->win == 0) {
			s->marks |= M_ZEROWIN;
		}
		if (have_end[d] && end != s->seq && SEQ_LT(s->seq, max_end[d])) {
			if (s->len <= 1 && !(s->flags & (TH_SYN | TH_FIN)) &&
			    s->seq + 1 == max_end[d])
				s->marks |= M_KEEPALIVE;
			else
				s->marks |= M_RETRANS;
		} else if (pure && have_end[d] && s->seq + 1 == max_end[d]) {
			s->marks |= M_KEEPALIVE;
		}
		/* RFC 9293 3.8.6.1: with the window shut, that segment probes it. */
		if ((s->marks & M_KEEPALIVE) && have_ack[o] && last_win[o] == 0)
			s->marks = (s->marks & ~M_KEEPALIVE) | M_PROBE;
		if (s->marks & M_RETRANS)
			c->retrans[d]++;
		/*
		 * Bytes each way: the sequence space the data covered, counted as it
		 * advances (so a wrap past 2^32 is fine).  A segment the capture
		 * point never saw (dropped before it, sent again later) still
		 * counts once, and a keep-alive's old byte not at all.
		 */
		{
			uint32_t start = s->seq + !!(s->flags & TH_SYN), stop = start + s->len;

			if (!have_data[d]) {
				data_end[d] = start;
				have_data[d] = 1;
			}
			if (s->len > 0 && SEQ_GT(stop, data_end[d])) {
				c->bytes[d] += stop - data_end[d];
				data_end[d] = stop;
			}
		}
		if (pure && (s->flags & TH_ACK) && !(s->marks & (M_KEEPALIVE | M_PROBE)) &&
		    have_ack[d] && s->ack == last_ack[d]) {
			if (s->win != last_win[d])
				s->marks |= M_WINUPD;
			else if (have_end[o] && SEQ_GT(max_end[o], s->ack))
				s->marks |= M_DUPACK;
		}
		if (pure && (s->flags & TH_ACK) && d == c->opener && c->have_syn[o] &&
		    !have_ack[d] && s->ack == c->base[o] + 1)
			s->marks |= M_HSACK;
		if (s->flags & TH_FIN) {
			c->fin[d] = 1;
			c->fin_seq[d] = s->seq + s->len;
		}
		if ((s->flags & TH_ACK) && c->fin[o] && !SEQ_LT(s->ack, c->fin_seq[o] + 1))
			c->fin_acked[o] = 1;
		if (!have_end[d] || SEQ_GT(end, max_end[d]))
			max_end[d] = end;
		have_end[d] = 1;
		if (s->flags & TH_ACK) {
			last_ack[d] = s->ack;
			last_win[d] = s->win;
			have_ack[d] = 1;
		}
	}
}

/* ---- drawing ---- */

struct out {
	FILE *f;
	const struct conn *c;
	const struct trace_opts *o;
};

struct label {
	char b[LABEL_MAX];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void lb_add(struct label *l, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->n >= sizeof(l->b) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	l->n += (size_t)r < sizeof(l->b) - l->n ? (size_t)r : sizeof(l->b) - l->n - 1;
}

static void lb_word(struct label *l, const char *w)
{
	lb_add(l, "%s%s", l->n ? " " : "", w);
}

static uint32_t rel(const struct out *w, int side, uint32_t v)
{
	return w->o->absolute ? v : v - w->c->base[side];
}

static const char *pid(int dir)
{
	return dir == 0 ? "u" : "p";
}

static const char *role(int dir)
{
	return dir == 0 ? "ustack" : "peer";
}

/* One segment as an arrow. */
static void draw_seg(const struct out *w, const struct seg *s, const char *indent)
{
	struct label l = {.n = 0};
	const char *arrow = "-->>";
	int d = s->dir, o = !d, pure;
	char extra[96] = "";

	pure = s->len == 0 && !(s->flags & (TH_SYN | TH_FIN | TH_RST));
	if (s->marks & M_DUPACK)
		lb_word(&l, "dup");
	if (s->flags & TH_SYN)
		lb_word(&l, "SYN");
	if (s->flags & TH_FIN)
		lb_word(&l, "FIN");
	if (s->flags & TH_RST)
		lb_word(&l, "RST");
	if ((s->flags & TH_ACK) &&
	    ((s->flags & (TH_SYN | TH_RST)) || (pure && !(s->marks & (M_KEEPALIVE | M_PROBE)))))
		lb_word(&l, "ACK");
	if (s->flags & TH_URG)
		lb_word(&l, "URG");
	if (s->flags & TH_ECE)
		lb_word(&l, "ECE");
	if (s->flags & TH_CWR)
		lb_word(&l, "CWR");
	if (s->marks & M_KEEPALIVE)
		lb_word(&l, "keep-alive");
	if (s->marks & M_PROBE)
		lb_word(&l, "window probe");
	if (s->len > 0)
		lb_add(&l, "%sseq=%u:%u", l.n ? " " : "", rel(w, d, s->seq),
		       rel(w, d, s->seq + s->len));
	else if (!pure || (s->marks & (M_KEEPALIVE | M_PROBE)))
		lb_add(&l, "%sseq=%u", l.n ? " " : "", rel(w, d, s->seq));
	if (s->flags & TH_ACK)
		lb_add(&l, "%sack=%u", l.n ? " " : "", rel(w, o, s->ack));
	if (!(s->flags & TH_RST))
		lb_add(&l, " win=%u", s->win);
	if (s->mss >= 0 && (s->flags & TH_SYN))
		lb_add(&l, " mss=%d", (int)s->mss);
	if (s->wscale >= 0 && (s->flags & TH_SYN))
		lb_add(&l, " wscale=%d", s->wscale);
	if (s->sackok && (s->flags & TH_SYN))
		lb_add(&l, " sackOK");
	for (unsigned k = 0; k < s->nsack; k++)
		lb_add(&l, "%s%u-%u", k ? "," : " sack=", rel(w, o, s->sack[k][0]),
		       rel(w, o, s->sack[k][1]));
	if (s->marks & M_RETRANS)
		snprintf(extra, sizeof(extra), ", retransmission");
	else if (s->marks & M_ZEROWIN)
		snprintf(extra, sizeof(extra), ", zero window");
	else if (s->marks & M_WINUPD)
		snprintf(extra, sizeof(extra), ", window update");
	if (s->len > 0 && !(s->marks & (M_KEEPALIVE | M_PROBE)))
		lb_add(&l, " (%u bytes%s%s%s)", s->len, s->hint[0] ? ": " : "", s->hint, extra);
	else if (extra[0])
		lb_add(&l, " (%s)", extra + 2);

	if ((s->flags & TH_SYN) || (s->marks & M_HSACK))
		arrow = "->>"; /* the handshake, as the brief draws connection set-up */
	if (s->flags & TH_RST)
		arrow = "-x";
	fprintf(w->f, "%s%s%s%s: %s\n", indent, pid(d), arrow, pid(o), l.b);
	if ((s->flags & TH_RST) && w->c->opener == o && !w->c->have_syn[d])
		fprintf(w->f, "%sNote over %s: RST: connection refused\n", indent, pid(d));
	else if (s->flags & TH_RST)
		fprintf(w->f, "%sNote over %s: RST: %s resets the connection\n", indent, pid(d),
			role(d));
}

/* A regular segment: it may be folded into a round. */
static int is_data(const struct seg *s, int dir)
{
	return s->dir == dir && s->len > 0 && !(s->flags & (TH_SYN | TH_FIN | TH_RST | TH_URG)) &&
	       !s->marks;
}

static int is_ack(const struct seg *s, int dir)
{
	return s->dir == dir && s->len == 0 && (s->flags & TH_ACK) &&
	       !(s->flags & (TH_SYN | TH_FIN | TH_RST | TH_URG)) && !s->marks && s->nsack == 0;
}

/* Segments [i, j) all of one kind: drawn, or first + one arrow for the middle + last. */
static void draw_burst(const struct out *w, size_t i, size_t j, const char *indent)
{
	const struct seg *s = w->c->s;
	size_t n = j - i;

	if (w->o->max_rounds == 0 || n <= BURST_SHOWN) {
		for (size_t k = i; k < j; k++)
			draw_seg(w, &s[k], indent);
		return;
	}
	draw_seg(w, &s[i], indent);
	if (s[i].len > 0) {
		uint64_t bytes = 0;

		for (size_t k = i + 1; k < j - 1; k++)
			bytes += s[k].len;
		fprintf(w->f, "%s%s-->>%s: … %zu segments seq=%u:%u (%llu bytes)\n", indent,
			pid(s[i].dir), pid(!s[i].dir), n - 2, rel(w, s[i].dir, s[i + 1].seq),
			rel(w, s[i].dir, s[j - 2].seq + s[j - 2].len), (unsigned long long)bytes);
	} else {
		fprintf(w->f, "%s%s-->>%s: … %zu ACKs ack=%u…%u\n", indent, pid(s[i].dir),
			pid(!s[i].dir), n - 2, rel(w, !s[i].dir, s[i + 1].ack),
			rel(w, !s[i].dir, s[j - 2].ack));
	}
	draw_seg(w, &s[j - 1], indent);
}

/* A round [i, j): data from dir, then the other side's ACKs. */
static void draw_round(const struct out *w, size_t i, size_t j, int dir, const char *indent)
{
	size_t k = i;

	while (k < j && is_data(&w->c->s[k], dir))
		k++;
	draw_burst(w, i, k, indent);
	if (k < j)
		draw_burst(w, k, j, indent);
}

/* End of the round starting at i (a data segment from dir). */
static size_t round_end(const struct conn *c, size_t i, int dir)
{
	int acked = 0;

	while (i < c->n) {
		if (is_data(&c->s[i], dir)) {
			if (acked)
				break;
		} else if (is_ack(&c->s[i], !dir)) {
			acked = 1;
		} else {
			break;
		}
		i++;
	}
	return i;
}

static void fmt_ep(char *buf, size_t size, uint32_t addr, uint16_t port)
{
	snprintf(buf, size, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff, port);
}

static void draw(const struct out *w)
{
	const struct conn *c = w->c;
	unsigned max = w->o->max_rounds;
	char ep[2][32];
	size_t i = 0;

	fmt_ep(ep[0], sizeof(ep[0]), c->addr[0], c->port[0]);
	fmt_ep(ep[1], sizeof(ep[1]), c->addr[1], c->port[1]);
	fprintf(w->f, "%%%%{init:{\"sequence\":{\"showSequenceNumbers\":true}}}%%%%\n");
	fprintf(w->f, "sequenceDiagram\n");
	fprintf(w->f, "  %%%% ustack trace: %s → %s, %zu segments\n", ep[0], ep[1], c->n);
	fprintf(w->f, "  participant u as ustack %s\n", ep[0]);
	fprintf(w->f, "  participant p as peer %s\n", ep[1]);

	while (i < c->n) {
		const struct seg *s = &c->s[i];
		int dir = s->dir;
		size_t starts[2], j, nrounds = 0, last = i;
		uint64_t bytes = 0;

		if (!is_data(s, dir)) {
			draw_seg(w, s, "  ");
			i++;
			continue;
		}
		/* A run of rounds in one direction; remember the first and the last. */
		starts[0] = starts[1] = i;
		j = i;
		while (j < c->n && is_data(&c->s[j], dir)) {
			size_t e = round_end(c, j, dir);

			for (size_t k = j; k < e; k++)
				bytes += c->s[k].len;
			starts[1] = j;
			last = e;
			j = e;
			nrounds++;
		}
		if (max == 0 || nrounds <= (max > 2 ? max : 2)) {
			for (size_t k = i; k < j;) {
				size_t e = round_end(c, k, dir);

				draw_round(w, k, e, dir, "  ");
				k = e;
			}
		} else {
			uint64_t first_b = 0, last_b = 0;
			size_t e0 = round_end(c, starts[0], dir);

			for (size_t k = starts[0]; k < e0; k++)
				first_b += c->s[k].len;
			for (size_t k = starts[1]; k < last; k++)
				last_b += c->s[k].len;
			fprintf(w->f,
				"  loop until all is sent (%s → %s: %zu rounds, %llu bytes)\n",
				role(dir), role(!dir), nrounds, (unsigned long long)bytes);
			draw_round(w, starts[0], e0, dir, "    ");
			fprintf(w->f, "    Note over u,p: … %zu more rounds, %llu bytes …\n",
				nrounds - 2, (unsigned long long)(bytes - first_b - last_b));
			draw_round(w, starts[1], last, dir, "    ");
			fprintf(w->f, "  end\n");
		}
		i = j;
	}

	/* The summary, as the article closes: what went each way, and how it ended. */
	{
		double secs = c->n ? (double)(c->s[c->n - 1].ts_us - c->s[0].ts_us) / 1e6 : 0.0;
		const char *how;
		char rx[64];

		if (c->rst_dir >= 0)
			how = c->rst_dir == 0 ? "reset by ustack" : "reset by the peer";
		else if (c->fin[0] && c->fin[1] && c->fin_acked[0] && c->fin_acked[1])
			how = "closed: FIN and ACK both ways";
		else if (c->fin[0] || c->fin[1])
			how = "half closed at the end of the capture";
		else
			how = "still open at the end of the capture";
		if (c->retrans[0] + c->retrans[1] == 0)
			snprintf(rx, sizeof(rx), "no retransmissions");
		else
			snprintf(rx, sizeof(rx), "retransmissions: ustack %llu, peer %llu",
				 (unsigned long long)c->retrans[0],
				 (unsigned long long)c->retrans[1]);
		fprintf(w->f,
			"  Note over u,p: ustack → peer: %llu bytes in %llu segments<br/>"
			"peer → ustack: %llu bytes in %llu segments<br/>"
			"%.3f s, %s, %s\n",
			(unsigned long long)c->bytes[0], (unsigned long long)c->segs[0],
			(unsigned long long)c->bytes[1], (unsigned long long)c->segs[1], secs, rx,
			how);
	}
}

int trace_render(const uint8_t *data, size_t len, const struct trace_opts *o, FILE *out, FILE *diag,
		 char *err, size_t errlen)
{
	struct conn c;
	struct out w = {.f = out, .c = &c, .o = o};

	if (collect(data, len, o, &c, err, errlen) < 0)
		return -1;
	analyse(&c);
	if (diag) {
		char a[32], b[32];

		fmt_ep(a, sizeof(a), c.addr[0], c.port[0]);
		fmt_ep(b, sizeof(b), c.addr[1], c.port[1]);
		if (c.others)
			fprintf(diag,
				"ustack trace: the capture has other connections; showing %s-%s "
				"(choose with --conn or --port)\n",
				a, b);
		if (!c.have_syn[0] && !c.have_syn[1])
			fprintf(diag,
				"ustack trace: the capture starts after the handshake; sequence "
				"numbers count from the first segment seen\n");
		if (c.reused)
			fprintf(diag,
				"ustack trace: %s-%s is used again by a later connection, which is "
				"not shown\n",
				a, b);
		if (c.skipped)
			fprintf(diag, "ustack trace: %d fragments or malformed packets skipped\n",
				c.skipped);
		if (c.truncated)
			fprintf(diag, "ustack trace: %s; showing what came before\n", c.errbuf);
	}
	draw(&w);
	conn_free(&c);
	return 0;
}

int trace_conn_finished(const uint8_t *data, size_t len, const struct trace_opts *o)
{
	struct conn c;
	char err[160];
	int done;

	if (collect(data, len, o, &c, err, sizeof(err)) < 0)
		return 0;
	analyse(&c);
	done = c.rst_dir >= 0 || (c.fin[0] && c.fin[1] && c.fin_acked[0] && c.fin_acked[1]);
	conn_free(&c);
	return done;
}

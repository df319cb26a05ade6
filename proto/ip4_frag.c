/* SPDX-License-Identifier: MIT */
/*
 * ip4_frag.c - IPv4 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2).
 *
 * Theory of operation: a datagram in reassembly lives in one slot of a pool
 * allocated once by ip4_frag_init() (stack_cfg.frag_slots slots, default 16,
 * each with a buffer for the largest payload a 16-bit total length allows),
 * so a fragment never allocates.  Fragments find their slot by the key
 * RFC 791 defines: source, destination, protocol and identification; the
 * pool is small, so a linear scan does.  Each fragment's data is copied to
 * its offset in the slot's buffer, and the slot keeps the byte ranges it
 * holds, sorted, disjoint and merged when they touch: RFC 815's hole list
 * turned inside out, which makes the checks below one pass over a short
 * array.  The datagram is complete when the last fragment (MF clear) has
 * fixed its length and one range covers it; ip4_deliver() then hands it to
 * ICMP or TCP as if it had arrived whole.
 *
 * What is not accepted (each counted):
 *  - an empty fragment, or one before the last whose length is not a
 *    multiple of 8 (RFC 791: offsets count 8-byte units);
 *  - a datagram longer than 65535 bytes with its header (the "ping of
 *    death"): the whole reassembly is dropped;
 *  - fragments that disagree about where the datagram ends: dropped whole;
 *  - overlap: a fragment that partly covers bytes already held drops the
 *    whole datagram, as RFC 5722 requires for IPv6 and Linux does for IPv4
 *    since 2018 (overlaps only serve to hide data from a middlebox); one
 *    that lies entirely inside what is held is a duplicate (the network
 *    duplicates frames), dropped alone;
 *  - more than FRAG_RANGES separate pieces: dropped whole, so a sender of
 *    tiny scattered fragments cannot make a reassembly expensive;
 *  - a new datagram when every slot is busy: the fragment is dropped, the
 *    reassemblies in progress are kept (Linux does the same above
 *    ipfrag_high_thresh).
 *
 * Timeout: a reassembly lives stack_cfg.frag_timeout_ms (default 30 s, as
 * Linux's ipfrag_time; RFC 791 suggests 15 s, RFC 1122 3.3.2 60 s to 120 s)
 * from its first fragment.  If fragment zero had come, the sender gets ICMP
 * time exceeded, code 1 (RFC 792; RFC 1122 3.3.2 says to send it only
 * then), unless the datagram was an ICMP error itself or not addressed to
 * our own unicast address (RFC 1122 3.2.2).
 *
 * Checksums: STACK_IN_CSUM_OK describes one frame, and the transport
 * checksum of a reassembled datagram spans several; it is always verified.
 */
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "ip4.h"
#include "stack_var.h"

#define FRAG_RANGES 64				 /* separate pieces held per datagram */
#define FRAG_BUF (IP4_MAXLEN - IP4_HLEN)	 /* the largest payload there can be */
#define IP4_MAXHLEN 60

struct frag_range {
	uint32_t start, end; /* [start, end) of the payload */
};

struct ip4_frag {
	uint64_t expires; /* 0: the slot is free */
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint8_t ttl;	   /* of fragment zero */
	uint8_t has_first; /* fragment zero came: hdr is valid */
	uint8_t has_last;  /* the fragment with MF clear came: total is valid */
	uint8_t hlen0;	   /* header length of fragment zero */
	uint8_t hdr[IP4_MAXHLEN]; /* fragment zero's header, to quote in time exceeded */
	uint32_t total;		  /* payload length */
	unsigned nranges;
	struct frag_range r[FRAG_RANGES];
	uint8_t *buf; /* FRAG_BUF bytes */
};

struct ip4_frag_pool {
	unsigned n;    /* slots */
	unsigned used; /* slots in use */
	uint8_t *mem;  /* n * FRAG_BUF bytes, the slots' buffers */
	struct ip4_frag q[];
};

int ip4_frag_init(struct stack *st)
{
	struct stack_cfg *c = &st->cfg;
	struct ip4_frag_pool *pool;

	if (!c->frag_slots)
		c->frag_slots = IP4_FRAG_SLOTS;
	if (c->frag_slots > IP4_FRAG_SLOTS_MAX)
		c->frag_slots = IP4_FRAG_SLOTS_MAX;
	if (!c->frag_timeout_ms)
		c->frag_timeout_ms = IP4_FRAG_TIMEOUT_MS;
	pool = calloc(1, sizeof(*pool) + c->frag_slots * sizeof(pool->q[0]));
	if (!pool)
		return -1;
	/* Not touched until fragments come: the pages stay unbacked until then. */
	pool->mem = malloc((size_t)c->frag_slots * FRAG_BUF);
	if (!pool->mem) {
		free(pool);
		return -1;
	}
	pool->n = c->frag_slots;
	for (unsigned i = 0; i < pool->n; i++)
		pool->q[i].buf = pool->mem + (size_t)i * FRAG_BUF;
	st->frag = pool;
	return 0;
}

void ip4_frag_free(struct stack *st)
{
	if (!st->frag)
		return;
	free(st->frag->mem);
	free(st->frag);
	st->frag = NULL;
}

unsigned ip4_frag_count(const struct stack *st)
{
	return st->frag ? st->frag->used : 0;
}

static struct ip4_frag *frag_find(struct ip4_frag_pool *pool, const struct ip4_info *ii,
				  uint16_t id)
{
	for (unsigned i = 0; i < pool->n && pool->used; i++) {
		struct ip4_frag *fq = &pool->q[i];

		if (fq->expires && fq->id == id && fq->src == ii->src && fq->dst == ii->dst &&
		    fq->proto == ii->proto)
			return fq;
	}
	return NULL;
}

static struct ip4_frag *frag_new(struct stack *st, const struct ip4_info *ii, uint16_t id)
{
	struct ip4_frag_pool *pool = st->frag;

	for (unsigned i = 0; i < pool->n; i++) {
		struct ip4_frag *fq = &pool->q[i];

		if (fq->expires)
			continue;
		fq->expires = st->now + st->cfg.frag_timeout_ms;
		if (!fq->expires)
			fq->expires = 1; /* 0 means free */
		fq->src = ii->src;
		fq->dst = ii->dst;
		fq->id = id;
		fq->proto = ii->proto;
		fq->has_first = fq->has_last = 0;
		fq->total = 0;
		fq->nranges = 0;
		pool->used++;
		return fq;
	}
	return NULL;
}

static void frag_release(struct stack *st, struct ip4_frag *fq)
{
	fq->expires = 0;
	st->frag->used--;
}

/*
 * Record [start, end) as held.  Returns 0; 1 if it is a duplicate (every
 * byte already held); -1 for a partial overlap; -2 if there is no room for
 * another separate range.
 */
static int frag_add_range(struct ip4_frag *fq, uint32_t start, uint32_t end)
{
	unsigned i, n = fq->nranges;
	struct frag_range *r = fq->r;

	/* The first range that ends at or after start: the only ones that can meet it. */
	for (i = 0; i < n && r[i].end < start; i++)
		;
	if (i < n && start >= r[i].start && end <= r[i].end)
		return 1;
	/* Touching is fine (end == start of the next); sharing a byte is not. */
	if (i < n && start < r[i].end && end > r[i].start)
		return -1;
	if (i + 1 < n && end > r[i + 1].start)
		return -1;
	/* Now r[i] (if any) either touches start or lies after end. */
	if (i < n && r[i].end == start) {
		r[i].end = end;
		if (i + 1 < n && r[i + 1].start == end) {
			r[i].end = r[i + 1].end;
			memmove(&r[i + 1], &r[i + 2], (n - i - 2) * sizeof(r[0]));
			fq->nranges--;
		}
		return 0;
	}
	if (i < n && r[i].start == end) {
		r[i].start = start;
		return 0;
	}
	if (n == FRAG_RANGES)
		return -2;
	memmove(&r[i + 1], &r[i], (n - i) * sizeof(r[0]));
	r[i].start = start;
	r[i].end = end;
	fq->nranges++;
	return 0;
}

void ip4_frag_input(struct stack *st, const uint8_t *h, size_t hlen, const struct pkt *payload,
		    const struct ip4_info *ii, unsigned flags)
{
	uint16_t frag = get_be16(h + 6), id = get_be16(h + 4);
	uint32_t off = (uint32_t)(frag & IP4_OFFMASK) * 8, len = (uint32_t)payload->len;
	uint32_t end = off + len;
	int more = !!(frag & IP4_MF), rc;
	const uint8_t *data = pkt_get(payload, 0, len);
	struct ip4_frag *fq;

	STAT_INC(st, ip_frag_rx);
	/* RFC 791 3.2: offsets count 8-byte units, so only the last piece may be ragged. */
	if (!data || len == 0 || (more && (len & 7))) {
		STAT_INC(st, ip_frag_bad);
		return;
	}
	fq = frag_find(st->frag, ii, id);
	/* RFC 791: the total length is 16 bits; nothing may be reassembled past it. */
	if (hlen + end > IP4_MAXLEN) {
		STAT_INC(st, ip_reasm_toobig);
		goto drop_queue;
	}
	if (!fq) {
		fq = frag_new(st, ii, id);
		if (!fq) {
			STAT_INC(st, ip_reasm_nomem);
			return;
		}
	}
	/* The last fragment fixes the length; no fragment may reach past it. */
	if (!more) {
		if ((fq->has_last && end != fq->total) ||
		    (fq->nranges && fq->r[fq->nranges - 1].end > end)) {
			STAT_INC(st, ip_reasm_inconsistent);
			goto drop_queue;
		}
	} else if (fq->has_last && end > fq->total) {
		STAT_INC(st, ip_reasm_inconsistent);
		goto drop_queue;
	}
	rc = frag_add_range(fq, off, end);
	if (rc == 1) {
		STAT_INC(st, ip_frag_dup);
		return;
	}
	if (rc == -1) {
		STAT_INC(st, ip_reasm_overlap); /* RFC 5722 4 */
		goto drop_queue;
	}
	if (rc == -2) {
		STAT_INC(st, ip_reasm_holes);
		goto drop_queue;
	}
	if (!more) {
		fq->has_last = 1;
		fq->total = end;
	}
	if (off == 0) {
		fq->has_first = 1;
		fq->hlen0 = (uint8_t)hlen;
		memcpy(fq->hdr, h, hlen);
		fq->ttl = h[8];
	}
	memcpy(fq->buf + off, data, len);

	if (fq->has_last && fq->nranges == 1 && fq->r[0].start == 0 && fq->r[0].end == fq->total) {
		struct ip4_info whole = { .src = fq->src, .dst = fq->dst, .proto = fq->proto,
					  .ttl = fq->ttl, .hdr = fq->hdr, .hlen = fq->hlen0 };
		struct pkt dg = { fq->buf, fq->total };

		/* Fragment zero may have had a longer header than the one that set the end. */
		if (fq->hlen0 + fq->total > IP4_MAXLEN) {
			STAT_INC(st, ip_reasm_toobig);
			goto drop_queue;
		}
		STAT_INC(st, ip_reasm_ok);
		ip4_deliver(st, &dg, &whole, flags & ~(unsigned)STACK_IN_CSUM_OK);
		frag_release(st, fq);
	}
	return;

drop_queue:
	if (fq)
		frag_release(st, fq);
}

/* The reassembly of fq ran out of time. */
static void frag_expire(struct stack *st, struct ip4_frag *fq)
{
	uint8_t quote[IP4_MAXHLEN + 8];

	STAT_INC(st, ip_reasm_timeout);
	/*
	 * RFC 1122 3.3.2: time exceeded only if fragment zero came, quoting
	 * its header and first 8 bytes (it carries at least 8: it has MF).
	 * RFC 1122 3.2.2: no error about a datagram sent to a broadcast
	 * address, nor about an ICMP error.
	 */
	if (!fq->has_first || fq->dst != st->cfg.addr ||
	    (fq->proto == IPPROTO_ICMP_ && icmp_is_error(fq->buf[0])))
		return;
	memcpy(quote, fq->hdr, fq->hlen0);
	memcpy(quote + fq->hlen0, fq->buf, 8);
	icmp_send_error(st, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, fq->src, quote,
			(size_t)fq->hlen0 + 8);
}

void ip4_frag_timer(struct stack *st)
{
	struct ip4_frag_pool *pool = st->frag;

	for (unsigned i = 0; i < pool->n && pool->used; i++) {
		struct ip4_frag *fq = &pool->q[i];

		if (fq->expires && fq->expires <= st->now) {
			frag_expire(st, fq);
			frag_release(st, fq);
		}
	}
}

uint64_t ip4_frag_deadline(const struct stack *st)
{
	const struct ip4_frag_pool *pool = st->frag;
	uint64_t d = UINT64_MAX;

	for (unsigned i = 0; i < pool->n && pool->used; i++)
		if (pool->q[i].expires && pool->q[i].expires < d)
			d = pool->q[i].expires;
	return d;
}

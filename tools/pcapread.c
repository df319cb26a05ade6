/* SPDX-License-Identifier: MIT */
/*
 * pcapread.c - classic pcap files (see pcapread.h).
 *
 * Theory of operation: the whole file is in memory; r->off only moves
 * forward, and every read is preceded by a check that the bytes are there
 * (need()), so no input can make us read outside [data, data + len).  A
 * record whose captured length is larger than the file's rest, or than any
 * real capture could be (PCAPR_MAX_CAPLEN, as libpcap refuses too), ends
 * the reading with a reason; everything before it is kept.
 */
#include <stdio.h>
#include <string.h>

#include "pcapread.h"

#define MAGIC_US	 0xa1b2c3d4u
#define MAGIC_NS	 0xa1b23c4du
#define MAGIC_PCAPNG	 0x0a0d0d0au
#define FILE_HDR_LEN	 24
#define REC_HDR_LEN	 16
#define PCAPR_MAX_CAPLEN (256u << 10) /* libpcap's MAXIMUM_SNAPLEN */

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static int need(const struct pcapr *r, size_t n)
{
	return r->off <= r->len && r->len - r->off >= n;
}

/* A 16-bit field of the file at off (checked by the caller), in our byte order. */
static unsigned get16(const struct pcapr *r, size_t off)
{
	uint16_t v;

	memcpy(&v, r->data + off, sizeof(v));
	return r->swapped ? (unsigned)((v >> 8) | ((v & 0xffu) << 8)) : v;
}

/* A 32-bit field of the file at off (checked by the caller), in our byte order. */
static uint32_t get32(const struct pcapr *r, size_t off)
{
	uint32_t v;

	memcpy(&v, r->data + off, sizeof(v));
	return r->swapped ? bswap32(v) : v;
}

int pcapr_open(struct pcapr *r, const void *data, size_t len, char *err, size_t errlen)
{
	uint32_t magic;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	if (len < 4) {
		snprintf(err, errlen, "not a pcap file: %zu bytes, shorter than a pcap header",
			 len);
		return -1;
	}
	memcpy(&magic, data, 4);
	if (magic == MAGIC_US || magic == MAGIC_NS) {
		r->nsec = magic == MAGIC_NS;
	} else if (bswap32(magic) == MAGIC_US || bswap32(magic) == MAGIC_NS) {
		r->swapped = 1;
		r->nsec = bswap32(magic) == MAGIC_NS;
	} else if (magic == MAGIC_PCAPNG || bswap32(magic) == MAGIC_PCAPNG) {
		snprintf(err, errlen,
			 "this is a pcapng file; convert it to pcap first "
			 "(tcpdump -r IN -w OUT.pcap)");
		return -1;
	} else {
		snprintf(err, errlen, "not a pcap file (magic number 0x%08x)", magic);
		return -1;
	}
	if (!need(r, FILE_HDR_LEN)) {
		snprintf(err, errlen, "truncated pcap file header (%zu of %d bytes)", len,
			 FILE_HDR_LEN);
		return -1;
	}
	if (get16(r, 4) != 2) {
		snprintf(err, errlen, "unsupported pcap version %u.%u (2.4 expected)", get16(r, 4),
			 get16(r, 6));
		return -1;
	}
	r->snaplen = get32(r, 16);
	r->linktype = get32(r, 20) & 0x0fffffffu; /* the high bits carry FCS flags */
	if (r->linktype != PCAPR_LINK_ETHERNET && r->linktype != PCAPR_LINK_RAW &&
	    r->linktype != PCAPR_LINK_SLL && r->linktype != PCAPR_LINK_IPV4) {
		snprintf(err, errlen,
			 "unsupported link type %u (Ethernet, Linux cooked or raw IP only)",
			 r->linktype);
		return -1;
	}
	r->off = FILE_HDR_LEN;
	return 0;
}

int pcapr_next(struct pcapr *r, struct pcapr_pkt *p, char *err, size_t errlen)
{
	uint32_t sec, frac, caplen, origlen;

	if (r->off == r->len)
		return 0;
	if (!need(r, REC_HDR_LEN)) {
		snprintf(err, errlen, "truncated pcap file: record %llu has a partial header",
			 (unsigned long long)r->index + 1);
		return -1;
	}
	sec = get32(r, r->off);
	frac = get32(r, r->off + 4);
	caplen = get32(r, r->off + 8);
	origlen = get32(r, r->off + 12);
	if (caplen > PCAPR_MAX_CAPLEN) {
		snprintf(err, errlen, "bad pcap file: record %llu claims %u captured bytes",
			 (unsigned long long)r->index + 1, caplen);
		return -1;
	}
	r->off += REC_HDR_LEN;
	if (!need(r, caplen)) {
		snprintf(err, errlen, "truncated pcap file: record %llu has %zu of its %u bytes",
			 (unsigned long long)r->index + 1, r->len - r->off, caplen);
		r->off = r->len;
		return -1;
	}
	p->data = r->data + r->off;
	p->caplen = caplen;
	p->origlen = origlen < caplen ? caplen : origlen;
	p->ts_us = (uint64_t)sec * 1000000u + (r->nsec ? frac / 1000u : frac);
	r->off += caplen;
	r->index++;
	return 1;
}

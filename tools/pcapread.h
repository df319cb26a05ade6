/* SPDX-License-Identifier: MIT */
/*
 * pcapread.h - a reader for classic pcap files held in memory.
 *
 * Both byte orders and both time resolutions (microseconds, magic
 * 0xa1b2c3d4; nanoseconds, 0xa1b23c4d) are read.  Link types: Ethernet
 * (what ustackd writes), Linux cooked capture (tcpdump -i any) and raw IP.
 * pcapng is recognised and refused with a hint.  No I/O, no allocation.
 */
#ifndef USTACK_PCAPREAD_H
#define USTACK_PCAPREAD_H

#include <stddef.h>
#include <stdint.h>

#define PCAPR_LINK_ETHERNET 1
#define PCAPR_LINK_RAW	    101 /* raw IPv4/IPv6, no link header */
#define PCAPR_LINK_SLL	    113 /* Linux cooked capture v1 */
#define PCAPR_LINK_IPV4	    228

struct pcapr {
	const uint8_t *data;
	size_t len, off;
	int swapped;	   /* the file's byte order is not ours */
	int nsec;	   /* timestamps in nanoseconds */
	uint32_t linktype; /* one of PCAPR_LINK_* */
	uint32_t snaplen;
	uint64_t index; /* records read so far */
};

struct pcapr_pkt {
	uint64_t ts_us; /* capture time, microseconds since the epoch */
	const uint8_t *data;
	uint32_t caplen;  /* bytes at data */
	uint32_t origlen; /* bytes on the wire */
};

/*
 * Check the file header; 0, or -1 with a one-sentence reason in err
 * (not a pcap file, pcapng, an unsupported link type, truncated).
 */
int pcapr_open(struct pcapr *r, const void *data, size_t len, char *err, size_t errlen);
/*
 * The next record: 1 and *p filled; 0 at a clean end of file; -1 with the
 * reason in err when the rest of the file is unusable (a truncated record,
 * an impossible length).  Records before that one were all valid.
 */
int pcapr_next(struct pcapr *r, struct pcapr_pkt *p, char *err, size_t errlen);

#endif /* USTACK_PCAPREAD_H */

/* SPDX-License-Identifier: MIT */
/*
 * pcap.c - classic libpcap capture files (--pcap FILE).
 *
 * Theory of operation: the file is the original pcap format (magic
 * 0xa1b2c3d4 in host byte order, version 2.4, LINKTYPE_ETHERNET), which
 * every reader understands, with microsecond CLOCK_REALTIME stamps.  Records
 * go through a large stdio buffer and are pushed to the kernel once per loop
 * iteration by pcap_flush(), so a capture costs two memcpy()s per frame and
 * no system call on the hot path.  A write error (disk full) stops the
 * capture with one message instead of failing on every frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pcap.h"

#define PCAP_MAGIC	  0xa1b2c3d4u
#define PCAP_SNAPLEN	  262144u
#define LINKTYPE_ETHERNET 1u
#define PCAP_BUFSIZE	  (1u << 20)

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, network;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

/* Stop capturing after an I/O error; errno describes it. */
static void pcap_fail(struct pcap *pc)
{
	info("writing pcap file %s failed (%s); capture stopped", pc->path, strerror(errno));
	fclose(pc->f);
	pc->f = NULL;
	free(pc->buf);
	pc->buf = NULL;
}

int pcap_open(struct pcap *pc, const char *path)
{
	struct pcap_file_hdr h = {
	    .magic = PCAP_MAGIC,
	    .version_major = 2,
	    .version_minor = 4,
	    .snaplen = PCAP_SNAPLEN,
	    .network = LINKTYPE_ETHERNET,
	};
	int err;

	pc->path = path;
	pc->f = fopen(path, "we");
	if (!pc->f)
		return -errno;
	/* glibc ignores the size when it allocates the buffer itself: give it one. */
	pc->buf = malloc(PCAP_BUFSIZE);
	if (pc->buf)
		setvbuf(pc->f, pc->buf, _IOFBF, PCAP_BUFSIZE);
	errno = 0;
	/* Header on disk at once: `tcpdump -r` works even on an empty capture. */
	if (fwrite(&h, sizeof(h), 1, pc->f) != 1 || fflush(pc->f) != 0) {
		err = errno ? -errno : -EIO;
		pcap_close(pc);
		return err;
	}
	return 0;
}

void pcap_write(struct pcap *pc, const uint8_t *frame, size_t len)
{
	struct pcap_rec_hdr r;
	struct timespec ts;

	if (!pc->f)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_sec = (uint32_t)ts.tv_sec;
	r.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	r.orig_len = (uint32_t)len;
	r.incl_len = len < PCAP_SNAPLEN ? (uint32_t)len : PCAP_SNAPLEN;
	if (fwrite_unlocked(&r, sizeof(r), 1, pc->f) != 1 ||
	    fwrite_unlocked(frame, r.incl_len, 1, pc->f) != 1)
		pcap_fail(pc);
}

void pcap_flush(struct pcap *pc)
{
	if (pc->f && fflush(pc->f) != 0)
		pcap_fail(pc);
}

void pcap_close(struct pcap *pc)
{
	if (pc->f && fclose(pc->f) != 0)
		info("closing pcap file %s failed: %s", pc->path, strerror(errno));
	pc->f = NULL;
	free(pc->buf);
	pc->buf = NULL;
}

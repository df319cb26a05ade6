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
 *
 * Live captures ("taps", IPC_CAPTURE from `ustack capture`) see the same
 * frames at the same two points, through pcap_write() and pcap_flush(), so
 * the loop needs no other hook.  A tap writes into a file descriptor the
 * client passed: a regular file (or memfd), written like the --pcap file,
 * or a pipe, which is made non-blocking so that a slow reader can never
 * stall the daemon: what does not fit is dropped and counted.  Each tap
 * has one buffer allocated when it starts; records are appended whole or
 * not at all, and a partial write keeps the rest for the next flush, so
 * the reader always sees whole records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capfilter.h"
#include "isolate.h"
#include "log.h"
#include "pcap.h"

#define PCAP_MAGIC	  0xa1b2c3d4u
#define PCAP_SNAPLEN	  262144u
#define LINKTYPE_ETHERNET 1u
#define PCAP_BUFSIZE	  (1u << 20)
#define TAP_BUFSIZE	  (256u << 10) /* per live capture: a few 64 KiB frames */
#define TAP_MAX		  4	       /* live captures at once */
#define TAP_MIN_SNAPLEN	  64

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, network;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

struct pcap_tap {
	int fd;
	int is_file; /* regular file: writes block like --pcap's; else a non-blocking pipe */
	int err;     /* errno of a failed write: the tap writes nothing more */
	uint32_t snaplen;
	uint8_t *buf;	  /* TAP_BUFSIZE */
	size_t len;	  /* bytes waiting in buf */
	size_t skip;	  /* bytes at buf's start that end a partly written item */
	int skip_rec;	  /* that item is a record (else the file header) */
	uint64_t frames;  /* records completely written to fd */
	uint64_t pending; /* whole records in buf */
	uint64_t dropped;
	uint64_t bytes;	  /* written to fd */
	struct ipc_capture filter;
	LIST_ENTRY(pcap_tap) link;
};

static LIST_HEAD(, pcap_tap) taps = LIST_HEAD_INITIALIZER(taps);
static unsigned ntaps;

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

static void tap_write(struct pcap_tap *t, const uint8_t *frame, size_t len,
		      const struct timespec *ts);
static void tap_flush(struct pcap_tap *t);

void pcap_write(struct pcap *pc, const uint8_t *frame, size_t len)
{
	struct pcap_rec_hdr r;
	struct timespec ts;
	struct pcap_tap *t;

	if (!pc->f && LIST_EMPTY(&taps))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	LIST_FOREACH(t, &taps, link)
		tap_write(t, frame, len, &ts);
	if (!pc->f)
		return;
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
	struct pcap_tap *t;

	LIST_FOREACH(t, &taps, link)
		tap_flush(t);
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

/* ---- live captures ---- */

/* Append bytes that are known to fit. */
static void tap_put(struct pcap_tap *t, const void *p, size_t n)
{
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/*
 * Write what the buffer holds; a pipe may take only part of it.  Then count
 * the records that are now completely out.  The buffer holds whole records
 * one after the other, except at its start: `skip` bytes that finish what
 * an earlier partial write began (the file header, or a record, skip_rec).
 */
static void tap_flush(struct pcap_tap *t)
{
	size_t done = 0, off = 0;

	while (done < t->len && !t->err) {
		ssize_t w = write(t->fd, t->buf + done, t->len - done);

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && !t->is_file)
			break; /* the reader is behind: keep the rest for the next flush */
		t->err = w < 0 ? errno : EIO;
		info("live capture to fd %d stopped: %s", t->fd, strerror(t->err));
	}
	if (done == 0)
		goto out;
	t->bytes += done;
	if (t->skip > done) {
		t->skip -= done;
	} else {
		off = t->skip;
		if (t->skip && t->skip_rec) {
			t->pending--;
			t->frames++;
		}
		t->skip = 0;
		while (off < done && t->pending > 0) {
			struct pcap_rec_hdr r;
			size_t end;

			memcpy(&r, t->buf + off, sizeof(r)); /* whole in buf: records are */
			end = off + sizeof(r) + r.incl_len;
			if (end > done) {
				t->skip = end - done;
				t->skip_rec = 1;
				break;
			}
			off = end;
			t->pending--;
			t->frames++;
		}
	}
	memmove(t->buf, t->buf + done, t->len - done);
	t->len -= done;
out:
	if (t->err) {
		/* Nothing more will be written: what is still here is lost. */
		t->dropped += t->pending;
		t->pending = 0;
		t->len = t->skip = 0;
	}
}

static void tap_write(struct pcap_tap *t, const uint8_t *frame, size_t len,
		      const struct timespec *ts)
{
	struct pcap_rec_hdr r;

	if (!capfilter_match(&t->filter, frame, len))
		return;
	r.ts_sec = (uint32_t)ts->tv_sec;
	r.ts_usec = (uint32_t)(ts->tv_nsec / 1000);
	r.orig_len = (uint32_t)len;
	r.incl_len = len < t->snaplen ? (uint32_t)len : t->snaplen;
	if (!t->err && t->len + sizeof(r) + r.incl_len > TAP_BUFSIZE && t->is_file)
		tap_flush(t); /* a file takes everything: make room now, as stdio would */
	if (t->err || t->len + sizeof(r) + r.incl_len > TAP_BUFSIZE) {
		t->dropped++;
		return;
	}
	tap_put(t, &r, sizeof(r));
	tap_put(t, frame, r.incl_len);
	t->pending++;
}

int pcap_tap_start(struct pcap_tap **out, int fd, const struct ipc_capture *filter)
{
	struct pcap_file_hdr h = {
	    .magic = PCAP_MAGIC,
	    .version_major = 2,
	    .version_minor = 4,
	    .network = LINKTYPE_ETHERNET,
	};
	struct pcap_tap *t;
	struct stat st;
	int fl;

	if (ntaps >= TAP_MAX)
		return -EBUSY;
	if (capfilter_validate(filter) < 0 ||
	    (filter->snaplen != 0 &&
	     (filter->snaplen < TAP_MIN_SNAPLEN || filter->snaplen > PCAP_SNAPLEN)))
		return -EINVAL;
	if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0)
		return -errno;
	/* Anything else (a tty, a socket) could block us or is not a file to fill. */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		return -EINVAL;
	if ((fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	/* A pipe's write end is the client's own; a reader that stops must not stop us. */
	if (S_ISFIFO(st.st_mode) && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->buf = malloc(TAP_BUFSIZE);
	if (!t->buf) {
		free(t);
		return -ENOMEM;
	}
	t->fd = fd;
	t->is_file = S_ISREG(st.st_mode);
	t->filter = *filter;
	t->snaplen = filter->snaplen ? filter->snaplen : PCAP_SNAPLEN;
	h.snaplen = t->snaplen;
	tap_put(t, &h, sizeof(h));
	t->skip = sizeof(h); /* the header is no record: tap_flush() must not count it */
	t->skip_rec = 0;
	LIST_INSERT_HEAD(&taps, t, link);
	ntaps++;
	*out = t;
	return 0;
}

void pcap_tap_stop(struct pcap_tap *t, struct ipc_capture_rep *rep)
{
	/* Once more for the last frames; a pipe that still cannot take them loses them. */
	tap_flush(t);
	if (t->pending > 0) {
		t->dropped += t->pending;
		if (!t->err)
			t->err = EAGAIN;
	}
	if (rep) {
		rep->frames = t->frames;
		rep->dropped = t->dropped;
		rep->bytes = t->bytes;
		rep->write_error = t->err;
	}
	LIST_REMOVE(t, link);
	ntaps--;
	close(t->fd);
	free(t->buf);
	free(t);
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use pcap_syscalls[] = {
    SYSCALL("write", "pcap_flush(), tap_flush(): records to the file or a capture's fd"),
    SYSCALL("close", "pcap_close() at exit, a live capture's fd when it stops"),
    SYSCALL("fstat", "pcap_tap_start(): is the capture fd a file or a pipe?"),
    SYSCALL("newfstatat", "pcap_tap_start(): fstat() as glibc makes it"),
    SYSCALL("fcntl", "pcap_tap_start(): a capture pipe becomes non-blocking"),
    SYSCALLS_END,
};

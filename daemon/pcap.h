/* SPDX-License-Identifier: MIT */
/*
 * pcap.h - optional capture of every frame the stack receives and sends:
 * the --pcap file, and live captures started by `ustack capture`.
 */
#ifndef USTACKD_PCAP_H
#define USTACKD_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcap {
	FILE *f;   /* NULL: no capture (not asked for, or stopped after an error) */
	char *buf; /* stdio buffer, PCAP_BUFSIZE */
	const char *path;
};

/* Create path and write the file header; 0 or -errno. */
int pcap_open(struct pcap *pc, const char *path);
/* Append one frame (buffered); a no-op without a capture. */
void pcap_write(struct pcap *pc, const uint8_t *frame, size_t len);
/* Push buffered records to the file (once per loop iteration). */
void pcap_flush(struct pcap *pc);
void pcap_close(struct pcap *pc);

struct ipc_capture;
struct ipc_capture_rep;
struct pcap_tap;

/*
 * Start a live capture into fd (a regular file or a pipe open for writing)
 * with filter's validated terms and snaplen.  0 with *out set, or -errno:
 * EBUSY (too many captures), EINVAL (bad terms, snaplen or kind of fd),
 * EBADF (not writable), ENOMEM.  On success the tap owns fd.
 */
int pcap_tap_start(struct pcap_tap **out, int fd, const struct ipc_capture *filter);
/* Write what is buffered, report the counts (rep may be NULL), close the fd, free. */
void pcap_tap_stop(struct pcap_tap *t, struct ipc_capture_rep *rep);

#endif /* USTACKD_PCAP_H */

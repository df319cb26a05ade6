/* SPDX-License-Identifier: MIT */
/*
 * pcap.h - optional capture of every frame the stack receives and sends.
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

#endif /* USTACKD_PCAP_H */

/* SPDX-License-Identifier: MIT */
/*
 * trace.h - one TCP connection from a pcap file, drawn as a Mermaid
 * sequenceDiagram (`ustack trace`).
 *
 * Pure code: the pcap is a buffer, the diagram goes to a FILE, nothing else
 * is touched, and the output depends on the input and options alone.
 */
#ifndef USTACK_TRACE_H
#define USTACK_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAX_ROUNDS_DEFAULT 3

struct trace_opts {
	int conn;		 /* --conn given: exactly a_addr:a_port <-> b_addr:b_port */
	uint32_t a_addr, b_addr; /* host byte order */
	uint16_t a_port, b_port;
	int port;	      /* --port P, or -1 */
	int ustack;	      /* --ustack ADDR given: that side is ustack */
	uint32_t ustack_addr; /* host byte order */
	int absolute;	      /* raw sequence numbers instead of relative to the ISN */
	unsigned max_rounds;  /* rounds of a run drawn in full; 0: draw every segment */
};

void trace_opts_init(struct trace_opts *o);

/*
 * Parse "A.B.C.D:P-A.B.C.D:P" into o (conn = 1); 0, or -1 if malformed.
 */
int trace_parse_conn(struct trace_opts *o, const char *s);

/*
 * Draw the selected connection of the pcap in data[0..len) on out.
 * Notes for the user (which connection was chosen among several, a
 * truncated file) go to diag if it is not NULL.  Returns 0 when a diagram
 * was written; -1 with a one-sentence reason in err when none could be
 * (not a pcap file, no TCP connection matching the options); nothing is
 * written to out then.
 */
int trace_render(const uint8_t *data, size_t len, const struct trace_opts *o, FILE *out, FILE *diag,
		 char *err, size_t errlen);

/*
 * For `ustack trace --live`: 1 if the connection the options select has
 * finished in this (possibly still growing) capture: both FINs sent and the
 * last one acknowledged, or a RST.  0 otherwise, and for a capture that is
 * not readable (yet).
 */
int trace_conn_finished(const uint8_t *data, size_t len, const struct trace_opts *o);

#endif /* USTACK_TRACE_H */

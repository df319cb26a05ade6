/* SPDX-License-Identifier: MIT */
/*
 * capfilter.h - the capture filter language of `ustack capture` and
 * `ustack trace --live`: compiled by the client, checked and run by ustackd.
 *
 *   FILTER := GROUP { "or" GROUP }
 *   GROUP  := TERM { ["and"] TERM }
 *   TERM   := ["not"] ( "ip" | "arp" | "tcp" | "icmp"
 *                     | ["src" | "dst"] "host" A.B.C.D
 *                     | ["src" | "dst"] "port" N )
 *
 * As in tcpdump, "and" binds tighter than "or"; there are no parentheses.
 * "host" also matches the sender and target addresses of ARP packets;
 * "port" matches TCP only (there is no UDP in ustack yet).  The compiled
 * form is struct ipc_capture's terms (daemon/ipc.h), so the daemon never
 * parses text from a client.  This file does no I/O.
 */
#ifndef USTACK_CAPFILTER_H
#define USTACK_CAPFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/*
 * Compile the words argv[0..argc-1] into cap->term/nterms/text.  Returns 0,
 * or -1 with a one-sentence reason in err.
 */
int capfilter_compile(struct ipc_capture *cap, int argc, char *const *argv, char *err,
		      size_t errlen);
/* Check compiled terms from a client: 0, or -EINVAL. */
int capfilter_validate(const struct ipc_capture *cap);
/* True if the Ethernet frame (any length, untrusted) matches the validated terms. */
int capfilter_match(const struct ipc_capture *cap, const uint8_t *frame, size_t len);

#endif /* USTACK_CAPFILTER_H */

/* SPDX-License-Identifier: MIT */
/* csum.h - the Internet checksum (RFC 1071), in partial sums that can be combined. */
#ifndef USTACK_CSUM_H
#define USTACK_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add the 16-bit big-endian words of buf to sum (odd length padded with 0). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Fold a partial sum and complement it: the value that goes on the wire. */
uint16_t csum_fold(uint32_t sum);
/* Partial sum of the IPv4 pseudo-header (RFC 9293 3.1) for TCP/UDP. */
uint32_t csum_pseudo4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len);

#endif /* USTACK_CSUM_H */

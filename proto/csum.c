/* SPDX-License-Identifier: MIT */
/*
 * csum.c - the Internet checksum.
 *
 * Sums are kept unfolded in 32 bits so that the pseudo-header, the header
 * and the payload can be summed separately; a 32-bit accumulator cannot
 * overflow for anything up to 64 KiB, which bounds every IPv4 packet.
 * Checking a received packet: fold(sum over everything incl. the checksum
 * field) == 0.
 */
#include "csum.h"

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len)
{
	uint64_t acc = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff);

	acc += proto;
	acc += len;
	return (uint32_t)acc;
}

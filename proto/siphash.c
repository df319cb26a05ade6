/* SPDX-License-Identifier: MIT */
/*
 * siphash.c - SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), written from the paper's description.  Used for
 * RFC 6528 initial sequence numbers: the stack's secret key makes them
 * unpredictable to an off-path attacker.
 */
#include "siphash.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND                                                                                \
	do {                                                                                    \
		v0 += v1;                                                                       \
		v1 = rotl(v1, 13);                                                              \
		v1 ^= v0;                                                                       \
		v0 = rotl(v0, 32);                                                              \
		v2 += v3;                                                                       \
		v3 = rotl(v3, 16);                                                              \
		v3 ^= v2;                                                                       \
		v0 += v3;                                                                       \
		v3 = rotl(v3, 21);                                                              \
		v3 ^= v0;                                                                       \
		v2 += v1;                                                                       \
		v1 = rotl(v1, 17);                                                              \
		v1 ^= v2;                                                                       \
		v2 = rotl(v2, 32);                                                              \
	} while (0)

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = load64_le(key), k1 = load64_le(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load64_le(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

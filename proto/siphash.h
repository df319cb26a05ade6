/* SPDX-License-Identifier: MIT */
/* siphash.h - SipHash-2-4, a keyed hash for values an attacker must not predict. */
#ifndef USTACK_SIPHASH_H
#define USTACK_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);

#endif /* USTACK_SIPHASH_H */

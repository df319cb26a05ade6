/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - bounds-checked access to bytes that came from the wire.
 *
 * Every read of a received frame goes through pkt_get(), which returns NULL
 * instead of a pointer past the end; callers check for NULL and drop with a
 * counter.  Multi-byte fields are read with get_be16()/get_be32(), which work
 * at any alignment, so no header struct is ever overlaid on a frame.
 */
#ifndef USTACK_PKT_H
#define USTACK_PKT_H

#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* A read-only view of received bytes. */
struct pkt {
	const uint8_t *data;
	size_t len;
};

/* Pointer to len bytes at off, or NULL if they are not all inside p. */
static inline const uint8_t *pkt_get(const struct pkt *p, size_t off, size_t len)
{
	if (off > p->len || len > p->len - off)
		return NULL;
	return p->data + off;
}

/* The bytes of p from off to its end (empty if off is past the end). */
static inline struct pkt pkt_sub(const struct pkt *p, size_t off, size_t len)
{
	struct pkt s = { p->data, 0 };

	if (off <= p->len) {
		s.data = p->data + off;
		s.len = MIN(len, p->len - off);
	}
	return s;
}

static inline uint16_t get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif /* USTACK_PKT_H */

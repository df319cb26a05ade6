/* SPDX-License-Identifier: MIT */
/*
 * test_udp.c - UDP (RFC 768, RFC 1122 4.1) and its socket API: ports,
 * the header and checksum we send, fragmentation of big datagrams, the
 * receive queue (boundaries, peek, truncation, zero-length datagrams, the
 * SO_RCVBUF limit), connected sockets, ICMP port unreachable both ways,
 * the ICMP error rate limit, deferred events and freeing.
 *
 * The harness records TCP events only; uh_new() points io.udp_event at a
 * recorder here (tests may look inside struct stack, see harness.h).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "stack_var.h"
#include "udp.h"

#define UDP_PROTO 17
#define DNS_PORT 53

/* ---- the event recorder ---- */

struct uev {
	struct udp_pcb *pcb;
	void *user;
	unsigned events;
};

static struct uev uevs[256];
static size_t nuev;
static void (*on_uev)(struct udp_pcb *pcb, unsigned events);

static void rec_udp_event(void *ctx, struct udp_pcb *pcb, void *user, unsigned events)
{
	ck_assert_msg(events != 0, "udp_event with no events");
	ck_assert_uint_lt(nuev, sizeof(uevs) / sizeof(uevs[0]));
	uevs[nuev++] = (struct uev){ pcb, user, events };
	if (on_uev)
		on_uev(pcb, events);
}

/* OR of the events reported for pcb, and how many calls. */
static unsigned uev_of(const struct udp_pcb *pcb, unsigned *calls)
{
	unsigned ev = 0, n = 0;

	for (size_t i = 0; i < nuev; i++)
		if (uevs[i].pcb == pcb) {
			ev |= uevs[i].events;
			n++;
		}
	if (calls)
		*calls = n;
	return ev;
}

/* A test stack that reports UDP events here and knows the peer's MAC. */
static struct harness *uh_new(const struct stack_cfg *cfg)
{
	struct harness *h = h_new(cfg);

	h->st->io.udp_event = rec_udp_event;
	nuev = 0;
	on_uev = NULL;
	h_learn(h, H_PEER_IP, h_peer_mac);
	return h;
}

static struct udp_pcb *open_bound(struct harness *h, uint16_t port)
{
	int err = 0;
	struct udp_pcb *pcb = udp_open(h->st, h, &err);

	ck_assert_msg(pcb != NULL, "udp_open: %d", err);
	ck_assert_int_eq(udp_bind(pcb, 0, port), 0);
	return pcb;
}

/* ---- frames ---- */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)rd16(b) << 16 | rd16(b + 2);
}

static uint32_t pseudo(uint32_t src, uint32_t dst, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + UDP_PROTO +
	       (uint32_t)len;
}

/* Ethernet (from the peer's MAC) + IPv4 + UDP with a correct checksum. */
static size_t build_udp(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			const uint8_t *data, size_t len)
{
	uint8_t *u = f + 34;
	uint16_t c;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0);
	if (len)
		memmove(u + 8, data, len);
	c = h_csum(u, 8 + len, pseudo(src, dst, 8 + len));
	put16(u + 6, c ? c : 0xffff);
	return h_build_ip4(f, h_peer_mac, src, dst, UDP_PROTO, u, 8 + len);
}

/* The peer (10.0.0.2:sport) sends len bytes of pattern off to our port. */
static void peer_send(struct harness *h, uint16_t sport, uint16_t dport, size_t len, uint32_t off)
{
	static uint8_t f[H_FRAME_MAX], d[65536];

	h_pattern(d, len, off);
	h_input(h, f, build_udp(f, H_PEER_IP, sport, H_OUR_IP, dport, d, len));
}

static size_t n_udp(const struct harness *h)
{
	size_t n = 0;

	for (size_t k = 0; k < h->nsent; k++)
		n += (size_t)h_frame_is(&h->sent[k], 0x0800, UDP_PROTO);
	return n;
}

static const struct h_frame *udp_frame(const struct harness *h, size_t i)
{
	for (size_t k = 0; k < h->nsent; k++)
		if (h_frame_is(&h->sent[k], 0x0800, UDP_PROTO) && i-- == 0)
			return &h->sent[k];
	ck_abort_msg("no UDP frame #%zu", i);
	return NULL;
}

struct udp_seg {
	uint8_t eth_dst[6];
	uint32_t src, dst;
	uint16_t ip_id, ip_frag;
	uint8_t ttl;
	uint16_t sport, dport, ulen, csum;
	const uint8_t *data;
	size_t len;
};

/* Check the IPv4 header of a frame we sent (20 bytes, checksum, source, lengths). */
static const uint8_t *check_ip(const struct harness *h, const struct h_frame *f)
{
	const uint8_t *ip = f->data + 14;

	ck_assert_uint_ge(f->len, 34);
	ck_assert_uint_le(f->len, 14 + (size_t)h->cfg.mtu);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(rd16(ip + 2), f->len - 14);
	ck_assert_uint_eq(h_csum(ip, 20, 0), 0);
	ck_assert_uint_eq(rd32(ip + 12), H_OUR_IP);
	ck_assert_uint_eq(ip[9], UDP_PROTO);
	return ip;
}

/* The i-th UDP frame sent, a whole datagram: headers, lengths and checksum checked. */
static void get_udp(const struct harness *h, size_t i, struct udp_seg *s)
{
	const struct h_frame *f = udp_frame(h, i);
	const uint8_t *ip = check_ip(h, f), *u = ip + 20;
	size_t l4 = f->len - 34;

	memset(s, 0, sizeof(*s));
	memcpy(s->eth_dst, f->data, 6);
	s->src = rd32(ip + 12);
	s->dst = rd32(ip + 16);
	s->ip_id = rd16(ip + 4);
	s->ip_frag = rd16(ip + 6);
	s->ttl = ip[8];
	ck_assert_uint_eq(s->ip_frag & 0x3fff, 0); /* not a fragment */
	ck_assert_uint_ge(l4, 8);
	s->sport = rd16(u);
	s->dport = rd16(u + 2);
	s->ulen = rd16(u + 4);
	s->csum = rd16(u + 6);
	ck_assert_uint_eq(s->ulen, l4);
	ck_assert_msg(s->csum != 0, "UDP sent without a checksum");
	ck_assert_msg(h_csum(u, l4, pseudo(s->src, s->dst, l4)) == 0, "bad UDP checksum");
	s->data = u + 8;
	s->len = l4 - 8;
}

/* An ICMP error type/code from the peer quoting the first 28 bytes of IP frame fr. */
static void icmp_err(struct harness *h, const struct h_frame *fr, uint8_t type, uint8_t code)
{
	static uint8_t f[200];
	uint8_t m[8 + 28];

	memset(m, 0, sizeof(m));
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, fr->data + 14, 28);
	put16(m + 2, h_csum(m, sizeof(m), 0));
	h_input(h, f, h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, 1, m, sizeof(m)));
}

static ssize_t sendbuf(struct udp_pcb *pcb, uint32_t raddr, uint16_t rport, const void *buf,
		       size_t len)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };

	return udp_sendto(pcb, raddr, rport, &iov, 1);
}

static ssize_t recvbuf(struct udp_pcb *pcb, void *buf, size_t len, uint32_t *raddr,
		       uint16_t *rport, int flags, size_t *full)
{
	struct iovec iov = { buf, len };

	return udp_recv(pcb, &iov, 1, raddr, rport, flags, full);
}

/* ---- ports ---- */

START_TEST(bind_ports)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *a = open_bound(h, 5353), *b, *c;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	int err = 0;

	udp_endpoints(a, &laddr, &lport, &raddr, &rport);
	ck_assert_uint_eq(lport, 5353);
	ck_assert_uint_eq(laddr, 0);
	ck_assert_uint_eq(raddr, 0);
	ck_assert_int_eq(udp_bind(a, 0, 5354), -EINVAL); /* bound already */

	b = udp_open(h->st, NULL, &err);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(udp_bind(b, 0, 5353), -EADDRINUSE);
	ck_assert_int_eq(udp_bind(b, H_OUR_IP, 5353), -EADDRINUSE);
	ck_assert_int_eq(udp_bind(b, H_PEER_IP, 5355), -EADDRNOTAVAIL);
	ck_assert_int_eq(udp_bind(b, H_OUR_IP, 5355), 0);
	udp_endpoints(b, &laddr, &lport, NULL, NULL);
	ck_assert_uint_eq(laddr, H_OUR_IP);
	ck_assert_uint_eq(lport, 5355);

	/* a port is free again once its pcb is closed */
	udp_close(a);
	c = open_bound(h, 5353);
	ck_assert_uint_eq(stack_udp_count(h->st), 2);
	udp_close(b);
	udp_close(c);
	ck_assert_uint_eq(stack_udp_count(h->st), 0);
}
END_TEST

/* Port 0: ephemeral, from a random start in 32768-60999, skipping ports in use. */
START_TEST(bind_port_zero)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *a, *b, *c;
	uint16_t lport;
	int err = 0;

	h_force_random(h, 1000);
	a = open_bound(h, 0);
	udp_endpoints(a, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 32768 + 1000);
	/* the same start again: the next free one */
	h_force_random(h, 1000);
	b = open_bound(h, 0);
	udp_endpoints(b, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 32768 + 1001);
	/* the range wraps at 60999 */
	h_force_random(h, 60999 - 32768);
	c = open_bound(h, 0);
	udp_endpoints(c, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 60999);
	udp_close(c);
	/* sendto on an unbound pcb binds one too */
	c = udp_open(h->st, NULL, &err);
	ck_assert_ptr_nonnull(c);
	h_force_random(h, 7);
	ck_assert_int_eq(sendbuf(c, H_PEER_IP, DNS_PORT, "x", 1), 1);
	udp_endpoints(c, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 32768 + 7);
}
END_TEST

/* ---- output ---- */

START_TEST(send_header)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static const char msg[] = "hello, world"; /* odd length with the header: padding */
	struct udp_seg s;

	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, msg, 11), 11);
	ck_assert_uint_eq(h->nsent, 1);
	get_udp(h, 0, &s);
	ck_assert_mem_eq(s.eth_dst, h_peer_mac, 6);
	ck_assert_uint_eq(s.dst, H_PEER_IP);
	ck_assert_uint_eq(s.sport, 4000);
	ck_assert_uint_eq(s.dport, DNS_PORT);
	ck_assert_uint_eq(s.ulen, 8 + 11);
	ck_assert_uint_eq(s.len, 11);
	ck_assert_mem_eq(s.data, msg, 11);
	ck_assert_uint_eq(s.ttl, 64);
	ck_assert_uint_eq(s.ip_frag, 0); /* no DF: UDP may be fragmented on the way */
	ck_assert_uint_eq(h_stat(h, STAT_udp_tx), 1);
}
END_TEST

/* Gathered from several iovecs, and a zero-length datagram is one too. */
START_TEST(send_iov_and_empty)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	struct iovec iov[3] = { { (void *)(uintptr_t) "abc", 3 }, { NULL, 0 },
				{ (void *)(uintptr_t) "defg", 4 } };
	struct udp_seg s;

	ck_assert_int_eq(udp_sendto(pcb, H_PEER_IP, DNS_PORT, iov, 3), 7);
	ck_assert_int_eq(udp_sendto(pcb, H_PEER_IP, DNS_PORT, NULL, 0), 0);
	ck_assert_uint_eq(n_udp(h), 2);
	get_udp(h, 0, &s);
	ck_assert_uint_eq(s.len, 7);
	ck_assert_mem_eq(s.data, "abcdefg", 7);
	get_udp(h, 1, &s);
	ck_assert_uint_eq(s.ulen, 8);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

/* RFC 768: a checksum that computes to 0 is sent as all ones (0 means "none"). */
START_TEST(send_checksum_zero_is_ffff)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t u[10] = { 0x0f, 0xa0, 0, DNS_PORT, 0, 10, 0, 0, 0, 0 };
	uint16_t x = h_csum(u, sizeof(u), pseudo(H_OUR_IP, H_PEER_IP, sizeof(u)));
	uint8_t data[2] = { (uint8_t)(x >> 8), (uint8_t)x }; /* makes the sum all ones */
	struct udp_seg s;

	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, data, 2), 2);
	get_udp(h, 0, &s);
	ck_assert_uint_eq(s.csum, 0xffff);
}
END_TEST

START_TEST(send_errors)
{
	struct stack_cfg cfg;
	struct harness *h;
	struct udp_pcb *pcb;
	static uint8_t big[65508];
	struct iovec iov[2] = { { big, 60000 }, { big, 5508 } };

	h_cfg(&cfg);
	cfg.gateway = 0; /* nothing off-link is reachable */
	h = uh_new(&cfg);
	pcb = open_bound(h, 4000);
	/* RFC 1122 4.1.3.5 / Linux: an unconnected socket needs an address */
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "x", 1), -EDESTADDRREQ);
	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, 0, "x", 1), -EINVAL);
	ck_assert_int_eq(sendbuf(pcb, H_FAR_IP, DNS_PORT, "x", 1), -ENETUNREACH);
	ck_assert_int_eq(sendbuf(pcb, 0x7f000001u, DNS_PORT, "x", 1), -ENETUNREACH);
	ck_assert_int_eq(sendbuf(pcb, H_BCAST_IP, DNS_PORT, "x", 1), -EACCES);
	ck_assert_int_eq(sendbuf(pcb, 0xffffffffu, DNS_PORT, "x", 1), -EACCES);
	/* 65507 bytes is the most: 65535 less the IPv4 and UDP headers */
	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, big, sizeof(big)), -EMSGSIZE);
	ck_assert_int_eq(udp_sendto(pcb, H_PEER_IP, DNS_PORT, iov, 2), -EMSGSIZE);
	ck_assert_int_eq(udp_sendto(pcb, H_PEER_IP, DNS_PORT, iov, -1), -EINVAL);
	ck_assert_uint_eq(h->nsent, 0);
	ck_assert_uint_eq(h_stat(h, STAT_udp_tx), 0);
}
END_TEST

/*
 * RFC 791 3.2: a datagram over the MTU leaves in fragments of a multiple of
 * 8 bytes, one identification, MF on all but the last, no DF; put back
 * together they are the datagram, checksum and all.
 */
static void check_fragments(struct harness *h, size_t len)
{
	static uint8_t whole[65536];
	size_t got = 0, nfrag = 0;
	uint16_t id = 0;
	int last = 0;

	for (size_t k = 0; k < h->nsent; k++) {
		const struct h_frame *f = &h->sent[k];
		const uint8_t *ip;
		size_t plen, off;

		if (!h_frame_is(f, 0x0800, UDP_PROTO))
			continue;
		ip = check_ip(h, f);
		plen = f->len - 34;
		off = (size_t)(rd16(ip + 6) & 0x1fff) * 8;
		ck_assert_uint_eq(rd16(ip + 6) & 0x4000, 0);
		if (nfrag++ == 0)
			id = rd16(ip + 4);
		ck_assert_uint_eq(rd16(ip + 4), id);
		ck_assert_uint_eq(off, got);
		ck_assert_int_eq(last, 0);
		last = !(rd16(ip + 6) & 0x2000);
		if (!last)
			ck_assert_uint_eq(plen % 8, 0);
		memcpy(whole + off, ip + 20, plen);
		got += plen;
	}
	ck_assert_int_eq(last, 1);
	ck_assert_uint_eq(got, 8 + len);
	ck_assert_uint_eq(rd16(whole + 4), 8 + len);
	ck_assert_uint_eq(h_csum(whole, got, pseudo(H_OUR_IP, H_PEER_IP, got)), 0);
	ck_assert(h_pattern_ok(whole + 8, len, 5));
	ck_assert_uint_eq(nfrag, (8 + len + 1479) / 1480);
}

START_TEST(send_fragmented)
{
	static const size_t sizes[] = { 1472, 1473, 65507 };
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static uint8_t big[65507];

	h_pattern(big, sizeof(big), 5);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		h_clear(h);
		ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, big, sizes[i]), (ssize_t)sizes[i]);
		check_fragments(h, sizes[i]);
	}
	ck_assert_uint_eq(h_stat(h, STAT_ip_fragmented), 2);
	ck_assert_uint_eq(h_stat(h, STAT_ip_frag_created), 2 + 45);
}
END_TEST

/* ---- input and the receive queue ---- */

START_TEST(recv_boundaries)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static const size_t sizes[] = { 100, 0, 1472, 1 };
	uint8_t buf[2000];
	uint32_t raddr;
	uint16_t rport;
	size_t full;

	for (size_t i = 0; i < 4; i++)
		peer_send(h, (uint16_t)(1000 + i), 4000, sizes[i], (uint32_t)i * 7);
	ck_assert_uint_eq(h_stat(h, STAT_udp_delivered), 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(udp_pending(pcb), (ssize_t)sizes[i]);
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), &raddr, &rport, 0, &full),
				 (ssize_t)sizes[i]);
		ck_assert_uint_eq(full, sizes[i]);
		ck_assert_uint_eq(raddr, H_PEER_IP);
		ck_assert_uint_eq(rport, 1000 + i);
		ck_assert(h_pattern_ok(buf, sizes[i], (uint32_t)i * 7));
	}
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), -EAGAIN);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* Scattered over several iovecs; MSG_PEEK leaves the datagram queued. */
START_TEST(recv_iov_and_peek)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t a[10], b[100];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	size_t full = 0;

	peer_send(h, 1000, 4000, 50, 3);
	peer_send(h, 1001, 4000, 20, 9);
	ck_assert_int_eq(udp_recv(pcb, iov, 2, NULL, NULL, UDP_PEEK, &full), 50);
	ck_assert_int_eq(udp_recv(pcb, iov, 2, NULL, NULL, UDP_PEEK, &full), 50);
	ck_assert(h_pattern_ok(a, 10, 3));
	ck_assert(h_pattern_ok(b, 40, 13));
	ck_assert_int_eq(udp_recv(pcb, iov, 2, NULL, NULL, 0, &full), 50);
	ck_assert_int_eq(udp_recv(pcb, iov, 2, NULL, NULL, 0, &full), 20);
	ck_assert(h_pattern_ok(a, 10, 9));
	ck_assert(h_pattern_ok(b, 10, 19));
	ck_assert_int_eq(udp_recv(pcb, iov, 2, NULL, NULL, 0, &full), -EAGAIN);
}
END_TEST

/* MSG_TRUNC: a short buffer gets the start, the full length is reported, the rest is gone. */
START_TEST(recv_truncated)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t buf[64];
	size_t full = 0;

	peer_send(h, 1000, 4000, 1000, 1);
	peer_send(h, 1000, 4000, 30, 2);
	ck_assert_int_eq(recvbuf(pcb, buf, 10, NULL, NULL, UDP_PEEK, &full), 10);
	ck_assert_uint_eq(full, 1000);
	ck_assert_int_eq(recvbuf(pcb, buf, 10, NULL, NULL, 0, &full), 10);
	ck_assert_uint_eq(full, 1000);
	ck_assert(h_pattern_ok(buf, 10, 1));
	/* the next receive gets the next datagram, not the rest of the first */
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, &full), 30);
	ck_assert_uint_eq(full, 30);
	ck_assert(h_pattern_ok(buf, 30, 2));
	/* a zero-byte buffer still takes a datagram */
	peer_send(h, 1000, 4000, 5, 0);
	ck_assert_int_eq(recvbuf(pcb, NULL, 0, NULL, NULL, 0, &full), 0);
	ck_assert_uint_eq(full, 5);
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);
}
END_TEST

/* RFC 768 / RFC 1122 4.1.3.4: checksum 0 is "none"; a wrong one is dropped silently. */
START_TEST(recv_checksum)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static uint8_t f[200];
	uint8_t d[21];
	size_t len;

	h_pattern(d, sizeof(d), 0);
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4000, d, sizeof(d));
	f[34 + 8] ^= 0x40;
	h_input(h, f, len);
	ck_assert_uint_eq(h_stat(h, STAT_udp_drop_csum), 1);
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);
	ck_assert_uint_eq(h->nsent, 0); /* no port unreachable for it either */
	/* offloaded: the owner vouches for it */
	h_input_flags(h, f, len, STACK_IN_CSUM_OK);
	ck_assert_int_eq(udp_pending(pcb), 21);
	/* no checksum at all */
	f[34 + 6] = f[34 + 7] = 0;
	h_input(h, f, len);
	ck_assert_uint_eq(h_stat(h, STAT_udp_delivered), 2);
	ck_assert_uint_eq(h_stat(h, STAT_udp_drop_csum), 1);
}
END_TEST

/* RFC 768: the length field counts header and data, and may be less than IP carries. */
START_TEST(recv_lengths)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static uint8_t f[200];
	uint8_t d[40], buf[64];
	size_t len;
	uint16_t c;

	h_pattern(d, sizeof(d), 0);
	/* UDP length 8 + 30 inside 8 + 40 bytes of IP payload: 30 bytes (checksum over those) */
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4000, d, 30);
	memcpy(f + 34 + 38, d + 30, 10);
	put16(f + 14 + 2, 20 + 48);
	h_ip4_fix_csum(f);
	h_input(h, f, len + 10);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 30);
	ck_assert(h_pattern_ok(buf, 30, 0));
	/* longer than the IP payload */
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4000, d, 30);
	put16(f + 34 + 4, 8 + 31);
	put16(f + 34 + 6, 0);
	c = h_csum(f + 34, 8 + 30, pseudo(H_PEER_IP, H_OUR_IP, 8 + 31));
	put16(f + 34 + 6, c);
	h_input(h, f, len);
	/* shorter than a header */
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4000, d, 30);
	put16(f + 34 + 4, 7);
	put16(f + 34 + 6, 0);
	h_input(h, f, len);
	ck_assert_uint_eq(h_stat(h, STAT_udp_drop_len), 2);
	/* not even a header */
	h_input(h, f, h_build_ip4(f, h_peer_mac, H_PEER_IP, H_OUR_IP, UDP_PROTO, d, 7));
	ck_assert_uint_eq(h_stat(h, STAT_udp_drop_short), 1);
	ck_assert_uint_eq(h_stat(h, STAT_udp_rx), 4);
	ck_assert_uint_eq(h_stat(h, STAT_udp_delivered), 1);
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* A datagram that came in fragments is delivered like any other. */
START_TEST(recv_reassembled)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static uint8_t f[H_FRAME_MAX], g[H_FRAME_MAX], d[3000], buf[3000];
	size_t len, n1 = 1480;

	h_pattern(d, sizeof(d), 11);
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4000, d, sizeof(d));
	/* second fragment: the bytes from n1 on, then the first with MF */
	memcpy(g, f, 34);
	memcpy(g + 34, f + 34 + n1, len - 34 - n1);
	put16(g + 14 + 2, (uint16_t)(20 + len - 34 - n1));
	put16(g + 14 + 6, (uint16_t)(n1 / 8));
	h_ip4_fix_csum(g);
	h_input(h, g, len - n1);
	put16(f + 14 + 2, (uint16_t)(20 + n1));
	put16(f + 14 + 6, 0x2000);
	h_ip4_fix_csum(f);
	h_input(h, f, 34 + n1);
	ck_assert_uint_eq(h_stat(h, STAT_ip_reasm_ok), 1);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 3000);
	ck_assert(h_pattern_ok(buf, 3000, 11));
}
END_TEST

/*
 * SO_RCVBUF: datagrams beyond the limit are dropped and counted
 * (RcvbufErrors); an empty queue takes one however big; the ring keeps
 * every datagram whole across its wrap.
 */
START_TEST(recv_queue_full)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t buf[4000];
	unsigned fit;

	ck_assert_uint_eq(udp_get_rcvbuf(pcb), 212992);
	/* 212992 / (1000 + 8) = 211 datagrams fit */
	for (unsigned i = 0; i < 215; i++)
		peer_send(h, 1000, 4000, 1000, i);
	fit = 212992 / (1000 + UDP_REC_OVERHEAD);
	ck_assert_uint_eq(h_stat(h, STAT_udp_delivered), fit);
	ck_assert_uint_eq(h_stat(h, STAT_udp_rcvbuf_errors), 215 - fit);
	for (unsigned i = 0; i < fit; i++) {
		ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 1000);
		ck_assert(h_pattern_ok(buf, 1000, i));
	}
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);

	/* a small queue: one 3000-byte datagram fits when empty, a second does not */
	ck_assert_int_eq(udp_set_rcvbuf(pcb, 100), 0);
	ck_assert_uint_eq(udp_get_rcvbuf(pcb), 2304); /* Linux's SOCK_MIN_RCVBUF */
	peer_send(h, 1000, 4000, 3000, 1);
	peer_send(h, 1000, 4000, 10, 2);
	ck_assert_uint_eq(h_stat(h, STAT_udp_rcvbuf_errors), 215 - fit + 1);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 3000);
	ck_assert(h_pattern_ok(buf, 3000, 1));

	/* sizes that do not divide the ring: records wrap around its end */
	ck_assert_int_eq(udp_set_rcvbuf(pcb, 9000), 0);
	for (unsigned i = 0; i < 400; i++) {
		size_t n = 100 + (i * 997) % 2900;

		peer_send(h, 1000, 4000, n, i);
		if (i % 3 == 2)
			peer_send(h, 1000, 4000, n / 2, i + 1000);
		ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n);
		ck_assert(h_pattern_ok(buf, n, i));
		if (i % 3 == 2) {
			ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL),
					 (ssize_t)(n / 2));
			ck_assert(h_pattern_ok(buf, n / 2, i + 1000));
		}
	}
}
END_TEST

/* Changing SO_RCVBUF keeps what is queued. */
START_TEST(rcvbuf_change_keeps_data)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t buf[2000];

	ck_assert_int_eq(udp_set_rcvbuf(pcb, 5000), 0);
	for (unsigned i = 0; i < 6; i++) {
		peer_send(h, 1000, 4000, 700, i);
		if (i < 3)
			ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 700);
	}
	/* three queued; the ring wrapped once */
	ck_assert_int_eq(udp_set_rcvbuf(pcb, 1 << 20), 0);
	for (unsigned i = 3; i < 6; i++) {
		ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 700);
		ck_assert(h_pattern_ok(buf, 700, i));
	}
	ck_assert_uint_eq(udp_mem(h->st), 1 << 20);
}
END_TEST

/* ---- connected sockets ---- */

/* connect() filters input to the peer (Linux); others get port unreachable. */
START_TEST(connected_filter)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	static uint8_t f[200];
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	struct udp_seg s;

	ck_assert_int_eq(udp_connect(pcb, H_PEER_IP, DNS_PORT), 0);
	udp_endpoints(pcb, &laddr, &lport, &raddr, &rport);
	ck_assert_uint_eq(laddr, H_OUR_IP);
	ck_assert_uint_eq(lport, 4000);
	ck_assert_uint_eq(raddr, H_PEER_IP);
	ck_assert_uint_eq(rport, DNS_PORT);
	peer_send(h, DNS_PORT + 1, 4000, 10, 0);
	h_input(h, f, build_udp(f, H_OTHER_IP, DNS_PORT, H_OUR_IP, 4000, (const uint8_t *)"x", 1));
	ck_assert_int_eq(udp_pending(pcb), -EAGAIN);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport), 2);
	peer_send(h, DNS_PORT, 4000, 10, 0);
	ck_assert_int_eq(udp_pending(pcb), 10);
	/* the default destination */
	h_clear(h);
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "q", 1), 1);
	get_udp(h, 0, &s);
	ck_assert_uint_eq(s.dst, H_PEER_IP);
	ck_assert_uint_eq(s.dport, DNS_PORT);
	/* an explicit address still goes where it says */
	ck_assert_int_eq(sendbuf(pcb, H_OTHER_IP, 7, "q", 1), 1);
}
END_TEST

/* connect(AF_UNSPEC): any sender again; a port connect() chose is given back. */
START_TEST(disconnect)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *a = open_bound(h, 4000), *b;
	uint16_t lport;
	int err = 0;

	ck_assert_int_eq(udp_connect(a, H_PEER_IP, DNS_PORT), 0);
	ck_assert_int_eq(udp_connect(a, 0, 0), 0);
	udp_endpoints(a, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 4000); /* bind() chose it: kept */
	peer_send(h, 999, 4000, 10, 0);
	ck_assert_int_eq(udp_pending(a), 10);
	ck_assert_int_eq(sendbuf(a, 0, 0, "x", 1), -EDESTADDRREQ);

	b = udp_open(h->st, NULL, &err);
	h_force_random(h, 5);
	ck_assert_int_eq(udp_connect(b, H_PEER_IP, DNS_PORT), 0);
	udp_endpoints(b, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 32768 + 5);
	ck_assert_int_eq(udp_connect(b, 0, 0), 0);
	udp_endpoints(b, NULL, &lport, NULL, NULL);
	ck_assert_uint_eq(lport, 0);
	ck_assert_int_eq(udp_connect(b, H_BCAST_IP, DNS_PORT), -EACCES);
	ck_assert_int_eq(udp_connect(b, 0x7f000001u, DNS_PORT), -ENETUNREACH);
}
END_TEST

/* ---- ICMP port unreachable, out ---- */

/* RFC 1122 4.1.3.1: no socket - port unreachable quoting the IP header and the datagram. */
START_TEST(noport_unreachable)
{
	struct harness *h = uh_new(NULL);
	static uint8_t f[H_FRAME_MAX];
	struct h_icmp m;
	size_t len;

	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4444, (const uint8_t *)"ping", 4);
	h_input(h, f, len);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport), 1);
	ck_assert_uint_eq(h_nicmp(h), 1);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.type, 3);
	ck_assert_uint_eq(m.code, 3);
	ck_assert_uint_eq(m.dst, H_PEER_IP);
	ck_assert_uint_eq(m.len, len - 14);
	ck_assert_mem_eq(m.data, f + 14, len - 14); /* header, UDP header, data */
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_tx), 1);

	/* a big one is quoted up to 576 bytes in all (RFC 1812 4.3.2.3) */
	h_clear(h);
	peer_send(h, 1000, 4444, 1400, 0);
	h_icmp(h, 0, &m);
	ck_assert_uint_eq(m.ip_len, 576);
}
END_TEST

/* RFC 1122 3.2.2: never for a broadcast, IP or link-layer. */
START_TEST(noport_broadcast_silent)
{
	struct harness *h = uh_new(NULL);
	static uint8_t f[200];
	size_t len;

	/* IP broadcasts (here in frames to our MAC: the IP address alone decides) */
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, H_BCAST_IP, 4444, (const uint8_t *)"x", 1));
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, 0xffffffffu, 4444, (const uint8_t *)"x", 1));
	/* unicast to us, but in a link-layer broadcast frame */
	len = build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4444, (const uint8_t *)"x", 1);
	memcpy(f, h_bcast_mac, 6);
	h_input(h, f, len);
	h_flush(h);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport_bcast), 3);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport), 0);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* Broadcasts reach a socket bound to any address, not one bound to ours (Linux). */
START_TEST(broadcast_delivery)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *any = open_bound(h, 4000), *ours;
	static uint8_t f[200];
	int err = 0;

	ours = udp_open(h->st, NULL, &err);
	ck_assert_int_eq(udp_bind(ours, H_OUR_IP, 4001), 0);
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, H_BCAST_IP, 4000, (const uint8_t *)"a", 1));
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, 0xffffffffu, 4000, (const uint8_t *)"b", 1));
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, H_BCAST_IP, 4001, (const uint8_t *)"c", 1));
	h_input(h, f, build_udp(f, H_PEER_IP, 1000, H_OUR_IP, 4001, (const uint8_t *)"d", 1));
	ck_assert_uint_eq(h_stat(h, STAT_udp_delivered), 3);
	ck_assert_int_eq(udp_pending(any), 1);
	ck_assert_int_eq(udp_pending(ours), 1);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport_bcast), 1);
	ck_assert_uint_eq(h->nsent, 0);
}
END_TEST

/* A flood to a closed port gets ICMP_ERR_BURST errors, then one per millisecond. */
START_TEST(noport_rate_limited)
{
	struct harness *h = uh_new(NULL);

	for (unsigned i = 0; i < 80; i++)
		peer_send(h, 1000, 4444, 4, i);
	ck_assert_uint_eq(h_nicmp(h), 50);
	ck_assert_uint_eq(h_stat(h, STAT_icmp_err_ratelimited), 30);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport), 80);
	h_advance(h, 10);
	h_clear(h);
	for (unsigned i = 0; i < 20; i++)
		peer_send(h, 1000, 4444, 4, i);
	ck_assert_uint_eq(h_nicmp(h), 10);
	/* a quiet second fills the bucket again, to the burst and no more */
	h_advance(h, 1000);
	h_clear(h);
	for (unsigned i = 0; i < 80; i++)
		peer_send(h, 1000, 4444, 4, i);
	ck_assert_uint_eq(h_nicmp(h), 50);
}
END_TEST

/* ---- ICMP errors, in ---- */

/* Port unreachable back: ECONNREFUSED on the connected socket, once, after the event. */
START_TEST(econnrefused_once)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);
	uint8_t buf[16];

	ck_assert_int_eq(udp_connect(pcb, H_PEER_IP, DNS_PORT), 0);
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "q", 1), 1);
	icmp_err(h, udp_frame(h, 0), 3, 3);
	ck_assert_uint_eq(nuev, 0); /* deferred to the flush */
	ck_assert_int_eq(udp_error(pcb), ECONNREFUSED);
	h_flush(h);
	ck_assert_uint_eq(uev_of(pcb, NULL), UDP_EV_ERROR);
	ck_assert_ptr_eq(uevs[0].user, h);
	ck_assert_uint_eq(h_stat(h, STAT_udp_icmp_err), 1);
	/* the next send reports it instead of sending; the one after sends */
	h_clear(h);
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "q", 1), -ECONNREFUSED);
	ck_assert_uint_eq(n_udp(h), 0);
	ck_assert_int_eq(udp_error(pcb), 0);
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "q", 1), 1);
	/* on a receive it comes before queued data, once */
	icmp_err(h, udp_frame(h, 0), 3, 3);
	peer_send(h, DNS_PORT, 4000, 3, 0);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), -ECONNREFUSED);
	ck_assert_int_eq(recvbuf(pcb, buf, sizeof(buf), NULL, NULL, 0, NULL), 3);
	/* SO_ERROR takes it too */
	icmp_err(h, udp_frame(h, 0), 3, 3);
	ck_assert_int_eq(udp_error_take(pcb), ECONNREFUSED);
	ck_assert_int_eq(udp_error_take(pcb), 0);
}
END_TEST

/*
 * Linux without IP_RECVERR: only a connected socket matching the quoted
 * 4-tuple hears of an error, and only of a hard one.
 */
static const struct {
	uint8_t type, code;
	int err; /* 0: ignored */
} udp_errs[] = {
	{ 3, 3, ECONNREFUSED }, { 3, 2, ENOPROTOOPT }, { 3, 9, ENETUNREACH },
	{ 3, 10, EHOSTUNREACH }, { 3, 13, EHOSTUNREACH }, { 12, 0, EPROTO },
	{ 3, 0, 0 },		/* net unreachable: transient (RFC 1122 3.2.2.1) */
	{ 3, 1, 0 },		/* host unreachable: transient */
	{ 3, 4, 0 },		/* fragmentation needed: we send no DF */
	{ 11, 0, 0 },		/* time exceeded */
};

START_TEST(icmp_error_kinds)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000);

	ck_assert_int_eq(udp_connect(pcb, H_PEER_IP, DNS_PORT), 0);
	ck_assert_int_eq(sendbuf(pcb, 0, 0, "q", 1), 1);
	icmp_err(h, udp_frame(h, 0), udp_errs[_i].type, udp_errs[_i].code);
	h_flush(h);
	ck_assert_int_eq(udp_error(pcb), udp_errs[_i].err);
	ck_assert_uint_eq(uev_of(pcb, NULL), udp_errs[_i].err ? UDP_EV_ERROR : 0);
	ck_assert_uint_eq(h_stat(h, STAT_udp_icmp_ignored), udp_errs[_i].err ? 0 : 1);
}
END_TEST

START_TEST(icmp_error_unconnected_ignored)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *pcb = open_bound(h, 4000), *c = open_bound(h, 4001);

	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, "q", 1), 1);
	icmp_err(h, udp_frame(h, 0), 3, 3);
	/* connected elsewhere: the quote names another peer port */
	ck_assert_int_eq(udp_connect(c, H_PEER_IP, DNS_PORT + 1), 0);
	ck_assert_int_eq(sendbuf(c, H_PEER_IP, DNS_PORT, "q", 1), 1);
	icmp_err(h, udp_frame(h, 1), 3, 3);
	h_flush(h);
	ck_assert_int_eq(udp_error(pcb), 0);
	ck_assert_int_eq(udp_error(c), 0);
	ck_assert_uint_eq(nuev, 0);
	ck_assert_uint_eq(h_stat(h, STAT_udp_icmp_ignored), 2);
	ck_assert_int_eq(sendbuf(pcb, H_PEER_IP, DNS_PORT, "q", 1), 1);
}
END_TEST

/* ---- events and memory ---- */

/* READABLE only from the flush, one call for a batch; nothing for a closed pcb. */
START_TEST(events_deferred)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *a = open_bound(h, 4000), *b = open_bound(h, 4001);
	unsigned calls;

	peer_send(h, 1000, 4000, 1, 0);
	peer_send(h, 1000, 4000, 2, 0);
	peer_send(h, 1000, 4001, 2, 0);
	ck_assert_uint_eq(nuev, 0);
	h_flush(h);
	ck_assert_uint_eq(uev_of(a, &calls), UDP_EV_READABLE);
	ck_assert_uint_eq(calls, 1);
	ck_assert_uint_eq(nuev, 2);
	/* closed with an event pending: the event goes with it */
	peer_send(h, 1000, 4001, 2, 0);
	udp_close(b);
	nuev = 0;
	h_flush(h);
	ck_assert_uint_eq(nuev, 0);
	/* timers deliver them as well */
	peer_send(h, 1000, 4000, 1, 0);
	h_advance(h, 1);
	stack_timer(h->st, h->now);
	ck_assert_uint_eq(uev_of(a, NULL), UDP_EV_READABLE);
}
END_TEST

static void close_in_callback(struct udp_pcb *pcb, unsigned events)
{
	udp_close(pcb);
}

/* The callback may close the pcb it is told about, and others are still told. */
START_TEST(close_from_callback)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *a = open_bound(h, 4000), *b = open_bound(h, 4001);

	on_uev = close_in_callback;
	peer_send(h, 1000, 4000, 1, 0);
	peer_send(h, 1000, 4001, 1, 0);
	h_flush(h);
	ck_assert_uint_eq(nuev, 2);
	ck_assert_ptr_eq(uevs[0].pcb, a);
	ck_assert_ptr_eq(uevs[1].pcb, b);
	ck_assert_uint_eq(stack_udp_count(h->st), 0);
	ck_assert_uint_eq(udp_mem(h->st), 0);
	/* the ports are free: datagrams to them now get port unreachable */
	peer_send(h, 1000, 4000, 1, 0);
	ck_assert_uint_eq(h_stat(h, STAT_udp_noport), 1);
}
END_TEST

/* One ring per pcb allocated at open, none per datagram; close frees it all. */
START_TEST(close_frees)
{
	struct harness *h = uh_new(NULL);
	struct udp_pcb *p[8];

	for (unsigned i = 0; i < 8; i++) {
		p[i] = open_bound(h, (uint16_t)(4000 + i));
		ck_assert_uint_eq(udp_mem(h->st), (i + 1) * (size_t)212992);
	}
	for (unsigned i = 0; i < 8; i++)
		for (unsigned k = 0; k < 10; k++)
			peer_send(h, 1000, (uint16_t)(4000 + i), 500, k);
	ck_assert_uint_eq(udp_mem(h->st), 8 * (size_t)212992);
	ck_assert_int_eq(udp_connect(p[3], H_PEER_IP, DNS_PORT), 0);
	for (unsigned i = 0; i < 8; i++)
		udp_close(p[i]);
	ck_assert_uint_eq(stack_udp_count(h->st), 0);
	ck_assert_uint_eq(udp_mem(h->st), 0);
	h_flush(h);
	ck_assert_uint_eq(nuev, 0);
	/* and pcbs left open are freed with the stack (the sanitizer build checks for leaks) */
	(void)open_bound(h, 4000);
	peer_send(h, 1000, 4000, 500, 0);
}
END_TEST

Suite *udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = h_tcase("ports_output");

	tcase_add_test(tc, bind_ports);
	tcase_add_test(tc, bind_port_zero);
	tcase_add_test(tc, send_header);
	tcase_add_test(tc, send_iov_and_empty);
	tcase_add_test(tc, send_checksum_zero_is_ffff);
	tcase_add_test(tc, send_errors);
	tcase_add_test(tc, send_fragmented);
	suite_add_tcase(s, tc);

	tc = h_tcase("input");
	tcase_add_test(tc, recv_boundaries);
	tcase_add_test(tc, recv_iov_and_peek);
	tcase_add_test(tc, recv_truncated);
	tcase_add_test(tc, recv_checksum);
	tcase_add_test(tc, recv_lengths);
	tcase_add_test(tc, recv_reassembled);
	tcase_add_test(tc, recv_queue_full);
	tcase_add_test(tc, rcvbuf_change_keeps_data);
	suite_add_tcase(s, tc);

	tc = h_tcase("connected");
	tcase_add_test(tc, connected_filter);
	tcase_add_test(tc, disconnect);
	suite_add_tcase(s, tc);

	tc = h_tcase("icmp");
	tcase_add_test(tc, noport_unreachable);
	tcase_add_test(tc, noport_broadcast_silent);
	tcase_add_test(tc, broadcast_delivery);
	tcase_add_test(tc, noport_rate_limited);
	tcase_add_test(tc, econnrefused_once);
	tcase_add_loop_test(tc, icmp_error_kinds, 0, (int)(sizeof(udp_errs) / sizeof(udp_errs[0])));
	tcase_add_test(tc, icmp_error_unconnected_ignored);
	suite_add_tcase(s, tc);

	tc = h_tcase("events_memory");
	tcase_add_test(tc, events_deferred);
	tcase_add_test(tc, close_from_callback);
	tcase_add_test(tc, close_frees);
	suite_add_tcase(s, tc);
	return s;
}

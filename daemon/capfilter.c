/* SPDX-License-Identifier: MIT */
/*
 * capfilter.c - compile and run capture filters (see capfilter.h).
 *
 * Theory of operation: the client turns words into at most IPC_FILTER_TERMS
 * fixed-size terms; the daemon checks every field of them once, when the
 * capture starts, and then runs them on every frame it receives or sends.
 * A frame is decoded once into the few facts terms can ask about (protocol,
 * addresses, ports); every length is checked before a field is read, so a
 * truncated or malformed frame simply matches less.  Nothing is allocated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfilter.h"

#define ETH_HLEN    14
#define ETHTYPE_IP  0x0800
#define ETHTYPE_ARP 0x0806
#define ARP_LEN	    28
#define IP_MIN_HLEN 20
#define IP_OFFMASK  0x1fff

/* What terms can ask about one frame. */
struct facts {
	int ip, arp, tcp, icmp;
	uint32_t src, dst;     /* IPv4 or ARP sender/target, network byte order */
	int ports;	       /* sport/dport are valid */
	uint16_t sport, dport; /* host byte order */
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void decode(const uint8_t *f, size_t len, struct facts *x)
{
	memset(x, 0, sizeof(*x));
	if (len < ETH_HLEN)
		return;
	switch (rd16(f + 12)) {
	case ETHTYPE_ARP:
		if (len < ETH_HLEN + ARP_LEN)
			return;
		x->arp = 1;
		memcpy(&x->src, f + ETH_HLEN + 14, 4); /* sender protocol address */
		memcpy(&x->dst, f + ETH_HLEN + 24, 4); /* target protocol address */
		return;
	case ETHTYPE_IP: {
		const uint8_t *ip = f + ETH_HLEN;
		size_t iplen = len - ETH_HLEN, hl;

		if (iplen < IP_MIN_HLEN || (ip[0] >> 4) != 4)
			return;
		hl = (size_t)(ip[0] & 0x0f) * 4;
		if (hl < IP_MIN_HLEN || hl > iplen)
			return;
		x->ip = 1;
		memcpy(&x->src, ip + 12, 4);
		memcpy(&x->dst, ip + 16, 4);
		x->tcp = ip[9] == IPPROTO_TCP;
		x->icmp = ip[9] == IPPROTO_ICMP;
		/* Ports are in the first fragment only. */
		if (x->tcp && (rd16(ip + 6) & IP_OFFMASK) == 0 && iplen - hl >= 4) {
			x->ports = 1;
			x->sport = rd16(ip + hl);
			x->dport = rd16(ip + hl + 2);
		}
		return;
	}
	default:
		return;
	}
}

static int term_match(const struct ipc_filter_term *t, const struct facts *x)
{
	switch (t->kind) {
	case IPC_FT_HOST:
		if (!x->ip && !x->arp)
			return 0;
		return (t->dir != IPC_FD_DST && x->src == t->value) ||
		       (t->dir != IPC_FD_SRC && x->dst == t->value);
	case IPC_FT_PORT:
		if (!x->ports)
			return 0;
		return (t->dir != IPC_FD_DST && x->sport == t->value) ||
		       (t->dir != IPC_FD_SRC && x->dport == t->value);
	case IPC_FT_PROTO:
		switch (t->value) {
		case IPC_FP_IP:
			return x->ip;
		case IPC_FP_ARP:
			return x->arp;
		case IPC_FP_TCP:
			return x->tcp;
		case IPC_FP_ICMP:
			return x->icmp;
		}
		return 0;
	}
	return 0;
}

int capfilter_match(const struct ipc_capture *cap, const uint8_t *frame, size_t len)
{
	struct facts x;
	int group = 1; /* the current group still matches */

	if (cap->nterms == 0)
		return 1;
	decode(frame, len, &x);
	for (uint32_t i = 0; i < cap->nterms; i++) {
		const struct ipc_filter_term *t = &cap->term[i];
		int m;

		if (i > 0 && (t->flags & IPC_FT_OR)) {
			if (group)
				return 1;
			group = 1;
		}
		if (!group)
			continue; /* this group failed: skip to the next "or" */
		m = term_match(t, &x);
		if (t->flags & IPC_FT_NOT)
			m = !m;
		group = m;
	}
	return group;
}

int capfilter_validate(const struct ipc_capture *cap)
{
	if (cap->nterms > IPC_FILTER_TERMS)
		return -EINVAL;
	for (uint32_t i = 0; i < cap->nterms; i++) {
		const struct ipc_filter_term *t = &cap->term[i];

		if (t->flags & ~(IPC_FT_NOT | IPC_FT_OR) || t->dir > IPC_FD_DST || t->pad)
			return -EINVAL;
		switch (t->kind) {
		case IPC_FT_HOST:
			break;
		case IPC_FT_PORT:
			if (t->value > 65535)
				return -EINVAL;
			break;
		case IPC_FT_PROTO:
			if (t->value < IPC_FP_IP || t->value > IPC_FP_ICMP || t->dir != IPC_FD_ANY)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- the client's side: words to terms ---- */

static int parse_port(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int capfilter_compile(struct ipc_capture *cap, int argc, char *const *argv, char *err,
		      size_t errlen)
{
	static const struct {
		const char *word;
		uint32_t proto;
	} protos[] = {
	    {"ip", IPC_FP_IP}, {"arp", IPC_FP_ARP}, {"tcp", IPC_FP_TCP}, {"icmp", IPC_FP_ICMP}};
	size_t tl = 0;
	int i = 0, want_term = 1, new_group = 0;

	cap->nterms = 0;
	memset(cap->term, 0, sizeof(cap->term));
	memset(cap->text, 0, sizeof(cap->text));
	/* The text is only for the daemon's log: join the words, cut if long. */
	for (int k = 0; k < argc; k++) {
		int n =
		    snprintf(cap->text + tl, sizeof(cap->text) - tl, "%s%s", k ? " " : "", argv[k]);

		if (n < 0 || (size_t)n >= sizeof(cap->text) - tl) {
			tl = sizeof(cap->text) - 1;
			break;
		}
		tl += (size_t)n;
	}

	while (i < argc) {
		struct ipc_filter_term t = {0};
		const char *w = argv[i];
		size_t p;

		if (!want_term && strcmp(w, "or") == 0) {
			new_group = 1;
			want_term = 1;
			i++;
			continue;
		}
		if (!want_term && strcmp(w, "and") == 0) {
			want_term = 1;
			i++;
			continue;
		}
		if (cap->nterms == IPC_FILTER_TERMS) {
			snprintf(err, errlen, "the filter has more than %d terms",
				 IPC_FILTER_TERMS);
			return -1;
		}
		if (strcmp(w, "not") == 0 || strcmp(w, "!") == 0) {
			t.flags |= IPC_FT_NOT;
			if (++i == argc)
				goto missing;
			w = argv[i];
		}
		for (p = 0; p < sizeof(protos) / sizeof(protos[0]); p++)
			if (strcmp(w, protos[p].word) == 0)
				break;
		if (p < sizeof(protos) / sizeof(protos[0])) {
			t.kind = IPC_FT_PROTO;
			t.value = protos[p].proto;
			i++;
		} else {
			if (strcmp(w, "src") == 0 || strcmp(w, "dst") == 0) {
				t.dir = w[0] == 's' ? IPC_FD_SRC : IPC_FD_DST;
				if (++i == argc)
					goto missing;
				w = argv[i];
			}
			if (strcmp(w, "host") == 0) {
				struct in_addr a;

				t.kind = IPC_FT_HOST;
				if (++i == argc)
					goto missing;
				if (inet_pton(AF_INET, argv[i], &a) != 1) {
					snprintf(err, errlen,
						 "'%s' is not an IPv4 address (A.B.C.D)", argv[i]);
					return -1;
				}
				t.value = a.s_addr;
			} else if (strcmp(w, "port") == 0) {
				t.kind = IPC_FT_PORT;
				if (++i == argc)
					goto missing;
				if (parse_port(argv[i], &t.value) < 0) {
					snprintf(err, errlen, "'%s' is not a port number (0-65535)",
						 argv[i]);
					return -1;
				}
			} else {
				snprintf(err, errlen,
					 "unexpected '%s' in the filter (expected host, port, tcp, "
					 "icmp, arp, ip, src, dst, not, and, or)",
					 w);
				return -1;
			}
			i++;
		}
		if (new_group)
			t.flags |= IPC_FT_OR;
		new_group = 0;
		want_term = 0;
		cap->term[cap->nterms++] = t;
	}
	if (want_term && argc > 0)
		goto missing;
	return 0;
missing:
	snprintf(err, errlen, "the filter ends too early ('%s')", argc ? argv[argc - 1] : "");
	return -1;
}

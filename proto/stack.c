/* SPDX-License-Identifier: MIT */
/*
 * stack.c - the stack object: configuration, the entry points the owner
 * calls (frames in, time in), and the timer bookkeeping that ties the
 * protocol modules together.
 */
#include <stdlib.h>
#include <string.h>

#include "eth.h"
#include "ip4.h"
#include "stack_var.h"
#include "tcp.h"
#include "udp.h"

void stack_cfg_defaults(struct stack_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = 1500;
	cfg->time_wait_ms = 60000; /* 2*MSL as Linux counts it (TCP_TIMEWAIT_LEN) */
	cfg->arp_ttl_ms = 60000;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->rto_min_ms = 200; /* Linux's TCP_RTO_MIN; RFC 6298 2.4 allows below 1 s */
	cfg->rto_max_ms = 60000;
	cfg->syn_retries = 6;
	cfg->data_retries = 15;
	cfg->delack_ms = 40;
	/*
	 * 2 MiB each way, like the middle of Linux's tcp_rmem/tcp_wmem range:
	 * a window that keeps ~40 MB/s going at 50 ms RTT.  Pages are touched
	 * only as data passes, so an idle connection costs little.
	 */
	cfg->sndbuf = 2 * 1024 * 1024;
	cfg->rcvbuf = 2 * 1024 * 1024;
	cfg->max_tcbs = 4096;
	cfg->frag_timeout_ms = 30000; /* Linux's ipfrag_time */
	cfg->frag_slots = 16;
	cfg->challenge_ack_limit = 1000; /* Linux's tcp_challenge_ack_limit */
}

struct stack *stack_new(const struct stack_cfg *cfg, const struct stack_io *io, uint64_t now_ms)
{
	struct stack *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->cfg = *cfg;
	st->io = *io;
	st->now = now_ms;
	/* Sizes the rest of the code relies on: a frame fits st->tx, buffers are non-empty. */
	if (st->cfg.mtu < 576 || st->cfg.mtu > 65535 - 14)
		st->cfg.mtu = 1500;
	if (!st->cfg.sndbuf)
		st->cfg.sndbuf = 2 * 1024 * 1024;
	if (!st->cfg.rcvbuf)
		st->cfg.rcvbuf = 2 * 1024 * 1024;
	for (size_t i = 0; i < TCP_HASH_SIZE; i++)
		LIST_INIT(&st->tcb_hash[i]);
	TAILQ_INIT(&st->tcbs);
	LIST_INIT(&st->tcb_listen);
	TAILQ_INIT(&st->tcb_pending);
	st->io.random(st->io.ctx, st->isn_key, sizeof(st->isn_key));
	if (arp_init(st) < 0) {
		free(st);
		return NULL;
	}
	if (ip4_frag_init(st) < 0 || udp_init(st) < 0) {
		ip4_frag_free(st);
		arp_free(st);
		free(st);
		return NULL;
	}
	return st;
}

void stack_free(struct stack *st)
{
	if (!st)
		return;
	tcp_free_all(st);
	udp_free(st);
	arp_free(st);
	ip4_frag_free(st);
	free(st);
}

void stack_input(struct stack *st, const uint8_t *frame, size_t len, unsigned flags,
		 uint64_t now_ms)
{
	struct pkt p = { frame, len };

	st->now = now_ms;
	eth_input(st, &p, flags);
}

void stack_flush(struct stack *st, uint64_t now_ms)
{
	st->now = now_ms;
	tcp_run_pending(st);
	udp_run_pending(st);
}

void stack_timer(struct stack *st, uint64_t now_ms)
{
	st->now = now_ms;
	arp_timer(st);
	ip4_frag_timer(st);
	tcp_timer(st);
	tcp_run_pending(st);
	udp_run_pending(st);
}

uint64_t stack_next_deadline(const struct stack *st)
{
	uint64_t a = arp_deadline(st), t = tcp_deadline(st), f = ip4_frag_deadline(st);

	return MIN(MIN(a, t), f);
}

const uint64_t *stack_stats(const struct stack *st)
{
	return st->stats;
}

unsigned stack_tcb_count(const struct stack *st)
{
	return st->ntcbs;
}

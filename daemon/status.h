/* SPDX-License-Identifier: MIT */
/*
 * status.h - snapshots for IPC_STATUS and IPC_STATS (status.c).
 */
#ifndef USTACKD_STATUS_H
#define USTACKD_STATUS_H

#include <stdint.h>
#include <sys/types.h>

struct ctl;
struct ipc_status_rep;
struct ipc_stats_rep;

/*
 * Fill rep (total, first, count and the items) for a request with cursor;
 * returns the reply's length, or -errno (EINVAL: bad cursor, ENOMEM).
 */
int status_reply(struct ctl *c, uint32_t cursor, struct ipc_status_rep *rep);
int stats_reply(struct ctl *c, uint32_t cursor, struct ipc_stats_rep *rep);
/* Free the control connection's snapshot, if any. */
void status_free(struct ctl *c);
/* The command of pid from /proc/PID/comm, NUL-terminated; empty if unknown. */
void status_read_comm(pid_t pid, char comm[16]);

#endif /* USTACKD_STATUS_H */

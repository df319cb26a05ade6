/* SPDX-License-Identifier: MIT */
/*
 * isolate.h - ustackd's privilege stages and its system call allow-list
 * (see isolate.c).
 */
#ifndef USTACKD_ISOLATE_H
#define USTACKD_ISOLATE_H

#include <stdint.h>

struct config;

/*
 * One system call a module makes once the event loop runs, and why.  Each
 * module lists its own calls beside its code; isolate_seccomp() allows the
 * union of the lists and nothing else.  arg: 0 for any arguments, n for a
 * rule on argument n-1: it must be (op SYS_ARG_EQ) or must not be
 * (SYS_ARG_NE) value, or its bits in mask must be value (SYS_ARG_MASKED_EQ).
 */
struct syscall_use {
	const char *name; /* as strace and libseccomp name it */
	const char *why;
	unsigned arg;
	int op;
	uint64_t value;
	uint64_t mask; /* SYS_ARG_MASKED_EQ: (argument & mask) == value */
};

#define SYS_ARG_EQ	  1
#define SYS_ARG_NE	  2
#define SYS_ARG_MASKED_EQ 3

#define SYSCALL(name, why)                                                                         \
	{                                                                                          \
		name, why, 0, 0, 0, 0                                                              \
	}
#define SYSCALL_ARG(name, why, n, op, value)                                                       \
	{                                                                                          \
		name, why, (n) + 1, op, value, 0                                                   \
	}
#define SYSCALL_MASKED(name, why, n, mask, value)                                                  \
	{                                                                                          \
		name, why, (n) + 1, SYS_ARG_MASKED_EQ, value, mask                                 \
	}
#define SYSCALLS_END                                                                               \
	{                                                                                          \
		NULL, NULL, 0, 0, 0, 0                                                             \
	}

extern const struct syscall_use main_syscalls[];   /* the loop, libev, malloc, signals */
extern const struct syscall_use notify_syscalls[]; /* sd_notify(), under systemd only */
extern const struct syscall_use log_syscalls[];	   /* log.c */
extern const struct syscall_use packet_syscalls[]; /* packet.c */
extern const struct syscall_use pcap_syscalls[];   /* pcap.c */
extern const struct syscall_use client_syscalls[]; /* client.c */
extern const struct syscall_use usock_syscalls[];  /* usock.c */
extern const struct syscall_use status_syscalls[]; /* status.c */

/*
 * Stage 1, first thing in main(): keep only the capabilities start-up needs,
 * raise the fd limit.  Returns the soft RLIMIT_NOFILE now in force.
 */
unsigned long long isolate_initial(void);
/*
 * Stage 3, once the privileged fds are open: become cfg->user (if set),
 * drop every capability, no_new_privs, not dumpable.  Dies on any failure.
 */
void isolate_user(const struct config *cfg);
/*
 * Stage 4, right before the loop: the allow-list (unless cfg->seccomp is 0),
 * with notify_syscalls[] if notify.  Returns the number of calls allowed.
 */
int isolate_seccomp(const struct config *cfg, int notify);

#endif /* USTACKD_ISOLATE_H */

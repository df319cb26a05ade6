/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - what every ustackd module shares: the daemon's own counters,
 * the clock the stack runs on, and container_of().
 *
 * The stack counts what happens to frames and segments (proto/stats.h);
 * these counters cover what only the daemon sees: frames the kernel handed
 * us that never reached the stack, frames the kernel would not take, and
 * clients that misbehave.  Like the stack's, they are bumped on the hot path
 * without logging and reported at debug level (-v) every few seconds.
 */
#ifndef USTACKD_DAEMON_H
#define USTACKD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DAEMON_STATS(X)                                                                            \
	X(rx_frames, "frames handed to the stack")                                                 \
	X(rx_trunc, "frames dropped: larger than a receive buffer")                                \
	X(rx_outgoing, "frames ignored: our own transmissions")                                    \
	X(rx_vlan, "frames dropped: VLAN-tagged")                                                  \
	X(rx_errors, "receive errors on the packet socket")                                        \
	X(rx_kernel_drops, "frames the kernel dropped: packet socket buffer full")                 \
	X(tx_frames, "frames sent")                                                                \
	X(tx_drop_full, "frames dropped: send buffer or device queue full")                        \
	X(tx_drop_error, "frames dropped: other send errors")                                      \
	X(tx_drop_oversize, "frames dropped: larger than a transmit slot")                         \
	X(loop_again, "event rounds deferred to the next loop iteration")                          \
	X(ctl_accepted, "control connections accepted")                                            \
	X(ctl_accept_errors, "control connections not accepted (errors)")                          \
	X(ctl_closed, "control connections closed")                                                \
	X(ctl_malformed, "control connections dropped: malformed message")                         \
	X(ctl_reply_failed, "control connections dropped: reply could not be sent")                \
	X(ipc_connects, "sockets connected through IPC_CONNECT")                                   \
	X(ipc_connect_refused, "IPC_CONNECT answered with an error")                               \
	X(ipc_bad_fd, "IPC_CONNECT without exactly one stream socket")                             \
	X(ipc_unknown_id, "requests naming an unknown socket id")                                  \
	X(ipc_foreign_id, "requests naming another uid's socket (refused as unknown)")             \
	X(limit_socks_uid, "connects refused: max-sockets-per-uid (EMFILE)")                       \
	X(limit_buf_uid, "connects refused: max-buffered-per-uid (ENOBUFS)")                       \
	X(limit_socks, "connects refused: the stack's connection limit, max-sockets (ENOBUFS)")    \
	X(fd_exhausted, "times ustackd ran out of file descriptors")                               \
	X(ipc_foreign_release, "IPC_RELEASE ignored: not from the owning connection")              \
	X(ipc_opt_refused, "socket options the stack refused")                                     \
	X(us_app_closed, "programs that closed a socket")                                          \
	X(us_app_reset, "programs that closed a socket with unread data (RST)")                    \
	X(us_discarded, "bytes written by programs after their connection ended (discarded)")      \
	X(us_pair_errors, "unexpected errors on a socket pair")                                    \
	X(us_freed, "socket records freed")

enum dstat_id {
#define DSTAT_ENUM(name, desc) DSTAT_##name,
	DAEMON_STATS(DSTAT_ENUM)
#undef DSTAT_ENUM
	    DSTAT_MAX
};

extern uint64_t dstats[DSTAT_MAX];
extern const char *const dstat_names[DSTAT_MAX];
extern const char *const dstat_descs[DSTAT_MAX]; /* status.c */

#define DSTAT_INC(name)	   (dstats[DSTAT_##name]++)
#define DSTAT_ADD(name, n) (dstats[DSTAT_##name] += (n))

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* libev callbacks and stack_io hooks have a fixed signature. */
#define UNUSED __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The stack's clock: CLOCK_MONOTONIC in milliseconds (never jumps). */
static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif /* USTACKD_DAEMON_H */

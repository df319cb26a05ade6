/* SPDX-License-Identifier: MIT */
/*
 * log.h - ustackd's messages, all on stderr, each prefixed "ustackd: ".
 *
 * Two error regimes (STYLE.md 8): start-up and configuration errors end the
 * daemon through die() with one sentence; run-time problems are counted and,
 * when they are worth a line at all, reported with info() or debug().
 * debug() costs one branch when -v is not given: its arguments are not even
 * evaluated.
 */
#ifndef USTACKD_LOG_H
#define USTACKD_LOG_H

extern int log_verbose; /* -v: debug() lines are printed */

/* Print "ustackd: <sentence>" and exit(1). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* One line at the default level. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line only with -v; use through debug(). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define debug(...)                                                                                 \
	do {                                                                                       \
		if (log_verbose)                                                                   \
			log_debug(__VA_ARGS__);                                                    \
	} while (0)

#endif /* USTACKD_LOG_H */

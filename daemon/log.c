/* SPDX-License-Identifier: MIT */
/*
 * log.c - stderr logging for ustackd (see log.h).
 *
 * Each message is formatted into one buffer and written with a single
 * write(2), so that lines from ustackd never interleave with each other or
 * get split when stderr is a pipe shared with other programs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolate.h"
#include "log.h"

int log_verbose;

/* Format "ustackd: " fmt "\n" and write it in one piece; keeps errno. */
static void vlog(const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;
	int n = snprintf(buf, sizeof(buf), "ustackd: ");
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	size_t len;

	if (m < 0)
		m = 0;
	len = (size_t)n + (size_t)m;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2; /* truncated: still end the line */
	buf[len++] = '\n';
	if (write(STDERR_FILENO, buf, len) < 0) {
		/* nowhere left to complain to */
	}
	errno = saved;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	exit(1);
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use log_syscalls[] = {
    SYSCALL("write", "one line to stderr per message"),
    SYSCALLS_END,
};

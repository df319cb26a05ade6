/* SPDX-License-Identifier: MIT */
/*
 * ustack.h - what the modules of the `ustack` command share.
 *
 * The command follows the start-up error regime: a problem ends it with one
 * sentence on stderr and exit status 1 (die()); bad usage exits with 2.
 */
#ifndef USTACK_TOOL_H
#define USTACK_TOOL_H

#include <stddef.h>
#include <stdint.h>

#define USTACK_DEFAULT_SOCKET "/run/ustack/ustackd.sock"

__attribute__((format(printf, 1, 2), noreturn)) void die(const char *fmt, ...);

/* ---- uctl.c: the control connection to ustackd ---- */

/* The socket path: --socket, else $USTACK_SOCKET, else the default. */
const char *uctl_path(const char *opt);
/* Connect to path and say hello; dies with one sentence if ustackd cannot be reached. */
int uctl_open(const char *path);
/*
 * Send req (reqlen bytes, hdr.type set; version, len and seq are filled in)
 * with passfd attached if >= 0, and wait for its reply in rep (at most
 * repmax bytes).  Returns the reply's length; *err gets the reply's errno
 * (0 on success).  Dies if ustackd goes away or breaks the protocol.
 */
size_t uctl_call(int fd, void *req, size_t reqlen, int passfd, void *rep, size_t repmax, int *err);

/* ---- observe.c: the commands ---- */

int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif /* USTACK_TOOL_H */

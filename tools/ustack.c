/* SPDX-License-Identifier: MIT */
/*
 * ustack.c - the ustack command: run programs over the userspace stack.
 *
 * Theory of operation: `ustack run CMD` puts libustack.so into LD_PRELOAD
 * and execs CMD, nothing more; the shim and the daemon do the rest.  The
 * library is looked up beside this binary (the build tree: build/ustack and
 * build/libustack.so) and then in ../lib (`make install`: PREFIX/bin/ustack
 * and PREFIX/lib/libustack.so), so the pair always matches.  A preload the
 * user already had stays first; ours is appended.
 *
 * Static and setuid programs ignore LD_PRELOAD: they run on the kernel stack.
 *
 * The other commands watch the daemon (observe.c): status, stats, capture
 * and trace.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"

#ifndef USTACK_VERSION
#define USTACK_VERSION "0.1.0-dev"
#endif

#define LIBNAME "libustack.so"

static void usage(FILE *f)
{
	fprintf(f, "usage: ustack run [--socket PATH] CMD [ARGS...]\n"
		   "       ustack status [--json] [--socket PATH]\n"
		   "       ustack stats [-a] [--json] [--socket PATH]\n"
		   "       ustack capture [--duration S] [--socket PATH] FILE [FILTER...]\n"
		   "       ustack trace [OPTIONS] FILE.pcap | --live [FILTER...]\n"
		   "       ustack version\n"
		   "       ustack --help\n"
		   "\n"
		   "  run      run CMD with its IPv4 TCP connections on ustackd's stack\n"
		   "           (loopback addresses stay on the kernel's)\n"
		   "  status   every connection, like ss -tanp\n"
		   "  stats    the counters, like netstat -s (-a: zeros too)\n"
		   "  capture  a live pcap of the frames ustackd sends and receives\n"
		   "  trace    one connection as a Mermaid sequence diagram (--help for more)\n"
		   "  version  print the version\n"
		   "\n"
		   "  --socket PATH  ustackd's control socket (default $USTACK_SOCKET,\n"
		   "                 else " USTACK_DEFAULT_SOCKET ")\n");
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ustack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Absolute path of libustack.so for this binary, or die with why not. */
static char *find_lib(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + sizeof("/../lib/" LIBNAME)], *slash, *res;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		die("cannot find my own binary (/proc/self/exe): %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		die("cannot find my own directory from %s", exe);
	*slash = '\0';

	snprintf(cand, sizeof(cand), "%s/" LIBNAME, exe);
	if (access(cand, R_OK) == 0 && (res = realpath(cand, NULL)) != NULL)
		return res;
	snprintf(cand, sizeof(cand), "%s/../lib/" LIBNAME, exe);
	if (access(cand, R_OK) == 0 && (res = realpath(cand, NULL)) != NULL)
		return res;
	die("cannot find %s in %s or %s/../lib; build it (make) or install it (make install)",
	    LIBNAME, exe, exe);
}

/* True if the space/colon separated list already names path. */
static int preload_has(const char *list, const char *path)
{
	size_t len = strlen(path);
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, " :");

		if (n == len && strncmp(p, path, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " :");
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	const char *sock = NULL, *prev;
	char *lib, *val;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--socket") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0')
				die("--socket needs a path");
			sock = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			sock = argv[i] + 9;
			if (*sock == '\0')
				die("--socket needs a path");
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "ustack: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ustack: run needs a command\n");
		usage(stderr);
		return 2;
	}

	lib = find_lib();
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(lib, " :") != NULL)
		die("the path %s contains a space or a colon, which LD_PRELOAD cannot carry", lib);
	prev = getenv("LD_PRELOAD");
	if (prev != NULL && strspn(prev, " :") != strlen(prev)) {
		if (preload_has(prev, lib)) {
			val = strdup(prev);
		} else {
			size_t len = strlen(prev) + 1 + strlen(lib) + 1;

			val = malloc(len);
			if (val != NULL)
				snprintf(val, len, "%s %s", prev, lib);
		}
	} else {
		val = strdup(lib);
	}
	if (val == NULL)
		die("out of memory");
	if (setenv("LD_PRELOAD", val, 1) < 0)
		die("cannot set LD_PRELOAD: %s", strerror(errno));
	if (sock != NULL && setenv("USTACK_SOCKET", sock, 1) < 0)
		die("cannot set USTACK_SOCKET: %s", strerror(errno));
	free(val);
	free(lib);

	execvp(argv[i], &argv[i]);
	fprintf(stderr, "ustack: cannot run %s: %s\n", argv[i], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("ustack %s\n", USTACK_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (strcmp(argv[1], "capture") == 0)
		return cmd_capture(argc - 1, argv + 1);
	if (strcmp(argv[1], "trace") == 0)
		return cmd_trace(argc - 1, argv + 1);
	fprintf(stderr, "ustack: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}

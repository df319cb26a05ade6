/* SPDX-License-Identifier: MIT */
/*
 * t.h - what the e2e C test programs share (tests/e2e/t_*.c).
 *
 * Each program checks one socket semantic of the shim against what Linux
 * does, run by tests/e2e/run through `ustack run` in the lab's stack
 * namespace, with the lab's kernel peer (nginx on port 80, or t_slowpeer) on
 * the other side.  It exits 0 after printing one line of figures, or exits
 * 1 after printing "FAIL <where>: <why>"; run turns that into PASS/FAIL.
 */
#ifndef USTACK_TESTS_E2E_T_H
#define USTACK_TESTS_E2E_T_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *t_name = "t";

/* A string literal where exec wants char * (the build has -Wwrite-strings). */
#define T_STR(s) ((char *)(uintptr_t)(s))

__attribute__((format(printf, 2, 3), noreturn)) static void t_fail(int line, const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	printf("FAIL %s:%d: ", t_name, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", e, strerror(e));
	fflush(stdout);
	_exit(1);
}

/* CHECK(cond, "what was expected", ...): fail with the line and errno if not. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			t_fail(__LINE__, __VA_ARGS__);                                             \
	} while (0)

static inline double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline struct sockaddr_in t_addr(const char *ip, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		printf("FAIL %s: bad address %s\n", t_name, ip);
		exit(2);
	}
	return sin;
}

/* A blocking connection to ip:port, or fail. */
static inline int t_connect(const char *ip, int port)
{
	struct sockaddr_in sin = t_addr(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket");
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect to %s:%d", ip, port);
	return fd;
}

static inline int t_sockopt_int(int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -errno - 100000;
	return v;
}

/* Open fds of this process: a socket the shim failed to let go of leaks its end B. */
static inline int t_nfds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* SO_DOMAIN as the program sees it: AF_INET for a ustack socket, AF_UNIX for a bare pair. */
static inline int t_domain(int fd)
{
	return t_sockopt_int(fd, SOL_SOCKET, SO_DOMAIN);
}

/* Write a whole HTTP/1.0 request for "/" (the peer closes after answering). */
static inline void t_http_get(int fd, const char *path)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: lab\r\n\r\n", path);

	CHECK(write(fd, req, (size_t)n) == n, "write the request");
}

/* Read until EOF (or cap); the byte count. */
static inline size_t t_read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	CHECK(n == 0 || got + 1 >= cap, "read until the end of the response");
	buf[got] = '\0';
	return got;
}

/* GET / on fd and check the answer is nginx's 200 with the lab's page. */
static inline size_t t_http_check(int fd)
{
	char buf[8192];
	size_t n;

	t_http_get(fd, "/");
	n = t_read_all(fd, buf, sizeof(buf));
	CHECK(strncmp(buf, "HTTP/1.1 200 OK", 15) == 0, "a 200 answer, got \"%.40s\"", buf);
	CHECK(strstr(buf, "ustack lab") != NULL, "the lab's index.html in the answer");
	return n;
}

#endif /* USTACK_TESTS_E2E_T_H */

/* SPDX-License-Identifier: MIT */
/*
 * t_syscall_close ADDR - a socket closed with syscall(SYS_close) (as node
 * does), then its number reused: by a plain socketpair, which must stay a
 * plain AF_UNIX socket (no stale slot answering for it), and by a new
 * ustack socket, which must work.  Then socket/connect/getsockname/close
 * through syscall() itself.
 */
#include "t.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin, dst;
	socklen_t len = sizeof(sin);
	int fd, fd2, sv[2], i;
	char c = 0;

	t_name = "t_syscall_close";
	if (argc != 2)
		return 2;
	fd = t_connect(argv[1], 80);
	CHECK(t_domain(fd) == AF_INET, "a ustack socket says AF_INET, got %d", t_domain(fd));
	CHECK(syscall(SYS_close, fd) == 0, "syscall(SYS_close)");
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF, "the fd is closed");

	/* The lowest free number: the one just closed. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(sv[0] == fd, "socketpair reuses fd %d (got %d)", fd, sv[0]);
	CHECK(t_domain(sv[0]) == AF_UNIX, "the reused fd is AF_UNIX, got %d", t_domain(sv[0]));
	CHECK(getsockname(sv[0], (struct sockaddr *)&sin, &len) == 0 && sin.sin_family == AF_UNIX,
	      "getsockname of the reused fd is AF_UNIX");
	CHECK(write(sv[1], "x", 1) == 1 && read(sv[0], &c, 1) == 1 && c == 'x', "data on the pair");
	close(sv[1]);
	CHECK(read(sv[0], &c, 1) == 0, "EOF on the pair, not a ustack verdict");
	close(sv[0]);

	/* Reused by a ustack socket, which works. */
	fd2 = t_connect(argv[1], 80);
	CHECK(fd2 == fd, "socket() reuses fd %d (got %d)", fd, fd2);
	t_http_check(fd2);
	CHECK(close(fd2) == 0, "close");

	/* The socket calls through syscall() reach the shim too. */
	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "syscall(SYS_socket)");
	CHECK(t_domain(fd) == AF_INET, "syscall(SYS_socket) made a ustack socket");
	dst = t_addr(argv[1], 80);
	CHECK(syscall(SYS_connect, fd, &dst, sizeof(dst)) == 0, "syscall(SYS_connect)");
	len = sizeof(sin);
	CHECK(syscall(SYS_getsockname, fd, &sin, &len) == 0 && sin.sin_family == AF_INET &&
		  len == sizeof(sin),
	      "syscall(SYS_getsockname) gives an AF_INET address");
	len = sizeof(sin);
	CHECK(syscall(SYS_getpeername, fd, &sin, &len) == 0 &&
		  sin.sin_addr.s_addr == dst.sin_addr.s_addr && sin.sin_port == htons(80),
	      "syscall(SYS_getpeername) gives the peer");
	fd2 = (int)syscall(SYS_dup, fd);
	CHECK(fd2 >= 0 && t_domain(fd2) == AF_INET, "syscall(SYS_dup) keeps it a ustack socket");
	CHECK(syscall(SYS_close, fd) == 0, "syscall(SYS_close) of one copy");
	t_http_check(fd2);
	CHECK(syscall(SYS_close, fd2) == 0, "syscall(SYS_close) of the other");
	i = t_nfds();
	fd2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(t_nfds() == i + 2, "an unconnected socket holds A and B");
	CHECK(syscall(SYS_close, fd2) == 0 && t_nfds() == i,
	      "syscall(SYS_close) let go of A and B (%d fds, want %d)", t_nfds(), i);
	printf("closed with syscall(SYS_close): fd %d reused as AF_UNIX then as a working ustack "
	       "socket; socket/connect/getsockname/getpeername/dup/close via syscall()\n",
	       fd);
	return 0;
}

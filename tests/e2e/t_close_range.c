/* SPDX-License-Identifier: MIT */
/*
 * t_close_range ADDR - close_range() and closefrom() close ustack sockets
 * the shim never sees a close() for: the numbers, reused by plain pairs,
 * must be plain AF_UNIX; CLOSE_RANGE_CLOEXEC closes nothing and must leave
 * the sockets working.  The range holds the shim's control connection too.
 */
#include "t.h"

#include <linux/close_range.h>

int main(int argc, char **argv)
{
	int fd[3], sv[2], i, hi, nfds, u;

	t_name = "t_close_range";
	if (argc != 2)
		return 2;
	/* The shim's control connection is among them: it must come back by itself. */
	for (i = 0; i < 3; i++)
		fd[i] = t_connect(argv[1], 80);
	CHECK(fd[0] < fd[1] && fd[1] < fd[2], "three ascending fds");

	CHECK(close_range((unsigned)fd[0], (unsigned)fd[2], CLOSE_RANGE_CLOEXEC) == 0,
	      "close_range(CLOEXEC)");
	for (i = 0; i < 3; i++) {
		CHECK(fcntl(fd[i], F_GETFD) == FD_CLOEXEC, "fd %d is close-on-exec", fd[i]);
		CHECK(t_domain(fd[i]) == AF_INET, "fd %d still a ustack socket", fd[i]);
	}
	t_http_check(fd[1]);

	/* An unconnected socket too: the shim holds its end B until the socket goes. */
	u = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(u > fd[2], "an unconnected socket above the others");
	nfds = t_nfds();
	for (i = fd[0]; i <= u; i++)
		nfds -= fcntl(i, F_GETFD) >= 0;
	CHECK(close_range((unsigned)fd[0], (unsigned)u, 0) == 0, "close_range");
	for (i = 0; i < 3; i++)
		CHECK(fcntl(fd[i], F_GETFD) < 0 && errno == EBADF, "fd %d closed", fd[i]);
	/* What stays open: the fds outside the range, less the shim's end B of u. */
	CHECK(t_nfds() == nfds - 1,
	      "close_range let go of the unconnected socket's end B (%d fds, "
	      "want %d)",
	      t_nfds(), nfds - 1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && sv[0] == fd[0] && sv[1] == fd[0] + 1,
	      "a socketpair on the freed numbers");
	CHECK(t_domain(sv[0]) == AF_UNIX && t_domain(sv[1]) == AF_UNIX, "they are plain AF_UNIX");
	close(sv[0]);
	close(sv[1]);

	/* closefrom(): a socket moved high, closed by it. */
	i = t_connect(argv[1], 80);
	hi = fcntl(i, F_DUPFD, 200);
	CHECK(hi >= 200 && t_domain(hi) == AF_INET, "F_DUPFD copy is a ustack socket");
	close(i);
	u = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(dup2(u, 201) == 201 && close(u) == 0, "an unconnected socket at 201");
	nfds = t_nfds();
	for (i = 200; i < 1024; i++)
		nfds -= fcntl(i, F_GETFD) >= 0; /* ours, and whatever we inherited up there */
	closefrom(200);
	CHECK(t_nfds() == nfds - 1,
	      "closefrom let go of the unconnected socket's end B (%d fds, "
	      "want %d)",
	      t_nfds(), nfds - 1);
	CHECK(fcntl(hi, F_GETFD) < 0 && errno == EBADF, "closefrom closed fd %d", hi);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(dup2(sv[0], hi) == hi && t_domain(hi) == AF_UNIX, "fd %d is now plain AF_UNIX", hi);
	/* The dup family keeps a socket known under every number; dup2 over one forgets it. */
	i = t_connect(argv[1], 80);
	CHECK(dup2(i, 100) == 100 && t_domain(100) == AF_INET, "dup2");
	CHECK(dup3(i, 101, O_CLOEXEC) == 101 && t_domain(101) == AF_INET &&
		  fcntl(101, F_GETFD) == FD_CLOEXEC,
	      "dup3(O_CLOEXEC)");
	CHECK(fcntl(i, F_DUPFD_CLOEXEC, 102) == 102 && t_domain(102) == AF_INET, "F_DUPFD_CLOEXEC");
	CHECK(close(i) == 0 && close(100) == 0 && close(102) == 0, "close three of four copies");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && dup2(sv[0], 100) == 100 &&
		  t_domain(100) == AF_UNIX,
	      "dup2 of a plain pair onto a former copy");
	t_http_check(101);
	printf("close_range(CLOEXEC) kept 3 sockets working; close_range and closefrom freed "
	       "fds %d-%d and %d for plain pairs; dup2/dup3/F_DUPFD_CLOEXEC copies\n",
	       fd[0], fd[2], hi);
	return 0;
}

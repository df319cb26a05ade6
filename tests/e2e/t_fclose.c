/* SPDX-License-Identifier: MIT */
/*
 * t_fclose ADDR - a socket wrapped in stdio (fdopen), used with fprintf and
 * fgets, closed with fclose(): the shim must notice, and the number reused
 * by a plain pair must be plain AF_UNIX.
 */
#include "t.h"

int main(int argc, char **argv)
{
	char line[512];
	int fd, sv[2], nfds;
	FILE *f;

	t_name = "t_fclose";
	if (argc != 2)
		return 2;
	fd = t_connect(argv[1], 80);
	f = fdopen(fd, "r+");
	CHECK(f != NULL, "fdopen");
	CHECK(fprintf(f, "GET / HTTP/1.0\r\nHost: lab\r\n\r\n") > 0 && fflush(f) == 0,
	      "fprintf + fflush the request");
	CHECK(fgets(line, sizeof(line), f) != NULL && strncmp(line, "HTTP/1.1 200 OK", 15) == 0,
	      "fgets the status line");
	while (fgets(line, sizeof(line), f) != NULL)
		;
	CHECK(feof(f), "fgets to the end");
	errno = 0;
	CHECK(fclose(f) == 0 && errno == 0, "fclose, errno untouched");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && sv[0] == fd,
	      "socketpair reuses fd %d", fd);
	CHECK(t_domain(sv[0]) == AF_UNIX, "fd %d is plain AF_UNIX after fclose", fd);
	close(sv[0]);
	close(sv[1]);
	fd = t_connect(argv[1], 80);
	t_http_check(fd);
	close(fd);

	/* An unconnected socket in a stream: fclose must let go of its end B too. */
	nfds = t_nfds();
	f = fdopen(socket(AF_INET, SOCK_STREAM, 0), "r+");
	CHECK(f != NULL && t_nfds() == nfds + 2, "an unconnected socket holds A and B");
	CHECK(fclose(f) == 0 && t_nfds() == nfds, "fclose let go of A and B (%d fds, want %d)",
	      t_nfds(), nfds);
	printf("fdopen+fprintf+fgets, fclose, fd reused as a plain pair; fclose of an unconnected "
	       "socket let go of both ends\n");
	return 0;
}

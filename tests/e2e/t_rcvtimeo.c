/* SPDX-License-Identifier: MIT */
/*
 * t_rcvtimeo ADDR - SO_RCVTIMEO on a ustack socket: a blocking recv() or
 * read() with nothing to read fails with EAGAIN after the timeout; the
 * value reads back; data that comes in time is read as usual.
 */
#include "t.h"

#include <sys/time.h>

int main(int argc, char **argv)
{
	struct timeval tv = {.tv_usec = 300 * 1000}, got;
	socklen_t len = sizeof(got);
	char buf[64];
	double t0, s_recv, s_read;
	ssize_t r;
	int fd;

	t_name = "t_rcvtimeo";
	if (argc != 2)
		return 2;
	fd = t_connect(argv[1], 80);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && got.tv_sec == 0 &&
		  got.tv_usec >= 290000 && got.tv_usec <= 310000,
	      "SO_RCVTIMEO reads back (%ld.%06ld)", (long)got.tv_sec, (long)got.tv_usec);
	tv.tv_sec = 2;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO");
	len = sizeof(got);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &got, &len) == 0 && got.tv_sec == 2,
	      "SO_SNDTIMEO reads back");

	t0 = t_now();
	r = recv(fd, buf, sizeof(buf), 0);
	s_recv = t_now() - t0;
	CHECK(r < 0 && errno == EAGAIN, "recv with nothing to read: EAGAIN (r %zd)", r);
	CHECK(s_recv > 0.25 && s_recv < 2, "recv waited the timeout (%.3f s)", s_recv);
	t0 = t_now();
	r = read(fd, buf, sizeof(buf));
	s_read = t_now() - t0;
	CHECK(r < 0 && errno == EAGAIN, "read with nothing to read: EAGAIN (r %zd)", r);
	CHECK(s_read > 0.25 && s_read < 2, "read waited the timeout (%.3f s)", s_read);
	t_http_check(fd);
	printf("recv EAGAIN after %.3f s, read EAGAIN after %.3f s (SO_RCVTIMEO 0.3 s); the "
	       "answer read in time\n",
	       s_recv, s_read);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * t_poll_twice ADDR - the same fd twice in one poll() array (nc does it):
 * both entries get their own revents.
 */
#include "t.h"

#include <poll.h>

int main(int argc, char **argv)
{
	struct pollfd p[2];
	int fd, n;

	t_name = "t_poll_twice";
	if (argc != 2)
		return 2;
	fd = t_connect(argv[1], 80);
	p[0] = (struct pollfd){.fd = fd, .events = POLLOUT};
	p[1] = (struct pollfd){.fd = fd, .events = POLLIN};
	n = poll(p, 2, 0);
	CHECK(n == 1 && p[0].revents == POLLOUT && p[1].revents == 0,
	      "before the request: writable, not readable (n %d, %#x %#x)", n, p[0].revents,
	      p[1].revents);
	t_http_get(fd, "/");
	p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	CHECK(poll(p, 1, 5000) == 1, "the answer comes");
	p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = fd, .events = POLLIN | POLLOUT};
	n = poll(p, 2, 0);
	CHECK(n == 2 && (p[0].revents & POLLIN) && (p[1].revents & POLLIN) &&
		  (p[1].revents & POLLOUT) && !(p[0].revents & POLLOUT),
	      "both entries see the answer (n %d, %#x %#x)", n, p[0].revents, p[1].revents);
	printf("poll with fd %d twice: %d ready, revents %#x and %#x\n", fd, n, p[0].revents,
	       p[1].revents);
	return 0;
}

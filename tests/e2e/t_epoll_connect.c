/* SPDX-License-Identifier: MIT */
/*
 * t_epoll_connect ADDR PORT DIR - the filler gate under epoll, level- and
 * edge-triggered: a non-blocking connect held in SYN-SENT by t_slowpeer
 * reports nothing (send: EAGAIN, SO_ERROR 0, getpeername ENOTCONN); once
 * the peer answers, both instances report EPOLLOUT without ERR/HUP (LT
 * again on every wait).  Then a refused connect (port 81): OUT|ERR|HUP and
 * SO_ERROR ECONNREFUSED, reported once.
 */
#include "t.h"

#include <sys/epoll.h>

static int wait1(int ep, int ms, unsigned *ev)
{
	struct epoll_event e[4];
	int n = epoll_wait(ep, e, 4, ms);

	*ev = n > 0 ? e[0].events : 0;
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst, sin;
	struct epoll_event ev;
	socklen_t len = sizeof(sin);
	int fd, lt, et, n, port;
	unsigned got;
	char path[4096], buf[64];
	double t0, secs;

	t_name = "t_epoll_connect";
	if (argc != 4)
		return 2;
	port = atoi(argv[2]);
	dst = t_addr(argv[1], port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(fd >= 0, "socket");
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno == EINPROGRESS,
	      "non-blocking connect: EINPROGRESS");
	t0 = t_now();
	lt = epoll_create1(0);
	et = epoll_create1(0);
	ev = (struct epoll_event){.events = EPOLLOUT, .data.fd = fd};
	CHECK(epoll_ctl(lt, EPOLL_CTL_ADD, fd, &ev) == 0, "EPOLL_CTL_ADD LT");
	ev.events = EPOLLOUT | EPOLLET;
	CHECK(epoll_ctl(et, EPOLL_CTL_ADD, fd, &ev) == 0, "EPOLL_CTL_ADD ET");

	n = wait1(lt, 300, &got);
	CHECK(n == 0, "LT: nothing while in SYN-SENT (n %d, events %#x)", n, got);
	n = wait1(et, 0, &got);
	CHECK(n == 0, "ET: nothing while in SYN-SENT (n %d, events %#x)", n, got);
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) < 0 && errno == EAGAIN, "send in SYN-SENT: EAGAIN");
	CHECK(t_sockopt_int(fd, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR 0 in SYN-SENT");
	CHECK(getpeername(fd, (struct sockaddr *)&sin, &len) < 0 && errno == ENOTCONN,
	      "getpeername in SYN-SENT: ENOTCONN");

	snprintf(path, sizeof(path), "%s/go.%d", argv[3], port);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0, "create %s", path);
	n = wait1(lt, 15000, &got);
	secs = t_now() - t0;
	CHECK(n == 1 && (got & EPOLLOUT) && !(got & (EPOLLERR | EPOLLHUP)),
	      "LT: EPOLLOUT once established (n %d, events %#x after %.2f s)", n, got, secs);
	n = wait1(et, 0, &got);
	CHECK(n == 1 && (got & EPOLLOUT) && !(got & (EPOLLERR | EPOLLHUP)),
	      "ET: EPOLLOUT once established (n %d, events %#x)", n, got);
	n = wait1(lt, 0, &got);
	CHECK(n == 1 && (got & EPOLLOUT), "LT: EPOLLOUT again (n %d, events %#x)", n, got);
	CHECK(t_sockopt_int(fd, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR 0 once established");
	len = sizeof(sin);
	CHECK(getpeername(fd, (struct sockaddr *)&sin, &len) == 0 && sin.sin_port == htons(port),
	      "getpeername once established");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = fd};
	CHECK(epoll_ctl(lt, EPOLL_CTL_MOD, fd, &ev) == 0, "EPOLL_CTL_MOD");
	CHECK(wait1(lt, 5000, &got) == 1 && (got & EPOLLIN), "EPOLLIN for the peer's greeting");
	CHECK(recv(fd, buf, sizeof(buf), 0) == 6 && memcmp(buf, "hello\n", 6) == 0, "the greeting");
	close(fd);

	/* Refused: the kernel peer answers port 81 with a RST. */
	dst = t_addr(argv[1], 81);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno == EINPROGRESS,
	      "refused: EINPROGRESS first");
	ev = (struct epoll_event){.events = EPOLLOUT, .data.fd = fd};
	CHECK(epoll_ctl(lt, EPOLL_CTL_ADD, fd, &ev) == 0, "EPOLL_CTL_ADD refused");
	n = wait1(lt, 5000, &got);
	CHECK(n == 1 &&
		  (got & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == (EPOLLOUT | EPOLLERR | EPOLLHUP),
	      "refused: OUT|ERR|HUP (n %d, events %#x)", n, got);
	n = t_sockopt_int(fd, SOL_SOCKET, SO_ERROR);
	CHECK(n == ECONNREFUSED, "refused: SO_ERROR ECONNREFUSED (got %d)", n);
	n = t_sockopt_int(fd, SOL_SOCKET, SO_ERROR);
	CHECK(n == 0, "refused: SO_ERROR reported once (got %d)", n);
	printf("SYN-SENT held 0.3 s with no LT/ET event, EAGAIN, SO_ERROR 0, ENOTCONN; EPOLLOUT "
	       "LT+ET %.2f s after connect; refused: OUT|ERR|HUP, ECONNREFUSED once\n",
	       secs);
	return 0;
}

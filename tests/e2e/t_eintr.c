/* SPDX-License-Identifier: MIT */
/*
 * t_eintr ADDR PORT1 PORT2 DIR - a blocking connect interrupted by a signal,
 * with the handshake held back by t_slowpeer on both ports.
 *
 * Without SA_RESTART: connect() returns EINTR when the signal comes, the
 * attempt goes on; a non-blocking connect() then says EALREADY, and once
 * the peer answers, the first connect() says 0 and the next EISCONN.
 * With SA_RESTART: the signal is handled and connect() goes on waiting
 * until the connection is established, as the kernel restarts it.
 */
#include "t.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

static volatile sig_atomic_t alarms;
static char go2[4096];

static void on_alarm(int sig)
{
	alarms++;
}

static void arm(int restart, int ms)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
	struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
}

static void *let_go(void *arg)
{
	usleep(600 * 1000);
	close(open(go2, O_CREAT | O_WRONLY, 0644));
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst;
	char path[4096], buf[16];
	double t0, eintr_s, restart_s;
	struct pollfd p;
	pthread_t th;
	int fd, r;

	t_name = "t_eintr";
	if (argc != 5)
		return 2;

	/* Without SA_RESTART. */
	dst = t_addr(argv[1], atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "socket");
	arm(0, 300);
	t0 = t_now();
	r = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	eintr_s = t_now() - t0;
	CHECK(r < 0 && errno == EINTR, "blocking connect interrupted: EINTR (r %d)", r);
	CHECK(alarms == 1 && eintr_s > 0.2 && eintr_s < 2, "after the signal (%.3f s)", eintr_s);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno == EALREADY,
	      "the attempt goes on: EALREADY");
	snprintf(path, sizeof(path), "%s/go.%s", argv[4], argv[2]);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0, "create %s", path);
	p = (struct pollfd){.fd = fd, .events = POLLOUT};
	CHECK(poll(&p, 1, 15000) == 1 && p.revents == POLLOUT, "established (revents %#x)",
	      p.revents);
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0, "then connect says 0");
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno == EISCONN,
	      "and then EISCONN");
	p.events = POLLIN;
	CHECK(poll(&p, 1, 5000) == 1 && recv(fd, buf, sizeof(buf), 0) == 6, "the peer's greeting");
	close(fd);

	/* With SA_RESTART: the kernel would restart connect(); so must the shim. */
	dst = t_addr(argv[1], atoi(argv[3]));
	snprintf(go2, sizeof(go2), "%s/go.%s", argv[4], argv[3]);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	arm(1, 300);
	CHECK(pthread_create(&th, NULL, let_go, NULL) == 0, "pthread_create");
	t0 = t_now();
	r = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	restart_s = t_now() - t0;
	pthread_join(th, NULL);
	CHECK(r == 0, "SA_RESTART: connect goes on to the end (r %d after %.3f s)", r, restart_s);
	CHECK(alarms == 2 && restart_s > 0.5, "SA_RESTART: the handler ran, %.3f s", restart_s);
	CHECK(recv(fd, buf, sizeof(buf), 0) == 6, "the peer's greeting");
	printf("EINTR after %.3f s, EALREADY, 0 once established, EISCONN; with SA_RESTART "
	       "connect waited %.3f s through the signal\n",
	       eintr_s, restart_s);
	return 0;
}

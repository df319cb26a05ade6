/* SPDX-License-Identifier: MIT */
/*
 * t_threads ADDR - the fd table under threads: eight threads each make
 * connections and end them with close(), syscall(SYS_close), fclose() or
 * close_range(), while another thread dups and closes copies of a socket
 * of its own; every answer must be right, and no fd may be left over.
 */
#include "t.h"

#include <linux/close_range.h>
#include <pthread.h>
#include <sys/syscall.h>

#define THREADS 8
#define ROUNDS	12

static const char *ip;
static volatile int stop;

static void *worker(void *arg)
{
	long id = (long)arg;
	int i, fd;

	for (i = 0; i < ROUNDS; i++) {
		fd = t_connect(ip, 80);
		t_http_check(fd);
		switch ((i + id) % 4) {
		case 0:
			CHECK(close(fd) == 0, "close");
			break;
		case 1:
			CHECK(syscall(SYS_close, fd) == 0, "syscall(SYS_close)");
			break;
		case 2:
			CHECK(fclose(fdopen(fd, "r+")) == 0, "fclose");
			break;
		default:
			CHECK(close_range((unsigned)fd, (unsigned)fd, 0) == 0, "close_range");
			break;
		}
	}
	return NULL;
}

static void *duper(void *arg)
{
	int fd = *(int *)arg, n = 0, c;

	while (!stop) {
		c = n % 2 ? dup(fd) : fcntl(fd, F_DUPFD_CLOEXEC, 0);
		CHECK(c >= 0 && t_domain(c) == AF_INET, "a copy is a ustack socket");
		CHECK(close(c) == 0, "close the copy");
		n++;
	}
	return (void *)(long)n;
}

int main(int argc, char **argv)
{
	pthread_t th[THREADS], d;
	void *dups;
	int i, fd, nfds;

	t_name = "t_threads";
	if (argc != 2)
		return 2;
	ip = argv[1];
	fd = t_connect(ip, 80); /* the control connection is open from here on */
	nfds = t_nfds();
	CHECK(pthread_create(&d, NULL, duper, &fd) == 0, "pthread_create");
	for (i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)(long)i) == 0, "pthread_create");
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	stop = 1;
	pthread_join(d, &dups);
	CHECK(t_nfds() == nfds, "every fd let go (%d open, %d before)", t_nfds(), nfds);
	t_http_check(fd);
	printf("%d threads x %d connections closed four ways, %ld dup+close meanwhile; no fd "
	       "left over\n",
	       THREADS, ROUNDS, (long)dups);
	return 0;
}

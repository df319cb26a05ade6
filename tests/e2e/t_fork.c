/* SPDX-License-Identifier: MIT */
/*
 * t_fork ADDR - fork() with a live connection: the parent closes its copy
 * at once, the child writes the request and reads the whole answer, then
 * opens a connection of its own (its own control connection); the parent
 * can still make new connections after the child is gone.
 */
#include "t.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	pid_t pid;
	int fd, st;

	t_name = "t_fork";
	if (argc != 2)
		return 2;
	fd = t_connect(argv[1], 80);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		t_name = "t_fork child";
		usleep(200 * 1000); /* the parent's close comes first */
		CHECK(t_domain(fd) == AF_INET, "the child's copy is a ustack socket");
		t_http_check(fd);
		close(fd);
		fd = t_connect(argv[1], 80);
		t_http_check(fd);
		_exit(0);
	}
	CHECK(close(fd) == 0, "the parent closes its copy");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child got its answers (status %#x)", st);
	fd = t_connect(argv[1], 80);
	t_http_check(fd);
	printf("parent closed its copy, child read the answer on the inherited socket and on one "
	       "of its own; parent connects again\n");
	return 0;
}

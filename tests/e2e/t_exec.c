/* SPDX-License-Identifier: MIT */
/*
 * t_exec ADDR - a connected ustack socket inherited across exec.
 *
 *  stripped  execve() with an environment of the program's own making (no
 *            LD_PRELOAD, no USTACK_SOCKET): the shim puts both back, and the
 *            new image knows the socket (AF_INET, its peer) and uses it;
 *  kept      LD_PRELOAD already present: left exactly as it was, not doubled;
 *  execle    the same through execle();
 *  spawn     posix_spawn() with an empty environment and a dup2 file action:
 *            the socket is found at its new number;
 *  vfork     vfork(), dup2 and close in the child, execve: the new image finds
 *            the socket, and the parent's table is untouched by the child;
 *  raw       a raw syscall(SYS_execve) the shim does not see: no shim in the
 *            new image, and reads and writes still work over the pair.
 */
#include "t.h"

#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

static int child(const char *mode, int fd, const char *ip, const char *want_preload)
{
	const char *lp = getenv("LD_PRELOAD");
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int n = 0, i;

	t_name = "t_exec child";
	if (strcmp(mode, "raw") == 0) {
		CHECK(lp == NULL, "%s: no LD_PRELOAD, got %s", mode, lp);
		CHECK(t_domain(fd) == AF_UNIX, "%s: without the shim the fd is AF_UNIX", mode);
		t_http_check(fd);
		return 0;
	}
	CHECK(lp != NULL && strstr(lp, "libustack.so") != NULL, "%s: LD_PRELOAD has libustack.so",
	      mode);
	CHECK(strstr(strstr(lp, "libustack.so") + 1, "libustack.so") == NULL,
	      "%s: libustack.so once in LD_PRELOAD=%s", mode, lp);
	if (want_preload != NULL)
		CHECK(strcmp(lp, want_preload) == 0, "%s: LD_PRELOAD unchanged: %s", mode, lp);
	for (i = 0; environ[i] != NULL; i++)
		n += strncmp(environ[i], "LD_PRELOAD=", 11) == 0;
	CHECK(n == 1, "%s: one LD_PRELOAD entry, got %d", mode, n);
	CHECK(getenv("USTACK_SOCKET") != NULL, "%s: USTACK_SOCKET is back", mode);
	CHECK(getenv("USTACK_FDS") == NULL, "%s: USTACK_FDS was taken out of the environment",
	      mode);
	CHECK(t_domain(fd) == AF_INET, "%s: fd %d is a ustack socket again (got %d)", mode, fd,
	      t_domain(fd));
	CHECK(getpeername(fd, (struct sockaddr *)&sin, &len) == 0 &&
		  sin.sin_addr.s_addr == t_addr(ip, 80).sin_addr.s_addr &&
		  sin.sin_port == htons(80),
	      "%s: getpeername names the peer", mode);
	t_http_check(fd);
	return 0;
}

static void wait_ok(pid_t pid, const char *what)
{
	int st;

	CHECK(pid > 0, "%s: start", what);
	CHECK(waitpid(pid, &st, 0) == pid, "%s: waitpid", what);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the new image succeeded (status %#x)",
	      what, st);
}

int main(int argc, char **argv)
{
	char fdstr[16], preload[4096], sockenv[4096];
	char *env_stripped[] = {T_STR("T_EXEC=1"), NULL};
	char *env_kept[] = {T_STR("T_EXEC=1"), preload, sockenv, NULL};
	char *env_empty[] = {NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int fd;

	t_name = "t_exec";
	if (argc == 6 && strcmp(argv[1], "--child") == 0)
		return child(argv[2], atoi(argv[3]), argv[4], argv[5][0] ? argv[5] : NULL);
	if (argc != 2 || getenv("LD_PRELOAD") == NULL || getenv("USTACK_SOCKET") == NULL)
		return 2;
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", getenv("LD_PRELOAD"));
	snprintf(sockenv, sizeof(sockenv), "USTACK_SOCKET=%s", getenv("USTACK_SOCKET"));

	fd = t_connect(argv[1], 80);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		char *av[] = {T_STR("t_exec"),
			      T_STR("--child"),
			      T_STR("stripped"),
			      fdstr,
			      argv[1],
			      T_STR(""),
			      NULL};

		execve("/proc/self/exe", av, env_stripped);
		_exit(99);
	}
	wait_ok(pid, "execve, stripped environment");
	close(fd);

	fd = t_connect(argv[1], 80);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		char *av[] = {T_STR("t_exec"), T_STR("--child"),     T_STR("kept"), fdstr,
			      argv[1],	       getenv("LD_PRELOAD"), NULL};

		execve("/proc/self/exe", av, env_kept);
		_exit(99);
	}
	wait_ok(pid, "execve, LD_PRELOAD present");
	close(fd);

	fd = t_connect(argv[1], 80);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execle("/proc/self/exe", "t_exec", "--child", "execle", fdstr, argv[1], "",
		       (char *)NULL, env_stripped);
		_exit(99);
	}
	wait_ok(pid, "execle");
	close(fd);

	fd = t_connect(argv[1], 80);
	CHECK(posix_spawn_file_actions_init(&fa) == 0 &&
		  posix_spawn_file_actions_adddup2(&fa, fd, 42) == 0,
	      "file actions");
	{
		char *av[] = {T_STR("t_exec"),
			      T_STR("--child"),
			      T_STR("spawn"),
			      T_STR("42"),
			      argv[1],
			      T_STR(""),
			      NULL};

		CHECK(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, av, env_empty) == 0,
		      "posix_spawn");
	}
	wait_ok(pid, "posix_spawn, empty environment, fd moved to 42");
	posix_spawn_file_actions_destroy(&fa);
	close(fd);

	/* vfork: the child's dup2 and close are its own; the parent's table must not change. */
	fd = t_connect(argv[1], 80);
	{
		char *av[] = {T_STR("t_exec"),
			      T_STR("--child"),
			      T_STR("vfork"),
			      T_STR("43"),
			      argv[1],
			      T_STR(""),
			      NULL};

		pid = vfork();
		if (pid == 0) {
			if (dup2(fd, 43) == 43 && close(fd) == 0)
				execve("/proc/self/exe", av, env_stripped);
			_exit(99);
		}
	}
	wait_ok(pid, "vfork, dup2 to 43, close, execve");
	CHECK(t_domain(fd) == AF_INET, "the vfork child's close left the parent's socket known");
	close(fd);

	fd = t_connect(argv[1], 80);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	pid = fork();
	if (pid == 0) {
		char *av[] = {T_STR("t_exec"), T_STR("--child"), T_STR("raw"), fdstr,
			      argv[1],	       T_STR(""),	 NULL};

		syscall(SYS_execve, "/proc/self/exe", av, env_stripped);
		_exit(99);
	}
	wait_ok(pid, "raw SYS_execve without the shim");
	close(fd);

	printf("execve (LD_PRELOAD and USTACK_SOCKET put back), execve (LD_PRELOAD kept as is), "
	       "execle, posix_spawn (fd moved, empty env), vfork+dup2+close+execve: the socket "
	       "known and used; raw SYS_execve: no shim, the pair still carries the request\n");
	return 0;
}

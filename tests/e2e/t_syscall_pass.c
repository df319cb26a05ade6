/* SPDX-License-Identifier: MIT */
/*
 * t_syscall_pass - syscall() with numbers the shim does not know goes to
 * the kernel untouched: getpid, gettid, a six-argument mmap, write on a
 * pipe, an fcntl on a non-socket, and a number no kernel has (ENOSYS).
 */
#include "t.h"

#include <sys/mman.h>
#include <sys/syscall.h>

int main(void)
{
	int p[2];
	char c = 0;
	void *m;
	long r;

	t_name = "t_syscall_pass";
	CHECK(syscall(SYS_getpid) == getpid(), "SYS_getpid");
	CHECK(syscall(SYS_gettid) == gettid(), "SYS_gettid");
	m = (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "SYS_mmap with six arguments");
	*(volatile char *)m = 1;
	CHECK(syscall(SYS_munmap, m, 4096) == 0, "SYS_munmap");
	CHECK(pipe(p) == 0, "pipe");
	CHECK(syscall(SYS_write, p[1], "y", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'y',
	      "SYS_write on a pipe");
	CHECK(syscall(SYS_fcntl, p[0], F_GETFL) >= 0, "SYS_fcntl on a pipe");
	CHECK(syscall(SYS_close, p[0]) == 0 && syscall(SYS_close, p[1]) == 0,
	      "SYS_close of a pipe");
	errno = 0;
	r = syscall(99999);
	CHECK(r == -1 && errno == ENOSYS, "an unknown number gives ENOSYS (got %ld)", r);
	printf("getpid, gettid, mmap (6 args), munmap, write, fcntl, close and #99999 (ENOSYS) "
	       "passed through\n");
	return 0;
}

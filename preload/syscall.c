/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - syscall(): the socket numbers to the wrappers, all else to the kernel.
 *
 * Theory of operation: programs reach the kernel through syscall() too
 * (node closes its sockets with syscall(SYS_close, fd)).  The numbers whose
 * meaning the shim changes for a ustack socket go to the same wrappers the
 * libc names reach, which pass any fd that is not a ustack socket straight
 * on; every other number goes to the real syscall() with its six argument
 * registers untouched.  An allow-list of what to intercept, never a
 * deny-list: torsocks refused the numbers it did not know and broke programs
 * far from networking.
 *
 * syscall() is variadic and the kernel takes six register arguments, so six
 * longs are read whatever the number: what a caller did not pass is
 * whatever its registers held, and the kernel ignores what a call does not
 * use, as glibc's own syscall() does.  read and write are not intercepted:
 * the pair does them natively, and they are the hottest numbers of all.
 */
#include "shim.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

SHIM_API long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_close:
		return close((int)a[0]);
#ifdef SYS_close_range
	case SYS_close_range:
		return close_range((unsigned)a[0], (unsigned)a[1], (int)a[2]);
#endif
	case SYS_socket:
		return socket((int)a[0], (int)a[1], (int)a[2]);
	case SYS_connect:
		return connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case SYS_bind:
		return bind((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	/* No wrappers yet (TODO(listen)); the names reach them once they exist. */
	case SYS_listen:
		return listen((int)a[0], (int)a[1]);
	case SYS_accept:
		return accept((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case SYS_accept4:
		return accept4((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2], (int)a[3]);
	case SYS_dup:
		return dup((int)a[0]);
#ifdef SYS_dup2
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
#endif
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
	case SYS_fcntl:
		return fcntl((int)a[0], (int)a[1], a[2]);
	case SYS_ioctl:
		return ioctl((int)a[0], (unsigned long)a[1], a[2]);
	case SYS_setsockopt:
		return setsockopt((int)a[0], (int)a[1], (int)a[2], (const void *)a[3],
				  (socklen_t)a[4]);
	case SYS_getsockopt:
		return getsockopt((int)a[0], (int)a[1], (int)a[2], (void *)a[3], (socklen_t *)a[4]);
	case SYS_getsockname:
		return getsockname((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case SYS_getpeername:
		return getpeername((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case SYS_shutdown:
		return shutdown((int)a[0], (int)a[1]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
			      (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case SYS_recvfrom:
		return recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3],
				(struct sockaddr *)a[4], (socklen_t *)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_recvmsg:
		return recvmsg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3]);
	case SYS_recvmmsg:
		return recvmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3],
				(struct timespec *)a[4]);
	default:
		return real_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

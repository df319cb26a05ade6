/* SPDX-License-Identifier: MIT */
/*
 * real.c - the libc functions behind the shim's wrappers.
 *
 * Theory of operation: every wrapper reaches the function it replaces through
 * the table `real`, filled once with dlsym(RTLD_NEXT).  A constructor fills
 * it at load time, and REAL() fills it on first use if another library's
 * constructor calls a wrapper before ours ran.  Should dlsym not find a name
 * (it always does with glibc), a direct system call stands in, so a wrapper
 * never calls through NULL.  Inside the shim, calls that must not come back
 * into a wrapper (close, connect, send, ...) always go through REAL().
 */
#include "shim.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

struct real_fns real;
int real_ready;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* Stand-ins if dlsym fails: the bare system calls. */
static int fb_socket(int d, int t, int p)
{
	return (int)syscall(SYS_socket, d, t, p);
}
static int fb_connect(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)syscall(SYS_connect, fd, a, l);
}
static int fb_bind(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)syscall(SYS_bind, fd, a, l);
}
static int fb_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}
static int fb_dup(int fd)
{
	return (int)syscall(SYS_dup, fd);
}
static int fb_dup2(int o, int n)
{
	if (o == n)
		return (int)syscall(SYS_fcntl, o, F_GETFD) < 0 ? -1 : n;
	return (int)syscall(SYS_dup3, o, n, 0);
}
static int fb_dup3(int o, int n, int f)
{
	return (int)syscall(SYS_dup3, o, n, f);
}
static int fb_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}
static int fb_shutdown(int fd, int how)
{
	return (int)syscall(SYS_shutdown, fd, how);
}
static int fb_getsockopt(int fd, int l, int n, void *v, socklen_t *len)
{
	return (int)syscall(SYS_getsockopt, fd, l, n, v, len);
}
static int fb_setsockopt(int fd, int l, int n, const void *v, socklen_t len)
{
	return (int)syscall(SYS_setsockopt, fd, l, n, v, len);
}
static int fb_getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)syscall(SYS_getsockname, fd, a, l);
}
static int fb_getpeername(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)syscall(SYS_getpeername, fd, a, l);
}
static ssize_t fb_read(int fd, void *b, size_t n)
{
	return syscall(SYS_read, fd, b, n);
}
static ssize_t fb_write(int fd, const void *b, size_t n)
{
	return syscall(SYS_write, fd, b, n);
}
static ssize_t fb_readv(int fd, const struct iovec *v, int n)
{
	return syscall(SYS_readv, fd, v, n);
}
static ssize_t fb_writev(int fd, const struct iovec *v, int n)
{
	return syscall(SYS_writev, fd, v, n);
}
static ssize_t fb_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
	return syscall(SYS_recvfrom, fd, b, n, f, a, l);
}
static ssize_t fb_recv(int fd, void *b, size_t n, int f)
{
	return fb_recvfrom(fd, b, n, f, NULL, NULL);
}
static ssize_t fb_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a,
			 socklen_t l)
{
	return syscall(SYS_sendto, fd, b, n, f, a, l);
}
static ssize_t fb_send(int fd, const void *b, size_t n, int f)
{
	return fb_sendto(fd, b, n, f, NULL, 0);
}
static ssize_t fb_recvmsg(int fd, struct msghdr *m, int f)
{
	return syscall(SYS_recvmsg, fd, m, f);
}
static ssize_t fb_sendmsg(int fd, const struct msghdr *m, int f)
{
	return syscall(SYS_sendmsg, fd, m, f);
}
static ssize_t fb_read_chk(int fd, void *b, size_t n, size_t buflen)
{
	return fb_read(fd, b, n);
}
static ssize_t fb_recv_chk(int fd, void *b, size_t n, size_t buflen, int f)
{
	return fb_recv(fd, b, n, f);
}
static ssize_t fb_recvfrom_chk(int fd, void *b, size_t n, size_t buflen, int f, struct sockaddr *a,
			       socklen_t *l)
{
	return fb_recvfrom(fd, b, n, f, a, l);
}

/* POSIX lets dlsym()'s void * be converted to a function pointer. */
#define RESOLVE(field, name, fallback)                                                             \
	do {                                                                                       \
		void *p_ = dlsym(RTLD_NEXT, name);                                                 \
		real.field = p_ != NULL ? (__typeof__(real.field))p_ : (fallback);                 \
	} while (0)

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

static void real_resolve(void)
{
	RESOLVE(socket, "socket", fb_socket);
	RESOLVE(connect, "connect", fb_connect);
	RESOLVE(bind, "bind", fb_bind);
	RESOLVE(close, "close", fb_close);
	RESOLVE(dup, "dup", fb_dup);
	RESOLVE(dup2, "dup2", fb_dup2);
	RESOLVE(dup3, "dup3", fb_dup3);
	RESOLVE(fcntl, "fcntl", fb_fcntl);
	RESOLVE(fcntl64, "fcntl64", real.fcntl);
	RESOLVE(shutdown, "shutdown", fb_shutdown);
	RESOLVE(getsockopt, "getsockopt", fb_getsockopt);
	RESOLVE(setsockopt, "setsockopt", fb_setsockopt);
	RESOLVE(getsockname, "getsockname", fb_getsockname);
	RESOLVE(getpeername, "getpeername", fb_getpeername);
	RESOLVE(read, "read", fb_read);
	RESOLVE(write, "write", fb_write);
	RESOLVE(readv, "readv", fb_readv);
	RESOLVE(writev, "writev", fb_writev);
	RESOLVE(recv, "recv", fb_recv);
	RESOLVE(send, "send", fb_send);
	RESOLVE(recvfrom, "recvfrom", fb_recvfrom);
	RESOLVE(sendto, "sendto", fb_sendto);
	RESOLVE(recvmsg, "recvmsg", fb_recvmsg);
	RESOLVE(sendmsg, "sendmsg", fb_sendmsg);
	RESOLVE(read_chk, "__read_chk", fb_read_chk);
	RESOLVE(recv_chk, "__recv_chk", fb_recv_chk);
	RESOLVE(recvfrom_chk, "__recvfrom_chk", fb_recvfrom_chk);

	ctl_init();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	/* REAL() may use the table without the once after it sees this. */
	__atomic_store_n(&real_ready, 1, __ATOMIC_RELEASE);
}

const struct real_fns *real_get(void)
{
	pthread_once(&real_once, real_resolve);
	return &real;
}

__attribute__((constructor)) static void shim_constructor(void)
{
	int saved = errno;

	real_get();
	errno = saved;
}

/*
 * fork(): the child must not inherit a locked g_lock nor share the parent's
 * control connection (replies would go to whichever process reads first).
 * prepare takes the lock so the child's copy of the table is consistent.
 */
static struct shim_held fork_held;

static void atfork_prepare(void)
{
	struct shim_held old;

	shim_lock(&old);
	fork_held = old;
}

static void atfork_parent(void)
{
	shim_unlock(&fork_held);
}

static void atfork_child(void)
{
	pthread_mutex_init(&g_lock, NULL);
	ctl_atfork_child();
	pthread_setcancelstate(fork_held.cancel, NULL);
	pthread_sigmask(SIG_SETMASK, &fork_held.mask, NULL);
}

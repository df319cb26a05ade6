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
 * into a wrapper (close, connect, send, ...) always go through REAL().  The
 * shim exports syscall() too, so the stand-ins reach the kernel through
 * real_syscall6(), never through the name syscall.
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
pid_t g_pid;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* The stand-in for syscall() itself: the instruction, where we know it. */
static long fb_syscall(long nr, ...)
{
	va_list ap;
	long a[6], ret;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
#if defined(__x86_64__)
	{
		register long r10 __asm__("r10") = a[3];
		register long r8 __asm__("r8") = a[4];
		register long r9 __asm__("r9") = a[5];

		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
				   "r"(r9)
				 : "rcx", "r11", "memory");
	}
#elif defined(__aarch64__)
	{
		register long x8 __asm__("x8") = nr;
		register long x0 __asm__("x0") = a[0];
		register long x1 __asm__("x1") = a[1];
		register long x2 __asm__("x2") = a[2];
		register long x3 __asm__("x3") = a[3];
		register long x4 __asm__("x4") = a[4];
		register long x5 __asm__("x5") = a[5];

		__asm__ volatile("svc 0"
				 : "+r"(x0)
				 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
				 : "memory");
		ret = x0;
	}
#else
	(void)a;
	ret = -ENOSYS;
#endif
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

long real_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	return REAL(syscall)(nr, a, b, c, d, e, f);
}

#define SYS6_(nr, a, b, c, d, e, f, ...)                                                           \
	real_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
/* A raw system call with up to six arguments (the missing ones are 0). */
#define SYS6(...) SYS6_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

/* Stand-ins if dlsym fails: the bare system calls. */
static int fb_socket(int d, int t, int p)
{
	return (int)SYS6(SYS_socket, d, t, p);
}
static int fb_connect(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)SYS6(SYS_connect, fd, a, l);
}
static int fb_bind(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)SYS6(SYS_bind, fd, a, l);
}
static int fb_close(int fd)
{
	return (int)SYS6(SYS_close, fd);
}
static int fb_dup(int fd)
{
	return (int)SYS6(SYS_dup, fd);
}
static int fb_dup2(int o, int n)
{
	if (o == n)
		return (int)SYS6(SYS_fcntl, o, F_GETFD) < 0 ? -1 : n;
	return (int)SYS6(SYS_dup3, o, n, 0);
}
static int fb_dup3(int o, int n, int f)
{
	return (int)SYS6(SYS_dup3, o, n, f);
}
static int fb_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (int)SYS6(SYS_fcntl, fd, cmd, arg);
}
static int fb_shutdown(int fd, int how)
{
	return (int)SYS6(SYS_shutdown, fd, how);
}
static int fb_getsockopt(int fd, int l, int n, void *v, socklen_t *len)
{
	return (int)SYS6(SYS_getsockopt, fd, l, n, v, len);
}
static int fb_setsockopt(int fd, int l, int n, const void *v, socklen_t len)
{
	return (int)SYS6(SYS_setsockopt, fd, l, n, v, len);
}
static int fb_getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)SYS6(SYS_getsockname, fd, a, l);
}
static int fb_getpeername(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)SYS6(SYS_getpeername, fd, a, l);
}
static ssize_t fb_read(int fd, void *b, size_t n)
{
	return SYS6(SYS_read, fd, b, n);
}
static ssize_t fb_write(int fd, const void *b, size_t n)
{
	return SYS6(SYS_write, fd, b, n);
}
static ssize_t fb_readv(int fd, const struct iovec *v, int n)
{
	return SYS6(SYS_readv, fd, v, n);
}
static ssize_t fb_writev(int fd, const struct iovec *v, int n)
{
	return SYS6(SYS_writev, fd, v, n);
}
static ssize_t fb_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
	return SYS6(SYS_recvfrom, fd, b, n, f, a, l);
}
static ssize_t fb_recv(int fd, void *b, size_t n, int f)
{
	return fb_recvfrom(fd, b, n, f, NULL, NULL);
}
static ssize_t fb_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a,
			 socklen_t l)
{
	return SYS6(SYS_sendto, fd, b, n, f, a, l);
}
static ssize_t fb_send(int fd, const void *b, size_t n, int f)
{
	return fb_sendto(fd, b, n, f, NULL, 0);
}
static ssize_t fb_recvmsg(int fd, struct msghdr *m, int f)
{
	return SYS6(SYS_recvmsg, fd, m, f);
}
static ssize_t fb_sendmsg(int fd, const struct msghdr *m, int f)
{
	return SYS6(SYS_sendmsg, fd, m, f);
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

static int fb_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int f)
{
	return (int)SYS6(SYS_sendmmsg, fd, v, n, f);
}
static int fb_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int f, struct timespec *t)
{
	return (int)SYS6(SYS_recvmmsg, fd, v, n, f, t);
}
static int fb_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (int)SYS6(SYS_ioctl, fd, req, arg);
}
static int fb_close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)SYS6(SYS_close_range, first, last, flags);
}
static void fb_closefrom(int fd)
{
	SYS6(SYS_close_range, fd, ~0u, 0);
}
static int fb_execve(const char *p, char *const a[], char *const e[])
{
	return (int)SYS6(SYS_execve, p, a, e);
}
static int fb_execveat(int dfd, const char *p, char *const a[], char *const e[], int f)
{
	return (int)SYS6(SYS_execveat, dfd, p, a, e, f);
}
static int fb_fexecve(int fd, char *const a[], char *const e[])
{
	return (int)SYS6(SYS_execveat, fd, "", a, e, AT_EMPTY_PATH);
}
/* No stand-in can do these; glibc always has them. */
static int fb_fclose(FILE *f)
{
	errno = ENOSYS;
	return EOF;
}
static int fb_execvpe(const char *file, char *const a[], char *const e[])
{
	errno = ENOSYS;
	return -1;
}
static int fb_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *at, char *const a[], char *const e[])
{
	return ENOSYS;
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
	RESOLVE(sendmmsg, "sendmmsg", fb_sendmmsg);
	RESOLVE(recvmmsg, "recvmmsg", fb_recvmmsg);
	RESOLVE(ioctl, "ioctl", fb_ioctl);
	RESOLVE(syscall, "syscall", fb_syscall);
	RESOLVE(close_range, "close_range", fb_close_range);
	RESOLVE(closefrom, "closefrom", fb_closefrom);
	RESOLVE(fclose, "fclose", fb_fclose);
	RESOLVE(execve, "execve", fb_execve);
	RESOLVE(execvpe, "execvpe", fb_execvpe);
	RESOLVE(execveat, "execveat", fb_execveat);
	RESOLVE(fexecve, "fexecve", fb_fexecve);
	RESOLVE(posix_spawn, "posix_spawn", fb_posix_spawn);
	RESOLVE(posix_spawnp, "posix_spawnp", fb_posix_spawn);

	g_pid = getpid();
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
	exec_init();
	exec_adopt();
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
	__atomic_store_n(&g_pid, getpid(), __ATOMIC_RELAXED);
	pthread_mutex_init(&g_lock, NULL);
	ctl_atfork_child();
	pthread_setcancelstate(fork_held.cancel, NULL);
	pthread_sigmask(SIG_SETMASK, &fork_held.mask, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * exec.c - exec keeps the shim, and the new image knows its sockets.
 *
 * Theory of operation: a ustack socket survives exec as what it is, an
 * AF_UNIX stream socket whose bytes still flow to the daemon; read and
 * write work even without the shim.  Two things would be lost: the shim
 * itself, if the program runs its child with an environment of its own
 * making (env -i, a sanitised envp), and the shim's knowledge that the fd is
 * a TCP socket (its sock_id, addresses, state, options).
 *
 * So every exec function of libc is wrapped (execve, execv, execvp,
 * execvpe, execl, execle, execlp, execveat, fexecve, posix_spawn,
 * posix_spawnp) and the environment it passes is fixed up:
 *   LD_PRELOAD     names libustack.so again if the program removed it (the
 *                  last LD_PRELOAD entry is the one ld.so uses: if it does
 *                  not name us, it becomes "THAT us"); left alone if present;
 *   USTACK_SOCKET  put back if we were started with one and it is gone;
 *   USTACK_FDS     "1:" and one record per socket the new image may hold:
 *                  its inode, B's inode, the daemon's sock_id, the state,
 *                  addresses and options, and the fd as a hint.
 * The new image's shim reads USTACK_FDS in its constructor, finds every fd
 * whose inode is in it (/proc/self/fd, else the hints: dup2 and posix_spawn
 * file actions may have moved them), rebuilds the table, and removes the
 * variable from its environment.  The sock_id stays valid: the daemon keeps
 * a socket until its pair is closed, and answers any client about it.
 *
 * These wrappers may run in a vfork() child or in the child of a fork() in a
 * threaded program, where only async-signal-safe calls are allowed: they
 * take no lock, allocate with alloca() (mmap() beyond ENV_ALLOCA_MAX), read
 * the table lock-free, and use only system calls.  What exec paths inside
 * libc (system(), popen()) or a static binary in between lose is found only
 * by asking the daemon (TODO(daemon): IPC_LOOKUP by B's inode).
 */
#include "shim.h"

#include <alloca.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FDS_VERSION    "1:"
#define FDS_BUF	       8192	  /* USTACK_FDS=..., on the wrapper's stack */
#define FDS_RECORDS    64	  /* at most this many sockets cross one exec */
#define FDS_FIELDS     25	  /* numbers in one record */
#define ENV_ALLOCA_MAX (64 << 10) /* bigger environments are built in an mmap() */

extern char **environ;

static char self_path[PATH_MAX]; /* absolute path of libustack.so, "" if unknown */
static const char *self_base;	 /* its last component */
static dev_t self_dev;
static ino_t self_ino;
static char sock_env[PATH_MAX + sizeof("USTACK_SOCKET=")]; /* "" if none at start */

void exec_init(void)
{
	Dl_info di;
	struct stat st;
	const char *p;

	if (dladdr((void *)(uintptr_t)&exec_init, &di) != 0 && di.dli_fname != NULL &&
	    di.dli_fname[0] != '\0' && realpath(di.dli_fname, self_path) == NULL)
		self_path[0] = '\0';
	/* ld.so splits LD_PRELOAD at spaces and colons: such a path cannot go there. */
	if (strpbrk(self_path, " :") != NULL)
		self_path[0] = '\0';
	if (self_path[0] != '\0' && stat(self_path, &st) == 0) {
		self_dev = st.st_dev;
		self_ino = st.st_ino;
	}
	p = strrchr(self_path, '/');
	self_base = p != NULL ? p + 1 : self_path;
	p = getenv("USTACK_SOCKET");
	if (p != NULL && *p != '\0' && strlen(p) < PATH_MAX)
		strcpy(stpcpy(sock_env, "USTACK_SOCKET="), p);
}

/* ---- the environment ---- */

static bool env_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Does one LD_PRELOAD entry of n bytes name this library? */
static bool names_self(const char *e, size_t n)
{
	char path[PATH_MAX];
	struct stat st;
	const char *slash;

	if (n == 0 || n >= sizeof(path))
		return false;
	if (n == strlen(self_path) && memcmp(e, self_path, n) == 0)
		return true;
	memcpy(path, e, n);
	path[n] = '\0';
	slash = strchr(path, '/');
	if (slash == NULL) /* found on the library path: the name must do */
		return strcmp(path, self_base) == 0;
	return self_ino != 0 && stat(path, &st) == 0 && st.st_dev == self_dev &&
	       st.st_ino == self_ino;
}

static bool preload_has_self(const char *list)
{
	while (*list != '\0') {
		size_t n = strcspn(list, " :");

		if (names_self(list, n))
			return true;
		list += n;
		list += strspn(list, " :");
	}
	return false;
}

/* Append a number to *p (no further than end); false if it does not fit. */
static bool put_num(char **p, const char *end, long v)
{
	char tmp[24];
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[u & 15];
		u >>= 4;
	} while (u != 0);
	if (v < 0)
		tmp[n++] = '-';
	if (end - *p < n + 1)
		return false;
	while (n > 0)
		*(*p)++ = tmp[--n];
	return true;
}

/* One record for us, the socket at fd (-1: no fd to hint). */
static bool put_record(char **p, const char *end, int fd, const struct usock *us)
{
	long f[FDS_FIELDS] = {
	    fd,
	    (long)us->ino,
	    (long)us->pair_ino,
	    us->sock_id,
	    us->state,
	    us_fast(us),
	    us->sndbuf_saved,
	    us->local.sin_addr.s_addr,
	    us->local.sin_port,
	    us->peer.sin_addr.s_addr,
	    us->peer.sin_port,
	    us->opts.nodelay,
	    us->opts.keepalive,
	    us->opts.keepidle,
	    us->opts.keepintvl,
	    us->opts.keepcnt,
	    us->opts_set,
	    us->user_sndbuf,
	    us->user_rcvbuf,
	    us->so_err_pending,
	    us->err_reported | us->fin_known << 1 | us->reuseaddr << 2 | us->reuseport << 3,
	    us->fin_err,
	    us->linger,
	    us->tos,
	    us->ttl,
	};
	char *q = *p;
	int i;

	for (i = 0; i < FDS_FIELDS; i++) {
		if (!put_num(&q, end, f[i]))
			return false;
		if (end - q < 2)
			return false;
		*q++ = i + 1 < FDS_FIELDS ? '.' : ',';
	}
	*p = q;
	return true;
}

/*
 * "USTACK_FDS=1:..." for the sockets of the table into buf, or "" if there
 * are none.  First the sockets at an inheritable fd.  In a vfork() child,
 * whose dup2() and close() the table did not see (shim_foreign()), every
 * other socket of the table goes too, without a hint, if there is room: the
 * child may have moved it anywhere.
 */
static void fds_env(char *buf, size_t size)
{
	char *p = buf, *end = buf + size - 1;
	ino_t done[FDS_RECORDS];
	unsigned top, i, pass, npass, ntop = __atomic_load_n(&g_fdtab_top, __ATOMIC_ACQUIRE);
	int nrec = 0, k;

	buf[0] = '\0';
	p = stpcpy(p, "USTACK_FDS=" FDS_VERSION);
	npass = ntop > 0 && shim_foreign() ? 2 : 1;
	for (pass = 0; pass < npass; pass++) {
		for (top = 0; top < ntop; top++) {
			struct usock **chunk = __atomic_load_n(&g_fdtab[top], __ATOMIC_ACQUIRE);

			for (i = 0; chunk != NULL && i < FD_CHUNK_SLOTS; i++) {
				struct usock *us = __atomic_load_n(&chunk[i], __ATOMIC_ACQUIRE);
				int fd = (int)(top << FD_CHUNK_SHIFT | i), fl;
				char *mark = p;

				if (us == NULL || nrec == FDS_RECORDS)
					continue;
				if (pass == 0) {
					fl = REAL(fcntl)(fd, F_GETFD);
					if (fl < 0 || (fl & FD_CLOEXEC) || !fd_is_ino(fd, us->ino))
						continue;
				}
				for (k = 0; k < nrec && done[k] != us->ino; k++)
					;
				if (k < nrec && pass == 1)
					continue; /* it went already */
				if (!put_record(&p, end, pass == 0 ? fd : -1, us)) {
					p = mark;
					*p = '\0';
					goto out;
				}
				if (k == nrec)
					done[nrec++] = us->ino;
			}
		}
	}
out:
	if (nrec == 0)
		buf[0] = '\0';
	else
		p[-1] = '\0'; /* the last ',' */
}

struct env_plan {
	size_t n;	  /* entries in envp */
	const char *keep; /* the LD_PRELOAD value ld.so would use, NULL if none */
	bool add_preload; /* LD_PRELOAD must be rewritten */
	bool add_sock;	  /* USTACK_SOCKET must be added */
	bool drop_fds;	  /* envp has a USTACK_FDS to remove */
	size_t bytes;	  /* memory for the new vector and string, 0: envp will do */
};

static void env_plan(char *const envp[], const char *fds, struct env_plan *p)
{
	bool has_sock = false;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; envp != NULL && envp[i] != NULL; i++) {
		if (env_is(envp[i], "LD_PRELOAD"))
			p->keep = envp[i] + sizeof("LD_PRELOAD");
		else if (env_is(envp[i], "USTACK_SOCKET"))
			has_sock = true;
		else if (env_is(envp[i], "USTACK_FDS"))
			p->drop_fds = true;
	}
	p->n = i;
	p->add_preload = self_path[0] != '\0' && (p->keep == NULL || !preload_has_self(p->keep));
	p->add_sock = sock_env[0] != '\0' && !has_sock;
	if (!p->add_preload && !p->add_sock && !p->drop_fds && fds[0] == '\0')
		return;
	p->bytes = (p->n + 4) * sizeof(char *);
	if (p->add_preload)
		p->bytes +=
		    sizeof("LD_PRELOAD=") + (p->keep ? strlen(p->keep) + 1 : 0) + strlen(self_path);
}

/* The new environment in mem (p->bytes long). */
static char *const *env_build(char *const envp[], const struct env_plan *p, const char *fds,
			      void *mem)
{
	char **vec = mem, *s = (char *)mem + (p->n + 4) * sizeof(char *);
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		if ((p->add_preload && env_is(envp[i], "LD_PRELOAD")) ||
		    env_is(envp[i], "USTACK_FDS"))
			continue;
		vec[k++] = envp[i];
	}
	if (p->add_preload) {
		vec[k++] = s;
		s = stpcpy(s, "LD_PRELOAD=");
		if (p->keep != NULL && p->keep[strspn(p->keep, " :")] != '\0') {
			s = stpcpy(s, p->keep);
			*s++ = ' ';
		}
		strcpy(s, self_path);
	}
	if (p->add_sock)
		vec[k++] = sock_env;
	if (fds[0] != '\0')
		vec[k++] = (char *)(uintptr_t)fds;
	vec[k] = NULL;
	return vec;
}

/*
 * env = the environment to pass for envp; fds is a caller's FDS_BUF array.
 * alloca(): the memory must live in the wrapper's own frame until the exec.
 * Without memory the program's envp goes unchanged: exec must not fail for us.
 */
#define ENV_FIX(envp, fds, env)                                                                    \
	do {                                                                                       \
		struct env_plan p_;                                                                \
		void *m_ = NULL;                                                                   \
		int e_ = errno;                                                                    \
                                                                                                   \
		fds_env((fds), FDS_BUF);                                                           \
		env_plan((envp), (fds), &p_);                                                      \
		(env) = (envp);                                                                    \
		if (p_.bytes > ENV_ALLOCA_MAX) {                                                   \
			m_ = mmap(NULL, p_.bytes, PROT_READ | PROT_WRITE,                          \
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);                             \
			if (m_ == MAP_FAILED)                                                      \
				m_ = NULL;                                                         \
		} else if (p_.bytes > 0) {                                                         \
			m_ = alloca(p_.bytes);                                                     \
		}                                                                                  \
		if (m_ != NULL)                                                                    \
			(env) = env_build((envp), &p_, (fds), m_);                                 \
		errno = e_;                                                                        \
	} while (0)

/* ---- the wrappers ---- */

static int do_execve(const char *path, char *const argv[], char *const envp[])
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(execve)(path, argv, env);
}

static int do_execvpe(const char *file, char *const argv[], char *const envp[])
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(execvpe)(file, argv, env);
}

SHIM_API int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_execve(path, argv, envp);
}

SHIM_API int execv(const char *path, char *const argv[])
{
	return do_execve(path, argv, environ);
}

SHIM_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_execvpe(file, argv, envp);
}

SHIM_API int execvp(const char *file, char *const argv[])
{
	return do_execvpe(file, argv, environ);
}

SHIM_API int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		      int flags)
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(execveat)(dirfd, path, argv, env, flags);
}

SHIM_API int fexecve(int fd, char *const argv[], char *const envp[])
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(fexecve)(fd, argv, env);
}

SHIM_API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(posix_spawn)(pid, path, fa, attr, argv, env);
}

SHIM_API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char fds[FDS_BUF];
	char *const *env;

	ENV_FIX(envp, fds, env);
	return REAL(posix_spawnp)(pid, file, fa, attr, argv, env);
}

/*
 * execl's arguments as a vector, in the caller's frame (a macro for alloca).
 * glibc declares arg nonnull, yet the kernel takes an empty argv: look at
 * it through a barrier, or the compiler drops the test.
 */
#define COLLECT_ARGS(arg, ap, argv)                                                                \
	do {                                                                                       \
		size_t n_ = 0, i_;                                                                 \
		const char *a0_ = (arg);                                                           \
                                                                                                   \
		__asm__("" : "+r"(a0_));                                                           \
		if (a0_ != NULL) {                                                                 \
			va_start(ap, arg);                                                         \
			for (n_ = 1; va_arg(ap, const char *) != NULL; n_++)                       \
				;                                                                  \
			va_end(ap);                                                                \
		}                                                                                  \
		(argv) = alloca((n_ + 1) * sizeof(char *));                                        \
		(argv)[0] = (char *)(uintptr_t)(arg);                                              \
		va_start(ap, arg);                                                                 \
		for (i_ = 1; i_ <= n_; i_++)                                                       \
			(argv)[i_] = va_arg(ap, char *);                                           \
	} while (0)

SHIM_API int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;

	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return do_execve(path, argv, environ);
}

SHIM_API int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **argv;

	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return do_execvpe(file, argv, environ);
}

SHIM_API int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv, *const *envp;

	/* After the NULL that ends the arguments comes envp. */
	COLLECT_ARGS(arg, ap, argv);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	return do_execve(path, argv, envp);
}

/* ---- the new image: adopt what USTACK_FDS describes ---- */

struct inherited {
	long f[FDS_FIELDS];
	struct usock *us; /* made for the first fd found */
};

/* Parse one record; the pointer moves past it.  false if malformed. */
static bool parse_record(const char **sp, long *f)
{
	const char *s = *sp;
	int i;

	for (i = 0; i < FDS_FIELDS; i++) {
		bool neg = *s == '-';
		unsigned long v = 0;
		int digits = 0;

		s += neg;
		for (;; s++, digits++) {
			int d = -1;

			if (*s >= '0' && *s <= '9')
				d = *s - '0';
			else if (*s >= 'a' && *s <= 'f')
				d = *s - 'a' + 10;
			if (d < 0 || digits > 16)
				break;
			v = v << 4 | (unsigned)d;
		}
		if (digits == 0 || digits > 16)
			return false;
		f[i] = neg ? -(long)v : (long)v;
		if (*s != (i + 1 < FDS_FIELDS ? '.' : ',') && !(i + 1 == FDS_FIELDS && *s == '\0'))
			return false;
		if (*s != '\0')
			s++;
	}
	*sp = s;
	return true;
}

/* A usock from a record; NULL if out of memory.  Under g_lock. */
static struct usock *us_from_record(const long *f)
{
	struct usock *us = us_alloc();
	unsigned bits = (unsigned)f[20];

	if (us == NULL)
		return NULL;
	us->ino = (ino_t)f[1];
	us->pair_ino = (ino_t)f[2];
	us->sock_id = (uint32_t)f[3];
	us->state = f[4] >= US_UNCONN && f[4] <= US_FAILED ? (enum us_state)f[4] : US_FAILED;
	us->sndbuf_saved = (int)f[6];
	us->local.sin_addr.s_addr = (uint32_t)f[7];
	us->local.sin_port = (uint16_t)f[8];
	us->peer.sin_addr.s_addr = (uint32_t)f[9];
	us->peer.sin_port = (uint16_t)f[10];
	us->opts.nodelay = (int32_t)f[11];
	us->opts.keepalive = (int32_t)f[12];
	us->opts.keepidle = (int32_t)f[13];
	us->opts.keepintvl = (int32_t)f[14];
	us->opts.keepcnt = (int32_t)f[15];
	us->opts_set = (unsigned)f[16];
	us->user_sndbuf = (int)f[17];
	us->user_rcvbuf = (int)f[18];
	us->so_err_pending = (int)f[19];
	us->err_reported = bits & 1;
	us->fin_known = bits & 2;
	us->reuseaddr = bits & 4;
	us->reuseport = bits & 8;
	us->fin_err = (int)f[21];
	us->linger = (int)f[22];
	us->tos = (int)f[23];
	us->ttl = (int)f[24];
	/*
	 * The exec closed the old image's control connection, so the daemon
	 * orphaned the socket: no one owes it an IPC_RELEASE any more.
	 */
	us->owner = 0;
	/* B stayed behind (close-on-exec): an unconnected socket gets a new pair on connect. */
	us_set_fast(us, us->state == US_UNCONN ? F_UNCONN : (unsigned)f[5] & F_RESTORE);
	return us;
}

/* fd is one of the inherited sockets: give it a slot.  Under g_lock. */
static void adopt_fd(int fd, struct inherited *in, int n)
{
	ino_t ino = fd_ino(fd);
	int i;

	if (ino == 0 || slot_peek(fd) != NULL)
		return;
	for (i = 0; i < n && (ino_t)in[i].f[1] != ino; i++)
		;
	if (i == n)
		return;
	if (in[i].us == NULL) {
		in[i].us = us_from_record(in[i].f);
		if (in[i].us == NULL)
			return;
	} else {
		us_get(in[i].us);
	}
	if (slot_set(fd, in[i].us) != 0)
		us_put(in[i].us);
}

void exec_adopt(void)
{
	static struct inherited in[FDS_RECORDS];
	const char *s = getenv("USTACK_FDS");
	struct shim_held old;
	struct dirent *de;
	DIR *d;
	int n = 0, i;

	if (s == NULL)
		return;
	if (strncmp(s, FDS_VERSION, strlen(FDS_VERSION)) == 0) {
		s += strlen(FDS_VERSION);
		while (*s != '\0' && n < FDS_RECORDS && parse_record(&s, in[n].f)) {
			in[n].us = NULL;
			n++;
		}
	}
	shim_lock(&old);
	/* Every fd: dup2, posix_spawn file actions and shells move them. */
	d = n > 0 ? opendir("/proc/self/fd") : NULL;
	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
			    atoi(de->d_name) != dirfd(d))
				adopt_fd(atoi(de->d_name), in, n);
		closedir(d);
	} else {
		for (i = 0; i < n; i++)
			if (in[i].f[0] >= 0 && in[i].f[0] < INT_MAX)
				adopt_fd((int)in[i].f[0], in, n);
	}
	shim_unlock(&old);
	unsetenv("USTACK_FDS");
}

/* SPDX-License-Identifier: MIT */
/*
 * table.c - the fd table: which fds are ustack sockets.
 *
 * Theory of operation: a two-level array indexed by fd (FD_TOP_SLOTS chunks
 * of FD_CHUNK_SLOTS pointers, chunks allocated on first use and never freed)
 * maps an fd to its struct usock.  Fds made by dup() share one usock, which
 * counts them in refs, together with temporary pins taken across unlocked
 * waits.  The data path reads a slot and usock.fast without the lock, so
 * neither a chunk nor a usock is ever returned to malloc: a released usock
 * goes to a free list and is reused, and a racing reader that still holds
 * the old pointer sees harmless flags and re-validates under the lock.
 *
 * Slots are a cache.  us_lookup() checks, with fstat(), that the fd still is
 * the socket whose inode the usock recorded, and forgets the slot if not
 * (a close the shim did not see: an inline system call, fcloseall(),
 * freopen(), a close inside another library's own system calls, ...).
 */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct usock **g_fdtab[FD_TOP_SLOTS];
unsigned g_fdtab_top;
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static struct usock *free_list;

void shim_lock(struct shim_held *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old->mask);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old->cancel);
	pthread_mutex_lock(&g_lock);
}

void shim_unlock(const struct shim_held *old)
{
	pthread_mutex_unlock(&g_lock);
	pthread_setcancelstate(old->cancel, NULL);
	pthread_sigmask(SIG_SETMASK, &old->mask, NULL);
}

struct usock *us_alloc(void)
{
	struct usock *us = free_list;

	if (us != NULL)
		free_list = us->next_free;
	else if ((us = malloc(sizeof(*us))) == NULL)
		return NULL;
	memset(us, 0, sizeof(*us));
	us->refs = 1;
	us->b_fd = -1;
	us->linger = -1;
	us->ttl = -1;
	us->owner = getpid();
	us->local.sin_family = AF_INET;
	us->peer.sin_family = AF_INET;
	return us;
}

void us_get(struct usock *us)
{
	us->refs++;
}

void us_put(struct usock *us)
{
	if (--us->refs > 0)
		return;
	/*
	 * A child of fork() shares its parent's sockets: only the process that
	 * made the connection tells the daemon it let go of it.
	 */
	if (us->sock_id != 0 && us->owner == getpid())
		ctl_release(us->sock_id);
	if (us->b_fd >= 0 && fd_is_ino(us->b_fd, us->b_ino))
		REAL(close)(us->b_fd);
	us_set_fast(us, 0);
	us->next_free = free_list;
	free_list = us;
}

int slot_set(int fd, struct usock *us)
{
	unsigned top = (unsigned)fd >> FD_CHUNK_SHIFT;
	struct usock **chunk, *old;

	if (fd < 0 || (unsigned)fd >= FD_LIMIT)
		return -EMFILE;
	chunk = g_fdtab[top];
	if (chunk == NULL) {
		if (us == NULL)
			return 0;
		chunk = calloc(FD_CHUNK_SLOTS, sizeof(*chunk));
		if (chunk == NULL)
			return -ENOMEM;
		__atomic_store_n(&g_fdtab[top], chunk, __ATOMIC_RELEASE);
		if (top >= g_fdtab_top)
			__atomic_store_n(&g_fdtab_top, top + 1, __ATOMIC_RELEASE);
	}
	old =
	    __atomic_exchange_n(&chunk[(unsigned)fd & (FD_CHUNK_SLOTS - 1)], us, __ATOMIC_ACQ_REL);
	if (old != NULL)
		us_put(old);
	return 0;
}

struct usock *slot_take(int fd)
{
	struct usock **chunk;

	if (fd < 0 || (unsigned)fd >= FD_LIMIT)
		return NULL;
	chunk = g_fdtab[(unsigned)fd >> FD_CHUNK_SHIFT];
	if (chunk == NULL)
		return NULL;
	return __atomic_exchange_n(&chunk[(unsigned)fd & (FD_CHUNK_SLOTS - 1)], NULL,
				   __ATOMIC_ACQ_REL);
}

void slots_drop_range(unsigned first, unsigned last)
{
	unsigned top, i, lo, hi;

	if (first >= FD_LIMIT)
		return;
	if (last >= FD_LIMIT)
		last = FD_LIMIT - 1;
	for (top = first >> FD_CHUNK_SHIFT; top <= last >> FD_CHUNK_SHIFT && top < g_fdtab_top;
	     top++) {
		struct usock **chunk = g_fdtab[top], *us;

		if (chunk == NULL)
			continue;
		lo = top == first >> FD_CHUNK_SHIFT ? first & (FD_CHUNK_SLOTS - 1) : 0;
		hi = top == last >> FD_CHUNK_SHIFT ? last & (FD_CHUNK_SLOTS - 1) : FD_CHUNK_SLOTS - 1;
		for (i = lo; i <= hi; i++) {
			if (__atomic_load_n(&chunk[i], __ATOMIC_RELAXED) == NULL)
				continue;
			us = __atomic_exchange_n(&chunk[i], NULL, __ATOMIC_ACQ_REL);
			if (us != NULL)
				us_put(us);
		}
	}
}

ino_t fd_ino(int fd)
{
	struct stat st;
	int saved = errno;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		errno = saved;
		return 0;
	}
	return st.st_ino;
}

bool fd_is_ino(int fd, ino_t ino)
{
	return ino != 0 && fd_ino(fd) == ino;
}

struct usock *us_lookup(int fd)
{
	struct usock *us = slot_peek(fd);

	if (us == NULL)
		return NULL;
	if (fd_is_ino(fd, us->ino))
		return us;
	us = slot_take(fd);
	if (us != NULL)
		us_put(us);
	return NULL;
}

int put_int_opt(void *optval, socklen_t *optlen, int v)
{
	int len;

	if (optval == NULL || optlen == NULL)
		return -EFAULT;
	len = (int)*optlen;
	if (len < 0)
		return -EINVAL;
	if ((size_t)len > sizeof(v))
		len = sizeof(v);
	memcpy(optval, &v, (size_t)len);
	*optlen = (socklen_t)len;
	return 0;
}

int put_addr(struct sockaddr *addr, socklen_t *len, const struct sockaddr_in *sin)
{
	int n;

	if (addr == NULL || len == NULL)
		return -EFAULT;
	n = (int)*len;
	if (n < 0)
		return -EINVAL;
	if ((size_t)n > sizeof(*sin))
		n = sizeof(*sin);
	memcpy(addr, sin, (size_t)n);
	*len = sizeof(*sin);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * close.c - the closes that are not close(): close_range, closefrom, fclose.
 *
 * Theory of operation: each of these closes fds inside libc or the kernel,
 * where no close() wrapper sees them.  The inode check of us_lookup() makes
 * a missed close harmless, but only on the next slow path: until then the
 * slot holds a reference that keeps IPC_RELEASE from going out, and a fast
 * path may look at a stale slot.  So the shim does what close() does: under
 * g_lock (so that a socket() in another thread cannot get the number while
 * its slot still names the old socket) the kernel closes the fds, then the
 * slots are emptied and their references put, which sends IPC_RELEASE after
 * the close, as close() does.
 *
 * close_range(CLOSE_RANGE_CLOEXEC) closes nothing: the table stays.  The
 * shim's own fds (the control connection, end B of unconnected sockets) may
 * be in the range; they are checked by inode before each use and simply
 * made again.  fclose() flushes pending output before it takes the lock, so
 * the lock is never held across a write that may block.
 */
#include "shim.h"

#include <errno.h>
#include <linux/close_range.h>
#include <stdio_ext.h>
#include <unistd.h>

/* Is any slot in [first, last] in use?  Lock-free: a hint for the fast path. */
static bool range_has_slots(unsigned first, unsigned last)
{
	unsigned top, i, lo, hi, ntop = __atomic_load_n(&g_fdtab_top, __ATOMIC_ACQUIRE);

	if (first >= FD_LIMIT)
		return false;
	if (last >= FD_LIMIT)
		last = FD_LIMIT - 1;
	for (top = first >> FD_CHUNK_SHIFT; top <= last >> FD_CHUNK_SHIFT && top < ntop; top++) {
		struct usock **chunk = __atomic_load_n(&g_fdtab[top], __ATOMIC_ACQUIRE);

		if (chunk == NULL)
			continue;
		lo = top == first >> FD_CHUNK_SHIFT ? first & (FD_CHUNK_SLOTS - 1) : 0;
		hi = top == last >> FD_CHUNK_SHIFT ? last & (FD_CHUNK_SLOTS - 1)
						   : FD_CHUNK_SLOTS - 1;
		for (i = lo; i <= hi; i++)
			if (__atomic_load_n(&chunk[i], __ATOMIC_RELAXED) != NULL)
				return true;
	}
	return false;
}

SHIM_API int close_range(unsigned int first, unsigned int last, int flags)
{
	struct shim_held old;
	int ret, e;

	if ((flags & CLOSE_RANGE_CLOEXEC) || first > last || !range_has_slots(first, last) ||
	    shim_foreign())
		return REAL(close_range)(first, last, flags);
	shim_lock(&old);
	ret = REAL(close_range)(first, last, flags);
	e = errno;
	if (ret == 0)
		slots_drop_range(first, last);
	shim_unlock(&old);
	errno = e;
	return ret;
}

SHIM_API void closefrom(int lowfd)
{
	struct shim_held old;
	int saved = errno;

	if (lowfd < 0 || !range_has_slots((unsigned)lowfd, ~0u) || shim_foreign()) {
		REAL(closefrom)(lowfd);
		return;
	}
	shim_lock(&old);
	REAL(closefrom)(lowfd); /* it cannot fail: it aborts rather than return */
	slots_drop_range((unsigned)lowfd, ~0u);
	shim_unlock(&old);
	errno = saved;
}

/* fclose() of a stream whose fd is a ustack socket (fdopen). */
SHIM_API int fclose(FILE *f)
{
	struct usock *us;
	struct shim_held old;
	int fd, ret, e = errno;

	if (f == NULL)
		return REAL(fclose)(f);
	fd = fileno(f); /* -1 and EBADF for a stream without an fd (fmemopen) */
	errno = e;
	if (fd < 0 || slot_peek(fd) == NULL || shim_foreign())
		return REAL(fclose)(f);
	/* Output still buffered goes out now, with the lock free. */
	if (__fpending(f) > 0)
		fflush(f);
	shim_lock(&old);
	us = slot_take(fd);
	ret = REAL(fclose)(f);
	e = errno;
	if (us != NULL)
		us_put(us);
	shim_unlock(&old);
	errno = e;
	return ret;
}

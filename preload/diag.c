/* SPDX-License-Identifier: MIT */
/*
 * diag.c - what the kernel knows about a pair's other end (sock_diag).
 *
 * Theory of operation: after connect() the shim no longer holds end B of a
 * pair (the daemon does), yet two answers live there: the bytes the program
 * wrote that the daemon has not read yet (B's receive queue, the part of
 * SIOCOUTQ the shim can know on its own), and B's inode, which names the
 * pair to the daemon.  NETLINK_SOCK_DIAG answers both for any AF_UNIX
 * socket of the caller's network namespace, without privileges: one request
 * for one inode (UNIX_DIAG_PEER, UNIX_DIAG_RQLEN), one reply, on a netlink
 * socket opened for the call.  The kernel answers inside sendmsg(), so the
 * reply is read without waiting.  Every attribute is bounds-checked.
 *
 * Kernel quirk (why not SIOCOUTQ on A): on AF_UNIX it returns A's
 * sk_wmem_alloc, the truesize of the buffers in flight (768 for 11 bytes
 * on 6.18), not a byte count; SIOCOUTQNSD is not implemented (ENOTTY).
 */
#include "shim.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <string.h>
#include <unistd.h>

struct diag_res {
	uint32_t peer;	 /* UNIX_DIAG_PEER, 0 if none */
	uint32_t rqueue; /* UNIX_DIAG_RQLEN */
	bool have_rq;
};

/* Ask about the AF_UNIX socket with inode ino.  0 or -errno. */
static int diag_query(ino_t ino, uint32_t show, struct diag_res *res)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} q;
	union {
		char buf[1024];
		struct nlmsghdr align;
	} rep;
	struct nlmsghdr *nh = &rep.align;
	struct unix_diag_msg *m;
	struct rtattr *a;
	int fd, err, saved = errno;
	ssize_t n;
	unsigned len;

	if (ino == 0 || ino > UINT32_MAX)
		return -ENOENT;
	memset(&q, 0, sizeof(q));
	memset(res, 0, sizeof(*res));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = ~0u;
	q.req.udiag_ino = (uint32_t)ino;
	q.req.udiag_show = show;
	q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = ~0u; /* INET_DIAG_NOCOOKIE */

	fd = REAL(socket)(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		err = -errno;
		goto out_errno;
	}
	if (REAL(send)(fd, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q)) {
		err = -errno;
		goto out;
	}
	do
		n = REAL(recv)(fd, rep.buf, sizeof(rep.buf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	err = -EPROTO;
	if (!NLMSG_OK(nh, (unsigned)n))
		goto out;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		if (err == 0)
			err = -EPROTO;
		goto out;
	}
	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		goto out;
	m = NLMSG_DATA(nh);
	if (m->udiag_ino != (uint32_t)ino)
		goto out;
	len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	for (a = (struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			memcpy(&res->peer, RTA_DATA(a), sizeof(uint32_t));
		} else if (a->rta_type == UNIX_DIAG_RQLEN &&
			   RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen)) {
			struct unix_diag_rqlen rq;

			memcpy(&rq, RTA_DATA(a), sizeof(rq));
			res->rqueue = rq.udiag_rqueue;
			res->have_rq = true;
		}
	}
	err = 0;
out:
	REAL(close)(fd);
out_errno:
	errno = saved;
	return err;
}

ino_t diag_peer_ino(ino_t ino)
{
	struct diag_res r;

	if (diag_query(ino, UDIAG_SHOW_PEER, &r) != 0)
		return 0;
	return r.peer;
}

int diag_rqueue(ino_t ino, uint32_t *bytes)
{
	struct diag_res r;
	int err = diag_query(ino, UDIAG_SHOW_RQLEN, &r);

	if (err != 0)
		return err;
	if (!r.have_rq)
		return -EOPNOTSUPP;
	*bytes = r.rqueue;
	return 0;
}

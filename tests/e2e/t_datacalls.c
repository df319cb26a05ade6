/* SPDX-License-Identifier: MIT */
/*
 * t_datacalls ADDR - the rest of the data calls on a ustack socket:
 * MSG_FASTOPEN (EINVAL without an address; blocking: connect and send;
 * non-blocking: EINPROGRESS; EISCONN once connected), sendmmsg/recvmmsg
 * (TCP allows them: one sendmsg/recvmsg per entry, MSG_WAITFORONE, EAGAIN),
 * recvfrom's address length 0, and the fortified __read_chk, __recv_chk and
 * __recvfrom_chk (this program is built with _FORTIFY_SOURCE).
 */
#include "t.h"

#include <poll.h>
#include <sys/uio.h>

static char req[] = "GET / HTTP/1.0\r\nHost: lab\r\n\r\n";

/* A size the compiler cannot see: the fortified calls become the _chk ones. */
static volatile size_t opaque = 4096;

int main(int argc, char **argv)
{
	struct sockaddr_in dst, from;
	struct mmsghdr mv[4];
	struct iovec iov[4];
	char buf[4][4096], one[4096];
	struct pollfd p;
	socklen_t flen;
	size_t total = 0;
	ssize_t r;
	int fd, n, i, rounds = 0;

	t_name = "t_datacalls";
	if (argc != 2)
		return 2;
	dst = t_addr(argv[1], 80);

	/* MSG_FASTOPEN, blocking. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(sendto(fd, req, sizeof(req) - 1, MSG_FASTOPEN, NULL, 0) < 0 && errno == EINVAL,
	      "MSG_FASTOPEN without an address: EINVAL");
	r = sendto(fd, req, sizeof(req) - 1, MSG_FASTOPEN, (struct sockaddr *)&dst, sizeof(dst));
	CHECK(r == (ssize_t)sizeof(req) - 1, "MSG_FASTOPEN blocking: connect and send (r %zd)", r);
	CHECK(sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
		  errno == EISCONN,
	      "MSG_FASTOPEN when connected: EISCONN");
	r = read(fd, one, opaque); /* __read_chk */
	CHECK(r > 15 && strncmp(one, "HTTP/1.1 200 OK", 15) == 0, "__read_chk: the answer");
	close(fd);

	/* MSG_FASTOPEN, non-blocking: EINPROGRESS, nothing sent; the request goes later. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(sendto(fd, req, sizeof(req) - 1, MSG_FASTOPEN, (struct sockaddr *)&dst, sizeof(dst)) <
		      0 &&
		  errno == EINPROGRESS,
	      "MSG_FASTOPEN non-blocking: EINPROGRESS");
	p = (struct pollfd){.fd = fd, .events = POLLOUT};
	CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLOUT, "then established");
	CHECK(send(fd, req, sizeof(req) - 1, 0) == (ssize_t)sizeof(req) - 1, "the request");
	p.events = POLLIN;
	CHECK(poll(&p, 1, 5000) == 1, "the answer comes");
	flen = sizeof(from);
	memset(&from, 0xa5, sizeof(from));
	r = recvfrom(fd, one, opaque, 0, (struct sockaddr *)&from, &flen); /* __recvfrom_chk */
	CHECK(r > 15 && strncmp(one, "HTTP/1.1 200 OK", 15) == 0, "__recvfrom_chk: the answer");
	CHECK(flen == 0, "recvfrom on TCP: address length 0 (got %u)", flen);
	close(fd);

	/* sendmmsg / recvmmsg. */
	fd = t_connect(argv[1], 80);
	mv[0].msg_hdr = (struct msghdr){.msg_iov = &iov[0], .msg_iovlen = 1};
	mv[1].msg_hdr = (struct msghdr){.msg_iov = &iov[1], .msg_iovlen = 1};
	iov[0] = (struct iovec){.iov_base = req, .iov_len = 16};
	iov[1] = (struct iovec){.iov_base = req + 16, .iov_len = sizeof(req) - 1 - 16};
	n = sendmmsg(fd, mv, 2, 0);
	CHECK(n == 2 && mv[0].msg_len == 16 && mv[1].msg_len == sizeof(req) - 1 - 16,
	      "sendmmsg: 2 messages (n %d)", n);
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 5000) == 1, "the answer comes");
	for (;;) {
		for (i = 0; i < 4; i++) {
			iov[i] = (struct iovec){.iov_base = buf[i], .iov_len = sizeof(buf[i]) - 1};
			mv[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
			mv[i].msg_len = 12345;
		}
		n = recvmmsg(fd, mv, 4, MSG_WAITFORONE, NULL);
		CHECK(n >= 1 && n <= 4, "recvmmsg(MSG_WAITFORONE): 1 to 4 (n %d)", n);
		if (rounds++ == 0)
			CHECK(mv[0].msg_len > 15 && strncmp(buf[0], "HTTP/1.1 200 OK", 15) == 0,
			      "recvmmsg: the status line first");
		for (i = 0; i < n; i++)
			total += mv[i].msg_len;
		if (mv[n - 1].msg_len == 0)
			break; /* end of file: an entry of length 0 */
		CHECK(rounds < 100, "recvmmsg reaches the end");
	}
	close(fd);
	fd = t_connect(argv[1], 80);
	iov[0] = (struct iovec){.iov_base = buf[0], .iov_len = sizeof(buf[0])};
	mv[0].msg_hdr = (struct msghdr){.msg_iov = &iov[0], .msg_iovlen = 1};
	CHECK(recvmmsg(fd, mv, 1, MSG_DONTWAIT, NULL) < 0 && errno == EAGAIN,
	      "recvmmsg with nothing to read: EAGAIN");
	t_http_get(fd, "/");
	r = recv(fd, one, opaque, MSG_WAITALL); /* __recv_chk */
	CHECK(r > 15 && strncmp(one, "HTTP/1.1 200 OK", 15) == 0, "__recv_chk: the answer");
	close(fd);
	printf("MSG_FASTOPEN: EINVAL, connect+send, EISCONN, EINPROGRESS; sendmmsg 2, recvmmsg "
	       "%zu bytes in %d calls, EAGAIN; recvfrom alen 0; __read_chk/__recv_chk/"
	       "__recvfrom_chk\n",
	       total, rounds);
	return 0;
}

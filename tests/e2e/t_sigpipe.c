/* SPDX-License-Identifier: MIT */
/*
 * t_sigpipe ADDR - EPIPE comes with SIGPIPE unless MSG_NOSIGNAL, as from
 * tcp_sendmsg(): after shutdown(SHUT_WR) and on a socket never connected,
 * through write, writev, send, sendto and sendmsg; with SIGPIPE ignored the
 * process lives and sees EPIPE.  Reads still work after SHUT_WR.
 */
#include "t.h"

#include <signal.h>
#include <sys/uio.h>

static volatile sig_atomic_t pipes;

static void on_pipe(int sig)
{
	pipes++;
}

/* op with flags must fail EPIPE and raise want_sig signals. */
#define EXPECT_EPIPE(call, want_sig, what)                                                         \
	do {                                                                                       \
		int before_ = pipes;                                                               \
		ssize_t r_ = (call);                                                               \
                                                                                                   \
		CHECK(r_ < 0 && errno == EPIPE, "%s: EPIPE (r %zd)", what, r_);                    \
		CHECK(pipes - before_ == (want_sig), "%s: %d SIGPIPE, got %d", what, (want_sig),   \
		      pipes - before_);                                                            \
	} while (0)

static void all_calls(int fd, const char *state)
{
	static char x[] = "x";
	struct iovec iov = {.iov_base = x, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	char what[128];

#define W(name) (snprintf(what, sizeof(what), "%s: %s", state, name), what)
	EXPECT_EPIPE(send(fd, "x", 1, MSG_NOSIGNAL), 0, W("send(MSG_NOSIGNAL)"));
	EXPECT_EPIPE(sendto(fd, "x", 1, MSG_NOSIGNAL, NULL, 0), 0, W("sendto(MSG_NOSIGNAL)"));
	EXPECT_EPIPE(sendmsg(fd, &mh, MSG_NOSIGNAL), 0, W("sendmsg(MSG_NOSIGNAL)"));
	EXPECT_EPIPE(write(fd, "x", 1), 1, W("write"));
	EXPECT_EPIPE(writev(fd, &iov, 1), 1, W("writev"));
	EXPECT_EPIPE(send(fd, "x", 1, 0), 1, W("send"));
	EXPECT_EPIPE(sendto(fd, "x", 1, 0, NULL, 0), 1, W("sendto"));
	EXPECT_EPIPE(sendmsg(fd, &mh, 0), 1, W("sendmsg"));
#undef W
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_pipe};
	char buf[64];
	int fd;

	t_name = "t_sigpipe";
	if (argc != 2)
		return 2;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0, "sigaction");

	fd = t_connect(argv[1], 80);
	CHECK(shutdown(fd, SHUT_WR) == 0, "shutdown(SHUT_WR)");
	all_calls(fd, "after SHUT_WR");
	/* nginx sees the FIN without a request and closes: a clean end of file. */
	CHECK(read(fd, buf, sizeof(buf)) == 0, "EOF after the peer closes too");
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	all_calls(fd, "never connected");

	signal(SIGPIPE, SIG_IGN);
	EXPECT_EPIPE(write(fd, "x", 1), 0, "SIG_IGN: write");
	close(fd);
	printf("EPIPE from send/sendto/sendmsg/write/writev after SHUT_WR and unconnected: "
	       "SIGPIPE %d times, none with MSG_NOSIGNAL or SIG_IGN\n",
	       (int)pipes);
	return 0;
}

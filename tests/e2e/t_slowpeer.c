/* SPDX-License-Identifier: MIT */
/*
 * t_slowpeer ADDR PORT DIR - a kernel listener in the peer namespace (not
 * through ustack) that holds a connecting client in SYN-SENT until told.
 *
 * listen(fd, 1) and two connections of its own that it does not accept:
 * with the accept queue full, Linux drops every SYN that arrives
 * (tcp_conn_request(): sk_acceptq_is_full), so a ustack client stays in
 * SYN-SENT and retransmits.  It writes DIR/ready.PORT, waits for the client
 * to create DIR/go.PORT, then accepts its own two, which frees the queue:
 * the client's next SYN is answered.  Each connection accepted after that
 * gets "hello\n" and is read until EOF.  It ends after 60 s or when
 * DIR/stop.PORT appears.
 */
#include "t.h"

#include <poll.h>

static int exists(const char *dir, const char *what, int port)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.%d", dir, what, port);
	return access(path, F_OK) == 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int ls, own[2], i, one = 1, port, served = 0;
	double end;
	char path[4096];

	t_name = "t_slowpeer";
	if (argc != 4)
		return 2;
	port = atoi(argv[2]);
	sin = t_addr(argv[1], port);
	end = t_now() + 60;
	ls = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0 && setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		  bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(ls, 1) == 0,
	      "listen on %s:%d", argv[1], port);
	for (i = 0; i < 2; i++)
		own[i] = t_connect(argv[1], port);
	snprintf(path, sizeof(path), "%s/ready.%d", argv[3], port);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0, "create %s", path);
	while (!exists(argv[3], "go", port) && !exists(argv[3], "stop", port) && t_now() < end)
		usleep(5000);
	for (i = 0; i < 2; i++) {
		close(accept(ls, NULL, NULL));
		close(own[i]);
	}
	while (!exists(argv[3], "stop", port) && t_now() < end) {
		struct pollfd p = {.fd = ls, .events = POLLIN};
		char buf[4096];
		int c;

		if (poll(&p, 1, 50) != 1)
			continue;
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		served++;
		if (write(c, "hello\n", 6) == 6) {
			struct timeval tv = {.tv_sec = 20};

			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			while (read(c, buf, sizeof(buf)) > 0)
				;
		}
		close(c);
	}
	printf("t_slowpeer %d: %d connection(s) served\n", port, served);
	return 0;
}

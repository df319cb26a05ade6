/* SPDX-License-Identifier: MIT */
/*
 * t_sockopt ADDR - socket options and ioctls answered as Linux answers for
 * TCP, not as the AF_UNIX pair would: SO_TYPE/DOMAIN/PROTOCOL/ACCEPTCONN,
 * IP_TTL and IP_TOS (defaults, bounds, one-byte reads), SO_REUSEADDR,
 * SO_REUSEPORT (AF_UNIX refuses it), SO_LINGER, SO_PEERCRED, SO_PEERNAME,
 * TCP options; unknown options and levels give ENOPROTOOPT, never a fake
 * 0; SIOCOUTQ/SIOCOUTQNSD count bytes (AF_UNIX would give buffer truesize
 * and ENOTTY), SIOCINQ/FIONREAD the bytes readable.
 */
#include "t.h"

#include <linux/sockios.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>

static void expect_int(int fd, int level, int name, int want, const char *what)
{
	int v = t_sockopt_int(fd, level, name);

	CHECK(v == want, "%s: %d, got %d", what, want, v);
}

static void set_int(int fd, int level, int name, int v, int want_errno, const char *what)
{
	int r = setsockopt(fd, level, name, &v, sizeof(v));

	if (want_errno == 0)
		CHECK(r == 0, "%s = %d", what, v);
	else
		CHECK(r < 0 && errno == want_errno, "%s = %d: errno %d", what, v, want_errno);
}

static void common(int fd, const char *st)
{
	char what[128];

	snprintf(what, sizeof(what), "%s SO_TYPE", st);
	expect_int(fd, SOL_SOCKET, SO_TYPE, SOCK_STREAM, what);
	snprintf(what, sizeof(what), "%s SO_DOMAIN", st);
	expect_int(fd, SOL_SOCKET, SO_DOMAIN, AF_INET, what);
	snprintf(what, sizeof(what), "%s SO_PROTOCOL", st);
	expect_int(fd, SOL_SOCKET, SO_PROTOCOL, IPPROTO_TCP, what);
	snprintf(what, sizeof(what), "%s SO_ACCEPTCONN", st);
	expect_int(fd, SOL_SOCKET, SO_ACCEPTCONN, 0, what);
}

int main(int argc, char **argv)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct ucred uc;
	struct sockaddr_in dst, sin;
	struct pollfd p;
	socklen_t len;
	unsigned char c;
	int fd, v, outq, nsd, inq, fionread;

	t_name = "t_sockopt";
	if (argc != 2)
		return 2;
	dst = t_addr(argv[1], 80);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "socket");
	common(fd, "unconnected");

	/* Unknown options and levels. */
	v = 0;
	len = sizeof(v);
	CHECK(getsockopt(fd, IPPROTO_TCP, 9999, &v, &len) < 0 && errno == ENOPROTOOPT,
	      "getsockopt(TCP, 9999): ENOPROTOOPT");
	set_int(fd, IPPROTO_TCP, 9999, 1, ENOPROTOOPT, "setsockopt(TCP, 9999)");
	set_int(fd, 12345, 1, 1, ENOPROTOOPT, "setsockopt(level 12345)");
	len = sizeof(v);
	CHECK(getsockopt(fd, 12345, 1, &v, &len) < 0 && errno == ENOPROTOOPT,
	      "getsockopt(level 12345): ENOPROTOOPT");
	set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, ENOPROTOOPT, "IPV6_V6ONLY on AF_INET");
	set_int(fd, IPPROTO_IP, 9999, 1, ENOPROTOOPT, "setsockopt(IP, 9999)");

	/* IP level. */
	expect_int(fd, IPPROTO_IP, IP_TTL, 64, "IP_TTL default");
	set_int(fd, IPPROTO_IP, IP_TTL, 32, 0, "IP_TTL");
	expect_int(fd, IPPROTO_IP, IP_TTL, 32, "IP_TTL");
	c = 0;
	len = 1;
	CHECK(getsockopt(fd, IPPROTO_IP, IP_TTL, &c, &len) == 0 && len == 1 && c == 32,
	      "IP_TTL into one byte (len %u, %u)", len, c);
	set_int(fd, IPPROTO_IP, IP_TTL, 0, EINVAL, "IP_TTL");
	set_int(fd, IPPROTO_IP, IP_TTL, 256, EINVAL, "IP_TTL");
	set_int(fd, IPPROTO_IP, IP_TTL, -1, 0, "IP_TTL");
	expect_int(fd, IPPROTO_IP, IP_TTL, 64, "IP_TTL after -1");
	expect_int(fd, IPPROTO_IP, IP_TOS, 0, "IP_TOS default");
	set_int(fd, IPPROTO_IP, IP_TOS, 0xff, 0, "IP_TOS");
	expect_int(fd, IPPROTO_IP, IP_TOS, 0xfc, "IP_TOS (ECN bits are the stack's)");

	/* SOL_SOCKET. */
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, 0, "SO_REUSEADDR");
	expect_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, 0, "SO_REUSEPORT");
	expect_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
	set_int(fd, SOL_SOCKET, SO_REUSEPORT, 0, 0, "SO_REUSEPORT");
	expect_int(fd, SOL_SOCKET, SO_REUSEPORT, 0, "SO_REUSEPORT");
	CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER {1, 0}");
	lg = (struct linger){-1, -1};
	len = sizeof(lg);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff == 1 &&
		  lg.l_linger == 0,
	      "SO_LINGER reads back {1, 0}");
	CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4) < 0 && errno == EINVAL,
	      "SO_LINGER too short: EINVAL");
	lg = (struct linger){0, 0};
	CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER off");
	len = sizeof(uc);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 && uc.pid == 0 &&
		  uc.uid == (uid_t)-1 && uc.gid == (gid_t)-1,
	      "SO_PEERCRED of a TCP socket: {0, -1, -1} (got {%d, %d, %d})", (int)uc.pid,
	      (int)uc.uid, (int)uc.gid);
	set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1, 0, "SO_KEEPALIVE");
	expect_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1, 0, "TCP_NODELAY");
	set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0, EINVAL, "TCP_KEEPIDLE");
	set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30, 0, "TCP_KEEPIDLE");
	CHECK(ioctl(fd, SIOCOUTQ, &v) == 0 && v == 0, "SIOCOUTQ unconnected: 0 (got %d)", v);
	CHECK(ioctl(fd, SIOCINQ, &v) == 0 && v == 0, "SIOCINQ unconnected: 0 (got %d)", v);

	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0, "connect");
	common(fd, "connected");
	expect_int(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY kept across connect");
	expect_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30, "TCP_KEEPIDLE kept across connect");
	expect_int(fd, IPPROTO_IP, IP_TOS, 0xfc, "IP_TOS kept across connect");
	len = sizeof(sin);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PEERNAME, &sin, &len) == 0 && len == sizeof(sin) &&
		  sin.sin_port == htons(80) && sin.sin_addr.s_addr == dst.sin_addr.s_addr,
	      "SO_PEERNAME");

	/* 11 bytes of a request: SIOCOUTQ is bytes (AF_UNIX would say ~768). */
	CHECK(write(fd, "GET / HTTP/", 11) == 11, "write part of the request");
	CHECK(ioctl(fd, SIOCOUTQ, &outq) == 0 && outq >= 0 && outq <= 11,
	      "SIOCOUTQ counts bytes: 0..11, got %d", outq);
	CHECK(ioctl(fd, SIOCOUTQNSD, &nsd) == 0 && nsd >= 0 && nsd <= 11,
	      "SIOCOUTQNSD counts bytes: 0..11, got %d", nsd);
	CHECK(write(fd, "1.0\r\nHost: lab\r\n\r\n", 18) == 18, "the rest of the request");
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 5000) == 1, "the answer comes");
	usleep(100 * 1000);
	CHECK(ioctl(fd, SIOCINQ, &inq) == 0 && inq > 0, "SIOCINQ > 0 (got %d)", inq);
	CHECK(ioctl(fd, FIONREAD, &fionread) == 0 && fionread == inq, "FIONREAD == SIOCINQ");
	CHECK(ioctl(fd, SIOCOUTQ, &v) == 0 && v == 0, "SIOCOUTQ 0 once answered (got %d)", v);
	close(fd);
	printf("SO_TYPE/DOMAIN/PROTOCOL/ACCEPTCONN, IP_TTL 64/32/EINVAL, IP_TOS 0xff->0xfc, "
	       "REUSEADDR, REUSEPORT, LINGER, PEERCRED, PEERNAME, TCP opts kept across connect; "
	       "ENOPROTOOPT for unknown; SIOCOUTQ %d, SIOCOUTQNSD %d after 11 bytes, SIOCINQ %d\n",
	       outq, nsd, inq);
	return 0;
}

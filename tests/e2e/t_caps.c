/* SPDX-License-Identifier: MIT */
/*
 * t_caps - the client half of caps_daemon.py: options and ioctls whose
 * messages the shim sends only to a daemon that advertises them.  SO_LINGER
 * {1, 0} and IP_TOS before connect (they follow IPC_CONNECT), IP_TTL after
 * it, then SIOCOUTQ and SIOCOUTQNSD from IPC_QUEUES.  Prints the two counts.
 */
#include "t.h"

#include <linux/sockios.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>

int main(void)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct sockaddr_in dst = t_addr("10.9.9.9", 80);
	int fd, v, outq = -1, nsd = -1;

	t_name = "t_caps";
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "socket");
	CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER");
	v = 0x10;
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)) == 0, "IP_TOS");
	CHECK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0, "connect");
	v = 33;
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)) == 0, "IP_TTL");
	CHECK(ioctl(fd, SIOCOUTQ, &outq) == 0, "SIOCOUTQ");
	CHECK(ioctl(fd, SIOCOUTQNSD, &nsd) == 0, "SIOCOUTQNSD");
	printf("SIOCOUTQ %d SIOCOUTQNSD %d\n", outq, nsd);
	return close(fd) == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * packet.c - the raw AF_PACKET socket under the stack.
 *
 * Theory of operation: one SOCK_RAW packet socket bound to the interface
 * carries whole Ethernet frames both ways.  Receiving is batched: every
 * pkt_recv() is one recvmmsg() of up to PKT_RX_BATCH frames into buffers
 * allocated once at start-up, each large enough for a GRO super-frame, and
 * the caller hands the batch to the stack and then calls stack_flush() once,
 * which coalesces the ACKs of the whole batch.  Sending is batched too:
 * pkt_xmit() copies a frame from the stack into the next of PKT_TX_BATCH
 * preallocated slots, and pkt_flush() sends the slots with one sendmmsg()
 * when they are full and once per loop iteration.  Nothing is allocated and
 * nothing is logged per frame; every frame not used is counted (dstats).
 *
 * A send the kernel refuses (EAGAIN, ENOBUFS: device queue or socket buffer
 * full) is dropped and counted, never retried: TCP retransmits, and a daemon
 * waiting for the device would stall every other connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon.h"
#include "isolate.h"
#include "log.h"
#include "packet.h"
#include "stack.h"

#define PKT_SOCKBUF (4 << 20) /* socket buffers: absorb bursts of a fast peer */

int pkt_ifinfo(const char *name, struct pkt_if *ifi)
{
	struct ifreq ifr;
	int fd, ret = 0;

	memset(ifi, 0, sizeof(*ifi));
	if (strlen(name) >= sizeof(ifr.ifr_name) || !*name)
		return -ENODEV;
	/*
	 * Any socket answers the SIOCGIF* ioctls (the socket layer hands what
	 * its family does not know to dev_ioctl()); AF_UNIX keeps ustackd off
	 * AF_INET entirely, so systemd's RestrictAddressFamilies= can leave it out.
	 */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	snprintf(ifi->name, sizeof(ifi->name), "%s", name);

	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifi->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		ret = -EAFNOSUPPORT;
		goto out;
	}
	memcpy(ifi->mac, ifr.ifr_hwaddr.sa_data, sizeof(ifi->mac));
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifi->mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifi->up = !!(ifr.ifr_flags & IFF_UP);
out:
	close(fd);
	return ret;
}

/*
 * Only IPv4 and ARP reach user space: on an interface the kernel also uses,
 * IPv6, LLDP and the like would otherwise cost a copy and a wakeup each just
 * for the stack to drop them.  VLAN tags taken off by the driver are not
 * visible to this filter; pkt_recv() drops those frames.
 */
static int pkt_attach_filter(int fd)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12), /* EtherType */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 1, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0xffffffffu), /* whole frame */
	    BPF_STMT(BPF_RET | BPF_K, 0),	    /* not for us */
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(code), .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/* Ask for big socket buffers; FORCE works with CAP_NET_ADMIN, else the sysctl caps apply. */
static void pkt_set_bufs(int fd)
{
	int sz = PKT_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

int pkt_open(struct pkt *p, const struct pkt_if *ifi)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = ifi->ifindex,
	};
	int one = 1, ret;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->ifindex = ifi->ifindex;
	/* An IP MTU of 64 KiB (the most a frame from our stack can carry) plus Ethernet. */
	p->tx_slot = ((size_t)(ifi->mtu < 65535 ? ifi->mtu : 65535) + ETH_HLEN + 63) & ~(size_t)63;
	p->rx_buf = malloc((size_t)PKT_RX_BATCH * PKT_RX_SIZE);
	p->tx_buf = malloc((size_t)PKT_TX_BATCH * p->tx_slot);
	if (!p->rx_buf || !p->tx_buf) {
		ret = -ENOMEM;
		goto fail;
	}

	/*
	 * Protocol 0 at socket() time: the socket receives nothing until bind()
	 * names the interface, so no frame of another interface slips in.
	 */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		ret = -errno;
		goto fail;
	}
	/* Linux >= 4.20; older kernels are covered by the PACKET_OUTGOING check below. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		debug("PACKET_IGNORE_OUTGOING not available: %s", strerror(errno));
	if (pkt_attach_filter(p->fd) < 0)
		debug("no socket filter, every frame reaches the stack: %s", strerror(errno));
	pkt_set_bufs(p->fd);
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		goto fail;
	}

	for (unsigned i = 0; i < PKT_RX_BATCH; i++) {
		struct msghdr *mh = &p->rx_msg[i].msg_hdr;

		p->rx_iov[i].iov_base = p->rx_buf + (size_t)i * PKT_RX_SIZE;
		p->rx_iov[i].iov_len = PKT_RX_SIZE;
		mh->msg_iov = &p->rx_iov[i];
		mh->msg_iovlen = 1;
		mh->msg_name = &p->rx_addr[i];
		mh->msg_control = p->rx_cmsg[i].buf;
	}
	for (unsigned i = 0; i < PKT_TX_BATCH; i++) {
		/* The socket is bound: frames go out on it without an address. */
		p->tx_iov[i].iov_base = p->tx_buf + (size_t)i * p->tx_slot;
		p->tx_msg[i].msg_hdr.msg_iov = &p->tx_iov[i];
		p->tx_msg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
fail:
	pkt_close(p);
	return ret;
}

/*
 * Kernel quirks on receive, handled below:
 *
 * a) Checksums a peer never filled in.  A frame from a local veth peer (or a
 *    tap, or any path that only pretends to offload) carries CHECKSUM_PARTIAL:
 *    the TCP checksum field holds only the pseudo-header sum, because the
 *    sending kernel left the rest to "hardware" that does not exist on that
 *    path.  The kernel's own stack trusts skb->ip_summed and never looks; a
 *    user-space stack that verifies such a checksum drops every segment.  The
 *    packet socket reports the case as TP_STATUS_CSUMNOTREADY in
 *    tpacket_auxdata, so we tell the stack not to verify (STACK_IN_CSUM_OK).
 * b) TP_STATUS_CSUM_VALID: the NIC or the kernel already verified the L4
 *    checksum (CHECKSUM_UNNECESSARY); verifying again would only cost time.
 * c) GRO: the kernel may merge consecutive segments into one frame larger
 *    than the MTU (up to 64 KiB of IP) before taps see it, with (a) or (b)
 *    set.  Receive buffers are PKT_RX_SIZE for that; anything longer
 *    (BIG TCP) comes back with MSG_TRUNC and is counted and dropped.
 * d) ETH_P_ALL also shows frames leaving the interface, ours included.
 *    PACKET_IGNORE_OUTGOING drops them in the kernel; sll_pkttype ==
 *    PACKET_OUTGOING catches them where that option does not exist.
 * e) A VLAN tag the driver took off (hardware acceleration) is only in the
 *    auxdata; the frame itself looks untagged.  Such frames belong to a VLAN
 *    sub-interface, not to us: drop them, except for VLAN 0 (priority tags).
 */
int pkt_recv(struct pkt *p)
{
	int n;

	p->rx_n = 0;
	for (unsigned i = 0; i < PKT_RX_BATCH; i++) {
		struct msghdr *mh = &p->rx_msg[i].msg_hdr;

		mh->msg_namelen = sizeof(p->rx_addr[i]);
		mh->msg_controllen = sizeof(p->rx_cmsg[i].buf);
		mh->msg_flags = 0;
	}
	do
		n = recvmmsg(p->fd, p->rx_msg, PKT_RX_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* ENETDOWN and friends are reported once, then reception goes on. */
		if (errno != EAGAIN)
			DSTAT_INC(rx_errors);
		return 0;
	}

	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &p->rx_msg[i].msg_hdr;
		struct tpacket_auxdata aux = {0};
		struct cmsghdr *cm;

		if (mh->msg_flags & MSG_TRUNC) { /* (c) */
			DSTAT_INC(rx_trunc);
			continue;
		}
		if (p->rx_addr[i].sll_pkttype == PACKET_OUTGOING) { /* (d) */
			DSTAT_INC(rx_outgoing);
			continue;
		}
		for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
			if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(aux)))
				memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		if ((aux.tp_status & TP_STATUS_VLAN_VALID) &&
		    (aux.tp_vlan_tci & 0x0fff)) { /* (e) */
			DSTAT_INC(rx_vlan);
			continue;
		}
		p->rx[p->rx_n].buf = p->rx_iov[i].iov_base;
		p->rx[p->rx_n].len = p->rx_msg[i].msg_len;
		p->rx[p->rx_n].flags =
		    (aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID))
			? STACK_IN_CSUM_OK /* (a), (b) */
			: 0;
		p->rx_n++;
	}
	DSTAT_ADD(rx_frames, p->rx_n);
	return n;
}

void pkt_xmit(struct pkt *p, const uint8_t *frame, size_t len)
{
	if (len > p->tx_slot) {
		DSTAT_INC(tx_drop_oversize);
		return;
	}
	if (p->tx_n == PKT_TX_BATCH)
		pkt_flush(p);
	memcpy(p->tx_iov[p->tx_n].iov_base, frame, len);
	p->tx_iov[p->tx_n].iov_len = len;
	p->tx_n++;
}

void pkt_flush(struct pkt *p)
{
	unsigned done = 0;

	while (done < p->tx_n) {
		int r = sendmmsg(p->fd, p->tx_msg + done, p->tx_n - done, MSG_DONTWAIT);

		if (r > 0) {
			DSTAT_ADD(tx_frames, (unsigned)r);
			done += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			/* Queue full: the rest would fail the same way right now. */
			DSTAT_ADD(tx_drop_full, p->tx_n - done);
			break;
		} else {
			/* This one frame is refused (EMSGSIZE, ENETDOWN...): skip it. */
			DSTAT_INC(tx_drop_error);
			done++;
		}
	}
	p->tx_n = 0;
}

void pkt_update_stats(struct pkt *p)
{
	struct tpacket_stats ts;
	socklen_t l = sizeof(ts);

	/* Reading PACKET_STATISTICS resets the kernel's counters. */
	if (p->fd >= 0 && getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &l) == 0)
		DSTAT_ADD(rx_kernel_drops, ts.tp_drops);
}

void pkt_close(struct pkt *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->rx_buf);
	free(p->tx_buf);
	p->rx_buf = p->tx_buf = NULL;
}

/* System calls of this file once the loop runs (isolate.c). */
const struct syscall_use packet_syscalls[] = {
    SYSCALL("recvmmsg", "pkt_recv(): a batch of frames"),
    SYSCALL("sendmmsg", "pkt_flush(): a batch of frames"),
    SYSCALL("getsockopt", "pkt_update_stats(): PACKET_STATISTICS"),
    SYSCALL("close", "pkt_close() at exit"),
    SYSCALLS_END,
};

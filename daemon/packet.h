/* SPDX-License-Identifier: MIT */
/*
 * packet.h - Ethernet frames in and out of one interface (AF_PACKET).
 */
#ifndef USTACKD_PACKET_H
#define USTACKD_PACKET_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PKT_RX_BATCH 32		   /* frames per recvmmsg() */
#define PKT_RX_CALLS 8		   /* recvmmsg() calls per wakeup, for fairness */
#define PKT_RX_SIZE  (65536 + 256) /* a 64 KiB GRO frame plus its headers */
#define PKT_TX_BATCH 64		   /* frames per sendmmsg() */

/* What the daemon learns about the interface at start-up. */
struct pkt_if {
	char name[IFNAMSIZ];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu;
	int up; /* IFF_UP was set */
};

/* One received frame ready for stack_input(). */
struct pkt_frame {
	const uint8_t *buf;
	size_t len;
	unsigned flags; /* STACK_IN_* */
};

struct pkt {
	int fd;
	int ifindex;

	/* receive: PKT_RX_BATCH preallocated buffers, refilled by each pkt_recv() */
	uint8_t *rx_buf;
	struct mmsghdr rx_msg[PKT_RX_BATCH];
	struct iovec rx_iov[PKT_RX_BATCH];
	struct sockaddr_ll rx_addr[PKT_RX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} rx_cmsg[PKT_RX_BATCH];
	struct pkt_frame rx[PKT_RX_BATCH];
	unsigned rx_n; /* valid entries in rx[] */

	/* transmit: PKT_TX_BATCH slots of tx_slot bytes, sent by pkt_flush() */
	uint8_t *tx_buf;
	size_t tx_slot;
	unsigned tx_n;
	struct mmsghdr tx_msg[PKT_TX_BATCH];
	struct iovec tx_iov[PKT_TX_BATCH];
};

/*
 * Look up an interface: index, MAC, MTU.  Returns 0, -ENODEV (no such
 * interface), -EAFNOSUPPORT (not Ethernet) or another -errno.
 */
int pkt_ifinfo(const char *name, struct pkt_if *ifi);
/* Open, configure and bind the packet socket; 0 or -errno (-EPERM: no CAP_NET_RAW). */
int pkt_open(struct pkt *p, const struct pkt_if *ifi);
/*
 * Receive one batch.  Returns the number of messages the kernel gave us (0 if
 * none were waiting); the frames worth handing to the stack are in p->rx[],
 * p->rx_n of them.  Drops are counted in dstats.
 */
int pkt_recv(struct pkt *p);
/* Queue one frame for sending (copied); sends the batch when it is full. */
void pkt_xmit(struct pkt *p, const uint8_t *frame, size_t len);
/* Send every queued frame now. */
void pkt_flush(struct pkt *p);
/* Add the kernel's drop count since the last call to dstats (rx_kernel_drops). */
void pkt_update_stats(struct pkt *p);
void pkt_close(struct pkt *p);

#endif /* USTACKD_PACKET_H */

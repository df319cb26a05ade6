/* SPDX-License-Identifier: MIT */
/*
 * stats.h - every counter the stack keeps, in one list.
 *
 * Each drop reason has its own counter so that `ustack stats` can say why a
 * frame was not used.  The X-macro keeps the enum and the names in step.
 */
#ifndef USTACK_STATS_H
#define USTACK_STATS_H

#define STACK_STATS(X)                                                                          \
	X(eth_rx, "Ethernet frames received")                                                   \
	X(eth_tx, "Ethernet frames sent")                                                       \
	X(eth_drop_short, "frames dropped: shorter than an Ethernet header")                    \
	X(eth_drop_notours, "frames dropped: destination MAC not ours")                         \
	X(eth_drop_type, "frames dropped: unsupported EtherType")                               \
	X(arp_rx, "ARP packets received")                                                       \
	X(arp_drop_malformed, "ARP packets dropped: malformed")                                 \
	X(arp_requests_sent, "ARP requests sent")                                               \
	X(arp_replies_sent, "ARP replies sent")                                                 \
	X(arp_resolved, "ARP entries resolved")                                                 \
	X(arp_expired, "ARP entries expired")                                                   \
	X(arp_failed, "ARP resolutions failed (no answer)")                                     \
	X(arp_queue_drop, "packets dropped: ARP queue full or resolution failed")               \
	X(arp_cache_full, "ARP resolutions refused: cache full")                                \
	X(ip_rx, "IPv4 packets received")                                                       \
	X(ip_tx, "IPv4 packets sent")                                                           \
	X(ip_drop_short, "IPv4 packets dropped: truncated header")                              \
	X(ip_drop_version, "IPv4 packets dropped: bad version or header length")                \
	X(ip_drop_len, "IPv4 packets dropped: bad total length")                                \
	X(ip_drop_csum, "IPv4 packets dropped: bad header checksum")                            \
	X(ip_drop_notours, "IPv4 packets dropped: not addressed to us")                         \
	X(ip_drop_proto, "IPv4 packets dropped: unsupported protocol")                          \
	X(ip_drop_badsrc, "IPv4 packets dropped: bad source address")                           \
	X(ip_noroute, "IPv4 packets not sent: no route")                                        \
	X(ip_frag_rx, "IPv4 fragments received")                                                \
	X(ip_frag_bad, "IPv4 fragments dropped: empty, or ragged before the last")              \
	X(ip_frag_dup, "IPv4 fragments dropped: duplicate of data held")                        \
	X(ip_reasm_ok, "IPv4 datagrams reassembled")                                            \
	X(ip_reasm_timeout, "IPv4 reassemblies timed out")                                      \
	X(ip_reasm_overlap, "IPv4 reassemblies dropped: overlapping fragments")                 \
	X(ip_reasm_inconsistent, "IPv4 reassemblies dropped: fragments disagree on the end")    \
	X(ip_reasm_toobig, "IPv4 reassemblies dropped: over 65535 bytes")                       \
	X(ip_reasm_holes, "IPv4 reassemblies dropped: too many pieces")                         \
	X(ip_reasm_nomem, "IPv4 fragments dropped: every reassembly slot busy")                 \
	X(ip_fragmented, "IPv4 datagrams sent in fragments")                                    \
	X(ip_frag_created, "IPv4 fragments sent")                                               \
	X(icmp_rx, "ICMP messages received")                                                    \
	X(icmp_drop_short, "ICMP messages dropped: truncated")                                  \
	X(icmp_drop_csum, "ICMP messages dropped: bad checksum")                                \
	X(icmp_echo_replies, "ICMP echo replies sent")                                          \
	X(icmp_drop_type, "ICMP messages ignored: unhandled type")                              \
	X(icmp_err_rx, "ICMP errors received (unreachable, time exceeded, ...)")                \
	X(icmp_err_short, "ICMP errors dropped: quoted datagram truncated or malformed")        \
	X(icmp_err_notours, "ICMP errors ignored: quoted datagram not from us")                 \
	X(icmp_err_proto, "ICMP errors ignored: quoted datagram not TCP or UDP")                \
	X(icmp_err_tx, "ICMP errors sent (time exceeded, port unreachable)")                    \
	X(icmp_err_ratelimited, "ICMP errors not sent: over the rate limit")                    \
	X(icmp_tcp_noconn, "ICMP errors ignored: no such TCP connection")                       \
	X(icmp_tcp_badseq, "ICMP errors ignored: quoted TCP sequence not in flight")            \
	X(icmp_tcp_ignored, "ICMP errors ignored: code or state TCP does not act on")           \
	X(icmp_tcp_hard, "TCP connection attempts ended by an ICMP error")                      \
	X(icmp_tcp_soft, "TCP soft errors from ICMP (connection kept)")                         \
	X(icmp_tcp_pmtu, "TCP MSS lowered by fragmentation needed")                             \
	X(icmp_tcp_pmtu_ignored, "ICMP frag needed ignored: MTU not below the path's")     \
	X(udp_rx, "UDP datagrams received")                                                     \
	X(udp_tx, "UDP datagrams sent")                                                         \
	X(udp_delivered, "UDP datagrams queued to a socket")                                    \
	X(udp_drop_short, "UDP datagrams dropped: truncated header")                            \
	X(udp_drop_len, "UDP datagrams dropped: length field disagrees with IP")                \
	X(udp_drop_csum, "UDP datagrams dropped: bad checksum")                                 \
	X(udp_noport, "UDP datagrams for no socket (port unreachable sent)")                    \
	X(udp_noport_bcast, "UDP datagrams for no socket, broadcast (ignored)")                 \
	X(udp_rcvbuf_errors, "UDP datagrams dropped: socket receive queue full")                \
	X(udp_icmp_err, "ICMP errors reported to a connected UDP socket")                       \
	X(udp_icmp_ignored, "ICMP errors for UDP ignored: no connected socket, or soft")        \
	X(tcp_rx, "TCP segments received")                                                      \
	X(tcp_tx, "TCP segments sent")                                                          \
	X(tcp_drop_short, "TCP segments dropped: truncated header")                             \
	X(tcp_drop_off, "TCP segments dropped: bad data offset")                                \
	X(tcp_drop_csum, "TCP segments dropped: bad checksum")                                  \
	X(tcp_drop_noconn, "TCP segments for no connection (answered with RST)")               \
	X(tcp_drop_unacceptable, "TCP segments dropped: not acceptable (RFC 9293 3.10.7.4)")  \
	X(tcp_drop_badack, "TCP segments dropped: unacceptable ACK")                            \
	X(tcp_ooo_queued, "TCP segments received out of order and held")                      \
	X(tcp_drop_ooo, "TCP segments dropped: out of order, no room to hold them")             \
	X(tcp_drop_rcvbuf, "TCP bytes beyond the receive buffer dropped")                       \
	X(tcp_drop_after_close, "TCP segments with data after close (answered with RST)")       \
	X(tcp_rst_rx, "TCP resets received")                                                    \
	X(tcp_rst_tx, "TCP resets sent")                                                        \
	X(tcp_active_opens, "TCP active opens")                                                 \
	X(tcp_passive_opens, "TCP passive opens (SYN to a listener)")                           \
	X(tcp_listen_overflow, "TCP SYNs dropped: listener backlog full")                       \
	X(tcp_tw_reused, "TCP TIME-WAIT connections ended early by a new SYN (RFC 6191)")       \
	X(tcp_estab, "TCP connections established")                                             \
	X(tcp_conn_failed, "TCP connection attempts failed")                                    \
	X(tcp_rexmit_timeouts, "TCP retransmission timeouts")                                   \
	X(tcp_rexmit_segs, "TCP segments retransmitted")                                        \
	X(tcp_dupacks, "TCP duplicate ACKs received")                                           \
	X(tcp_fast_retransmits, "TCP fast retransmits (recovery entered)")                      \
	X(tcp_sack_recoveries, "TCP recoveries driven by SACK")                                 \
	X(tcp_partial_acks, "TCP partial ACKs in recovery")                                     \
	X(tcp_limited_transmits, "TCP segments sent by limited transmit (RFC 3042)")            \
	X(tcp_tlp_probes, "TCP tail loss probes sent (RFC 8985)")                               \
	X(tcp_sack_overflow, "TCP SACK blocks not remembered: scoreboard full")                 \
	X(tcp_paws_drop, "TCP segments dropped by PAWS (old timestamp)")                        \
	X(tcp_challenge_acks, "TCP challenge ACKs sent (RFC 5961)")                             \
	X(tcp_challenge_limited, "TCP challenge ACKs suppressed by the rate limit")             \
	X(tcp_win_updates, "TCP window updates sent")                                           \
	X(tcp_delacks, "TCP delayed ACKs sent")                                                 \
	X(tcp_keepalive_probes, "TCP keepalive probes sent")                                    \
	X(tcp_timeouts, "TCP connections dropped by timeout")                                   \
	X(tcp_time_wait_done, "TCP connections freed after TIME_WAIT")

enum stat_id {
#define STAT_ENUM(name, desc) STAT_##name,
	STACK_STATS(STAT_ENUM)
#undef STAT_ENUM
		STAT_MAX
};

/* Name ("tcp_rx") and description of each counter. */
extern const char *const stat_names[STAT_MAX];
extern const char *const stat_descs[STAT_MAX];

#endif /* USTACK_STATS_H */

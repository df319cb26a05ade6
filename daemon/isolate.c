/* SPDX-License-Identifier: MIT */
/*
 * isolate.c - dropping privileges in named stages (STYLE.md 15).
 *
 * Theory of operation: ustackd needs privilege for exactly three things, all
 * at start-up: creating the AF_PACKET socket (CAP_NET_RAW), sizing its
 * buffers beyond the sysctl limits (CAP_NET_ADMIN, optional) and creating
 * its listening socket and pcap file where root may write.  A capability is
 * checked when a socket is created, not when it is used, so once those fds
 * exist the daemon can run with no capability at all and keep using them.
 *
 * Stage 1 (main, before isolate_drop_caps()):
 *   Should: validate the configuration, open the packet socket, the pcap file
 *           and the listening socket.
 *   Mustn't: accept clients or read frames.
 * Stage 2 (isolate_drop_caps(), before the event loop starts):
 *   Should: empty the bounding set (when we may), then the effective,
 *           permitted, inheritable and ambient sets; set no_new_privs, so no
 *           execve() could ever give anything back.
 *   Mustn't: close or change any fd; fail silently (a daemon that believes it
 *            dropped privileges but did not is worse than one that stops).
 *
 * Later issues may add a seccomp allow-list here, beside this contract.
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "isolate.h"
#include "log.h"

void isolate_drop_caps(void)
{
	cap_t caps;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("cannot set no_new_privs: %s", strerror(errno));

	/*
	 * The bounding set needs CAP_SETPCAP to shrink; a daemon started with
	 * only file capabilities (setcap cap_net_raw+ep) lacks it, and then
	 * the empty permitted set below is what counts.
	 */
	for (cap_value_t c = 0; CAP_IS_SUPPORTED(c); c++)
		if (cap_drop_bound(c) < 0 && errno != EPERM)
			die("cannot drop capability %d from the bounding set: %s", (int)c,
			    strerror(errno));

	caps = cap_init(); /* all three sets empty */
	if (!caps)
		die("cannot drop capabilities: %s", strerror(errno));
	if (cap_set_proc(caps) < 0)
		die("cannot drop capabilities: %s", strerror(errno));
	cap_free(caps);
	/* Lowering the permitted set clears the ambient set too; say so explicitly. */
	cap_reset_ambient();
}

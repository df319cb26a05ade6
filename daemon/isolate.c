/* SPDX-License-Identifier: MIT */
/*
 * isolate.c - dropping privileges in named stages (STYLE.md 15).
 *
 * Theory of operation: ustackd needs privilege for a few things, all at
 * start-up: creating the AF_PACKET socket (CAP_NET_RAW), sizing its buffers
 * beyond the sysctl limits (CAP_NET_ADMIN, optional), creating its
 * listening socket and pcap file where root may write, and becoming
 * another user.  A capability is checked when a socket is created, not when
 * it is used, so once those fds exist the daemon runs as an ordinary user
 * with no capability at all and keeps using them.  It starts either as
 * root, or as an unprivileged user holding CAP_NET_RAW (ambient, as
 * systemd's AmbientCapabilities= gives it, or from `setcap cap_net_raw+ep`).
 *
 * Stage 1, isolate_initial(), first thing in main():
 *   Should: drop every capability but those start-up needs (below), clear
 *           the inheritable and ambient sets, raise RLIMIT_NOFILE to its hard
 *           limit (each client costs fds; log the value).
 *   Mustn't: open anything; fail because a capability is already missing
 *            (an unprivileged start has CAP_NET_RAW only).
 * Stage 2, main(): check the configuration, open the packet socket, the pcap
 *   file and the listening socket (or take it from systemd).
 *   Should: create everything the daemon will ever open.
 *   Mustn't: accept clients or read frames.
 * Stage 3, isolate_user(), once stage 2 is done:
 *   Should: empty the bounding set (when we may: it needs CAP_SETPCAP); with
 *           `user`, setgroups() to none, setresgid(), setresuid(); then
 *           empty the effective, permitted, inheritable and ambient sets;
 *           PR_SET_NO_NEW_PRIVS, so no execve() could ever give anything
 *           back; PR_SET_DUMPABLE 0, so no process of the same uid may
 *           ptrace us or read our memory; check that all of it stuck.
 *   Mustn't: close or change any fd; fail silently (a daemon that believes
 *            it dropped privileges but did not is worse than one that stops).
 * Stage 4, isolate_seccomp(), right before the event loop:
 *   Should: allow exactly the system calls the modules list beside their
 *           code (struct syscall_use tables), and nothing else.
 *   Mustn't: run anything after it that is not on those lists.
 *
 * A call outside the list: SCMP_ACT_TRAP, not SCMP_ACT_KILL_PROCESS.  Both
 * stop the call before it runs; KILL leaves no trace where an operator
 * looks (only "killed by SIGSYS" and, maybe, an audit record), whereas TRAP
 * runs our SIGSYS handler, which writes "ustackd: seccomp: forbidden system
 * call N (name)" to stderr (the journal under systemd) with write(2) alone
 * and leaves with _exit(159), the status a shell gives a SIGSYS death.  The
 * names are resolved before the filter goes in, so the handler only reads an
 * array.  A process that could run code of an attacker's choosing could
 * install another SIGSYS handler and survive the trap, but the forbidden
 * call still never runs; and rt_sigaction() on SIGSYS is itself refused.
 */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "isolate.h"
#include "log.h"

#define SIGSYS_EXIT 159 /* 128 + SIGSYS */
#define NR_NAMES    512 /* system call numbers we name in the SIGSYS line */

/* What start-up may still need after stage 1 (see the contract above). */
static const cap_value_t startup_caps[] = {
    CAP_NET_RAW,	 /* the AF_PACKET socket */
    CAP_NET_ADMIN,	 /* SO_RCVBUFFORCE/SO_SNDBUFFORCE on it, best effort */
    CAP_SETUID,		 /* user = */
    CAP_SETGID,		 /* user =, group = */
    CAP_SETPCAP,	 /* emptying the bounding set */
    CAP_CHOWN,		 /* socket-group = on a socket file root created */
    CAP_DAC_OVERRIDE,	 /* root writes the socket and pcap where root may */
    CAP_DAC_READ_SEARCH, /* and reads the config file where root may */
};

/* Our own calls after the loop started. */
static const struct syscall_use isolate_syscalls[] = {
    SYSCALL("write", "the SIGSYS handler's one line"),
    SYSCALL("exit_group", "_exit() from the SIGSYS handler; exit() at the end"),
    SYSCALL_ARG("rt_sigaction", "libev restores signal dispositions when it stops; never SIGSYS", 0,
		SYS_ARG_NE, SIGSYS),
    SYSCALL("rt_sigreturn", "return from a signal handler (libev's, ours)"),
    SYSCALL("rt_sigprocmask", "libev blocks signals around its signal pipe; abort()"),
    SYSCALL("getpid", "abort() on a failed assertion signals itself"),
    SYSCALL("gettid", "abort() on a failed assertion signals itself"),
    SYSCALLS_END,
};

#if defined(__SANITIZE_ADDRESS__)
/*
 * The ASan/UBSan build (make asan, make check) runs with the same filter
 * plus what the sanitizer runtime needs: its allocator maps and unmaps
 * shadow memory and quarantine, and at exit LeakSanitizer stops the world
 * from a cloned tracer task that ptraces us (making us dumpable for it
 * first), reading /proc/self/maps on the way; an error report symbolizes
 * from our own binary.  None of this is in the production build.
 */
static const struct syscall_use sanitizer_syscalls[] = {
    SYSCALL("mmap", "sanitizer: shadow memory, allocator"),
    SYSCALL("munmap", "sanitizer: allocator"),
    SYSCALL("mprotect", "sanitizer: allocator, LSan tracer stack"),
    SYSCALL("madvise", "sanitizer: allocator"),
    SYSCALL("mremap", "sanitizer: allocator"),
    SYSCALL("sched_yield", "sanitizer: spin locks, LSan"),
    SYSCALL("futex", "sanitizer: locks"),
    SYSCALL("clone", "LSan: the stop-the-world tracer task"),
    SYSCALL("clone3", "LSan: the stop-the-world tracer task"),
    SYSCALL("ptrace", "LSan: the tracer attaches to our threads"),
    SYSCALL("wait4", "LSan: waits for its tracer"),
    SYSCALL("prctl", "LSan: PR_SET_DUMPABLE 1 for its tracer, PR_SET_PDEATHSIG"),
    SYSCALL("sigaltstack", "sanitizer: its signal stack"),
    SYSCALL("openat", "sanitizer: /proc/self/maps, /proc/self/task, symbolizing a report"),
    SYSCALL("getdents64", "LSan: the tracer lists our threads in /proc/self/task"),
    SYSCALL("getdents", "LSan: the tracer lists our threads in /proc/self/task"),
    SYSCALL("ioctl", "sanitizer: isatty(stderr) for a report's colours"),
    SYSCALL("open", "sanitizer: /proc/self/maps"),
    SYSCALL("read", "sanitizer: /proc/self/maps"),
    SYSCALL("pread64", "sanitizer: symbolizing a report"),
    SYSCALL("fstat", "sanitizer: symbolizing a report"),
    SYSCALL("newfstatat", "sanitizer: symbolizing a report"),
    SYSCALL("readlink", "sanitizer: /proc/self/exe"),
    SYSCALL("lseek", "sanitizer: symbolizing a report"),
    SYSCALL("getrusage", "sanitizer: statistics"),
    SYSCALL("exit", "LSan: the tracer task ends"),
    SYSCALL("kill", "LSan: the tracer task"),
    SYSCALL("getppid", "LSan: the tracer checks its parent"),
    SYSCALL("close", "sanitizer: files it opened"),
    SYSCALL("getrlimit", "sanitizer: stack limits"),
    SYSCALL("prlimit64", "sanitizer: stack limits"),
    SYSCALL("sched_getaffinity", "sanitizer: CPU count"),
    SYSCALL("rt_sigtimedwait", "LSan tracer"),
    SYSCALLS_END,
};
#endif

/* ---- stage 1 ---- */

unsigned long long isolate_initial(void)
{
	struct rlimit rl;
	cap_t caps;
	cap_flag_value_t v;

	/* Keep what start-up needs among what we have; nothing inheritable. */
	caps = cap_get_proc();
	if (!caps)
		die("cannot read our capabilities: %s", strerror(errno));
	for (cap_value_t c = 0; CAP_IS_SUPPORTED(c); c++) {
		int keep = 0;

		for (size_t i = 0; i < ARRAY_SIZE(startup_caps); i++)
			keep |= startup_caps[i] == c;
		if (cap_get_flag(caps, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET && keep)
			continue;
		if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_CLEAR) < 0 ||
		    cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_CLEAR) < 0)
			die("cannot drop capabilities: %s", strerror(errno));
	}
	if (cap_clear_flag(caps, CAP_INHERITABLE) < 0 || cap_set_proc(caps) < 0)
		die("cannot drop capabilities: %s", strerror(errno));
	cap_free(caps);
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		die("cannot clear the ambient capabilities: %s", strerror(errno));

	/* Every client costs one fd and every socket another: take all we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("cannot read RLIMIT_NOFILE: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;

		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			info("cannot raise the file descriptor limit to %llu: %s",
			     (unsigned long long)want, strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (unsigned long long)rl.rlim_cur;
}

/* ---- stage 3 ---- */

void isolate_user(const struct config *cfg)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	cap_t caps, none;
	int differ;

	if (cfg->user && getuid() != 0 && cfg->uid != getuid())
		die("user = %s needs ustackd to start as root (under systemd, leave user unset: "
		    "DynamicUser= already runs it unprivileged)",
		    cfg->user);

	/*
	 * The bounding set needs CAP_SETPCAP to shrink, so it goes first; a
	 * daemon started without it (ambient or file capabilities) keeps its
	 * bounding set, and then the empty permitted set and no_new_privs
	 * below are what count.
	 */
	for (cap_value_t c = 0; CAP_IS_SUPPORTED(c); c++)
		if (cap_drop_bound(c) < 0 && errno != EPERM)
			die("cannot drop capability %d from the bounding set: %s", (int)c,
			    strerror(errno));

	if (cfg->user && getuid() == 0) {
		if (setgroups(0, NULL) < 0)
			die("cannot drop the supplementary groups: %s", strerror(errno));
		if (setresgid(cfg->gid, cfg->gid, cfg->gid) < 0)
			die("cannot switch to group %u: %s", (unsigned)cfg->gid, strerror(errno));
		if (setresuid(cfg->uid, cfg->uid, cfg->uid) < 0)
			die("cannot switch to user %s: %s", cfg->user, strerror(errno));
		if (getresuid(&r, &e, &s) < 0 || r != cfg->uid || e != cfg->uid || s != cfg->uid ||
		    getresgid(&rg, &eg, &sg) < 0 || rg != cfg->gid || eg != cfg->gid ||
		    sg != cfg->gid)
			die("switching to user %s did not stick", cfg->user);
	}

	caps = cap_init(); /* all three sets empty */
	if (!caps)
		die("cannot drop capabilities: %s", strerror(errno));
	if (cap_set_proc(caps) < 0)
		die("cannot drop capabilities: %s", strerror(errno));
	/* Lowering the permitted set clears the ambient set too; say so explicitly. */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		die("cannot clear the ambient capabilities: %s", strerror(errno));
	none = cap_get_proc();
	differ = !none || cap_compare(caps, none) != 0;
	cap_free(none);
	cap_free(caps);
	if (differ)
		die("capabilities are still there after dropping them");

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("cannot set no_new_privs: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("cannot make ustackd non-dumpable: %s", strerror(errno));
}

/* ---- stage 4 ---- */

static char *nr_names[NR_NAMES];
static uint32_t native_arch;

/* Append s to buf at *n, bounded; async-signal-safe. */
static void sig_append(char *buf, size_t len, size_t *n, const char *s)
{
	while (*s && *n < len)
		buf[(*n)++] = *s++;
}

static void sigsys_handler(int sig UNUSED, siginfo_t *si, void *uc UNUSED)
{
	char buf[192], num[16];
	size_t n = 0, k = 0;
	unsigned v = (unsigned)si->si_syscall;

	do
		num[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && k < sizeof(num));
	sig_append(buf, sizeof(buf), &n, "ustackd: seccomp: forbidden system call ");
	while (k > 0 && n < sizeof(buf))
		buf[n++] = num[--k];
	if (si->si_arch != native_arch)
		sig_append(buf, sizeof(buf), &n, " of another architecture");
	else if ((unsigned)si->si_syscall < NR_NAMES && nr_names[si->si_syscall]) {
		sig_append(buf, sizeof(buf), &n, " (");
		sig_append(buf, sizeof(buf), &n, nr_names[si->si_syscall]);
		sig_append(buf, sizeof(buf), &n, ")");
	}
	sig_append(buf, sizeof(buf) - 1, &n, "; stopping");
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nowhere left to complain to */
	}
	_exit(SIGSYS_EXIT);
}

/* Allow every call of one table; the number of rules added. */
static int allow(scmp_filter_ctx ctx, const struct syscall_use *t)
{
	int added = 0;

	for (; t->name; t++) {
		int nr = seccomp_syscall_resolve_name(t->name), r;

		if (nr == __NR_SCMP_ERROR)
			die("seccomp: unknown system call %s in the allow-list", t->name);
		if (nr < 0)
			continue; /* a pseudo-number: not a call on this architecture */
		if (t->arg == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		else if (t->op == SYS_ARG_MASKED_EQ)
			r = seccomp_rule_add(
			    ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_CMP(t->arg - 1, SCMP_CMP_MASKED_EQ, t->mask, t->value));
		else
			r = seccomp_rule_add(
			    ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_CMP(t->arg - 1, t->op == SYS_ARG_EQ ? SCMP_CMP_EQ : SCMP_CMP_NE,
				     t->value));
		if (r < 0 && r != -EEXIST)
			die("seccomp: cannot allow %s: %s", t->name, strerror(-r));
		added++;
	}
	return added;
}

int isolate_seccomp(const struct config *cfg, int notify)
{
	const struct syscall_use *tables[] = {
		isolate_syscalls,
		main_syscalls,
		log_syscalls,
		packet_syscalls,
		pcap_syscalls,
		client_syscalls,
		status_syscalls,
		usock_syscalls,
#if defined(__SANITIZE_ADDRESS__)
		sanitizer_syscalls,
#endif
	};
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int n = 0, r;

	if (!cfg->seccomp) {
		info("seccomp = no: running without the system call allow-list");
		return 0;
	}
	for (int i = 0; i < NR_NAMES; i++)
		nr_names[i] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
	native_arch = seccomp_arch_native();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		die("cannot install the SIGSYS handler: %s", strerror(errno));

	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		die("seccomp: cannot create a filter");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP)) < 0)
		die("seccomp: %s", strerror(-r));
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		n += allow(ctx, tables[i]);
	if (notify)
		n += allow(ctx, notify_syscalls);
	/* abort(): SIGABRT to ourselves only, never to another process. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (r < 0 && r != -EEXIST)
		die("seccomp: cannot allow tgkill: %s", strerror(-r));
	if ((r = seccomp_load(ctx)) < 0)
		die("seccomp: cannot install the filter: %s", strerror(-r));
	seccomp_release(ctx);
	return n;
}

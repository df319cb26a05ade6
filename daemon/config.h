/* SPDX-License-Identifier: MIT */
/*
 * config.h - ustackd's configuration: command-line flags and the config file.
 *
 * Every setting has one name, used as `name = value` in the file and as
 * `--name VALUE` on the command line; the flags override the file (see
 * config.c for the file format and the list).
 */
#ifndef USTACKD_CONFIG_H
#define USTACKD_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#define DEFAULT_SOCKET	     "/run/ustack/ustackd.sock"
#define DEFAULT_SOCKET_GROUP "ustack"
#define DEFAULT_MAX_SOCK_UID 1024u
#define DEFAULT_MAX_BUF_UID  (4ull << 30) /* 1024 sockets x 2 x 2 MiB buffers */
#define TIME_WAIT_MAX	     3600000 /* ms */

struct config {
	const char *config_path; /* --config, NULL if none */
	const char *ifname;
	uint32_t addr, netmask, gateway; /* host byte order */
	unsigned prefix;
	const char *socket_path;
	int default_socket; /* the path is ours to create the directory of */
	const char *pcap_path;
	long time_wait_ms; /* -1: stack default */

	/* Who ustackd becomes after opening its privileged fds (isolate.c). */
	const char *user; /* NULL: stay who we are */
	uid_t uid;
	gid_t gid;

	/* Who may connect: the socket file's group and mode (client.c). */
	const char *socket_group; /* NULL: DEFAULT_SOCKET_GROUP if it exists */
	gid_t socket_gid;	  /* (gid_t)-1: leave the group alone */
	int socket_mode;	  /* -1: 0660 with a group, else 0666 */

	unsigned max_socks_per_uid; /* 0: no limit */
	uint64_t max_buf_per_uid;   /* bytes, 0: no limit */
	unsigned max_socks;	    /* all uids together (the stack's tcbs), 0: stack default */

	int seccomp; /* install the allow-list (default 1) */
};

/*
 * Read the command line, and the file it names with --config, into cfg;
 * resolve user and group names.  Dies with one sentence on the first problem.
 */
void config_load(struct config *cfg, int argc, char **argv);
/* Free what config_load() allocated; cfg is empty afterwards. */
void config_free(struct config *cfg);

#endif /* USTACKD_CONFIG_H */

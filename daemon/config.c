/* SPDX-License-Identifier: MIT */
/*
 * config.c - ustackd's settings from the command line and a config file.
 *
 * Theory of operation: one table (keys[]) names every setting once.  The
 * config file (--config FILE, e.g. /etc/ustack/ustackd.conf) holds lines
 * `name = value`; blank lines and lines starting with '#' are ignored, and
 * so is white space around the name and the value.  The same name is a
 * long option, `--name VALUE`.  The file is read first, then the flags are
 * applied on top, so a flag always wins; a name given twice in the file is
 * an error (a typo is likelier than an intent).  Values are checked as they
 * are set, and the settings that depend on each other (the gateway must be
 * on-link, --interface and --address are required) when all are known.
 * Every problem is fatal with one sentence that names the flag or the
 * file and line (STYLE.md 8).  Nothing is opened or created here except the
 * config file; user and group names are resolved (NSS) before any
 * privilege is dropped, since the lookup may need files we will not reach
 * later.
 *
 * Keys (flag = key unless said otherwise):
 *   interface, address, gateway, socket, pcap, time-wait    as before
 *   user, group             who ustackd becomes after start-up (isolate.c)
 *   socket-group, socket-mode   who may connect (client.c)
 *   max-sockets-per-uid, max-buffered-per-uid, max-sockets  limits
 *   log-level               info or debug (-v, --verbose: debug)
 *   seccomp                 yes or no: the system call allow-list (isolate.c)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define LINE_MAX_LEN 1024
#define ARGS_MAX     64 /* flags on one command line */
#define NKEYS_MAX    (ARGS_MAX + 16) /* settings set from the file and the flags together */

struct key {
	const char *name;
	/* Set the value; where is "--name" or "FILE:LINE: name" for messages. */
	void (*set)(struct config *cfg, const char *where, const char *val);
};

/* Raw values that are checked together at the end (config_finish()). */
static struct {
	const char *address, *address_where;
	const char *gateway, *gateway_where;
	const char *group, *group_where;
	const char *socket_group_where;
} raw;

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ustackd --interface IFACE --address A.B.C.D/PREFIX [--gateway A.B.C.D]\n"
	    "               [--socket PATH] [--pcap FILE] [--time-wait MS] [-v]\n"
	    "       ustackd --config FILE [--NAME VALUE]...\n"
	    "\n"
	    "Run a userspace TCP/IP stack on IFACE with address A.B.C.D/PREFIX and serve\n"
	    "programs started with libustack.so (see `ustack`).\n"
	    "\n"
	    "  --config FILE             read `name = value` settings from FILE; the flags\n"
	    "                            below have the same names and override it\n"
	    "  --interface IFACE         Ethernet interface to use (its MAC and MTU are used)\n"
	    "  --address A/P             the stack's IPv4 address and prefix length\n"
	    "  --gateway A.B.C.D         default router, on-link\n"
	    "  --socket PATH             control socket (default $USTACK_SOCKET, else\n"
	    "                            " DEFAULT_SOCKET ")\n"
	    "  --pcap FILE               write every frame received and sent to FILE (pcap)\n"
	    "  --time-wait MS            TIME_WAIT length in milliseconds (default 60000)\n"
	    "  --user NAME               run as NAME after opening the privileged sockets\n"
	    "  --group NAME              with --user: this group instead of NAME's own\n"
	    "  --socket-group NAME       group of the control socket (default " DEFAULT_SOCKET_GROUP
	    "\n"
	    "                            if that group exists)\n"
	    "  --socket-mode MODE        mode of the control socket (default 0660 with a\n"
	    "                            group, else 0666)\n"
	    "  --max-sockets-per-uid N   sockets one user may hold (default %u; 0: no limit)\n"
	    "  --max-buffered-per-uid B  buffer memory one user may hold, e.g. 256M\n"
	    "                            (default %lluM; 0: no limit)\n"
	    "  --max-sockets N           connections of all users together (default 4096)\n"
	    "  --log-level info|debug    debug adds per-connection lines and counters\n"
	    "  --seccomp yes|no          the system call allow-list (default yes)\n"
	    "  -v, --verbose             --log-level debug\n"
	    "  -h, --help                this text\n",
	    DEFAULT_MAX_SOCK_UID, (unsigned long long)(DEFAULT_MAX_BUF_UID >> 20));
}

/* ---- values ---- */

/* Parse a dotted quad into host byte order; 0 on success. */
static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static const char *ip_str(uint32_t addr, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {htonl(addr)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* "FILE:LINE: " for a value from the file, "" for a flag (its name says it all). */
static const char *file_prefix(const char *where, char *buf, size_t len)
{
	const char *sp = strstr(where, ": ");

	if (where[0] == '-' || !sp)
		return "";
	snprintf(buf, len, "%.*s: ", (int)(sp - where), where);
	return buf;
}

/* The setting's name for messages: "--time-wait" or "time-wait". */
static const char *key_of(const char *where)
{
	const char *sp = strstr(where, ": ");

	return where[0] == '-' || !sp ? where : sp + 2;
}

/* Die for a bad value: "bad --name 'VAL': why" or "FILE:LINE: bad name 'VAL': why". */
static void bad(const char *where, const char *val, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
static void bad(const char *where, const char *val, const char *fmt, ...)
{
	char pb[LINE_MAX_LEN], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	die("%sbad %s '%s': %s", file_prefix(where, pb, sizeof(pb)), key_of(where), val, why);
}

/* An unsigned decimal number up to max; -1 if it is not one. */
static long long parse_num(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -1;
	return (long long)v;
}

static int parse_bool(const char *s)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "1"))
		return 1;
	if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") || !strcmp(s, "0"))
		return 0;
	return -1;
}

/* --address A.B.C.D/PREFIX: a unicast host address inside its subnet. */
static void parse_address(const char *arg, const char *where, struct config *cfg)
{
	char buf[32], pb[LINE_MAX_LEN], *slash, *end;
	const char *pre = file_prefix(where, pb, sizeof(pb));
	unsigned long prefix;
	uint32_t a, mask;

	if (strlen(arg) >= sizeof(buf) || !(slash = strchr(strcpy(buf, arg), '/')))
		die("%sbad address '%s': expected A.B.C.D/PREFIX", pre, arg);
	*slash = '\0';
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (parse_ip(buf, &a) < 0 || slash[1] < '0' || slash[1] > '9' || *end || errno ||
	    prefix < 1 || prefix > 32)
		die("%sbad address '%s': expected A.B.C.D/PREFIX with a prefix from 1 to 32", pre,
		    arg);
	mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	if (a == 0 || (a >> 24) == 127 || (a >> 28) >= 14 || (a >> 24) == 0)
		die("%sbad address '%s': not a unicast host address", pre, arg);
	if (prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask))
		die("%sbad address '%s': that is the network or broadcast address of its subnet",
		    pre, arg);
	cfg->addr = a;
	cfg->netmask = mask;
	cfg->prefix = (unsigned)prefix;
}

static void parse_gateway(const char *arg, const char *where, struct config *cfg)
{
	char b1[INET_ADDRSTRLEN], pb[LINE_MAX_LEN];
	const char *pre = file_prefix(where, pb, sizeof(pb));
	uint32_t g;

	if (parse_ip(arg, &g) < 0)
		die("%sbad gateway '%s': expected A.B.C.D", pre, arg);
	if (g == cfg->addr)
		die("%sgateway %s is ustackd's own address", pre, arg);
	if ((g & cfg->netmask) != (cfg->addr & cfg->netmask) ||
	    (cfg->prefix <= 30 &&
	     ((g & ~cfg->netmask) == 0 || (g & ~cfg->netmask) == ~cfg->netmask)))
		die("%sgateway %s is not on-link for %s/%u", pre, arg, ip_str(cfg->addr, b1),
		    cfg->prefix);
	cfg->gateway = g;
}

/* A group by name or number; dies if there is none. */
static gid_t lookup_group(const char *name, const char *where)
{
	struct group *gr;
	long long n;

	errno = 0;
	gr = getgrnam(name);
	if (gr)
		return gr->gr_gid;
	n = parse_num(name, 0xfffffffeu);
	if (n >= 0)
		return (gid_t)n;
	die("%s: no such group '%s'", where, name);
}

/* ---- setters, one per key ---- */

/* Every string the configuration holds, for config_free(). */
static char *owned[2 * (NKEYS_MAX + 4)];
static unsigned nowned;

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (!d || nowned == sizeof(owned) / sizeof(owned[0]))
		die("out of memory reading the configuration");
	owned[nowned++] = d;
	return d;
}

void config_free(struct config *cfg)
{
	while (nowned > 0)
		free(owned[--nowned]);
	memset(cfg, 0, sizeof(*cfg));
	memset(&raw, 0, sizeof(raw));
}

static void set_interface(struct config *cfg, const char *where, const char *val)
{
	cfg->ifname = dup_or_die(val);
}

static void set_address(struct config *cfg, const char *where, const char *val)
{
	raw.address = dup_or_die(val);
	raw.address_where = dup_or_die(where);
}

static void set_gateway(struct config *cfg, const char *where, const char *val)
{
	raw.gateway = dup_or_die(val);
	raw.gateway_where = dup_or_die(where);
}

static void set_socket(struct config *cfg, const char *where, const char *val)
{
	cfg->socket_path = dup_or_die(val);
}

static void set_pcap(struct config *cfg, const char *where, const char *val)
{
	cfg->pcap_path = dup_or_die(val);
}

static void set_time_wait(struct config *cfg, const char *where, const char *val)
{
	long long v = parse_num(val, TIME_WAIT_MAX);

	if (v < 0)
		bad(where, val, "expected milliseconds from 0 to %d", TIME_WAIT_MAX);
	cfg->time_wait_ms = (long)v;
}

static void set_user(struct config *cfg, const char *where, const char *val)
{
	struct passwd *pw;
	long long n;

	errno = 0;
	pw = getpwnam(val);
	if (pw) {
		cfg->uid = pw->pw_uid;
		cfg->gid = pw->pw_gid;
	} else if ((n = parse_num(val, 0xfffffffeu)) >= 0) {
		/* A bare number: a uid with no passwd entry, and the group of the same number. */
		cfg->uid = (uid_t)n;
		cfg->gid = (gid_t)n;
	} else {
		die("%s: no such user '%s'", where, val);
	}
	cfg->user = dup_or_die(val);
}

static void set_group(struct config *cfg, const char *where, const char *val)
{
	raw.group = dup_or_die(val);
	raw.group_where = dup_or_die(where);
}

static void set_socket_group(struct config *cfg, const char *where, const char *val)
{
	cfg->socket_group = dup_or_die(val);
	raw.socket_group_where = dup_or_die(where);
}

static void set_socket_mode(struct config *cfg, const char *where, const char *val)
{
	char *end;
	unsigned long m;

	errno = 0;
	m = strtoul(val, &end, 8);
	if (*val < '0' || *val > '7' || *end || errno || m > 0777 || !(m & 0600))
		bad(where, val,
		    "expected an octal mode from 0600 to 0777 (read and write for the "
		    "owner at least)");
	cfg->socket_mode = (int)m;
}

static void set_max_socks_uid(struct config *cfg, const char *where, const char *val)
{
	long long v = parse_num(val, 1u << 24);

	if (v < 0)
		bad(where, val, "expected a number of sockets from 0 (no limit) to %u", 1u << 24);
	cfg->max_socks_per_uid = (unsigned)v;
}

static void set_max_buf_uid(struct config *cfg, const char *where, const char *val)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul != 1)
		end++;
	if (*val < '0' || *val > '9' || *end || errno || v > (1ull << 50) / mul)
		bad(where, val, "expected bytes, with an optional K, M or G (0: no limit)");
	cfg->max_buf_per_uid = v * mul;
}

static void set_max_socks(struct config *cfg, const char *where, const char *val)
{
	long long v = parse_num(val, 1u << 24);

	if (v < 1)
		bad(where, val, "expected a number of connections from 1 to %u", 1u << 24);
	cfg->max_socks = (unsigned)v;
}

static void set_log_level(struct config *cfg, const char *where, const char *val)
{
	if (!strcmp(val, "debug"))
		log_verbose = 1;
	else if (!strcmp(val, "info"))
		log_verbose = 0;
	else
		bad(where, val, "expected info or debug");
}

static void set_seccomp(struct config *cfg, const char *where, const char *val)
{
	int b = parse_bool(val);

	if (b < 0)
		bad(where, val, "expected yes or no");
	cfg->seccomp = b;
}

static const struct key keys[] = {
    {"interface", set_interface},
    {"address", set_address},
    {"gateway", set_gateway},
    {"socket", set_socket},
    {"pcap", set_pcap},
    {"time-wait", set_time_wait},
    {"user", set_user},
    {"group", set_group},
    {"socket-group", set_socket_group},
    {"socket-mode", set_socket_mode},
    {"max-sockets-per-uid", set_max_socks_uid},
    {"max-buffered-per-uid", set_max_buf_uid},
    {"max-sockets", set_max_socks},
    {"log-level", set_log_level},
    {"seccomp", set_seccomp},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* ---- the file ---- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void read_file(struct config *cfg, const char *path)
{
	char line[LINE_MAX_LEN + 2], where[LINE_MAX_LEN + 64];
	unsigned char seen[NKEYS] = {0};
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		die("cannot read config file %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *eq, *name, *val;
		const struct key *k;

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			die("%s:%u: line longer than %d bytes", path, lineno, LINE_MAX_LEN);
		name = trim(line);
		if (!*name || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq)
			die("%s:%u: expected `name = value`, got '%s'", path, lineno, name);
		*eq = '\0';
		name = trim(name);
		val = trim(eq + 1);
		k = find_key(name);
		if (!k)
			die("%s:%u: unknown setting '%s' (see ustackd --help)", path, lineno, name);
		if (!*val)
			die("%s:%u: %s has no value", path, lineno, name);
		if (seen[k - keys]++)
			die("%s:%u: %s is set twice", path, lineno, name);
		snprintf(where, sizeof(where), "%s:%u: %s", path, lineno, name);
		k->set(cfg, where, val);
	}
	if (ferror(f))
		die("cannot read config file %s: %s", path, strerror(errno));
	fclose(f);
}

/* ---- the command line ---- */

static void config_finish(struct config *cfg)
{
	const char *env;

	if (!cfg->ifname)
		die("--interface is required (see --help)");
	if (!raw.address)
		die("--address is required (see --help)");
	parse_address(raw.address, raw.address_where, cfg);
	if (raw.gateway)
		parse_gateway(raw.gateway, raw.gateway_where, cfg);
	if (!cfg->socket_path) {
		env = getenv("USTACK_SOCKET");
		cfg->socket_path = env && *env ? env : DEFAULT_SOCKET;
		cfg->default_socket = !(env && *env);
	}
	if (raw.group) {
		if (!cfg->user)
			die("%s: a group without a user (set user too)", raw.group_where);
		cfg->gid = lookup_group(raw.group, raw.group_where);
	}
	cfg->socket_gid = (gid_t)-1;
	if (cfg->socket_group) {
		cfg->socket_gid = lookup_group(cfg->socket_group, raw.socket_group_where);
	} else {
		struct group *gr = getgrnam(DEFAULT_SOCKET_GROUP);

		if (gr) {
			cfg->socket_group = DEFAULT_SOCKET_GROUP;
			cfg->socket_gid = gr->gr_gid;
		}
	}
}

void config_load(struct config *cfg, int argc, char **argv)
{
	enum { OPT_BASE = 256, OPT_CONFIG = OPT_BASE + (int)NKEYS };
	struct option longopts[NKEYS + 4];
	struct {
		const struct key *k;
		const char *val;
	} args[ARGS_MAX];
	unsigned nargs = 0, nverbose = 0;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	memset(&raw, 0, sizeof(raw));
	cfg->time_wait_ms = -1;
	cfg->socket_mode = -1;
	cfg->max_socks_per_uid = DEFAULT_MAX_SOCK_UID;
	cfg->max_buf_per_uid = DEFAULT_MAX_BUF_UID;
	cfg->seccomp = 1;

	for (size_t i = 0; i < NKEYS; i++)
		longopts[i] =
		    (struct option){keys[i].name, required_argument, NULL, OPT_BASE + (int)i};
	longopts[NKEYS] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	longopts[NKEYS + 1] = (struct option){"verbose", no_argument, NULL, 'v'};
	longopts[NKEYS + 2] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[NKEYS + 3] = (struct option){NULL, 0, NULL, 0};

	/* Collect the flags first: the file they may name comes before them. */
	opterr = 0; /* our own one-sentence messages */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		if (c >= OPT_BASE && c < OPT_CONFIG) {
			if (nargs == ARGS_MAX)
				die("more than %d options", ARGS_MAX);
			args[nargs].k = &keys[c - OPT_BASE];
			args[nargs++].val = optarg;
			continue;
		}
		switch (c) {
		case OPT_CONFIG:
			if (cfg->config_path)
				die("--config is given twice");
			cfg->config_path = optarg;
			break;
		case 'v':
			nverbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die("option %s needs an argument (see --help)", argv[optind - 1]);
		default:
			if (optopt)
				die("unknown option -%c (see --help)", optopt);
			die("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);

	if (cfg->config_path)
		read_file(cfg, cfg->config_path);
	for (unsigned i = 0; i < nargs; i++) {
		char where[64];

		snprintf(where, sizeof(where), "--%s", args[i].k->name);
		args[i].k->set(cfg, where, args[i].val);
	}
	if (nverbose)
		log_verbose = 1;
	config_finish(cfg);
}

/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - `ustack trace` (tools/pcapread.c, tools/trace.c) and the
 * capture filter (daemon/capfilter.c).
 *
 * The golden test draws tests/trace/http.pcap, recorded from a real lab run
 * (tests/trace/make-fixture), and compares it with tests/trace/http.mmd
 * byte for byte; the same file with the other byte order and with
 * nanosecond stamps must draw the same.  Edge cases are built here: a RST,
 * a retransmission, a truncated file, a wrong magic number.  Every diagram
 * goes through mermaid_check(), a strict check of the few Mermaid forms we
 * emit.  The fuzz case mutates the fixture thousands of times (seeded, so a
 * failure replays); under `make check-asan` any read outside the input is
 * caught there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfilter.h"
#include "harness.h"
#include "pcapread.h"
#include "stats.h"
#include "daemon.h"
#include "trace.h"

#define FIXTURE "tests/trace/http.pcap"
#define GOLDEN	"tests/trace/http.mmd"

/* ---- helpers ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s (run the unit tests from the top directory)",
		      path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Draw data with o; the diagram (or NULL on error), and the diagnostics in *diag. */
static char *render(const uint8_t *data, size_t len, const struct trace_opts *o, char **diag,
		    char *err, size_t errlen)
{
	char *out = NULL, *d = NULL;
	size_t outlen = 0, dlen = 0;
	FILE *f = open_memstream(&out, &outlen), *df = open_memstream(&d, &dlen);
	int rc;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(df);
	rc = trace_render(data, len, o, f, df, err, errlen);
	fclose(f);
	fclose(df);
	if (diag)
		*diag = d;
	else
		free(d);
	if (rc < 0) {
		ck_assert_uint_eq(outlen, 0); /* nothing is written on failure */
		free(out);
		return NULL;
	}
	return out;
}

static int is_id(const char *s, size_t n, char ids[][8], int nids)
{
	for (int i = 0; i < nids; i++)
		if (strlen(ids[i]) == n && strncmp(ids[i], s, n) == 0)
			return 1;
	return 0;
}

/*
 * A strict check of the Mermaid we emit: the header, participants before
 * messages, arrows between declared participants, balanced loops, notes over
 * declared participants, two spaces per level, and no ';' or '#' in any text
 * (Mermaid reads them as a statement end and an entity).
 */
static void mermaid_check(const char *out)
{
	char ids[8][8];
	int nids = 0, depth = 0, lineno = 0, msgs = 0, started = 0;
	const char *p = out;

	while (*p) {
		const char *nl = strchr(p, '\n'), *t;
		size_t n, ind = 0;
		char line[1024];

		ck_assert_msg(nl != NULL, "line %d: no newline at the end", lineno + 1);
		n = (size_t)(nl - p);
		ck_assert_msg(n < sizeof(line), "line %d too long", lineno + 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		lineno++;
		if (lineno == 1 && strncmp(line, "%%{init:", 8) == 0)
			continue;
		if (!started) {
			ck_assert_msg(strcmp(line, "sequenceDiagram") == 0, "line %d: %s", lineno,
				      line);
			started = 1;
			continue;
		}
		while (line[ind] == ' ')
			ind++;
		t = line + ind;
		if (strncmp(t, "%%", 2) == 0)
			continue;
		if (strcmp(t, "end") == 0) {
			ck_assert_msg(depth > 0, "line %d: end without loop", lineno);
			depth--;
			ck_assert_msg(ind == (size_t)(2 + 2 * depth), "line %d: indent", lineno);
			continue;
		}
		ck_assert_msg(ind == (size_t)(2 + 2 * depth), "line %d: indent %zu at depth %d",
			      lineno, ind, depth);
		ck_assert_msg(strchr(t, ';') == NULL && strchr(t, '#') == NULL,
			      "line %d: ';' or '#' in %s", lineno, t);
		if (strncmp(t, "participant ", 12) == 0) {
			const char *id = t + 12, *as = strstr(id, " as ");

			ck_assert_msg(msgs == 0, "line %d: participant after messages", lineno);
			ck_assert_msg(as != NULL && as > id && as - id < 8 && as[4] != '\0',
				      "line %d: %s", lineno, t);
			ck_assert_int_lt(nids, 8);
			memcpy(ids[nids], id, (size_t)(as - id));
			ids[nids][as - id] = '\0';
			nids++;
			continue;
		}
		if (strncmp(t, "loop ", 5) == 0) {
			ck_assert_msg(strlen(t) > 5, "line %d: loop without text", lineno);
			depth++;
			continue;
		}
		if (strncmp(t, "Note over ", 10) == 0) {
			const char *who = t + 10, *colon = strstr(who, ": "), *comma;

			ck_assert_msg(colon != NULL && colon[2] != '\0', "line %d: %s", lineno, t);
			comma = memchr(who, ',', (size_t)(colon - who));
			if (comma) {
				ck_assert_msg(
				    is_id(who, (size_t)(comma - who), ids, nids) &&
					is_id(comma + 1, (size_t)(colon - comma - 1), ids, nids),
				    "line %d: %s", lineno, t);
			} else {
				ck_assert_msg(is_id(who, (size_t)(colon - who), ids, nids),
					      "line %d: %s", lineno, t);
			}
			continue;
		}
		{
			static const char *const arrows[] = {"-->>", "->>", "--x", "-x"};
			const char *colon = strstr(t, ": ");
			size_t a;
			int ok = 0;

			ck_assert_msg(colon != NULL && colon[2] != '\0', "line %d: %s", lineno, t);
			for (a = 0; a < sizeof(arrows) / sizeof(arrows[0]) && !ok; a++) {
				const char *ar = strstr(t, arrows[a]);

				if (ar && ar < colon && is_id(t, (size_t)(ar - t), ids, nids) &&
				    is_id(ar + strlen(arrows[a]),
					  (size_t)(colon - ar - (long)strlen(arrows[a])), ids,
					  nids))
					ok = 1;
			}
			ck_assert_msg(ok, "line %d: not a message between participants: %s", lineno,
				      t);
			msgs++;
		}
	}
	ck_assert_msg(started, "no sequenceDiagram");
	ck_assert_msg(depth == 0, "a loop is not closed");
	ck_assert_msg(nids == 2 && msgs > 0, "%d participants, %d messages", nids, msgs);
}

/* ---- building pcaps ---- */

struct pb {
	uint8_t d[16384];
	size_t len;
};

static void pb_put(struct pb *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->len + n, sizeof(b->d));
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void pb_header(struct pb *b)
{
	uint32_t h[6] = {0xa1b2c3d4u, 2u | 4u << 16, 0, 0, 262144, 1};

	b->len = 0;
	pb_put(b, h, sizeof(h));
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

#define A_U 0x0a000001u /* 10.0.0.1, ustack */
#define A_P 0x0a000002u /* 10.0.0.2, the peer */

/* One Ethernet/IPv4/TCP frame from a to b (u->p if from_u) with len bytes of payload. */
static void pb_tcp(struct pb *b, uint64_t ts_us, int from_u, uint32_t seq, uint32_t ack,
		   uint8_t flags, uint16_t win, size_t len)
{
	uint8_t f[14 + 20 + 24 + 1500] = {0};
	uint32_t rec[4];
	size_t optlen = (flags & H_SYN) ? 4 : 0, tot = 20 + 20 + optlen + len;
	uint8_t *ip = f + 14, *th = ip + 20;

	ck_assert_uint_le(len, 1500);
	be16(f + 12, 0x0800);
	ip[0] = 0x45;
	be16(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = 6;
	be32(ip + 12, from_u ? A_U : A_P);
	be32(ip + 16, from_u ? A_P : A_U);
	be16(th, from_u ? 40000 : 80);
	be16(th + 2, from_u ? 80 : 40000);
	be32(th + 4, seq);
	be32(th + 8, ack);
	th[12] = (uint8_t)((20 + optlen) / 4) << 4;
	th[13] = flags;
	be16(th + 14, win);
	if (optlen) {
		th[20] = 2, th[21] = 4;
		be16(th + 22, 1460);
	}
	memset(th + 20 + optlen, 'x', len);
	rec[0] = (uint32_t)(ts_us / 1000000u);
	rec[1] = (uint32_t)(ts_us % 1000000u);
	rec[2] = rec[3] = (uint32_t)(14 + tot);
	pb_put(b, rec, sizeof(rec));
	pb_put(b, f, 14 + tot);
}

static uint32_t swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

/* Rewrite a native-order pcap in the other byte order (ns: with nanosecond stamps). */
static void pcap_convert(uint8_t *d, size_t len, int swap, int ns)
{
	uint32_t w[6], r[4];
	size_t off = 24;

	memcpy(w, d, sizeof(w));
	if (ns)
		w[0] = 0xa1b23c4du;
	if (swap) {
		for (int i = 0; i < 6; i++)
			w[i] = i == 1 ? (uint32_t)((w[1] & 0xff) << 8 | (w[1] >> 8 & 0xff) |
						   (w[1] >> 16 & 0xff) << 24 | (w[1] >> 24) << 16)
				      : swap32(w[i]);
	}
	memcpy(d, w, sizeof(w));
	while (off + 16 <= len) {
		uint32_t incl;

		memcpy(r, d + off, sizeof(r));
		incl = r[2];
		if (ns)
			r[1] *= 1000u;
		if (swap)
			for (int i = 0; i < 4; i++)
				r[i] = swap32(r[i]);
		memcpy(d + off, r, sizeof(r));
		off += 16 + incl;
	}
}

/* ---- the tests ---- */

START_TEST(golden)
{
	size_t len, glen;
	uint8_t *pcap = slurp(FIXTURE, &len), *want = slurp(GOLDEN, &glen);
	struct trace_opts o;
	char err[256], *diag, *out;

	trace_opts_init(&o);
	out = render(pcap, len, &o, &diag, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	mermaid_check(out);
	if (strcmp(out, (char *)want) != 0) {
		size_t i = 0, line = 1;

		while (out[i] && out[i] == ((char *)want)[i])
			line += out[i++] == '\n';
		ck_abort_msg("differs from " GOLDEN " at line %zu; got:\n%s", line, out);
	}
	ck_assert_str_eq(diag, ""); /* one connection, whole, with its SYN */
	/* The article's vocabulary is all there. */
	ck_assert_ptr_nonnull(strstr(out, "u->>p: SYN seq=0 "));
	ck_assert_ptr_nonnull(strstr(out, "p->>u: SYN ACK seq=0 ack=1 "));
	ck_assert_ptr_nonnull(strstr(out, "  loop until all is sent (peer → ustack: "));
	ck_assert_ptr_nonnull(strstr(out, "GET /ustack.txt HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(out, "p-->>u: FIN seq="));
	ck_assert_ptr_nonnull(strstr(out, "u-->>p: FIN seq="));
	ck_assert_ptr_nonnull(strstr(out, "closed: FIN and ACK both ways"));
	ck_assert_int_eq(trace_conn_finished(pcap, len, &o), 1);
	free(out);
	free(diag);
	free(pcap);
	free(want);
}
END_TEST

START_TEST(byte_orders)
{
	size_t len;
	uint8_t *pcap = slurp(FIXTURE, &len), *copy = malloc(len);
	struct trace_opts o;
	char err[256], *ref, *out;

	trace_opts_init(&o);
	ref = render(pcap, len, &o, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(ref);
	for (int v = 1; v < 4; v++) {
		memcpy(copy, pcap, len);
		pcap_convert(copy, len, v & 1, v & 2);
		out = render(copy, len, &o, NULL, err, sizeof(err));
		ck_assert_msg(out != NULL, "variant %d: %s", v, err);
		ck_assert_str_eq(out, ref);
		free(out);
	}
	free(ref);
	free(copy);
	free(pcap);
}
END_TEST

START_TEST(options)
{
	size_t len;
	uint8_t *pcap = slurp(FIXTURE, &len);
	struct trace_opts o;
	char err[256], *out, *all, *none;

	/* --absolute: the SYN shows its real ISN, not 0 */
	trace_opts_init(&o);
	o.absolute = 1;
	out = render(pcap, len, &o, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_null(strstr(out, "SYN seq=0 "));
	mermaid_check(out);
	free(out);
	/* --max-rounds 0: every segment, no loop */
	trace_opts_init(&o);
	o.max_rounds = 0;
	all = render(pcap, len, &o, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_null(strstr(all, "loop"));
	mermaid_check(all);
	free(all);
	/* --port that nothing uses, --conn that does not exist */
	trace_opts_init(&o);
	o.port = 9;
	none = render(pcap, len, &o, NULL, err, sizeof(err));
	ck_assert_ptr_null(none);
	ck_assert_str_eq(err, "no TCP connection in the capture matches");
	trace_opts_init(&o);
	ck_assert_int_eq(trace_parse_conn(&o, "10.0.0.1:1-10.0.0.2:2"), 0);
	ck_assert_ptr_null(render(pcap, len, &o, NULL, err, sizeof(err)));
	ck_assert_int_eq(trace_parse_conn(&o, "10.0.0.1:1"), -1);
	ck_assert_int_eq(trace_parse_conn(&o, "10.0.0.1:1-10.0.0.2:70000"), -1);
	ck_assert_int_eq(trace_parse_conn(&o, "host:1-10.0.0.2:2"), -1);
	free(pcap);
}
END_TEST

START_TEST(wrong_magic)
{
	size_t len;
	uint8_t *pcap = slurp(FIXTURE, &len);
	struct trace_opts o;
	char err[256];

	trace_opts_init(&o);
	memcpy(pcap, "GET ", 4);
	ck_assert_ptr_null(render(pcap, len, &o, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a pcap file") != NULL, "%s", err);
	be32(pcap, 0x0a0d0d0au); /* pcapng */
	ck_assert_ptr_null(render(pcap, len, &o, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "pcapng") != NULL, "%s", err);
	ck_assert_ptr_null(render(pcap, 3, &o, NULL, err, sizeof(err)));
	ck_assert_ptr_null(render(NULL, 0, &o, NULL, err, sizeof(err)));
	ck_assert_int_eq(trace_conn_finished(pcap, len, &o), 0);
	free(pcap);
}
END_TEST

START_TEST(truncated)
{
	size_t len;
	uint8_t *pcap = slurp(FIXTURE, &len);
	struct trace_opts o;
	char err[256], *diag, *out;

	trace_opts_init(&o);
	/* Inside the file header: nothing to draw. */
	ck_assert_ptr_null(render(pcap, 20, &o, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "truncated") != NULL, "%s", err);
	/* Cut in the middle of the file: what came before is drawn, and we are told. */
	out = render(pcap, len / 2, &o, &diag, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	mermaid_check(out);
	ck_assert_msg(strstr(diag, "truncated pcap file") != NULL, "%s", diag);
	ck_assert_ptr_nonnull(strstr(out, "u->>p: SYN"));
	ck_assert_ptr_null(strstr(out, "closed: FIN and ACK both ways"));
	ck_assert_int_eq(trace_conn_finished(pcap, len / 2, &o), 0);
	free(out);
	free(diag);
	/* Every cut either draws something valid or says why not. */
	for (size_t cut = 0; cut <= len; cut += 7) {
		out = render(pcap, cut, &o, NULL, err, sizeof(err));
		if (out)
			mermaid_check(out);
		free(out);
	}
	free(pcap);
}
END_TEST

/*
 * A frame the capture point never saw (the kernel dropped it before
 * ustackd's packet socket): the bytes each way still count the data once.
 */
START_TEST(missed_segment)
{
	size_t len, off = 24, cut = 0, cutlen = 0;
	uint8_t *pcap = slurp(FIXTURE, &len);
	struct trace_opts o;
	char err[256], *out;
	uint32_t incl;

	for (int rec = 0; off + 16 <= len; rec++) {
		memcpy(&incl, pcap + off + 8, 4);
		if (rec == 9) { /* a data segment inside the loop */
			cut = off;
			cutlen = 16 + incl;
		}
		off += 16 + incl;
	}
	ck_assert_uint_gt(cutlen, 0);
	memmove(pcap + cut, pcap + cut + cutlen, len - cut - cutlen);
	trace_opts_init(&o);
	out = render(pcap, len - cutlen, &o, NULL, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	mermaid_check(out);
	ck_assert_msg(strstr(out, "peer → ustack: 4067 bytes in 14 segments") != NULL, "%s", out);
	free(out);
	free(pcap);
}
END_TEST

START_TEST(reset)
{
	struct pb b;
	struct trace_opts o;
	char err[256], *out;

	/* A SYN to a closed port, answered with RST: connection refused. */
	pb_header(&b);
	pb_tcp(&b, 1000000, 1, 1000, 0, H_SYN, 65535, 0);
	pb_tcp(&b, 1000200, 0, 0, 1001, H_RST | H_ACK, 0, 0);
	trace_opts_init(&o);
	out = render(b.d, b.len, &o, NULL, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	mermaid_check(out);
	ck_assert_ptr_nonnull(strstr(out, "  u->>p: SYN seq=0 win=65535 mss=1460\n"));
	ck_assert_ptr_nonnull(strstr(out, "  p-xu: RST ACK seq=0 ack=1\n"));
	ck_assert_ptr_nonnull(strstr(out, "  Note over p: RST: connection refused\n"));
	ck_assert_ptr_nonnull(strstr(out, "reset by the peer"));
	ck_assert_int_eq(trace_conn_finished(b.d, b.len, &o), 1);
	free(out);

	/* An established connection reset by ustack. */
	pb_header(&b);
	pb_tcp(&b, 1000000, 1, 1000, 0, H_SYN, 65535, 0);
	pb_tcp(&b, 1000100, 0, 5000, 1001, H_SYN | H_ACK, 65535, 0);
	pb_tcp(&b, 1000200, 1, 1001, 5001, H_ACK, 65535, 0);
	pb_tcp(&b, 1000300, 1, 1001, 5001, H_RST | H_ACK, 0, 0);
	out = render(b.d, b.len, &o, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	mermaid_check(out);
	ck_assert_ptr_nonnull(strstr(out, "  u->>p: ACK ack=1 win=65535\n"));
	ck_assert_ptr_nonnull(strstr(out, "  u-xp: RST ACK seq=1 ack=1\n"));
	ck_assert_ptr_nonnull(strstr(out, "  Note over u: RST: ustack resets the connection\n"));
	ck_assert_ptr_nonnull(strstr(out, "reset by ustack"));
	free(out);
}
END_TEST

START_TEST(retransmission)
{
	struct pb b;
	struct trace_opts o;
	char err[256], *out;
	uint32_t s;

	pb_header(&b);
	pb_tcp(&b, 1000000, 1, 1000, 0, H_SYN, 65535, 0);
	pb_tcp(&b, 1000100, 0, 5000, 1001, H_SYN | H_ACK, 65535, 0);
	pb_tcp(&b, 1000200, 1, 1001, 5001, H_ACK, 65535, 0);
	/* Eight rounds of 100 bytes each acknowledged: a loop. */
	s = 1001;
	for (int i = 0; i < 8; i++, s += 100) {
		pb_tcp(&b, 1001000 + (uint64_t)i * 1000, 1, s, 5001, H_ACK | H_PSH, 65535, 100);
		pb_tcp(&b, 1001500 + (uint64_t)i * 1000, 0, 5001, s + 100, H_ACK, 65535, 0);
	}
	/* One more, lost and sent again; the duplicate ACK says so. */
	pb_tcp(&b, 1010000, 1, s, 5001, H_ACK | H_PSH, 65535, 100);
	pb_tcp(&b, 1010100, 1, s + 100, 5001, H_ACK | H_PSH, 65535, 100);
	pb_tcp(&b, 1010500, 0, 5001, s, H_ACK, 65535, 0);
	pb_tcp(&b, 1210000, 1, s, 5001, H_ACK | H_PSH, 65535, 100);
	pb_tcp(&b, 1210500, 0, 5001, s + 200, H_ACK, 65535, 0);
	trace_opts_init(&o);
	out = render(b.d, b.len, &o, NULL, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	mermaid_check(out);
	ck_assert_ptr_nonnull(
	    strstr(out, "  loop until all is sent (ustack → peer: 9 rounds, 1000 bytes)\n"));
	ck_assert_ptr_nonnull(strstr(out, "    Note over u,p: … 7 more rounds, 700 bytes …\n"));
	ck_assert_ptr_nonnull(strstr(out, "  p-->>u: dup ACK ack=801 win=65535\n"));
	ck_assert_ptr_nonnull(
	    strstr(out, "  u-->>p: seq=801:901 ack=1 win=65535 (100 bytes, retransmission)\n"));
	ck_assert_ptr_nonnull(strstr(out, "retransmissions: ustack 1, peer 0"));
	ck_assert_ptr_nonnull(strstr(out, "still open at the end of the capture"));
	free(out);
}
END_TEST

static uint32_t fuzz_rng = 0x2545f491u;

static uint32_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 17;
	fuzz_rng ^= fuzz_rng << 5;
	return fuzz_rng;
}

START_TEST(fuzz)
{
	static const uint32_t interesting[] = {0,	    1,	     0x7f,	 0xff,
					       0xffff,	    0x10000, 0x7fffffff, 0x80000000u,
					       0xffffffffu, 262144,  262145,	 20};
	size_t len;
	uint8_t *pcap = slurp(FIXTURE, &len), *m = malloc(len);
	struct trace_opts o;
	char err[256];

	ck_assert_ptr_nonnull(m);
	for (int iter = 0; iter < 4000; iter++) {
		size_t mlen = len;
		unsigned k = 1 + fuzz_next() % 8;
		char *out;

		memcpy(m, pcap, len);
		for (unsigned j = 0; j < k; j++) {
			size_t at = fuzz_next() % len;
			uint32_t v;

			switch (fuzz_next() % 4) {
			case 0:
				m[at] ^= (uint8_t)(1u << (fuzz_next() % 8));
				break;
			case 1:
				m[at] = (uint8_t)fuzz_next();
				break;
			case 2: /* a length or an offset field set to something interesting */
				v = interesting[fuzz_next() %
						(sizeof(interesting) / sizeof(interesting[0]))];
				if (at + 4 <= len)
					memcpy(m + at, &v, 4);
				break;
			default:
				mlen = fuzz_next() % (len + 1);
				break;
			}
		}
		trace_opts_init(&o);
		o.max_rounds = iter % 3 == 0 ? 0 : 2;
		o.absolute = iter % 5 == 0;
		out = render(m, mlen, &o, NULL, err, sizeof(err));
		if (out)
			mermaid_check(out);
		free(out);
		(void)trace_conn_finished(m, mlen, &o);
	}
	free(m);
	free(pcap);
}
END_TEST

/* ---- the capture filter ---- */

static int compile(struct ipc_capture *cap, const char *text)
{
	char buf[512], *words[64], err[128];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *w = strtok(buf, " "); w && n < 64; w = strtok(NULL, " "))
		words[n++] = w;
	memset(cap, 0, sizeof(*cap));
	if (capfilter_compile(cap, n, words, err, sizeof(err)) < 0)
		return -1;
	ck_assert_int_eq(capfilter_validate(cap), 0);
	return 0;
}

/* An Ethernet frame: IPv4/TCP src:sport > dst:dport, or an ARP request if arp. */
static size_t frame(uint8_t *f, int arp, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	memset(f, 0, 60);
	if (arp) {
		be16(f + 12, 0x0806);
		be32(f + 14 + 14, src);
		be32(f + 14 + 24, dst);
		return 42;
	}
	be16(f + 12, 0x0800);
	f[14] = 0x45;
	f[14 + 9] = 6;
	be32(f + 14 + 12, src);
	be32(f + 14 + 16, dst);
	be16(f + 34, sport);
	be16(f + 36, dport);
	return 54;
}

START_TEST(capfilter)
{
	struct ipc_capture c;
	uint8_t f[64];
	size_t n;

	ck_assert_int_eq(compile(&c, ""), 0);
	ck_assert_uint_eq(c.nterms, 0);
	n = frame(f, 0, A_U, 40000, A_P, 80);
	ck_assert(capfilter_match(&c, f, n));

	ck_assert_int_eq(compile(&c, "port 80"), 0);
	ck_assert_str_eq(c.text, "port 80");
	ck_assert(capfilter_match(&c, f, n));
	n = frame(f, 0, A_P, 80, A_U, 40000);
	ck_assert(capfilter_match(&c, f, n));
	n = frame(f, 0, A_U, 40000, A_P, 443);
	ck_assert(!capfilter_match(&c, f, n));
	ck_assert(!capfilter_match(&c, f, 14 + 20 + 2)); /* the ports are cut off */

	ck_assert_int_eq(compile(&c, "host 10.0.0.2 and not port 22"), 0);
	n = frame(f, 0, A_U, 40000, A_P, 80);
	ck_assert(capfilter_match(&c, f, n));
	n = frame(f, 0, A_U, 40000, A_P, 22);
	ck_assert(!capfilter_match(&c, f, n));
	n = frame(f, 1, A_P, 0, A_U, 0); /* ARP from the host */
	ck_assert(capfilter_match(&c, f, n));

	ck_assert_int_eq(compile(&c, "src port 80 or arp"), 0);
	n = frame(f, 0, A_P, 80, A_U, 40000);
	ck_assert(capfilter_match(&c, f, n));
	n = frame(f, 0, A_U, 40000, A_P, 80);
	ck_assert(!capfilter_match(&c, f, n));
	n = frame(f, 1, A_U, 0, A_P, 0);
	ck_assert(capfilter_match(&c, f, n));

	ck_assert_int_eq(compile(&c, "tcp dst host 10.0.0.1"), 0); /* "and" may be left out */
	n = frame(f, 0, A_P, 80, A_U, 40000);
	ck_assert(capfilter_match(&c, f, n));
	ck_assert(!capfilter_match(&c, f, 10));

	ck_assert_int_eq(compile(&c, "port"), -1);
	ck_assert_int_eq(compile(&c, "port 70000"), -1);
	ck_assert_int_eq(compile(&c, "host example.com"), -1);
	ck_assert_int_eq(compile(&c, "port 80 and"), -1);
	ck_assert_int_eq(compile(&c, "or port 80"), -1);
	ck_assert_int_eq(compile(&c, "udp"), -1);
	ck_assert_int_eq(compile(&c, "port 1 or port 2 or port 3 or port 4 or port 5 or port 6 or "
				     "port 7 or port 8 or port 9 or port 10 or port 11 or port 12 "
				     "or port 13 or port 14 or port 15 or port 16 or port 17"),
			 -1);

	/* What the daemon refuses from a client. */
	compile(&c, "port 80");
	c.term[0].kind = 9;
	ck_assert_int_eq(capfilter_validate(&c), -EINVAL);
	compile(&c, "port 80");
	c.term[0].value = 65536;
	ck_assert_int_eq(capfilter_validate(&c), -EINVAL);
	compile(&c, "port 80");
	c.nterms = IPC_FILTER_TERMS + 1;
	ck_assert_int_eq(capfilter_validate(&c), -EINVAL);
}
END_TEST

/* `ustack stats --json` is one flat object: no two counters may share a name. */
START_TEST(stat_names_unique)
{
	static const char *const names[] = {
#define N(name, desc) #name,
	    STACK_STATS(N) DAEMON_STATS(N)
#undef N
	};
	size_t n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(strlen(names[i]), sizeof(((struct ipc_stat_ent *)0)->name));
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(names[i], names[j]) != 0, "counter %s twice",
				      names[i]);
	}
	for (int i = 0; i < STAT_MAX; i++)
		ck_assert_uint_lt(strlen(stat_descs[i]), sizeof(((struct ipc_stat_ent *)0)->desc));
}
END_TEST

Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, golden);
	tcase_add_test(tc, byte_orders);
	tcase_add_test(tc, options);
	tcase_add_test(tc, wrong_magic);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, missed_segment);
	tcase_add_test(tc, reset);
	tcase_add_test(tc, retransmission);
	tcase_add_test(tc, fuzz);
	tcase_add_test(tc, capfilter);
	tcase_add_test(tc, stat_names_unique);
	suite_add_tcase(s, tc);
	return s;
}

# ustack - a userspace TCP/IP stack for unmodified Linux programs.
#
#   make            build/ustackd, build/libustack.so, build/ustack, build/impair
#   make check      build, then run unit and end-to-end tests, plain and sanitized
#   make demo       build, set up the lab, fetch and upload through ustack
#   make asan       the same binaries with address+undefined sanitizers in build/asan
#   make bench      1 GiB through ustack and through the kernel, side by side
#   make fuzz       libFuzzer harness of the packet input path (clang; not in check)
#   make install    PREFIX=/usr/local DESTDIR= (binaries, systemd units, config file)
#
# Missing Debian packages are installed by tools/deps (or, as non-root, the
# exact apt-get command is printed).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BUILD ?= build

CC ?= cc
# Sub-makes quietly: the last line of `make check` is the test count.
MAKEFLAGS += --no-print-directory
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wwrite-strings -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wcast-qual \
	-Wnull-dereference -Wimplicit-fallthrough -Wno-unused-parameter
ifeq ($(CI),true)
WARNINGS += -Werror
endif
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# SANITIZE=1: ASan+UBSan for everything we start ourselves.  The shim gets
# UBSan only: ASan's runtime must come first in the initial library list of
# the host program, which an unmodified curl does not have.
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SHIM_SAN := -fsanitize=undefined -fno-sanitize-recover=all
else
SAN :=
SHIM_SAN :=
endif

CPPFLAGS += -D_GNU_SOURCE -Iproto -Idaemon
DEPFLAGS := -MMD -MP
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(DEPFLAGS)

CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

PROTO_SRC := $(wildcard proto/*.c)
DAEMON_SRC := $(filter-out daemon/ipc_fuzz.c,$(wildcard daemon/*.c))
PRELOAD_SRC := $(wildcard preload/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
# The ustack command.  Its pure parts (pcap reader, trace renderer, capture
# filter) are linked into the unit test runner as well.
USTACK_LIB_OBJ := $(BUILD)/tools/pcapread.o $(BUILD)/tools/trace.o $(BUILD)/daemon/capfilter.o
USTACK_OBJ := $(BUILD)/tools/ustack.o $(BUILD)/tools/uctl.o $(BUILD)/tools/observe.o \
	$(USTACK_LIB_OBJ)

PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
# One C program per tricky socket semantic, run through the shim by tests/e2e/run.
E2E_SRC := $(wildcard tests/e2e/*.c)
E2E_BIN := $(E2E_SRC:%.c=$(BUILD)/%)

BINS := $(BUILD)/ustackd $(BUILD)/libustack.so $(BUILD)/ustack $(BUILD)/impair

.PHONY: all deps asan check check-unit check-e2e check-asan demo bench clean install format
.DELETE_ON_ERROR:

all: $(BINS)

# Ask for the build dependencies only when they are really missing.
deps:
	@tools/deps build

$(BUILD)/.deps-ok:
	@tools/deps build
	@mkdir -p $(@D) && touch $@

$(BUILD)/proto/%.o: proto/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN) -fPIC -c -o $@ $<

$(BUILD)/daemon/%.o: daemon/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/preload/%.o: preload/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SHIM_SAN) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/tools/%.o: tools/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/tests/unit/%.o: tests/unit/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itools $(CHECK_CFLAGS) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/libproto.a: $(PROTO_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/ustackd: $(DAEMON_OBJ) $(BUILD)/libproto.a
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ -lev -lcap -lseccomp -lsystemd

$(BUILD)/libustack.so: $(PRELOAD_OBJ)
	$(CC) $(CFLAGS) $(SHIM_SAN) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $^ -ldl -lpthread

$(BUILD)/ustack: $(USTACK_OBJ)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^

$(BUILD)/impair: $(BUILD)/tools/impair.o
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/unit/run: $(UNIT_OBJ) $(USTACK_LIB_OBJ) $(BUILD)/libproto.a
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 all $(if $(filter check,$(MAKECMDGOALS)),,build/asan/tests/unit/run)

check-unit: $(BUILD)/tests/unit/run
	CK_FORK=yes $(BUILD)/tests/unit/run

# Fortified (-D_FORTIFY_SOURCE=2): read and recv reach the shim as __read_chk and __recv_chk.
$(BUILD)/tests/e2e/%: tests/e2e/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -D_FORTIFY_SOURCE=2 $(SHIM_SAN) -o $@ $< -lpthread

check-e2e: all $(E2E_BIN)
	@tools/deps test
	tests/e2e/impair $(BUILD); st=$$?; tests/e2e/robust $(BUILD) || st=1; tests/e2e/run $(BUILD) && exit $$st

check-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 check-unit check-e2e

# The README's test command: every test, plain and under the sanitizers.
check: all
	@tools/deps test
	$(MAKE) check-unit
	$(MAKE) check-e2e
	$(MAKE) check-asan

demo: all
	@tools/deps test
	tools/demo $(BUILD)

bench: all
	@tools/deps test
	tools/bench $(BUILD)

# libFuzzer harnesses (clang only; not part of make check), e.g.
#   make fuzz && build/fuzz/fuzz_input -max_total_time=600 corpus/
.PHONY: fuzz
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

fuzz: $(BUILD)/fuzz/fuzz_input

$(BUILD)/fuzz/fuzz_input: tests/fuzz/fuzz_input.c $(PROTO_SRC) $(wildcard proto/*.h)
	@command -v $(FUZZ_CC) >/dev/null || \
		{ echo "make fuzz needs clang with libFuzzer (apt-get install clang)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_input.c $(PROTO_SRC)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)
	install -m 0755 $(BUILD)/ustackd $(DESTDIR)$(SBINDIR)/ustackd
	install -m 0755 $(BUILD)/ustack $(DESTDIR)$(BINDIR)/ustack
	install -m 0644 $(BUILD)/libustack.so $(DESTDIR)$(LIBDIR)/libustack.so
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/ustack
	for u in ustackd.service ustackd.socket; do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			daemon/systemd/$$u.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -m 0644 daemon/systemd/ustack.sysusers $(DESTDIR)$(SYSUSERSDIR)/ustack.conf
	@# The config file is the administrator's once it exists.
	[ -e $(DESTDIR)$(SYSCONFDIR)/ustack/ustackd.conf ] || \
		install -m 0644 daemon/ustackd.conf $(DESTDIR)$(SYSCONFDIR)/ustack/ustackd.conf
	@# Installing to / : create the group ustack now (systemd-sysusers), as a package would.
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/ustack.conf; fi

format:
	clang-format -i proto/*.[ch] daemon/*.[ch] preload/*.[ch] tools/*.c tests/unit/*.[ch]

clean:
	rm -rf build

-include $(PROTO_OBJ:.o=.d) $(DAEMON_OBJ:.o=.d) $(PRELOAD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(E2E_BIN:=.d) \
	$(USTACK_OBJ:.o=.d) $(BUILD)/tools/impair.d

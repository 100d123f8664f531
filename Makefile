# authmilter - top-level Makefile (GNU make, pkg-config; no autotools).
#
#   make             build ./authmilter
#   make check       build and run every test (unit, conformance, scripts)
#   make sanitize    the same tests, built with ASan + UBSan (in build-san/)
#   make fuzz        build the libFuzzer targets with clang and run each briefly
#   make bench       benchmarks (figures, not pass/fail)
#   make soak        soak test: 100,000 hostile milter dialogues, RSS flat
#                    (contrib/milterbench/soak.sh; SOAK_VALGRIND=1: small run
#                    under valgrind)
#   make install     PREFIX=/usr/local DESTDIR= STRIP=strip: the binary, the
#                    man pages, the systemd units, /etc/authmilter.conf
#                    (never overwritten); make uninstall removes them
#   make deb         a Debian package, $(BUILD)/deb/authmilter_VERSION_ARCH.deb
#                    (dpkg-dev, which build-essential pulls in; the make
#                    install layout with PREFIX=/usr)
#   make deps        apt-get install what building and running needs
#                    (.ci/packages; Debian 12, root)
#   make test-deps   the same plus what the tests need (.ci/packages-test)
#
# Sources are found by directory, so adding a file needs no edit here
# (doc/HACKING.md has the map of folders and the arrows between them):
#   util/ dns/ spf/ dkim/ dmarc/    -> libauthmilter.a: the libraries, and
#   milter/ report/ audit/             the milter protocol engine, the
#                                      DMARC report side, the domain audit
#   config/ message/ daemon/ cli/   -> libauthmilter-app.a + cli/main.c = the
#                                      authmilter binary
#   tests/lib/*.c                   -> test support, linked into every test program
#                                      (but check_main.c: the main() of the
#                                      Check programs, linked into them only)
#   tests/FOLDER/check_*.c          -> one Check program each (FOLDER mirrors
#                                      the source folder it tests; it defines
#                                      check_suite(), tests/lib/check_main.h)
#   tests/conformance/conf_*.c      -> one conformance runner each
#   tests/FOLDER/*.sh               -> script tests (get $AUTHMILTER, $BUILD;
#                                      tests/lib/ and run.sh are not tests)
#   tests/fuzz/fuzz_*.c             -> one libFuzzer target each, and a replay
#                                      of its corpus in make check (replay.c)
#   tests/bench/bench_*.c           -> benchmark programs

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SHARED   ?= $(abspath ../shared)
FUZZ_SECONDS ?= 30

PKGS      := libunbound openssl jansson libpsl libidn2 sqlite3 libpq libxml-2.0 zlib libmicrohttpd libsystemd
# libpq and libxml2 are dlopen()ed when first needed (util/dynlib.h): their
# headers are used, their libraries not linked (the daemon's RSS)
PKGS_DLOPEN := libpq libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(PKGS_DLOPEN),$(PKGS)))
# Check is a test dependency (make test-deps), not a build one: without it
# `make` stays quiet (its flags are empty) and only linking a test program
# asks pkg-config again, which then says that check is missing.
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS    = $(shell pkg-config --libs check)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
            -Wstrict-prototypes -Wmissing-prototypes -Wvla
OPT      ?= -O2 -g
# Hardening, for every program built here (tests/system/hardening.sh
# checks the daemon): stack protector on functions with arrays or
# address-taken locals, position-independent executable (ASLR for the
# code too), full RELRO (GOT read-only after start-up: -z relro with
# -z now binds every symbol at load). Measured cost: +0.1% instructions per
# message through the daemon (doc/RELIABILITY.md, "Hardened build").
# _FORTIFY_SOURCE=2 (glibc's __*_chk variants of memcpy, snprintf, read,
# ...) works only when optimising (without __OPTIMIZE__ glibc emits a
# #warning, which -Werror makes fatal), so it follows OPT: none at -O0.
# `make sanitize` and `make fuzz-build` turn it off on purpose
# (FORTIFY=-U_FORTIFY_SOURCE): under ASan the __*_chk functions replace
# the checks ASan would make, and an overflow they catch ends in glibc's
# bare "buffer overflow detected" abort instead of ASan's report with the
# access and the object (tried with gcc 12 and clang 14: strcpy and, with
# clang, memcpy into a stack array). -U first: some distributions' compilers
# define it already (Ubuntu: =3).
HARDEN_CFLAGS  ?= -fstack-protector-strong -fPIE
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro -Wl,-z,now
FORTIFY  ?= $(if $(filter -O1 -O2 -O3 -Os -Og -Oz -Ofast,$(OPT)),\
            -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
CPPFLAGS += -I. -D_GNU_SOURCE $(FORTIFY)
CFLAGS   += -std=c11 $(OPT) $(WARN) $(HARDEN_CFLAGS) -pthread $(PKG_CFLAGS) \
            $(EXTRA_CFLAGS)
LDFLAGS  += $(HARDEN_LDFLAGS) -pthread $(EXTRA_LDFLAGS)
LDLIBS   += $(PKG_LIBS)

LIB_SRC    := $(sort $(wildcard util/*.c dns/*.c spf/*.c dkim/*.c dmarc/*.c \
              milter/*.c report/*.c audit/*.c))
APP_SRC    := $(sort $(filter-out cli/main.c,$(wildcard config/*.c message/*.c \
              daemon/*.c cli/*.c)))
CHECK_MAIN_SRC := tests/lib/check_main.c
TLIB_SRC   := $(sort $(filter-out $(CHECK_MAIN_SRC),$(wildcard tests/lib/*.c)))
UNIT_SRC   := $(sort $(filter-out tests/lib/%,$(wildcard tests/*/check_*.c)))
CONF_SRC   := $(sort $(wildcard tests/conformance/conf_*.c))
BENCH_SRC  := $(sort $(wildcard tests/bench/bench_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ  := $(call obj,$(LIB_SRC))
APP_OBJ  := $(call obj,$(APP_SRC))
TLIB_OBJ := $(call obj,$(TLIB_SRC))
LIB      := $(BUILD)/libauthmilter.a
APPLIB   := $(BUILD)/libauthmilter-app.a
MAIN_OBJ := $(call obj,cli/main.c)
TLIB     := $(BUILD)/libtestsupport.a
CHECK_MAIN := $(BUILD)/libcheckmain.a
BIN      := $(BUILD)/authmilter
UNIT_BIN := $(foreach f,$(UNIT_SRC),$(BUILD)/tests/$(basename $(notdir $(f))))
CONF_BIN := $(patsubst tests/conformance/%.c,$(BUILD)/tests/%,$(CONF_SRC))
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/tests/%,$(BENCH_SRC))
REPLAY_BIN := $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/tests/replay_%,$(FUZZ_SRC))

.PHONY: all deps test-deps check tests sanitize fuzz fuzz-build bench soak install \
	uninstall deb clean valgrind

all: authmilter

authmilter: $(BIN)
	@if [ "$(BUILD)" = build ]; then cp -f $(BIN) ./authmilter; fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(APPLIB): $(APP_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TLIB): $(TLIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The shared main() of the Check programs, in an archive of its own linked
# into them only: the conformance runners and benchmarks, which link
# $(TLIB), have their own main().
$(CHECK_MAIN): $(call obj,$(CHECK_MAIN_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(APPLIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(APPLIB) $(LIB) $(LDLIBS)

# A unit program is named after its file (tests/FOLDER/check_NAME.c ->
# $(BUILD)/tests/check_NAME): one rule per program, made from UNIT_SRC.
# Its main() comes from $(CHECK_MAIN) (tests/lib/check_main.c).
define unit_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(call obj,$(1)) $(CHECK_MAIN) $(TLIB) $(APPLIB) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$< $$(CHECK_MAIN) $$(TLIB) $$(APPLIB) $$(LIB) $$(CHECK_LIBS) $$(LDLIBS)
endef
$(foreach f,$(UNIT_SRC),$(eval $(call unit_rule,$(f))))

# The differential test runs a libmilter filter beside the engine: the only
# program that links libmilter (the authmilter binary never does).
$(BUILD)/tests/check_milter_diff: LDLIBS += -lmilter

# OpenDKIM's signer for bench_dkim_sign (tests/bench/odk_sign.c), built
# when libopendkim-dev is there; it links nothing of ours (the libraries
# share function names) and nothing else links -lopendkim.
ODK_BIN := $(if $(shell pkg-config --exists opendkim 2>/dev/null && echo y),$(BUILD)/tests/odk_sign)
$(BUILD)/tests/odk_sign: $(BUILD)/obj/tests/bench/odk_sign.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -lopendkim -lcrypto

$(CONF_BIN): $(BUILD)/tests/%: $(BUILD)/obj/tests/conformance/%.o $(TLIB) $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TLIB) $(APPLIB) $(LIB) $(LDLIBS)

# tests/bench/history_gen.c: fills a history store with generated records
# (tests/bench/report_scale.sh, tests/report/report_scale_check.sh)
GEN_BIN := $(BUILD)/tests/history_gen
$(BENCH_BIN) $(GEN_BIN): $(BUILD)/tests/%: $(BUILD)/obj/tests/bench/%.o $(TLIB) $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TLIB) $(APPLIB) $(LIB) $(LDLIBS)

# The fuzz corpora replayed without libFuzzer (tests/fuzz/replay.c).
$(REPLAY_BIN): $(BUILD)/tests/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o \
    $(BUILD)/obj/tests/fuzz/replay.o $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/obj/tests/fuzz/replay.o $(APPLIB) \
	    $(LIB) $(LDLIBS)

# the benchmark programs are built (not run) with the tests, so a change
# that breaks them fails make check
tests: $(BIN) $(UNIT_BIN) $(CONF_BIN) $(REPLAY_BIN) $(BENCH_BIN) $(ODK_BIN) $(GEN_BIN)

check: tests
	@BUILD=$(BUILD) SHARED=$(SHARED) sh tests/run.sh

# ASan + UBSan at -O1, _FORTIFY_SOURCE off (see FORTIFY above).
sanitize:
	$(MAKE) BUILD=build-san OPT="-O1 -g -fno-omit-frame-pointer" \
	    FORTIFY=-U_FORTIFY_SOURCE \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" check

valgrind: tests
	@BUILD=$(BUILD) SHARED=$(SHARED) VALGRIND=1 sh tests/run.sh

# libFuzzer: the library is rebuilt with clang and coverage in build-fuzz/.
# fuzz_milter (whole milter dialogues) serves tests/fixtures/fuzz/
# milter.zone, found from the current directory or the program's.
# doc/HACKING.md "Fuzzing" has a campaign's command lines.
FUZZ_BUILD := build-fuzz
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))
# _FORTIFY_SOURCE off here too, as in make sanitize (see FORTIFY above).
fuzz-build:
	$(MAKE) CC=clang BUILD=$(FUZZ_BUILD) OPT="-O1 -g -fno-omit-frame-pointer" \
	    FORTIFY=-U_FORTIFY_SOURCE \
	    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
	    $(FUZZ_BUILD)/libauthmilter.a $(FUZZ_BUILD)/libauthmilter-app.a
	@for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  echo "clang $$f -> $(FUZZ_BUILD)/$$n"; \
	  clang -std=c11 -O1 -g -I. -D_GNU_SOURCE -U_FORTIFY_SOURCE $(PKG_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -o $(FUZZ_BUILD)/$$n $$f \
	    $(FUZZ_BUILD)/libauthmilter-app.a $(FUZZ_BUILD)/libauthmilter.a \
	    $(PKG_LIBS) -pthread || exit 1; \
	done

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

bench: $(BIN) $(BENCH_BIN) $(ODK_BIN) $(GEN_BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

soak: $(BIN)
	@BUILD=$(BUILD) sh contrib/milterbench/soak.sh

# make install: into $(DESTDIR)$(PREFIX) (default /usr/local)
#   $(SBINDIR)/authmilter          0755, stripped (STRIP= keeps the symbols)
#   $(MANDIR)/man8/authmilter.8, man5/authmilter.conf.5           0644
#   $(SYSTEMDUNITDIR)/ each unit of contrib/systemd (*.service, *.timer,
#       *.socket), 0644, its /usr/local/sbin/authmilter rewritten to
#       $(SBINDIR)/authmilter. $(PREFIX)/lib/systemd/system: systemd reads
#       /usr/local/lib/systemd/system and /usr/lib/systemd/system (a unit
#       copied to /etc/systemd/system overrides it).
#   $(DESTDIR)/etc/authmilter.conf  0644, contrib/authmilter.conf, only when
#       there is none: an existing one is never overwritten, and when it
#       differs the new example goes beside it as authmilter.conf.example.
#       /etc, not $(PREFIX)/etc: the daemon reads /etc/authmilter.conf.
#   $(DOCDIR)/README.md, examples/authmilter-report.cron (the cron line of
#       contrib/cron, for hosts without the report timer)    0644
#   /var/lib/authmilter (0755 root, the unit's StateDirectory=) and in it
#       history/ (0750, the user authmilter's, for a SQLite history store),
#       only when installing into / (no DESTDIR) and that user exists; else
#       make install says how (the Debian package's postinst does it).
# The Debian package (make deb) is this tree with PREFIX=/usr.
# make uninstall removes those files, /etc/authmilter.conf only when it is
# still the example (an edited one is the admin's and stays).
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR   ?= $(PREFIX)/share/doc/authmilter
STATEDIR := /var/lib/authmilter
CONFDIR  := /etc
STRIP    ?= strip
UNITS    := $(notdir $(sort $(wildcard contrib/systemd/*.service \
            contrib/systemd/*.timer contrib/systemd/*.socket)))
CONF_EXAMPLE := contrib/authmilter.conf

install: $(BIN)
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(CONFDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/authmilter
	$(if $(STRIP),$(STRIP) $(DESTDIR)$(SBINDIR)/authmilter)
	install -m 0644 doc/authmilter.8 $(DESTDIR)$(MANDIR)/man8/authmilter.8
	install -m 0644 doc/authmilter.conf.5 $(DESTDIR)$(MANDIR)/man5/authmilter.conf.5
	install -d -m 0755 $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 contrib/cron/authmilter-report \
	    $(DESTDIR)$(DOCDIR)/examples/authmilter-report.cron
	@set -e; for u in $(UNITS); do \
	  echo "install contrib/systemd/$$u -> $(DESTDIR)$(SYSTEMDUNITDIR)/$$u"; \
	  sed 's|/usr/local/sbin/authmilter|$(SBINDIR)/authmilter|g' \
	    contrib/systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp; \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp; \
	  mv -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
	done
	@set -e; c=$(DESTDIR)$(CONFDIR)/authmilter.conf; \
	if [ ! -e "$$c" ] && [ ! -L "$$c" ]; then \
	  install -m 0644 $(CONF_EXAMPLE) "$$c"; \
	  echo "installed the example configuration as $$c"; \
	elif cmp -s $(CONF_EXAMPLE) "$$c"; then \
	  echo "$$c is the example already: left as it is"; \
	else \
	  install -m 0644 $(CONF_EXAMPLE) "$$c.example"; \
	  echo "kept $$c (not the example); the new example is $$c.example"; \
	fi
	@h="install -d -o authmilter -g authmilter -m 0750 $(STATEDIR)/history"; \
	if [ -n "$(DESTDIR)" ]; then \
	  echo "DESTDIR: no $(STATEDIR); at install time: $$h"; \
	elif id authmilter >/dev/null 2>&1; then \
	  install -d -m 0755 $(STATEDIR) && \
	  install -d -o authmilter -g "$$(id -gn authmilter)" -m 0750 $(STATEDIR)/history && \
	  echo "$(STATEDIR)/history: the history store's directory (authmilter's)"; \
	else \
	  echo "no user authmilter: adduser --system --group authmilter, then $$h"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/authmilter \
	    $(DESTDIR)$(MANDIR)/man8/authmilter.8 \
	    $(DESTDIR)$(MANDIR)/man5/authmilter.conf.5 \
	    $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS)) \
	    $(DESTDIR)$(DOCDIR)/README.md \
	    $(DESTDIR)$(DOCDIR)/examples/authmilter-report.cron
	@rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@c=$(DESTDIR)$(CONFDIR)/authmilter.conf; \
	for f in "$$c" "$$c.example"; do \
	  if [ -f "$$f" ] && [ ! -L "$$f" ] && cmp -s $(CONF_EXAMPLE) "$$f"; then \
	    rm -f "$$f"; echo "removed $$f (the example)"; \
	  elif [ -e "$$f" ] || [ -L "$$f" ]; then \
	    echo "kept $$f: it is not the example (yours to remove)"; \
	  fi; \
	done

# make deb: $(BUILD)/deb/authmilter_$(DEB_VERSION)_ARCH.deb, built with
# dpkg-deb (no debhelper): the tree of `make install PREFIX=/usr` (so the
# package and make install agree: /usr/sbin/authmilter stripped, the man
# pages, the units in /usr/lib/systemd/system, /etc/authmilter.conf, here a
# conffile), then contrib/debian/mkdeb.sh: man pages gzip'd, Depends from
# dpkg-shlibdeps, the maintainer scripts (postinst: the system user and
# group authmilter and /var/lib/authmilter; the service is not enabled).
# tests/system/deb.sh installs it in a fresh Debian 12 chroot.
DEB_VERSION ?= $(shell sed -n 's/^\#define AUTHMILTER_VERSION "\(.*\)"/\1/p' daemon/daemon.h)
DEB_MAINTAINER ?= authmilter maintainers <postmaster@localhost>
DEB_DIR := $(BUILD)/deb

deb: $(BIN)
	rm -rf $(DEB_DIR)
	$(MAKE) --no-print-directory install BUILD=$(BUILD) PREFIX=/usr \
	    SYSTEMDUNITDIR=/usr/lib/systemd/system \
	    DESTDIR=$(abspath $(DEB_DIR))/debian/authmilter
	sh contrib/debian/mkdeb.sh $(DEB_DIR) "$(DEB_VERSION)" "$(DEB_MAINTAINER)"

# Debian 12 packages (root). make deps: what building and running needs
# (.ci/packages); make test-deps: that and what the tests need
# (.ci/packages-test), in one apt-get run. apt-get update first: a fresh
# system (a debian:12 container) has empty package lists. Postfix's package
# asks what kind of mail system to set up: preseed "No configuration" so
# the install is non-interactive and no system Postfix starts listening
# (the end-to-end test runs its own private instance).
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends
pkglist = $$(sed 's/\#.*//' $(1))

deps:
	apt-get update -qq
	$(APT_INSTALL) $(call pkglist,.ci/packages)

# PostgreSQL and nsd are servers the tests start privately: when this run
# installs them, their system services are stopped and disabled
# (.ci/test-services; one already installed is left as it was).
test-deps:
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq
	new=$$(sh .ci/test-services new) && \
	$(APT_INSTALL) $(call pkglist,.ci/packages) $(call pkglist,.ci/packages-test) && \
	sh .ci/test-services quiet $$new

clean:
	rm -rf build build-san build-fuzz authmilter

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

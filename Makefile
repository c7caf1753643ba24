# driftless — a plain Makefile.
#
#   make                build build/driftless (installs missing Debian packages first)
#   make test           build, then run the unit and integration tests (CI runs this)
#   make check          a second tree with ASan+UBSan (build-asan/); run the unit tests there
#   make unit           run the unit tests of the normal build only
#   make integration    run the integration tests only (starts scripts/testenv)
#   make lint           header self-containment, module layering, internal.h use
#   make demo           start the local test environment and show how to use the binary
#   make install        PREFIX=/usr/local DESTDIR= : binary, systemd units, example config
#   make clean
#
# Objects live under $(BUILD)/ (build/ by default). Each module of agent/ becomes its own
# static archive, linked from the top layer down, so a call that goes against the layering
# of STYLE.md section 2 fails to link.

VERSION := 0.1.0
BUILD ?= build
SANITIZE ?=
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

PKGS := yaml-0.1 jansson
# Libraries the program loads on first use (agent/core/dl.h): their headers, not linked.
DL_PKGS := libgit2 libcurl libcrypto libmicrohttpd libxml-2.0 libsystemd gpgme
TEST_PKGS := cmocka

NPROC := $(shell nproc 2>/dev/null || echo 2)
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(NPROC)
endif
MAKEFLAGS += --no-builtin-rules

# Link order = layer order, top first (STYLE.md section 2).
MODULE_ORDER := cli daemon sync rollout drift kube aws render source server state http doc core
MODULES := $(foreach m,$(MODULE_ORDER),$(if $(wildcard agent/$(m)/*.c),$(m)))

GIT_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_VERSION),+$(GIT_VERSION))

WARNINGS := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wwrite-strings -Wvla -Wformat=2 \
	-Wimplicit-fallthrough -Wpointer-arith -Wundef -fno-common

ifeq ($(SANITIZE),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
OPT_LD := -fsanitize=address,undefined
else ifeq ($(SANITIZE),fuzzer)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link \
	-fno-sanitize-recover=all
OPT_LD := -fsanitize=address,undefined
else
OPT := -O2 -g -D_FORTIFY_SOURCE=3
OPT_LD :=
endif

HARDENING := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
HARDENING_LD := -pie -Wl,-z,relro,-z,now

# pkg-config results, computed once per build tree after scripts/deps.sh has run.
-include $(BUILD)/config.mk

CPPFLAGS := -D_GNU_SOURCE -Iagent -include agent/core/banned.h $(DL_CPPFLAGS)
CFLAGS := -std=gnu17 -pthread $(OPT) $(WARNINGS) $(HARDENING) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(OPT_LD) $(HARDENING_LD) $(EXTRA_LDFLAGS)
LDLIBS := $(PKG_LIBS)

SRCS := $(foreach m,$(MODULES),$(wildcard agent/$(m)/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
ARCHIVES := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)
HEADERS := $(shell find agent -name '*.h' | sort)

UNIT_SRCS := $(sort $(wildcard tests/unit/*/test-*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

# Fuzz targets: tests/fuzz/fuzz-<parser>.c; their seed corpus is the conformance suite.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/replay-%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)
FUZZ_CORPUS := tests/conformance/cases
FUZZ_SECONDS ?= 60

.PHONY: all deps test check unit unit-build integration lint demo install clean fuzz fuzz-build \
	fuzz-replay FORCE
.DEFAULT_GOAL := all

all: $(BUILD)/driftless

# Always run scripts/deps.sh (a quick no-op when all is installed), then write the pkg-config
# results; the file only changes when they do, so make restarts at most once.
$(BUILD)/config.mk: FORCE
	@scripts/deps.sh
	@mkdir -p $(BUILD)
	@{ \
		echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS) $(DL_PKGS))"; \
		echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
		printf 'DL_CPPFLAGS := %s\n' "$$(scripts/sonames.sh $(DL_PKGS))"; \
		echo "TEST_CFLAGS := $$(pkg-config --cflags $(TEST_PKGS))"; \
		echo "TEST_LIBS := $$(pkg-config --libs $(TEST_PKGS))"; \
		echo "LIBSYSTEMD_VERSION := $$(pkg-config --modversion libsystemd)"; \
	} >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

deps: $(BUILD)/config.mk

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Version strings reach only the objects that print them; the stamp changes with the
# version, so a new commit rebuilds one object, not the tree.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(FULL_VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/agent/cli/cli.o: $(BUILD)/version.stamp
$(BUILD)/agent/cli/cli.o: CPPFLAGS += -DDRIFTLESS_VERSION='"$(FULL_VERSION)"'
$(BUILD)/agent/core/log.o: CPPFLAGS += -DDRIFTLESS_LIBSYSTEMD_VERSION='"$(LIBSYSTEMD_VERSION)"'

define module_archive
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(wildcard agent/$(1)/*.c))
	@rm -f $$@
	$$(call say,AR,$$@)
	$(Q)$(AR) rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_archive,$(m))))

# -Wl,--dynamic-list: the one symbol libgit2 must find in the executable (source/nodelay.c)
$(BUILD)/driftless: $(BUILD)/agent/main.o $(ARCHIVES) agent/source/exports.ld
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -Wl,--dynamic-list=agent/source/exports.ld -o $@ $< $(ARCHIVES) \
		$(LDLIBS)

# Unit tests: one cmocka executable per tests/unit/<module>/test-<module>-<topic>.c,
# linked with the same archives as the daemon.
$(BUILD)/tests/unit/%: tests/unit/%.c $(ARCHIVES) $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(TEST_CFLAGS) -MMD -MP -MF $@.d $(LDFLAGS) -o $@ $< \
		$(ARCHIVES) $(LDLIBS) $(TEST_LIBS)

unit-build: $(UNIT_BINS)

# A fuzz target replayed over its corpus without libFuzzer (tests/fuzz/standalone.c).
$(BUILD)/tests/fuzz/replay-%: tests/fuzz/%.c tests/fuzz/standalone.c $(ARCHIVES) $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/standalone.c \
		$(ARCHIVES) $(LDLIBS)

# A target's corpus: the directories tests/fuzz/NAME.corpus lists, else FUZZ_CORPUS.
fuzz_corpus = $$(cat tests/fuzz/$(1).corpus 2>/dev/null || echo $(FUZZ_CORPUS))

fuzz-replay: $(FUZZ_REPLAY_BINS)
	@for f in $(FUZZ_REPLAY_BINS); do \
		t=$$(basename $$f); t=$${t#replay-fuzz-}; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			$$f $(call fuzz_corpus,$$t) || exit 1; \
	done

# The libFuzzer binaries (clang only: make fuzz builds them in build-fuzz/).
$(BUILD)/tests/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(ARCHIVES) $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(ARCHIVES) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Run the unit tests of this build tree; scripts/run-tests.sh prints the summary line.
unit: $(UNIT_BINS) $(BUILD)/driftless
	@scripts/run-tests.sh --build $(BUILD) --unit

integration: $(BUILD)/driftless
	@scripts/run-tests.sh --build $(BUILD) --integration

test: lint $(UNIT_BINS) $(BUILD)/driftless
	@scripts/run-tests.sh --build $(BUILD) --unit --integration

check: lint
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 unit fuzz-replay

# Each fuzz target for FUZZ_SECONDS with clang's libFuzzer, starting from its corpus (the
# conformance cases unless tests/fuzz/NAME.corpus names others); new inputs go to
# build-fuzz/corpus/, never into the repository.
fuzz: $(BUILD)/config.mk
	@$(MAKE) --no-print-directory BUILD=build-fuzz SANITIZE=fuzzer CC=clang fuzz-build
	@for src in $(FUZZ_SRCS); do \
		t=$$(basename $$src .c); n=$${t#fuzz-}; mkdir -p build-fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
		build-fuzz/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			$$dict -print_final_stats=1 \
			build-fuzz/corpus/$$t $(call fuzz_corpus,$$n) || exit 1; \
	done

lint: $(BUILD)/config.mk
	@scripts/check-layers.sh
	@for h in $(HEADERS); do \
		echo '#include "'"$${h#agent/}"'"' | $(CC) $(CPPFLAGS) $(CFLAGS) -fsyntax-only \
			-x c - -o /dev/null || { echo "lint: $$h does not compile on its own" >&2; exit 1; }; \
	done

demo: $(BUILD)/driftless
	@scripts/demo.sh

install: $(BUILD)/driftless
	install -Dm755 $(BUILD)/driftless $(DESTDIR)$(BINDIR)/driftless
	install -Dm644 systemd/driftless.service $(DESTDIR)$(UNITDIR)/driftless.service
	install -Dm644 systemd/driftless.socket $(DESTDIR)$(UNITDIR)/driftless.socket
	install -Dm644 systemd/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/driftless.conf
	install -Dm644 systemd/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/driftless.conf
	sed -i 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		$(DESTDIR)$(UNITDIR)/driftless.service
	install -Dm644 manifests/config/driftless.yaml \
		$(DESTDIR)$(SYSCONFDIR)/driftless/driftless.yaml.example

clean:
	rm -rf build build-asan build-fuzz

FORCE:

-include $(OBJS:.o=.d) $(BUILD)/agent/main.d $(UNIT_BINS:%=%.d)

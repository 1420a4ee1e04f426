# kaic build: `make build`, `make test`, `make demo`, `make fuzz`, `make install`.
# Sources are found by wildcard: adding a file needs no Makefile edit.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKGS     := libcurl jansson yaml-0.1 openssl zlib
SIMPKGS  := $(PKGS) libmicrohttpd gnutls

CFLAGS_COMMON := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g -pthread \
	-Isrc -Isim -DKAIC_VERSION='"$(VERSION)"'
ifeq ($(SAN),1)
BUILD    := build-san
CFLAGS_COMMON += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN    := -fsanitize=address,undefined
else ifeq ($(SAN),thread)
BUILD    := build-tsan
CFLAGS_COMMON += -O1 -fno-omit-frame-pointer -fsanitize=thread
LDSAN    := -fsanitize=thread
else
CFLAGS_COMMON += -O2
# kaic allocates and frees millions of small JSON values on large clusters; jemalloc
# (as redis links it) does that in about half of glibc's time. Sanitizer builds keep
# their own allocator.
MALLOCPKG := jemalloc
endif
CFLAGS   := $(CFLAGS_COMMON) $(shell pkg-config --cflags $(SIMPKGS) 2>/dev/null) $(EXTRA_CFLAGS)
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ltar -lpthread -lm
MALLOCLIB := $(if $(MALLOCPKG),$(shell pkg-config --libs $(MALLOCPKG) 2>/dev/null))
SIMLIBS  := $(shell pkg-config --libs $(SIMPKGS) 2>/dev/null) -lpthread -lm
TESTLIBS := -lcmocka

# kaic: everything under src/ except main.c goes into a library that tests link.
KAIC_SRC  := $(sort $(shell find src -name '*.c' ! -path src/main.c))
KAIC_OBJ  := $(KAIC_SRC:%.c=$(BUILD)/obj/%.o)
# kaic-sim: everything under sim/ except main.c, plus kaic's util/.
UTIL_OBJ  := $(filter $(BUILD)/obj/src/util/%,$(KAIC_OBJ))
SIM_SRC   := $(sort $(shell find sim -name '*.c' ! -path sim/main.c))
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
# kaic-agentd: everything under agentd/ except main.c, linking kaic's library (kube/, util/).
AGENTD_SRC := $(sort $(shell find agentd -name '*.c' ! -path agentd/main.c))
AGENTD_OBJ := $(AGENTD_SRC:%.c=$(BUILD)/obj/%.o)
# unit tests: tests/unit/test_*.c link kaic's library; test_sim_*.c link kaic-sim's;
# test_agentd_*.c link kaic-agentd's and kaic's.
UT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UT_SIM    := $(filter tests/unit/test_sim_%,$(UT_SRC))
UT_KAIC   := $(filter-out $(UT_SIM),$(UT_SRC))
UT_BIN    := $(UT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))

.PHONY: all build deps test test-bin test-unit test-integration demo fuzz install uninstall clean image bench lint format

all: build
build: deps-check $(BUILD)/kaic $(BUILD)/kaic-sim $(BUILD)/kaic-agentd

deps-check:
	@pkg-config --exists $(SIMPKGS) $(MALLOCPKG) && test -f /usr/include/cmocka.h && test -f /usr/include/libtar.h || ./scripts/install-deps.sh

deps:
	./scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "cc    $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libkaic.a: $(KAIC_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/libkaicsim.a: $(SIM_OBJ) $(UTIL_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/kaic: $(BUILD)/obj/src/main.o $(BUILD)/libkaic.a
	$(CC) $(LDSAN) -pthread -o $@ $^ $(LIBS) $(MALLOCLIB)

$(BUILD)/kaic-sim: $(BUILD)/obj/sim/main.o $(BUILD)/libkaicsim.a
	$(CC) $(LDSAN) -pthread -o $@ $^ $(SIMLIBS)

$(BUILD)/libagentd.a: $(AGENTD_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/kaic-agentd: $(BUILD)/obj/agentd/main.o $(BUILD)/libagentd.a $(BUILD)/libkaic.a
	$(CC) $(LDSAN) -pthread -o $@ $^ $(SIMLIBS) -ltar $(MALLOCLIB)

$(BUILD)/tests/test_agentd_%: tests/unit/test_agentd_%.c $(BUILD)/libagentd.a $(BUILD)/libkaic.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iagentd -o $@ $^ $(SIMLIBS) -ltar $(TESTLIBS)

$(BUILD)/tests/test_sim_%: tests/unit/test_sim_%.c $(BUILD)/libkaicsim.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(SIMLIBS) $(TESTLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libkaic.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(TESTLIBS)

test: build $(UT_BIN)
	BUILD=$(BUILD) ./tests/run.sh

# the unit test binaries, without running them (CI's valgrind step runs them)
test-bin: build $(UT_BIN)

test-unit: build $(UT_BIN)
	BUILD=$(BUILD) ./tests/run.sh unit

test-integration: build
	BUILD=$(BUILD) ./tests/run.sh integration

demo: build
	./scripts/demo.sh

# Fuzz targets: clang's libFuzzer with ASan/UBSan. The sources are compiled once into
# $(FUZZDIR)/obj and archived; each fuzz/fuzz_NAME.c links them (fuzz_sim* with kaic-sim).
FUZZDIR     ?= build-fuzz
FUZZ_CFLAGS := $(CFLAGS_COMMON) $(shell pkg-config --cflags $(SIMPKGS) 2>/dev/null) -O1 \
	-fsanitize=fuzzer-no-link,address,undefined
FUZZ_BIN    := $(FUZZ_SRC:fuzz/%.c=$(FUZZDIR)/%)
FUZZ_KAIC   := $(KAIC_SRC:%.c=$(FUZZDIR)/obj/%.o)
FUZZ_SIM    := $(SIM_SRC:%.c=$(FUZZDIR)/obj/%.o)
FUZZ_AGENTD := $(AGENTD_SRC:%.c=$(FUZZDIR)/obj/%.o)

fuzz: $(FUZZ_BIN)

$(FUZZDIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "clang $<"
	@clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZDIR)/libkaic.a: $(FUZZ_KAIC)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZDIR)/libkaicsim.a: $(FUZZ_SIM)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZDIR)/libagentd.a: $(FUZZ_AGENTD)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZDIR)/fuzz_agentd%: fuzz/fuzz_agentd%.c $(FUZZDIR)/libagentd.a $(FUZZDIR)/libkaic.a
	clang $(FUZZ_CFLAGS) -Iagentd -fsanitize=fuzzer -MMD -MP -MF $(FUZZDIR)/obj/$(@F).d -o $@ \
	    $(filter %.c %.a,$^) $(SIMLIBS) -ltar

$(FUZZDIR)/fuzz_sim%: fuzz/fuzz_sim%.c $(FUZZDIR)/libkaicsim.a $(FUZZDIR)/libkaic.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $(FUZZDIR)/obj/$(@F).d -o $@ \
	    $(filter %.c %.a,$^) $(SIMLIBS)

$(FUZZDIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZDIR)/libkaic.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $(FUZZDIR)/obj/$(@F).d -o $@ \
	    $(filter %.c %.a,$^) $(SIMLIBS) -ltar

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/kaic $(DESTDIR)$(PREFIX)/bin/kaic
	install -m 0755 $(BUILD)/kaic-agentd $(DESTDIR)$(PREFIX)/bin/kaic-agentd
	ln -sf kaic $(DESTDIR)$(PREFIX)/bin/kubectl-aiconformance

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kaic $(DESTDIR)$(PREFIX)/bin/kaic-agentd $(DESTDIR)$(PREFIX)/bin/kubectl-aiconformance

image: build
	./scripts/build-image.sh

bench: build
	@for b in bench/*.sh; do echo "== $$b"; BUILD=$(BUILD) $$b || exit 1; done

lint:
	./scripts/lint.sh

format:
	clang-format -i $$(find src sim agentd tests fuzz -name '*.[ch]')

clean:
	rm -rf build build-san build-tsan build-fuzz

include lab/lab.mk

-include $(shell find $(BUILD)/obj $(FUZZDIR) -name '*.d' 2>/dev/null)

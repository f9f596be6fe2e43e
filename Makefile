# ksock build. `make` builds the hosted library, tests and demo into build/.
# `make check` runs every test (see README.md); `make install PREFIX=...`.
CC ?= cc
BUILD ?= build
SAN ?=
OPT ?= -O2
PREFIX ?= /usr/local

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CORE_CFLAGS := -std=c11 $(WARN) $(OPT) -g -Iinclude -Iport/hosted -fno-strict-aliasing
HOST_CFLAGS := -std=gnu11 $(WARN) $(OPT) -g -Iinclude -Iport/hosted -D_GNU_SOURCE -pthread
LDLIBS := -pthread

PORTABLE_SRCS := $(wildcard src/core/*.c src/unix/*.c)
HOSTED_SRCS := $(wildcard port/hosted/*.c)
CT_SRCS := $(wildcard tests/conformance/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)

LIB := $(BUILD)/libksock.a
PORTABLE_OBJS := $(PORTABLE_SRCS:%.c=$(BUILD)/%.o)
HOSTED_OBJS := $(HOSTED_SRCS:%.c=$(BUILD)/%.o)

all: $(LIB) $(BUILD)/conformance $(BUILD)/unit $(BUILD)/ksock-demo

$(BUILD)/src/%.o: src/%.c $(wildcard include/ksock/*.h src/*/*.h) port/hosted/ksock_port_types.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN) -c $< -o $@

$(BUILD)/port/%.o: port/%.c $(wildcard include/ksock/*.h port/hosted/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -Isrc -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(wildcard include/ksock/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -Isrc -c $< -o $@

$(BUILD)/demo/%.o: demo/%.c $(wildcard include/ksock/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -c $< -o $@

$(LIB): $(PORTABLE_OBJS) $(HOSTED_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/conformance: $(CT_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/unit: $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/ksock-demo: $(BUILD)/demo/demo.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

# The portable sources, freestanding, for a 64-bit RISC-V kernel.
CROSS_CC ?= riscv64-unknown-elf-gcc
cross:
	@mkdir -p $(BUILD)/cross
	@for f in $(PORTABLE_SRCS); do \
	  echo "  CROSS $$f"; \
	  $(CROSS_CC) -std=c11 -ffreestanding -fno-builtin -nostdlib -mcmodel=medany $(WARN) -O2 \
	    -Iinclude -Iport/template -c $$f -o $(BUILD)/cross/$$(echo $$f | tr / _).o || exit 1; \
	done
	@echo "cross: $(words $(PORTABLE_SRCS)) portable sources compiled freestanding for riscv64"

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/include/ksock $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/ksock/abi.h include/ksock/ksock.h $(DESTDIR)$(PREFIX)/include/ksock/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|' ksock.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ksock.pc

clean:
	rm -rf build

.PHONY: all cross install clean

# ---- bench: issue 4's benchmark (bench/, docs/performance.md) ----
# `make bench`: build, callgrind instruction counts, full timed run (about
# 100 s on 2 vCPUs; BENCH_ARGS passes options, e.g. BENCH_ARGS="--reps 9").
# `make bench-smoke`: the same with one short repetition, for the tests.
BENCH_SRCS := bench/backend.c bench/cases_conn.c bench/cases_data.c bench/main.c \
	bench/report.c bench/util.c
BENCH_ARGS ?=

$(BUILD)/bench/%.o: bench/%.c $(wildcard bench/*.h include/ksock/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -c $< -o $@

# Rebuilt when valgrind's header appears (icount.c works without it).
$(BUILD)/bench/icount.o: $(wildcard /usr/include/valgrind/callgrind.h)

$(BUILD)/bench/bench: $(BENCH_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS) -lm

$(BUILD)/bench/icount: $(BUILD)/bench/icount.o $(LIB)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

bench:
	@bench/icount.sh --install-valgrind
	@$(MAKE) --no-print-directory $(BUILD)/bench/bench $(BUILD)/bench/icount
	bench/icount.sh $(BUILD)/bench/icount 20000 $(BUILD)/bench/icount.txt
	$(BUILD)/bench/bench --icount $(BUILD)/bench/icount.txt --json $(BUILD)/bench.json \
	  --label "$$(git describe --always --dirty 2>/dev/null || echo unknown)" $(BENCH_ARGS)

bench-smoke: $(BUILD)/bench/bench $(BUILD)/bench/icount
	$(BUILD)/bench/icount 200 >/dev/null
	bench/icount.sh --if-valgrind $(BUILD)/bench/icount 200 $(BUILD)/bench/icount-smoke.txt
	$(BUILD)/bench/bench --quick --json $(BUILD)/bench-smoke.json \
	  $$(test -s $(BUILD)/bench/icount-smoke.txt && echo --icount $(BUILD)/bench/icount-smoke.txt)

.PHONY: bench bench-smoke

# hashscreen — all set-up on a fresh machine is `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need (C libraries, pkg-config; tmux for the
# progress line test, ProgressEndToEndTests).
DEB_PACKAGES := pkg-config libjpeg62-turbo-dev libpng-dev libssl-dev libsqlite3-dev tmux \
                libwebp-dev libgif-dev libsnappy-dev libzstd-dev zlib1g-dev
# Python packages some cross-check tests use (installed into a venv under .build-py).
PY_VENV := .build-py
PY_PACKAGES := pyarrow==26.0.1 Pillow==13.0.0 pdqhash==0.2.8 imagehash==4.3.2 numpy threatexchange==1.2.17 duckdb==2.0.1 securesystemslib==1.6.0 cryptography==50.0.2 PyYAML==6.0.3
# Release flags by architecture (docs/decisions.md, "Release builds"). x86-64: the
# x86-64-v2 level (SSE4.2, POPCNT; RHEL 9's minimum), named `nehalem` because this Swift's clang
# importer rejects `x86-64-v2`; AVX2 and BMI2 kernels are chosen at run time (CPixelKernels,
# CPrefetch). aarch64 and others: the toolchain's baseline (ARMv8-A on aarch64, NEON included).
ARCH := $(shell uname -m)
ifeq ($(ARCH),x86_64)
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc nehalem -Xcc -march=nehalem
else ifeq ($(ARCH),aarch64)
RELEASE_FLAGS := -c release
else
RELEASE_FLAGS := -c release
endif
# The emulated CPU `make test` runs the shipped x86-64 build on: no AVX, AVX2, BMI2 or FMA.
QEMU_CPU := Nehalem
BIN_DEBUG := .build/debug/hashscreen

.PHONY: deps qemu-deps chromium-deps pydeps build release test test-shipped test-portable test-sanitize test-slurm fuzz fuzz-build fuzz-seeds demo bench clean

# $(call apt_missing,PACKAGES): apt-get install those of PACKAGES not installed.
define apt_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make $@: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_missing,$(DEB_PACKAGES))

qemu-deps:
	$(call apt_missing,qemu-user)

# Headless Chromium renders report.html in the end-to-end tests (PrevalenceReportEndToEndTests).
chromium-deps:
	$(call apt_missing,chromium)

pydeps:
	@if [ ! -x $(PY_VENV)/bin/python ]; then python3 -m venv $(PY_VENV); fi
	@$(PY_VENV)/bin/python -c "import pyarrow, PIL, pdqhash, imagehash, threatexchange, duckdb, securesystemslib, cryptography, yaml" 2>/dev/null || \
	  $(PY_VENV)/bin/pip install -q $(PY_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Tests whose results depend on code generation run again in the shipped configuration
# (RELEASE_FLAGS, plus -enable-testing for @testable imports: the optimiser may reorder what
# the source does not pin, and the kernels chosen at run time are other code paths): the
# bit-exact perceptual hashes, the match indexes, the multi-buffer MD5 kernels and the byte
# kernels of the columnar scan (CByteKernels) (a suite: a name matches up to its "." or "/").
SHIPPED_TESTS := HashscreenPerceptualTests|HashscreenMatchTests|HashscreenDigestTests\.MultiMD5Tests|HashscreenParquetTests\.PlainRangesTests|HashscreenManifestTests\.LowerHexWordTests
RELEASE_TEST_FLAGS := $(RELEASE_FLAGS) -Xswiftc -enable-testing --scratch-path .build-release-test
TEST_ENV := HASHSCREEN_PYTHON=$(abspath $(PY_VENV))/bin/python

# $(call run_shipped,WHAT,RUNNER): the SHIPPED_TESTS of test-shipped's build, started by
# RUNNER (empty: on this CPU); WHAT goes in the line that says how many run.
define run_shipped
	@bin="$$($(SWIFT) build $(RELEASE_TEST_FLAGS) --show-bin-path)/hashscreenPackageTests.xctest"; \
	  tests=$$("$$bin" --list-tests | grep -E "^($(SHIPPED_TESTS))[./]" | paste -sd, -); \
	  [ -n "$$tests" ] || { echo "make $@: no test matches $(SHIPPED_TESTS)"; exit 1; }; \
	  echo "make $@: $$(echo "$$tests" | tr , '\n' | wc -l) tests, $(1)"; \
	  $(TEST_ENV) $(2) "$$bin" "$$tests"
endef

test: deps pydeps chromium-deps
	$(TEST_ENV) $(SWIFT) test --disable-swift-testing 2>&1 | tee .build-test.log; \
	  status=$${PIPESTATUS[0]}; [ $$status -eq 0 ] || exit $$status
	@$(MAKE) --no-print-directory test-shipped 2>&1 | tee -a .build-test.log; status=$${PIPESTATUS[0]}; \
	  [ $$status -eq 0 ] || exit $$status
	@$(MAKE) --no-print-directory test-portable 2>&1 | tee -a .build-test.log; status=$${PIPESTATUS[0]}; \
	  [ $$status -eq 0 ] || exit $$status
	@$(MAKE) --no-print-directory test-sanitize 2>&1 | tee -a .build-test.log; exit $${PIPESTATUS[0]}

# The shipped-configuration tests on this CPU. Built by `swift build --build-tests` and run
# from the test binary, so that test-portable reuses the same build (`swift test` builds with
# other settings, and test-portable rebuilt everything: 2 min of `make test`).
test-shipped: pydeps
	$(SWIFT) build $(RELEASE_TEST_FLAGS) --build-tests
	$(call run_shipped,release build ($(RELEASE_FLAGS)),)

# The shipped-configuration tests once more on an emulated x86-64 without AVX, AVX2, BMI2 or
# FMA (qemu-user, -cpu $(QEMU_CPU)), so that the baseline kernels run and must give the same
# bits (a build with -target-cpu haswell dies here with SIGILL). x86-64 only. Reuses
# test-shipped's build; the Hamming conformance suite runs its subset here (HASHSCREEN_CONFORMANCE,
# HammingIndexConformanceTests): the full sweep took 2 min under emulation.
test-portable: pydeps
ifeq ($(ARCH),x86_64)
	@$(MAKE) --no-print-directory qemu-deps
	$(SWIFT) build $(RELEASE_TEST_FLAGS) --build-tests
	$(call run_shipped,under qemu-x86_64 -cpu $(QEMU_CPU),HASHSCREEN_CONFORMANCE=subset qemu-x86_64 -cpu $(QEMU_CPU))
else
	@echo "make test-portable: the emulated-CPU check is for x86-64 builds; skipped on $(ARCH)"
endif

# The Slurm test (Tests/slurm/README.md): a one-node cluster of Debian's slurm-wlm and munge,
# started here without systemd (installed if missing), runs job arrays as a sharded scan will;
# then the deploy/ drafts are checked and the cluster stopped. Needs root; about 20 s.
test-slurm: build
	$(call apt_missing,python3-yaml)
	HASHSCREEN=$(BIN_DEBUG) bash Tests/slurm/run.sh

# The decoder tests, the multi-buffer MD5 tests, the Parquet reader's tests and the hex kernel's again on a debug build with AddressSanitizer
# everywhere and, in the C targets (the image shim, the pixel kernels, CMD5x, CByteKernels), UndefinedBehaviorSanitizer stopping at the first
# report (swiftc has no -sanitize=undefined on Linux); scratch path of its own. DEVELOPERS.md.
# Leak checks are off: XCTest's own bookkeeping (suites, test names) outlives main.
SANITIZE_TESTS := HashscreenDecodeTests|HashscreenDigestTests\.MultiMD5Tests|HashscreenParquetTests|HashscreenManifestTests\.LowerHexWordTests
test-sanitize: deps pydeps
	$(TEST_ENV) ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --scratch-path .build-asan --sanitize=address \
	  -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined \
	  --disable-swift-testing --filter "$(SANITIZE_TESTS)"

# Fuzzing (DEVELOPERS.md, "Fuzzing"): the libFuzzer harnesses of the Fuzzing/ package, built
# in release with coverage (and AddressSanitizer), each run for FUZZ_SECONDS on a corpus seeded
# from Fixtures/; crashers go to $(FUZZ_DIR)/crashers/<target>/, logs to $(FUZZ_DIR)/logs/.
# FUZZ_TARGETS picks targets; FUZZ_FLAGS adds libFuzzer flags (e.g. -runs=1000000).
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= .build-fuzz
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
FUZZ_FLAGS ?=
FUZZ_BUILD_FLAGS := -c release --package-path Fuzzing -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link
FUZZ_BIN := $(FUZZ_DIR)/build/release/hashscreen-fuzz
# Targets run on a second build without AddressSanitizer: pure Swift readers (bounds-checked
# already) whose ByteReader takes a fresh 1 MiB buffer per read, which ASan maps and unmaps
# each time (300 runs/s with ASan, about 5,000 without).
FUZZ_PLAIN_TARGETS := delimited-manifest jsonl-manifest list-file
FUZZ_PLAIN_BIN := $(FUZZ_DIR)/build-plain/release/hashscreen-fuzz
FUZZ_TARGETS ?=

fuzz-build: deps
	$(SWIFT) build $(FUZZ_BUILD_FLAGS) --scratch-path $(FUZZ_DIR)/build --sanitize=address
	$(SWIFT) build $(FUZZ_BUILD_FLAGS) --scratch-path $(FUZZ_DIR)/build-plain

fuzz-seeds: fuzz-build pydeps
	@$(FUZZ_BIN) --list | $(PY_VENV)/bin/python Fuzzing/make_seeds.py . $(FUZZ_DIR)/seeds

fuzz: fuzz-seeds
	@targets="$(FUZZ_TARGETS)"; [ -n "$$targets" ] || targets="$$($(FUZZ_BIN) --list | cut -d' ' -f1)"; \
	failed=""; for t in $$targets; do \
	  bin=$(FUZZ_BIN); case " $(FUZZ_PLAIN_TARGETS) " in *" $$t "*) bin=$(FUZZ_PLAIN_BIN);; esac; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashers/$$t $(FUZZ_DIR)/logs; \
	  dict=""; [ -f Fuzzing/dictionaries/$$t.dict ] && dict="-dict=Fuzzing/dictionaries/$$t.dict"; \
	  echo "make fuzz: $$t, $(FUZZ_SECONDS) s, $$bin (log: $(FUZZ_DIR)/logs/$$t.log)"; \
	  SWIFT_BACKTRACE=enable=no nice -n 10 $$bin $$t $$dict -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crashers/$$t/ $(FUZZ_FLAGS) $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t \
	    > $(FUZZ_DIR)/logs/$$t.log 2>&1; \
	  status=$$?; grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|SUMMARY|==[0-9]+== ?ERROR)|artifact_prefix|Test unit written" $(FUZZ_DIR)/logs/$$t.log | sed "s/^/  /"; \
	  [ $$status -eq 0 ] || failed="$$failed $$t"; \
	done; \
	[ -z "$$failed" ] || { echo "make fuzz: findings in$$failed: $(FUZZ_DIR)/crashers/ (DEVELOPERS.md: reproduce, add a regression)"; exit 1; }

demo: build
	@bash Fixtures/demo/run-demo.sh $(BIN_DEBUG)

# Benchmark against the peers and floors of bench/ (bench/README.md); writes docs/benchmarks.md
# (bench/bench.sh lists the BENCH_* variables; about 10 min on 2 cores, 5-8 more the first time).
bench: deps
	BENCH_RELEASE_FLAGS="$(RELEASE_FLAGS)" SWIFT="$(SWIFT)" bash bench/bench.sh

clean:
	rm -rf .build .build-* demo-out

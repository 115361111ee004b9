# hashscreen — all set-up on a fresh machine is `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need (C libraries and pkg-config).
DEB_PACKAGES := pkg-config libjpeg62-turbo-dev libpng-dev libssl-dev libsqlite3-dev \
                libwebp-dev libgif-dev libsnappy-dev libzstd-dev zlib1g-dev
# Python packages some cross-check tests use (installed into a venv under .build-py).
PY_VENV := .build-py
PY_PACKAGES := pyarrow==26.0.1 Pillow==13.0.0 pdqhash==0.2.8 imagehash==4.3.2 numpy
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc haswell
BIN_DEBUG := .build/debug/hashscreen

.PHONY: deps pydeps build release test demo bench clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

pydeps:
	@if [ ! -x $(PY_VENV)/bin/python ]; then python3 -m venv $(PY_VENV); fi
	@$(PY_VENV)/bin/python -c "import pyarrow, PIL, pdqhash, imagehash" 2>/dev/null || \
	  $(PY_VENV)/bin/pip install -q $(PY_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Tests whose results depend on code generation run again in the shipped configuration
# (release, -target-cpu haswell: FMA may change float bits, BMI2 selects another code path):
# the bit-exact perceptual hashes and the match indexes.
SHIPPED_TESTS := HashscreenPerceptualTests|HashscreenMatchTests

test: deps pydeps
	HASHSCREEN_PYTHON=$(CURDIR)/$(PY_VENV)/bin/python $(SWIFT) test --disable-swift-testing 2>&1 | tee .build-test.log; \
	  status=$${PIPESTATUS[0]}; [ $$status -eq 0 ] || exit $$status; \
	HASHSCREEN_PYTHON=$(CURDIR)/$(PY_VENV)/bin/python $(SWIFT) test $(RELEASE_FLAGS) -Xswiftc -enable-testing \
	  --scratch-path .build-release-test --disable-swift-testing --filter "$(SHIPPED_TESTS)" 2>&1 | tee -a .build-test.log; \
	  exit $${PIPESTATUS[0]}

demo: build
	@bash Fixtures/demo/run-demo.sh $(BIN_DEBUG)

# Benchmark against the peers and floors of bench/ (bench/README.md); writes docs/benchmarks.md
# (bench/bench.sh lists the BENCH_* variables; about 10 min on 2 cores, 5-8 more the first time).
bench: deps
	BENCH_RELEASE_FLAGS="$(RELEASE_FLAGS)" SWIFT="$(SWIFT)" bash bench/bench.sh

clean:
	rm -rf .build .build-* demo-out

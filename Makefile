# Two commands matter: `make run` opens the app, `make test` proves the project.
# Each installs what it needs first (Debian/Ubuntu packages with apt-get, only when missing).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := help

# Cargo's build tree lives outside the clone, so repeated CI runs in fresh clones build
# incrementally instead of from scratch (a clean Tauri build is ~5 minutes on 2 cores).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/zhucun/target
export CARGO_TERM_COLOR ?= never

# The desktop shell (WebKitGTK) and a CJK font, without which Chinese renders as empty boxes.
RUN_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev libsoup-3.0-dev \
	libjavascriptcoregtk-4.1-dev librsvg2-dev fonts-noto-cjk
# The window test: a virtual display, and WebKit's WebDriver that tauri-driver starts.
# The bundle tests check signatures with the minisign command; the template tests have
# LibreOffice convert and recalculate workbooks, and openpyxl write templates.
TEST_PACKAGES := $(RUN_PACKAGES) xvfb xauth webkit2gtk-driver imagemagick minisign \
	libreoffice-calc-nogui python3 python3-pip
TAURI_DRIVER_VERSION := 2.1.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ARTIFACTS ?= $(CURDIR)/artifacts
# Every test run's output, so `make test` can end with one line counting them all.
TEST_LOG := $(ARTIFACTS)/test.log

.PHONY: help run test deps-run deps-test check-tools lint test-core test-cli test-app bench fuzz

help:
	@echo "make run    install what is missing, build, and open the app"
	@echo "make test   install what is missing and run every check and test"
	@echo "make bench  run the benchmarks"
	@echo "make fuzz   fuzz the bundle reader, template import and sync merge (FUZZ_SECONDS per target, default 600)"

# Installs the Debian packages named in $(1) that dpkg does not report as installed.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

check-tools:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt 2>/dev/null || true

deps-run: check-tools
	$(call apt_install,$(RUN_PACKAGES))

deps-test: check-tools
	$(call apt_install,$(TEST_PACKAGES))
	@command -v tauri-driver >/dev/null && tauri-driver --help >/dev/null 2>&1 \
	  || cargo install tauri-driver --version $(TAURI_DRIVER_VERSION) --locked
	@python3 -c 'import openpyxl' 2>/dev/null \
	  || python3 -m pip install -q openpyxl 2>/dev/null \
	  || { $(SUDO) apt-get install -y -qq --no-install-recommends python3-openpyxl; }
	@python3 -c 'import openpyxl' || { echo "openpyxl is missing for python3"; exit 1; }

run: deps-run
	cargo run -p zhucun-app

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# The no-panic tests read a corpus of spreadsheets other programs made, fetched once from the
# registries (tests/corpus/fetch.py) into ~/.cache/zhucun/corpus.
test-core:
	mkdir -p $(ARTIFACTS)
	python3 tests/corpus/fetch.py
	ZHUCUN_CORPUS_REQUIRED=1 cargo test -p zhucun-core 2>&1 | tee -a $(TEST_LOG)

test-cli:
	mkdir -p $(ARTIFACTS)
	cargo test -p zhucun 2>&1 | tee -a $(TEST_LOG)

# The real window under a virtual display, driven over WebDriver.
test-app:
	mkdir -p $(ARTIFACTS)
	ZHUCUN_ARTIFACTS=$(ARTIFACTS) xvfb-run -a -s "-screen 0 1280x800x24" \
	  cargo test -p zhucun-app 2>&1 | tee -a $(TEST_LOG)

test: deps-test lint
	mkdir -p $(ARTIFACTS) && rm -f $(TEST_LOG)
	$(MAKE) --no-print-directory test-core test-cli test-app
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "%d passed, %d failed\n", p, f }' $(TEST_LOG)

bench: deps-run
	cargo bench -p zhucun-core

# Fuzzing is not part of `make test`: it runs for minutes. cargo-fuzz needs nightly flags,
# which RUSTC_BOOTSTRAP allows on the stable toolchain; it builds into fuzz/target. sync_merge
# needs long inputs from the start (several bundles of several rows) and merges take a while.
FUZZ_SECONDS ?= 600
fuzz: deps-run
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	for target in archive bundle_reader template_file sync_merge; do \
	  case $$target in \
	    sync_merge) more="-timeout=20 -len_control=0 -max_len=2048";; \
	    *) more="-timeout=10";; \
	  esac; \
	  env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo fuzz run $$target -- \
	    -max_total_time=$(FUZZ_SECONDS) $$more || exit 1; \
	done

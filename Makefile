# lvslab: `make demo` replays the LVS NAT walkthrough, `make test` runs lint and every test (as root: the lab
# tests build namespaces; where the kernel has no IPVS the IPVS tests run again inside the microVM),
# `make bench` compares lvslab with its peers: a script of `ip` commands, ab and wrk, a bare kernel boot.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH):/usr/sbin:/sbin
GO ?= go
BIN := bin/lvslab
# The tests that skipped themselves for want of IPVS in the native pass (needs.IPVS, labtest.RequireIPVS),
# by package, for test-vm to run again in the microVM.
IPVS_TESTS := bin/ipvs-tests.txt

.PHONY: build test test-deps test-vm test-arch dist lint bench bench-quick bench-deps bench-suite chaos fuzz demo kernel vm-deps clean

# What the binary says it is, in every report: the commit it was built from, and whether the work tree had
# changes not committed (Go's own stamp needs -buildvcs, which some machines turn off in GOFLAGS).
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo true)
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.modified=$(MODIFIED)
# How every lvslab binary is built, for the OS and architecture GOOS and GOARCH say (the host's by default).
BUILD_LVSLAB := $(GO) build -trimpath -ldflags='$(LDFLAGS)'

# lvslab, and beside it lvslab built for Linux for each architecture the microVM boots that this binary
# cannot be itself (lvslab-linux-arm64 on Linux amd64; both on a Mac): the /init of such a guest.
GUEST_ARCHES := $(if $(filter linux,$(shell $(GO) env GOOS)),$(filter-out $(shell $(GO) env GOARCH),amd64 arm64),amd64 arm64)
build:
	CGO_ENABLED=0 $(BUILD_LVSLAB) -o $(BIN) ./cmd/lvslab
	@for a in $(GUEST_ARCHES); do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(BUILD_LVSLAB) -o $(BIN)-linux-$$a ./cmd/lvslab || exit 1; done

# Every test, natively (VM tests included: LVSLAB_VM_TESTS=1; the tests that look at pictures in headless
# Chromium fail rather than skip without it: LVSLAB_BROWSER_TESTS=1), then again in the microVM those that
# need IPVS where this kernel has none.
test: lint build test-deps vm-deps
	@set -o pipefail; LVSLAB_VM_TESTS=1 LVSLAB_BROWSER_TESTS=1 CGO_ENABLED=0 $(GO) test -count=1 -json ./... | $(GO) run ./internal/testsel -ipvs $(IPVS_TESTS)
	@$(MAKE) --no-print-directory test-vm
	@$(MAKE) --no-print-directory test-arch

# The tests that boot a guest of another architecture (arm64 on amd64), under TCG: minutes each.
test-arch: build
	LVSLAB_VM_TESTS=1 LVSLAB_ARCH_TESTS=1 CGO_ENABLED=0 $(GO) test -count=1 -timeout 40m -run '^TestArm64' ./cmd/lvslab

# What the tests use, from Debian's packages, each installed only where its program (or file) is missing:
# the lab tests' curl, ab, ip, ipvsadm, ping and modprobe, tmux for the interactive ones, and headless
# Chromium (with a font) for those that look at pictures, qemu-system-aarch64 for the arm64 guest. apt's
# lists are updated first when a package is not known yet.
TEST_DEPS := ab:apache2-utils curl:curl ip:iproute2 ipvsadm:ipvsadm ping:iputils-ping modprobe:kmod \
	tmux:tmux chromium:chromium /usr/share/fonts/truetype/dejavu:fonts-dejavu-core \
	qemu-system-aarch64:qemu-system-arm
test-deps:
	@for p in $(TEST_DEPS); do t=$${p%%:*}; \
		if [ "$${t#/}" != "$$t" ]; then [ -e "$$t" ] && continue; else PATH=$$PATH:/usr/sbin:/sbin command -v $$t >/dev/null && continue; fi; \
		echo "installing $${p#*:} for make test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $${p#*:} >/dev/null 2>&1 || \
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $${p#*:} >/dev/null; } || \
		{ echo "could not install $${p#*:}: run as root, or install it yourself"; exit 2; }; done

# Each package's IPVS tests run in the microVM, two packages at a time: each test binary is the command
# that `lvslab vm` runs there. (Static test binaries: the guest has the host's files but not its loader.)
test-vm: build
	@if [ ! -s $(IPVS_TESTS) ]; then echo "no test skipped for want of IPVS: nothing to run in the microVM"; exit 0; fi; \
	$(MAKE) --no-print-directory vm-deps && \
	echo "this kernel has no IPVS: running $$(grep -o '|' $(IPVS_TESTS) | wc -l | awk -v n=$$(wc -l < $(IPVS_TESTS)) '{print $$1+n}') tests that need it in the microVM" && \
	xargs -P 2 -L 1 sh -c 'CGO_ENABLED=0 $(GO) test -count=1 -exec "$(CURDIR)/$(BIN) vm --" -run "$$1" "$$0"' < $(IPVS_TESTS)

# Linters from the Go module proxy, pinned, installed into bin/tools by the Makefile itself.
TOOLS := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION := v0.52.0
ACTIONLINT_VERSION := v1.7.12
# The example workflow for GitHub Actions that the README points CI engineers to.
WORKFLOWS := docs/ci/github-actions.yml
# deadcode reports code unreachable from cmd/lvslab; labtest and internal/needs serve tests, so they are not asked.
DEADCODE_PACKAGES := ^github.com/lvslab/lvslab/(assert|assert/model|bars|cmd/lvslab|hostload|graph|internal/(fds|fieldpath|jsondir|kmod|child|lockfile|netnsenter|nsmount|proc|spell|supervise|testsel|toolver|tty|wait)|ipvsnl|lab|labs|vm|vm/guest|vm/kernel|vm/proto|loadgen|realserver|scenarios|scenarios/matrix|topology|topology/ipvsadm|report|tutorial|tutorial/runner|vmlab|wire)$$

lint: $(TOOLS)/staticcheck $(TOOLS)/deadcode $(TOOLS)/actionlint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@for t in $(filter-out linux/$(shell $(GO) env GOARCH),$(DIST_TARGETS)); do \
		if [ "$${t%/*}" = linux ]; then echo "GOOS=$${t%/*} GOARCH=$${t#*/} go vet ./..."; CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./... || exit 1; \
		else echo "GOOS=$${t%/*} GOARCH=$${t#*/} go build ./... (its tests are Linux's)"; CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build ./... || exit 1; fi; done
	$(TOOLS)/staticcheck ./...
	@out=$$($(TOOLS)/deadcode -filter '$(DEADCODE_PACKAGES)' ./cmd/lvslab ./internal/testsel | grep -v -E -f <(grep -v '^#' .deadcode-allow) || true); \
	if [ -n "$$out" ]; then echo "deadcode: unreachable from cmd/lvslab (use it, delete it, or allow it in .deadcode-allow):"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(TOOLS)/actionlint $(WORKFLOWS)

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/deadcode:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)

$(TOOLS)/actionlint:
	GOBIN=$(TOOLS) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# Every benchmark pairs lvslab with a peer on the same machine in the same run, interleaved (A B A B), one
# pair per iteration: five here, two in bench-quick (which also leaves out the 1000-server lab and the
# lab in a microVM). Each prints medians and the median and range of the per-pair ratio. The packages run
# one after another, never side by side. (Static test binaries: one is the microVM's /init.)
BENCH_PACKAGES := ./topology ./lab ./vm ./scenarios ./cmd/lvslab
bench: build bench-deps
	LVSLAB_VM_TESTS=1 CGO_ENABLED=0 $(GO) test -p 1 -count=1 -run '^$$' -bench . -benchtime 5x $(BENCH_PACKAGES)

bench-quick: build bench-deps
	LVSLAB_VM_TESTS=1 CGO_ENABLED=0 $(GO) test -p 1 -count=1 -short -run '^$$' -bench . -benchtime 2x $(BENCH_PACKAGES)

# The peers the benchmarks compare lvslab with: ab (apache2-utils) and wrk, from Debian's packages.
bench-deps: vm-deps
	@for p in ab:apache2-utils wrk:wrk; do command -v $${p%%:*} >/dev/null && continue; \
		echo "installing $${p#*:} for make bench"; \
		apt-get install -y --no-install-recommends $${p#*:} >/dev/null || \
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends $${p#*:} >/dev/null; } || \
		{ echo "could not install $${p#*:}: run as root, or install it yourself"; exit 2; }; done

# The scenario suite's wall time against BASE's (default: before it stopped waiting on IPVS's estimator),
# in one microVM, with the ratio.
bench-suite: build vm-deps
	scripts/bench-suite

# Labs in a microVM treated carelessly, CYCLES times (default 100): up, down while up boots, kill -9 of up
# at random points, of exec, of qemu; after each, nothing may be left.
chaos: build vm-deps
	scripts/vmlab-chaos

# Every fuzz target of every package, one after another, FUZZTIME each.
FUZZTIME ?= 60s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME); \
		done; \
	done

demo: build vm-deps
	$(BIN) demo

# The microVM's set-up, only where the kernel lacks IPVS: qemu from Debian's packages, and Debian's kernel
# and the guest's programs (Debian's packages) fetched into lvslab's cache.
vm-deps:
	@if [ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null; then exit 0; fi; \
	if ! command -v qemu-system-x86_64 >/dev/null; then \
		echo "installing qemu-system-x86 for the microVM"; \
		apt-get install -y --no-install-recommends qemu-system-x86 >/dev/null || \
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends qemu-system-x86 >/dev/null; } || \
		{ echo "could not install qemu-system-x86: run as root, or install it yourself"; exit 2; }; \
	fi; \
	$(MAKE) --no-print-directory kernel

kernel: build
	$(BIN) vm --prepare

# The archives a release hands out, in bin/dist: for each OS and architecture lvslab builds for, lvslab and,
# beside it, lvslab built for Linux on every architecture the microVM boots (its /init there), with the
# README. Linux and macOS on amd64 and arm64, Windows on amd64 (lvslab.exe; its tar.gz opens with the tar
# that Windows 10 and 11 bring).
DIST_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
dist:
	@set -e; rm -rf bin/dist; mkdir -p bin/dist; \
	for a in amd64 arm64; do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(BUILD_LVSLAB) -o bin/dist/guest/lvslab-linux-$$a ./cmd/lvslab; done; \
	for t in $(DIST_TARGETS); do os=$${t%/*}; arch=$${t#*/}; name=lvslab-$(VERSION)-$$os-$$arch; \
		mkdir -p bin/dist/$$name; \
		exe=lvslab; [ $$os != windows ] || exe=lvslab.exe; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(BUILD_LVSLAB) -o bin/dist/$$name/$$exe ./cmd/lvslab; \
		for a in amd64 arm64; do [ "linux/$$a" = "$$t" ] || cp bin/dist/guest/lvslab-linux-$$a bin/dist/$$name/; done; \
		cp README.md bin/dist/$$name/; \
		tar -C bin/dist -czf bin/dist/$$name.tar.gz $$name; rm -rf bin/dist/$$name; \
		echo "bin/dist/$$name.tar.gz"; done; \
	rm -rf bin/dist/guest; \
	$(GO) run ./internal/distcheck bin/dist/*.tar.gz

clean:
	rm -rf bin

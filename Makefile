# lvslab: `make demo` replays the LVS NAT walkthrough, `make test` runs lint and every test (as root: the lab
# tests build namespaces; where the kernel has no IPVS the IPVS tests run again inside the microVM),
# `make bench` compares lvslab with a shell script of `ip` commands and with ab.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH):/usr/sbin:/sbin
GO ?= go
BIN := bin/lvslab
# Packages whose tests program IPVS, and the tests that do (their names contain IPVS).
IPVS_PACKAGES := ./ipvsnl ./lab ./scenarios ./cmd/lvslab

.PHONY: build test test-vm lint bench fuzz demo kernel vm-deps clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/lvslab

test: lint build
	CGO_ENABLED=0 $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory test-vm

# Where this kernel has no IPVS, run the IPVS tests inside the microVM: each test binary is the command
# that `lvslab vm` runs there. (Static test binaries: the guest has the host's files but not its loader.)
test-vm: build
	@if [ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null; then echo "IPVS tests ran natively"; exit 0; fi; \
	$(MAKE) --no-print-directory vm-deps && \
	echo "this kernel has no IPVS: running the IPVS tests in the microVM" && \
	CGO_ENABLED=0 $(GO) test -count=1 -exec "$(CURDIR)/$(BIN) vm --" -run IPVS $(IPVS_PACKAGES)

# Linters from the Go module proxy, pinned, installed into bin/tools by the Makefile itself.
TOOLS := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION := v0.52.0
# deadcode reports code unreachable from cmd/lvslab; labtest is a library for tests, so it is not asked.
DEADCODE_PACKAGES := ^github.com/lvslab/lvslab/(assert|assert/model|cmd/lvslab|hostload|internal/.+|ipvsnl|lab|lab/vm|loadgen|realserver|scenarios|topology|topology/ipvsadm|wire)$$

lint: $(TOOLS)/staticcheck $(TOOLS)/deadcode
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	@out=$$($(TOOLS)/deadcode -filter '$(DEADCODE_PACKAGES)' ./cmd/lvslab | grep -v -E -f <(grep -v '^#' .deadcode-allow) || true); \
	if [ -n "$$out" ]; then echo "deadcode: unreachable from cmd/lvslab (use it, delete it, or allow it in .deadcode-allow):"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/deadcode:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)

bench:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./lab ./scenarios

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
# fetched into lvslab's cache.
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

clean:
	rm -rf bin

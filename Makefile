# lvslab: `make build` builds bin/lvslab, `make test` runs lint and every test (the lab tests need root),
# `make bench` compares lvslab with a shell script of `ip` commands and with ab.
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin/lvslab

.PHONY: build test lint bench fuzz clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/lvslab

test: lint
	$(GO) test -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./lab ./scenarios

fuzz:
	$(GO) test ./topology -run '^$$' -fuzz FuzzParse -fuzztime 60s

clean:
	rm -rf bin

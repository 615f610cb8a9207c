# The two commands that matter: `make run` and `make test` (see README.md).
GO ?= go

.PHONY: run test bench migrate lint build services fuzz

run:
	scripts/run.sh

test: services
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

bench: services
	scripts/bench-callbacks.sh

migrate: services
	. scripts/demo.env && $(GO) run ./cmd/api migrate

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

build:
	$(GO) build -o bin/ ./cmd/...

services:
	@scripts/services.sh

fuzz:
	$(GO) test -run=^$$ -fuzz=FuzzParseEvent -fuzztime=60s ./internal/wecom/

# The two commands that matter: `make run` and `make test` (see README.md).
GO ?= go

.PHONY: run test bench bench-install bench-console migrate lint build services chromium fuzz

run:
	scripts/run.sh

test: services chromium
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

bench: services
	scripts/bench-callbacks.sh
	scripts/bench-signature.sh

# Token service at scale: get_corp_token calls per token lifetime and expired hand-outs,
# at 10,000 and 100,000 tenants (TENANTS="1000" to pick others).
bench-tokens: services
	scripts/bench-tokens.sh $(TENANTS)

bench-install: services
	scripts/bench-install.sh

# The console's tenant list at 100,000 tenants (server time per filtered page).
bench-console: services
	$(GO) test -run='^$$' -bench=TenantList -benchtime=50x ./internal/console/

migrate: services
	. scripts/demo.env && $(GO) run ./cmd/api migrate

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

build:
	$(GO) build -o bin/ ./cmd/...

services:
	@scripts/services.sh

# The console's browser tests (internal/console) drive headless Chromium; a fresh Debian
# machine gets it (and a CJK font, for legible screenshots) from apt. Without it, and
# without root to install it, they skip.
chromium:
	@if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the console browser tests"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium is missing: the console browser tests will skip" >&2; fi; \
	fi

fuzz:
	$(GO) test -run=^$$ -fuzz=FuzzParseEvent -fuzztime=60s ./internal/wecom/

# motcua — run `make help` for the menu.
SHELL := bash
GO_TOOL := go tool -modfile=tools/go.mod
BUF := $(GO_TOOL) buf

.DEFAULT_GOAL := help

.PHONY: help
help: ## show this menu
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## run the server on the default SQLite store
	go run ./cmd/motcua serve

.PHONY: build
build: ## build bin/motcua
	go build -o bin/motcua ./cmd/motcua

.PHONY: test
test: ## run every test with -race against a throwaway PostgreSQL (started and stopped here)
	./scripts/test.sh

.PHONY: lint
lint: ## gofmt, go vet, staticcheck, buf lint and deploy-check
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
		if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	$(GO_TOOL) staticcheck ./...
	./scripts/protodeps.sh
	$(BUF) lint proto
	$(MAKE) --no-print-directory deploy-check

.PHONY: gen
gen: ## regenerate Go, gateway and OpenAPI code from proto/ (needs only the Go proxy)
	./scripts/protodeps.sh
	$(BUF) lint proto
	$(BUF) generate

.PHONY: gen-check
gen-check: gen ## fail if the committed generated code is not what `make gen` produces
	@if [ -n "$$(git status --porcelain -- api)" ]; then \
		git status --short -- api; git --no-pager diff --stat -- api; \
		echo "generated code is stale: run make gen and commit api/"; exit 1; \
	fi
	@echo "generated code is current"

.PHONY: breaking
breaking: ## fail if proto/ breaks the API against the previous commit (override: docs/operations.md)
	./scripts/breaking.sh

.PHONY: deploy-check
deploy-check: ## validate deploy/ offline: Kubernetes, CNPG, compose and Envoy schemas + rules
	go -C tools test -count=1 ./deploycheck/ && go -C tools run ./deploycheck ../deploy

.PHONY: ci
ci: ## run what CI runs (.ci/run): lint, gen-check, breaking, test, fuzz, with timings
	./.ci/run

# How long each fuzz target runs in `make fuzz`: 12 targets, about 1.5 minutes
# of fuzzing, plus building the instrumented test binaries (cached after the
# first run; 6 minutes in all on a busy 2-core machine).
FUZZTIME ?= 6s

.PHONY: fuzz
fuzz: ## run every Go fuzz target briefly (FUZZTIME each; seeds in testdata/fuzz/)
	./scripts/fuzz.sh $(FUZZTIME)

# Dossiers the province benchmark seeds; the indicators target is stated for
# 1000000 (about 6 minutes on 2 CPUs; BENCH_DOSSIERS=100000 takes about 2).
BENCH_DOSSIERS ?= 1000000

# The size BenchmarkGrowth grows its database to: 100k, then 1M (10 minutes on
# a quiet machine, 24 on a loaded one; 10 GB of disk); BENCH_GROWTH_MAX=5000000
# adds the 5M step (about an hour more and 50 GB of disk: the database is 45 GB
# at 5M; the throwaway database is removed at the end).
BENCH_GROWTH_MAX ?= 1000000

.PHONY: bench bench-speed bench-province bench-memory bench-growth
bench: bench-speed bench-growth ## issue 13's tables: speed at production durability (about 5 minutes), then cost growth 100k → 1M (10–25 minutes; docs/PERFORMANCE.md)

bench-speed: ## intake and reads at production durability, SQLite intake, calendar (about 5 minutes)
	go test -run '^$$' -bench . -benchmem ./internal/calendar/
	MOTCUA_PG_DURABLE=1 ./scripts/with-postgres.sh \
		go test -run '^$$' -bench 'Speed$$' -benchtime 1x -timeout 30m ./internal/bench/ -args -intake 10s -reads 6s
	go test -run '^$$' -bench 'SQLiteIntake$$' -benchtime 1x -timeout 30m ./internal/bench/

bench-province: ## seeds BENCH_DOSSIERS (1M: about 6 minutes) and measures indicators, lists and reads on them
	MOTCUA_BENCH_DOSSIERS=$(BENCH_DOSSIERS) MOTCUA_BENCH_EXPLAIN=1 ./scripts/with-postgres.sh \
		go test -run '^$$' -bench Province -benchtime 5s -timeout 60m ./internal/bench/

bench-growth: ## cost-growth table: one database grown 100k → 1M (→ 5M with BENCH_GROWTH_MAX=5000000: 50 GB of disk, about an hour), every call and its plan at each step (10–25 minutes)
	BENCH_GROWTH_MAX=$(BENCH_GROWTH_MAX) ./scripts/with-postgres.sh \
		go test -run '^$$' -bench 'Growth$$' -benchtime 1x -timeout 180m ./internal/bench/

bench-memory: ## server RSS under 64 clients for 60 s, three runs (about 4 minutes)
	go test -run '^$$' -bench 'Memory$$' -benchtime 1x -timeout 30m ./internal/bench/

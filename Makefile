# oncall-health: make demo, make test. See README.md.
GO      ?= go
BIN     := bin/oncall-health
OUT     ?= out

# duckdb-go's Arrow API (the sync's load path) is behind this build tag;
# every go command below (build, vet, test, bench) carries it. A build
# without it (go install, plain go vet) stages rows through DuckDB's
# Appender instead: make test vets that build and runs the sync's staging
# tests in it too (UNTAGGED_TESTS).
export GOFLAGS := -tags=duckdb_arrow $(GOFLAGS)
UNTAGGED_TESTS := ^(TestStageStatements|TestSyncStagesEveryTable|TestLoadPathsAgree|TestSyncRoundTrip|TestSyncNotes)$$

.PHONY: build demo test lint bench fmt clean echarts mutate mutations

build:
	$(GO) build -o $(BIN) ./cmd/oncall-health

# A synthetic organisation served by the built-in fake PagerDuty API, synced
# through the real sync path, reported into $(OUT)/. No token, no network.
demo: build
	./$(BIN) demo --out $(OUT)

test: lint
	$(GO) test -count=1 -timeout 20m ./...
	GOFLAGS= $(GO) test -count=1 -run '$(UNTAGGED_TESTS)' ./ingest

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOFLAGS= $(GO) vet ./...

# Mutation testing (not part of make test; see TESTING.md). gremlins runs
# with `go run ...@v0.6.0`, so go.mod is left alone; one worker, one CPU per
# test run, and at most MUTATE_TIMEOUT per package on a shared machine.
GREMLINS       ?= $(GO) run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE_PKGS    ?= ./analysis ./queries ./ingest
MUTATE_TIMEOUT ?= 30m
mutate:
	@for p in $(MUTATE_PKGS); do \
		echo "== gremlins $$p"; \
		timeout $(MUTATE_TIMEOUT) $(GREMLINS) unleash --workers 1 --test-cpu 1 --timeout-coefficient 30 $(MUTATEFLAGS) $$p || echo "gremlins $$p: exit $$?"; \
	done

# The mutations that prove README's Guarantees table, one per row or more.
mutations:
	scripts/mutations.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

# Benchmarks at the size of the largest accounts (about 35 min on 2 cores):
# the load-path Go benchmark, then cmd/ohbench (full and incremental sync
# against the fake API with the large organisation, reports), which writes
# BENCHMARKS.md. `make bench BENCHFLAGS=-quick` is a 3-minute check on 42 days.
bench:
	$(GO) build -o $(BIN) ./cmd/oncall-health
	$(GO) build -o bin/ohbench ./cmd/ohbench
	$(GO) test -run '^$$' -bench BenchmarkLoadLogEntries -benchtime 1x -count 3 ./ingest > bin/bench-load.txt
	cat bin/bench-load.txt
	./bin/ohbench -bin $(BIN) -load bin/bench-load.txt -out BENCHMARKS.md $(BENCHFLAGS)

# Rebuilds the vendored custom ECharts bundle and its note
# (reports/assets/echarts/BUILD.md) from the npm packages pinned in
# reports/assets/echarts/build/package-lock.json. Needs node and npm; not run
# by `make test`, which checks the vendored file against its note.
echarts:
	sh reports/assets/echarts/build/build.sh

clean:
	rm -rf bin $(OUT)

# oncall-health: make demo, make test. See README.md.
GO      ?= go
BIN     := bin/oncall-health
OUT     ?= out

.PHONY: build demo test lint bench fmt clean

build:
	$(GO) build -o $(BIN) ./cmd/oncall-health

# A synthetic organisation served by the built-in fake PagerDuty API, synced
# through the real sync path, reported into $(OUT)/. No token, no network.
demo: build
	./$(BIN) demo --out $(OUT)

test: lint
	$(GO) test -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

clean:
	rm -rf bin $(OUT)

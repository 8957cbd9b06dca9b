# eingang — the two commands that matter: `make run` and `make test`.
GO      ?= go
BIN     := bin/eingang
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Tesseract must not start its own threads inside each worker: eingang runs
# one Tesseract per worker goroutine (oversubscription is the classic OCR
# slowdown).
export OMP_THREAD_LIMIT := 1

.PHONY: run build test test-short lint fuzz bench deps-run deps-test deps-bench clean

## run: build and start eingang on the embedded demo configuration
run: deps-run build
	scripts/run-demo.sh $(BIN)

## build: compile bin/eingang
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/eingang

## test: every test (real Redis, real Tesseract, real PDF tools)
test: deps-test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## lint: gofmt and go vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

## bench: speed and accuracy figures side by side with the reference tools
bench: deps-bench build
	$(GO) run ./bench/ocr
	$(GO) run ./bench/einvoice
	$(GO) run ./bench/extract
	$(GO) run ./bench/pipeline -bin $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/... ./bench/...
	EINGANG_BENCH_MAIL=1 $(GO) test -count=1 -run TestMailIntakeThroughput -v ./internal/mail

deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test
deps-bench:
	@scripts/deps.sh bench

clean:
	rm -rf bin var

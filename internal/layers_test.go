package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layer ranks every package of the module. A package may import packages
// of a lower layer and, from layer 1 up, of its own; layer 0 imports no
// eingang package at all. So no import runs back up: a domain package
// never reaches the configuration, the pipeline, the queue or the CLI.
// A new package must be given its layer here.
var layer = map[string]int{
	// 0: foundation — contracts and helpers every layer may use.
	"internal/fault": 0, "internal/fields": 0, "internal/netconf": 0, "internal/layout": 0,
	"internal/pdfraw": 0, "internal/dms": 0, "internal/invoicedup": 0, "internal/metrics": 0,
	"internal/dms/d3/d3fake": 0, "internal/dms/fabasoft/fabasoftfake": 0,
	"internal/testenv/repo": 0, "internal/testenv/minipdf": 0, "internal/testenv/loopback": 0,
	"internal/fsutil": 0,
	// 1: domain — one capability each.
	"internal/intake": 1, "internal/pdf": 1, "internal/ocr": 1, "internal/einvoice": 1,
	"internal/einvoice/validate": 1, "internal/einvoice/visual": 1, "internal/einvoice/kositref": 1,
	"internal/classify": 1, "internal/extract": 1, "internal/extract/tesscli": 1,
	"internal/transfervermerk": 1, "internal/sign": 1, "internal/journal": 1,
	"internal/journal/sqlite": 1, "internal/journal/postgres": 1,
	"internal/office": 1, "internal/dms/archive": 1, "internal/dms/d3": 1, "internal/dms/fabasoft": 1,
	"internal/barcode": 1, "internal/batch": 1,
	// Test support beside the domain packages it serves.
	"internal/testenv": 1, "internal/testenv/pgserver": 1, "internal/testenv/redisserver": 1, "internal/einvoice/einvoicetest": 1, "internal/ocr/ocrtest": 1,
	"internal/journal/journaltest": 1,
	"internal/batch/batchtest":     1,
	// 2: the configuration, which holds the domain packages' settings.
	"internal/config": 2,
	// 3: composition of domain packages under a configuration.
	"internal/pipeline": 3, "internal/dms/targets": 3, "internal/mail": 3, "internal/httpapi": 3, "internal/upload": 3,
	// 4: the queue.
	"workers": 4,
	// 5: programs.
	"cmd/eingang": 5,
}

// forbiddenBelowWorkers are imports only the queue layer and the programs
// may have: domain code stays free of asynq and Redis.
var forbiddenBelowWorkers = []string{"github.com/hibiken/asynq", "github.com/redis/go-redis"}

func TestNoUpwardImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/eingang/eingang/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/eingang/eingang/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], mod)
		if strings.HasPrefix(pkg, "bench/") || pkg == "internal" {
			continue // evaluation programs may use anything; "internal" is this test
		}
		rank, ok := layer[pkg]
		if !ok {
			t.Errorf("package %s has no layer in layers_test.go", pkg)
			continue
		}
		for _, imp := range f[1:] {
			if rank < layer["workers"] {
				for _, bad := range forbiddenBelowWorkers {
					if strings.HasPrefix(imp, bad) {
						t.Errorf("%s imports %s: only workers and cmd may", pkg, imp)
					}
				}
			}
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			dr, ok := layer[dep]
			switch {
			case !ok:
				t.Errorf("package %s (imported by %s) has no layer", dep, pkg)
			case rank == 0:
				t.Errorf("%s is foundation but imports %s", pkg, dep)
			case dr > rank:
				t.Errorf("%s (layer %d) imports %s (layer %d): an upward arrow", pkg, rank, dep, dr)
			}
		}
	}
}

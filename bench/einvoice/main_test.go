package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

// TestRun evaluates the corpus once and checks the figures this package
// is responsible for: field extraction and no-scenario reporting at 100 %.
func TestRun(t *testing.T) {
	dir := testenv.Corpus(t, "einvoice")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-time", "0", "-corpus", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, re := range []string{
		`field extraction: documents with every field exact\s+(\d+)/(\d+)\s+100\.00%`,
		`no-scenario documents: reported as no matching scenario\s+\d+/\d+\s+100\.00%`,
		`scenario documents: valid accepted\s+\d+/\d+`,
		`rule-level cases right`,
	} {
		if !regexp.MustCompile(re).Match(out.Bytes()) {
			t.Errorf("output lacks %q:\n%s", re, out.String())
		}
	}
}

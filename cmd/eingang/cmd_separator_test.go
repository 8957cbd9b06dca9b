package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/eingang/eingang/internal/batch"
)

// TestSeparatorCommand: the sheet written by the command is a valid PDF
// and, printed and scanned (rasterised), is found as a separator with the
// profile and metadata given on the command line.
func TestSeparatorCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trennblatt.pdf")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"separator", "-o", out, "--profile", "stapel", "--meta", "aktenzeichen=12-345/2026", "--meta", "amt=20"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Validate(bytes.NewReader(data), model.NewDefaultConfiguration()); err != nil {
		t.Fatalf("pdfcpu validate: %v", err)
	}
	for _, tool := range []string{"qpdf", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	if b, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, b)
	}
	prefix := filepath.Join(t.TempDir(), "scan")
	if b, err := exec.Command("pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", out, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := batch.NewDetector(nil, false).FindSeparator(context.Background(), img)
	if err != nil || !ok {
		t.Fatalf("separator not found: %v", err)
	}
	if p.Profile != "stapel" || p.Meta["aktenzeichen"] != "12-345/2026" || p.Meta["amt"] != "20" {
		t.Fatalf("payload %+v", p)
	}
}

func TestSeparatorCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"separator"}, {"separator", "-o", "x.pdf", "--meta", "novalue"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "Usage: eingang separator") {
			t.Errorf("%v: no usage: %s", args, stderr.String())
		}
	}
}

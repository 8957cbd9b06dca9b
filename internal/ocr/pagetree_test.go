package ocr

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPageTreeLoopLeftOut: a PDF whose page tree holds, besides a text
// page and a page to be recognised, a node that loops back to the root
// (pdfcpu calls it circular, poppler shows a third page of 0×0 points)
// is processed with its two real pages: the text page keeps its text, the
// other is rendered and recognised from the same rewrite the searchable
// PDF is built on, the loop is reported as left out, and the rewrite
// poppler read is gone afterwards. The same file without a catalog, which
// poppler cannot open either, stays "beschädigt".
func TestPageTreeLoopLeftOut(t *testing.T) {
	fixture := filepath.Join("..", "pdf", "testdata", "pages-tree-loop.pdf")
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(data, []byte("/Root 1 0 R"), []byte("/Root 9 0 R"), 1)
	broken = bytes.Replace(broken, []byte("/Type /Catalog"), []byte("/Type /Catalag"), 1)
	e := newTestEngine(t)
	tests := []struct {
		name  string
		data  []byte
		pages []string // source of each page; nil: refused as corrupt
	}{
		{"loop next to real pages", data, []string{"text", "ocr"}},
		{"loop without a catalog", broken, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
			if err := os.WriteFile(in, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := e.Process(context.Background(), in, out)
			if tt.pages == nil {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(clerkMessage(err), "beschädigt") {
					t.Fatalf("Process: %v (%q), want corrupt", err, clerkMessage(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			var got []string
			for _, p := range res.Pages {
				got = append(got, p.Source)
			}
			if strings.Join(got, " ") != strings.Join(tt.pages, " ") {
				t.Errorf("pages %v, want %v", got, tt.pages)
			}
			if res.LeftOut != 1 || res.LeftOutNote() != "1 page of the page tree is not a page and was left out" {
				t.Errorf("left out %d: %q", res.LeftOut, res.LeftOutNote())
			}
			if text := checkOutput(t, out); !strings.Contains(text, "Seite eins") {
				t.Errorf("searchable PDF text %q, want the text page's line", text)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "eingang-pagetree-*")); len(left) > 0 {
				t.Errorf("rewritten copies left behind: %v", left)
			}
		})
	}
}

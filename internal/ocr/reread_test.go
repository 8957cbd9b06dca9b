package ocr

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

// TestRereadWeakLines feeds a real page reading in which one line — the
// IBAN — is replaced by a doubtful junk word, as Tesseract's page mode
// sometimes returns it: the re-read must restore the printed IBAN and
// leave every other line alone.
func TestRereadWeakLines(t *testing.T) {
	tr := loadTruth(t, "scan-0021")
	iban := strings.ReplaceAll(tr.Fields["payee_iban"], " ", "")
	if iban == "" {
		t.Fatal("truth has no payee_iban")
	}
	doc, err := pdf.Open(context.Background(), filepath.Join(testenv.Corpus(t, "scans"), tr.File), pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t)
	cl, err := e.newClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	for pi, p := range doc.Pages {
		g, err := p.Image.Gray(pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		o := DetectOrientation(g, 300)
		m, w, h := toSource(g.Bounds().Dx(), g.Bounds().Dy(), o.Rotate, o.Skew)
		img := warp(g, m, w, h)
		words, _, err := recognize(cl, nil, img, 300)
		if err != nil {
			t.Fatal(err)
		}
		// Find the IBAN caption's line and spoil the rest of it.
		var key lineKey
		found := false
		for _, w := range words {
			if w.Text == "IBAN" || strings.HasSuffix(w.Text, "-IBAN") {
				key, found = lineKey{w.Block, w.Par, w.Line}, true
				break
			}
		}
		if !found {
			continue
		}
		var spoiled []layout.Word
		var others []layout.Word
		for _, w := range words {
			k := lineKey{w.Block, w.Par, w.Line}
			switch {
			case k != key:
				spoiled = append(spoiled, w)
				others = append(others, w)
			case strings.Contains(w.Text, "IBAN"):
				spoiled = append(spoiled, w)
				w.Text, w.Confidence, w.X0 = "DE1221234256718790127325675718", 0, w.X1+40
				w.X1 = w.X0 + 900
				spoiled = append(spoiled, w)
			}
		}
		// Lines Tesseract was sure of must come back untouched.
		doubtful := map[lineKey]bool{key: true}
		for _, w := range spoiled {
			if w.Confidence < rereadBelow {
				doubtful[lineKey{w.Block, w.Par, w.Line}] = true
			}
		}
		others = slices.DeleteFunc(others, func(w layout.Word) bool { return doubtful[lineKey{w.Block, w.Par, w.Line}] })
		got := rereadWeakLines(cl, img, spoiled, 300, e.cfg.PSM)
		var line []string
		var rest []layout.Word
		for _, w := range got {
			k := lineKey{w.Block, w.Par, w.Line}
			switch {
			case k == key:
				line = append(line, w.Text)
			case !doubtful[k]:
				rest = append(rest, w)
			}
		}
		if s := strings.Join(line, ""); !strings.Contains(s, iban) {
			t.Errorf("page %d: IBAN line re-read as %q, want it to contain %s", pi+1, strings.Join(line, " "), iban)
		}
		if len(rest) != len(others) {
			t.Fatalf("page %d: %d words outside the line, want %d unchanged", pi+1, len(rest), len(others))
		}
		for i := range rest {
			if rest[i] != others[i] {
				t.Errorf("page %d: word %d changed: %+v -> %+v", pi+1, i, others[i], rest[i])
			}
		}
		return
	}
	t.Fatal("no IBAN caption found on any page")
}

// Package ocrtest holds what the OCR tests and the bench programs share to
// score recognised text against the scan corpus: the truth files and the
// character error rate. It imports neither testing nor internal/ocr.
package ocrtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Truth is the part of a scan-truth/1 file (truth/<name>.json of the scan
// corpus) that tests and bench programs read.
type Truth struct {
	// Name is the scan's name, e.g. "scan-0003".
	Name string `json:"name"`
	// File is the scan file relative to the corpus directory.
	File string `json:"file"`
	// Label is the document class ("invoice", ...).
	Label string `json:"label"`
	// Lang is the document language ("de", ...).
	Lang string `json:"lang"`
	// Fields are the invoice fields taken from the embedded XML.
	Fields map[string]string `json:"fields"`
	// FieldsPrinted tells which Fields appear in the printed text.
	FieldsPrinted map[string]bool `json:"fields_printed"`
	// Pages describe the scanned pages in order.
	Pages []TruthPage `json:"pages"`
	// Source is the born-digital file the scan was printed from.
	Source struct {
		SHA256 string `json:"sha256"`
	} `json:"source"`
}

// TruthPage is one page of a Truth.
type TruthPage struct {
	// Rotation is how the page was turned when it was scanned.
	Rotation struct {
		SkewDeg    float64 `json:"skew_deg"`
		UpsideDown bool    `json:"upside_down"`
	} `json:"rotation"`
	// ReferenceTextRaw is the born-digital text of the page.
	ReferenceTextRaw string `json:"reference_text_raw"`
}

// LoadTruths decodes every dir/truth/*.json of a scan corpus directory
// into a T, in file name order; it fails when there is none.
func LoadTruths[T any](dir string) ([]T, error) {
	files, err := filepath.Glob(filepath.Join(dir, "truth", "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no truth files in %s", dir)
	}
	sort.Strings(files)
	var out []T
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t T
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// normalize collapses whitespace so layout differences do not count.
func normalize(s string) []rune {
	return []rune(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

// EditDistance returns the Levenshtein distance between got and want after
// collapsing whitespace, and the length of the collapsed want in runes.
func EditDistance(got, want string) (dist, n int) {
	a, b := normalize(got), normalize(want)
	prev := make([]int, len(a)+1)
	cur := make([]int, len(a)+1)
	for i := range prev {
		prev[i] = i
	}
	for j := 1; j <= len(b); j++ {
		cur[0] = j
		for i := 1; i <= len(a); i++ {
			c := prev[i-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[i] = min(c, prev[i]+1, cur[i-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(a)], len(b)
}

// CER is the character error rate of got against want: EditDistance over
// the reference length, 0 for an empty reference.
func CER(got, want string) float64 {
	d, n := EditDistance(got, want)
	if n == 0 {
		return 0
	}
	return float64(d) / float64(n)
}

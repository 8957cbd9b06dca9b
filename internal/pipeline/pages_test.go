package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/layout"
)

// pages.json is written from layout.PageInfo with snake_case keys, like every
// other JSON of eingang, and the seal step reads it back; files written
// before the keys were snake_case are still read.
func TestPagesJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, outPages)
	info := []layout.PageInfo{{Number: 1, Source: "ocr", RotationDeg: 180, SkewDeg: 0.7, MeanConfidence: 91.5, Width: 2480, Height: 3508, DPI: 300,
		ImageSHA256: "ab12", OrientationScore: 0.4, SecondPass: true}}
	if err := writeJSON(path, info); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	want := []string{"number", "source", "rotation_deg", "skew_deg", "mean_confidence", "width", "height", "dpi", "image_sha256", "orientation_score", "second_pass"}
	for _, k := range want {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("pages.json lacks %q: %s", k, b)
		}
	}
	for k := range raw[0] {
		if !snake.MatchString(k) {
			t.Errorf("pages.json key %q is not snake_case", k)
		}
	}
	old := filepath.Join(dir, "old.json")
	os.WriteFile(old, []byte(`[{"Number":1,"Source":"ocr","RotationDeg":180,"SkewDeg":0.7,"MeanConfidence":91.5,"Width":2480,"Height":3508,"DPI":300}]`), 0o644)
	oldWant := layout.PageInfo{Number: 1, Source: "ocr", RotationDeg: 180, SkewDeg: 0.7, MeanConfidence: 91.5, Width: 2480, Height: 3508, DPI: 300}
	for _, c := range []struct {
		p string
		w layout.PageInfo
	}{{path, info[0]}, {old, oldWant}} {
		p, w := c.p, c.w
		got, err := readPages(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != w {
			t.Errorf("%s read back as %+v, want %+v", filepath.Base(p), got, w)
		}
	}
}

// The text sidecar follows pdftotext: every page's text ends with a line
// break and a form feed, so page n is the n-th form-feed-separated part.
func TestSidecarTextSeparatesPages(t *testing.T) {
	word := func(s string, line int) layout.Word { return layout.Word{Text: s, Line: line} }
	tests := []struct {
		name  string
		pages []layout.Page
		want  string
	}{
		{"none", nil, ""},
		{"one page", []layout.Page{{Words: []layout.Word{word("Rechnung", 0), word("Nr.", 0), word("4711", 1)}}}, "Rechnung Nr.\n4711\n\f"},
		{"three pages, the middle one blank", []layout.Page{
			{Words: []layout.Word{word("Seite", 0), word("eins", 0)}},
			{},
			{Words: []layout.Word{word("Seite", 0), word("drei", 0)}},
		}, "Seite eins\n\f\fSeite drei\n\f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sidecarText(layout.Document{Pages: tt.pages})
			if got != tt.want {
				t.Errorf("sidecarText = %q, want %q", got, tt.want)
			}
			if n := strings.Count(got, "\f"); n != len(tt.pages) {
				t.Errorf("%d form feeds for %d pages", n, len(tt.pages))
			}
		})
	}
}

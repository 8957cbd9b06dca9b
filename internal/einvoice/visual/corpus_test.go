package visual_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/visual"
)

// TestRenderCorpus renders every whole XML document of the corpus: no
// error, and every rendering passes pdfcpu validation (relaxed, and strict
// apart from /AFRelationship; see pdfcpuValidate).
func TestRenderCorpus(t *testing.T) {
	dir := os.Getenv("EINVOICE_CORPUS")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "corpus", "einvoice")
				break
			}
			if filepath.Dir(d) == d {
				t.Fatal("go.mod not found")
			}
		}
	}
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		if _, serr := os.Stat("/work/shared"); serr != nil {
			t.Skip("corpus not available")
		}
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		var c struct {
			File    string   `json:"file"`
			Kind    string   `json:"kind"`
			Scope   []string `json:"scope"`
			Partial bool     `json:"partial"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Scope) > 0 || c.Partial || !strings.HasSuffix(c.File, ".xml") {
			continue
		}
		doc, err := einvoice.ParseFile(context.Background(), filepath.Join(dir, c.File))
		if err != nil {
			continue // not an invoice syntax (FatturaPA, …)
		}
		pdf, err := visual.Render(context.Background(), doc, visual.Options{})
		if err != nil || len(pdf) < 1000 {
			t.Errorf("%s: %v (%d bytes)", c.File, err, len(pdf))
			continue
		}
		t.Run(c.File, func(t *testing.T) { pdfcpuValidate(t, pdf) })
		n++
	}
	if n < 100 {
		t.Errorf("only %d documents rendered", n)
	}
}

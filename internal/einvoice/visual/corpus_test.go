package visual_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/visual"
)

// TestRenderCorpus renders every whole XML document of the corpus: no
// error, and every rendering passes pdfcpu validation (relaxed, and strict
// apart from /AFRelationship; see pdfcpuValidate).
func TestRenderCorpus(t *testing.T) {
	dir, err := einvoicetest.CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := einvoicetest.LoadManifest(dir)
	if err != nil {
		if _, serr := os.Stat("/work/shared"); serr != nil {
			t.Skip("corpus not available")
		}
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
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

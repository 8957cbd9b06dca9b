package pdfraw

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

func TestOpenCorpusAndUpdate(t *testing.T) {
	dir := testenv.Corpus(t, "scans")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no corpus PDFs")
	}
	objstm := filepath.Join(t.TempDir(), "objstm.pdf")
	if b, err := exec.Command("qpdf", "--object-streams=generate", files[0], objstm).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	for _, path := range append(files[:2], objstm) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			pages, err := f.Pages()
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) == 0 {
				t.Fatal("no pages")
			}
			u := f.NewUpdate()
			p := pages[0]
			d := p.Dict.Clone()
			d["Rotate"] = int64(90)
			u.Put(p.Ref, d)
			out := append(append([]byte{}, data...), u.Bytes()...)
			tmp := filepath.Join(t.TempDir(), "out.pdf")
			if err := os.WriteFile(tmp, out, 0o600); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command("qpdf", "--check", tmp).CombinedOutput(); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, b)
			}
			g, err := Open(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatal(err)
			}
			pages2, err := g.Pages()
			if err != nil {
				t.Fatal(err)
			}
			if r, _ := pages2[0].Dict.Int("Rotate"); r != 90 || len(pages2) != len(pages) {
				t.Fatalf("update not visible: rotate=%d pages=%d", r, len(pages2))
			}
		})
	}
}

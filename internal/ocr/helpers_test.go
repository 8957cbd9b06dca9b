package ocr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/testenv"
)

// truth is a scan-truth/1 file of the corpus.
type truth = ocrtest.Truth

func loadTruth(t testing.TB, name string) truth {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Corpus(t, "scans"), "truth", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// pdfimagesHashes extracts the page images with poppler's pdfimages -j
// (DCT streams are written as they are stored) and hashes them.
func pdfimagesHashes(t *testing.T, pdf string) []string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("pdfimages", "-j", pdf, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "img-*"))
	var hs []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		h := sha256.Sum256(b)
		hs = append(hs, hex.EncodeToString(h[:]))
	}
	return hs
}

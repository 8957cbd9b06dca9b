package pdf

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/eingang/eingang/internal/testenv"
)

// probeWord is what the synthetic text layers say; no corpus file contains it.
const probeWord = "Eingangsprobe"

// probeLayers gives every page that the OCR step would recognise (no
// extractable text of its own) a text layer with probeWord, turned by 180°
// on every second such page so that the rotation path is verified too.
func probeLayers(t testing.TB, doc *Document, texts []int) []*TextLayer {
	t.Helper()
	layers := make([]*TextLayer, len(doc.Pages))
	n := 0
	for i, p := range doc.Pages {
		if p.ShowsText && i < len(texts) && texts[i] > 0 {
			continue
		}
		l := &TextLayer{ToSource: Identity}
		if p.Image != nil {
			l.SourceWidth, l.SourceHeight = p.Image.Width, p.Image.Height
		} else {
			l.RasterDPI = 100
			l.SourceWidth = int((p.MediaBox[2] - p.MediaBox[0]) * 100 / 72)
			l.SourceHeight = int((p.MediaBox[3] - p.MediaBox[1]) * 100 / 72)
		}
		w, h := float64(l.SourceWidth), float64(l.SourceHeight)
		l.Words = []Word{{Text: probeWord, X0: w * 0.1, Y0: h * 0.1, X1: w * 0.4, Y1: h * 0.13, Line: 1}}
		if n%2 == 1 {
			l.Rotate = 180
		}
		layers[i] = l
		n++
	}
	return layers
}

// corpusPDFs lists every PDF under the shared corpus, peers included.
func corpusPDFs(t *testing.T) []string {
	t.Helper()
	root := filepath.Dir(testenv.Corpus(t, "scans"))
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".pdf") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("only %d PDFs under %s", len(files), root)
	}
	return files
}

// TestSearchableCorpus lays a text layer over every page without text of
// every PDF in the corpus (the peers' samples included) and checks the
// result with VerifyOutput and, independently, with qpdf and pdftotext.
// Files the reader refuses (encrypted, broken beyond repair) never reach
// the writer; they are counted, and at most a tenth may be among them
// (today: two that need a password, two broken beyond what qpdf
// repairs). An
// encrypted file that opens without a password (the signed sample) is
// never updated: WriteSearchable must refuse it.
func TestSearchableCorpus(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext", "qpdf"} {
		needTool(t, tool)
	}
	files := corpusPDFs(t)
	ctx := context.Background()
	var written, refused int
	for _, path := range files {
		name, _ := filepath.Rel(filepath.Dir(testenv.Corpus(t, "scans")), path)
		doc, err := Open(ctx, path, testLimits)
		if err != nil {
			if !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrImageTooLarge) {
				t.Errorf("%s: open: %v", name, err)
			}
			t.Logf("%s: refused: %v", name, err)
			refused++
			continue
		}
		texts, err := pageTexts(ctx, path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		layers := probeLayers(t, doc, texts)
		if doc.Protected() {
			if err := doc.WriteSearchable(filepath.Join(t.TempDir(), "out.pdf"), layers, Meta{}); !errors.Is(err, ErrProtected) {
				t.Errorf("%s: encrypted file written as searchable: %v", name, err)
			}
			t.Logf("%s: protected, kept as it is", name)
			continue
		}
		out := filepath.Join(t.TempDir(), "out.pdf")
		if err := doc.WriteSearchable(out, layers, Meta{Title: "Prüfung"}); err != nil {
			t.Errorf("%s: write: %v", name, err)
			continue
		}
		if err := doc.VerifyOutput(ctx, out, layers); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		orig, _ := os.ReadFile(path)
		got, _ := os.ReadFile(out)
		// Only an input the raw reader cannot open is rewritten.
		if _, err := pdfraw.Open(bytes.NewReader(orig), int64(len(orig))); err == nil && !bytes.HasPrefix(got, orig) {
			t.Errorf("%s: the output does not start with the input's bytes", name)
		}
		if res, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
			// Exit status 3 is warnings only; the input may have them too.
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
				t.Errorf("%s: qpdf --check: %v\n%s", name, err, res)
			}
		}
		want := 0
		for _, l := range layers {
			if l != nil {
				want++
			}
		}
		txt, err := exec.Command("pdftotext", "-q", out, "-").Output()
		if err != nil {
			t.Errorf("%s: pdftotext: %v", name, err)
		} else if n := strings.Count(string(txt), probeWord); n != want {
			t.Errorf("%s: text layer found on %d pages, want %d", name, n, want)
		}
		written++
	}
	t.Logf("%d PDFs: %d written and verified, %d refused by the reader", len(files), written, refused)
	if refused > len(files)/10 {
		t.Errorf("%d of %d PDFs refused", refused, len(files))
	}
}

// goodOutput writes doc's searchable PDF with probe layers, checks that
// VerifyOutput accepts it, and returns the layers, the output's bytes
// and its parsed file and pages, for a test to damage.
func goodOutput(t *testing.T, doc *Document) ([]*TextLayer, []byte, *pdfraw.File, []pdfraw.Page) {
	t.Helper()
	layers := probeLayers(t, doc, nil)
	good := filepath.Join(t.TempDir(), "good.pdf")
	if err := doc.WriteSearchable(good, layers, Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := doc.VerifyOutput(context.Background(), good, layers); err != nil {
		t.Fatalf("undamaged output refused: %v", err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pdfraw.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := f.Pages()
	if err != nil {
		t.Fatal(err)
	}
	return layers, data, f, pages
}

// TestVerifyOutputCatchesDamage damages a correct searchable PDF the ways
// a rewrite does — a dropped image, a blanked page, a replaced
// image — and expects VerifyOutput to refuse each.
func TestVerifyOutputCatchesDamage(t *testing.T) {
	needTool(t, "pdftoppm")
	needTool(t, "pdftotext")
	ctx := context.Background()
	path := filepath.Join(testenv.Corpus(t, "scans"), "scan-0002.pdf")
	doc, err := Open(ctx, path, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	layers, data, f, pages := goodOutput(t, doc)
	page := pages[0]
	xobjs, err := f.ResolveDict(page.Resources["XObject"])
	if err != nil || len(xobjs) == 0 {
		t.Fatalf("page has no image: %v", err)
	}
	var image pdfraw.Ref
	for _, v := range xobjs {
		image = v.(pdfraw.Ref)
	}

	tests := []struct {
		name   string
		damage func(u *pdfraw.Update)
	}{
		{"image object missing", func(u *pdfraw.Update) {
			// What a rewrite that forgets an object leaves: the reference
			// stays, the object is gone (it reads as null).
			pd := page.Dict.Clone()
			res := page.Resources.Clone()
			res["XObject"] = pdfraw.Dict{"Im0": pdfraw.Ref{Num: f.MaxObjectNumber() + 50}}
			pd["Resources"] = res
			u.Put(page.Ref, pd)
		}},
		{"page blanked", func(u *pdfraw.Update) {
			pd := page.Dict.Clone()
			pd["Contents"] = pdfraw.Array{}
			u.Put(page.Ref, pd)
		}},
		{"image replaced", func(u *pdfraw.Update) {
			u.PutStream(image, pdfraw.Dict{"Type": pdfraw.Name("XObject"), "Subtype": pdfraw.Name("Image"),
				"Width": int64(1), "Height": int64(1), "ColorSpace": pdfraw.Name("DeviceGray"), "BitsPerComponent": int64(8)}, []byte{0x80})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := f.NewUpdate()
			tt.damage(u)
			bad := filepath.Join(t.TempDir(), "bad.pdf")
			if err := os.WriteFile(bad, append(append([]byte{}, data...), u.Bytes()...), 0o600); err != nil {
				t.Fatal(err)
			}
			err := doc.VerifyOutput(ctx, bad, layers)
			if !errors.Is(err, ErrOutputDamaged) {
				t.Fatalf("VerifyOutput = %v, want ErrOutputDamaged", err)
			}
			t.Log(err)
		})
	}
}

// TestRewriteDamageIsCaught shows that VerifyOutput refuses what the
// former whole-file rewrite produced for a born-digital peer sample whose
// pages it blanked, so the check would have stopped that delivery.
func TestRewriteDamageIsCaught(t *testing.T) {
	needTool(t, "pdftoppm")
	needTool(t, "pdftotext")
	ctx := context.Background()
	path := filepath.Join(filepath.Dir(testenv.Corpus(t, "scans")), "peers", "paperless-ngx", "src", "documents", "tests", "samples", "double-sided-odd.pdf")
	doc, err := Open(ctx, path, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	layers := make([]*TextLayer, len(doc.Pages))
	rewritten, err := doc.normalised()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "rewritten.pdf")
	if err := os.WriteFile(out, rewritten, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := api.ValidateFile(out, pdfcpuConf(0)); err != nil {
		t.Logf("pdfcpu validate of the rewrite: %v", err)
	}
	if err := doc.VerifyOutput(ctx, out, layers); !errors.Is(err, ErrOutputDamaged) {
		t.Fatalf("VerifyOutput of the rewrite = %v, want ErrOutputDamaged", err)
	} else {
		t.Log(err)
	}
}

// TestVerifyOutputNamesDamagedPage blanks the last page of a three-page
// scan: the pages are rendered several at a time, and the verdict must
// still come from comparing each page with its own input page.
func TestVerifyOutputNamesDamagedPage(t *testing.T) {
	needTool(t, "pdftoppm")
	needTool(t, "pdftotext")
	ctx := context.Background()
	doc, err := Open(ctx, filepath.Join(testenv.Corpus(t, "scans"), "scan-0001.pdf"), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pages) != 3 {
		t.Fatalf("scan-0001 has %d pages, want 3", len(doc.Pages))
	}
	layers, data, f, pages := goodOutput(t, doc)
	// Page 3 shows page 2's content: each page still renders, only the
	// pairing of input and output pages can tell.
	u := f.NewUpdate()
	pd := pages[2].Dict.Clone()
	pd["Contents"] = pages[1].Dict["Contents"]
	pd["Resources"] = pages[1].Resources
	u.Put(pages[2].Ref, pd)
	bad := filepath.Join(t.TempDir(), "bad.pdf")
	if err := os.WriteFile(bad, append(append([]byte{}, data...), u.Bytes()...), 0o600); err != nil {
		t.Fatal(err)
	}
	err = doc.VerifyOutput(ctx, bad, layers)
	if !errors.Is(err, ErrOutputDamaged) || !strings.Contains(err.Error(), "page 3 ") {
		t.Fatalf("VerifyOutput = %v, want ErrOutputDamaged for page 3", err)
	}
}

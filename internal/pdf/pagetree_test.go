package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// handPDF writes objs as objects 1…n of a classic PDF with a correct
// cross-reference table; object 1 is the catalog.
func handPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

func streamObj(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// Objects shared by the page trees below: a page with a line of text
// (its content in object 5) and a page with a black box only, which must
// be rendered to be recognised (its content in object 7).
var (
	textPage  = "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents 5 0 R >>"
	textBody  = streamObj("BT /F1 24 Tf 72 700 Td (Seite eins) Tj ET")
	boxPage   = "<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 7 0 R >>"
	boxBody   = streamObj("0 0 0 rg 72 600 300 100 re f")
	a4Catalog = "<< /Type /Catalog /Pages 2 0 R >>"
)

// TestPageTreeNonPagesLeftOut: page tree kids that are no pages (ISO
// 32000-1 §7.7.3: a node is /Type /Pages with /Kids and one /Parent, a
// leaf is /Type /Page) are left out instead of the file being refused as
// corrupt: a node that loops back to the root or to itself, a leaf whose
// page has no area. The document keeps its real pages, in order, with
// what they inherited; poppler renders and extracts them from the same
// rewrite the searchable PDF is built on, and the result passes
// qpdf --check and VerifyOutput.
func TestPageTreeNonPagesLeftOut(t *testing.T) {
	needTool(t, "qpdf")
	needTool(t, "pdftoppm")
	fixture, err := os.ReadFile(filepath.Join("testdata", "pages-tree-loop.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		// pages: "text" or "box" per real page, in order
		pages   []string
		leftOut int
		box     [4]float64 // of the first page
	}{
		// Root /Kids [node page page], node /Kids [root]; /Count 3 as
		// poppler counts it, which shows a 0×0 page for the loop.
		{"kid loops back to the root", fixture, []string{"text", "box"}, 1, [4]float64{0, 0, 595, 842}},
		{"node is its own kid", handPDF(a4Catalog,
			"<< /Type /Pages /Kids [4 0 R 3 0 R 6 0 R] /Count 3 /MediaBox [0 0 595 842] >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			textPage, textBody, boxPage, boxBody),
			[]string{"text", "box"}, 1, [4]float64{0, 0, 595, 842}},
		{"page without area", handPDF(a4Catalog,
			"<< /Type /Pages /Kids [4 0 R 3 0 R] /Count 2 /MediaBox [0 0 595 842] >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0 0] /Contents 7 0 R >>",
			textPage, textBody, "null", boxBody),
			[]string{"text"}, 1, [4]float64{0, 0, 595, 842}},
		// The real page sits under a node with its own size and fonts
		// next to the loop: when the node goes, the page keeps them.
		{"page inherits from a node that goes", handPDF(a4Catalog,
			"<< /Type /Pages /Kids [3 0 R] /Count 2 /MediaBox [0 0 595 842] >>",
			"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 6 0 R] /Count 2 /MediaBox [0 0 612 792] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
			"<< /Type /Page /Parent 3 0 R /Contents 5 0 R >>",
			textBody,
			"<< /Type /Pages /Parent 3 0 R /Kids [2 0 R] /Count 1 >>"),
			[]string{"text"}, 1, [4]float64{0, 0, 612, 792}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.pdf")
			if err := os.WriteFile(in, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := Open(context.Background(), in, testLimits)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer doc.Close()
			if len(doc.Pages) != len(tt.pages) || doc.LeftOut() != tt.leftOut {
				t.Fatalf("%d pages, %d left out; want %d and %d", len(doc.Pages), doc.LeftOut(), len(tt.pages), tt.leftOut)
			}
			if doc.Path == in {
				t.Errorf("poppler still reads the original, whose page numbers are not the document's")
			}
			if got := doc.Pages[0].MediaBox; got != tt.box {
				t.Errorf("page 1 box %v, want %v", got, tt.box)
			}
			words, err := doc.TextWords(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for i, kind := range tt.pages {
				p := doc.Pages[i]
				if p.Number != i+1 || p.ShowsText != (kind == "text") {
					t.Errorf("page %d: number %d, shows text %v; want a %s page", i+1, p.Number, p.ShowsText, kind)
				}
				if i >= len(words) || (kind == "text") != (len(words[i].Words) > 0) {
					t.Errorf("page %d: poppler's words do not belong to a %s page: %+v", i+1, kind, words)
				}
				g, err := doc.Rasterize(context.Background(), p.Number, 72, testLimits)
				if err != nil {
					t.Fatalf("page %d does not render: %v", p.Number, err)
				}
				w, h := p.MediaBox[2]-p.MediaBox[0], p.MediaBox[3]-p.MediaBox[1]
				if b := g.Bounds(); b.Dx() != int(w) || b.Dy() != int(h) {
					t.Errorf("page %d rendered %v, want %v×%v", p.Number, b, w, h)
				}
			}
			out := filepath.Join(dir, "out.pdf")
			layers := make([]*TextLayer, len(doc.Pages))
			if err := doc.WriteSearchable(out, layers, Meta{}); err != nil {
				t.Fatalf("WriteSearchable: %v", err)
			}
			if err := doc.VerifyOutput(context.Background(), out, layers); err != nil {
				t.Errorf("VerifyOutput: %v", err)
			}
			if b, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
				t.Errorf("qpdf --check: %v\n%s", err, b)
			}
			if got := pdftotext(t, out); !strings.Contains(got, "Seite eins") {
				t.Errorf("text of the output %q, want the page's line", got)
			}
			tmp := doc.Path
			if err := doc.Close(); err != nil {
				t.Error(err)
			}
			if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Close left the rewritten copy %s: %v", tmp, err)
			}
		})
	}
}

// TestPageTreeRefused: a sound page tree is not rewritten, a tree with no
// page in it has no pages, and a loop in a file that poppler cannot open
// either (its trailer names no catalog) stays corrupt.
func TestPageTreeRefused(t *testing.T) {
	needTool(t, "pdftoppm")
	sound := handPDF(a4Catalog,
		"<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
		"null", textPage, textBody)
	onlyLoop := handPDF(a4Catalog,
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>")
	fixture, err := os.ReadFile(filepath.Join("testdata", "pages-tree-loop.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	noCatalog := bytes.Replace(fixture, []byte("/Root 1 0 R"), []byte("/Root 9 0 R"), 1)
	noCatalog = bytes.Replace(noCatalog, []byte("/Type /Catalog"), []byte("/Type /Catalag"), 1)
	tests := []struct {
		name    string
		data    []byte
		pages   int
		want    error
		poppler bool // whether poppler opens it
	}{
		{"sound tree", sound, 1, nil, true},
		// poppler "opens" it as one empty page of 0×0 points.
		{"loop without a page", onlyLoop, 0, ErrNoPages, true},
		{"loop without a catalog", noCatalog, 0, ErrCorrupt, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.pdf")
			if err := os.WriteFile(in, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := exec.Command("pdftoppm", "-r", "10", "-f", "1", "-l", "1", in, filepath.Join(dir, "page")).Run(); (err == nil) != tt.poppler {
				t.Fatalf("pdftoppm: %v, want poppler to open it: %v", err, tt.poppler)
			}
			doc, err := Open(context.Background(), in, testLimits)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Open: %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer doc.Close()
			if len(doc.Pages) != tt.pages || doc.LeftOut() != 0 || doc.Path != in || !bytes.Equal(doc.src, tt.data) {
				t.Errorf("%d pages, %d left out, poppler reads %s: the sound tree was rewritten", len(doc.Pages), doc.LeftOut(), doc.Path)
			}
		})
	}
}

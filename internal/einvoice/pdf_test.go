package einvoice_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/testenv/minipdf"
)

var update = flag.Bool("update", false, "rewrite the files under testdata/")

type pdfFixture struct {
	file string
	atts []testAttachment
	kids bool
	// expectations
	wantErr      error
	wantEmbedded string
	wantRel      string
	wantID       string
	wantAtts     int
	wantExe      int
	wantFormat   einvoice.Format
}

func pdfFixtures(t *testing.T) []pdfFixture {
	t.Helper()
	cii := einvoicetest.CII(einvoicetest.Options{Lines: 3, ID: "FX-CII-1"})
	ubl := einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "XR-UBL-1"})
	zf1, err := os.ReadFile(filepath.Join("testdata", "zugferd1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	var dozen []testAttachment
	for i := 0; i < 12; i++ {
		switch i {
		case 7:
			dozen = append(dozen, testAttachment{name: "factur-x.xml", data: cii, rel: "Alternative", mime: "text/xml", flate: true})
		case 3:
			dozen = append(dozen, testAttachment{name: "lieferschein.xml", data: []byte("<Lieferschein/>"), rel: "Supplement", mime: "text/xml"})
		default:
			dozen = append(dozen, testAttachment{name: fmt.Sprintf("anlage-%02d.png", i), data: png, rel: "Supplement", mime: "image/png", flate: i%2 == 0})
		}
	}
	return []pdfFixture{
		{file: "facturx-data.pdf", atts: []testAttachment{{name: "factur-x.xml", data: cii, rel: "Data", mime: "text/xml", flate: true}},
			wantEmbedded: "factur-x.xml", wantRel: "Data", wantID: "FX-CII-1", wantAtts: 1, wantFormat: einvoice.FacturXPDF},
		{file: "xrechnung-source-octal.pdf", atts: []testAttachment{{name: `xrechnung\056xml`, data: ubl, rel: "Source", mime: "text/xml"}},
			wantEmbedded: "xrechnung.xml", wantRel: "Source", wantID: "XR-UBL-1", wantAtts: 1, wantFormat: einvoice.FacturXPDF},
		{file: "zugferd1.pdf", atts: []testAttachment{{name: "ZUGFeRD-invoice.xml", data: zf1, rel: "Alternative", mime: "text/xml", flate: true}},
			wantEmbedded: "ZUGFeRD-invoice.xml", wantRel: "Alternative", wantID: "ZF1-2014-17", wantAtts: 1, wantFormat: einvoice.FacturXPDF},
		{file: "dozen-attachments.pdf", atts: dozen, kids: true,
			wantEmbedded: "factur-x.xml", wantRel: "Alternative", wantID: "FX-CII-1", wantAtts: 12, wantFormat: einvoice.FacturXPDF},
		{file: "af-only.pdf", atts: []testAttachment{{name: "factur-x.xml", data: cii, rel: "Data", mime: "text/xml", afOnly: true}},
			wantEmbedded: "factur-x.xml", wantRel: "Data", wantID: "FX-CII-1", wantAtts: 1, wantFormat: einvoice.FacturXPDF},
		{file: "other-xml-name.pdf", atts: []testAttachment{
			{name: "readme.txt", data: []byte("hallo"), rel: "Unspecified", mime: "text/plain"},
			{name: "rechnung_4711.xml", data: ubl, mime: "application/xml"}},
			wantEmbedded: "rechnung_4711.xml", wantID: "XR-UBL-1", wantAtts: 2, wantFormat: einvoice.FacturXPDF},
		{file: "exe-beside-invoice.pdf", atts: []testAttachment{
			{name: "rechnung.exe", data: exe, rel: "Supplement", mime: "application/octet-stream"},
			{name: "factur-x.xml", data: cii, rel: "Data", mime: "text/xml"}},
			wantEmbedded: "factur-x.xml", wantRel: "Data", wantID: "FX-CII-1", wantAtts: 2, wantExe: 1, wantFormat: einvoice.FacturXPDF},
		{file: "exe-as-invoice.pdf", atts: []testAttachment{{name: "factur-x.xml", data: exe, rel: "Data", mime: "text/xml"}},
			wantErr: einvoice.ErrNoInvoiceInPDF, wantFormat: einvoice.PlainPDF},
		{file: "no-attachment.pdf", wantErr: einvoice.ErrNoInvoiceInPDF, wantFormat: einvoice.PlainPDF},
		{file: "two-invoices.pdf", atts: []testAttachment{
			{name: "ZUGFeRD-invoice.xml", data: zf1, rel: "Alternative", mime: "text/xml"},
			{name: "factur-x.xml", data: cii, rel: "Alternative", mime: "text/xml"}},
			wantEmbedded: "factur-x.xml", wantRel: "Alternative", wantID: "FX-CII-1", wantAtts: 2, wantFormat: einvoice.FacturXPDF},
	}
}

// TestPDFFixtures builds the hybrid PDFs under testdata/pdf (with -update),
// has qpdf and poppler's pdfdetach check them independently, and extracts
// the invoice from each.
func TestPDFFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "pdf")
	for _, fx := range pdfFixtures(t) {
		t.Run(fx.file, func(t *testing.T) {
			path := filepath.Join(dir, fx.file)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buildPDF(fx.atts, fx.kids), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(data, buildPDF(fx.atts, fx.kids)) {
				t.Errorf("fixture is stale; run go test -run TestPDFFixtures -update")
			}
			checkWithQPDF(t, path)
			checkAttachmentCount(t, path, len(fx.atts))

			if got := einvoice.Detect(data); got != fx.wantFormat {
				t.Errorf("Detect = %v, want %v", got, fx.wantFormat)
			}
			doc, err := einvoice.Parse(context.Background(), data)
			if fx.wantErr != nil {
				if !errors.Is(err, fx.wantErr) {
					t.Fatalf("err = %v, want %v", err, fx.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.EmbeddedName != fx.wantEmbedded || doc.AFRelationship != fx.wantRel || !doc.FromPDF {
				t.Errorf("embedded %q rel %q fromPDF %v, want %q %q", doc.EmbeddedName, doc.AFRelationship, doc.FromPDF, fx.wantEmbedded, fx.wantRel)
			}
			if id := doc.Invoice.ID.Value; id != fx.wantID {
				t.Errorf("BT-1 = %q, want %q", id, fx.wantID)
			}
			if len(doc.PDFAttachments) != fx.wantAtts {
				t.Errorf("%d attachments listed, want %d", len(doc.PDFAttachments), fx.wantAtts)
			}
			exe := 0
			for _, a := range doc.PDFAttachments {
				if a.Executable {
					exe++
				}
			}
			if exe != fx.wantExe {
				t.Errorf("%d executables flagged, want %d", exe, fx.wantExe)
			}
			if exe > 0 && !strings.Contains(strings.Join(doc.Warnings, "\n"), "executable") {
				t.Errorf("no warning about the executable: %v", doc.Warnings)
			}
		})
	}
}

func checkWithQPDF(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Log("qpdf not installed; structural check skipped")
		return
	}
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check %s: %v\n%s", path, err, out)
	}
}

// checkAttachmentCount asks poppler how many embedded files it sees (only
// those in the name tree; /AF-only files are invisible to it).
func checkAttachmentCount(t *testing.T, path string, max int) {
	t.Helper()
	if _, err := exec.LookPath("pdfdetach"); err != nil {
		return
	}
	out, err := exec.Command("pdfdetach", "-list", path).CombinedOutput()
	if err != nil {
		t.Errorf("pdfdetach -list: %v\n%s", err, out)
		return
	}
	var n int
	fmt.Sscanf(string(out), "%d embedded files", &n)
	if n > max {
		t.Errorf("pdfdetach sees %d files, built %d", n, max)
	}
}

// TestPDFDecompressionBomb: an attachment that inflates beyond the limit is
// not decoded; the PDF then has no usable invoice.
func TestPDFDecompressionBomb(t *testing.T) {
	bomb := bytes.Repeat([]byte("<a>"), 7<<20) // 21 MB, compresses to ~20 KB
	pdf := buildPDF([]testAttachment{{name: "factur-x.xml", data: bomb, flate: true}}, false)
	lim := einvoice.DefaultConfig()
	lim.MaxBytes = 4 << 20
	_, err := einvoice.ParseWithConfig(context.Background(), pdf, lim)
	if !errors.Is(err, einvoice.ErrNoInvoiceInPDF) {
		t.Fatalf("err = %v, want ErrNoInvoiceInPDF", err)
	}
}

// TestPDFDamaged: truncated and garbage PDFs give ErrMalformed.
func TestPDFDamaged(t *testing.T) {
	good := buildPDF([]testAttachment{{name: "factur-x.xml", data: einvoicetest.CII(einvoicetest.Options{Lines: 1})}}, false)
	tests := map[string][]byte{
		"header only": []byte("%PDF-1.7\n%%EOF"),
		"truncated":   good[:15],
		"garbage":     append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("\x00\xff garbage obj <<"), 100)...),
	}
	for name, data := range tests {
		_, err := einvoice.Parse(context.Background(), data)
		if !errors.Is(err, einvoice.ErrMalformed) && !errors.Is(err, einvoice.ErrNoInvoiceInPDF) {
			t.Errorf("%s: err = %v, want ErrMalformed or ErrNoInvoiceInPDF", name, err)
		}
	}
}

// TestPDFNameTreeCycle: a name tree whose Kids point back at themselves
// terminates.
func TestPDFNameTreeCycle(t *testing.T) {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
		"<< /Kids [4 0 R 5 0 R] >>",
		"<< /Kids [4 0 R] /Names [(a.xml) 4 0 R] >>",
	}
	pdf := minipdf.Assemble(minipdf.Header, 1, objs)
	done := make(chan error, 1)
	go func() {
		_, err := einvoice.Parse(context.Background(), pdf)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, einvoice.ErrNoInvoiceInPDF) && !errors.Is(err, einvoice.ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("name tree cycle does not terminate")
	}
}

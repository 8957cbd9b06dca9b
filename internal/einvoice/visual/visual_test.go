package visual_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/visual"
)

var update = flag.Bool("update", false, "rewrite the golden PDFs under testdata/")

func parse(t *testing.T, data []byte) *einvoice.Document {
	t.Helper()
	doc, err := einvoice.Parse(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// pdfText extracts the text with poppler's pdftotext, an independent reader.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func qpdfCheck(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

// pdfcpuValidate runs pdfcpu's validator twice: relaxed on the file as it
// is, and strict on a copy without the /AFRelationship entry, the one key
// strict mode rejects below PDF 2.0 although PDF/A-3 (which is based on
// PDF 1.7) requires it. Blanking it with spaces keeps every offset valid.
func pdfcpuValidate(t *testing.T, data []byte) {
	t.Helper()
	api.DisableConfigDir()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.Validate(bytes.NewReader(data), conf); err != nil {
		t.Errorf("pdfcpu validate (relaxed): %v", err)
	}
	rel := regexp.MustCompile(`/AFRelationship /[A-Za-z]+`)
	if !rel.Match(data) {
		t.Error("no /AFRelationship in the PDF")
	}
	stripped := rel.ReplaceAllFunc(data, func(m []byte) []byte { return bytes.Repeat([]byte(" "), len(m)) })
	conf = model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	if err := api.Validate(bytes.NewReader(stripped), conf); err != nil {
		t.Errorf("pdfcpu validate (strict, /AFRelationship blanked): %v", err)
	}
}

// detachedXML saves the embedded file with poppler's pdfdetach.
func detachedXML(t *testing.T, path string) []byte {
	t.Helper()
	if _, err := exec.LookPath("pdfdetach"); err != nil {
		t.Skip("pdfdetach not installed")
	}
	out := filepath.Join(t.TempDir(), "att.xml")
	if b, err := exec.Command("pdfdetach", "-save", "1", "-o", out, path).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRender(t *testing.T) {
	ubl := einvoicetest.UBL(einvoicetest.Options{Lines: 3, ID: "VIS-UBL-1"})
	cii := einvoicetest.CII(einvoicetest.Options{Lines: 3, ID: "VIS-CII-1"})
	tests := []struct {
		name, golden string
		xml          []byte
		opt          visual.Options
		want         []string
	}{
		{"ubl", "ubl-3-lines.pdf", ubl, visual.Options{SourceName: "RE 2024-0815 Büro Müller.xml"}, []string{
			"Darstellung der strukturierten E-Rechnung aus der Datei „RE 2024-0815 Büro Müller.xml“", "(angehängt als xrechnung.xml)",
			"Ansicht der E-Rechnung „RE 2024-0815 Büro Müller.xml“, erzeugt von eingang.",
			"Maßgeblich ist die angehängte XML-Datei xrechnung.xml.",
			"Rechnung", "Rechnungsnummer", "VIS-UBL-1", "Rechnungsdatum", "03.06.2024", "Fälligkeitsdatum", "03.07.2024",
			"Käuferreferenz/Leitweg", "04011000-1234512345-06", "Verkäufer", "Büro Müller GmbH", "Hauptstraße 1, 50667 Köln, DE",
			"USt-IdNr.", "DE123456789", "Erika Müller", "Käufer", "Stadt Musterstadt, Kämmerei",
			"Rechnungspositionen (3)", "Büromaterial Position 1", "Art.-Nr. ART-00001",
			"11,25 €", "19 %", "22,50 €", "55,00 €",
			"Umsatzsteuer", "Normalsatz/ermäßigt (S)", "19 %", "Summen", "Gesamtbetrag netto", "115,00 €",
			"Umsatzsteuer", "21,85 €", "Gesamtbetrag brutto", "136,85 €", "Zahlbetrag",
			"Zahlungsinformationen", "SEPA-Überweisung (58)", "IBAN", "DE02120300000000202051", "BYLADEM1001",
			"Zahlungsbedingungen", "Zahlbar innerhalb von 30 Tagen ohne Abzug.", "Bemerkungen",
			"Lieferung gemäß Rahmenvertrag & Bestellung vom 15.05.2024.", "Seite 1 von",
		}},
		{"cii", "cii-3-lines.pdf", cii, visual.Options{}, []string{"VIS-CII-1", "Büro Müller GmbH", "136,85 €", "DE02120300000000202051", "Handelsname", "Büro Müller",
			"Darstellung der strukturierten E-Rechnung xrechnung.xml", "Ansicht erzeugt von eingang."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parse(t, tt.xml)
			if !visual.NeedsVisual(doc) {
				t.Fatal("XML-only invoice needs no visual?")
			}
			pdf, err := visual.Render(context.Background(), doc, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(golden, pdf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(pdf, want) {
				t.Errorf("output differs from %s (reproducibility or layout change; -update after checking)", golden)
			}
			path := filepath.Join(t.TempDir(), "out.pdf")
			if err := os.WriteFile(path, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			qpdfCheck(t, path)
			pdfcpuValidate(t, pdf)
			text := pdfText(t, path)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext output lacks %q", w)
				}
			}
			// Every amount is written the German way with its sign: no
			// decimal point (dates 03.06.2024 have two), no "EUR" after a
			// number, and — in these invoices every number with two
			// decimals is an amount — "€" after every one.
			for _, re := range []string{`\d\.\d\d(?:[^.\d]|$)`, `\d EUR`} {
				for _, m := range regexp.MustCompile(re).FindAllString(text, -1) {
					t.Errorf("amount written %q", m)
				}
			}
			for _, m := range regexp.MustCompile(`\d,\d\d.{0,2}`).FindAllString(text, -1) {
				if !strings.HasPrefix(m[strings.Index(m, ",")+3:], " €") {
					t.Errorf("amount without €: %q", m)
				}
			}
			if t.Failed() {
				t.Logf("pdftotext:\n%s", text)
			}
			// The attachment is the original XML, byte for byte.
			if got := detachedXML(t, path); !bytes.Equal(got, tt.xml) {
				t.Errorf("embedded XML differs from the original (%d vs %d bytes)", len(got), len(tt.xml))
			}
			// eingang reads the rendered PDF back to the same invoice.
			back := parse(t, pdf)
			if back.EmbeddedName != "xrechnung.xml" || back.AFRelationship != "Alternative" ||
				back.Invoice.Fields()["grand_total"] != doc.Invoice.Fields()["grand_total"] {
				t.Errorf("read back: %q %q %v", back.EmbeddedName, back.AFRelationship, back.Invoice.Fields())
			}
			// Nothing in the PDF/A parts (XMP, /AF) puzzles the reader.
			if len(back.Warnings) != len(doc.Warnings) {
				t.Errorf("read back with warnings %q (XML alone: %q)", back.Warnings, doc.Warnings)
			}
		})
	}
}

// TestRenderLarge: a 1,000-line invoice breaks over many pages, each with
// a footer, and every line is in the text.
func TestRenderLarge(t *testing.T) {
	xml := einvoicetest.UBL(einvoicetest.Options{Lines: 1000})
	pdf, err := visual.Render(context.Background(), parse(t, xml), visual.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "large.pdf")
	os.WriteFile(path, pdf, 0o644)
	qpdfCheck(t, path)
	text := pdfText(t, path)
	pages := strings.Count(text, "\f")
	if pages < 20 {
		t.Errorf("%d pages for 1000 lines", pages)
	}
	for _, w := range []string{"Büromaterial Position 1 ", "Büromaterial Position 1000", "Seite 1 von", "Zahlbetrag"} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q", w)
		}
	}
	_, _, gross := einvoicetest.Totals(1000)
	if !strings.Contains(text, strings.Replace(gross, ".", ",", 1)) && !strings.Contains(text, germanize(gross)) {
		t.Errorf("grand total %s missing", gross)
	}
}

func germanize(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String() + "," + frac
}

// TestRenderCharacters: WinAnsi characters survive, others become '?'
// instead of breaking the PDF.
func TestRenderCharacters(t *testing.T) {
	xml := einvoicetest.UBL(einvoicetest.Options{Lines: 1})
	xml = bytes.Replace(xml, []byte("Büro Müller GmbH</cbc:RegistrationName>"), []byte("Straße „Ökö“ – 5 € (Test) \\ 北京</cbc:RegistrationName>"), 1)
	pdf, err := visual.Render(context.Background(), parse(t, xml), visual.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "chars.pdf")
	os.WriteFile(path, pdf, 0o644)
	qpdfCheck(t, path)
	if text := pdfText(t, path); !strings.Contains(text, "Straße „Ökö“ – 5 € (Test) \\ ??") {
		t.Errorf("special characters mangled:\n%s", text)
	}
}

func TestNeedsVisual(t *testing.T) {
	if visual.NeedsVisual(nil) || visual.NeedsVisual(&einvoice.Document{FromPDF: true, Invoice: &einvoice.Invoice{}}) {
		t.Error("hybrid PDF or nil needs a visual")
	}
	if _, err := visual.Render(context.Background(), &einvoice.Document{}, visual.Options{}); err == nil {
		t.Error("rendering without invoice succeeded")
	}
}

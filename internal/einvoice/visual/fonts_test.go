package visual

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
)

// TestFacesCoverWinAnsi: every character the encoder can emit has a real
// glyph in both embedded faces, so no text ever shows .notdef (PDF/A
// forbids referencing glyphs a font program lacks).
func TestFacesCoverWinAnsi(t *testing.T) {
	faces, err := loadFaces()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range faces {
		for c := 0x20; c <= 0xFF; c++ {
			if winAnsiRune(byte(c)) < 0 {
				continue
			}
			if f.glyphs[c] == 0 {
				t.Errorf("face %d (%s): no glyph for WinAnsi 0x%02X %q", i, f.psName, c, winAnsiRune(byte(c)))
			}
		}
		if f.ascent <= 0 || f.descent >= 0 || f.capH <= 0 || f.bbox[2] <= f.bbox[0] || f.bbox[3] <= f.bbox[1] || f.stemV <= 0 {
			t.Errorf("face %d (%s): implausible metrics %+v", i, f.psName, *f)
		}
	}
	// Every code encodeWinAnsi produces is one winAnsiRune knows.
	for r := rune(0); r < 0x3000; r++ {
		for _, c := range winAnsiBytes(string(r)) {
			if winAnsiRune(c) < 0 {
				t.Fatalf("%q encodes to undefined code 0x%02X", r, c)
			}
		}
	}
}

// TestLayoutFitsPage: with the embedded fonts' advance widths, no text
// runs past the right margin, even for long unbroken values, and every
// line is above the footer.
func TestLayoutFitsPage(t *testing.T) {
	xml := einvoicetest.UBL(einvoicetest.Options{Lines: 40, ID: "BREIT-" + string(bytes.Repeat([]byte("W"), 120))})
	xml = bytes.ReplaceAll(xml, []byte("Büromaterial Position"), []byte("ÄÖÜßWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW€€€€ Position"))
	doc, err := einvoice.Parse(context.Background(), xml)
	if err != nil {
		t.Fatal(err)
	}
	faces, err := loadFaces()
	if err != nil {
		t.Fatal(err)
	}
	l := newLayout("Test", faces)
	source := "Rechnung " + strings.Repeat("W", 200) + ".xml"
	l.invoice(doc.Invoice, "xrechnung.xml", source)
	l.finish("xrechnung.xml", source)
	n := 0
	for pi, p := range l.doc.pages {
		// No two texts on one line overlap (the footer's file name and
		// the page number, a table's cells).
		for i, a := range p.texts {
			for _, b := range p.texts[i+1:] {
				if a.y != b.y || a.x > b.x {
					continue
				}
				if end := a.x + faces[faceIndex(a.f)].width(winAnsiBytes(a.s), a.size); end > b.x+0.01 {
					t.Errorf("page %d: %q (ends at %.2f) overlaps %q (starts at %.2f)", pi+1, a.s, end, b.s, b.x)
				}
			}
		}
		for _, op := range p.texts {
			n++
			right := op.x + faces[faceIndex(op.f)].width(winAnsiBytes(op.s), op.size)
			if op.x < marginLeft-0.01 || right > pageWidth-marginLeft+0.01 {
				t.Errorf("page %d: %q spans %.2f..%.2f, page text area %.2f..%.2f", pi+1, op.s, op.x, right, marginLeft, pageWidth-marginLeft)
			}
			if op.y < marginBot-39-0.01 || op.y > pageHeight-marginTop+0.01 {
				t.Errorf("page %d: %q at y=%.2f outside the page body", pi+1, op.s, op.y)
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d text operations laid out", n)
	}
}

package intake

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func encode(t *testing.T, f func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	var b bytes.Buffer
	if err := f(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tiff builds a minimal one-strip grayscale TIFF by hand, so the test does
// not depend on the encoder it checks against.
func tiff(stripLen uint32, declared uint32) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	le32 := func(v uint32) { b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}) }
	le16 := func(v uint16) { b.Write([]byte{byte(v), byte(v >> 8)}) }
	le32(8)
	entries := [][3]uint32{{256, 4, 4}, {257, 4, 4}, {273, 4, 8 + 2 + 6*12 + 4}, {277, 3, 1}, {278, 4, 4}, {279, 4, declared}}
	le16(uint16(len(entries)))
	for _, e := range entries {
		le16(uint16(e[0]))
		le16(uint16(e[1]))
		le32(1)
		le32(e[2])
	}
	le32(0)
	b.Write(make([]byte, stripLen))
	return b.Bytes()
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	jpg := encode(t, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) })
	pngb := encode(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
	gifb := encode(t, func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) })
	bmpb := encode(t, func(b *bytes.Buffer, i image.Image) error { return bmp.Encode(b, i) })
	webpb, err := os.ReadFile(filepath.Join("..", "ocr", "testdata", "rechnung-lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	heic, err := os.ReadFile(filepath.Join("..", "ocr", "testdata", "rechnung.heic"))
	if err != nil {
		t.Fatal(err)
	}
	avif := append([]byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), heic[28:]...)
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n9\n%%EOF\n")
	tests := []struct {
		name    string
		data    []byte
		want    Format
		wantErr error
	}{
		{"scan.pdf", pdf, FormatPDF, nil},
		{"named.txt", pdf, FormatPDF, nil}, // content decides, not the name
		{"cut.pdf", pdf[:len(pdf)-12], FormatPDF, ErrIncomplete},
		{"page.jpg", jpg, FormatJPEG, nil},
		{"cut.jpg", jpg[:len(jpg)-10], FormatJPEG, ErrIncomplete},
		{"page.png", pngb, FormatPNG, nil},
		{"cut.png", pngb[:len(pngb)-12], FormatPNG, ErrIncomplete},
		{"photo.gif", gifb, FormatGIF, nil},
		{"cut.gif", gifb[:len(gifb)-1], FormatGIF, ErrIncomplete},
		{"screen.bmp", bmpb, FormatBMP, nil},
		{"cut.bmp", bmpb[:len(bmpb)-40], FormatBMP, ErrIncomplete},
		{"bm.txt", []byte("BMW Niederlassung, Angebot vom 3. Mai"), "", ErrUnsupported},
		{"phone.webp", webpb, FormatWebP, nil},
		{"cut.webp", webpb[:len(webpb)/2], FormatWebP, ErrIncomplete},
		{"iphone.heic", heic, FormatHEIC, nil},
		{"cut.heic", heic[:len(heic)-100], FormatHEIC, ErrIncomplete},
		{"photo.avif", avif, "", ErrUnsupported},
		{"page.tif", tiff(16, 16), FormatTIFF, nil},
		{"cut.tif", tiff(8, 16), FormatTIFF, ErrIncomplete},
		{"lying.tif", tiff(16, 1<<30), FormatTIFF, ErrIncomplete},
		{"inv.xml", []byte("<?xml version=\"1.0\"?>\n<Invoice><ID>1</ID></Invoice>\n"), FormatXML, nil},
		{"bom.xml", []byte("\xEF\xBB\xBF<Invoice><ID>1</ID></Invoice>"), FormatXML, nil},
		{"half.xml", []byte("<?xml version=\"1.0\"?>\n<Invoice><ID>1</ID>"), FormatXML, ErrIncomplete},
		// Its DOCTYPE is refused later, for what it is; an entity reference
		// must not make it "damaged" here.
		// No declaration, and the 256th byte falls inside a character.
		{"cjk.xml", []byte("<a b='" + strings.Repeat("古", 120) + "'/>\n"), FormatXML, nil},
		{"entity.xml", []byte("<!DOCTYPE r [<!ENTITY e SYSTEM \"http://example.org/\">]>\n<r>&e;</r>\n"), FormatXML, nil},
		{"empty.pdf", nil, "", ErrEmpty},
		{"word.docx", zipOf(t, "[Content_Types].xml", "word/document.xml"), FormatDOCX, nil},
		{"soffice.docx", testdata(t, "brief.docx"), FormatDOCX, nil},
		{"named.zip", testdata(t, "brief.docx"), FormatDOCX, nil}, // content decides
		{"cut.docx", testdata(t, "brief.docx")[:2000], FormatZIP, ErrIncomplete},
		{"table.xlsx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), "", ErrUnsupported},
		{"soffice.odt", testdata(t, "brief.odt"), FormatODT, nil},
		{"sheet.ods", zipEntries(t, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<x/>"), "", ErrUnsupported},
		{"mimetype-not-first.zip", zipEntries(t, "a.pdf", "x", "mimetype", odtMediaType), "", ErrUnsupported},
		{"brief.odt", zipOf(t, "mimetype", "content.xml"), "", ErrUnsupported}, // "mimetype" holds no ODT media type
		{"soffice.rtf", testdata(t, "brief.rtf"), FormatRTF, nil},
		{"cut.rtf", testdata(t, "brief.rtf")[:1000], FormatRTF, ErrIncomplete},
		{"tiny.rtf", []byte("{\\rtf1 Hallo}\n"), FormatRTF, nil},
		{"rechnungen.zip", zipOf(t, "a.pdf", "b.pdf"), FormatZIP, nil},
		{"cut.zip", zipOf(t, "a.pdf")[:30], FormatZIP, ErrIncomplete},
		{"page.html", []byte("<!doctype html>\n<html><body><p>Text<br></body></html>"), "", ErrUnsupported},
		{"mail.html", []byte(" <html>\n<head><meta charset=\"UTF-8\"></head>"), "", ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, tc.data)
			got, err := Detect(p)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Detect = %q, %v; want error %v", got, err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if got != tc.want {
				t.Errorf("format = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDetectCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "scans")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("shared corpus not available")
	}
	for _, name := range []string{"scan-0001.pdf", "scan-0003.tif"} {
		f, err := Detect(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if want := map[string]Format{".pdf": FormatPDF, ".tif": FormatTIFF}[filepath.Ext(name)]; f != want {
			t.Errorf("%s: %s, want %s", name, f, want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("%PDF-1.7\n%%EOF"))
	f.Add(tiff(16, 16))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\xff\xff"))
	f.Add([]byte("<a><b></b></a>"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Detect(p) // must not panic or hang
	})
}

func TestRejectReason(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"empty file", detectErr(t, writeFile(t, dir, "leer.pdf", nil)), ReasonEmpty},
		{"word document", detectErr(t, writeFile(t, dir, "brief.docx", zipOf(t, "[Content_Types].xml"))), ReasonUnsupported},
		{"cut-off PDF", detectErr(t, writeFile(t, dir, "kaputt.pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"))), ReasonDamaged},
		{"too large, wrapped", fmt.Errorf("%w: 9 bytes", ErrTooLarge), ReasonTooLarge},
		{"missing file", detectErr(t, filepath.Join(dir, "fehlt.pdf")), ReasonUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error to classify")
			}
			if got := RejectReason(tt.err); got != tt.want {
				t.Errorf("RejectReason(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func detectErr(t *testing.T, path string) error {
	t.Helper()
	_, err := Detect(path)
	return err
}

// zipOf returns a ZIP archive holding the named files, each with its own
// name as content.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(n))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipEntries builds a ZIP of name, content pairs, in order.
func zipEntries(t *testing.T, kv ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(kv); i += 2 {
		w, err := zw.Create(kv[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(kv[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

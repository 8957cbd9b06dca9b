package einvoice_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"

	"github.com/eingang/eingang/internal/testenv/minipdf"
)

// testAttachment is one embedded file of a test PDF.
type testAttachment struct {
	// name is written into /F and /UF as a PDF literal string body, so it
	// may contain escapes like \056.
	name string
	data []byte
	// rel is the /AFRelationship name ("" = none).
	rel  string
	mime string
	// flate compresses the stream.
	flate bool
	// afOnly lists the file only in the catalog /AF array, not in the
	// EmbeddedFiles name tree.
	afOnly bool
}

// buildPDF writes a one-page PDF 1.7 with the given embedded files. With
// kids, the EmbeddedFiles name tree is split into intermediate nodes of
// three entries each, as large real files do. It is written by hand so
// tests control every detail (escapes, relationships, tree shape); qpdf
// checks the result in TestPDFFixtures.
func buildPDF(atts []testAttachment, kids bool) []byte {
	var objs []string // objs[i] is object i+1
	add := func(s string) int {
		objs = append(objs, s)
		return len(objs)
	}
	catalog := add("") // placeholder, filled below
	pages := add("")
	content := "BT /F1 24 Tf 72 720 Td (Rechnung) Tj ET"
	contentObj := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>", pages, contentObj, font))
	objs[pages-1] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page)

	var treeEntries []string
	var af []string
	for _, a := range atts {
		body := a.data
		filter := ""
		if a.flate {
			var buf bytes.Buffer
			w := zlib.NewWriter(&buf)
			w.Write(a.data)
			w.Close()
			body = buf.Bytes()
			filter = " /Filter /FlateDecode"
		}
		mime := ""
		if a.mime != "" {
			mime = " /Subtype /" + strings.ReplaceAll(a.mime, "/", "#2F")
		}
		stream := add(fmt.Sprintf("<< /Type /EmbeddedFile%s%s /Length %d /Params << /Size %d >> >>\nstream\n%s\nendstream",
			mime, filter, len(body), len(a.data), body))
		rel := ""
		if a.rel != "" {
			rel = " /AFRelationship /" + a.rel
		}
		spec := add(fmt.Sprintf("<< /Type /Filespec /F (%s) /UF (%s)%s /EF << /F %d 0 R /UF %d 0 R >> >>", a.name, a.name, rel, stream, stream))
		af = append(af, fmt.Sprintf("%d 0 R", spec))
		if !a.afOnly {
			treeEntries = append(treeEntries, fmt.Sprintf("(%s) %d 0 R", a.name, spec))
		}
	}
	names := ""
	if len(treeEntries) > 0 {
		var tree int
		if kids && len(treeEntries) > 3 {
			var kidRefs []string
			for i := 0; i < len(treeEntries); i += 3 {
				j := min(i+3, len(treeEntries))
				k := add(fmt.Sprintf("<< /Names [%s] >>", strings.Join(treeEntries[i:j], " ")))
				kidRefs = append(kidRefs, fmt.Sprintf("%d 0 R", k))
			}
			tree = add(fmt.Sprintf("<< /Kids [%s] >>", strings.Join(kidRefs, " ")))
		} else {
			tree = add(fmt.Sprintf("<< /Names [%s] >>", strings.Join(treeEntries, " ")))
		}
		names = fmt.Sprintf(" /Names << /EmbeddedFiles %d 0 R >>", tree)
	}
	afs := ""
	if len(af) > 0 {
		afs = fmt.Sprintf(" /AF [%s]", strings.Join(af, " "))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R%s%s >>", pages, names, afs)

	return minipdf.Assemble(minipdf.BinaryHeader, catalog, objs)
}

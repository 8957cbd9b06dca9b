// Package minipdf writes small hand-made PDFs for tests and fuzz seeds:
// the caller gives every object's text, so tests control each detail the
// code under test reads. It imports only the standard library.
package minipdf

import (
	"bytes"
	"fmt"
)

// Header is a PDF 1.7 header line.
const Header = "%PDF-1.7\n"

// BinaryHeader is Header followed by the comment of four non-ASCII bytes
// that marks the file as binary.
const BinaryHeader = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

// Assemble writes header, objs as objects 1, 2, ... (objs[i] is the
// dictionary, array or stream between "i+1 0 obj" and "endobj"), a classic
// cross-reference table and a trailer whose /Root is object root.
func Assemble(header string, root int, objs []string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
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
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, root, x)
	return b.Bytes()
}

// imagePage are the objects of ImagePage.
var imagePage = []string{
	"<< /Type /Catalog /Pages 2 0 R >>",
	"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
	"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
	"<< /Length 24 >>\nstream\n612 0 0 792 0 0 cm /Im0 Do\nendstream",
}

// ImagePage returns a valid one-page image-only PDF of a few hundred bytes
// with header: catalog (1), pages (2), a US Letter page (3) showing a 1×1
// grey image XObject (4) through its content stream (5); extra objects
// follow as 6, 7, ...
func ImagePage(header string, extra ...string) []byte {
	objs := append(append([]string{}, imagePage...), extra...)
	return Assemble(header, 1, objs)
}

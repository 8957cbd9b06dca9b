package pdfraw

import (
	"bytes"
	"fmt"
	"testing"
)

// MinimalPDF returns a small valid PDF with one page whose resources hold
// one image XObject, with extra objects inserted before the xref table.
func minimalPDF(extra ...string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
		"<< /Length 24 >>\nstream\n612 0 0 792 0 0 cm /Im0 Do\nendstream",
	}
	objs = append(objs, extra...)
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

func TestMinimalPDF(t *testing.T) {
	data := minimalPDF()
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := f.Pages()
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages: %v %d", err, len(pages))
	}
	o, err := f.Object(Ref{Num: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := o.(*Stream); !ok || st.Length != 1 || data[st.Offset] != 0x80 {
		t.Fatalf("stream not located: %#v", o)
	}
}

func TestParseObjects(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"<< /A 1 /B [1 2.5 (x\\)y) <41 42>] /C 3 0 R /D#20E true /F null >>", "<< /A 1 /B [1 2.5 (x\\)y) (AB)] /C 3 0 R /D#20E true /F null >>"},
		{"(a(b)c\\n\\101)", "(a\\(b\\)c\\012A)"},
		{"[1 0 R 2 0 3]", "[1 0 R 2 0 3]"},
		{"-.5", "-0.5"},
	}
	for _, tc := range cases {
		p := &parser{src: newSource(bytes.NewReader([]byte(tc.in)), int64(len(tc.in)), 0)}
		o, err := p.object(0)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := string(AppendObject(nil, o)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzOpen feeds arbitrary bytes through everything a signer or verifier
// reads: it must return errors, never panic or hang.
func FuzzOpen(f *testing.F) {
	f.Add(minimalPDF())
	f.Add(minimalPDF("<< /Type /Sig /ByteRange [0 1 2 3] /Contents <0102> >>"))
	f.Add([]byte("%PDF-1.5\n1 0 obj << /Type /XRef /W [1 2 1] /Size 2 /Length 4 >> stream\n\x01\x00\x09\x00\nendstream endobj\nstartxref\n9\n%%EOF"))
	f.Add([]byte("%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer << /Root 1 0 R /Prev 9 >>\nstartxref\n9\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		pf.Pages()
		for n := 0; n < 64; n++ {
			o, err := pf.Object(Ref{Num: n})
			if st, ok := o.(*Stream); ok && err == nil {
				pf.Decode(st)
			}
		}
		u := pf.NewUpdate()
		u.Put(u.Alloc(), Dict{"A": Array{int64(1), String("x")}})
		u.Bytes()
	})
}

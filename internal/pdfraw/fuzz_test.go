package pdfraw

import (
	"bytes"
	"testing"

	"github.com/eingang/eingang/internal/testenv/minipdf"
)

func TestMinimalPDF(t *testing.T) {
	data := minipdf.ImagePage(minipdf.BinaryHeader)
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
	f.Add(minipdf.ImagePage(minipdf.BinaryHeader))
	f.Add(minipdf.ImagePage(minipdf.BinaryHeader, "<< /Type /Sig /ByteRange [0 1 2 3] /Contents <0102> >>"))
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

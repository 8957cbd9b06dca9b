package sign

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// tinyPDF is a valid one-page image-only PDF of a few hundred bytes.
func tinyPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
		"<< /Length 24 >>\nstream\n612 0 0 792 0 0 cm /Im0 Do\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
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

func signedTinyPDF(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, tinyPDF(), 0o600)
	out := filepath.Join(dir, "out.pdf")
	if err := Sign(context.Background(), in, out, newTestPKI(t).signer(t, false, ""), Options{}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	return b
}

func TestTinyPDFRoundTrip(t *testing.T) {
	b := signedTinyPDF(t)
	if _, err := VerifyReaderAt(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
}

// FuzzVerify: signature dictionaries, byte ranges and CMS from hostile
// files must yield errors, never panics.
func FuzzVerify(f *testing.F) {
	signed := signedTinyPDF(f)
	f.Add(signed)
	f.Add(tinyPDF())
	f.Add(bytes.Replace(signed, []byte("/ByteRange [0 "), []byte("/ByteRange [9 "), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := VerifyReaderAt(bytes.NewReader(data), int64(len(data)))
		if err == nil && (res == nil || len(res.Signatures) == 0 || !res.Unmodified) {
			t.Fatalf("nil error without a valid signature: %+v", res)
		}
	})
}

// FuzzParseCMS covers the ASN.1 decoding of /Contents and time-stamp tokens.
func FuzzParseCMS(f *testing.F) {
	s := newTestPKI(f).signer(f, false, "")
	cms, err := buildCMS(s, make([]byte, 32), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cms)
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		p, err := parseCMS(der)
		if err != nil {
			return
		}
		p.verifySignerInfo(make([]byte, 32))
		p.checkSigningCertificateV2()
		verifyTimestampToken(der, []byte("sig"))
	})
}

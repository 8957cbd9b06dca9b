package sign

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv/minipdf"
)

func signedTinyPDF(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, minipdf.ImagePage(minipdf.Header), 0o600)
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
	f.Add(minipdf.ImagePage(minipdf.Header))
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

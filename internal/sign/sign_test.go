package sign

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// pdfcpuVerdict validates with pdfcpu, trusting the test CA, and returns
// one status/reason pair per signature.
func pdfcpuVerdict(t *testing.T, pki *testPKI, path string) []*model.SignatureValidationResult {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE", pki.caCert.Raw)
	model.TrustedCertDir = dir
	conf.AllowedRevocationHosts = []string{"127.0.0.1"}
	res, err := api.ValidateSignatures(path, true, conf)
	if err != nil {
		t.Fatalf("pdfcpu: %v", err)
	}
	return res
}

func pdfsigOutput(t *testing.T, path string) string {
	t.Helper()
	needTool(t, "pdfsig")
	out, _ := run(t, "pdfsig", path)
	return out
}

func flipByte(t *testing.T, src, dst string, off int64) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x01
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSignVerifiedByIndependentTools(t *testing.T) {
	needTool(t, "qpdf")
	pki := newTestPKI(t)
	crl := pki.crlServer(t)
	dir := t.TempDir()
	objstm := filepath.Join(dir, "objstm.pdf")
	if out, err := run(t, "qpdf", "--object-streams=generate", corpusScan(t, "scan-0001.pdf"), objstm); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	cases := []struct {
		name  string
		in    string
		rsa   bool
		stamp bool
	}{
		{"corpus-ecdsa", corpusScan(t, "scan-0002.pdf"), false, false},
		{"corpus-rsa-visible", corpusScan(t, "scan-0004.pdf"), true, true},
		{"pdfcpu-images", imagePDF(t, t.TempDir(), 3), false, false},
		{"xref-stream", objstm, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := pki.signer(t, tc.rsa, crl)
			out := filepath.Join(t.TempDir(), "signed.pdf")
			opts := Options{Reason: "Ersetzendes Scannen", Location: "Musterstadt"}
			if tc.stamp {
				opts.Stamp = &Stamp{Page: 1, Rect: [4]float64{20, 20, 220, 70}}
			}
			if err := Sign(context.Background(), tc.in, out, s, opts); err != nil {
				t.Fatal(err)
			}
			orig, _ := os.Stat(tc.in)

			// Our own verifier.
			res, err := Verify(out)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(res.Signatures) != 1 || !res.Unmodified || !strings.Contains(res.Signatures[0].Signer, "Scanstelle") || res.Signatures[0].Level() != "PAdES B-B" {
				t.Fatalf("Verify result: %+v", res)
			}
			// poppler
			if o := pdfsigOutput(t, out); !strings.Contains(o, "Signature Validation: Signature is Valid.") || !strings.Contains(o, "Total document signed") {
				t.Fatalf("pdfsig:\n%s", o)
			}
			// pdfcpu
			// pdfcpu reports DocModified "unknown" for any signature that
			// lives in an incremental update (applyHistoricalRevisionReporting),
			// so "valid and unmodified" is: status valid, not modified, and no
			// revision-boundary (Malformed) finding.
			for _, r := range pdfcpuVerdict(t, pki, out) {
				if r.Status != model.SignatureStatusValid || r.DocModified == model.True || r.Reason == model.SignatureReasonMalformed {
					t.Fatalf("pdfcpu: %s", r)
				}
			}
			// qpdf (structure only: qpdf does not check signatures)
			if o, err := run(t, "qpdf", "--check", out); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, o)
			}

			// One changed byte inside the signed range (in the original part).
			bad := filepath.Join(t.TempDir(), "tampered.pdf")
			flipByte(t, out, bad, orig.Size()/2)
			if _, err := Verify(bad); !errors.Is(err, ErrDocumentModified) {
				t.Errorf("Verify of a tampered file: %v, want ErrDocumentModified", err)
			}
			if o := pdfsigOutput(t, bad); strings.Contains(o, "Signature is Valid.") {
				t.Errorf("pdfsig accepts a tampered file:\n%s", o)
			}
			for _, r := range pdfcpuVerdict(t, pki, bad) {
				if r.Status != model.SignatureStatusInvalid || r.DocModified != model.True {
					t.Errorf("pdfcpu accepts a tampered file: %s", r)
				}
			}
		})
	}
}

func TestSignTwiceKeepsFirstSignatureValid(t *testing.T) {
	pki := newTestPKI(t)
	crl := pki.crlServer(t)
	dir := t.TempDir()
	once := filepath.Join(dir, "once.pdf")
	twice := filepath.Join(dir, "twice.pdf")
	if err := Sign(context.Background(), corpusScan(t, "scan-0002.pdf"), once, pki.signer(t, false, crl), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Sign(context.Background(), once, twice, pki.signer(t, true, crl), Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(twice)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signatures) != 2 || res.Signatures[0].CoversWholeFile || !res.Signatures[1].CoversWholeFile {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.Signatures[0].Field == res.Signatures[1].Field {
		t.Fatalf("field names not unique: %q", res.Signatures[0].Field)
	}
	o := pdfsigOutput(t, twice)
	if strings.Count(o, "Signature Validation: Signature is Valid.") != 2 {
		t.Fatalf("pdfsig:\n%s", o)
	}
	results := pdfcpuVerdict(t, pki, twice)
	if len(results) != 2 {
		t.Fatalf("pdfcpu found %d signatures", len(results))
	}
	for _, r := range results {
		// pdfcpu reports the older signature as valid for its revision.
		if r.Status != model.SignatureStatusValid || r.DocModified == model.True {
			t.Fatalf("pdfcpu: %s", r)
		}
	}
	if o, err := run(t, "qpdf", "--check", twice); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, o)
	}

	// Appending anything after the last signature is reported.
	f, _ := os.OpenFile(twice, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n% appended\n")
	f.Close()
	if _, err := Verify(twice); !errors.Is(err, ErrDocumentModified) {
		t.Fatalf("appended bytes: %v, want ErrDocumentModified", err)
	}
}

func TestSignWithTimestamp(t *testing.T) {
	pki := newTestPKI(t)
	tsa := pki.tsaServer(t)
	out := filepath.Join(t.TempDir(), "bt.pdf")
	before := time.Now().Add(-2 * time.Second)
	if err := Sign(context.Background(), corpusScan(t, "scan-0002.pdf"), out, pki.signer(t, true, pki.crlServer(t)), Options{TSAURL: tsa}); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	ts := res.Signatures[0].Timestamp
	if ts == nil || ts.Time.Before(before) || ts.Time.After(time.Now().Add(2*time.Second)) || !strings.Contains(ts.TSA, "Test-TSA") {
		t.Fatalf("timestamp %+v", ts)
	}
	if res.Signatures[0].Level() != "PAdES B-T" {
		t.Fatalf("level %s", res.Signatures[0].Level())
	}
	if o := pdfsigOutput(t, out); !strings.Contains(o, "Signature is Valid.") {
		t.Fatalf("pdfsig:\n%s", o)
	}
	// pdfcpu v0.15.0 reads signature time-stamps but never authenticates
	// them ("observed but not fully authenticated"); it must still find the
	// signature valid and see the token's time.
	for _, r := range pdfcpuVerdict(t, pki, out) {
		if r.Status != model.SignatureStatusValid || len(r.Details.Signers) == 0 || !r.Details.Signers[0].HasTimestamp ||
			!r.Details.Signers[0].Timestamp.Equal(ts.Time) {
			t.Fatalf("pdfcpu: %s", r)
		}
	}
	// openssl verifies the embedded token independently.
	tok := extractToken(t, out)
	tf := filepath.Join(t.TempDir(), "tok.der")
	os.WriteFile(tf, tok, 0o600)
	if o, err := run(t, "openssl", "ts", "-reply", "-in", tf, "-token_in", "-text"); err != nil || !strings.Contains(o, "Time stamp:") {
		t.Fatalf("openssl ts: %v\n%s", err, o)
	}

	// A TSA that fails must fail the signing, never produce a B-B silently.
	err = Sign(context.Background(), corpusScan(t, "scan-0002.pdf"), filepath.Join(t.TempDir(), "x.pdf"), pki.signer(t, false, ""), Options{TSAURL: "http://127.0.0.1:1/"})
	if !errors.Is(err, ErrTimestamp) {
		t.Fatalf("unreachable TSA: %v", err)
	}
}

func extractToken(t *testing.T, path string) []byte {
	t.Helper()
	fh, _ := os.Open(path)
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := openForTest(fh, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	fields, err := signatureFields(f)
	if err != nil || len(fields) == 0 {
		t.Fatal(err)
	}
	p, err := parseCMS(fields[0].sig["Contents"].(pdfString))
	if err != nil {
		t.Fatal(err)
	}
	return p.unsigned[oidTimeStampToken.String()]
}

func TestCertificateRefused(t *testing.T) {
	pki := newTestPKI(t)
	in := corpusScan(t, "scan-0002.pdf")
	cases := []struct {
		name string
		o    leafOpts
		want error
		msg  string
	}{
		{"expired", leafOpts{notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour), keyUsage: x509.KeyUsageDigitalSignature}, ErrCertificateExpired, "expired on"},
		{"not-yet-valid", leafOpts{notBefore: time.Now().Add(24 * time.Hour), keyUsage: x509.KeyUsageDigitalSignature}, ErrCertificateNotYetValid, "valid only from"},
		{"key-encipherment-only", leafOpts{keyUsage: x509.KeyUsageKeyEncipherment, rsa: true}, ErrKeyUsage, "neither digitalSignature nor nonRepudiation"},
		{"no-key-usage", leafOpts{}, ErrKeyUsage, "neither digitalSignature nor nonRepudiation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, cert := pki.leaf(t, tc.o)
			s, err := NewKeySigner(key, cert, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out.pdf")
			err = Sign(context.Background(), in, out, s, Options{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.want, tc.msg)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("output written despite refusal")
			}
		})
	}
}

func TestLoadPKCS12(t *testing.T) {
	pki := newTestPKI(t)
	key, cert := pki.leaf(t, leafOpts{rsa: true, keyUsage: x509.KeyUsageContentCommitment})
	dir := t.TempDir()
	modern, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{pki.caCert}, "geheim")
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(dir, "modern.p12")
	os.WriteFile(p12, modern, 0o600)
	files := []string{p12}

	// A file written by OpenSSL itself (AES-256/PBKDF2 in OpenSSL 3).
	if _, err := exec.LookPath("openssl"); err == nil {
		kder, _ := x509.MarshalPKCS8PrivateKey(key)
		writePEM(t, filepath.Join(dir, "k.pem"), "PRIVATE KEY", kder)
		writePEM(t, filepath.Join(dir, "c.pem"), "CERTIFICATE", cert.Raw)
		writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", pki.caCert.Raw)
		ossl := filepath.Join(dir, "openssl.p12")
		if o, err := run(t, "openssl", "pkcs12", "-export", "-inkey", filepath.Join(dir, "k.pem"), "-in", filepath.Join(dir, "c.pem"),
			"-certfile", filepath.Join(dir, "ca.pem"), "-passout", "pass:geheim", "-out", ossl); err != nil {
			t.Fatalf("openssl pkcs12: %v\n%s", err, o)
		}
		files = append(files, ossl)
	}
	for _, f := range files {
		s, err := LoadPKCS12(f, []byte("geheim"))
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if !s.Certificate().Equal(cert) || len(s.Chain()) != 1 {
			t.Fatalf("%s: wrong certificate or chain", filepath.Base(f))
		}
		if _, err := LoadPKCS12(f, []byte("falsch")); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("%s: wrong password: %v", filepath.Base(f), err)
		}
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("geheim\n"), 0o600)
	if b, err := ReadPassword(pw, "UNUSED"); err != nil || string(b) != "geheim" {
		t.Fatalf("ReadPassword file: %q %v", b, err)
	}
	t.Setenv("EINGANG_TEST_PW", "aus-env")
	if b, err := ReadPassword("", "EINGANG_TEST_PW"); err != nil || string(b) != "aus-env" {
		t.Fatalf("ReadPassword env: %q %v", b, err)
	}
}

func TestSignRejectsBadInput(t *testing.T) {
	pki := newTestPKI(t)
	s := pki.signer(t, false, "")
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":     nil,
		"not-pdf":   []byte("hello world, this is not a PDF at all"),
		"truncated": []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"),
	}
	for name, data := range cases {
		in := filepath.Join(dir, name+".pdf")
		os.WriteFile(in, data, 0o600)
		err := Sign(context.Background(), in, filepath.Join(dir, name+"-out.pdf"), s, Options{})
		if !errors.Is(err, ErrInvalidPDF) {
			t.Errorf("%s: %v, want ErrInvalidPDF", name, err)
		}
	}
	if _, err := Verify(corpusScan(t, "scan-0002.pdf")); !errors.Is(err, ErrNoSignature) {
		t.Errorf("unsigned file: %v, want ErrNoSignature", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		c    Config
		want string
	}{
		{Defaults(), "pkcs12:"},
		{func() Config { c := Defaults(); c.PKCS12 = "k.p12"; return c }(), ""},
		{func() Config { c := Defaults(); c.PKCS12 = "k.p12"; c.TSAURL = "ftp://x"; return c }(), "tsa_url:"},
		{func() Config { c := Defaults(); c.PKCS12 = "k.p12"; c.PasswordEnv = ""; return c }(), "password_file:"},
		{func() Config { c := Defaults(); c.PKCS11.Module = "/lib/x.so"; return c }(), "pkcs11.token_label:"},
		{func() Config {
			c := Defaults()
			c.PKCS11 = PKCS11Config{Module: "/lib/x.so", TokenLabel: "t", KeyLabel: "k"}
			return c
		}(), ""},
		{func() Config { c := Defaults(); c.PKCS12 = "k.p12"; c.PKCS11.Module = "/lib/x.so"; return c }(), "pkcs12: set either"},
	}
	for i, tc := range cases {
		err := tc.c.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.want)) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
}

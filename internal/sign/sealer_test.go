package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/eingang/eingang/internal/testenv/minipdf"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func TestSealerFromConfig(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	key, cert := pki.leaf(t, leafOpts{keyUsage: x509.KeyUsageDigitalSignature})
	p12, _ := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{pki.caCert}, "pw")
	os.WriteFile(filepath.Join(dir, "k.p12"), p12, 0o600)
	cfg := Defaults()
	cfg.PKCS12 = filepath.Join(dir, "k.p12")
	cfg.PasswordEnv = "EINGANG_TEST_SEAL_PW"
	cfg.Visible = true
	t.Setenv("EINGANG_TEST_SEAL_PW", "pw")
	s, err := NewSealer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pdf")
	if err := s.Seal(context.Background(), corpusScan(t, "scan-0002.pdf"), out); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out); err != nil {
		t.Fatal(err)
	}

	// An expired key stops the service at start-up.
	key, cert = pki.leaf(t, leafOpts{notBefore: time.Now().Add(-72 * time.Hour), notAfter: time.Now().Add(-time.Hour), keyUsage: x509.KeyUsageDigitalSignature})
	p12, _ = pkcs12.Modern.Encode(key, cert, nil, "pw")
	os.WriteFile(cfg.PKCS12, p12, 0o600)
	if _, err := NewSealer(cfg); !errors.Is(err, ErrCertificateExpired) {
		t.Fatalf("expired key: %v", err)
	}
	if _, err := OpenPKCS11(PKCS11Config{}, nil); !errors.Is(err, ErrPKCS11Unavailable) {
		t.Fatalf("PKCS#11: %v", err)
	}
}

// TestReserveTooSmall exercises the retry when the CMS outgrows the space
// reserved for /Contents.
func TestReserveTooSmall(t *testing.T) {
	s := newTestPKI(t).signer(t, true, "")
	data := minipdf.ImagePage(minipdf.Header)
	f, err := pdfraw.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	needed, err := signOnce(context.Background(), f, bytes.NewReader(data), int64(len(data)), out, s, Options{}, time.Now(), 64)
	if err == nil || needed <= 64 {
		t.Fatalf("needed=%d err=%v", needed, err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output left behind")
	}
	if _, err := signOnce(context.Background(), f, bytes.NewReader(data), int64(len(data)), out, s, Options{}, time.Now(), needed); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out); err != nil {
		t.Fatal(err)
	}
}

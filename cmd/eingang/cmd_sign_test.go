package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func TestSignAndVerifyCommands(t *testing.T) {
	in := filepath.Join("..", "..", "..", "shared", "corpus", "scans", "scan-0002.pdf")
	if _, err := os.Stat(in); err != nil {
		t.Skip("shared corpus absent")
	}
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "CLI Test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	p12, err := pkcs12.Modern.Encode(key, cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p12f := filepath.Join(dir, "k.p12")
	os.WriteFile(p12f, p12, 0o600)
	out := filepath.Join(dir, "out.pdf")
	t.Setenv("EINGANG_SIGN_PASSWORD", "pw")

	var so, se bytes.Buffer
	if code := cmdSign(context.Background(), []string{in, "-o", out, "--pkcs12", p12f}, &so, &se); code != 0 {
		t.Fatalf("sign exit %d: %s", code, se.String())
	}
	so.Reset()
	se.Reset()
	if code := cmdVerify(context.Background(), []string{out}, &so, &se); code != 0 {
		t.Fatalf("verify exit %d: %s", code, se.String())
	}
	if !strings.Contains(so.String(), "CN=CLI Test") || !strings.Contains(so.String(), "unverändert: ja") {
		t.Fatalf("verify output:\n%s", so.String())
	}
	if code := cmdVerify(context.Background(), []string{out, "--require-transfervermerk"}, &so, &se); code != 1 {
		t.Fatalf("--require-transfervermerk without one: exit %d", code)
	}
	if code := cmdVerify(context.Background(), []string{in}, &so, &se); code != 1 {
		t.Fatalf("unsigned: exit %d", code)
	}
	if code := cmdSign(context.Background(), []string{in}, &so, &se); code != 2 {
		t.Fatalf("usage error: exit %d", code)
	}
}

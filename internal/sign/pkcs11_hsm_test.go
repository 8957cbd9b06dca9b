//go:build pkcs11 && cgo

package sign

import (
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
)

// TestPKCS11SoftHSM signs with a key generated inside SoftHSM2
// (apt-get install softhsm2); run with: go test -tags pkcs11 ./internal/sign/
func TestPKCS11SoftHSM(t *testing.T) {
	module := "/usr/lib/softhsm/libsofthsm2.so"
	if _, err := os.Stat(module); err != nil {
		t.Skip("SoftHSM2 not installed")
	}
	needTool(t, "softhsm2-util")
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if o, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "eingang", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, o)
	}
	pki := newTestPKI(t)
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: "eingang", Pin: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ctx.GenerateECDSAKeyPairWithLabel([]byte{1}, []byte("siegel"), elliptic.P256())
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4711),
		Subject:      pkix.Name{CommonName: "HSM-Siegel"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, pki.caCert, key.Public(), pki.caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := ctx.ImportCertificateWithLabel([]byte{1}, []byte("siegel"), cert); err != nil {
		t.Fatal(err)
	}
	ctx.Close()

	chain := filepath.Join(dir, "chain.pem")
	writePEM(t, chain, "CERTIFICATE", pki.caCert.Raw)
	s, err := OpenPKCS11(PKCS11Config{Module: module, TokenLabel: "eingang", KeyLabel: "siegel", ChainFile: chain}, []byte("1234"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hsm.pdf")
	if err := Sign(context.Background(), corpusScan(t, "scan-0002.pdf"), out, s, Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(out)
	if err != nil || !strings.Contains(res.Signatures[0].Signer, "HSM-Siegel") {
		t.Fatalf("%v %+v", err, res)
	}
	if o := pdfsigOutput(t, out); !strings.Contains(o, "Signature is Valid.") {
		t.Fatalf("pdfsig:\n%s", o)
	}
	// A PKCS#11 login is per process; log out before trying a wrong PIN.
	s.(io.Closer).Close()
	if _, err := OpenPKCS11(PKCS11Config{Module: module, TokenLabel: "eingang", KeyLabel: "siegel"}, []byte("0000")); err == nil {
		t.Fatal("wrong PIN accepted")
	}
}

package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"github.com/eingang/eingang/internal/testenv"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// testPKI is a throwaway CA and a leaf generated per test; nothing is
// committed.
type testPKI struct {
	caCert *x509.Certificate
	caKey  crypto.Signer
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "eingang Test-CA", Organization: []string{"Testkommune"}},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testPKI{caCert: cert, caKey: key}
}

type leafOpts struct {
	rsa       bool
	notBefore time.Time
	notAfter  time.Time
	keyUsage  x509.KeyUsage
	extUsage  []x509.ExtKeyUsage
	cn        string
	crlURL    string
}

func (p *testPKI) leaf(t testing.TB, o leafOpts) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	var key crypto.Signer
	var err error
	if o.rsa {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(30 * 24 * time.Hour)
	}
	if o.cn == "" {
		o.cn = "Scanstelle Testkommune (Siegel)"
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: o.cn, Organization: []string{"Testkommune"}, Country: []string{"DE"}},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
		KeyUsage:     o.keyUsage,
		ExtKeyUsage:  o.extUsage,
	}
	if o.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{o.crlURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func (p *testPKI) signer(t testing.TB, useRSA bool, crlURL string) *KeySigner {
	t.Helper()
	key, cert := p.leaf(t, leafOpts{rsa: useRSA, crlURL: crlURL, keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment})
	s, err := NewKeySigner(key, cert, []*x509.Certificate{p.caCert})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// corpusScan returns a scan PDF of the shared corpus.
func corpusScan(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "scans", name)
	if _, err := os.Stat(filepath.Join(testenv.RepoRoot(t), "..", "shared")); err != nil {
		t.Skip("shared corpus absent")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// imagePDF builds an image-only PDF with one JPEG per page via pdfcpu.
func imagePDF(t testing.TB, dir string, pages int) string {
	t.Helper()
	var files []string
	for i := 0; i < pages; i++ {
		img := image.NewGray(image.Rect(0, 0, 850, 1100))
		for y := 0; y < 1100; y++ {
			for x := 0; x < 850; x++ {
				v := uint8(255)
				if (x/40+y/30+i)%7 == 0 {
					v = 30
				}
				img.SetGray(x, y, color.Gray{Y: v})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "page"+string(rune('a'+i%26))+big.NewInt(int64(i)).String()+".jpg")
		if err := os.WriteFile(f, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out := filepath.Join(dir, "scan.pdf")
	imp := api.DefaultImportConfig()
	if err := api.ImportImagesFile(files, out, imp, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
}

func run(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// crlServer serves an empty CRL of the test CA so that pdfcpu can settle
// the revocation status and give a definite verdict.
func (p *testPKI) crlServer(t testing.TB) string {
	t.Helper()
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Hour),
		NextUpdate: time.Now().Add(24 * time.Hour),
	}, p.caCert, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ca.crl"
}

// tsaServer is a RFC 3161 time-stamp authority built on "openssl ts
// -reply", one process per request, with a TSA certificate from the test CA.
func (p *testPKI) tsaServer(t testing.TB) string {
	t.Helper()
	needTool(t, "openssl")
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// openssl insists on a critical extendedKeyUsage of exactly timeStamping.
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(99),
		Subject:         pkix.Name{CommonName: "eingang Test-TSA"},
		NotBefore:       time.Now().Add(-time.Hour),
		NotAfter:        time.Now().Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	writePEM(t, filepath.Join(dir, "tsa.crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "tsa.key"), "PRIVATE KEY", kder)
	writePEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE", p.caCert.Raw)
	os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
	cnf := "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\n" +
		"serial = " + filepath.Join(dir, "serial") + "\n" +
		"signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\n" +
		"accuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
	os.WriteFile(filepath.Join(dir, "tsa.cnf"), []byte(cnf), 0o600)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		q, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		qf := filepath.Join(dir, "req.tsq")
		rf := filepath.Join(dir, "resp.tsr")
		os.WriteFile(qf, q, 0o600)
		out, err := exec.Command("openssl", "ts", "-reply", "-config", filepath.Join(dir, "tsa.cnf"),
			"-queryfile", qf, "-signer", filepath.Join(dir, "tsa.crt"), "-inkey", filepath.Join(dir, "tsa.key"),
			"-chain", filepath.Join(dir, "ca.crt"), "-out", rf).CombinedOutput()
		if err != nil {
			t.Errorf("openssl ts -reply: %v\n%s", err, out)
			http.Error(w, "tsa failed", http.StatusInternalServerError)
			return
		}
		resp, _ := os.ReadFile(rf)
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

package fabasoft

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

const testDept = "FSCBAI@1.1:Department"

// testConfig returns a complete config for a fake served at baseURL.
func testConfig(t *testing.T, baseURL string, fake *fabasoftfake.Server) Config {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(fake.Password()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.BaseURL = baseURL + "/fsc"
	cfg.Username = fake.Username()
	cfg.PasswordFile = pw
	cfg.Container = fake.Vorgang()
	cfg.ReferenceAttribute = "lhmdfvpublic@2150.8800:externeid"
	cfg.WorkflowAttribute = "lhmdfvpublic@2150.8800:prozessid"
	cfg.Properties = []Property{
		{Reference: "COOELAK@1.1001:foreignnr", Value: `{{index .Metadata "invoice_number"}}`},
		{Reference: "lhmdfvpublic@2150.8800:betrag", Type: "FLOAT", Value: `{{index .Metadata "grand_total"}}`},
		{Reference: "lhmdfvpublic@2150.8800:leitwegid", Value: `{{index .Metadata "buyer_reference"}}`},
		{Reference: "COOELAK@1.1001:delivery", Type: "DATE", Value: `{{date .Received}}`},
		{Reference: "COOELAK@1.1001:filesubj", Type: "STRINGLIST", Value: "{{.Kind}} {{.Profile}}\n{{.Route}}\n{{.SourceName}}"},
	}
	cfg.Workflow = WorkflowConfig{Operation: WorkflowStart, Dept: testDept}
	cfg.Timeout = 5 * time.Second
	return cfg
}

// env is a fake plus a client talking to it over loopback HTTP.
type env struct {
	fake   *fabasoftfake.Server
	srv    *httptest.Server
	client *Client
	cfg    Config
}

func newEnv(t *testing.T, opts fabasoftfake.Options, mutate func(*Config)) *env {
	t.Helper()
	return newEnvHandler(t, opts, mutate, nil)
}

// newEnvHandler lets a test wrap the fake's handler (to switch faults on
// at a precise request).
func newEnvHandler(t *testing.T, opts fabasoftfake.Options, mutate func(*Config), wrap func(*fabasoftfake.Server) http.Handler) *env {
	t.Helper()
	fake := fabasoftfake.New(opts)
	var h http.Handler = fake
	if wrap != nil {
		h = wrap(fake)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv.URL, fake)
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New("fabasoft", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{fake: fake, srv: srv, client: c, cfg: cfg}
}

// testDoc writes content as the document's PDF and returns the document.
func testDoc(t *testing.T, content []byte, md map[string]string) *dms.Document {
	t.Helper()
	sum := sha256.Sum256(content)
	id := hex.EncodeToString(sum[:])
	p := filepath.Join(t.TempDir(), id[:8]+".pdf")
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return &dms.Document{
		ID: id, SourceName: "scan_0042.pdf", Profile: "rechnung", Kind: "rechnung", Route: "Kämmerei",
		Pages: 1, PDFPath: p, Received: time.Date(2025, 1, 14, 9, 30, 0, 0, time.UTC), Metadata: md,
	}
}

func pdfBytes(n int, seed string) []byte {
	b := []byte("%PDF-1.7\n% " + seed + "\n")
	for len(b) < n {
		b = append(b, fmt.Sprintf("%d 0 obj << /Seed (%s) >> endobj\n", len(b), seed)...)
	}
	if len(b) > n && n > 32 {
		b = b[:n]
	}
	return b
}

func invoiceMeta() map[string]string {
	return map[string]string{"invoice_number": "RE-2025-0042", "grand_total": "1190.00", "buyer_reference": "04011000-1234512345-06"}
}

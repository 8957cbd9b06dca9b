package d3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
)

const testKeyEnv = "EINGANG_TEST_D3_KEY"

// env bundles a fake, its server and a client against it.
type env struct {
	fake   *d3fake.Server
	srv    *httptest.Server
	client *d3.Client
	cfg    d3.Config
}

// testConfig maps the fake's default source: invoices into DRECH with the
// Rechnungsworkflow, everything else into DPOST.
func testConfig(base, repo string) d3.Config {
	cfg := d3.Defaults()
	cfg.BaseURL = base
	cfg.Repository = repo
	cfg.APIKeyEnv = testKeyEnv
	cfg.HashProperty = "200"
	cfg.Timeout = 2 * time.Second
	cfg.LookupWait = 100 * time.Millisecond
	cfg.Categories = []d3.Category{
		{
			Kinds:    []string{"rechnung"},
			Category: "DRECH",
			Properties: map[string]string{
				"10": "{{.Metadata.seller_name}}",
				"12": "{{.Metadata.invoice_number}}",
				"13": "{{num .Metadata.grand_total}}",
				"14": "{{date .Metadata.due_date}}",
				"15": "{{.Metadata.buyer_reference}}",
				"20": "{{.Route}}",
				"21": "{{.Profile}}",
				"22": "{{.Pages}}",
			},
			StartProcess: true,
		},
		{Category: "DPOST", Properties: map[string]string{"20": "{{.Route}}", "21": "{{.Profile}}"}},
	}
	cfg.Process.Key = "rechnungsworkflow"
	cfg.Process.InstanceProperty = "201"
	return cfg
}

func newEnv(t *testing.T, opts d3fake.Options, tweak func(*d3.Config), copts ...d3.Option) *env {
	t.Helper()
	return newEnvTB(t, opts, tweak, copts...)
}

func newEnvTB(t testing.TB, opts d3fake.Options, tweak func(*d3.Config), copts ...d3.Option) *env {
	t.Helper()
	fake := d3fake.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL, fake.Options().Repo)
	if tweak != nil {
		tweak(&cfg)
	}
	key := fake.Options().APIKey
	copts = append([]d3.Option{d3.WithGetenv(func(name string) string {
		if name == testKeyEnv {
			return key
		}
		return ""
	})}, copts...)
	c, err := d3.New("d3", cfg, copts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{fake: fake, srv: srv, client: c, cfg: cfg}
}

// newDoc writes a PDF-like file of size bytes and returns its Document.
func newDoc(t *testing.T, kind string, size int) *dms.Document {
	t.Helper()
	content := make([]byte, size)
	_, _ = rand.Read(content)
	copy(content, "%PDF-1.7\n")
	sum := sha256.Sum256(content)
	p := filepath.Join(t.TempDir(), "scan.pdf")
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return &dms.Document{
		ID: hex.EncodeToString(sum[:]), SourceName: "scan_0001.tif", Profile: "kaemmerei", Kind: kind,
		Route: "20.1 Kämmerei", Pages: 2, PDFPath: p, Received: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Metadata: map[string]string{
			"invoice_number": "RE-2026-4711", "grand_total": "1.234,50", "seller_name": "Lieferant GmbH",
			"due_date": "20261231", "buyer_reference": "05315000-0001-12",
		},
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeliverInvoiceContract(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	doc := newDoc(t, "rechnung", 10_000)
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if rc.Target != "d3" || rc.Existing || !strings.HasPrefix(rc.Ref, "D") {
		t.Errorf("receipt = %+v", rc)
	}
	if want := e.srv.URL + "/dms/r/" + e.cfg.Repository + "/o2m/" + rc.Ref; rc.URL != want {
		t.Errorf("URL = %q, want %q", rc.URL, want)
	}
	got, ok := e.fake.Document(rc.Ref)
	if !ok {
		t.Fatalf("fake has no document %s", rc.Ref)
	}
	if !bytes.Equal(got.Content, mustRead(t, doc.PDFPath)) {
		t.Error("stored content differs from the PDF")
	}
	if got.Category != "DRECH" || got.Filename != "scan_0001.pdf" {
		t.Errorf("category %q filename %q", got.Category, got.Filename)
	}
	wantProps := map[string]string{
		"10": "Lieferant GmbH", "12": "RE-2026-4711", "13": "1234.50", "14": "2026-12-31",
		"15": "05315000-0001-12", "20": "20.1 Kämmerei", "21": "kaemmerei", "22": "2", "200": doc.ID,
	}
	for k, v := range wantProps {
		if g := got.Properties[k]; len(g) != 1 || g[0] != v {
			t.Errorf("property %s = %q, want [%q]", k, g, v)
		}
	}
	inst := e.fake.Instances()
	if len(inst) != 1 {
		t.Fatalf("process starts = %d, want 1", len(inst))
	}
	if rc.Workflow != inst[0].Location {
		t.Errorf("Workflow = %q, want %q", rc.Workflow, inst[0].Location)
	}
	if g := got.Properties["201"]; len(g) != 1 || g[0] != rc.Workflow {
		t.Errorf("instance property = %q, want %q", g, rc.Workflow)
	}
	vars := inst[0].Variables
	wantVars := map[string]any{
		"dv_attachment": "dmsObject:///dms/r/" + e.cfg.Repository + "/o2/" + rc.Ref,
		"amount":        1234.5, "creditor": "Lieferant GmbH", "invoiceNumber": "RE-2026-4711",
		"dueDate": "2026-12-31", "leitwegId": "05315000-0001-12", "office": "20.1 Kämmerei",
	}
	for k, v := range wantVars {
		if vars[k] != v {
			t.Errorf("variable %s = %#v, want %#v", k, vars[k], v)
		}
	}
	if e.fake.Blobs() != 0 {
		t.Errorf("%d temporary blobs left", e.fake.Blobs())
	}
}

func TestDeliverPostWithoutProcess(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	rc, err := e.client.Deliver(context.Background(), newDoc(t, "post", 500))
	if err != nil {
		t.Fatal(err)
	}
	if rc.Workflow != "" || e.fake.ProcessStarts() != 0 {
		t.Errorf("post started a process: %+v", rc)
	}
	if d, _ := e.fake.Document(rc.Ref); d.Category != "DPOST" {
		t.Errorf("category %q", d.Category)
	}
}

func TestRedeliveryIsIdempotent(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	doc := newDoc(t, "rechnung", 2000)
	first, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Existing || second.Ref != first.Ref || second.Workflow != first.Workflow {
		t.Errorf("second receipt %+v, first %+v", second, first)
	}
	if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 {
		t.Errorf("creates %d, starts %d; want 1, 1", e.fake.Creates(), e.fake.ProcessStarts())
	}
}

func TestChunkedUploadStreamsLargeFile(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.ChunkSize = 64 << 10 })
	doc := newDoc(t, "post", 300_000) // 5 chunks
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Requests(d3fake.OpChunk); n != 5 {
		t.Errorf("chunk requests = %d, want 5", n)
	}
	got, _ := e.fake.Document(rc.Ref)
	if !bytes.Equal(got.Content, mustRead(t, doc.PDFPath)) {
		t.Error("reassembled content differs")
	}
}

func TestSessionModeLogsInOnce(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Auth = "session" })
	for range 3 {
		if _, err := e.client.Deliver(context.Background(), newDoc(t, "post", 100)); err != nil {
			t.Fatal(err)
		}
	}
	if e.fake.Logins() != 1 {
		t.Errorf("logins = %d, want 1", e.fake.Logins())
	}
}

func TestReloginOnceOn401(t *testing.T) {
	for _, op := range []d3fake.Op{d3fake.OpSearch, d3fake.OpChunk, d3fake.OpCreate, d3fake.OpProcess} {
		t.Run(string(op), func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Auth = "session" })
			if err := e.client.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			e.fake.Inject(d3fake.Fault{Op: op, Kind: d3fake.FaultUnauthorized})
			if _, err := e.client.Deliver(context.Background(), newDoc(t, "rechnung", 100)); err != nil {
				t.Fatalf("Deliver after 401: %v", err)
			}
			if e.fake.Logins() != 2 || e.client.Logins() != 2 {
				t.Errorf("logins fake %d client %d, want 2", e.fake.Logins(), e.client.Logins())
			}
			if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 {
				t.Errorf("creates %d starts %d", e.fake.Creates(), e.fake.ProcessStarts())
			}
		})
	}
}

func TestSecond401IsNotRetriedAgain(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Auth = "session" })
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpSearch, Kind: d3fake.FaultUnauthorized, Times: 2})
	_, err := e.client.Deliver(context.Background(), newDoc(t, "post", 100))
	if !errors.Is(err, d3.ErrUnauthorized) || dms.IsRejected(err) {
		t.Fatalf("err = %v, want transient ErrUnauthorized", err)
	}
	if n := e.fake.Requests(d3fake.OpSearch); n != 2 {
		t.Errorf("search requests = %d, want 2 (one re-login only)", n)
	}
}

func TestWrongAPIKeyIsTransient(t *testing.T) {
	for _, auth := range []string{"api_key", "session"} {
		t.Run(auth, func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Auth = auth },
				d3.WithGetenv(func(string) string { return "wrong" }))
			_, err := e.client.Deliver(context.Background(), newDoc(t, "post", 100))
			if !errors.Is(err, d3.ErrUnauthorized) || dms.IsRejected(err) {
				t.Fatalf("err = %v", err)
			}
			if err := e.client.Ping(context.Background()); !errors.Is(err, d3.ErrUnauthorized) {
				t.Errorf("Ping = %v", err)
			}
		})
	}
}

func TestTransientFaults(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		fault     d3fake.Fault
		wantAfter time.Duration // 0: no RetryAfterError expected
	}{
		{"429 seconds", d3fake.Fault{Op: d3fake.OpSearch, Status: 429, RetryAfter: "7"}, 7 * time.Second},
		{"503 seconds", d3fake.Fault{Op: d3fake.OpChunk, Status: 503, RetryAfter: "120"}, 120 * time.Second},
		{"503 http date", d3fake.Fault{Op: d3fake.OpSearch, Status: 503, RetryAfter: httpDate}, 90 * time.Second},
		{"429 on create", d3fake.Fault{Op: d3fake.OpCreate, Status: 429, RetryAfter: "3"}, 3 * time.Second},
		{"429 no header", d3fake.Fault{Op: d3fake.OpSearch, Status: 429}, 0},
		{"502", d3fake.Fault{Op: d3fake.OpChunk, Status: 502}, 0},
		{"504", d3fake.Fault{Op: d3fake.OpSearch, Status: 504}, 0},
		{"500 on process", d3fake.Fault{Op: d3fake.OpProcess, Status: 500}, 0},
		{"423 locked", d3fake.Fault{Op: d3fake.OpChunk, Status: 423, Reason: "gesperrt"}, 0},
		{"reset", d3fake.Fault{Op: d3fake.OpChunk, Kind: d3fake.FaultReset}, 0},
		{"search timeout", d3fake.Fault{Op: d3fake.OpSearch, Kind: d3fake.FaultHang}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Timeout = 300 * time.Millisecond })
			e.fake.Inject(tt.fault)
			doc := newDoc(t, "rechnung", 1000)
			_, err := e.client.Deliver(context.Background(), doc)
			if err == nil {
				t.Fatal("Deliver succeeded despite the fault")
			}
			if dms.IsRejected(err) {
				t.Fatalf("transient fault reported as rejection: %v", err)
			}
			var ra *dms.RetryAfterError
			if got := errors.As(err, &ra); got != (tt.wantAfter > 0) {
				t.Fatalf("RetryAfterError = %v, want %v (err %v)", got, tt.wantAfter > 0, err)
			}
			if ra != nil && (ra.After < tt.wantAfter-2*time.Second || ra.After > tt.wantAfter) {
				t.Errorf("After = %s, want about %s", ra.After, tt.wantAfter)
			}
			// The retry completes, and nothing exists twice.
			rc, err := e.client.Deliver(context.Background(), doc)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 || rc.Workflow == "" {
				t.Errorf("creates %d starts %d receipt %+v", e.fake.Creates(), e.fake.ProcessStarts(), rc)
			}
		})
	}
}

func TestSlowResponsesWithinTimeout(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Timeout = 2 * time.Second })
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpAny, Kind: d3fake.FaultDelay, Delay: 50 * time.Millisecond, Times: 4})
	if _, err := e.client.Deliver(context.Background(), newDoc(t, "rechnung", 1000)); err != nil {
		t.Fatal(err)
	}
}

func TestRejections(t *testing.T) {
	tests := []struct {
		name       string
		fault      *d3fake.Fault
		tweak      func(*d3.Config)
		edit       func(*dms.Document)
		wantStatus int
		wantReason string
	}{
		{name: "mandatory property missing", edit: func(d *dms.Document) { delete(d.Metadata, "invoice_number") },
			wantStatus: 400, wantReason: `Die Pflichteigenschaft "12" (Rechnungsnummer) fehlt.`},
		{name: "unknown property key", tweak: func(c *d3.Config) { c.Categories[0].Properties["999"] = "x" },
			wantStatus: 400, wantReason: `Die Eigenschaft "999" ist in der Quelle`},
		{name: "unknown category", tweak: func(c *d3.Config) { c.Categories[0].Category = "DXXXX" },
			wantStatus: 400, wantReason: `Die Kategorie "DXXXX" ist in der Quelle nicht bekannt.`},
		{name: "bad date format", tweak: func(c *d3.Config) { c.Categories[0].Properties["14"] = "{{.Metadata.due_date}}" },
			wantStatus: 400, wantReason: `"20261231" ist kein Datum`},
		{name: "injected validation error", fault: &d3fake.Fault{Op: d3fake.OpCreate, Status: 400, Reason: "Wert zu lang [0004711]"},
			wantStatus: 400, wantReason: "Wert zu lang [0004711]"},
		{name: "forbidden", fault: &d3fake.Fault{Op: d3fake.OpChunk, Status: 403, Reason: "Keine Berechtigung"},
			wantStatus: 403, wantReason: "Keine Berechtigung"},
		{name: "process variable undeclared",
			tweak:      func(c *d3.Config) { c.Process.Body = `{"variables":{"dv_attachment":{{json .DMSObject}},"betrag":1}}` },
			wantStatus: 400, wantReason: `Rechnungsworkflow: Die Variable "betrag" ist im Prozess`},
		{name: "process variable missing", edit: func(d *dms.Document) { d.Metadata["grand_total"] = "" },
			wantStatus: 400, wantReason: `Rechnungsworkflow: Die Pflichtvariable "amount" fehlt.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, tt.tweak)
			if tt.fault != nil {
				e.fake.Inject(*tt.fault)
			}
			doc := newDoc(t, "rechnung", 1000)
			if tt.edit != nil {
				tt.edit(doc)
			}
			_, err := e.client.Deliver(context.Background(), doc)
			var re *dms.RejectedError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *dms.RejectedError", err)
			}
			if re.Status != tt.wantStatus || !strings.Contains(re.Reason, tt.wantReason) || re.Target != "d3" {
				t.Errorf("rejection = %d %q, want %d containing %q", re.Status, re.Reason, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestProcessRejectionKeepsDocumentRef(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	doc := newDoc(t, "rechnung", 1000)
	doc.Metadata["grand_total"] = ""
	rc, err := e.client.Deliver(context.Background(), doc)
	if !dms.IsRejected(err) || rc.Ref == "" {
		t.Fatalf("rc %+v err %v", rc, err)
	}
	// After the clerk fixes the data, the stored document gets its process.
	doc.Metadata["grand_total"] = "10.00"
	rc2, err := e.client.Deliver(context.Background(), doc)
	if err != nil || rc2.Ref != rc.Ref || !rc2.Existing || rc2.Workflow == "" {
		t.Fatalf("rc2 %+v err %v", rc2, err)
	}
	if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 {
		t.Errorf("creates %d starts %d", e.fake.Creates(), e.fake.ProcessStarts())
	}
}

func TestBadDocumentsAreRejected(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.pdf")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  *dms.Document
		want error
	}{
		{"nil", nil, d3.ErrInvalidDocument},
		{"no id", &dms.Document{PDFPath: empty}, d3.ErrInvalidDocument},
		{"missing file", &dms.Document{ID: "ab", PDFPath: "/nonexistent/x.pdf"}, d3.ErrInvalidDocument},
		{"empty file", &dms.Document{ID: "ab", PDFPath: empty}, d3.ErrInvalidDocument},
	}
	e := newEnv(t, d3fake.Options{}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Deliver(context.Background(), tt.doc)
			if !errors.Is(err, tt.want) || !dms.IsRejected(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
	t.Run("no category", func(t *testing.T) {
		e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Categories = c.Categories[:1] })
		_, err := e.client.Deliver(context.Background(), newDoc(t, "post", 10))
		if !errors.Is(err, d3.ErrNoCategory) || !dms.IsRejected(err) {
			t.Errorf("err = %v", err)
		}
	})
	if e.fake.Requests(d3fake.OpAny) != 0 {
		t.Errorf("bad documents caused %d requests", e.fake.Requests(d3fake.OpAny))
	}
}

func TestLostCreateResponseNoDuplicate(t *testing.T) {
	tests := []struct {
		name  string
		fault d3fake.Fault
	}{
		{"connection dropped after create", d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse}},
		{"gateway 504 after create", d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse, Status: 504}},
		{"gateway 502 after create", d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse, Status: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, nil)
			e.fake.Inject(tt.fault)
			doc := newDoc(t, "rechnung", 5000)
			rc, err := e.client.Deliver(context.Background(), doc)
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			again, err := e.client.Deliver(context.Background(), doc)
			if err != nil {
				t.Fatal(err)
			}
			if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 || again.Ref != rc.Ref {
				t.Errorf("creates %d starts %d refs %s/%s", e.fake.Creates(), e.fake.ProcessStarts(), rc.Ref, again.Ref)
			}
		})
	}
}

func TestCreateTimeoutNoDuplicate(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Timeout = 300 * time.Millisecond })
	// The fake stores the document but the answer never comes: the client
	// times out and must find the document instead of creating it again.
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse})
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultHang})
	doc := newDoc(t, "post", 100)
	if _, err := e.client.Deliver(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	if e.fake.Creates() != 1 {
		t.Errorf("creates = %d", e.fake.Creates())
	}
}

func TestLostCreateResponseWithSearchLag(t *testing.T) {
	clock := d3fake.NewClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	e := newEnv(t, d3fake.Options{SearchLag: 3 * time.Second, Now: clock.Now}, nil, d3.WithClock(clock.Now))
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse})
	doc := newDoc(t, "rechnung", 1000)
	_, err := e.client.Deliver(context.Background(), doc)
	if !errors.Is(err, d3.ErrOutcomeUnknown) || dms.IsRejected(err) {
		t.Fatalf("first attempt: %v, want transient ErrOutcomeUnknown", err)
	}
	// An immediate retry must not create: search does not show it yet.
	if _, err := e.client.Deliver(context.Background(), doc); !errors.Is(err, d3.ErrOutcomeUnknown) {
		t.Fatalf("second attempt: %v", err)
	}
	clock.Advance(3 * time.Second)
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 || rc.Workflow == "" {
		t.Errorf("creates %d starts %d rc %+v", e.fake.Creates(), e.fake.ProcessStarts(), rc)
	}
}

func TestAmbiguityWindowExpires(t *testing.T) {
	// When a create with unknown outcome really did not happen (the
	// request never reached d.3), the client creates after the window.
	clock := d3fake.NewClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	e := newEnv(t, d3fake.Options{Now: clock.Now}, nil, d3.WithClock(clock.Now))
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultReset})
	doc := newDoc(t, "post", 100)
	if _, err := e.client.Deliver(context.Background(), doc); !errors.Is(err, d3.ErrOutcomeUnknown) {
		t.Fatalf("first: %v", err)
	}
	if _, err := e.client.Deliver(context.Background(), doc); !errors.Is(err, d3.ErrOutcomeUnknown) {
		t.Fatalf("within window: %v", err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := e.client.Deliver(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	if e.fake.Creates() != 1 {
		t.Errorf("creates = %d", e.fake.Creates())
	}
}

// TestOutageInBatchDeliveredExactlyOnce drives a batch of 20 invoices
// through a 2-minute outage the way the worker would: retry on transient
// errors, waiting Retry-After (here: advancing the shared clock instead of
// sleeping). The outage starts while a create's answer is lost.
func TestOutageInBatchDeliveredExactlyOnce(t *testing.T) {
	t.Run("503 with Retry-After", func(t *testing.T) { testOutageBatch(t, false) })
	t.Run("connections dropped", func(t *testing.T) { testOutageBatch(t, true) })
}

func testOutageBatch(t *testing.T, network bool) {
	const outage = 2 * time.Minute
	clock := d3fake.NewClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	e := newEnv(t, d3fake.Options{SearchLag: 3 * time.Second, Now: clock.Now}, func(c *d3.Config) { c.LookupWait = 20 * time.Millisecond },
		d3.WithClock(clock.Now))
	docs := make([]*dms.Document, 20)
	for i := range docs {
		docs[i] = newDoc(t, "rechnung", 2000+i)
	}
	start := clock.Now()
	var retries, retryAfters int
	for i, doc := range docs {
		if i == 10 {
			e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Kind: d3fake.FaultLoseResponse})
		}
		for attempt := 0; ; attempt++ {
			if attempt > 200 {
				t.Fatalf("doc %d not delivered after 200 attempts", i)
			}
			_, err := e.client.Deliver(context.Background(), doc)
			if i == 10 && attempt == 0 {
				if network {
					e.fake.StartNetworkOutage(outage)
				} else {
					e.fake.StartOutage(outage)
				}
			}
			if err == nil {
				break
			}
			if dms.IsRejected(err) {
				t.Fatalf("doc %d rejected: %v", i, err)
			}
			retries++
			var ra *dms.RetryAfterError
			if errors.As(err, &ra) {
				retryAfters++
				clock.Advance(min(max(ra.After, time.Second), 30*time.Second)) // worker caps its wait
			} else {
				clock.Advance(5 * time.Second) // worker backoff
			}
		}
	}
	if elapsed := clock.Now().Sub(start); elapsed < outage {
		t.Errorf("outage not exercised: only %s passed", elapsed)
	}
	if retryAfters == 0 && !network {
		t.Error("no Retry-After seen during the outage")
	}
	if e.fake.Creates() != 20 || e.fake.ProcessStarts() != 20 {
		t.Errorf("creates %d starts %d, want 20/20", e.fake.Creates(), e.fake.ProcessStarts())
	}
	seen := map[string]bool{}
	for _, d := range e.fake.Documents() {
		h := d.Properties["200"][0]
		if seen[h] {
			t.Errorf("duplicate document for hash %.12s", h)
		}
		seen[h] = true
	}
	for _, doc := range docs {
		if !seen[doc.ID] {
			t.Errorf("document %.12s missing", doc.ID)
		}
	}
	t.Logf("%d retries, %d with Retry-After, %s of simulated time", retries, retryAfters, clock.Now().Sub(start))
}

func TestPing(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Auth = "session" })
	if err := e.client.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpDiscover, Status: 503, RetryAfter: "5"})
	var ra *dms.RetryAfterError
	if err := e.client.Ping(context.Background()); !errors.As(err, &ra) {
		t.Errorf("Ping during 503 = %v", err)
	}
}

func TestCustomCABundle(t *testing.T) {
	fake := d3fake.New(d3fake.Options{})
	srv := httptest.NewUnstartedServer(fake)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake is expected
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pemCert(srv.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(fake.Options().APIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, withCA := range []bool{true, false} {
		cfg := testConfig(srv.URL, fake.Options().Repo)
		cfg.APIKeyEnv, cfg.APIKeyFile = "", keyFile
		if withCA {
			cfg.CAFile = ca
		}
		c, err := d3.New("d3", cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Ping(context.Background())
		if withCA && err != nil {
			t.Errorf("with ca_file: %v", err)
		}
		if !withCA && err == nil {
			t.Error("without ca_file the self-signed server was trusted")
		}
	}
}

func TestFakeRequiresOrigin(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/dms/r/"+e.cfg.Repository+"/blob/chunk/", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer "+e.fake.Options().APIKey)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("write without Origin: %d, want 403", resp.StatusCode)
	}
	// The client always sends Origin, so the same write succeeds through it.
	if _, err := e.client.Deliver(context.Background(), newDoc(t, "post", 10)); err != nil {
		t.Fatal(err)
	}
}

// dialFail fails the first create with a dial error, as when d.3 goes down
// between upload and create: nothing was sent, so nothing is ambiguous.
type dialFail struct {
	next  http.RoundTripper
	fired bool
}

func (d *dialFail) RoundTrip(r *http.Request) (*http.Response, error) {
	if !d.fired && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/o2m") {
		d.fired = true
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return d.next.RoundTrip(r)
}

func TestCreateDialErrorIsNotAmbiguous(t *testing.T) {
	clock := d3fake.NewClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	rt := &dialFail{next: http.DefaultTransport}
	e := newEnv(t, d3fake.Options{Now: clock.Now}, nil, d3.WithClock(clock.Now), d3.WithHTTPClient(&http.Client{Transport: rt}))
	doc := newDoc(t, "post", 100)
	_, err := e.client.Deliver(context.Background(), doc)
	if err == nil || errors.Is(err, d3.ErrOutcomeUnknown) || dms.IsRejected(err) {
		t.Fatalf("first attempt: %v, want a plain transient error", err)
	}
	// No ambiguity window: the retry creates at once.
	if _, err := e.client.Deliver(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	if e.fake.Creates() != 1 {
		t.Errorf("creates = %d", e.fake.Creates())
	}
}

func TestLostProcessStartAnswer(t *testing.T) {
	faults := map[string]d3fake.Fault{
		"connection dropped": {Op: d3fake.OpProcess, Kind: d3fake.FaultLoseResponse},
		"gateway 504":        {Op: d3fake.OpProcess, Kind: d3fake.FaultLoseResponse, Status: 504},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, d3fake.Options{}, nil)
			e.fake.Inject(f)
			rc, err := e.client.Deliver(context.Background(), newDoc(t, "rechnung", 100))
			var re *dms.RejectedError
			if !errors.As(err, &re) || !errors.Is(err, d3.ErrOutcomeUnknown) || !strings.Contains(re.Reason, rc.Ref) || rc.Ref == "" {
				t.Fatalf("rc %+v err %v; want a rejection naming the document", rc, err)
			}
			if e.fake.ProcessStarts() != 1 || e.fake.Creates() != 1 {
				t.Errorf("starts %d creates %d", e.fake.ProcessStarts(), e.fake.Creates())
			}
		})
	}
	t.Run("retry policy", func(t *testing.T) {
		e := newEnv(t, d3fake.Options{}, func(c *d3.Config) { c.Process.OnUnknownOutcome = "retry" })
		e.fake.Inject(faults["gateway 504"])
		_, err := e.client.Deliver(context.Background(), newDoc(t, "rechnung", 100))
		if err == nil || dms.IsRejected(err) {
			t.Fatalf("err = %v, want transient", err)
		}
	})
}

func TestSessionRenewedBeforeExpiry(t *testing.T) {
	clock := d3fake.NewClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	e := newEnv(t, d3fake.Options{SessionTTL: time.Minute, Now: clock.Now}, func(c *d3.Config) { c.Auth = "session" }, d3.WithClock(clock.Now))
	if err := e.client.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(45 * time.Second) // inside the 30 s safety margin
	if err := e.client.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.fake.Logins() != 2 || e.fake.Requests(d3fake.OpDiscover) != 2 {
		t.Errorf("logins %d, discover requests %d; want a renewal without a 401 round", e.fake.Logins(), e.fake.Requests(d3fake.OpDiscover))
	}
}

func TestConcurrentDeliveriesOfOneDocument(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpSearch, Kind: d3fake.FaultDelay, Delay: 20 * time.Millisecond, Times: 8})
	doc := newDoc(t, "rechnung", 1000)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := e.client.Deliver(context.Background(), doc)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if e.fake.Creates() != 1 || e.fake.ProcessStarts() != 1 {
		t.Errorf("creates %d starts %d", e.fake.Creates(), e.fake.ProcessStarts())
	}
}

// TestHeldWorkflowNotStarted: a possible duplicate invoice is stored in
// its invoice category but starts no process.
func TestHeldWorkflowNotStarted(t *testing.T) {
	e := newEnv(t, d3fake.Options{}, nil)
	doc := newDoc(t, "rechnung", 500)
	doc.HoldWorkflow = "possible duplicate invoice"
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Workflow != "" || e.fake.ProcessStarts() != 0 || e.fake.Creates() != 1 {
		t.Errorf("held document: receipt %+v, %d starts, %d creates", rc, e.fake.ProcessStarts(), e.fake.Creates())
	}
	if d, _ := e.fake.Document(rc.Ref); d.Category != "DRECH" {
		t.Errorf("category %q", d.Category)
	}
}

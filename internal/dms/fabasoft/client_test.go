package fabasoft

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

func TestDeliverContract(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
		c.AuthenticatedUser = "sachbearbeiter1"
		c.Position = "COO.1.1001.1.777"
		c.Group = "COO.1.1001.1.888"
	})
	content := pdfBytes(50_000, "contract")
	doc := testDoc(t, content, invoiceMeta())
	xmlPath := filepath.Join(t.TempDir(), "rechnung.xml")
	os.WriteFile(xmlPath, []byte("<Invoice/>"), 0o600)
	doc.Attachments = []dms.Attachment{{Name: "rechnung.xml", MediaType: "application/xml", Path: xmlPath}}

	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if !cooRE.MatchString(rc.Ref) || !cooRE.MatchString(rc.Workflow) || rc.Existing || rc.Target != "fabasoft" {
		t.Fatalf("receipt = %+v", rc)
	}

	docs := e.fake.Documents()
	if len(docs) != 1 {
		t.Fatalf("fake holds %d documents, want 1", len(docs))
	}
	d := docs[0]
	if d.Address != rc.Ref || d.Class != fabasoftfake.ClassIncoming || d.Container != e.fake.Vorgang() {
		t.Errorf("document = %s %s in %s", d.Address, d.Class, d.Container)
	}
	wantName := "Eingangsrechnung RE-2025-0042 [" + doc.ID[:12] + "]"
	if d.Name != wantName {
		t.Errorf("name = %q, want %q", d.Name, wantName)
	}
	wantProps := map[string]fabasoftfake.Value{
		"COOELAK@1.1001:foreignnr":         {Type: "STRING", Values: []string{"RE-2025-0042"}},
		"lhmdfvpublic@2150.8800:betrag":    {Type: "FLOAT", Values: []string{"1190.00"}},
		"lhmdfvpublic@2150.8800:leitwegid": {Type: "STRING", Values: []string{"04011000-1234512345-06"}},
		"COOELAK@1.1001:delivery":          {Type: "DATE", Values: []string{"2025-01-14"}},
		"COOELAK@1.1001:filesubj":          {Type: "STRINGLIST", Values: []string{"rechnung rechnung", "Kämmerei", "scan_0042.pdf"}},
		"lhmdfvpublic@2150.8800:externeid": {Type: "STRING", Values: []string{doc.ID}},
		"lhmdfvpublic@2150.8800:prozessid": {Type: "STRING", Values: []string{rc.Workflow}},
	}
	for ref, want := range wantProps {
		got := d.Props[ref]
		if got.Type != want.Type || !slices.Equal(got.Values, want.Values) {
			t.Errorf("property %s = %+v, want %+v", ref, got, want)
		}
	}
	if len(d.Props) != len(wantProps) {
		t.Errorf("document has %d properties, want %d", len(d.Props), len(wantProps))
	}
	if len(d.Contents) != 2 {
		t.Fatalf("%d content objects, want 2", len(d.Contents))
	}
	pdf, att := d.Contents[0], d.Contents[1]
	if !bytes.Equal(pdf.Content, content) || pdf.Extension != "pdf" || pdf.Class != DefaultContentClass || pdf.Name != wantName {
		t.Errorf("pdf content object: class %s ext %s name %q, %d bytes", pdf.Class, pdf.Extension, pdf.Name, len(pdf.Content))
	}
	if string(att.Content) != "<Invoice/>" || att.Extension != "xml" || att.Name != "rechnung" {
		t.Errorf("attachment: ext %s name %q content %q", att.Extension, att.Name, att.Content)
	}
	wfs := e.fake.Workflows()
	if len(wfs) != 1 || wfs[0].Object != rc.Ref || wfs[0].Dept != testDept || wfs[0].ProcessInst != rc.Workflow {
		t.Errorf("workflows = %+v", wfs)
	}
	user, px, gx := e.fake.Impersonation()
	if user != "sachbearbeiter1" || px != "COO.1.1001.1.777" || gx != "COO.1.1001.1.888" {
		t.Errorf("impersonation = %q %q %q", user, px, gx)
	}
	if err := e.client.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestDeliverTwiceIsIdempotent(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	doc := testDoc(t, pdfBytes(10_000, "twice"), invoiceMeta())
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
	if e.fake.Creates() != 1 || e.fake.WorkflowStarts() != 1 || e.fake.ContentCreates() != 1 {
		t.Errorf("creates %d, workflows %d, contents %d; want 1 each", e.fake.Creates(), e.fake.WorkflowStarts(), e.fake.ContentCreates())
	}
}

func TestInitializeWorkflow(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
		c.Workflow = WorkflowConfig{Operation: WorkflowInitialize, ProcessDefinitions: []string{"COO.1.1001.1.99999"}}
	})
	rc, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(1000, "init"), invoiceMeta()))
	if err != nil {
		t.Fatal(err)
	}
	wfs := e.fake.Workflows()
	if len(wfs) != 1 || wfs[0].Operation != fabasoftfake.OpInitWorkflow || !slices.Equal(wfs[0].ProcDefs, []string{"COO.1.1001.1.99999"}) || wfs[0].Object != rc.Ref {
		t.Errorf("workflows = %+v", wfs)
	}
	if rc.Workflow != "" {
		t.Errorf("Workflow = %q; SOAPInitializeWorkFlow returns no id", rc.Workflow)
	}
}

func TestWorkflowOnlyForKinds(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, func(c *Config) { c.Workflow.Kinds = []string{"rechnung"} })
	doc := testDoc(t, pdfBytes(1000, "post"), nil)
	doc.Kind = "post"
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Workflow != "" || e.fake.WorkflowStarts() != 0 {
		t.Errorf("workflow started for kind post: %+v", rc)
	}
	d := e.fake.Documents()[0]
	if !strings.HasPrefix(d.Name, "Eingang scan_0042.pdf [") {
		t.Errorf("name without invoice number = %q", d.Name)
	}
	if _, ok := d.Props["COOELAK@1.1001:foreignnr"]; ok {
		t.Error("empty template result was sent")
	}
}

// deliverUntilDone calls Deliver like a worker with retries would, and
// fails the test on a rejection or when attempts run out.
func deliverUntilDone(t *testing.T, c *Client, doc *dms.Document, attempts int) dms.Receipt {
	t.Helper()
	var last error
	for range attempts {
		rc, err := c.Deliver(context.Background(), doc)
		if err == nil {
			return rc
		}
		if dms.IsRejected(err) {
			t.Fatalf("rejected: %v", err)
		}
		last = err
	}
	t.Fatalf("not delivered after %d attempts: %v", attempts, last)
	return dms.Receipt{}
}

func TestFaults(t *testing.T) {
	fault := func(ref, msg string) *fabasoftfake.SOAPFault {
		return &fabasoftfake.SOAPFault{String: msg, ErrorReference: ref}
	}
	tests := []struct {
		name    string
		faults  []fabasoftfake.Fault
		timeout time.Duration
		mutate  func(*Config)
		// expectations for the first attempt
		wantErr    error // errors.Is target, nil = success
		wantAfter  time.Duration
		wantReject string // reason substring
		wantStatus int    // of the RejectedError; default 500
	}{
		{name: "auth failure", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSearch, Status: 401}}, wantErr: ErrAuth},
		{name: "forbidden", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, Status: 403}}, wantErr: ErrAuth},
		{name: "429 retry-after seconds", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSearch, Status: 429, RetryAfter: "7"}}, wantErr: ErrUnavailable, wantAfter: 7 * time.Second},
		{name: "503 retry-after on create", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, Status: 503, RetryAfter: "120"}}, wantErr: ErrUnavailable, wantAfter: 2 * time.Minute},
		{name: "503 without retry-after", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, Status: 503}}, wantErr: ErrUnavailable},
		{name: "500 without SOAP body", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSetProperties, Status: 500}}, wantErr: ErrUnavailable},
		{name: "connection reset", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, Reset: true}}, wantErr: ErrUnavailable},
		{name: "slow response", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, Delay: 200 * time.Millisecond}}},
		{name: "timeout before processing", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, Delay: 3 * time.Second}}, timeout: 300 * time.Millisecond, wantErr: ErrUnavailable},
		{name: "timeout after processing content", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, DelayAfter: 3 * time.Second}}, timeout: 300 * time.Millisecond, wantErr: ErrUnavailable},
		{name: "lost response of properties", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSetProperties, LoseResponse: true}}, wantErr: ErrUnavailable},
		{name: "lost response of marker", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSetProperties, Skip: 1, LoseResponse: true}}, wantErr: ErrUnavailable},
		{name: "bad metadata fault", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSetProperties, SOAPFault: fault("E16", "Ungültiger Wert für Fachdatum Betrag")}}, wantErr: ErrFault, wantReject: "Ungültiger Wert für Fachdatum Betrag"},
		{name: "permission fault", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, SOAPFault: fault("E2", "Keine Berechtigung für COO.1.2301.1.1042402")}}, wantErr: ErrFault, wantReject: "Keine Berechtigung"},
		{name: "workflow fault", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpStartWorkflow, SOAPFault: fault("E9", "Prozessdefinition nicht gefunden")}}, wantErr: ErrFault, wantReject: "Rechnungsworkflow: Prozessdefinition nicht gefunden"},
		{name: "400 without fault", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, Status: 400}}, wantErr: ErrFault, wantReject: "HTTP 400 Bad Request", wantStatus: 400},
		{name: "413 from a proxy", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateContent, Status: 413}}, wantErr: ErrTooLarge, wantReject: "zu groß", wantStatus: 413},
		{name: "locked is transient when configured", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpSetProperties, SOAPFault: fault("E1", "Objekt gesperrt")}},
			mutate: func(c *Config) { c.RetryErrorReferences = []string{"E1"} }, wantErr: ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
				if tt.timeout > 0 {
					c.Timeout = tt.timeout
				}
				if tt.mutate != nil {
					tt.mutate(c)
				}
			})
			e.fake.Inject(tt.faults...)
			doc := testDoc(t, pdfBytes(20_000, tt.name), invoiceMeta())
			_, err := e.client.Deliver(context.Background(), doc)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Deliver: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Deliver error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), e.fake.Password()) {
				t.Fatalf("error leaks the password: %v", err)
			}
			var ra *dms.RetryAfterError
			if got := errors.As(err, &ra); got != (tt.wantAfter > 0) || (got && ra.After != tt.wantAfter) {
				t.Errorf("RetryAfterError = %v, want After %v", ra, tt.wantAfter)
			}
			var rej *dms.RejectedError
			if got := errors.As(err, &rej); got != (tt.wantReject != "") {
				t.Fatalf("rejected = %v (%v), want %v", got, err, tt.wantReject != "")
			} else if got {
				wantStatus := cmp.Or(tt.wantStatus, http.StatusInternalServerError)
				if !strings.Contains(rej.Reason, tt.wantReject) || rej.Status != wantStatus || rej.Target != "fabasoft" {
					t.Errorf("RejectedError = %+v, want reason %q", rej, tt.wantReject)
				}
				var fe *FaultError
				if wantStatus == 500 && (!errors.As(err, &fe) || fe.ErrorReference == "") {
					t.Errorf("FaultError not reachable: %v", err)
				}
				return
			}
			// Transient: retrying must deliver exactly once.
			e.fake.ClearFaults()
			rc := deliverUntilDone(t, e.client, doc, 3)
			if e.fake.Creates() != 1 || e.fake.WorkflowStarts() != 1 || e.fake.ContentCreates() != 1 {
				t.Errorf("creates %d, workflows %d, contents %d; want 1 each", e.fake.Creates(), e.fake.WorkflowStarts(), e.fake.ContentCreates())
			}
			d, _ := e.fake.Object(rc.Ref)
			if d.Props[e.cfg.ReferenceAttribute].First() != doc.ID {
				t.Errorf("reference not set after recovery")
			}
		})
	}
}

// A create that succeeds but whose answer is lost must not lead to a
// second document: the client searches again before creating.
func TestLostCreateResponse(t *testing.T) {
	tests := []struct {
		name    string
		faults  []fabasoftfake.Fault
		timeout time.Duration
		// errFirst: the first Deliver call fails (recovery search failed too)
		errFirst bool
	}{
		{name: "connection dropped", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, LoseResponse: true}}},
		{name: "timeout after create", faults: []fabasoftfake.Fault{{Op: fabasoftfake.OpCreateObject, DelayAfter: 3 * time.Second}}, timeout: 300 * time.Millisecond},
		{name: "recovery search fails too", errFirst: true, faults: []fabasoftfake.Fault{
			{Op: fabasoftfake.OpCreateObject, LoseResponse: true},
			{Op: fabasoftfake.OpSearch, Skip: 2, Times: 5, Status: 503},
		}},
		{name: "create lost then content lost", faults: []fabasoftfake.Fault{
			{Op: fabasoftfake.OpCreateObject, LoseResponse: true},
			{Op: fabasoftfake.OpCreateContent, LoseResponse: true},
		}, errFirst: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
				if tt.timeout > 0 {
					c.Timeout = tt.timeout
				}
			})
			e.fake.Inject(tt.faults...)
			doc := testDoc(t, pdfBytes(30_000, tt.name), invoiceMeta())
			_, err := e.client.Deliver(context.Background(), doc)
			if (err != nil) != tt.errFirst {
				t.Fatalf("first Deliver: %v (want error: %v)", err, tt.errFirst)
			}
			e.fake.ClearFaults()
			rc := deliverUntilDone(t, e.client, doc, 3)
			if n := e.fake.Creates(); n != 1 {
				t.Fatalf("fake created %d documents, want 1", n)
			}
			if e.fake.WorkflowStarts() != 1 || e.fake.ContentCreates() != 1 {
				t.Errorf("workflows %d, contents %d", e.fake.WorkflowStarts(), e.fake.ContentCreates())
			}
			if docs := e.fake.Documents(); len(docs) != 1 || docs[0].Address != rc.Ref {
				t.Errorf("documents = %d, receipt %s", len(docs), rc.Ref)
			}
		})
	}
}

func TestRejectedByFakeValidation(t *testing.T) {
	t.Run("bad date value", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
			c.Properties = append(c.Properties, Property{Reference: "lhmdfvpublic@2150.8800:faellig", Type: "DATE", Value: `{{index .Metadata "due_date"}}`})
		})
		md := invoiceMeta()
		md["due_date"] = "14.02.2025"
		_, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(2000, "date"), md))
		var rej *dms.RejectedError
		if !errors.As(err, &rej) || !strings.Contains(rej.Reason, `Invalid value "14.02.2025"`) || !errors.Is(err, ErrFault) {
			t.Fatalf("err = %v", err)
		}
		if e.fake.WorkflowStarts() != 0 {
			t.Error("workflow started for a rejected document")
		}
	})
	t.Run("unknown attribute in failed list", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{KnownAttributes: []string{"COOELAK@1.1001:foreignnr", "COOELAK@1.1001:delivery", "COOELAK@1.1001:filesubj"}}, nil)
		_, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(2000, "failed"), invoiceMeta()))
		var rej *dms.RejectedError
		if !errors.As(err, &rej) || !errors.Is(err, ErrPropertiesFailed) || !strings.Contains(rej.Reason, "lhmdfvpublic@2150.8800:betrag") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("too large for the client", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{}, func(c *Config) { c.MaxContentBytes = 1000 })
		_, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(2000, "big"), nil))
		if !dms.IsRejected(err) || !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v", err)
		}
		if n := e.fake.Requests(fabasoftfake.OpSearch); n != 0 {
			t.Errorf("%d requests sent for a too large file", n)
		}
	})
	t.Run("too large for the server", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{MaxContentBytes: 1000}, nil)
		_, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(2000, "big"), nil))
		var rej *dms.RejectedError
		if !errors.As(err, &rej) || !strings.Contains(rej.Reason, "maximum size") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("wrong container class", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{}, nil)
		e.cfg.Container = e.fake.Akte() // a Sachakte cannot hold documents directly
		c, err := New("fabasoft", e.cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Deliver(context.Background(), testDoc(t, pdfBytes(2000, "akte"), nil))
		if !dms.IsRejected(err) || !strings.Contains(err.Error(), "cannot hold documents") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing PDF", func(t *testing.T) {
		e := newEnv(t, fabasoftfake.Options{}, nil)
		doc := testDoc(t, pdfBytes(100, "x"), nil)
		doc.PDFPath = filepath.Join(t.TempDir(), "gone.pdf")
		if _, err := e.client.Deliver(context.Background(), doc); !dms.IsRejected(err) || !errors.Is(err, ErrBadDocument) {
			t.Fatalf("err = %v", err)
		}
	})
}

// An outage in the middle of a batch of 20: the 8th create succeeds but
// its answer is lost as the service goes down; the outage first answers
// 503 with Retry-After, then drops connections; after recovery every
// document is there exactly once.
func TestOutageInBatch(t *testing.T) {
	const batch = 20
	var (
		creates     int
		outageReqs  int
		inOutage    bool
		retryAfters int
	)
	var mu sync.Mutex // handlers run on connection goroutines
	wrap := func(fake *fabasoftfake.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			if inOutage {
				outageReqs++
				switch outageReqs {
				case 25:
					fake.SetOutage(&fabasoftfake.Outage{Reset: true})
				case 50:
					fake.SetOutage(nil)
					inOutage = false
				}
			}
			startOutage := false
			if strings.HasSuffix(r.Header.Get("SOAPAction"), fabasoftfake.OpCreateObject) {
				creates++
				if creates == 8 {
					fake.Inject(fabasoftfake.Fault{Op: fabasoftfake.OpCreateObject, LoseResponse: true})
					startOutage = true
				}
			}
			mu.Unlock()
			if startOutage {
				defer func() {
					fake.SetOutage(&fabasoftfake.Outage{Status: 503, RetryAfter: "120"})
					mu.Lock()
					inOutage = true
					mu.Unlock()
				}()
			}
			fake.ServeHTTP(w, r)
		})
	}
	e := newEnvHandler(t, fabasoftfake.Options{}, nil, wrap)

	docs := make([]*dms.Document, batch)
	for i := range docs {
		docs[i] = testDoc(t, pdfBytes(20_000+i, "batch"+string(rune('A'+i))), invoiceMeta())
	}
	receipts := map[string]dms.Receipt{}
	pending := slices.Clone(docs)
	for round := 0; len(pending) > 0; round++ {
		if round > 100 {
			t.Fatalf("%d documents still pending", len(pending))
		}
		var next []*dms.Document
		for _, d := range pending {
			rc, err := e.client.Deliver(context.Background(), d)
			var ra *dms.RetryAfterError
			switch {
			case err == nil:
				receipts[d.ID] = rc
			case dms.IsRejected(err):
				t.Fatalf("rejected during outage: %v", err)
			case errors.As(err, &ra):
				retryAfters++ // a worker would wait ra.After; the test does not
				next = append(next, d)
			default:
				next = append(next, d)
			}
		}
		pending = next
	}
	if retryAfters == 0 {
		t.Error("Retry-After never surfaced during the outage")
	}
	if got := e.fake.Creates(); got != batch {
		t.Errorf("fake created %d documents, want %d", got, batch)
	}
	if got := e.fake.WorkflowStarts(); got != batch {
		t.Errorf("fake started %d workflows, want %d", got, batch)
	}
	stored := e.fake.Documents()
	if len(stored) != batch {
		t.Fatalf("fake holds %d documents", len(stored))
	}
	seen := map[string]bool{}
	for _, d := range stored {
		id := d.Props[e.cfg.ReferenceAttribute].First()
		if seen[id] || receipts[id].Ref != d.Address || len(d.Contents) != 1 {
			t.Errorf("document %s: id %s duplicate=%v receipt=%s contents=%d", d.Address, id, seen[id], receipts[id].Ref, len(d.Contents))
		}
		seen[id] = true
	}
}

func TestPing(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	if err := e.client.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	e.fake.Inject(fabasoftfake.Fault{Status: 401})
	if err := e.client.Ping(context.Background()); !errors.Is(err, ErrAuth) {
		t.Errorf("Ping with auth failure = %v", err)
	}
	e.fake.SetOutage(&fabasoftfake.Outage{Status: 503})
	if err := e.client.Ping(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping during outage = %v", err)
	}
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	os.WriteFile(e.cfg.PasswordFile, []byte("falsch"), 0o600)
	c, err := New("fabasoft", e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Deliver(context.Background(), testDoc(t, pdfBytes(100, "pw"), nil))
	if !errors.Is(err, ErrAuth) || dms.IsRejected(err) || strings.Contains(err.Error(), "falsch") {
		t.Fatalf("err = %v", err)
	}
}

func TestCredentialsFromEnvironment(t *testing.T) {
	fake := fabasoftfake.New(fabasoftfake.Options{Username: "tech", Password: "s3cret"})
	cfg := testConfig(t, "http://127.0.0.1:1", fake)
	cfg.Username, cfg.UsernameEnv = "", "FB_TEST_USER"
	cfg.PasswordFile, cfg.PasswordEnv = "", "FB_TEST_PASSWORD"
	t.Setenv("FB_TEST_USER", "tech")
	t.Setenv("FB_TEST_PASSWORD", "s3cret")
	c, err := New("fabasoft", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.user != "tech" || c.password != "s3cret" {
		t.Errorf("credentials not loaded from the environment")
	}
	t.Setenv("FB_TEST_PASSWORD", "")
	if _, err := New("fabasoft", cfg); err == nil || !strings.Contains(err.Error(), "password_env") {
		t.Errorf("empty password variable: %v", err)
	}
}

// The client is shared by the workers; distinct documents in parallel must
// each arrive once.
func TestConcurrentDeliveries(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	docs := make([]*dms.Document, 12)
	for i := range docs {
		docs[i] = testDoc(t, pdfBytes(8000+i, "par"), invoiceMeta())
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(docs))
	for _, d := range docs {
		wg.Go(func() {
			_, err := e.client.Deliver(context.Background(), d)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if e.fake.Creates() != len(docs) || e.fake.WorkflowStarts() != len(docs) {
		t.Errorf("creates %d, workflows %d", e.fake.Creates(), e.fake.WorkflowStarts())
	}
}

// TestHeldWorkflowNotStarted: a possible duplicate invoice is filed but
// starts no Rechnungsworkflow, whatever the workflow configuration says.
func TestHeldWorkflowNotStarted(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	doc := testDoc(t, pdfBytes(1000, "held"), nil)
	doc.HoldWorkflow = "possible duplicate invoice"
	rc, err := e.client.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Workflow != "" || e.fake.WorkflowStarts() != 0 || len(e.fake.Documents()) != 1 {
		t.Errorf("held document: receipt %+v, %d workflow starts, %d documents", rc, e.fake.WorkflowStarts(), len(e.fake.Documents()))
	}
}

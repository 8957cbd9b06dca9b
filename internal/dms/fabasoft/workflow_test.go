package fabasoft

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

const testWorkflowAttr = "lhmdfvpublic@2150.8800:prozessid"

// fixedNow pins the client's clock so that markers and reasons can be
// compared with literal values.
var fixedNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const (
	fixedRequested = "angefordert 2026-11-23T10:00:00Z" // what the request marker must read
	fixedReasonAt  = "23.11.2026 um 10:00:00 UTC"       // how the reason must show it
)

func initializeWorkflow(c *Config) {
	c.Workflow = WorkflowConfig{Operation: WorkflowInitialize, ProcessDefinitions: []string{"COO.1.1001.1.99999"}}
}

// workflowAttr reads workflow_attribute of the object at coo from the fake.
func workflowAttr(t *testing.T, e *env, coo string) string {
	t.Helper()
	o, ok := e.fake.Object(coo)
	if !ok {
		t.Fatalf("object %s not in the fake", coo)
	}
	return o.Props[testWorkflowAttr].First()
}

// restart returns a new client on the same fake and config: the state of
// a process that crashed or was restarted.
func restart(t *testing.T, e *env) *Client {
	t.Helper()
	c, err := New("fabasoft", e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return fixedNow }
	return c
}

// wantUnconfirmed checks that err is the cautious rejection for the object
// coo, with the wording the clerk needs.
func wantUnconfirmed(t *testing.T, err error, coo string) {
	t.Helper()
	var rej *dms.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, ErrWorkflowUnconfirmed) {
		t.Fatalf("err = %v, want a RejectedError wrapping ErrWorkflowUnconfirmed", err)
	}
	// The name is the one the default name template gives invoiceMeta().
	for _, want := range []string{"Rechnungsworkflow", "angefordert", fixedReasonAt, coo, "„Eingangsrechnung RE-2025-0042 [",
		"von Hand starten", "nicht wieder in den Eingangsordner"} {
		if !strings.Contains(rej.Reason, want) {
			t.Errorf("reason %q lacks %q", rej.Reason, want)
		}
	}
	if rej.Target != "fabasoft" {
		t.Errorf("target = %q", rej.Target)
	}
}

// A start whose outcome cannot be known must never be repeated: the first
// attempt is rejected for a clerk, and so is every later one (same process
// or after a restart), while the fake counts at most the one start.
func TestWorkflowStartWithUnknownOutcome(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		fault   fabasoftfake.Fault
		timeout time.Duration
		// wantStarts is what the fake did with the failed call: 1 when it
		// processed it (lost answer), 0 when it did not (but the client
		// cannot tell).
		wantStarts int
	}{
		{name: "lost response start_workflow", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, LoseResponse: true}, wantStarts: 1},
		{name: "lost response initialize_workflow", mutate: initializeWorkflow, fault: fabasoftfake.Fault{Op: fabasoftfake.OpInitWorkflow, LoseResponse: true}, wantStarts: 1},
		{name: "answer after the timeout", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, DelayAfter: 3 * time.Second}, timeout: 300 * time.Millisecond, wantStarts: 1},
		{name: "502 from a gateway", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, Status: 502}},
		{name: "500 without SOAP fault", mutate: initializeWorkflow, fault: fabasoftfake.Fault{Op: fabasoftfake.OpInitWorkflow, Status: 500}},
		{name: "connection reset", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, Reset: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, func(c *Config) {
				if tt.mutate != nil {
					tt.mutate(c)
				}
				if tt.timeout > 0 {
					c.Timeout = tt.timeout
				}
			})
			e.client.now = func() time.Time { return fixedNow }
			e.fake.Inject(tt.fault)
			doc := testDoc(t, pdfBytes(5000, tt.name), invoiceMeta())

			rc, err := e.client.Deliver(context.Background(), doc)
			if rc.Ref == "" {
				t.Fatalf("receipt without the object COO: %+v (%v)", rc, err)
			}
			wantUnconfirmed(t, err, rc.Ref)
			if got := workflowAttr(t, e, rc.Ref); got != fixedRequested {
				t.Errorf("workflow attribute = %q, want the request marker %q", got, fixedRequested)
			}

			e.fake.ClearFaults()
			// The clerk put the file back anyway, once in the same
			// process and once after a restart.
			for _, c := range []*Client{e.client, restart(t, e)} {
				rc2, err := c.Deliver(context.Background(), doc)
				wantUnconfirmed(t, err, rc.Ref)
				if rc2.Ref != rc.Ref {
					t.Errorf("second receipt names %s, first %s", rc2.Ref, rc.Ref)
				}
			}
			if n := e.fake.WorkflowStarts(); n != tt.wantStarts {
				t.Errorf("workflow starts = %d, want %d", n, tt.wantStarts)
			}
			if e.fake.Creates() != 1 || e.fake.ContentCreates() != 1 {
				t.Errorf("creates %d, contents %d; want 1 each", e.fake.Creates(), e.fake.ContentCreates())
			}
			if o, _ := e.fake.Object(rc.Ref); o.Props[e.cfg.ReferenceAttribute].First() != "" {
				t.Error("reference written although the workflow is unconfirmed")
			}
		})
	}
}

// A start that Fabasoft certainly did not process clears the request
// marker; the retry (or the re-fed file after a SOAP fault) starts exactly
// one workflow.
func TestWorkflowStartDefinitelyFailed(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(*Config)
		fault      fabasoftfake.Fault
		wantErr    error
		wantAfter  time.Duration
		wantReject string
	}{
		{name: "503 with Retry-After", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, Status: 503, RetryAfter: "30"}, wantErr: ErrUnavailable, wantAfter: 30 * time.Second},
		{name: "429 on initialize", mutate: initializeWorkflow, fault: fabasoftfake.Fault{Op: fabasoftfake.OpInitWorkflow, Status: 429, RetryAfter: "5"}, wantErr: ErrUnavailable, wantAfter: 5 * time.Second},
		{name: "401", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, Status: 401}, wantErr: ErrAuth},
		{name: "SOAP fault", fault: fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, SOAPFault: &fabasoftfake.SOAPFault{String: "Fachanwendungsbereich gesperrt", ErrorReference: "E7"}},
			wantErr: ErrFault, wantReject: "Rechnungsworkflow: Fachanwendungsbereich gesperrt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, tt.mutate)
			e.fake.Inject(tt.fault)
			doc := testDoc(t, pdfBytes(5000, tt.name), invoiceMeta())

			rc, err := e.client.Deliver(context.Background(), doc)
			if !errors.Is(err, tt.wantErr) || errors.Is(err, ErrWorkflowUnconfirmed) {
				t.Fatalf("first Deliver: %v, want %v", err, tt.wantErr)
			}
			var ra *dms.RetryAfterError
			if got := errors.As(err, &ra); got != (tt.wantAfter > 0) || (got && ra.After != tt.wantAfter) {
				t.Errorf("RetryAfterError = %v, want After %v", ra, tt.wantAfter)
			}
			var rej *dms.RejectedError
			if got := errors.As(err, &rej); got != (tt.wantReject != "") || (got && !strings.Contains(rej.Reason, tt.wantReject)) {
				t.Errorf("rejection = %v, want reason %q", err, tt.wantReject)
			}
			if got := workflowAttr(t, e, rc.Ref); got != "" {
				t.Errorf("request marker %q not cleared", got)
			}
			if n := e.fake.WorkflowStarts(); n != 0 {
				t.Fatalf("fake started %d workflows on a refused call", n)
			}

			e.fake.ClearFaults()
			// After a transient error the worker retries; after a rejection
			// the clerk fixes the cause and puts the file back. Both times
			// with a restarted process, so only Fabasoft's state counts.
			rc2 := deliverUntilDone(t, restart(t, e), doc, 2)
			if n := e.fake.WorkflowStarts(); n != 1 {
				t.Errorf("workflow starts = %d, want 1", n)
			}
			if e.fake.Creates() != 1 || rc2.Ref != rc.Ref {
				t.Errorf("creates %d, refs %s/%s", e.fake.Creates(), rc.Ref, rc2.Ref)
			}
			o, _ := e.fake.Object(rc2.Ref)
			if o.Props[e.cfg.ReferenceAttribute].First() != doc.ID || strings.HasPrefix(workflowAttr(t, e, rc2.Ref), WorkflowRequestedPrefix) {
				t.Errorf("commit marker: reference %q, workflow %q", o.Props[e.cfg.ReferenceAttribute].First(), workflowAttr(t, e, rc2.Ref))
			}
		})
	}
}

// A refused start whose marker cannot be cleared either (the service went
// down): the process that saw the refusal knows the marker is stale and
// starts the workflow on retry; a restarted process cannot know and
// rejects.
func TestRequestMarkerLeftAfterFailedClear(t *testing.T) {
	for _, restarted := range []bool{false, true} {
		name := map[bool]string{false: "same process", true: "after restart"}[restarted]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, nil)
			e.client.now = func() time.Time { return fixedNow }
			e.fake.Inject(
				fabasoftfake.Fault{Op: fabasoftfake.OpStartWorkflow, Status: 503, RetryAfter: "60"},
				// SetProperties calls: 1 properties, 2 request marker, 3 clear.
				fabasoftfake.Fault{Op: fabasoftfake.OpSetProperties, Skip: 2, Status: 503},
			)
			doc := testDoc(t, pdfBytes(5000, name), invoiceMeta())
			rc, err := e.client.Deliver(context.Background(), doc)
			if !errors.Is(err, ErrUnavailable) || dms.IsRejected(err) {
				t.Fatalf("first Deliver: %v", err)
			}
			if e.fake.PendingFaults() != 0 {
				t.Fatalf("%d injected faults did not fire", e.fake.PendingFaults())
			}
			if got := workflowAttr(t, e, rc.Ref); got != fixedRequested {
				t.Fatalf("workflow attribute = %q, want the stale marker %q", got, fixedRequested)
			}
			c := e.client
			if restarted {
				c = restart(t, e)
			}
			rc2, err := c.Deliver(context.Background(), doc)
			if restarted {
				wantUnconfirmed(t, err, rc.Ref)
				if n := e.fake.WorkflowStarts(); n != 0 {
					t.Errorf("workflow starts = %d, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("retry in the same process: %v", err)
			}
			if n := e.fake.WorkflowStarts(); n != 1 || !cooRE.MatchString(rc2.Workflow) || workflowAttr(t, e, rc.Ref) != rc2.Workflow {
				t.Errorf("workflow starts %d, receipt %q, attribute %q", n, rc2.Workflow, workflowAttr(t, e, rc.Ref))
			}
		})
	}
}

// The start succeeded but the commit marker could not be written: the
// same process finishes the delivery with the known process instance; a
// process that crashed between start and commit leaves only the request
// marker behind, so its successor rejects instead of starting again.
func TestCommitMarkerFailsAfterStart(t *testing.T) {
	for _, restarted := range []bool{false, true} {
		name := map[bool]string{false: "same process", true: "crash before the commit"}[restarted]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, fabasoftfake.Options{}, nil)
			e.client.now = func() time.Time { return fixedNow }
			// SetProperties calls: 1 properties, 2 request marker, 3 commit.
			e.fake.Inject(fabasoftfake.Fault{Op: fabasoftfake.OpSetProperties, Skip: 2, Status: 503})
			doc := testDoc(t, pdfBytes(5000, name), invoiceMeta())
			rc, err := e.client.Deliver(context.Background(), doc)
			if !errors.Is(err, ErrUnavailable) || dms.IsRejected(err) {
				t.Fatalf("first Deliver: %v", err)
			}
			wfs := e.fake.Workflows()
			if len(wfs) != 1 || workflowAttr(t, e, rc.Ref) != fixedRequested {
				t.Fatalf("workflows %+v, attribute %q", wfs, workflowAttr(t, e, rc.Ref))
			}
			c := e.client
			if restarted {
				c = restart(t, e)
			}
			rc2, err := c.Deliver(context.Background(), doc)
			if e.fake.WorkflowStarts() != 1 {
				t.Errorf("workflow starts = %d, want 1", e.fake.WorkflowStarts())
			}
			if restarted {
				wantUnconfirmed(t, err, rc.Ref)
				return
			}
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if rc2.Workflow != wfs[0].ProcessInst || workflowAttr(t, e, rc.Ref) != wfs[0].ProcessInst {
				t.Errorf("receipt workflow %q, attribute %q, want %s", rc2.Workflow, workflowAttr(t, e, rc.Ref), wfs[0].ProcessInst)
			}
		})
	}
}

// A half-delivered document whose workflow_attribute already names a
// process instance (the commit marker was only partly written) is
// completed without a second start.
func TestResumeWithStartedWorkflow(t *testing.T) {
	e := newEnv(t, fabasoftfake.Options{}, nil)
	e.fake.Inject(fabasoftfake.Fault{Op: fabasoftfake.OpSetProperties, Skip: 2, Status: 503})
	doc := testDoc(t, pdfBytes(5000, "partial"), invoiceMeta())
	rc, err := e.client.Deliver(context.Background(), doc)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("first Deliver: %v", err)
	}
	proc := e.fake.Workflows()[0].ProcessInst
	// What a commit marker looks like whose reference part failed (§12 F6).
	if err := e.client.setWorkflowAttribute(context.Background(), rc.Ref, proc); err != nil {
		t.Fatal(err)
	}
	rc2, err := restart(t, e).Deliver(context.Background(), doc)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if e.fake.WorkflowStarts() != 1 || rc2.Workflow != proc || rc2.Existing {
		t.Errorf("starts %d, receipt %+v, want workflow %s", e.fake.WorkflowStarts(), rc2, proc)
	}
	if o, _ := e.fake.Object(rc.Ref); o.Props[e.cfg.ReferenceAttribute].First() != doc.ID {
		t.Error("reference not written")
	}
}

// The request marker is on the object before the start call arrives, and
// the commit marker replaces it; SOAPInitializeWorkFlow, which returns no
// id, leaves "gestartet <time>".
func TestWorkflowMarkers(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*Config)
		op        string
		wantFinal func(rc dms.Receipt, e *env) string
	}{
		{name: "start_workflow", op: fabasoftfake.OpStartWorkflow,
			wantFinal: func(rc dms.Receipt, e *env) string { return e.fake.Workflows()[0].ProcessInst }},
		{name: "initialize_workflow", mutate: initializeWorkflow, op: fabasoftfake.OpInitWorkflow,
			wantFinal: func(dms.Receipt, *env) string { return "gestartet 2026-11-23T10:00:00Z" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var atStart []string
			wrap := func(fake *fabasoftfake.Server) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.Header.Get("SOAPAction"), tt.op) {
						mu.Lock()
						for _, d := range fake.Documents() {
							atStart = append(atStart, d.Props[testWorkflowAttr].First())
						}
						mu.Unlock()
					}
					fake.ServeHTTP(w, r)
				})
			}
			e := newEnvHandler(t, fabasoftfake.Options{}, tt.mutate, wrap)
			e.client.now = func() time.Time { return fixedNow }
			rc, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(3000, tt.name), invoiceMeta()))
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(atStart) != 1 || atStart[0] != fixedRequested {
				t.Errorf("workflow attribute when the start arrived = %q, want [%s]", atStart, fixedRequested)
			}
			if got, want := workflowAttr(t, e, rc.Ref), tt.wantFinal(rc, e); got != want {
				t.Errorf("workflow attribute after commit = %q, want %q", got, want)
			}
			again, err := e.client.Deliver(context.Background(), testDoc(t, pdfBytes(3000, tt.name), invoiceMeta()))
			if err != nil || !again.Existing || again.Workflow != rc.Workflow {
				t.Errorf("re-delivery %+v, %v; first %+v", again, err, rc)
			}
		})
	}
}

func TestNotProcessed(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"SOAP fault", &dms.RejectedError{Status: 500, Err: &FaultError{Status: 500, String: "x"}}, true},
		{"retryable SOAP fault", errors.Join(ErrUnavailable, &FaultError{ErrorReference: "E1"}), true},
		{"503", &statusError{kind: ErrUnavailable, status: 503}, true},
		{"429 with Retry-After", &dms.RetryAfterError{After: time.Second, Err: &statusError{kind: ErrUnavailable, status: 429}}, true},
		{"401", &statusError{kind: ErrAuth, status: 401}, true},
		{"404", &statusError{kind: ErrUnavailable, status: 404}, true},
		{"400 without fault", &dms.RejectedError{Status: 400, Err: ErrFault}, true},
		{"connection refused", &transportError{op: "x", err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true},
		{"500 without fault", &statusError{kind: ErrUnavailable, status: 500}, false},
		{"502", &statusError{kind: ErrUnavailable, status: 502}, false},
		{"504", &statusError{kind: ErrUnavailable, status: 504}, false},
		{"connection lost after sending", &transportError{op: "x", err: errors.New("EOF")}, false},
		{"timeout", &transportError{op: "x", err: context.DeadlineExceeded}, false},
		{"unreadable answer", errors.Join(ErrMalformed, errMalformed), false},
		{"properties failed", &dms.RejectedError{Err: ErrPropertiesFailed}, false},
	}
	for _, tt := range tests {
		if got := notProcessed(tt.err); got != tt.want {
			t.Errorf("%s: notProcessed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The same document delivered twice at once (the same file in two hot
// folders) must not be created and started twice. The wrapper holds the
// first look-up until a second one arrives or 300 ms pass: without the
// per-document lock both look-ups miss and both deliveries create.
func TestSameDocumentConcurrently(t *testing.T) {
	var mu sync.Mutex
	arrived := make(chan struct{}, 2)
	lookups := 0
	wrap := func(fake *fabasoftfake.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("SOAPAction"), fabasoftfake.OpSearch) {
				mu.Lock()
				lookups++
				first := lookups == 1
				mu.Unlock()
				if first {
					select {
					case <-arrived:
					case <-time.After(300 * time.Millisecond):
					}
				} else {
					select {
					case arrived <- struct{}{}:
					default:
					}
				}
			}
			fake.ServeHTTP(w, r)
		})
	}
	e := newEnvHandler(t, fabasoftfake.Options{}, nil, wrap)
	doc := testDoc(t, pdfBytes(4000, "twin"), invoiceMeta())
	var wg sync.WaitGroup
	receipts := make([]dms.Receipt, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { receipts[i], errs[i] = e.client.Deliver(context.Background(), doc) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e.fake.Creates() != 1 || e.fake.WorkflowStarts() != 1 {
		t.Errorf("creates %d, workflow starts %d; want 1 each", e.fake.Creates(), e.fake.WorkflowStarts())
	}
	if receipts[0].Ref != receipts[1].Ref || receipts[0].Existing == receipts[1].Existing {
		t.Errorf("receipts %+v and %+v: want one new, one existing, same object", receipts[0], receipts[1])
	}
}

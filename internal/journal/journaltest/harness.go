package journaltest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// Harness is how the contract reaches an adapter.
type Harness struct {
	// New makes a fresh journal without a schema and returns the name
	// Open reaches it under (a file path, a DSN).
	New func(t testing.TB) string
	// Open opens the journal name and brings its schema up to date. Every
	// call is a connection (pool) of its own, as another node's would be;
	// it must also work in a helper process (see Main).
	Open func(ctx context.Context, name string) (journal.Store, error)
}

func (h Harness) open(t *testing.T) journal.Store {
	t.Helper()
	return h.openName(t, h.New(t))
}

func (h Harness) openName(t testing.TB, name string) journal.Store {
	t.Helper()
	j, err := h.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// Run runs the contract tests against the adapter h reaches. The adapter's
// test binary must run its tests through Main.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		f    func(*testing.T, Harness)
	}{
		{"CreateIsIdempotent", testCreateIsIdempotent},
		{"UpdateAndQueries", testUpdateAndQueries},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentUpdatesFromProcesses", testConcurrentUpdatesFromProcesses},
		{"ReopenKeepsData", testReopenKeepsData},
		{"ConcurrentMigrations", testConcurrentMigrations},
		{"ClaimInvoiceKeys", testClaimInvoiceKeys},
		{"ClaimInvoiceKeysConcurrent", testClaimInvoiceKeysConcurrent},
		{"ClaimInvoiceKeysAcrossConnections", testClaimInvoiceKeysAcrossConnections},
		{"ListFilters", testListFilters},
		{"ChannelAndOriginAreKept", testChannelAndOriginAreKept},
		{"BatchAndPartsAreKept", testBatchAndPartsAreKept},
		{"MailboxState", testMailboxState},
		{"Prune", testPrune},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, h) })
	}
}

// The helper process is this test binary again, told by these variables
// to update one document a number of times instead of running tests.
const (
	helperEnv  = "EINGANG_JOURNALTEST_HELPER" // the journal's name
	helperDoc  = "EINGANG_JOURNALTEST_DOC"
	helperRuns = "EINGANG_JOURNALTEST_UPDATES"
)

// Main runs the tests of an adapter's package; call it from TestMain. In
// a helper process started by the contract tests it does the helper's
// work instead and exits. It stops the private PostgreSQL cluster, if one
// was started, after the tests.
func Main(m *testing.M, open func(ctx context.Context, name string) (journal.Store, error)) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(helper(name, open))
	}
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

func helper(name string, open func(ctx context.Context, name string) (journal.Store, error)) int {
	ctx := context.Background()
	j, err := open(ctx, name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer j.Close()
	n, _ := strconv.Atoi(os.Getenv(helperRuns))
	// Start together with the parent: it waits for this line.
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "helper: waiting for go:", err)
		return 1
	}
	if err := updateMany(ctx, j, os.Getenv(helperDoc), "helper", n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// updateMany counts in the document's Pages and adds one event per update.
func updateMany(ctx context.Context, j journal.Store, id, who string, n int) error {
	for i := range n {
		_, err := j.Update(ctx, id, journal.Event{Step: "count", Outcome: "ok", Detail: who}, func(d *journal.Document) error {
			d.Pages++
			if d.Fields == nil {
				d.Fields = map[string]string{}
			}
			d.Fields[who] = strconv.Itoa(i + 1)
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s update %d: %w", who, i, err)
		}
	}
	return nil
}

// testConcurrentUpdatesFromProcesses updates one document from a second
// process and from two connection pools of this one, all at once: no
// update is lost, no event either.
func testConcurrentUpdatesFromProcesses(t *testing.T, h Harness) {
	const n = 200
	ctx := context.Background()
	name := h.New(t)
	a, b := h.openName(t, name), h.openName(t, name)
	if _, _, err := a.Create(ctx, &journal.Document{ID: "shared", SourceName: "s.pdf", Profile: "p", State: journal.StateProcessing}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name, helperDoc+"=shared", helperRuns+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper process: %q, %v; stderr: %s", line, err, stderr.String())
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	fmt.Fprintln(stdin, "go")
	for i, j := range []journal.Store{a, a, b, b} {
		wg.Go(func() { errs <- updateMany(ctx, j, "shared", fmt.Sprintf("pool%d", i), n/2) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v; stderr: %s", err, stderr.String())
	}
	d, err := a.Get(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	byWho := map[string]int{}
	for _, e := range d.Events {
		byWho[e.Detail]++
	}
	if d.Pages != 3*n || len(d.Events) != 3*n || byWho["helper"] != n || d.Fields["helper"] != strconv.Itoa(n) {
		t.Errorf("counter %d, %d events (%v), helper's last %q; want %d, %d with %d from the helper",
			d.Pages, len(d.Events), byWho, d.Fields["helper"], 3*n, 3*n, n)
	}
}

// testConcurrentMigrations opens one new journal from several pools at
// once, as nodes starting together do: every open succeeds and each
// version is applied exactly once.
func testConcurrentMigrations(t *testing.T, h Harness) {
	ctx := context.Background()
	name := h.New(t)
	const nodes = 4
	stores := make([]journal.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = h.Open(ctx, name) })
	}
	wg.Wait()
	appliedBy := map[int]int{}
	var versions []int
	for i, j := range stores {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		defer j.Close()
		ms, err := j.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		versions = versions[:0]
		for _, m := range ms {
			versions = append(versions, m.Version)
			if m.Now {
				appliedBy[m.Version]++
			}
		}
	}
	if len(versions) == 0 || versions[0] != 1 {
		t.Fatalf("versions %v, want 1…", versions)
	}
	for i, v := range versions {
		if v != i+1 || appliedBy[v] != 1 {
			t.Errorf("version %d at %d applied by %d opens, want once", v, i, appliedBy[v])
		}
	}
	// Applied schema is usable from every pool.
	if _, _, err := stores[nodes-1].Create(ctx, &journal.Document{ID: "m", SourceName: "m", Profile: "p", State: journal.StateReceived}); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[0].Get(ctx, "m"); err != nil {
		t.Fatal(err)
	}
}

// testClaimInvoiceKeysAcrossConnections claims one key from several
// connection pools at the same moment, round after round: exactly one
// claim per round sees no earlier invoice, and every other sees it first.
func testClaimInvoiceKeysAcrossConnections(t *testing.T, h Harness) {
	ctx := context.Background()
	name := h.New(t)
	const conns, rounds = 4, 40
	stores := make([]journal.Store, conns)
	for i := range stores {
		stores[i] = h.openName(t, name)
	}
	for r := range rounds {
		got := make([][]journal.InvoiceClaim, conns)
		errs := make([]error, conns)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, j := range stores {
			wg.Go(func() {
				<-start
				// Two keys, in different orders: the locks must not deadlock.
				keys := []string{fmt.Sprintf("seller|R-%d", r), fmt.Sprintf("iban|R-%d", r)}
				if i%2 == 1 {
					keys[0], keys[1] = keys[1], keys[0]
				}
				got[i], errs[i] = j.ClaimInvoiceKeys(ctx, fmt.Sprintf("r%d-c%d", r, i), keys, []byte(strconv.Itoa(i)))
			})
		}
		close(start)
		wg.Wait()
		winner := ""
		for i := range stores {
			if errs[i] != nil {
				t.Fatalf("round %d, connection %d: %v", r, i, errs[i])
			}
			if len(got[i]) == 0 {
				if winner != "" {
					t.Fatalf("round %d: %s and connection %d both saw no earlier invoice", r, winner, i)
				}
				winner = fmt.Sprintf("r%d-c%d", r, i)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: every claim saw an earlier one", r)
		}
		for i := range stores {
			if len(got[i]) > 0 && got[i][0].DocID != winner {
				t.Errorf("round %d, connection %d sees %s first, want %s", r, i, got[i][0].DocID, winner)
			}
		}
	}
}

func testChannelAndOriginAreKept(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	d := &journal.Document{ID: "m1", SourceName: "RE-1.pdf", Profile: "rechnung", State: journal.StateReceived, Channel: "mail",
		Origin: map[string]string{"account": "rechnung", "from": "a@lieferant.example", "message_id": "<1@x>"}}
	if _, _, err := j.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Update(ctx, "m1", journal.Event{}, func(d *journal.Document) error { d.State = journal.StateProcessing; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := j.Get(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != "mail" || got.Origin["from"] != "a@lieferant.example" || got.Origin["message_id"] != "<1@x>" {
		t.Errorf("got channel %q origin %v", got.Channel, got.Origin)
	}
}

// A part of a batch scan keeps its place in the batch, and the batch the
// list of its parts, through Create, Update, Get and List; a split batch
// is terminal, so neither is work after a restart.
func testBatchAndPartsAreKept(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	ref := &journal.BatchRef{ID: "b1", Part: 2, Pages: "4-7"}
	for _, d := range []*journal.Document{
		{ID: "b1", SourceName: "stapel.pdf", Profile: "stapel", State: journal.StateProcessing, Step: "split"},
		{ID: "p2", SourceName: "stapel-teil-02.pdf", Profile: "stapel", State: journal.StateReceived, Step: "ingest", Batch: ref},
	} {
		if _, _, err := j.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Update(ctx, "b1", journal.Event{Step: "split", Outcome: "ok"}, func(d *journal.Document) error {
		d.State, d.Step, d.Parts = journal.StateSplit, "", []string{"p1", "p2"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, err := j.Get(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if b.State != journal.StateSplit || !b.Terminal() || !slices.Equal(b.Parts, []string{"p1", "p2"}) || b.Batch != nil {
		t.Errorf("batch = state %q parts %v batch %+v", b.State, b.Parts, b.Batch)
	}
	p, err := j.Get(ctx, "p2")
	if err != nil {
		t.Fatal(err)
	}
	if p.Batch == nil || *p.Batch != *ref || p.Parts != nil {
		t.Errorf("part = batch %+v parts %v", p.Batch, p.Parts)
	}
	split, err := j.List(ctx, journal.Filter{State: journal.StateSplit})
	if err != nil || len(split) != 1 || split[0].ID != "b1" || len(split[0].Parts) != 2 {
		t.Fatalf("List split = %+v, %v", split, err)
	}
	un, err := j.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].ID != "p2" || un[0].Batch == nil || un[0].Batch.Part != 2 {
		t.Fatalf("Unfinished = %+v, %v", un, err)
	}
}

func testMailboxState(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	if v, u, err := j.MailboxState(ctx, "rechnung", "INBOX"); err != nil || v != 0 || u != 0 {
		t.Fatalf("unknown mailbox: %d %d %v", v, u, err)
	}
	for _, st := range [][2]uint32{{7, 10}, {7, 12}, {9, 0}, {4294967295, 4294967294}} {
		if err := j.SetMailboxState(ctx, "rechnung", "INBOX", st[0], st[1]); err != nil {
			t.Fatal(err)
		}
		v, u, err := j.MailboxState(ctx, "rechnung", "INBOX")
		if err != nil || v != st[0] || u != st[1] {
			t.Fatalf("after set %v: %d %d %v", st, v, u, err)
		}
	}
	if v, _, _ := j.MailboxState(ctx, "other", "INBOX"); v != 0 {
		t.Errorf("state leaked to another account")
	}
}

// testPrune deletes old events of finished documents only, and never a
// document.
func testPrune(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	now := time.Now().UTC()
	old, recent := now.Add(-100*24*time.Hour), now.Add(-time.Hour)
	evs := func(ts ...time.Time) []journal.Event {
		var out []journal.Event
		for i, t := range ts {
			out = append(out, journal.Event{Step: fmt.Sprintf("s%d", i), Time: t, Outcome: "ok"})
		}
		return out
	}
	docs := []journal.Document{
		{ID: "done", State: journal.StateDelivered, Events: evs(old, old, recent)},
		{ID: "failed", State: journal.StateFailed, Events: evs(old)},
		{ID: "dup", State: journal.StateDuplicate, Events: evs(old, recent)},
		{ID: "open", State: journal.StateProcessing, Events: evs(old, old)},
		{ID: "fresh", State: journal.StateDelivered, Events: evs(recent)},
	}
	for i := range docs {
		docs[i].SourceName, docs[i].Profile = docs[i].ID+".pdf", "p"
		if _, _, err := j.Create(ctx, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	n, err := j.Prune(ctx, now.Add(-90*24*time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("Prune = %d, %v; want 4", n, err)
	}
	want := map[string]int{"done": 1, "failed": 0, "dup": 1, "open": 2, "fresh": 1}
	for id, events := range want {
		d, err := j.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s after pruning: %v", id, err)
		}
		if len(d.Events) != events {
			t.Errorf("%s keeps %d events, want %d", id, len(d.Events), events)
		}
	}
	if n, err := j.Prune(ctx, now.Add(-90*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("second Prune = %d, %v; want 0", n, err)
	}
	if c, _ := j.Counts(ctx); c[journal.StateDelivered] != 2 {
		t.Errorf("counts after pruning: %v", c)
	}
}

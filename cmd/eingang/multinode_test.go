package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// cluster is eingang on several "nodes": role processes that share only
// Redis, the journal and one work area, the way the deploy files run it.
type cluster struct {
	*roleSetup
	redis *testenv.Redis
	env   []string // journal driver and DSN for every process
	api   *roleProc
}

// newCluster starts two watch, two work and one serve process on one
// Redis (with its append-only file) and the journal that env selects.
func newCluster(t *testing.T, env ...string) (*cluster, []*roleProc) {
	t.Helper()
	redis := testenv.StartRedisAOF(t)
	s := newRoleSetup(t, redis.URL())
	// A second profile, so that one invoice can arrive twice at once.
	b, err := os.ReadFile(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	extra := fmt.Sprintf("  - {name: post, folder: %s/inbox/post, create: true, kind: rechnung, target: archive}\n", s.root)
	if err := os.WriteFile(s.cfg, append(b, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &cluster{roleSetup: s, redis: redis, env: env}
	var procs []*roleProc
	for _, role := range []string{"watch", "watch", "work", "work", "serve"} {
		procs = append(procs, s.start(role, env...))
	}
	for _, p := range procs {
		p.readiness(http.StatusOK)
	}
	c.api = procs[4]
	return c, procs
}

// documents returns every document of the shared journal by file name.
func (c *cluster) documents() map[string]journal.Document {
	c.t.Helper()
	var res struct {
		Documents []journal.Document `json:"documents"`
	}
	code, body := c.api.get("/api/v1/documents?limit=1000")
	if code != http.StatusOK {
		c.t.Fatalf("documents: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]journal.Document{}
	for _, d := range res.Documents {
		out[d.Profile+"/"+d.SourceName] = d
	}
	return out
}

// waitTerminal waits until the named documents (profile/name) are all
// finished and returns them.
func (c *cluster) waitTerminal(names []string, timeout time.Duration) map[string]journal.Document {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		docs := c.documents()
		var open []string
		for _, n := range names {
			if d, ok := docs[n]; !ok || !d.Terminal() {
				open = append(open, n)
			}
		}
		if len(open) == 0 {
			return docs
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d of %d documents not finished after %s: %v", len(open), len(names), timeout, open)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// drop copies files into a profile's inbox; it returns their names as
// waitTerminal takes them.
func (c *cluster) drop(profile string, files map[string]string) []string {
	c.t.Helper()
	var names []string
	for name, src := range files {
		copyFile(c.t, src, filepath.Join(c.root, "inbox", profile, name))
		names = append(names, profile+"/"+name)
	}
	return names
}

// checkDeliveredOnce: every named document is delivered, and the archive
// holds exactly one copy of each.
func (c *cluster) checkDeliveredOnce(docs map[string]journal.Document, names []string) {
	c.t.Helper()
	for _, n := range names {
		d := docs[n]
		if d.State != journal.StateDelivered {
			c.t.Errorf("%s: %s (%s), want delivered", n, d.State, d.Error)
			continue
		}
		// Every archived document has one metadata file.
		m, _ := filepath.Glob(filepath.Join(c.root, "archive", "*", "*", "*_"+d.ID[:12]+".json"))
		if len(m) != 1 {
			c.t.Errorf("%s: %d copies in the archive, want 1: %v", n, len(m), m)
		}
	}
}

// invoicePair returns a UBL and a CII file of the corpus that carry the
// same invoice (number and total): two files, one business invoice.
func invoicePair(t *testing.T) (ubl, cii string) {
	t.Helper()
	all := einvoices(t, func(e manifestEntry) bool {
		return e.Expect == "valid" && (e.Kind == "ubl-invoice" || e.Kind == "cii") && e.Fields["invoice_number"] != ""
	}, -1)
	for _, u := range all {
		for _, c := range all {
			if u.Kind == "ubl-invoice" && c.Kind == "cii" && u.Fields["invoice_number"] == c.Fields["invoice_number"] &&
				normalize(u.Fields["grand_total"]) == normalize(c.Fields["grand_total"]) &&
				normalize(u.Fields["seller_name"]) == normalize(c.Fields["seller_name"]) {
				return u.File, c.File
			}
		}
	}
	t.Fatal("the corpus has no UBL and CII file of one invoice")
	return "", ""
}

// TestSeveralNodes runs one batch through two watch, two work and one serve
// process: scans and e-invoices are delivered exactly once whichever node
// takes them, and one invoice arriving at the same moment as UBL in one
// profile and as CII in another is flagged as a duplicate exactly once.
// Then the same with one work killed mid-OCR, and with Redis restarted from
// its append-only file mid-batch.
func TestSeveralNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	runSeveralNodes(t, false)
}

// TestSeveralNodesOnPostgres is TestSeveralNodes on a PostgreSQL journal,
// as the deploy files run it, with a fourth round: PostgreSQL restarts
// mid-batch (every connection cut), which the nodes ride out as a
// transient fault.
func TestSeveralNodesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	runSeveralNodes(t, true, "EINGANG_JOURNAL_DRIVER=postgres", "EINGANG_JOURNAL_DSN="+testenv.StartPostgres(t))
}

func runSeveralNodes(t *testing.T, restartPostgres bool, env ...string) {
	c, procs := newCluster(t, env...)
	// Identical bytes under two names are one document, so every phase
	// takes scans of its own.
	scans := append(corpusScans(t, 1, false, 7), corpusScans(t, 2, false, 10)...)
	next := 0
	batch := func(prefix string, n int) map[string]string {
		files := map[string]string{}
		for i := 0; i < n; i++ {
			files[fmt.Sprintf("%s-%02d.pdf", prefix, i)] = scans[next].File
			next++
		}
		return files
	}

	// 1: a batch of scans, e-invoices and one invoice twice.
	ubl, cii := invoicePair(t)
	seen := map[string]bool{sha256File(t, ubl): true, sha256File(t, cii): true}
	numbers := map[string]bool{}
	invoices := einvoices(t, func(e manifestEntry) bool {
		n := e.Fields["invoice_number"]
		if !strings.HasSuffix(e.File, ".xml") || e.Expect != "valid" || numbers[n] {
			return false
		}
		sum := sha256File(t, filepath.Join(testenv.Corpus(t, "einvoice"), e.File))
		if seen[sum] {
			return false
		}
		seen[sum], numbers[n] = true, true
		return true
	}, 3)
	files := map[string]string{}
	for i, e := range invoices {
		files[fmt.Sprintf("xrechnung-%d.xml", i)] = e.File
	}
	names := c.drop("rechnung", batch("scan", 5))
	names = append(names, c.drop("rechnung", files)...)
	twice := append(c.drop("rechnung", map[string]string{"doppelt-ubl.xml": ubl}), c.drop("post", map[string]string{"doppelt-cii.xml": cii})...)
	docs := c.waitTerminal(append(names, twice...), 5*time.Minute)
	c.checkDeliveredOnce(docs, append(names, twice...))
	flagged := 0
	for _, n := range twice {
		if docs[n].Fields[fields.DuplicateOf] != "" {
			flagged++
		}
	}
	if flagged != 1 {
		t.Errorf("%d of the two copies of one invoice flagged as duplicate, want exactly 1: %v / %v", flagged, docs[twice[0]].Fields, docs[twice[1]].Fields)
	}

	// 2: one work node dies (SIGKILL) while a scan is at OCR; the other
	// nodes finish the batch, the lost task comes back from asynq's lease.
	names = c.drop("rechnung", batch("kill", 4))
	waitAtStep(t, c, names, "ocr")
	_ = procs[2].cmd.Process.Kill()
	<-procs[2].done
	docs = c.waitTerminal(names, 5*time.Minute)
	c.checkDeliveredOnce(docs, names)

	// 3: Redis restarts mid-batch; what was queued comes back from its
	// append-only file.
	names = c.drop("rechnung", batch("redis", 4))
	waitAtStep(t, c, names, "ocr")
	c.redis.Restart(t)
	docs = c.waitTerminal(names, 5*time.Minute)
	c.checkDeliveredOnce(docs, names)
	if restartPostgres {
		names = c.drop("rechnung", batch("postgres", 4))
		waitAtStep(t, c, names, "ocr")
		testenv.RestartPostgres(t)
		docs = c.waitTerminal(names, 5*time.Minute)
		c.checkDeliveredOnce(docs, names)
	}
	for _, p := range procs {
		if strings.Contains(p.out.String(), "panic") {
			t.Errorf("eingang %s: output mentions a panic", p.name)
		}
	}
}

// waitAtStep waits until one of the named documents is at step.
func waitAtStep(t *testing.T, c *cluster, names []string, step string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		docs := c.documents()
		for _, n := range names {
			if d, ok := docs[n]; ok && d.Step == step {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("none of %v reached step %s", names, step)
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/pdf"
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
// its append-only file mid-batch. It takes 13 scans; the size, 30,
// runs in TestSeveralNodesOnPostgres only, the deployment the issue is
// about, since OCR on a 2-core CI machine makes each scan cost seconds.
func TestSeveralNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	runSeveralNodes(t, 5, false)
}

// TestSeveralNodesOnPostgres is TestSeveralNodes on a PostgreSQL journal,
// as the deploy files run it, at the size of issue 13 (30 scans, 5
// e-invoices and the invoice twice), with a fourth round: PostgreSQL
// restarts mid-batch (every connection cut), which the nodes ride out as a
// transient fault.
func TestSeveralNodesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	runSeveralNodes(t, 18, true, "EINGANG_JOURNAL_DRIVER=postgres", "EINGANG_JOURNAL_DSN="+testenv.StartPostgres(t))
}

// nodeScan is a scan and the profile it is dropped into.
type nodeScan struct{ profile, file string }

// nodeScans returns n scans, no two of one document: identical bytes are
// one document, and two scans of one invoice are a duplicate that the test
// must not flag. First the corpus's invoices, one per invoice number (not
// numbers in avoid), fewest pages first, into rechnung; then its letters,
// into post; then, to reach n, letters rendered from text of their own.
func nodeScans(t *testing.T, c *cluster, n int, avoid map[string]bool) []nodeScan {
	t.Helper()
	var out []nodeScan
	numbers := map[string]bool{}
	for pages := 1; pages <= 3; pages++ {
		for _, s := range corpusDocs(t, "invoice", func(s scan) bool { return s.Pages == pages }, -1) {
			if s.Number == "" || numbers[s.Number] || avoid[s.Number] {
				continue
			}
			numbers[s.Number] = true
			out = append(out, nodeScan{"rechnung", s.File})
		}
	}
	for _, s := range corpusDocs(t, "other", func(scan) bool { return true }, -1) {
		out = append(out, nodeScan{"post", s.File})
	}
	corpus := len(out)
	for i := 0; len(out) < n; i++ {
		out = append(out, nodeScan{"post", renderLetter(t, c.root, i)})
	}
	inv := min(n, len(numbers))
	t.Logf("%d scans: %d invoices of the corpus, %d of its letters, %d rendered letters",
		n, inv, min(n, corpus)-inv, max(0, n-corpus))
	return out[:n]
}

// renderLetter makes a one-page image-only PDF of a short letter whose
// text is its own (Aktenzeichen i), as a scanner would deliver it.
func renderLetter(t *testing.T, dir string, i int) string {
	t.Helper()
	convert := testenv.Tool(t, "convert")
	text := fmt.Sprintf("Gemeinde Musterhausen - Bauamt\n\nAktenzeichen BA-2026-%04d\n\n"+
		"Sehr geehrte Damen und Herren,\n\nzu Ihrem Schreiben vom %d. November teilen wir\n"+
		"Ihnen mit, dass die Unterlagen zu Flurstück %d\nvollständig vorliegen.\n\n"+
		"Mit freundlichen Grüßen\nim Auftrag Weber", 100+i, 1+i%28, 300+7*i)
	png := filepath.Join(dir, fmt.Sprintf("brief-%02d.png", i))
	// 150 dpi A4, grey, as a scan station's default.
	if out, err := exec.Command(convert, "-size", "1240x1754", "xc:white", "-font", "DejaVu-Sans", "-pointsize", "28",
		"-fill", "black", "-annotate", "+120+200", text, "-colorspace", "Gray", "-units", "PixelsPerInch", "-density", "150",
		png).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v: %s", err, out)
	}
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	im, err := pdf.ReadPNG(b, pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	file := strings.TrimSuffix(png, ".png") + ".pdf"
	if err := os.WriteFile(file, pdf.ImagesToPDF([]*pdf.Image{im}), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// runSeveralNodes drops first scans scans with the e-invoices, then 4 scans
// for each fault round.
func runSeveralNodes(t *testing.T, first int, restartPostgres bool, env ...string) {
	c, procs := newCluster(t, env...)
	rounds := 2
	if restartPostgres {
		rounds++
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
	}, 5)
	// A scan must not carry the number of an e-invoice (or of the pair):
	// that too would be a duplicate.
	avoid := map[string]bool{}
	for _, e := range invoices {
		avoid[e.Fields["invoice_number"]] = true
	}
	dir := testenv.Corpus(t, "einvoice")
	for _, e := range einvoices(t, func(e manifestEntry) bool {
		f := filepath.Join(dir, e.File)
		return f == ubl || f == cii
	}, -1) {
		avoid[e.Fields["invoice_number"]] = true
	}
	// The fault rounds take the corpus's scans, whose OCR lasts long enough
	// to strike mid-OCR; the first batch the rest, rendered letters last.
	scans := nodeScans(t, c, first+4*rounds, avoid)
	faults, scans := scans[:4*rounds], scans[4*rounds:]
	batch := func(prefix string, n int) []string {
		var names []string
		for i := 0; i < n; i++ {
			s := scans[0]
			scans = scans[1:]
			names = append(names, c.drop(s.profile, map[string]string{fmt.Sprintf("%s-%02d.pdf", prefix, i): s.file})...)
		}
		return names
	}
	files := map[string]string{}
	for i, e := range invoices {
		files[fmt.Sprintf("xrechnung-%d.xml", i)] = e.File
	}
	names := batch("scan", first)
	scans = faults
	names = append(names, c.drop("rechnung", files)...)
	twice := append(c.drop("rechnung", map[string]string{"doppelt-ubl.xml": ubl}), c.drop("post", map[string]string{"doppelt-cii.xml": cii})...)
	all := append(names, twice...)
	docs := c.waitTerminal(all, 10*time.Minute)
	c.checkDeliveredOnce(docs, all)
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
	names = batch("kill", 4)
	all = append(all, names...)
	waitAtStep(t, c, names, "ocr")
	_ = procs[2].cmd.Process.Kill()
	<-procs[2].done
	docs = c.waitTerminal(names, 5*time.Minute)
	c.checkDeliveredOnce(docs, names)

	// 3: Redis restarts mid-batch; what was queued comes back from its
	// append-only file.
	names = batch("redis", 4)
	all = append(all, names...)
	waitAtStep(t, c, names, "ocr")
	c.redis.Restart(t)
	docs = c.waitTerminal(names, 5*time.Minute)
	c.checkDeliveredOnce(docs, names)
	if restartPostgres {
		names = batch("postgres", 4)
		all = append(all, names...)
		waitAtStep(t, c, names, "ocr")
		testenv.RestartPostgres(t)
		docs = c.waitTerminal(names, 5*time.Minute)
		c.checkDeliveredOnce(docs, names)
	}

	// Of every document the test dropped, only the second copy of the one
	// invoice is a duplicate.
	docs = c.documents()
	var dups []string
	for _, n := range all {
		if docs[n].Fields[fields.DuplicateOf] != "" {
			dups = append(dups, n)
		}
	}
	if len(dups) != 1 {
		t.Errorf("%d of %d documents flagged as duplicate, want exactly 1: %v", len(dups), len(all), dups)
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

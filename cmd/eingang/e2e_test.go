package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// The end-to-end tests run the real binary against a real redis-server and
// real Tesseract, with the shared scan corpus.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "eingang-bin-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "eingang")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build eingang: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	testenv.StopPostgres()
	os.RemoveAll(dir)
	os.Exit(code)
}

type scan struct {
	Name, File string
	Pages      int
	UpsideDown bool
	Number     string
}

// corpusScans reads the manifest and truth files and returns invoices with
// the given page count.
func corpusScans(t *testing.T, pages int, upsideDown bool, n int) []scan {
	t.Helper()
	out := corpusDocs(t, "invoice", func(s scan) bool { return s.Pages == pages && s.UpsideDown == upsideDown }, n)
	if len(out) < n {
		t.Fatalf("corpus has only %d invoices with %d pages", len(out), pages)
	}
	return out
}

// corpusDocs returns up to n (every one for n < 0) scans of the corpus
// labelled label ("invoice", "other") that match, in manifest order.
func corpusDocs(t *testing.T, label string, match func(scan) bool, n int) []scan {
	t.Helper()
	dir := testenv.Corpus(t, "scans")
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []scan
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() && (n < 0 || len(out) < n) {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 10 || c[3] != label {
			continue
		}
		pages, _ := strconv.Atoi(c[5])
		s := scan{Name: c[0], File: filepath.Join(dir, c[1]), Pages: pages, UpsideDown: c[9] != "0"}
		if !match(s) {
			continue
		}
		var truth struct {
			Fields map[string]string `json:"fields"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "truth", c[0]+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &truth); err != nil {
			t.Fatal(err)
		}
		s.Number = truth.Fields["invoice_number"]
		out = append(out, s)
	}
	return out
}

type instance struct {
	t      *testing.T
	root   string
	cfg    string
	addr   string
	cmd    *exec.Cmd
	output *strings.Builder
}

func newInstance(t *testing.T, redisURL string) *instance {
	t.Helper()
	return newInstanceWith(t, redisURL, "")
}

// newInstanceWith adds extra profiles (YAML list items, with %[1]s for the
// instance's root folder).
func newInstanceWith(t *testing.T, redisURL, extraProfiles string) *instance {
	t.Helper()
	root := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cfg := filepath.Join(root, "eingang.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
http: {addr: "%[2]s"}
redis: {url: "%[3]s"}
journal: {dsn: %[1]s/journal.db}
intake: {stability_delay: 1s, rescan_interval: 1s}
workers: {concurrency: 2, shutdown_timeout: 5s}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - {name: rechnung, folder: %[1]s/inbox/rechnung, create: true, kind: rechnung, target: archive}
`+extraProfiles, root, addr, redisURL)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return &instance{t: t, root: root, cfg: cfg, addr: addr}
}

func (in *instance) start() {
	in.t.Helper()
	in.output = &strings.Builder{}
	in.cmd = exec.Command(binPath, "serve", "--config", in.cfg)
	in.cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	in.cmd.Stdout = in.output
	in.cmd.Stderr = in.output
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	cmd := in.cmd
	in.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
		}
		if in.t.Failed() {
			in.t.Logf("eingang output:\n%s", in.output.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + in.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	in.t.Fatalf("eingang did not become ready:\n%s", in.output.String())
}

func (in *instance) kill() {
	in.cmd.Process.Kill()
	in.cmd.Wait()
}

// waitForStep polls the API until the document's next step is step (it is
// then queued or running).
func (in *instance) waitForStep(id, step string) {
	in.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var d journal.Document
		if resp, err := http.Get("http://" + in.addr + "/api/v1/documents/" + id); err == nil {
			json.NewDecoder(resp.Body).Decode(&d)
			resp.Body.Close()
		}
		if d.Step == step {
			return
		}
		if d.Terminal() || time.Now().After(deadline) {
			in.t.Fatalf("never saw the document at step %s: %+v", step, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) inbox() string { return filepath.Join(in.root, "inbox", "rechnung") }

func (in *instance) api(path string, v any) {
	in.t.Helper()
	resp, err := http.Get("http://" + in.addr + path)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		in.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		in.t.Fatal(err)
	}
}

func (in *instance) documents() []journal.Document {
	var res struct {
		Documents []journal.Document `json:"documents"`
	}
	in.api("/api/v1/documents?limit=1000", &res)
	return res.Documents
}

func (in *instance) waitFinal(want int, timeout time.Duration) map[string]journal.Document {
	in.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		final := map[string]journal.Document{}
		docs := in.documents()
		for _, d := range docs {
			if d.Terminal() {
				final[d.SourceName] = d
			}
		}
		if len(final) >= want {
			return final
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("%d of %d documents finished after %s: %+v", len(final), want, timeout, docs)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

var space = regexp.MustCompile(`\s+`)

func normalize(s string) string { return space.ReplaceAllString(s, "") }

func TestEndToEnd(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstance(t, redis.URL())
	in.start()
	scans := corpusScans(t, 1, false, 5)
	if err := os.MkdirAll(in.inbox(), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range scans {
		copyFile(t, s.File, filepath.Join(in.inbox(), s.Name+filepath.Ext(s.File)))
	}
	// A second copy of the first scan under another name.
	copyFile(t, scans[0].File, filepath.Join(in.inbox(), "nochmal-"+scans[0].Name+filepath.Ext(scans[0].File)))
	// A corrupt PDF, an empty file and a temporary file.
	os.WriteFile(filepath.Join(in.inbox(), "kaputt.pdf"), []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog"), 0o644)
	os.WriteFile(filepath.Join(in.inbox(), "leer.pdf"), nil, 0o644)
	os.WriteFile(filepath.Join(in.inbox(), "scanner.tmp"), []byte("%PDF-1.4 still writing"), 0o644)
	// A PDF written slowly in chunks over 3 s.
	slowSrc := corpusScans(t, 2, false, 1)[0]
	slowData, _ := os.ReadFile(slowSrc.File)
	slow := filepath.Join(in.inbox(), "langsam.pdf")
	f, err := os.Create(slow)
	if err != nil {
		t.Fatal(err)
	}
	chunk := len(slowData)/10 + 1
	for i := 0; i < len(slowData); i += chunk {
		f.Write(slowData[i:min(i+chunk, len(slowData))])
		f.Sync()
		time.Sleep(300 * time.Millisecond)
	}
	f.Close()

	final := in.waitFinal(9, 4*time.Minute)

	// The watcher takes names in order, so the copy may be the one that is
	// processed; either way one is delivered and the other a duplicate of it.
	firstName := scans[0].Name + filepath.Ext(scans[0].File)
	copyName := "nochmal-" + firstName
	if final[firstName].State == journal.StateDuplicate {
		final[firstName], final[copyName] = final[copyName], final[firstName]
	}
	for _, s := range append(scans, slowSrc) {
		name := s.Name + filepath.Ext(s.File)
		if s == slowSrc {
			name = "langsam.pdf"
		}
		d, ok := final[name]
		if !ok || d.State != journal.StateDelivered {
			t.Errorf("%s: %+v, want delivered", name, d)
			continue
		}
		if d.Pages != s.Pages {
			t.Errorf("%s: %d pages, want %d", name, d.Pages, s.Pages)
		}
		if d.Kind != "rechnung" {
			t.Errorf("%s: classified as %q, want rechnung", name, d.Kind)
		}
		text, err := os.ReadFile(archived(t, in.root, d.ID, ".txt"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(normalize(string(text)), normalize(s.Number)) {
			t.Errorf("%s: invoice number %q not in the OCR text", name, s.Number)
		}
		if n := strings.Count(string(text), "\f"); n != d.Pages {
			t.Errorf("%s: text sidecar has %d form feeds for %d pages", name, n, d.Pages)
		}
		pdf, _ := os.ReadFile(archived(t, in.root, d.ID, ".pdf"))
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("%s: archived file is not a PDF", name)
		}
		if s == slowSrc && d.ID != sha256File(t, slowSrc.File) {
			t.Errorf("slow file delivered with id %s, not the hash of the whole file", d.ID)
		}
	}
	dup := final[copyName]
	if dup.State != journal.StateDuplicate || dup.DuplicateOf != final[firstName].ID {
		t.Errorf("duplicate: %+v", dup)
	}
	for _, name := range []string{"kaputt.pdf", "leer.pdf"} {
		if final[name].State != journal.StateFailed {
			t.Errorf("%s: %+v, want failed", name, final[name])
		}
		reason, err := os.ReadFile(filepath.Join(in.root, "error", name+".error.txt"))
		if err != nil {
			t.Errorf("%s: no reason file: %v", name, err)
			continue
		}
		if !strings.Contains(string(reason), final[name].ID) || !strings.Contains(string(reason), "Technische Details") {
			t.Errorf("%s reason file:\n%s", name, reason)
		}
	}
	if _, err := os.Stat(filepath.Join(in.inbox(), "scanner.tmp")); err != nil {
		t.Errorf("the .tmp file was touched: %v", err)
	}
	// Nothing lost: every file is in done/ or error/, or still the .tmp.
	done, _ := filepath.Glob(filepath.Join(in.root, "done", "*", "*"))
	errs, _ := filepath.Glob(filepath.Join(in.root, "error", "*.pdf"))
	if len(done) != 7 || len(errs) != 2 {
		t.Errorf("done/ holds %d files (want 7: 6 delivered + 1 duplicate), error/ %d (want 2)", len(done), len(errs))
	}
	// The API agrees with the journal file.
	var one journal.Document
	in.api("/api/v1/documents/"+final["langsam.pdf"].ID, &one)
	if len(one.Events) < 5 || one.Target == nil || one.Target.Ref == "" {
		t.Errorf("document API: %+v", one)
	}
	var failed struct {
		Documents []journal.Document `json:"documents"`
	}
	in.api("/api/v1/documents?state=failed", &failed)
	if len(failed.Documents) != 2 {
		t.Errorf("state=failed lists %d", len(failed.Documents))
	}
	// Both were refused at intake, never became tasks, and say why.
	for _, d := range failed.Documents {
		want := map[string]string{"kaputt.pdf": "damaged", "leer.pdf": "empty"}[d.SourceName]
		if d.Fields["intake_rejected"] != want {
			t.Errorf("%s: intake_rejected = %q, want %q", d.SourceName, d.Fields["intake_rejected"], want)
		}
	}
	resp, err := http.Get("http://" + in.addr + "/metrics")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, m := range []string{"eingang_pages_recognized_total", `eingang_documents{state="delivered"} 6`, "asynq_queue_size", "eingang_step_duration_seconds_bucket",
			`eingang_intake_rejected_total{profile="rechnung",reason="damaged"} 1`, `eingang_intake_rejected_total{profile="rechnung",reason="empty"} 1`} {
			if !strings.Contains(string(b), m) {
				t.Errorf("/metrics lacks %s", m)
			}
		}
	}
}

// TestCrashDuringOCR kills the process while it recognises a three-page
// scan; after a restart the document is delivered exactly once.
func TestCrashDuringOCR(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstance(t, redis.URL())
	in.start()
	s := corpusScans(t, 3, false, 1)[0]
	os.MkdirAll(in.inbox(), 0o755)
	copyFile(t, s.File, filepath.Join(in.inbox(), "drei.pdf"))
	id := sha256File(t, s.File)
	in.waitForStep(id, "ocr")
	time.Sleep(time.Second) // well inside the OCR of three pages
	in.kill()

	in.start()
	final := in.waitFinal(1, 4*time.Minute)
	d := final["drei.pdf"]
	if d.State != journal.StateDelivered || d.Pages != 3 {
		t.Fatalf("after restart: %+v", d)
	}
	// <date>_<source>_<short id>.json marks a complete archive delivery
	// (attachments are <date>_<source>_<short id>.<name>).
	jsons, _ := filepath.Glob(filepath.Join(in.root, "archive", "*", "*", "*.json"))
	deliveries := 0
	for _, j := range jsons {
		if regexp.MustCompile(`^\d{4}-\d\d-\d\d_drei_[0-9a-f]{12}\.json$`).MatchString(filepath.Base(j)) {
			deliveries++
		}
	}
	if deliveries != 1 {
		t.Errorf("archive holds %d deliveries (%v), want exactly 1", deliveries, jsons)
	}
	var full journal.Document
	in.api("/api/v1/documents/"+id, &full)
	delivered := 0
	for _, e := range full.Events {
		if e.Step == "deliver" && e.Outcome == "ok" {
			delivered++
		}
	}
	if delivered != 1 {
		t.Errorf("%d successful deliveries in the journal, want 1", delivered)
	}
}

func archived(t *testing.T, root, id, ext string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, "archive", "*", "*", "*_"+id[:12]+ext))
	if len(m) != 1 {
		return filepath.Join(root, "archive", "missing", id+ext)
	}
	return m[0]
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("sha256sum", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}

type manifestEntry struct {
	File     string            `json:"file"`
	Kind     string            `json:"kind"`
	Expect   string            `json:"expect"`
	Scenario *string           `json:"kosit_scenario"`
	Scope    json.RawMessage   `json:"scope"`
	Fields   map[string]string `json:"fields"`
}

// einvoices picks whole documents from the e-invoice corpus manifest; n
// below 0 takes every matching one.
func einvoices(t *testing.T, match func(manifestEntry) bool, n int) []manifestEntry {
	t.Helper()
	dir := testenv.Corpus(t, "einvoice")
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []manifestEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && (n < 0 || len(out) < n) {
		var e manifestEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Scenario != nil && (len(e.Scope) == 0 || string(e.Scope) == "null") && match(e) {
			e.File = filepath.Join(dir, e.File)
			out = append(out, e)
		}
	}
	if n < 0 && len(out) == 0 || len(out) < n {
		t.Fatalf("manifest has only %d matching entries", len(out))
	}
	return out
}

// TestEInvoiceLane: e-invoices skip OCR, their fields reach journal, API and
// archive exactly, an invalid one is delivered flagged or, where the profile
// says so, sent to error/ with the findings.
func TestEInvoiceLane(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - {name: streng, folder: %[1]s/inbox/streng, create: true, kind: rechnung, target: archive, invalid_einvoice: error}
`)
	in.start()
	xmlOK := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && strings.HasPrefix(e.Kind, "ubl") }, 1)[0]
	// Another invoice than the UBL one: the corpus holds the same business
	// invoice in both syntaxes, which the duplicate check would flag.
	ciiOK := einvoices(t, func(e manifestEntry) bool {
		return e.Expect == "valid" && e.Kind == "cii" && e.Fields["invoice_number"] != xmlOK.Fields["invoice_number"]
	}, 1)[0]
	pdfOK := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && e.Kind == "facturx-pdf" }, 1)[0]
	bad := einvoices(t, func(e manifestEntry) bool { return e.Expect == "invalid" && strings.HasSuffix(e.File, ".xml") }, 2)
	os.MkdirAll(in.inbox(), 0o755)
	strict := filepath.Join(in.root, "inbox", "streng")
	os.MkdirAll(strict, 0o755)
	copyFile(t, xmlOK.File, filepath.Join(in.inbox(), "ubl.xml"))
	copyFile(t, ciiOK.File, filepath.Join(in.inbox(), "cii.xml"))
	copyFile(t, pdfOK.File, filepath.Join(in.inbox(), "zugferd.pdf"))
	copyFile(t, bad[0].File, filepath.Join(in.inbox(), "ungueltig.xml"))
	copyFile(t, bad[1].File, filepath.Join(strict, "abgelehnt.xml"))

	final := in.waitFinal(5, 2*time.Minute)
	for name, e := range map[string]manifestEntry{"ubl.xml": xmlOK, "cii.xml": ciiOK, "zugferd.pdf": pdfOK} {
		d := final[name]
		if d.State != journal.StateDelivered {
			t.Errorf("%s: %+v", name, d)
			continue
		}
		for _, k := range []string{"invoice_number", "grand_total", "issue_date", "currency", "seller_name"} {
			if normalize(d.Fields[k]) != normalize(e.Fields[k]) {
				t.Errorf("%s: %s = %q, manifest says %q", name, k, d.Fields[k], e.Fields[k])
			}
		}
		if d.Fields["einvoice_valid"] != "true" {
			t.Errorf("%s: not marked valid: %v", name, d.Fields)
		}
		var meta struct {
			Fields      map[string]string `json:"fields"`
			Attachments []string          `json:"attachments"`
		}
		b, err := os.ReadFile(archived(t, in.root, d.ID, ".json"))
		if err != nil || json.Unmarshal(b, &meta) != nil || meta.Fields["invoice_number"] != d.Fields["invoice_number"] {
			t.Errorf("%s: archive metadata %s (%v)", name, b, err)
		}
		pdf, _ := os.ReadFile(archived(t, in.root, d.ID, ".pdf"))
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("%s: archived document is not a PDF", name)
		}
	}
	flagged := final["ungueltig.xml"]
	if flagged.State != journal.StateDelivered || flagged.Fields["einvoice_valid"] != "false" {
		t.Errorf("invalid e-invoice in a deliver profile: %+v", flagged)
	}
	if flagged.Fields["needs_review"] != "true" || !strings.Contains(flagged.Fields["review_reason"], "E-Rechnung ist laut Prüfung") {
		t.Errorf("invalid e-invoice delivered without saying why it needs review: %q", flagged.Fields["review_reason"])
	}
	rejected := final["abgelehnt.xml"]
	if rejected.State != journal.StateFailed {
		t.Errorf("invalid e-invoice in a strict profile: %+v", rejected)
	}
	reason, err := os.ReadFile(filepath.Join(in.root, "error", "abgelehnt.xml.error.txt"))
	if err != nil || !strings.Contains(string(reason), "E-Rechnung ist laut Prüfung") {
		t.Errorf("reason file: %s (%v)", reason, err)
	}
	// The same invoice again in another file (other bytes, same seller,
	// number and amount): delivered, but flagged before any workflow.
	orig, _ := os.ReadFile(xmlOK.File)
	os.WriteFile(filepath.Join(in.inbox(), "ubl-nochmal.xml.tmp"), append(orig, []byte("\n<!-- erneut gesendet -->\n")...), 0o644)
	os.Rename(filepath.Join(in.inbox(), "ubl-nochmal.xml.tmp"), filepath.Join(in.inbox(), "ubl-nochmal.xml"))
	final = in.waitFinal(6, time.Minute)
	again := final["ubl-nochmal.xml"]
	if again.Fields["duplicate_invoice_of"] != final["ubl.xml"].ID || again.Fields["needs_review"] != "true" {
		t.Errorf("second copy of an invoice not flagged: %+v", again.Fields)
	}
	if final["ubl.xml"].Fields["duplicate_invoice_of"] != "" {
		t.Errorf("first invoice flagged as duplicate: %+v", final["ubl.xml"].Fields)
	}

	resp, err := http.Get("http://" + in.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "eingang_pages_recognized_total 0") {
		t.Error("e-invoices went through OCR")
	}
}

// TestSealedScanWithTransfervermerk: a profile with sign and scan_protocol
// delivers a scan whose PDF carries the Transfervermerk and a PAdES seal
// that eingang verify and poppler's pdfsig accept.
func TestSealedScanWithTransfervermerk(t *testing.T) {
	keyDir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyDir+"/key.pem", "-out", keyDir+"/cert.pem",
		"-days", "30", "-subj", "/CN=Scanstelle Kreis Test/O=Kreis Test", "-addext", "keyUsage=critical,digitalSignature,nonRepudiation")
	run("pkcs12", "-export", "-inkey", keyDir+"/key.pem", "-in", keyDir+"/cert.pem", "-out", keyDir+"/siegel.p12", "-passout", "pass:geheim")
	t.Setenv("EINGANG_SIGN_PASSWORD", "geheim")

	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - name: siegel
    folder: %[1]s/inbox/siegel
    create: true
    kind: post
    target: archive
    sign: true
    scan_protocol: {operator: "Erika Musterfrau", org_unit: "Scanstelle", scanner: "Fujitsu fi-7160", workstation: "SCAN-01", procedure: "Posteingang", procedure_version: "1.0", dpi: 300, colour_mode: gray}
sign: {pkcs12: `+keyDir+`/siegel.p12, reason: "Ersetzendes Scannen"}
`)
	in.start()
	s := corpusScans(t, 1, false, 1)[0]
	folder := filepath.Join(in.root, "inbox", "siegel")
	os.MkdirAll(folder, 0o755)
	copyFile(t, s.File, filepath.Join(folder, "brief.pdf"))
	d := in.waitFinal(1, 2*time.Minute)["brief.pdf"]
	if d.State != journal.StateDelivered {
		t.Fatalf("state %s: %s", d.State, d.Error)
	}
	pdf := archived(t, in.root, d.ID, ".pdf")
	out, err := exec.Command(binPath, "verify", "--require-transfervermerk", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("eingang verify: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Erika Musterfrau") {
		t.Errorf("verify output lacks the operator:\n%s", out)
	}
	sig, _ := exec.Command("pdfsig", pdf).CombinedOutput()
	if !strings.Contains(string(sig), "Signature is Valid") {
		t.Errorf("pdfsig:\n%s", sig)
	}
}

// TestGracefulShutdown: SIGTERM during OCR ends the process cleanly within
// the shutdown timeout; after a restart the document is delivered once.
func TestGracefulShutdown(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstance(t, redis.URL())
	in.start()
	s := corpusScans(t, 3, false, 2)[1]
	os.MkdirAll(in.inbox(), 0o755)
	copyFile(t, s.File, filepath.Join(in.inbox(), "drei.pdf"))
	id := sha256File(t, s.File)
	in.waitForStep(id, "ocr")
	start := time.Now()
	in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, in.output.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("process did not stop within 30 s of SIGTERM")
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	// Nothing half-moved: the original is in the claim area or already done.
	claimed, _ := filepath.Glob(filepath.Join(in.root, "work", "claims", "rechnung", "*drei.pdf"))
	done2, _ := filepath.Glob(filepath.Join(in.root, "done", "*", "drei.pdf"))
	if len(claimed)+len(done2) != 1 {
		t.Fatalf("original: %d in claims, %d in done", len(claimed), len(done2))
	}
	in.start()
	d := in.waitFinal(1, 3*time.Minute)["drei.pdf"]
	if d.State != journal.StateDelivered || d.Pages != 3 {
		t.Fatalf("after restart: %+v", d)
	}
}

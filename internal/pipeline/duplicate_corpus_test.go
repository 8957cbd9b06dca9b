package pipeline_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/testenv"
)

// pair is a scan of the corpus and the e-invoice it was printed from.
type pair struct{ scan, original, number string }

// corpusPairs finds, from the truth files, every scanned invoice whose
// source file is in the e-invoice corpus (same SHA-256).
func corpusPairs(t *testing.T) []pair {
	t.Helper()
	corpus := testenv.Corpus(t, "")
	cases, err := einvoicetest.LoadManifest(filepath.Join(corpus, "einvoice"))
	if err != nil {
		t.Fatal(err)
	}
	bySHA := map[string]string{}
	for _, c := range cases {
		bySHA[c.SHA256] = filepath.Join(corpus, "einvoice", c.File)
	}
	truths, err := ocrtest.LoadTruths[ocrtest.Truth](filepath.Join(corpus, "scans"))
	if err != nil {
		t.Fatal(err)
	}
	var out []pair
	for _, tr := range truths {
		if orig, ok := bySHA[tr.Source.SHA256]; ok && tr.Label == "invoice" {
			out = append(out, pair{filepath.Join(corpus, "scans", tr.File), orig, tr.Fields[fields.InvoiceNumber]})
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d scan/original pairs found in the corpus", len(out))
	}
	return out
}

// cachedOCR runs the real engine once per input and replays its output:
// each scan is dropped twice (both orders), recognising it twice would
// only cost time.
type cachedOCR struct {
	e  *ocr.Engine
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	pdf []byte
	rec *pipeline.Recognition
}

func (c *cachedOCR) Recognize(ctx context.Context, in, out string) (*pipeline.Recognition, error) {
	b, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	key := hex.EncodeToString(sum[:])
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if !ok {
		res, err := c.e.Process(ctx, in, out)
		if err != nil {
			return nil, err
		}
		pdf, err := os.ReadFile(out)
		if err != nil {
			return nil, err
		}
		hit = cached{pdf, &pipeline.Recognition{Pages: len(res.Pages), Layout: res.Layout, PageInfo: res.Pages}}
		c.mu.Lock()
		c.m[key] = hit
		c.mu.Unlock()
		return hit.rec, nil
	}
	return hit.rec, os.WriteFile(out, hit.pdf, 0o644)
}

// dupStack is one installation: its own journal, work folders and d.3.
type dupStack struct {
	p    *pipeline.Pipeline
	j    *sqlite.Journal
	fake *d3fake.Server
	root string
}

func newDupStack(t *testing.T, rec pipeline.Recognizer) *dupStack {
	t.Helper()
	fake := d3fake.New(d3fake.DefaultOptions())
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	b, err := os.ReadFile(filepath.Join("..", "dms", "d3", "testdata", "demo-options.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	dcfg, err := d3.DecodeConfig(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	dcfg.BaseURL = srv.URL
	key := fake.Options().APIKey
	client, err := d3.New("d3", dcfg, d3.WithGetenv(func(name string) string {
		if name == dcfg.APIKeyEnv {
			return key
		}
		return ""
	}))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
targets: {d3: {type: archive, dir: %[1]s/unused}}
profiles: [{name: rechnung, folder: %[1]s/inbox, kind: rechnung, target: d3}]
`, root)), nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	p := pipeline.New(pipeline.Options{Config: cfg, Journal: j, Recognizer: rec, Targets: map[string]dms.Target{"d3": client},
		Invoices: j, Logger: slog.New(slog.DiscardHandler)})
	return &dupStack{p: p, j: j, fake: fake, root: root}
}

type firstStep struct{ id, step string }

func (f *firstStep) Enqueue(_ context.Context, t pipeline.Task) error {
	f.id, f.step = t.ID, t.Step
	return nil
}

// drop claims a copy of file and runs its steps to the end, as the
// workers would.
func (s *dupStack) drop(t *testing.T, file string) journal.Document {
	t.Helper()
	ctx := context.Background()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(s.root, "inbox", filepath.Base(file))
	os.MkdirAll(filepath.Dir(src), 0o755)
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := intake.ClaimFile(src, filepath.Join(s.p.ClaimDir(), "rechnung"), "rechnung")
	if err != nil {
		t.Fatal(err)
	}
	q := &firstStep{}
	if err := s.p.Intake(q).HandleClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	for step := q.step; step != ""; {
		next, err := s.p.Run(ctx, step, q.id)
		if err != nil {
			// What the worker does with a permanent error (a target's
			// rejection): the document ends in the error folder.
			if ferr := s.p.Fail(ctx, q.id, step, err, ""); ferr != nil {
				t.Fatalf("%s: fail after %v: %v", filepath.Base(file), err, ferr)
			}
			break
		}
		step = next
	}
	d, err := s.j.Get(ctx, q.id)
	if err != nil {
		t.Fatal(err)
	}
	return *d
}

// TestScanAndOriginalStartOneWorkflow drops every scanned invoice of the
// corpus together with the e-invoice it was printed from, in both orders,
// into an installation delivering to d.3: at most one Rechnungsworkflow
// starts, and the second copy is marked for review.
func TestScanAndOriginalStartOneWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("recognises every scanned invoice of the corpus")
	}
	pairs := corpusPairs(t)
	e, err := ocr.New(ocr.Config{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	rec := &cachedOCR{e: e, m: map[string]cached{}}
	caught, rejected := 0, 0
	for _, pr := range pairs {
		for _, order := range [][2]string{{pr.scan, pr.original}, {pr.original, pr.scan}} {
			name := filepath.Base(order[0]) + " then " + filepath.Base(order[1])
			t.Run(name, func(t *testing.T) {
				s := newDupStack(t, rec)
				first, second := s.drop(t, order[0]), s.drop(t, order[1])
				for _, d := range []journal.Document{first, second} {
					switch {
					case d.State == journal.StateFailed && d.Error != "":
						// A scan whose fields could only be read with doubt is
						// refused by d.3's mandatory properties; it waits in the
						// error folder with the reason.
						rejected++
					case d.State != journal.StateDelivered:
						t.Errorf("%s: %s (%s)", d.SourceName, d.State, d.Error)
					}
				}
				if n := s.fake.ProcessStarts(); n > 1 {
					t.Errorf("%d Rechnungsworkflows started for invoice %s", n, pr.number)
				}
				if second.Fields["duplicate_invoice_of"] == first.ID || second.Fields["suspect_duplicate_invoice_of"] == first.ID {
					caught++
					if second.Fields["needs_review"] != "true" {
						t.Errorf("%s: a duplicate not marked for review", second.SourceName)
					}
				}
			})
		}
	}
	t.Logf("%d of %d second copies recognised as duplicates; %d documents refused by d.3", caught, 2*len(pairs), rejected)
}

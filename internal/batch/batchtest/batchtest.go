// Package batchtest builds scanned test batches: stacks of corpus letters
// with eingang separator sheets between them, blank duplex backs of
// several kinds and near-blank pages, rasterised with pdftoppm and
// degraded with ImageMagick as a scan station's scanner would. Generation
// takes minutes, so the pages are cached under os.TempDir, keyed by a hash
// of the generator version and the corpus manifest; they are never written
// into the repository.
package batchtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/batch"
	"github.com/eingang/eingang/internal/testenv"
)

// genVersion changes whenever the generator makes different pages.
const genVersion = "batchtest/5"

// Kind is what a page of a test batch is.
type Kind string

// Page kinds.
const (
	Content   Kind = "content"   // a corpus page
	NearBlank Kind = "nearblank" // little content: a line, a signature, a stamp, a note
	Blank     Kind = "blank"     // no content: texture, noise, punch holes, bleed-through
	Separator Kind = "separator" // an eingang separator sheet
)

// Page is one scanned page with its truth.
type Page struct {
	File string `json:"file"`
	Kind Kind   `json:"kind"`
	// Variant says how the page was made (blank kind, near-blank kind,
	// degradations), for messages.
	Variant string `json:"variant"`
	// Doc is the index of the document the page belongs to, -1 for a
	// separator sheet.
	Doc int `json:"doc"`
	// Payload is a separator sheet's payload text.
	Payload string `json:"payload,omitempty"`
	// Foreign is the text of a barcode printed on a content page that is
	// not a separator.
	Foreign []string `json:"foreign,omitempty"`
}

// Doc is one document of a batch.
type Doc struct {
	Source        string `json:"source"` // corpus name
	InvoiceNumber string `json:"invoice_number,omitempty"`
	// Fields are the metadata the document must get: from its separator's
	// payload and from a field label on its first page.
	Fields  map[string]string `json:"fields,omitempty"`
	Profile string            `json:"profile,omitempty"`
}

// Batch is one generated batch.
type Batch struct {
	Name  string `json:"name"`
	DPI   int    `json:"dpi"`
	Color bool   `json:"color"`
	Pages []Page `json:"pages"`
	Docs  []Doc  `json:"docs"`
}

// FieldLabel is the barcode_fields rule the generated field labels
// follow: a Code 128 "AZ:<Aktenzeichen>" on a document's first page.
const FieldLabel = `^AZ:(.+)$`

// Tools returns the programs generation needs.
func Tools() []string { return []string{"pdftoppm", "pdfimages", "convert"} }

// Options size the generated set.
type Options struct {
	Batches int // at least 20 for the acceptance tests
	Seed    uint64
}

// Generate returns the test batches, building them into a cache
// directory under os.TempDir the first time.
func Generate(ctx context.Context, corpus string, opt Options) ([]Batch, error) {
	manifest, err := os.ReadFile(filepath.Join(corpus, "manifest.tsv"))
	if err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%d\n", genVersion, opt.Batches, opt.Seed)
	h.Write(manifest)
	dir := filepath.Join(os.TempDir(), "eingang-batchtest", hex.EncodeToString(h.Sum(nil))[:16])
	index := filepath.Join(dir, "batches.json")
	if data, err := os.ReadFile(index); err == nil {
		var bs []Batch
		if err := json.Unmarshal(data, &bs); err == nil {
			for i := range bs {
				for j := range bs[i].Pages {
					bs[i].Pages[j].File = filepath.Join(dir, bs[i].Pages[j].File)
				}
			}
			return bs, nil
		}
	}
	for _, t := range Tools() {
		if _, err := exec.LookPath(t); err != nil {
			return nil, fmt.Errorf("batchtest: %s: %w", t, err)
		}
	}
	docs, err := readCorpus(corpus, manifest)
	if err != nil {
		return nil, err
	}
	// Test binaries of several packages run at once and may all find the
	// cache missing: each builds into its own directory, and the first
	// rename wins.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	defer os.RemoveAll(tmp)
	g := &gen{corpus: corpus, dir: tmp, docs: docs}
	bs, jobs := g.plan(opt)
	if err := g.run(ctx, jobs); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(bs, "", " ")
	if err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "batches.json"), data, 0o644); err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process renamed its complete set into place first
		// (renaming onto a non-empty directory fails); a directory there
		// without a readable index is left from an older layout.
		if _, serr := os.Stat(index); serr != nil {
			_ = os.RemoveAll(dir)
			if err := os.Rename(tmp, dir); err != nil {
				return nil, fmt.Errorf("batchtest: %w", err)
			}
		}
	}
	return Generate(ctx, corpus, opt)
}

type corpusDoc struct {
	name, file, format, invoice string
	pages                       int
}

func readCorpus(corpus string, manifest []byte) ([]corpusDoc, error) {
	var docs []corpusDoc
	for i, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 6 {
			continue
		}
		d := corpusDoc{name: f[0], file: f[1], format: f[2]}
		fmt.Sscan(f[5], &d.pages)
		var truth struct {
			Fields struct {
				InvoiceNumber string `json:"invoice_number"`
			} `json:"fields"`
		}
		data, err := os.ReadFile(filepath.Join(corpus, "truth", d.name+".json"))
		if err != nil {
			return nil, fmt.Errorf("batchtest: %w", err)
		}
		if err := json.Unmarshal(data, &truth); err != nil {
			return nil, fmt.Errorf("batchtest: %s: %w", d.name, err)
		}
		d.invoice = truth.Fields.InvoiceNumber
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil, errors.New("batchtest: empty corpus manifest")
	}
	return docs, nil
}

// job makes one page file.
type job struct {
	out     string
	kind    Kind
	variant string
	// source: corpus document and 1-based page, or a payload for a sheet
	doc     corpusDoc
	page    int
	payload batch.SeparatorPayload
	foreign []string // barcodes to print on a content page
	label   string   // field label to print on a content page
	dpi     int
	color   bool
	skew    float64
	turn    int
	noise   float64
	quality int // 0: PNG
	seed    uint64
}

type gen struct {
	corpus string
	dir    string
	docs   []corpusDoc
}

var blankKinds = []string{"texture", "noise", "punched", "bleed", "punched-bleed"}
var nearKinds = []string{"line", "signature", "stamp", "note"}

// plan decides every page of every batch from the seed alone.
func (g *gen) plan(opt Options) ([]Batch, []job) {
	r := rand.New(rand.NewPCG(opt.Seed, 14))
	var bs []Batch
	var jobs []job
	for bi := range opt.Batches {
		b := Batch{Name: fmt.Sprintf("batch-%02d", bi+1), DPI: 200, Color: bi%4 == 1}
		switch {
		case bi%5 == 2:
			b.DPI = 300
		case bi == opt.Batches-1:
			b.DPI = 400
		}
		quality := 60 + r.IntN(31)
		if bi%7 == 3 {
			quality = 0 // lossless, as some scanners deliver TIFF/PNG
		}
		ndocs := 2 + r.IntN(5)
		pageNo := 0
		add := func(j job, p Page) {
			pageNo++
			j.dpi, j.color, j.quality, j.seed = b.DPI, b.Color, quality, r.Uint64()
			j.out = fmt.Sprintf("%s/p%03d.%s", b.Name, pageNo, ext(j.quality))
			p.File = j.out
			p.Variant = j.variant
			jobs = append(jobs, j)
			b.Pages = append(b.Pages, p)
		}
		skew := func() float64 { return (r.Float64()*2 - 1) * 3 }
		duplex := r.IntN(2) == 0
		for di := range ndocs {
			cd := g.docs[r.IntN(len(g.docs))]
			doc := Doc{Source: cd.name, InvoiceNumber: cd.invoice}
			// A separator before every document but the first; some
			// batches start with one too.
			if di > 0 || r.IntN(3) == 0 {
				var p batch.SeparatorPayload
				if r.IntN(3) == 0 {
					p.Profile = "stapel"
					p.Meta = map[string]string{"posteingang": fmt.Sprintf("2026-12-%02d", 1+r.IntN(28))}
					doc.Profile = p.Profile
					doc.Fields = map[string]string{"posteingang": p.Meta["posteingang"]}
				}
				turn := []int{0, 0, 90, 180, 270}[r.IntN(5)]
				add(job{kind: Separator, payload: p, skew: skew(), turn: turn, noise: 0.2 + r.Float64()*0.6,
					variant: fmt.Sprintf("turn %d", turn)},
					Page{Kind: Separator, Doc: -1, Payload: p.String()})
				if duplex {
					// The sheet's back is blank too.
					k := blankKinds[r.IntN(2)]
					add(job{kind: Blank, variant: k, skew: skew(), noise: 0.3 + r.Float64()*0.5},
						Page{Kind: Blank, Doc: di})
				}
			}
			// Two pages of a document are enough to test splitting and
			// keep generation (a second per page) short.
			for pg := 1; pg <= min(cd.pages, 2); pg++ {
				j := job{kind: Content, doc: cd, page: pg, skew: skew(), noise: r.Float64() * 0.5,
					variant: cd.name + fmt.Sprintf(" p%d", pg)}
				if r.IntN(8) == 0 {
					j.turn = 180
				}
				if pg == 1 && r.IntN(4) == 0 {
					az := fmt.Sprintf("%d-%03d/2026", 10+r.IntN(80), r.IntN(1000))
					j.label = "AZ:" + az
					if doc.Fields == nil {
						doc.Fields = map[string]string{}
					}
					doc.Fields["aktenzeichen"] = az
				}
				if r.IntN(6) == 0 {
					j.foreign = []string{fmt.Sprintf("JJD%014d", r.Uint64()%1e14), "https://www.example.org/rechnung/" + cd.name}
				}
				p := Page{Kind: Content, Doc: di, Foreign: j.foreign}
				add(j, p)
				if duplex {
					switch x := r.IntN(10); {
					case x < 6:
						k := blankKinds[r.IntN(len(blankKinds))]
						add(job{kind: Blank, doc: cd, page: pg, variant: k, skew: skew(), noise: 0.2 + r.Float64()*0.6},
							Page{Kind: Blank, Doc: di})
					case x < 8:
						k := nearKinds[r.IntN(len(nearKinds))]
						add(job{kind: NearBlank, variant: k, skew: skew(), noise: 0.2 + r.Float64()*0.5},
							Page{Kind: NearBlank, Doc: di})
					}
				}
			}
			b.Docs = append(b.Docs, doc)
		}
		bs = append(bs, b)
	}
	return bs, jobs
}

func ext(quality int) string {
	if quality == 0 {
		return "png"
	}
	return "jpg"
}

func (g *gen) run(ctx context.Context, jobs []job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range max(1, runtime.NumCPU()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if err := g.make(ctx, j); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("batchtest: %s: %w", j.out, err)
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
	for _, j := range jobs {
		select {
		case work <- j:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// Load returns the standard test set (20 batches), generating it on first
// use. It skips the test when a tool is missing, unless CI=true, where a
// missing tool fails it.
func Load(t testing.TB) []Batch {
	t.Helper()
	for _, tool := range Tools() {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed: %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	bs, err := Generate(context.Background(), testenv.Corpus(t, "scans"), Options{Batches: 20, Seed: 14})
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// Image decodes the page's file.
func (p Page) Image() (image.Image, error) {
	f, err := os.Open(p.File)
	if err != nil {
		return nil, fmt.Errorf("batchtest: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("batchtest: %s: %w", p.File, err)
	}
	return img, nil
}

// Want returns, for each document of b, the batch pages (1-based) that
// must make up its part: its content and near-blank pages.
func (b Batch) Want() [][]int {
	want := make([][]int, len(b.Docs))
	for i, p := range b.Pages {
		if p.Kind == Content || p.Kind == NearBlank {
			want[p.Doc] = append(want[p.Doc], i+1)
		}
	}
	return want
}

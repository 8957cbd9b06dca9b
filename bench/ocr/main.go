// Command ocr benchmarks eingang's OCR against bare Tesseract and OCRmyPDF
// on the scan corpus: pages per minute with 1 and 2 workers, seconds per
// page (p50/p95), peak RSS, character error rate against the truth text
// (upright and upside-down pages separately) and the invoices whose number
// appears verbatim in the text. With -soak it pushes N pages through one
// 2-worker engine and prints RSS as it goes; with -orient it compares the
// orientation detector with Tesseract's OSD.
//
//	go run ./bench/ocr            # full comparison (≈ 30 min on 2 cores)
//	go run ./bench/ocr -quick     # 9 documents
//	go run ./bench/ocr -soak 500  # memory soak
//	go run ./bench/ocr -orient    # orientation accuracy and cost
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv/repo"
)

// truth is a scan-truth/1 file of the corpus.
type truth = ocrtest.Truth

// docRun is one document processed by one tool.
type docRun struct {
	Name    string        `json:"name"`
	Seconds float64       `json:"seconds"`
	Pages   []string      `json:"pages"` // text per page
	Err     string        `json:"err,omitempty"`
	Rot     []int         `json:"rot,omitempty"`
	Elapsed time.Duration `json:"-"`
}

func main() {
	corpus := flag.String("corpus", "", "scan corpus directory (default: ../shared/corpus/scans from the repository root)")
	quick := flag.Bool("quick", false, "use 9 documents instead of all")
	workersFlag := flag.String("workers", "1,2", "worker counts to measure")
	toolsFlag := flag.String("tools", "eingang,tesseract,ocrmypdf", "tools to compare")
	soak := flag.Int("soak", 0, "push this many pages through one 2-worker engine and report RSS")
	orient := flag.Bool("orient", false, "compare orientation detection with Tesseract OSD")
	large := flag.Int("large", 0, "measure memory and accuracy on pages of this many pixels per side (e.g. 9000)")
	rounds := flag.Int("rounds", 3, "with -large: documents per worker")
	childLarge := flag.String("child-large", "", "internal")
	childBudget := flag.Int64("child-budget", 0, "internal")
	childMax := flag.Int64("child-max", 0, "internal")
	childRounds := flag.Int("child-rounds", 1, "internal")
	child := flag.Bool("child-eingang", false, "internal: run eingang over the files given as arguments")
	childWorkers := flag.Int("child-workers", 1, "internal")
	childOut := flag.String("child-out", "", "internal")
	cpuProfile := flag.String("cpuprofile", "", "with -child-eingang: write a CPU profile of eingang's run to this file")
	flag.Parse()

	if *childLarge != "" {
		os.Exit(runLargeChild(*childLarge, *childWorkers, *childRounds, *childBudget, *childMax, *childOut))
	}
	if *child {
		os.Exit(runChild(flag.Args(), *childWorkers, *childOut, *cpuProfile))
	}
	dir := *corpus
	if dir == "" {
		dir = repo.CorpusDefault("scans")
	}
	docs, err := loadDocs(dir, *quick)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch {
	case *soak > 0:
		runSoak(dir, docs, *soak)
		return
	case *orient:
		runOrient(dir, docs)
		return
	case *large > 0:
		runLarge(dir, docs, *large, *rounds)
		return
	}
	var workers []int
	for _, w := range strings.Split(*workersFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "bad -workers")
			os.Exit(2)
		}
		workers = append(workers, n)
	}
	pages := 0
	for _, d := range docs {
		pages += len(d.Pages)
	}
	host, _ := os.Hostname()
	fmt.Printf("corpus %s: %d documents, %d pages; host %s, %d CPUs; %s\n", dir, len(docs), pages, host, numCPU(), time.Now().UTC().Format(time.RFC3339))
	tmp, _ := os.MkdirTemp("", "bench-ocr-")
	defer os.RemoveAll(tmp)
	images := extractImages(dir, docs, tmp)
	var rows []row
	for _, tool := range strings.Split(*toolsFlag, ",") {
		var texts map[string]docRun
		for _, w := range workers {
			fmt.Fprintf(os.Stderr, "running %s with %d workers…\n", tool, w)
			r, runs := measure(tool, dir, docs, images, w, tmp)
			if texts == nil {
				texts = runs
			}
			rows = append(rows, r)
		}
		quality(rows[len(rows)-len(workers):], docs, texts)
	}
	printTable(rows)
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func loadDocs(dir string, quick bool) ([]truth, error) {
	docs, err := ocrtest.LoadTruths[truth](dir)
	if err != nil {
		return nil, err
	}
	if quick {
		var q []truth
		for i, d := range docs {
			if i < 8 || d.Name == "scan-0039" {
				q = append(q, d)
			}
		}
		docs = q
	}
	return docs, nil
}

// extractImages writes each PDF page's image (pdfimages -j keeps the DCT
// bytes) for bare Tesseract, which cannot read PDF. TIFFs are given to it
// as they are.
func extractImages(dir string, docs []truth, tmp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range docs {
		in := filepath.Join(dir, d.File)
		if strings.HasSuffix(d.File, ".tif") {
			out[d.Name] = []string{in}
			continue
		}
		root := filepath.Join(tmp, d.Name)
		exec.Command("pdfimages", "-j", in, root).Run()
		imgs, _ := filepath.Glob(root + "-*")
		sort.Strings(imgs)
		out[d.Name] = imgs
	}
	return out
}

type row struct {
	tool                string
	workers             int
	pages               int
	wall                time.Duration
	perPage             []float64
	peakRSSMB           float64
	cerUp, cerDown      float64
	upN, downN          int
	numbersFound, inv   int
	rotOK, rotN, errors int
}

// measure runs one tool over all documents with w in parallel and samples
// the RSS of all child processes.
func measure(tool, dir string, docs []truth, images map[string][]string, w int, tmp string) (row, map[string]docRun) {
	r := row{tool: tool, workers: w}
	for _, d := range docs {
		r.pages += len(d.Pages)
	}
	stop := make(chan struct{})
	var peak atomic.Int64
	go sampleRSS(stop, &peak)
	start := time.Now()
	runs := map[string]docRun{}
	var mu sync.Mutex
	var childWall time.Duration
	switch tool {
	case "eingang":
		var files []string
		for _, d := range docs {
			files = append(files, filepath.Join(dir, d.File))
		}
		outDir := filepath.Join(tmp, fmt.Sprintf("eingang-%d", w))
		os.MkdirAll(outDir, 0o755)
		self, _ := os.Executable()
		cmd := exec.Command(self, append([]string{"-child-eingang", "-child-workers", strconv.Itoa(w), "-child-out", outDir}, files...)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "eingang child:", err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		sc.Buffer(nil, 1<<26)
		for sc.Scan() {
			var wall struct {
				Wall *float64 `json:"wall"`
			}
			if json.Unmarshal(sc.Bytes(), &wall) == nil && wall.Wall != nil {
				childWall = time.Duration(*wall.Wall * float64(time.Second))
				continue
			}
			var dr docRun
			if json.Unmarshal(sc.Bytes(), &dr) == nil {
				runs[dr.Name] = dr
			}
		}
	default:
		sem := make(chan struct{}, w)
		var wg sync.WaitGroup
		for _, d := range docs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				var dr docRun
				if tool == "tesseract" {
					dr = runTesseract(d, images[d.Name])
				} else {
					dr = runOCRmyPDF(dir, d, filepath.Join(tmp, fmt.Sprintf("ocrmypdf-%d-%s.pdf", w, d.Name)))
				}
				mu.Lock()
				runs[d.Name] = dr
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	r.wall = time.Since(start)
	if childWall > 0 {
		// eingang's own processing time, without the text extraction
		// for scoring (the other tools' texts come straight from them).
		r.wall = childWall
	}
	close(stop)
	r.peakRSSMB = float64(peak.Load()) / 1024
	for _, d := range docs {
		dr, ok := runs[d.Name]
		if !ok || dr.Err != "" {
			r.errors++
			continue
		}
		for range d.Pages {
			r.perPage = append(r.perPage, dr.Seconds/float64(len(d.Pages)))
		}
	}
	return r, runs
}

func env() []string { return append(os.Environ(), "OMP_THREAD_LIMIT=1") }

func runTesseract(d truth, imgs []string) docRun {
	dr := docRun{Name: d.Name}
	start := time.Now()
	for _, img := range imgs {
		cmd := exec.Command("tesseract", img, "-", "-l", "deu")
		cmd.Env = env()
		out, err := cmd.Output()
		if err != nil {
			dr.Err = err.Error()
			return dr
		}
		// Multi-page TIFF: pages end with a form feed.
		for _, p := range strings.Split(strings.TrimRight(string(out), "\f\n"), "\f") {
			dr.Pages = append(dr.Pages, p)
		}
	}
	dr.Seconds = time.Since(start).Seconds()
	return dr
}

func runOCRmyPDF(dir string, d truth, out string) docRun {
	dr := docRun{Name: d.Name}
	start := time.Now()
	cmd := exec.Command("ocrmypdf", "-q", "-l", "deu", "--rotate-pages", "--deskew", "--output-type", "pdf", "--jobs", "1", filepath.Join(dir, d.File), out)
	cmd.Env = env()
	if b, err := cmd.CombinedOutput(); err != nil {
		dr.Err = fmt.Sprintf("%v: %s", err, b)
		return dr
	}
	dr.Seconds = time.Since(start).Seconds()
	dr.Pages = pdfPages(out, len(d.Pages))
	return dr
}

func pdfPages(path string, n int) []string {
	var pages []string
	for i := 1; i <= n; i++ {
		out, _ := exec.Command("pdftotext", "-q", "-f", strconv.Itoa(i), "-l", strconv.Itoa(i), path, "-").Output()
		pages = append(pages, string(out))
	}
	return pages
}

// runChild is the eingang side: one engine, documents processed w at a
// time (pages of all of them share the engine's w clients).
func runChild(files []string, w int, outDir, cpuProfile string) int {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	childStart := time.Now()
	eng, err := ocr.New(ocr.Config{Workers: w}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer eng.Close()
	sem := make(chan struct{}, w)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var runs []docRun
	var outs []string
	var counts []int
	for _, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			out := filepath.Join(outDir, name+".pdf")
			start := time.Now()
			res, err := eng.Process(context.Background(), f, out)
			dr := docRun{Name: name, Seconds: time.Since(start).Seconds()}
			n := 0
			if err != nil {
				dr.Err = err.Error()
			} else {
				n = len(res.Pages)
				for _, p := range res.Pages {
					dr.Rot = append(dr.Rot, p.RotationDeg)
				}
			}
			mu.Lock()
			runs, outs, counts = append(runs, dr), append(outs, out), append(counts, n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// The processing time ends here; extracting the text for scoring is
	// the benchmark's business, not eingang's.
	fmt.Fprintf(os.Stdout, "{\"wall\": %f}\n", time.Since(childStart).Seconds())
	enc := json.NewEncoder(os.Stdout)
	for i := range runs {
		if runs[i].Err == "" {
			runs[i].Pages = pdfPages(outs[i], counts[i])
		}
		enc.Encode(runs[i])
	}
	return 0
}

// sampleRSS sums VmRSS of all descendants every 100 ms and keeps the peak
// (KiB).
func sampleRSS(stop <-chan struct{}, peak *atomic.Int64) {
	self := os.Getpid()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		parent := map[int]int{}
		rss := map[int]int64{}
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile("/proc/" + e.Name() + "/status")
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) >= 2 && f[0] == "PPid:" {
					parent[pid], _ = strconv.Atoi(f[1])
				}
				if len(f) >= 2 && f[0] == "VmRSS:" {
					rss[pid], _ = strconv.ParseInt(f[1], 10, 64)
				}
			}
		}
		var sum int64
		for pid, kb := range rss {
			for p, n := parent[pid], 0; p != 0 && n < 64; p, n = parent[p], n+1 {
				if p == self {
					sum += kb
					break
				}
			}
		}
		if sum > peak.Load() {
			peak.Store(sum)
		}
	}
}

// quality fills the accuracy columns, which do not depend on the worker
// count, from one run.
func quality(rows []row, docs []truth, runs map[string]docRun) {
	var eUp, nUp, eDown, nDown, found, inv, upN, downN, rotOK, rotN int
	for _, d := range docs {
		dr := runs[d.Name]
		all := strings.Join(dr.Pages, "\n")
		if d.Label == "invoice" && d.Fields[fields.InvoiceNumber] != "" {
			inv++
			if strings.Contains(all, d.Fields[fields.InvoiceNumber]) {
				found++
			}
		}
		for i, p := range d.Pages {
			got := ""
			if i < len(dr.Pages) {
				got = dr.Pages[i]
			}
			if i < len(dr.Rot) {
				want := 0
				if p.Rotation.UpsideDown {
					want = 180
				}
				rotN++
				if dr.Rot[i] == want {
					rotOK++
				}
			}
			e, n := ocrtest.EditDistance(got, p.ReferenceTextRaw)
			if p.Rotation.UpsideDown {
				eDown, nDown, downN = eDown+e, nDown+n, downN+1
			} else {
				eUp, nUp, upN = eUp+e, nUp+n, upN+1
			}
		}
	}
	for i := range rows {
		rows[i].cerUp = float64(eUp) / float64(max(nUp, 1))
		rows[i].cerDown = float64(eDown) / float64(max(nDown, 1))
		rows[i].upN, rows[i].downN = upN, downN
		rows[i].numbersFound, rows[i].inv = found, inv
		rows[i].rotOK, rows[i].rotN = rotOK, rotN
	}
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func printTable(rows []row) {
	w := os.Stdout
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| tool | workers | pages/min | p50 s/page | p95 s/page | peak RSS MB | CER upright | CER upside-down | invoice numbers | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %.1f | %.2f | %.2f | %.0f | %.3f (%d p.) | %.3f (%d p.) | %d / %d | %d |\n",
			r.tool, r.workers, float64(r.pages)/r.wall.Minutes(), percentile(r.perPage, 0.5), percentile(r.perPage, 0.95),
			r.peakRSSMB, r.cerUp, r.upN, r.cerDown, r.downN, r.numbersFound, r.inv, r.errors)
	}
	for _, r := range rows {
		if r.rotN > 0 {
			fmt.Fprintf(w, "%s/%d workers: final orientation correct on %d / %d pages\n", r.tool, r.workers, r.rotOK, r.rotN)
		}
	}
	// Ratios against bare tesseract at the same worker count.
	for _, r := range rows {
		for _, b := range rows {
			if b.tool == "tesseract" && b.workers == r.workers && r.tool != "tesseract" {
				fmt.Fprintf(w, "%s/%d workers: time %.2f× bare tesseract\n", r.tool, r.workers, r.wall.Seconds()/b.wall.Seconds())
			}
		}
	}
}

var _ = io.Discard
var _ = pdf.FormatPDF

// Command pipeline measures eingang end to end on several processes the way
// a multi-node deployment runs it: a private redis-server (append-only
// file, fsync every second), one `eingang watch` and N `eingang work`
// processes on one configuration and work area, and the journal on SQLite
// or on a private PostgreSQL cluster. It drops the scan corpus into a hot
// folder, waits until every document is in the archive target and prints
//
//   - wall time and pages per minute with 1 and 2 work processes (N work ×
//     workers.concurrency = the cores), beside bare `tesseract IMG out -l
//     deu pdf` on the same page images with as many in parallel as cores;
//   - the CPU time (user + system) each side used: bare Tesseract's
//     processes, and every eingang role with the children it ran
//     (pdftoppm, pdftotext), from the drop to the last delivery. On a
//     machine that others share, the CPU ratio is the steadier of the two;
//   - with -repeat N, N rounds in which each pipeline run directly follows
//     its own bare Tesseract run, and the median and range of the ratios,
//     so that a drifting machine load hits both sides alike;
//   - the share of each pipeline step in the time the steps took (from the
//     work processes' eingang_step_duration_seconds histograms);
//   - Redis commands per document (INFO commandstats before and after) and
//     PostgreSQL transactions and rows per document (pg_stat_database);
//   - from those and figures measured on this machine (redis-benchmark,
//     single-row commits per second, BenchmarkJournalPerDocument of both
//     journal adapters) the documents per second one Redis and one
//     PostgreSQL could serve;
//   - the goal verdicts of issue 13: end to end ≤ 1.15× bare Tesseract,
//     PostgreSQL journal per document ≤ 1.10× SQLite.
//
// Usage, from the repository root:
//
//	go run ./bench/pipeline [-pages N] [-work 1,2] [-journal sqlite,postgres] [-repeat N] [-bin bin/eingang]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv/repo"
)

type doc struct {
	name, file, format string
	pages              int
}

// result is one pipeline run.
type result struct {
	journal           string
	work, concurrency int
	docs, pages       int
	delivered, failed int
	wall              time.Duration
	cpu               time.Duration // user + system of all roles and their children, drop to last delivery; -1 unknown
	round             int
	bare              int                // index of the bare Tesseract run just before, in reportIn.bare
	steps             map[string]float64 // seconds summed over the work processes
	redisCalls        map[string]cmdStat
	pg                pgStats
	apiPolls          int
	load              string // 1-minute load average before the drop
	err               error
}

var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	cleanups = append(cleanups, f)
	cleanupMu.Unlock()
}

func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func main() {
	code := run()
	runCleanups()
	os.Exit(code)
}

func run() int {
	corpus := flag.String("corpus", "", "scan corpus directory (default: the shared corpus's scans)")
	maxPages := flag.Int("pages", 0, "use the corpus's first documents up to this many pages (0: all)")
	workFlag := flag.String("work", "1,2", "numbers of work processes to measure")
	journalFlag := flag.String("journal", "sqlite,postgres", "journal drivers to measure")
	bin := flag.String("bin", "", "eingang binary (default: build ./cmd/eingang)")
	cores := flag.Int("cores", runtime.NumCPU(), "cores to fill: work processes × workers.concurrency and bare Tesseract's parallelism")
	journalBench := flag.Bool("journal-bench", true, "also run BenchmarkJournalPerDocument of both journal adapters")
	repeat := flag.Int("repeat", 1, "rounds; in each, every pipeline run follows its own bare Tesseract run, and ratios are reported as median and range")
	flag.Parse()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		runCleanups()
		os.Exit(130)
	}()

	dir := *corpus
	if dir == "" {
		dir = repo.CorpusDefault("scans")
	}
	docs, err := loadManifest(dir, *maxPages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/pipeline:", err)
		return 1
	}
	pages := 0
	for _, d := range docs {
		pages += d.pages
	}
	var works []int
	for _, s := range strings.Split(*workFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "bench/pipeline: bad -work")
			return 2
		}
		works = append(works, n)
	}
	journals := strings.Split(*journalFlag, ",")
	if *repeat < 1 {
		fmt.Fprintln(os.Stderr, "bench/pipeline: bad -repeat")
		return 2
	}
	load, _ := os.ReadFile("/proc/loadavg")
	host, _ := os.Hostname()
	fmt.Printf("bench/pipeline %s: corpus %s, %d documents, %d pages; host %s, %d cores; load average at start %s\n",
		time.Now().UTC().Format(time.RFC3339), dir, len(docs), pages, host, *cores, strings.Join(strings.Fields(string(load))[:3], " "))

	tmp, err := os.MkdirTemp("", "bench-pipeline-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	atExit(func() { os.RemoveAll(tmp) })
	if *bin == "" {
		*bin = filepath.Join(tmp, "eingang")
		fmt.Fprintln(os.Stderr, "building eingang…")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/eingang")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/pipeline: build:", err)
			return 1
		}
	}
	rs, err := startRedis(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/pipeline:", err)
		return 1
	}
	atExit(rs.stop)
	var pg *pgCluster
	if slices.Contains(journals, "postgres") {
		fmt.Fprintln(os.Stderr, "starting a private PostgreSQL cluster…")
		if pg, err = startPostgres(); err != nil {
			// make bench installs PostgreSQL; a machine set up otherwise may lack it.
			fmt.Fprintf(os.Stderr, "bench/pipeline: no PostgreSQL, its runs are left out: %v\n", err)
			journals = slices.DeleteFunc(journals, func(j string) bool { return j == "postgres" })
		} else {
			atExit(pg.stop)
		}
	}

	// Bare Tesseract right before each pipeline run: the same page images,
	// as many at once as cores.
	fmt.Fprintln(os.Stderr, "extracting page images…")
	images := extractImages(dir, docs, filepath.Join(tmp, "img"))
	nImages := 0
	for _, im := range images {
		nImages += len(im)
	}

	var results []result
	var bares []bareRun
	for round := 1; round <= *repeat; round++ {
		for _, j := range journals {
			for _, w := range works {
				fmt.Fprintf(os.Stderr, "round %d: bare tesseract…\n", round)
				b := runTesseract(images, *cores, filepath.Join(tmp, "tess"))
				b.round = round
				bares = append(bares, b)
				conc := max(1, *cores/w)
				fmt.Fprintf(os.Stderr, "round %d: pipeline: journal %s, %d work × concurrency %d…\n", round, j, w, conc)
				r := runPipeline(*bin, rs, pg, j, w, conc, dir, docs, filepath.Join(tmp, fmt.Sprintf("run-%s-%d-%d", j, w, round)))
				r.pages, r.round, r.bare = pages, round, len(bares)-1
				if r.err != nil {
					fmt.Fprintf(os.Stderr, "pipeline %s/%d: %v\n", j, w, r.err)
				}
				fmt.Fprintf(os.Stderr, "round %d: bare %.1f s wall, %.1f s CPU; eingang %.1f s wall, %.1f s CPU\n",
					round, b.wall.Seconds(), b.cpu.Seconds(), r.wall.Seconds(), r.cpu.Seconds())
				results = append(results, r)
				// The run's work area is not needed any more; several
				// rounds would otherwise fill the disk with archives.
				os.RemoveAll(filepath.Join(tmp, fmt.Sprintf("run-%s-%d-%d", j, w, round)))
			}
		}
	}

	// Capacity figures of the central parts, measured last so as not to
	// disturb the runs.
	fmt.Fprintln(os.Stderr, "measuring Redis and PostgreSQL capacity…")
	redisRPS, redisPer := rs.benchmark()
	var pgCommits float64
	if pg != nil {
		pgCommits, err = pg.commitsPerSecond(16, 5*time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, "commit benchmark:", err)
		}
	}
	var jb map[string]float64
	if *journalBench {
		fmt.Fprintln(os.Stderr, "BenchmarkJournalPerDocument…")
		jb = journalBenchmark()
	}

	report(os.Stdout, reportIn{docs: docs, pages: pages, images: nImages, cores: *cores, bare: bares, repeat: *repeat,
		results: results, redisRPS: redisRPS, redisPer: redisPer, pgCommits: pgCommits, journalBench: jb})
	return 0
}

func loadManifest(dir string, maxPages int) ([]doc, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols map[string]int
	var docs []doc
	total := 0
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range rec {
				cols[c] = i
			}
			continue
		}
		if len(rec) < len(cols) {
			continue
		}
		n, _ := strconv.Atoi(rec[cols["pages"]])
		docs = append(docs, doc{name: rec[cols["name"]], file: rec[cols["file"]], format: rec[cols["format"]], pages: n})
		total += n
		if maxPages > 0 && total >= maxPages {
			break
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no documents in manifest.tsv", dir)
	}
	return docs, sc.Err()
}

// extractImages writes each PDF page's image (pdfimages -j keeps the DCT
// bytes, as bench/ocr does); TIFFs are given to Tesseract as they are.
func extractImages(dir string, docs []doc, out string) map[string][]string {
	os.MkdirAll(out, 0o755)
	m := map[string][]string{}
	for _, d := range docs {
		in := filepath.Join(dir, d.file)
		if d.format != "pdf" {
			m[d.name] = []string{in}
			continue
		}
		root := filepath.Join(out, d.name)
		exec.Command("pdfimages", "-j", in, root).Run()
		imgs, _ := filepath.Glob(root + "-*")
		sort.Strings(imgs)
		m[d.name] = imgs
	}
	return m
}

// bareRun is one run of bare Tesseract over the page images.
type bareRun struct {
	wall, cpu   time.Duration
	errs, round int
	load        string
}

// runTesseract runs `tesseract IMG OUT -l deu pdf` on every image, par at
// a time, each with OMP_THREAD_LIMIT=1 as eingang's recognisers run, and
// returns the wall time and the CPU time the processes used.
func runTesseract(images map[string][]string, par int, out string) bareRun {
	os.MkdirAll(out, 0o755)
	var all []string
	for _, im := range images {
		all = append(all, im...)
	}
	sort.Strings(all)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := 0
	var cpu time.Duration
	load := loadAvg()
	start := time.Now()
	for i, img := range all {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cmd := exec.Command("tesseract", img, filepath.Join(out, strconv.Itoa(i)), "-l", "deu", "pdf")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			err := cmd.Run()
			mu.Lock()
			cpu += exitedCPU(cmd)
			if err != nil {
				errs++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return bareRun{wall: time.Since(start), cpu: cpu, errs: errs, load: load}
}

// proc is one running eingang role.
type proc struct {
	role, addr string
	cmd        *exec.Cmd
	done       chan struct{}
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func httpGet(addr, path string) (int, []byte, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func runPipeline(bin string, rs *redisServer, pg *pgCluster, driver string, work, conc int, corpus string, docs []doc, root string) (r result) {
	r = result{journal: driver, work: work, concurrency: conc, docs: len(docs)}
	os.MkdirAll(root, 0o755)
	ctx := context.Background()
	if err := rs.c.FlushAll(ctx).Err(); err != nil {
		r.err = err
		return r
	}
	env := []string{"OMP_THREAD_LIMIT=1"}
	dbName := ""
	switch driver {
	case "sqlite":
	case "postgres":
		if pg == nil {
			r.err = fmt.Errorf("no PostgreSQL")
			return r
		}
		dbName = fmt.Sprintf("pipeline_%d", work)
		if err := pg.exec("CREATE DATABASE " + dbName); err != nil {
			r.err = err
			return r
		}
		env = append(env, "EINGANG_JOURNAL_DRIVER=postgres", "EINGANG_JOURNAL_DSN="+pg.dsn(dbName))
	default:
		r.err = fmt.Errorf("unknown journal %q", driver)
		return r
	}
	cfg := filepath.Join(root, "eingang.yaml")
	body := fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
http: {addr: "127.0.0.1:1"}
redis: {url: "%[2]s"}
journal: {dsn: %[1]s/journal.db}
intake: {stability_delay: 1s, rescan_interval: 1s}
workers: {concurrency: %[3]d, shutdown_timeout: 20s}
log: {level: warn}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - {name: rechnung, folder: %[1]s/inbox/rechnung, create: true, kind: rechnung, target: archive}
`, root, rs.url(), conc)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		r.err = err
		return r
	}
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	roles := []string{"watch"}
	for range work {
		roles = append(roles, "work")
	}
	for i, role := range roles {
		p := &proc{role: role, addr: fmt.Sprintf("127.0.0.1:%d", freePort()), done: make(chan struct{})}
		logf, _ := os.Create(filepath.Join(root, fmt.Sprintf("%s-%d.log", role, i)))
		p.cmd = exec.Command(bin, role, "--config", cfg)
		p.cmd.Env = append(append(os.Environ(), "EINGANG_HTTP_ADDR="+p.addr), env...)
		p.cmd.Stdout, p.cmd.Stderr = logf, logf
		if err := p.cmd.Start(); err != nil {
			r.err = err
			return r
		}
		go func() { p.cmd.Wait(); logf.Close(); close(p.done) }()
		procs = append(procs, p)
		atExit(p.stop)
	}
	for _, p := range procs {
		deadline := time.Now().Add(90 * time.Second)
		for {
			code, _, _ := httpGet(p.addr, "/readyz")
			if code == http.StatusOK {
				break
			}
			select {
			case <-p.done:
				b, _ := os.ReadFile(filepath.Join(root, p.role+"-0.log"))
				r.err = fmt.Errorf("eingang %s exited at start: %s", p.role, b)
				return r
			default:
			}
			if time.Now().After(deadline) {
				r.err = fmt.Errorf("eingang %s never ready", p.role)
				return r
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(2 * time.Second) // let start-up work (recovery scan, first polls) pass
	redisBefore := rs.commandStats()
	var pgBefore pgStats
	if pg != nil && dbName != "" {
		pgBefore, _ = pg.stats(dbName)
	}

	// Drop: each file is written beside the inbox and renamed into it, as
	// a scanner's share does with a temporary name.
	inbox := filepath.Join(root, "inbox", "rechnung")
	stage := filepath.Join(root, "stage")
	os.MkdirAll(stage, 0o755)
	for _, d := range docs {
		b, err := os.ReadFile(filepath.Join(corpus, d.file))
		if err != nil {
			r.err = err
			return r
		}
		os.WriteFile(filepath.Join(stage, d.file), b, 0o644)
	}
	r.load = loadAvg()
	cpuBefore := procsCPU(procs)
	start := time.Now()
	for _, d := range docs {
		if err := os.Rename(filepath.Join(stage, d.file), filepath.Join(inbox, d.file)); err != nil {
			r.err = err
			return r
		}
	}
	// Wait by looking at the folders only (the archive's metadata files,
	// the error folder's reasons), so that waiting costs the journal
	// nothing; the API is asked only when nothing moved for a while (a
	// document ending as a duplicate leaves neither).
	archive, errDir := filepath.Join(root, "archive"), filepath.Join(root, "error")
	last, lastChange := -1, time.Now()
	deadline := time.Now().Add(60 * time.Minute)
	var end time.Time
	for {
		a, e := countMatch(archive, archiveMeta), countMatch(errDir, errorReason)
		if a+e >= len(docs) {
			end = time.Now()
			r.delivered, r.failed = a, e
			break
		}
		if a+e != last {
			last, lastChange = a+e, time.Now()
		}
		if time.Since(lastChange) > 30*time.Second {
			r.apiPolls++
			lastChange = time.Now()
			if n := terminalCount(procs[0].addr); n >= len(docs) {
				end = time.Now()
				r.delivered, r.failed = a, e
				break
			}
		}
		if time.Now().After(deadline) {
			r.err = fmt.Errorf("%d of %d documents finished after an hour", a+e, len(docs))
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.wall = end.Sub(start)
	r.cpu = -1
	if after := procsCPU(procs); cpuBefore >= 0 && after >= 0 {
		r.cpu = after - cpuBefore
	}
	// Let the last task's completion reach Redis, then read the counters
	// and the step histograms, then stop the roles (their connections'
	// statistics reach pg_stat_database when they end).
	time.Sleep(time.Second)
	redisAfter := rs.commandStats()
	r.redisCalls = map[string]cmdStat{}
	for k, v := range redisAfter {
		b := redisBefore[k]
		if d := (cmdStat{v.calls - b.calls, v.usec - b.usec}); d.calls > 0 {
			r.redisCalls[k] = d
		}
	}
	r.steps = map[string]float64{}
	for _, p := range procs {
		_, b, err := httpGet(p.addr, "/metrics")
		if err != nil {
			continue
		}
		for k, v := range stepSums(b) {
			r.steps[k] += v
		}
	}
	// The journal's final states: a document's record says delivered a
	// moment after its archive copy is complete (the finish step).
	for range 40 {
		r.apiPolls++
		delivered, failed, open := states(procs[0].addr)
		if delivered+failed > 0 {
			r.delivered, r.failed = delivered, failed
		}
		if open == 0 && delivered+failed > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, p := range procs {
		p.stop()
	}
	if pg != nil && dbName != "" {
		time.Sleep(1500 * time.Millisecond)
		after, err := pg.stats(dbName)
		if err == nil {
			r.pg = pgStats{after.commits - pgBefore.commits, after.rollbacks - pgBefore.rollbacks, after.returned - pgBefore.returned,
				after.fetched - pgBefore.fetched, after.inserted - pgBefore.inserted, after.updated - pgBefore.updated, after.deleted - pgBefore.deleted}
		}
	}
	return r
}

// archiveMeta is the archive's metadata file of a document, written last
// (<date>_<name>_<short id>.json; attachments such as the layout JSON
// carry a further suffix after the id).
var archiveMeta = regexp.MustCompile(`_[0-9a-f]{12}\.json$`)
var errorReason = regexp.MustCompile(`\.error\.txt$`)

func countMatch(dir string, re *regexp.Regexp) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && re.MatchString(d.Name()) {
			n++
		}
		return nil
	})
	return n
}

func listDocs(addr string) []journal.Document {
	_, b, err := httpGet(addr, "/api/v1/documents?limit=1000")
	if err != nil {
		return nil
	}
	var res struct {
		Documents []journal.Document `json:"documents"`
	}
	json.Unmarshal(b, &res)
	return res.Documents
}

func terminalCount(addr string) int {
	n := 0
	for _, d := range listDocs(addr) {
		if d.Terminal() {
			n++
		}
	}
	return n
}

func states(addr string) (delivered, failed, open int) {
	for _, d := range listDocs(addr) {
		switch {
		case d.State == journal.StateDelivered:
			delivered++
		case d.Terminal():
			failed++
		default:
			open++
		}
	}
	return
}

var stepSum = regexp.MustCompile(`^eingang_step_duration_seconds_sum\{([^}]*)\} (\S+)$`)
var stepLabel = regexp.MustCompile(`step="([^"]*)"`)

// stepSums reads eingang_step_duration_seconds_sum by step (all outcomes).
func stepSums(metrics []byte) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(string(metrics), "\n") {
		m := stepSum.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := stepLabel.FindStringSubmatch(m[1])
		if s == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		out[s[1]] += v
	}
	return out
}

var benchLine = regexp.MustCompile(`^BenchmarkJournalPerDocument/(\S+?)-\d+\s+\d+\s+\S+ ns/op\s+(\S+) ns/doc`)

// journalBenchmark runs BenchmarkJournalPerDocument of both adapters and
// returns ns per document by "driver/sub-benchmark".
func journalBenchmark() map[string]float64 {
	out := map[string]float64{}
	for _, drv := range []string{"sqlite", "postgres"} {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", "JournalPerDocument", "-benchtime", "300x", "./internal/journal/"+drv)
		b, err := cmd.CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "journal benchmark %s: %v\n%s", drv, err, b)
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if m := benchLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				v, _ := strconv.ParseFloat(m[2], 64)
				out[drv+"/"+m[1]] = v
			}
		}
	}
	return out
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

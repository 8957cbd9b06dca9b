package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

type reportIn struct {
	docs         []doc
	pages        int
	images       int
	cores        int
	bare         []bareRun // result.bare indexes it
	repeat       int
	results      []result
	redisRPS     float64
	redisPer     map[string]float64
	pgCommits    float64
	journalBench map[string]float64 // ns/doc by driver/sub-benchmark
}

var stepOrder = []string{"ingest", "unpack", "ocr", "einvoice", "classify", "deliver", "finish"}

func perMin(pages int, d time.Duration) float64 { return float64(pages) / d.Minutes() }

// ratios returns r's wall and CPU time over its bare Tesseract run's; the
// CPU ratio is NaN when either CPU time is unknown.
func (in reportIn) ratios(r result) (wall, cpu float64) {
	b := in.bare[r.bare]
	wall, cpu = r.wall.Seconds()/b.wall.Seconds(), math.NaN()
	if r.cpu > 0 && b.cpu > 0 {
		cpu = r.cpu.Seconds() / b.cpu.Seconds()
	}
	return wall, cpu
}

func cpuCell(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

func roundNote(in reportIn, round int) string {
	if in.repeat <= 1 {
		return ""
	}
	return fmt.Sprintf(" (round %d)", round)
}

func report(w io.Writer, in reportIn) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "End to end (drop into the hot folder → every document in the archive target):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| run | processes | documents | pages | delivered / failed or duplicate | wall s | pages/min | × bare tesseract | load before | CPU s (user+sys) | CPU × bare tesseract |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range in.results {
		// Each pipeline run follows its own bare run.
		b := in.bare[r.bare]
		fmt.Fprintf(w, "| bare `tesseract IMG out -l deu pdf`%s | %d at once | %d | %d (%d images) | – / %d | %.1f | %.1f | 1.00 | %s | %s | 1.00 |\n",
			roundNote(in, b.round), in.cores, len(in.docs), in.pages, in.images, b.errs, b.wall.Seconds(), perMin(in.pages, b.wall), b.load, cpuCell(b.cpu))
		if r.err != nil {
			fmt.Fprintf(w, "| eingang, %s journal%s | 1 watch + %d work × concurrency %d | %d | %d | error: %v | | | | | | |\n", r.journal, roundNote(in, r.round), r.work, r.concurrency, r.docs, r.pages, r.err)
			continue
		}
		wr, cr := in.ratios(r)
		fmt.Fprintf(w, "| eingang, %s journal%s | 1 watch + %d work × concurrency %d | %d | %d | %d / %d | %.1f | %.1f | %.2f | %s | %s | %.2f |\n",
			r.journal, roundNote(in, r.round), r.work, r.concurrency, r.docs, r.pages, r.delivered, r.failed, r.wall.Seconds(), perMin(r.pages, r.wall), wr, r.load, cpuCell(r.cpu), cr)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Threads: bare Tesseract runs %d processes at once, each with OMP_THREAD_LIMIT=1; eingang runs work processes × workers.concurrency = %d Tesseract clients, each on one OS thread with OpenMP serialised (OMP_THREAD_LIMIT=1 and omp_set_max_active_levels(0)). CPU s: bare, its tesseract processes (wait4 rusage); eingang, every role (watch and work) with the children it waited for (pdftoppm, pdftotext), from /proc/<pid>/stat at the drop and at the last delivery.\n", in.cores, in.cores)

	// Ratios over the rounds.
	type key struct {
		journal string
		work    int
	}
	var keys []key
	wallR, cpuR := map[key][]float64{}, map[key][]float64{}
	bareCPU, einCPU := map[key][]float64{}, map[key][]float64{}
	for _, r := range in.results {
		if r.err != nil {
			continue
		}
		k := key{r.journal, r.work}
		if _, ok := wallR[k]; !ok {
			keys = append(keys, k)
		}
		wr, cr := in.ratios(r)
		wallR[k] = append(wallR[k], wr)
		if !math.IsNaN(cr) {
			cpuR[k] = append(cpuR[k], cr)
			bareCPU[k] = append(bareCPU[k], in.bare[r.bare].cpu.Seconds())
			einCPU[k] = append(einCPU[k], r.cpu.Seconds())
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "× bare tesseract over %d round(s), each pipeline run against the bare run right before it: median (min–max):\n", in.repeat)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| run | rounds | wall × bare | CPU × bare | bare CPU s per page | eingang CPU s per page |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, k := range keys {
		perPage := func(v []float64) []float64 {
			out := make([]float64, len(v))
			for i, x := range v {
				out[i] = x / float64(in.pages)
			}
			return out
		}
		fmt.Fprintf(w, "| eingang, %s journal, %d work | %d | %s | %s | %s | %s |\n", k.journal, k.work, len(wallR[k]),
			spreadOf(wallR[k]), spreadOf(cpuR[k]), spreadOf(perPage(bareCPU[k])), spreadOf(perPage(einCPU[k])))
	}

	// Step shares.
	seen := map[string]bool{}
	for _, r := range in.results {
		for k := range r.steps {
			seen[k] = true
		}
	}
	cols := []string{}
	for _, s := range stepOrder {
		if seen[s] {
			cols = append(cols, s)
			delete(seen, s)
		}
	}
	var rest []string
	for s := range seen {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	cols = append(cols, rest...)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Share of the step time (eingang_step_duration_seconds, summed over the processes; s per document in brackets):")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| run | %s | steps s total | steps ÷ (wall × cores) |\n", strings.Join(cols, " | "))
	fmt.Fprintf(w, "|---|%s---|---|\n", strings.Repeat("---|", len(cols)))
	for _, r := range in.results {
		if r.err != nil {
			continue
		}
		var total float64
		for _, v := range r.steps {
			total += v
		}
		var cells []string
		for _, c := range cols {
			cells = append(cells, fmt.Sprintf("%.1f %% (%.2f)", 100*r.steps[c]/max(total, 1e-9), r.steps[c]/float64(r.docs)))
		}
		fmt.Fprintf(w, "| %s, %d work%s | %s | %.1f | %.2f |\n", r.journal, r.work, roundNote(in, r.round), strings.Join(cells, " | "), total, total/(r.wall.Seconds()*float64(in.cores)))
	}

	// Redis.
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Redis commands per document (INFO commandstats, drop to last delivery, all processes incl. asynq's background polling):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| run | calls/doc | server µs/doc | calls/s during the run | top commands (calls/doc) |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	var redisCallsPerDoc, redisUsecPerDoc float64
	for _, r := range in.results {
		if r.err != nil {
			continue
		}
		var calls, usec int64
		type kv struct {
			k string
			v int64
		}
		var top []kv
		for k, v := range r.redisCalls {
			calls += v.calls
			usec += v.usec
			top = append(top, kv{k, v.calls})
		}
		sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v })
		var tops []string
		for i := 0; i < len(top) && i < 6; i++ {
			tops = append(tops, fmt.Sprintf("%s %.1f", top[i].k, float64(top[i].v)/float64(r.docs)))
		}
		cpd, upd := float64(calls)/float64(r.docs), float64(usec)/float64(r.docs)
		redisCallsPerDoc, redisUsecPerDoc = max(redisCallsPerDoc, cpd), max(redisUsecPerDoc, upd)
		fmt.Fprintf(w, "| %s, %d work%s | %.0f | %.0f | %.0f | %s |\n", r.journal, r.work, roundNote(in, r.round), cpd, upd, float64(calls)/r.wall.Seconds(), strings.Join(tops, ", "))
	}

	// PostgreSQL.
	var pgCommitsPerDoc float64
	havePG := false
	for _, r := range in.results {
		if r.err == nil && r.journal == "postgres" {
			havePG = true
		}
	}
	if havePG {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "PostgreSQL journal per document (pg_stat_database of the run's database, drop to the roles' exit):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| run | commits/doc | rollbacks/doc | rows inserted/doc | rows updated/doc | rows deleted/doc | rows fetched/doc | API reads included |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
		for _, r := range in.results {
			if r.err != nil || r.journal != "postgres" {
				continue
			}
			n := float64(r.docs)
			pgCommitsPerDoc = max(pgCommitsPerDoc, float64(r.pg.commits)/n)
			fmt.Fprintf(w, "| %d work%s | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %d |\n", r.work, roundNote(in, r.round), float64(r.pg.commits)/n, float64(r.pg.rollbacks)/n,
				float64(r.pg.inserted)/n, float64(r.pg.updated)/n, float64(r.pg.deleted)/n, float64(r.pg.fetched)/n, r.apiPolls)
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "SQLite journal: the same calls as on PostgreSQL (one code path above the adapters); BenchmarkJournalPerDocument models a document as 8 write transactions (create, 6 step updates, invoice keys).")

	// Capacity.
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Capacity of one central server on this machine (documents per second it could serve at the per-document load measured above):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | measured | per document | documents/s |")
	fmt.Fprintln(w, "|---|---|---|---|")
	if in.redisRPS > 0 && redisCallsPerDoc > 0 {
		var parts []string
		for k, v := range in.redisPer {
			parts = append(parts, fmt.Sprintf("%s %.0f", k, v))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "| Redis, by requests | redis-benchmark -c 16: %.0f req/s (harmonic mean of %s) | %.0f calls | %.0f |\n",
			in.redisRPS, strings.Join(parts, ", "), redisCallsPerDoc, in.redisRPS/redisCallsPerDoc)
	}
	if redisUsecPerDoc > 0 {
		fmt.Fprintf(w, "| Redis, by server CPU | 1 core = 10⁶ µs/s | %.0f µs | %.0f |\n", redisUsecPerDoc, 1e6/redisUsecPerDoc)
	}
	if in.pgCommits > 0 && pgCommitsPerDoc > 0 {
		fmt.Fprintf(w, "| PostgreSQL, by commits | %.0f single-row commits/s (16 connections, synchronous_commit on) | %.1f commits | %.0f |\n",
			in.pgCommits, pgCommitsPerDoc, in.pgCommits/pgCommitsPerDoc)
	}
	jb := in.journalBench
	for _, k := range []string{"sqlite/normal/parallel8", "sqlite/full/parallel8", "postgres/sync/parallel8", "postgres/async/parallel8"} {
		if v := jb[k]; v > 0 {
			fmt.Fprintf(w, "| journal %s, BenchmarkJournalPerDocument | %.2f ms per document (8 × GOMAXPROCS goroutines) | 1 document | %.0f |\n", k, v/1e6, 1e9/v)
		}
	}
	var fastest float64
	for _, r := range in.results {
		if r.err == nil && r.wall > 0 {
			fastest = max(fastest, float64(r.docs)/r.wall.Seconds())
		}
	}
	if fastest > 0 {
		fmt.Fprintf(w, "\nOne %d-core node processes %.3f documents/s (fastest run above).\n", in.cores, fastest)
	}

	if len(jb) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "BenchmarkJournalPerDocument (create + 6 updates + invoice keys, ms per document):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| journal | serial | parallel8 |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, d := range []string{"sqlite/normal", "postgres/async", "sqlite/full", "postgres/sync"} {
			fmt.Fprintf(w, "| %s | %.2f | %.2f |\n", d, jb[d+"/serial"]/1e6, jb[d+"/parallel8"]/1e6)
		}
	}

	// Verdicts.
	fmt.Fprintln(w)
	var verdicts []string
	for _, r := range in.results {
		if r.err != nil {
			verdicts = append(verdicts, fmt.Sprintf("%s/%d work%s: FAILED (%v)", r.journal, r.work, roundNote(in, r.round), r.err))
		}
	}
	for _, k := range keys {
		// The median over the rounds decides; with one round it is that
		// round's ratio.
		wr, cr := spreadOf(wallR[k]), spreadOf(cpuR[k])
		verdicts = append(verdicts, fmt.Sprintf("%s/%d work %s× bare tesseract wall, %s× CPU (goal ≤ 1.15×: wall %s, CPU %s)",
			k.journal, k.work, wr, cr, pass(wr.median <= 1.15), pass(cr.n > 0 && cr.median <= 1.15)))
	}
	// Each PostgreSQL setting against the SQLite setting of the same
	// durability: synchronous_commit=off and synchronous=NORMAL may both
	// lose the last commits, on and FULL neither.
	for _, pair := range [][2]string{{"postgres/async", "sqlite/normal"}, {"postgres/sync", "sqlite/full"}} {
		pg, lite := pair[0], pair[1]
		if jb[pg+"/serial"] > 0 && jb[lite+"/serial"] > 0 {
			rs, rp := jb[pg+"/serial"]/jb[lite+"/serial"], jb[pg+"/parallel8"]/jb[lite+"/parallel8"]
			verdicts = append(verdicts, fmt.Sprintf("journal per document %s/%s serial %.2f×, parallel8 %.2f× (goal ≤ 1.10×: %s serial / %s parallel8)",
				pg, lite, rs, rp, pass(rs <= 1.10), pass(rp <= 1.10)))
		}
	}
	for _, a := range in.results {
		for _, b := range in.results {
			if a.journal == "postgres" && b.journal == "sqlite" && a.work == b.work && a.round == b.round && a.err == nil && b.err == nil {
				ratio := a.wall.Seconds() / b.wall.Seconds()
				verdicts = append(verdicts, fmt.Sprintf("end to end PostgreSQL/SQLite journal, %d work: %.2f× (≤ 1.10×: %s)", a.work, ratio, pass(ratio <= 1.10)))
			}
		}
	}
	fmt.Fprintln(w, "Goals: "+strings.Join(verdicts, "; "))
}

func pass(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// Command batch measures eingang's batch splitting over the generated
// test batches (internal/batch/batchtest: 20 batches of 2–6 corpus
// documents with separator sheets, blank duplex backs and near-blank
// pages, degraded as scans) and prints the figures of issue 14 next to
// their goals, for every barcode backend of the build:
//
//   - separator sheets found, pages wrongly taken for one (100 % / 0);
//   - blank pages removed (≥ 98 %), pages with content removed (0);
//   - batches split exactly right;
//   - detection cost per page, separator search plus blank test on a
//     decoded page (≤ 30 ms), beside bare `tesseract -l deu --psm 1` on the same
//     kind of pages.
//
// Usage: go run [-tags zxingcpp] ./bench/batch [-corpus DIR] [-ocr N] [-whole]
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/barcode"
	"github.com/eingang/eingang/internal/batch"
	"github.com/eingang/eingang/internal/batch/batchtest"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type page struct {
	img   image.Image
	truth batchtest.Page
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "../shared/corpus/scans", "scanned-mail corpus `dir`")
	ocrPages := fs.Int("ocr", 10, "invoice parts whose first page to OCR with bare `tesseract -l deu --psm 1` (0: skip)")
	whole := fs.Bool("whole", false, "also read whole pages (as barcode_fields and separator_strings need)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	start := time.Now()
	bs, err := batchtest.Generate(ctx, *corpus, batchtest.Options{Batches: 20, Seed: 14})
	if err != nil {
		fmt.Fprintln(stderr, "bench/batch:", err)
		return 1
	}
	fmt.Fprintf(stdout, "batches: %d (ready in %s)\n", len(bs), time.Since(start).Round(time.Second))
	// Decode every page once, outside the timing: the pipeline has the
	// page image in hand anyway (it rasterises for OCR).
	all := make([][]page, len(bs))
	n := 0
	var decode time.Duration
	for i, b := range bs {
		for _, p := range b.Pages {
			t0 := time.Now()
			img, err := p.Image()
			if err != nil {
				fmt.Fprintln(stderr, "bench/batch:", err)
				return 1
			}
			decode += time.Since(t0)
			all[i] = append(all[i], page{img, p})
			n++
		}
	}
	fmt.Fprintf(stdout, "pages: %d (JPEG/PNG decoding %.0f ms per page, not counted below)\n\n", n, ms(decode)/float64(n))
	opts := batch.Options{Separators: true, RemoveBlank: true, MaxPagesPerDocument: 20,
		BarcodeFields: []batch.FieldRule{{Field: "aktenzeichen", Pattern: regexp.MustCompile(batchtest.FieldLabel)}}}
	fmt.Fprintln(stdout, "| backend | separators found | false separators | blank removed | content removed | batches exact | fields right | detection ms/page wall (mean / p95 / max) | CPU ms/page |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|")
	var meanDetect float64
	for _, be := range barcode.Backends() {
		d := batch.NewDetectorWith(be, nil, *whole)
		var seps, sepFound, falseSep, blanks, blankRemoved, contentRemoved, exact, fields, fieldsWant int
		var times []float64
		cpu0 := cpuTime()
		for bi, b := range bs {
			infos := make([]batch.PageInfo, len(all[bi]))
			for i, p := range all[bi] {
				t0 := time.Now()
				info, err := d.Analyze(ctx, p.img)
				times = append(times, ms(time.Since(t0)))
				if err != nil {
					fmt.Fprintln(stderr, "bench/batch:", err)
					return 1
				}
				infos[i] = info
				switch p.truth.Kind {
				case batchtest.Separator:
					seps++
					if info.Separator && info.Payload.String() == p.truth.Payload {
						sepFound++
					}
				case batchtest.Blank:
					blanks++
					if info.Blank {
						blankRemoved++
					}
				default:
					if info.Separator {
						falseSep++
					}
					if info.Blank {
						contentRemoved++
					}
				}
			}
			parts, _, err := batch.Plan(infos, opts)
			want := b.Want()
			ok := err == nil && len(parts) == len(want)
			for i := 0; ok && i < len(parts); i++ {
				var got []int
				for _, n := range parts[i].Pages {
					if b.Pages[n-1].Kind != batchtest.Blank {
						got = append(got, n)
					}
				}
				ok = reflect.DeepEqual(got, want[i])
			}
			if ok {
				exact++
			}
			for i, doc := range b.Docs {
				if az, has := doc.Fields["aktenzeichen"]; has {
					fieldsWant++
					if ok && parts[i].Meta["aktenzeichen"] == az {
						fields++
					}
				}
			}
		}
		cpuPer := ms(cpuTime()-cpu0) / float64(n)
		slices.Sort(times)
		mean := 0.0
		for _, t := range times {
			mean += t
		}
		mean /= float64(len(times))
		if meanDetect == 0 {
			meanDetect = mean
		}
		fmt.Fprintf(stdout, "| %s | %d/%d | %d | %d/%d (%.1f %%) | %d | %d/%d | %d/%d | %.1f / %.1f / %.1f | %.1f |\n",
			be.Name, sepFound, seps, falseSep, blankRemoved, blanks, 100*float64(blankRemoved)/float64(max(1, blanks)),
			contentRemoved, exact, len(bs), fields, fieldsWant, mean, times[len(times)*95/100], times[len(times)-1], cpuPer)
	}
	fmt.Fprintln(stdout, "\ngoals: separators 100 %, false separators 0, blank removed ≥ 98 %, content removed 0, detection ≤ 30 ms per page")
	if *ocrPages > 0 {
		if _, err := exec.LookPath("tesseract"); err != nil {
			fmt.Fprintln(stdout, "tesseract not installed: OCR comparison skipped")
			return 0
		}
		// The first page of each invoice's part, as the split cut it,
		// must show its invoice number in the OCR text.
		var ocr time.Duration
		k, found := 0, 0
		for bi, b := range bs {
			for _, want := range b.Want() {
				doc := b.Docs[b.Pages[want[0]-1].Doc]
				if k >= *ocrPages || doc.InvoiceNumber == "" {
					continue
				}
				t0 := time.Now()
				out, err := exec.CommandContext(ctx, "tesseract", all[bi][want[0]-1].truth.File, "-", "-l", "deu", "--psm", "1").Output()
				if err != nil {
					fmt.Fprintf(stderr, "bench/batch: tesseract: %v\n", err)
					return 1
				}
				ocr += time.Since(t0)
				k++
				if strings.Contains(string(out), doc.InvoiceNumber) {
					found++
				}
			}
		}
		fmt.Fprintf(stdout, "\ninvoice number in the OCR text of the part's first page: %d/%d\n", found, k)
		per := ms(ocr) / float64(max(1, k))
		fmt.Fprintf(stdout, "\nOCR, bare `tesseract FILE - -l deu --psm 1` (layout with orientation detection: corpus pages come upside down too) on %d content pages: %.0f ms per page; detection (%s) is %.1f %% of that\n",
			k, per, barcode.Backends()[0].Name, 100*meanDetect/per)
	}
	return 0
}

// cpuTime is the process's user and system time: on a shared machine
// the fairer measure of what detection costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

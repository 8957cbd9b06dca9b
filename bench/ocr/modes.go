package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/pdf"
)

func procStatusKB(key string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	m := regexp.MustCompile(key + `:\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}

// runSoak pushes n pages through one 2-worker engine (two documents at a
// time, as two asynq workers would) and prints RSS every 50 pages.
func runSoak(dir string, docs []truth, n int) {
	eng, err := ocr.New(ocr.Config{Workers: 2}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer eng.Close()
	tmp, _ := os.MkdirTemp("", "soak-")
	defer os.RemoveAll(tmp)
	fmt.Printf("soak: %d pages, 2 workers, recycle after %d pages or %d MiB\n", n, ocr.Defaults().RecycleAfterPages, ocr.Defaults().RecycleRSSMB)
	fmt.Println("| pages | minutes | RSS MiB | peak RSS (VmHWM) MiB | client recycles |")
	fmt.Println("|---|---|---|---|---|")
	start := time.Now()
	var mu sync.Mutex
	done, next, lastReport := 0, 0, 0
	var wg sync.WaitGroup
	var errs int
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if done+0 >= n || next >= 1<<30 {
					mu.Unlock()
					return
				}
				d := docs[next%len(docs)]
				next++
				mu.Unlock()
				out := filepath.Join(tmp, fmt.Sprintf("w%d.pdf", w))
				res, err := eng.Process(context.Background(), filepath.Join(dir, d.File), out)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					done += len(res.Pages)
				}
				if done-lastReport >= 50 || done >= n {
					lastReport = done
					st := eng.Stats()
					fmt.Printf("| %d | %.1f | %d | %d | %d |\n", done, time.Since(start).Minutes(), procStatusKB("VmRSS")/1024, procStatusKB("VmHWM")/1024, st.Recycles)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("soak done: %d pages in %.1f min (%.1f pages/min), %d errors, peak RSS %d MiB\n", done, time.Since(start).Minutes(), float64(done)/time.Since(start).Minutes(), errs, procStatusKB("VmHWM")/1024)
}

var osdRotate = regexp.MustCompile(`Rotate: (\d+)`)
var osdConf = regexp.MustCompile(`Orientation confidence: ([\d.]+)`)

// runOrient compares eingang's image-statistics orientation detection with
// Tesseract's OSD (psm 0) page by page.
func runOrient(dir string, docs []truth) {
	tmp, _ := os.MkdirTemp("", "orient-")
	defer os.RemoveAll(tmp)
	var eOK, eConf, eConfOK, tOK, tThr, pages int
	var eTime, tTime time.Duration
	for _, d := range docs {
		doc, err := pdf.Open(context.Background(), filepath.Join(dir, d.File), pdf.Limits{})
		if err != nil {
			fmt.Fprintln(os.Stderr, d.Name, err)
			continue
		}
		for i, p := range doc.Pages {
			g, err := p.Image.Gray(pdf.Limits{})
			if err != nil {
				continue
			}
			want := 0
			if d.Pages[i].Rotation.UpsideDown {
				want = 180
			}
			pages++
			t0 := time.Now()
			o := ocr.DetectOrientation(g, 300)
			eTime += time.Since(t0)
			if o.Rotate == want {
				eOK++
			}
			if o.Confident() {
				eConf++
				if o.Rotate == want {
					eConfOK++
				}
			}
			pgm := filepath.Join(tmp, "p.pgm")
			writePGM(pgm, g)
			t0 = time.Now()
			cmd := exec.Command("tesseract", pgm, "-", "--psm", "0", "--dpi", "300")
			cmd.Env = env()
			out, _ := cmd.CombinedOutput()
			tTime += time.Since(t0)
			rot := -1
			if m := osdRotate.FindSubmatch(out); m != nil {
				rot, _ = strconv.Atoi(string(m[1]))
			}
			conf := 0.0
			if m := osdConf.FindSubmatch(out); m != nil {
				conf, _ = strconv.ParseFloat(string(m[1]), 64)
			}
			// OSD's "Rotate" is the clockwise turn that makes the page upright.
			if rot == want {
				tOK++
			}
			// OCRmyPDF only turns a page when the confidence exceeds 14.
			applied := 0
			if conf > 14 {
				applied = rot
			}
			if applied == want {
				tThr++
			}
			fmt.Fprintf(os.Stderr, "%s p%d want %d: eingang %d (score %.2f, %d lines) osd %d (conf %.1f)\n", d.Name, i+1, want, o.Rotate, o.Score, o.Lines, rot, conf)
		}
	}
	fmt.Printf("| method | correct | time per page |\n|---|---|---|\n")
	fmt.Printf("| eingang image statistics | %d / %d (confident on %d, of those correct %d; the rest get a 180° recognition check) | %.0f ms |\n", eOK, pages, eConf, eConfOK, eTime.Seconds()*1000/float64(pages))
	fmt.Printf("| tesseract --psm 0 (OSD) | %d / %d | %.0f ms (incl. process start) |\n", tOK, pages, tTime.Seconds()*1000/float64(pages))
	fmt.Printf("| OSD with OCRmyPDF's threshold 14 | %d / %d | |\n", tThr, pages)
}

func writePGM(path string, g *image.Gray) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "P5\n%d %d\n255\n", g.Bounds().Dx(), g.Bounds().Dy())
	b.Write(g.Pix)
	os.WriteFile(path, b.Bytes(), 0o644)
}

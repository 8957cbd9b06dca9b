package main

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/pdf"
)

// runLarge measures memory and accuracy on very large pages (issue 18.8):
// a corpus page scaled up onto a side×side canvas is recognised by child
// processes, each holding one engine with the given number of OCR workers
// and processing that many copies at once for rounds rounds, once with
// the default recognition budget and once without (the whole page given
// to Tesseract), next to bare Tesseract on the same image. Peak RSS comes
// from the kernel (getrusage of the child), not from sampling.
func runLarge(dir string, docs []truth, side, rounds int) {
	tmp, _ := os.MkdirTemp("", "large-")
	defer os.RemoveAll(tmp)
	d := docs[0]
	page, err := firstPageGray(filepath.Join(dir, d.File))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	img := filepath.Join(tmp, "large.jpg")
	if err := writeLarge(img, page, side); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	want := d.Pages[0].ReferenceTextRaw
	fmt.Printf("large pages: %s page 1 scaled onto %d×%d (%.0f Mpx), %d rounds per run; host %d CPUs; %s\n",
		d.Name, side, side, float64(side)*float64(side)/1e6, rounds, numCPU(), time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| run | OCR workers | pages | seconds per page and worker | peak RSS MiB | peak RSS per worker MiB | CER |")
	fmt.Println("|---|---|---|---|---|---|---|")
	maxPixels := int64(side)*int64(side) + 1
	for _, c := range []struct {
		name   string
		budget int64
	}{{"eingang, default budget", ocr.Defaults().RecognitionPixels}, {"eingang, no budget (whole page)", maxPixels}} {
		for _, w := range []int{1, 2} {
			cmd := exec.Command(os.Args[0], "-child-large", img, "-child-workers", strconv.Itoa(w),
				"-child-budget", strconv.FormatInt(c.budget, 10), "-child-max", strconv.FormatInt(maxPixels, 10),
				"-child-rounds", strconv.Itoa(rounds), "-child-out", tmp)
			cmd.Env = env()
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				fmt.Printf("| %s | %d | failed: %v | | | | |\n", c.name, w, err)
				continue
			}
			rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
			var pages int
			var secs float64
			var text string
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			sc.Buffer(nil, 1<<24)
			if sc.Scan() {
				fmt.Sscanf(sc.Text(), "%d %f", &pages, &secs)
			}
			for sc.Scan() {
				text += sc.Text() + "\n"
			}
			e, n := ocrtest.EditDistance(text, want)
			fmt.Printf("| %s | %d | %d | %.1f | %.0f | %.0f | %.3f |\n", c.name, w, pages, secs/float64(max(1, pages))*float64(w), rss, rss/float64(w), float64(e)/float64(max(1, n)))
		}
	}
	start := time.Now()
	cmd := exec.Command("tesseract", img, filepath.Join(tmp, "tess"), "-l", "deu", "txt", "pdf")
	cmd.Env = env()
	if err := cmd.Run(); err != nil {
		fmt.Printf("| tesseract CLI (txt+pdf) | 1 | failed: %v | | | | |\n", err)
		return
	}
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	// CER from Tesseract's own text output: pdftotext's reading order of
	// its PDF would count against Tesseract.
	txt, _ := os.ReadFile(filepath.Join(tmp, "tess.txt"))
	e, n := ocrtest.EditDistance(string(txt), want)
	fmt.Printf("| tesseract CLI (txt+pdf) | 1 | 1 | %.1f | %.0f | %.0f | %.3f |\n", time.Since(start).Seconds(), rss, rss, float64(e)/float64(max(1, n)))
}

func firstPageGray(path string) (*image.Gray, error) {
	doc, err := pdf.Open(context.Background(), path, pdf.Limits{})
	if err != nil {
		return nil, err
	}
	if doc.Pages[0].Image == nil {
		return nil, fmt.Errorf("%s: page 1 is not an image", path)
	}
	return doc.Pages[0].Image.Gray(pdf.Limits{})
}

// writeLarge scales page up (nearest neighbour, so the text stays as
// sharp as scanned) to fill most of a white side×side canvas and writes it
// as a gray JPEG.
func writeLarge(path string, page *image.Gray, side int) error {
	pw, ph := page.Bounds().Dx(), page.Bounds().Dy()
	f := min(float64(side)/float64(pw), float64(side)/float64(ph)) * 0.98
	canvas := image.NewGray(image.Rect(0, 0, side, side))
	for i := range canvas.Pix {
		canvas.Pix[i] = 255
	}
	w, h := int(float64(pw)*f), int(float64(ph)*f)
	ox, oy := (side-w)/2, (side-h)/2
	for y := 0; y < h; y++ {
		sy := min(ph-1, int(float64(y)/f))
		row := canvas.Pix[(oy+y)*side+ox:]
		for x := 0; x < w; x++ {
			row[x] = page.Pix[sy*page.Stride+min(pw-1, int(float64(x)/f))]
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	return jpeg.Encode(out, canvas, &jpeg.Options{Quality: 85})
}

// runLargeChild processes file with w documents at a time for rounds
// rounds and prints "pages seconds" and the text of the first output.
func runLargeChild(file string, w, rounds int, budget, maxPixels int64, outDir string) int {
	eng, err := ocr.New(ocr.Config{Workers: w, RecognitionPixels: budget, MaxPixels: maxPixels},
		slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer eng.Close()
	start := time.Now()
	var mu sync.Mutex
	pages, text := 0, ""
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		for i := 0; i < w; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := eng.Process(context.Background(), file, filepath.Join(outDir, fmt.Sprintf("out-%d-%d.pdf", w, i)))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				pages += len(res.Pages)
				if text == "" {
					text = res.Text()
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	fmt.Printf("%d %f\n%s", pages, time.Since(start).Seconds(), text)
	return 0
}

package ocr

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

const stderrChildEnv = "EINGANG_TEST_STDERR_CHILD"

// TestLogsSurviveConcurrentInit runs OCR with two workers in a child
// process whose standard error is a file, with a fresh Tesseract client
// for every page so that initialisations overlap, and checks that a log
// line written afterwards reaches that file. Before initialisation was
// serialised, fd 2 was left on /dev/null and the line was lost.
func TestLogsSurviveConcurrentInit(t *testing.T) {
	if os.Getenv(stderrChildEnv) != "" {
		stderrChild(t)
		return
	}
	logFile := filepath.Join(t.TempDir(), "stderr.log")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogsSurviveConcurrentInit$", "-test.count=1")
	cmd.Env = append(os.Environ(), stderrChildEnv+"="+t.TempDir())
	cmd.Stderr = f
	out, err := cmd.Output()
	if err != nil {
		b, _ := os.ReadFile(logFile)
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, out, b)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "marker after ocr") {
		t.Fatalf("the log line written after OCR did not reach standard error; it held:\n%s", b)
	}
	// Nothing but eingang's own log lines: leptonica's messages (the fax
	// sample below provokes "Error in boxClipToRectangle") would land
	// between them without level or time.
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line != "" && !strings.HasPrefix(line, "time=") {
			t.Errorf("standard error holds a line that is not a log line: %q", line)
		}
	}
}

func stderrChild(t *testing.T) {
	dir := os.Getenv(stderrChildEnv)
	before, err := os.Readlink("/proc/self/fd/2")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(StderrWriter(os.Stderr), nil))
	e, err := New(Config{Workers: 2, RecycleAfterPages: 1}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var imgs []string
	for i := range 16 {
		p := filepath.Join(dir, fmt.Sprintf("page%d.png", i))
		writeBarPNG(t, p, i)
		imgs = append(imgs, p)
	}
	fax := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "peers", "paperless-ngx", "src", "documents", "tests", "samples", "barcodes", "barcode-fax-image.pdf")
	if _, err := os.Stat(fax); err == nil {
		imgs = append(imgs, fax)
	}
	var wg sync.WaitGroup
	for i, in := range imgs {
		wg.Go(func() {
			if _, err := e.Process(context.Background(), in, filepath.Join(dir, fmt.Sprintf("out%d.pdf", i))); err != nil {
				t.Errorf("process %s: %v", in, err)
			}
		})
	}
	wg.Wait()
	after, err := os.Readlink("/proc/self/fd/2")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("marker after ocr")
	if after != before {
		// Reported on stdout: stderr is what is under test.
		fmt.Printf("fd 2 was %s before OCR and %s after\n", before, after)
		t.Fail()
	}
}

// writeBarPNG writes a small white page with a few black bars, enough for
// Tesseract to run its layout analysis on.
func writeBarPNG(t *testing.T, path string, seed int) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 40 + seed%8*5; y < 260; y += 40 {
		for x := 30; x < 370; x++ {
			for dy := range 8 {
				img.SetGray(x, y+dy, color.Gray{})
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// Command fabasoft measures the delivery overhead per document of the
// Fabasoft client against the in-process fake on loopback: search ×2,
// create, content (base64 inline), properties, workflow start, marker.
// Target (issue 5): p95 ≤ 20 ms for a 1 MB PDF.
//
//	go run ./bench/dms/fabasoft [-n 200] [-size 1048576] [-pdf file.pdf]
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/fabasoft"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

func main() {
	n := flag.Int("n", 200, "documents to deliver")
	size := flag.Int("size", 1<<20, "size of the synthetic PDF in bytes (ignored with -pdf)")
	pdf := flag.String("pdf", "", "deliver this PDF instead of a synthetic one")
	flag.Parse()
	if err := run(*n, *size, *pdf); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n, size int, pdf string) error {
	dir, err := os.MkdirTemp("", "fabasoft-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if pdf == "" {
		// Random bytes do not compress, like the image streams of a scan.
		content := make([]byte, size)
		rand.Read(content)
		copy(content, "%PDF-1.7\n")
		pdf = filepath.Join(dir, "scan.pdf")
		if err := os.WriteFile(pdf, content, 0o600); err != nil {
			return err
		}
	}
	st, err := os.Stat(pdf)
	if err != nil {
		return err
	}
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("geheim"), 0o600)

	// A fresh fake every 200 documents keeps its memory bounded.
	var (
		fake   *fabasoftfake.Server
		srv    *httptest.Server
		client *fabasoft.Client
	)
	restart := func() error {
		if srv != nil {
			srv.Close()
		}
		fake = fabasoftfake.New(fabasoftfake.Options{})
		srv = httptest.NewServer(fake)
		cfg := fabasoft.Defaults()
		cfg.BaseURL = srv.URL + "/fsc"
		cfg.Username = "eingang"
		cfg.PasswordFile = pwFile
		cfg.Container = fake.Vorgang()
		cfg.WorkflowAttribute = "FSCFOLIO@1.1:prozessid"
		cfg.Workflow.Dept = "FSCBAI@1.1:Department"
		cfg.Properties = []fabasoft.Property{
			{Reference: "FSCFOLIO@1.1:betrag", Type: "FLOAT", Value: `{{index .Metadata "grand_total"}}`},
			{Reference: "FSCFOLIO@1.1:leitwegid", Value: `{{index .Metadata "buyer_reference"}}`},
		}
		client, err = fabasoft.New("fabasoft", cfg)
		return err
	}
	defer func() {
		if srv != nil {
			srv.Close()
		}
	}()

	// Baseline: the same bytes as one POST to a handler that only reads
	// them, to separate transport cost from protocol overhead.
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for {
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
		}
	}))
	defer base.Close()
	raw, _ := os.ReadFile(pdf)
	body := strings.Repeat("A", len(raw)*4/3) // base64-sized payload
	var baseline []time.Duration
	for range min(n, 100) {
		t0 := time.Now()
		resp, err := http.Post(base.URL, "text/xml", strings.NewReader(body))
		if err != nil {
			return err
		}
		resp.Body.Close()
		baseline = append(baseline, time.Since(t0))
	}

	var times []time.Duration
	ctx := context.Background()
	cpu0 := cpuTime()
	for i := range n + 5 {
		if i%200 == 0 {
			if err := restart(); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s-%d", pdf, i))
		doc := &dms.Document{
			ID: hex.EncodeToString(sum[:]), SourceName: filepath.Base(pdf), Profile: "rechnung", Kind: "rechnung",
			PDFPath: pdf, Received: time.Now(),
			Metadata: map[string]string{"invoice_number": fmt.Sprintf("RE-%05d", i), "grand_total": "1190.00", "buyer_reference": "04011000-1234512345-06"},
		}
		t0 := time.Now()
		if _, err := client.Deliver(ctx, doc); err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
		if i >= 5 { // warm-up
			times = append(times, time.Since(t0))
		}
	}

	cpuPerDoc := (cpuTime() - cpu0) / time.Duration(n+5)

	fmt.Printf("Fabasoft FSCGOVXML client against the fake on loopback (%d documents, PDF %d bytes)\n", n, st.Size())
	fmt.Printf("%-34s %8s %8s %8s %8s\n", "", "p50", "p95", "p99", "max")
	report("Deliver (8 SOAP calls)", times)
	report("baseline: one raw POST, same size", baseline)
	fmt.Printf("CPU per document (client + fake, user+sys): %.2f ms; load average now: %s\n", ms(cpuPerDoc), loadAvg())
	p95 := percentile(times, 0.95)
	verdict := "OK"
	if p95 > 20*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Printf("target p95 <= 20ms: %s (%.2f ms)\n", verdict, ms(p95))
	return nil
}

func report(name string, d []time.Duration) {
	fmt.Printf("%-34s %8.2f %8.2f %8.2f %8.2f  ms\n", name,
		ms(percentile(d, 0.50)), ms(percentile(d, 0.95)), ms(percentile(d, 0.99)), ms(slices.Max(d)))
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the process's user+system CPU time; unlike wall time it does
// not depend on other load on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Command d3 measures the delivery overhead per document of the d.3 client
// against the d.3 fake on loopback (target: p95 ≤ 20 ms for a 1 MB PDF).
// Next to it, it times a bare upload of the same bytes to the fake's
// blob/chunk endpoint, the floor that any client must pay.
//
//	go run ./bench/dms/d3 -n 300 -size 1048576
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
)

func main() {
	n := flag.Int("n", 300, "documents to deliver")
	size := flag.Int("size", 1<<20, "PDF size in bytes")
	pdf := flag.String("pdf", "", "deliver this file instead of a synthetic one")
	auth := flag.String("auth", "session", "api_key or session")
	chunk := flag.Int64("chunk", 8<<20, "chunk_size")
	flag.Parse()
	if err := run(*n, *size, *pdf, *auth, *chunk); err != nil {
		fmt.Fprintln(os.Stderr, "bench d3:", err)
		os.Exit(1)
	}
}

func run(n, size int, pdf, auth string, chunk int64) error {
	fake := d3fake.New(d3fake.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "bench-d3-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if pdf == "" {
		content := make([]byte, size)
		copy(content, "%PDF-1.7\n")
		pdf = filepath.Join(dir, "bench.pdf")
		if err := os.WriteFile(pdf, content, 0o600); err != nil {
			return err
		}
	}
	fi, err := os.Stat(pdf)
	if err != nil {
		return err
	}
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(fake.Options().APIKey), 0o600); err != nil {
		return err
	}

	cfg := d3.Defaults()
	cfg.BaseURL, cfg.Repository, cfg.Auth, cfg.APIKeyFile, cfg.ChunkSize = srv.URL, fake.Options().Repo, auth, keyFile, chunk
	cfg.HashProperty = "200"
	cfg.Categories = []d3.Category{{
		Category: "DRECH", StartProcess: true,
		Properties: map[string]string{"12": "{{.Metadata.invoice_number}}", "13": "{{num .Metadata.grand_total}}", "20": "{{.Route}}"},
	}}
	cfg.Process.Key = fake.Options().Process.Key
	cfg.Process.InstanceProperty = "201"
	client, err := d3.New("d3", cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	deliver := make([]time.Duration, 0, n)
	for i := range n + 5 {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		sum := sha256.Sum256(b[:])
		doc := &dms.Document{ID: hex.EncodeToString(sum[:]), Kind: "rechnung", SourceName: "bench.pdf", PDFPath: pdf,
			Route: "Kämmerei", Metadata: map[string]string{"invoice_number": "RE-1", "grand_total": "100.00"}}
		start := time.Now()
		rc, err := client.Deliver(ctx, doc)
		d := time.Since(start)
		if err != nil {
			return err
		}
		fake.Remove(rc.Ref)
		if i >= 5 { // warm-up: connections, first login
			deliver = append(deliver, d)
		}
	}

	perDoc := float64(fake.Requests(d3fake.OpAny)-fake.Requests(d3fake.OpLogin)) / float64(n+5)

	// Floor: one bare POST of the same bytes.
	content, err := os.ReadFile(pdf)
	if err != nil {
		return err
	}
	raw := make([]time.Duration, 0, n)
	hc := &http.Client{}
	for i := range n + 5 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/dms/r/"+cfg.Repository+"/blob/chunk/", bytes.NewReader(content))
		req.Header.Set("Authorization", "Bearer "+fake.Options().APIKey)
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Content-Type", "application/octet-stream")
		start := time.Now()
		resp, err := hc.Do(req)
		d := time.Since(start)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if i >= 5 {
			raw = append(raw, d)
		}
	}

	fmt.Printf("d.3 delivery against the fake on loopback: %d documents of %d bytes, auth=%s\n", n, fi.Size(), auth)
	fmt.Printf("%-34s %8s %8s %8s %8s\n", "", "p50", "p95", "p99", "max")
	report("eingang d3 Deliver (full)", deliver)
	report("bare blob/chunk POST (floor)", raw)
	fmt.Printf("target: p95 ≤ 20 ms for the full delivery; HTTP requests per delivery: %.1f\n", perDoc)
	return nil
}

func report(name string, d []time.Duration) {
	slices.Sort(d)
	q := func(p float64) string {
		return fmt.Sprintf("%.2fms", float64(d[min(int(float64(len(d))*p), len(d)-1)].Microseconds())/1000)
	}
	fmt.Printf("%-34s %8s %8s %8s %8s\n", name, q(0.50), q(0.95), q(0.99), q(1))
}

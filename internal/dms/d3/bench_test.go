package d3_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
)

// BenchmarkDeliver1MB measures one full delivery (search, 1 MiB upload,
// create, process start, instance property) against the fake on loopback
// and reports the p95 latency (target ≤ 20 ms).
func BenchmarkDeliver1MB(b *testing.B) {
	e := newBenchEnv(b)
	dir := b.TempDir()
	content := make([]byte, 1<<20)
	copy(content, "%PDF-1.7\n")
	p := filepath.Join(dir, "1mb.pdf")
	if err := os.WriteFile(p, content, 0o600); err != nil {
		b.Fatal(err)
	}
	base := &dms.Document{Kind: "rechnung", SourceName: "bench.pdf", PDFPath: p, Pages: 3, Route: "Kämmerei",
		Metadata: map[string]string{"invoice_number": "RE-1", "grand_total": "100.00"}}
	lat := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(content)))
	b.ResetTimer()
	for i := range b.N {
		doc := *base
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(i))
		sum := sha256.Sum256(n[:])
		doc.ID = hex.EncodeToString(sum[:]) // a new document each time, content as read from disk
		start := time.Now()
		rc, err := e.client.Deliver(context.Background(), &doc)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		e.fake.Remove(rc.Ref) // keep the fake's memory flat
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

func newBenchEnv(b *testing.B) *env {
	b.Helper()
	return newEnvTB(b, d3fake.Options{}, nil)
}

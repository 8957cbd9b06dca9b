package fabasoft

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

// BenchmarkDeliver1MB measures one complete delivery (8 SOAP calls) of a
// 1 MiB PDF against the fake on loopback. bench/dms/fabasoft reports the
// p95 of the same path.
func BenchmarkDeliver1MB(b *testing.B) {
	content := make([]byte, 1<<20)
	rand.Read(content)
	pdf := filepath.Join(b.TempDir(), "scan.pdf")
	os.WriteFile(pdf, content, 0o600)
	var e *env
	b.SetBytes(int64(len(content)))
	for i := 0; b.Loop(); i++ {
		if i%200 == 0 { // bound the fake's memory
			b.StopTimer()
			e = newEnv(&testing.T{}, fabasoftfake.Options{}, nil)
			b.StartTimer()
		}
		doc := &dms.Document{ID: fmt.Sprintf("%064x", i+1), SourceName: "scan.pdf", Kind: "rechnung", PDFPath: pdf, Metadata: invoiceMeta()}
		if _, err := e.client.Deliver(context.Background(), doc); err != nil {
			b.Fatal(err)
		}
	}
}

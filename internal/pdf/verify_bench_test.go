package pdf

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/testenv"
)

func cpuTime(b *testing.B, who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVerifyOutput checks a three-page scan's searchable PDF. Almost
// all of the work is poppler's, in child processes, so the CPU time of
// those is reported per page beside the wall time.
func BenchmarkVerifyOutput(b *testing.B) {
	ctx := context.Background()
	doc, err := Open(ctx, filepath.Join(testenv.Corpus(b, "scans"), "scan-0001.pdf"), testLimits)
	if err != nil {
		b.Fatal(err)
	}
	layers := probeLayers(b, doc, nil)
	out := filepath.Join(b.TempDir(), "out.pdf")
	if err := doc.WriteSearchable(out, layers, Meta{}); err != nil {
		b.Fatal(err)
	}
	start, self := cpuTime(b, syscall.RUSAGE_CHILDREN), cpuTime(b, syscall.RUSAGE_SELF)
	for b.Loop() {
		if err := doc.VerifyOutput(ctx, out, layers); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N * len(doc.Pages))
	b.ReportMetric(float64((cpuTime(b, syscall.RUSAGE_CHILDREN)-start).Milliseconds())/n, "child-cpu-ms/page")
	b.ReportMetric(float64((cpuTime(b, syscall.RUSAGE_SELF)-self).Milliseconds())/n, "self-cpu-ms/page")
}

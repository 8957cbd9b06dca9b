package sign

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/eingang/eingang/internal/testenv/minipdf"
)

// twentyPageScan concatenates real corpus scans into a 20-page PDF.
func twentyPageScan(b *testing.B) string {
	b.Helper()
	needTool(b, "qpdf")
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(corpusScan(b, "scan-0001.pdf")), "*.pdf"))
	args := []string{"--empty", "--pages"}
	pages := 0
	for _, f := range files {
		if pages == 20 {
			break
		}
		out, err := exec.Command("qpdf", "--show-npages", f).Output()
		if err != nil {
			b.Fatal(err)
		}
		var n int
		fmt.Sscan(string(out), &n)
		if pages+n > 20 {
			args = append(args, f, fmt.Sprintf("1-%d", 20-pages))
			pages = 20
			break
		}
		args = append(args, f)
		pages += n
	}
	out := filepath.Join(b.TempDir(), "20pages.pdf")
	if o, err := exec.Command("qpdf", append(args, "--", out)...).CombinedOutput(); err != nil {
		b.Fatalf("qpdf: %v\n%s", err, o)
	}
	return out
}

// BenchmarkSign20Pages measures PAdES B-B signing of a 20-page scan
// (target: ≤ 30 ms p95; bench/sign prints the percentiles).
func BenchmarkSign20Pages(b *testing.B) {
	in := twentyPageScan(b)
	pki := newTestPKI(b)
	for _, alg := range []struct {
		name string
		rsa  bool
	}{{"ecdsa-p256", false}, {"rsa-2048", true}} {
		s := pki.signer(b, alg.rsa, "")
		out := filepath.Join(b.TempDir(), "out.pdf")
		b.Run(alg.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := Sign(context.Background(), in, out, s, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignFileSize shows that allocations (B/op) do not grow with the
// file size: the signed bytes are streamed through the hash.
func BenchmarkSignFileSize(b *testing.B) {
	s := newTestPKI(b).signer(b, false, "")
	for _, mb := range []int{1, 16, 64} {
		in := paddedPDF(b, mb<<20)
		out := filepath.Join(b.TempDir(), "out.pdf")
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(mb << 20))
			for i := 0; i < b.N; i++ {
				if err := Sign(context.Background(), in, out, s, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// paddedPDF is minipdf.ImagePage plus an unreferenced stream of n random bytes.
func paddedPDF(b testing.TB, n int) string {
	b.Helper()
	base := minipdf.ImagePage(minipdf.Header)
	f, err := pdfraw.Open(bytesReader(base), int64(len(base)))
	if err != nil {
		b.Fatal(err)
	}
	u := f.NewUpdate()
	pad := make([]byte, n)
	rand.Read(pad)
	u.PutStream(u.Alloc(), pdfraw.Dict{}, pad)
	path := filepath.Join(b.TempDir(), "padded.pdf")
	if err := os.WriteFile(path, append(base, u.Bytes()...), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// Command sign measures PAdES signing: latency percentiles for a 20-page
// scan without TSA (target: ≤ 30 ms p95) and heap allocation per signature
// for growing file sizes (target: constant, streaming hash).
//
// Usage: go run ./bench/sign [-in scan.pdf] [-n 50] [-corpus ../shared/corpus/scans]
//
// Without -in it concatenates the first 20 pages of the corpus scans with
// qpdf. Keys are generated in memory; nothing is written outside a
// temporary directory.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/sign"
)

func main() {
	in := flag.String("in", "", "PDF to sign (default: 20 corpus pages joined with qpdf)")
	n := flag.Int("n", 50, "signatures per measurement")
	corpus := flag.String("corpus", "../shared/corpus/scans", "scan corpus directory")
	flag.Parse()
	if err := run(*in, *n, *corpus); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sign:", err)
		os.Exit(1)
	}
}

func run(in string, n int, corpus string) error {
	tmp, err := os.MkdirTemp("", "bench-sign-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if in == "" {
		if in, err = joinPages(corpus, tmp, 20); err != nil {
			return err
		}
	}
	st, err := os.Stat(in)
	if err != nil {
		return err
	}
	fmt.Printf("input: %s (%.1f MB)\n\n", in, float64(st.Size())/1e6)
	fmt.Printf("%-12s %8s %8s %8s %8s\n", "key", "p50 ms", "p95 ms", "max ms", "pdfsig")
	for _, useRSA := range []bool{false, true} {
		s, name, err := signer(useRSA)
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, "out.pdf")
		var ds []time.Duration
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if err := sign.Sign(context.Background(), in, out, s, sign.Options{}); err != nil {
				return err
			}
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		verdict := "n/a"
		if o, err := exec.Command("pdfsig", out).CombinedOutput(); err == nil || len(o) > 0 {
			verdict = map[bool]string{true: "valid", false: "INVALID"}[strings.Contains(string(o), "Signature is Valid.")]
		}
		fmt.Printf("%-12s %8.1f %8.1f %8.1f %8s\n", name, ms(ds[len(ds)/2]), ms(ds[(len(ds)*95+99)/100-1]), ms(ds[len(ds)-1]), verdict)
	}

	fmt.Printf("\nmemory per signature vs file size (ECDSA P-256):\n")
	fmt.Printf("%10s %14s %14s %10s\n", "file MB", "alloc KB/op", "heap sys MB", "ms/op")
	s, _, err := signer(false)
	if err != nil {
		return err
	}
	sizes := []int{1, 16, 64, 256}
	paths := map[int]string{}
	for _, mb := range sizes {
		if paths[mb], err = paddedPDF(tmp, mb<<20); err != nil {
			return err
		}
	}
	for _, mb := range sizes {
		path := paths[mb]
		out := filepath.Join(tmp, "out.pdf")
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const reps = 3
		t0 := time.Now()
		for i := 0; i < reps; i++ {
			if err := sign.Sign(context.Background(), path, out, s, sign.Options{}); err != nil {
				return err
			}
		}
		el := time.Since(t0) / reps
		runtime.ReadMemStats(&after)
		fmt.Printf("%10d %14.0f %14.1f %10.1f\n", mb, float64(after.TotalAlloc-before.TotalAlloc)/reps/1024, float64(after.HeapSys)/1e6, ms(el))
		os.Remove(path)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func signer(useRSA bool) (*sign.KeySigner, string, error) {
	name := "ecdsa-p256"
	var pub, priv any
	if useRSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, "", err
		}
		pub, priv, name = k.Public(), k, "rsa-2048"
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, "", err
		}
		pub, priv = k.Public(), k
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "bench seal"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, "", err
	}
	cert, _ := x509.ParseCertificate(der)
	var s *sign.KeySigner
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		s, err = sign.NewKeySigner(k, cert, nil)
	case *ecdsa.PrivateKey:
		s, err = sign.NewKeySigner(k, cert, nil)
	}
	return s, name, err
}

// joinPages concatenates the first pages of the corpus PDFs with qpdf.
func joinPages(corpus, tmp string, want int) (string, error) {
	files, _ := filepath.Glob(filepath.Join(corpus, "*.pdf"))
	if len(files) == 0 {
		return "", fmt.Errorf("no PDFs in %s (use -in)", corpus)
	}
	args := []string{"--empty", "--pages"}
	pages := 0
	for _, f := range files {
		if pages == want {
			break
		}
		o, err := exec.Command("qpdf", "--show-npages", f).Output()
		if err != nil {
			return "", fmt.Errorf("qpdf: %w", err)
		}
		k, _ := strconv.Atoi(strings.TrimSpace(string(o)))
		if pages+k > want {
			k = want - pages
		}
		args = append(args, f, "1-"+strconv.Itoa(k))
		pages += k
	}
	out := filepath.Join(tmp, "20pages.pdf")
	if o, err := exec.Command("qpdf", append(args, "--", out)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("qpdf: %v: %s", err, o)
	}
	return out, nil
}

// paddedPDF writes a one-page PDF with an unreferenced stream of n random
// bytes, streamed to disk so the benchmark itself stays small.
func paddedPDF(dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("padded-%d.pdf", n))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n", n),
	}
	off := 0
	var offs []int
	fmt.Fprint(w, "%PDF-1.7\n")
	off += len("%PDF-1.7\n")
	for i, o := range objs {
		offs = append(offs, off)
		k, _ := fmt.Fprintf(w, "%d 0 obj\n%s", i+1, o)
		off += k
		if i < len(objs)-1 {
			k, _ = fmt.Fprint(w, "\nendobj\n")
			off += k
		}
	}
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		c := chunk
		if left < len(c) {
			c = c[:left]
		}
		rand.Read(c)
		w.Write(c)
	}
	off += n
	k, _ := fmt.Fprint(w, "\nendstream\nendobj\n")
	off += k
	fmt.Fprintf(w, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(w, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(w, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, off)
	return path, w.Flush()
}

package ocr

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

// TestProtectedPDFs: a PDF that opens without a password is processed —
// recognised for its text, delivered byte for byte (encryption and
// signature intact) — and only a PDF that needs a password to open is
// refused as password-protected.
func TestProtectedPDFs(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	scans := testenv.Corpus(t, "scans")
	tr := loadTruth(t, "scan-0002")
	dir := t.TempDir()
	ownerOnly := filepath.Join(dir, "owner-only.pdf")
	userPw := filepath.Join(dir, "user-password.pdf")
	for _, c := range []struct{ user, out string }{{"", ownerOnly}, {"geheim", userPw}} {
		if out, err := exec.Command("qpdf", "--encrypt", c.user, "owner", "256", "--print=none", "--", filepath.Join(scans, tr.File), c.out).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v %s", err, out)
		}
	}
	peers := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "peers", "paperless-ngx", "src", "paperless", "tests", "samples", "tesseract")
	e := newTestEngine(t)

	t.Run("owner password only", func(t *testing.T) {
		out := filepath.Join(dir, "out-owner.pdf")
		res, err := e.Process(context.Background(), ownerOnly, out)
		if err != nil {
			t.Fatalf("Process: %v", err)
		}
		if !res.KeptOriginal {
			t.Error("KeptOriginal not set")
		}
		sameBytes(t, ownerOnly, out)
		if num := tr.Fields["invoice_number"]; !strings.Contains(res.Text(), num) {
			t.Errorf("invoice number %q not recognised", num)
		}
	})
	t.Run("user password", func(t *testing.T) {
		_, err := e.Process(context.Background(), userPw, filepath.Join(dir, "out-user.pdf"))
		if !errors.Is(err, ErrEncrypted) {
			t.Fatalf("error %v, want ErrEncrypted", err)
		}
		if !strings.Contains(clerkMessage(err), "passwortgeschützt") {
			t.Errorf("clerk message %q", clerkMessage(err))
		}
	})
	t.Run("signed and encrypted (peers signed.pdf)", func(t *testing.T) {
		in := filepath.Join(peers, "signed.pdf")
		if _, err := os.Stat(in); err != nil {
			t.Skipf("peers corpus not present: %v", err)
		}
		out := filepath.Join(dir, "out-signed.pdf")
		res, err := e.Process(context.Background(), in, out)
		if err != nil {
			t.Fatalf("Process: %v", err)
		}
		if !res.KeptOriginal {
			t.Error("KeptOriginal not set")
		}
		sameBytes(t, in, out)
		if len(strings.Fields(res.Text())) < 5 {
			t.Errorf("no text read: %q", res.Text())
		}
		if _, err := exec.LookPath("pdfsig"); err == nil {
			sig, _ := exec.Command("pdfsig", out).CombinedOutput()
			if !strings.Contains(string(sig), "Signature is Valid") {
				t.Errorf("pdfsig on the output:\n%s", sig)
			}
		}
	})
}

func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s is not byte-identical to %s (%d vs %d bytes)", b, a, len(y), len(x))
	}
}

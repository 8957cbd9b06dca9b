package sign

import (
	"context"
	"path/filepath"
	"testing"
)

func TestSmoke(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	for _, useRSA := range []bool{false, true} {
		s := pki.signer(t, useRSA)
		in := corpusScan(t, "scan-0002.pdf")
		out := filepath.Join(dir, "out.pdf")
		if err := Sign(context.Background(), in, out, s, Options{Reason: "Test"}); err != nil {
			t.Fatal(err)
		}
		res, err := Verify(out)
		t.Logf("res=%+v err=%v", res, err)
		o, _ := run(t, "pdfsig", out)
		t.Log(o)
		o, _ = run(t, "qpdf", "--check", out)
		t.Log(o)
	}
}

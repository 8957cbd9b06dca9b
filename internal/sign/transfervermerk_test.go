package sign

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/eingang/eingang/internal/transfervermerk"
)

func testRecord() *transfervermerk.Record {
	r := transfervermerk.New()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	r.DocumentID = "test-0002"
	r.Creator = transfervermerk.Person{Pseudonym: "scan-01"}
	r.Environment.OrgUnit.Name = "Stadt Musterstadt"
	r.Environment.Scanner.Product = "Testscanner"
	r.Environment.Workstation = "WS1"
	r.Environment.Procedure = transfervermerk.Procedure{Name: "Posteingang", Version: "1"}
	r.CaptureTime = at
	r.Capture = transfervermerk.Capture{DPI: 300, ColourMode: transfervermerk.ColourGray}
	r.QualityCheck.CheckedAt = at
	r.QualityCheck.Method = "automatic"
	r.QualityCheck.Result = transfervermerk.QSPassed
	r.Statement.Matches = true
	return r
}

func TestVerifyChecksTransfervermerk(t *testing.T) {
	pki := newTestPKI(t)
	s := pki.signer(t, false, "")
	dir := t.TempDir()
	tv := filepath.Join(dir, "tv.pdf")
	if err := transfervermerk.Embed(corpusScan(t, "scan-0002.pdf"), tv, testRecord()); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "signed.pdf")
	if err := Sign(context.Background(), tv, signed, s, Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfervermerk == nil || res.Transfervermerk.PageCount != 1 || res.TransfervermerkErr != nil {
		t.Fatalf("Transfervermerk not reported: %+v", res)
	}

	// Swap the page image after the Transfervermerk was written, then sign:
	// the signature is valid, but the pages no longer match the record.
	data, _ := os.ReadFile(tv)
	f, err := pdfraw.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := f.Pages()
	xo, _ := f.ResolveDict(pages[0].Resources["XObject"])
	var imgRef pdfraw.Ref
	for _, v := range xo {
		imgRef = v.(pdfraw.Ref)
	}
	o, _ := f.Object(imgRef)
	u := f.NewUpdate()
	u.PutStream(imgRef, o.(*pdfraw.Stream).Dict, []byte("not the original image"))
	swapped := filepath.Join(dir, "swapped.pdf")
	os.WriteFile(swapped, append(data, u.Bytes()...), 0o600)
	signed2 := filepath.Join(dir, "signed2.pdf")
	if err := Sign(context.Background(), swapped, signed2, s, Options{}); err != nil {
		t.Fatal(err)
	}
	res, err = Verify(signed2)
	if !errors.Is(err, ErrTransfervermerkMismatch) {
		t.Fatalf("got %v, want ErrTransfervermerkMismatch", err)
	}
	if res.Signatures[0].Err != nil || !res.Unmodified {
		t.Fatalf("signature should still be valid: %+v", res.Signatures[0])
	}
}

package transfervermerk

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv/minipdf"
)

func embeddedTinyPDF(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, minipdf.ImagePage(minipdf.Header), 0o600)
	out := filepath.Join(dir, "out.pdf")
	if err := Embed(in, out, sampleRecord()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	return b
}

func TestTinyEmbed(t *testing.T) {
	b := embeddedTinyPDF(t)
	rec, err := ReadReaderAt(bytes.NewReader(b), int64(len(b)))
	if err != nil || rec.PageCount != 1 {
		t.Fatalf("%v %+v", err, rec)
	}
	// Tampering with the attachment without updating the XMP is detected.
	i := bytes.Index(b, []byte(`"scan-07"`))
	b[i+1] = 'X'
	if _, err := ReadReaderAt(bytes.NewReader(b), int64(len(b))); err == nil {
		t.Fatal("tampered attachment accepted")
	}
}

// FuzzRead covers the XMP and attachment read-back from hostile PDFs.
func FuzzRead(f *testing.F) {
	f.Add(embeddedTinyPDF(f))
	f.Add(minipdf.ImagePage(minipdf.Header))
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadReaderAt(bytes.NewReader(data), int64(len(data)))
		PageHashesReaderAt(bytes.NewReader(data), int64(len(data)))
	})
}

// FuzzParseJSON: records from outside (sidecar files, DMS round trips).
func FuzzParseJSON(f *testing.F) {
	r := sampleRecord()
	r.PageCount = 1
	r.Pages = []Page{{Number: 1, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
	js, _ := json.Marshal(r)
	f.Add(js)
	f.Add([]byte(`{"schema_version":"1.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseJSON(data)
		if err == nil && rec.Validate() != nil {
			t.Fatal("ParseJSON accepted an invalid record")
		}
	})
}

// FuzzMergeXMP: existing metadata packets of arbitrary content.
func FuzzMergeXMP(f *testing.F) {
	f.Add([]byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, old []byte) {
		out := mergeXMP(old, xmpDescription(sampleRecord(), make([]byte, 32)))
		if !bytes.Contains(out, []byte(XMPNamespace)) {
			t.Fatal("description lost")
		}
	})
}

package transfervermerk

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the serialised record and XMP description. The JSON
// golden is also validated against the JSON Schema in TestSchema (with Python's jsonschema), so
// an update cannot silently make it drift from the documented format.
func TestGolden(t *testing.T) {
	r := sampleRecord()
	r.PageCount = 2
	r.Pages = []Page{
		{Number: 1, SHA256: strings.Repeat("1", 64)},
		{Number: 2, SHA256: strings.Repeat("2", 64)},
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	xmp := []byte(xmpDescription(r, bytes.Repeat([]byte{0xab}, 32)))
	for name, got := range map[string][]byte{"record.golden.json": append(js, '\n'), "xmp.golden.xml": xmp} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from golden:\n%s", name, got)
		}
	}
	// The merged packet is well-formed XML.
	dec := xml.NewDecoder(bytes.NewReader(mergeXMP(nil, string(xmp))))
	for {
		if _, err := dec.Token(); err != nil {
			if err != io.EOF {
				t.Fatalf("XMP packet is not well-formed: %v", err)
			}
			break
		}
	}
	// The golden record parses back into the same value.
	want, _ := os.ReadFile(filepath.Join("testdata", "record.golden.json"))
	back, err := ParseJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	if back.Pages[1].SHA256 != r.Pages[1].SHA256 || back.Creator != r.Creator {
		t.Fatal("golden record does not round-trip")
	}
}

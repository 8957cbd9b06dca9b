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

// TestMergeXMPIntoPDFA uses the packet ocrmypdf 14 writes for PDF/A-2b
// (testdata/ocrmypdf-pdfa2b.xmp): the claim becomes PDF/A-3b, the tv
// namespace is declared once as extension schema, and merging twice
// changes nothing.
func TestMergeXMPIntoPDFA(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "ocrmypdf-pdfa2b.xmp"))
	if err != nil {
		t.Fatal(err)
	}
	desc := xmpDescription(sampleRecord(), make([]byte, 32))
	once := mergeXMP(old, desc)
	twice := mergeXMP(once, desc)
	if !bytes.Equal(once, twice) {
		t.Fatalf("second merge changed the packet:\n%s", twice)
	}
	s := string(once)
	for _, want := range []string{`pdfaid:part="3"`, `pdfaid:conformance="B"`, "<tv:Creator>scan-07</tv:Creator>", "pikepdf"} {
		if !strings.Contains(s, want) {
			t.Errorf("merged packet lacks %q", want)
		}
	}
	if strings.Count(s, "<pdfaSchema:namespaceURI>"+XMPNamespace) != 1 || strings.Contains(s, `pdfaid:part="2"`) {
		t.Errorf("bad merge:\n%s", s)
	}
	dec := xml.NewDecoder(bytes.NewReader(once))
	for {
		if _, err := dec.Token(); err != nil {
			if err != io.EOF {
				t.Fatalf("merged packet is not well-formed: %v", err)
			}
			break
		}
	}
	// A packet that already has an extension-schema bag gets our schema
	// inside that bag, not a second pdfaExtension:schemas property.
	withBag := strings.Replace(string(old), "</rdf:RDF>", `<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"><pdfaExtension:schemas><rdf:Bag></rdf:Bag></pdfaExtension:schemas></rdf:Description></rdf:RDF>`, 1)
	m := string(mergeXMP([]byte(withBag), desc))
	if strings.Count(m, "<pdfaExtension:schemas>") != 1 || strings.Count(m, "<pdfaSchema:namespaceURI>"+XMPNamespace) != 1 {
		t.Fatalf("bag not reused:\n%s", m)
	}
}

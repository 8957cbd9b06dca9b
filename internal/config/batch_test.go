package config

import (
	"path/filepath"
	"strings"
	"testing"
)

const batchProfile = `
targets: {archive: {type: archive, dir: a}}
profiles:
  - name: stapel
    folder: in
    kind: auto
    target: archive
    batch:
`

func TestBatchValidationNamesTheKey(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"blank_pages", "      blank_pages: drop\n", []string{"profiles[0] (stapel).batch.blank_pages"}},
		{"split_every", "      split_every: -1\n", []string{"profiles[0] (stapel).batch.split_every"}},
		{"max pages", "      max_pages_per_document: -2\n", []string{"profiles[0] (stapel).batch.max_pages_per_document"}},
		{"split over max", "      split_every: 10\n      max_pages_per_document: 5\n", []string{"batch.split_every", "max_pages_per_document"}},
		{"empty separator string", "      separators: true\n      separator_strings: ['']\n", []string{"batch.separator_strings[0]"}},
		{"strings without separators", "      separator_strings: [PATCHT]\n", []string{"batch.separator_strings"}},
		{"bad regex", "      barcode_fields: {aktenzeichen: '(AZ'}\n", []string{"batch.barcode_fields.aktenzeichen"}},
		{"two groups", "      barcode_fields: {az: '(A)(Z)'}\n", []string{"batch.barcode_fields.az"}},
		{"unknown key", "      seperators: true\n", []string{"seperators"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(batchProfile+tc.yaml), nil)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestBatchOptions(t *testing.T) {
	cfg, err := Parse([]byte(batchProfile+`      separators: true
      blank_pages: remove
      split_every: 4
      max_pages_per_document: 40
      separator_strings: [PATCHT]
      barcode_fields: {kassenzeichen: 'KZ(\d+)', aktenzeichen: '^AZ:(.+)$'}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Profile("stapel")
	o, err := p.Batch.Options()
	if err != nil {
		t.Fatal(err)
	}
	if !o.Separators || !o.RemoveBlank || o.SplitEvery != 4 || o.MaxPagesPerDocument != 40 || o.KeepSeparatorPages {
		t.Errorf("options %+v", o)
	}
	if len(o.BarcodeFields) != 2 || o.BarcodeFields[0].Field != "aktenzeichen" || o.BarcodeFields[1].Pattern.String() != `KZ(\d+)` {
		t.Errorf("barcode fields %+v", o.BarcodeFields)
	}
}

// TestDemoStapel: the demo's batch profile as issue 14 describes it.
func TestDemoStapel(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "config", "demo.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cfg.Profile("stapel")
	if !ok || filepath.Clean(p.Folder) != "var/inbox/stapel" || p.Kind != "auto" || p.Target != "archive" {
		t.Fatalf("profile stapel: %+v", p)
	}
	if p.Batch == nil || !p.Batch.Separators || p.Batch.BlankPages != "remove" {
		t.Fatalf("stapel batch: %+v", p.Batch)
	}
}

package pdf

import (
	"errors"
	"testing"
)

// bboxDoc is pdftotext -bbox-layout output around one line of words.
func bboxDoc(words ...string) []byte {
	s := `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title></title></head>
<body>
<doc>
  <page width="595.000000" height="842.000000">
    <flow><block xMin="10" yMin="10" xMax="100" yMax="20"><line xMin="10" yMin="10" xMax="100" yMax="20">
`
	for _, w := range words {
		s += `<word xMin="10.000000" yMin="10.000000" xMax="40.000000" yMax="20.000000">` + w + "</word>\n"
	}
	return []byte(s + "</line></block></flow>\n  </page>\n</doc>\n</body>\n</html>\n")
}

func TestParseBBoxLayoutControlCharacters(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  []string
	}{
		{"plain", []string{"Rechnung", "Nr."}, []string{"Rechnung", "Nr."}},
		// Fonts without a usable Unicode mapping make pdftotext emit C0
		// controls verbatim; XML forbids them. A word of nothing else
		// carries no text and is dropped.
		{"C0 controls", []string{"Rech\x01nung", "\x07\x08", "Betrag\x1f"}, []string{"Rechnung", "Betrag"}},
		{"form feed and escape", []string{"a\x0cb", "\x1b[0m"}, []string{"ab", "[0m"}},
		{"tab kept", []string{"a\tb"}, []string{"a\tb"}},
		{"invalid UTF-8", []string{"M\xfcller", "\xef\xbf\xbe", "\xff\xfe"}, []string{"M\uFFFDller"}},
		{"entity", []string{"A&amp;B"}, []string{"A&B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := ParseBBoxLayout(bboxDoc(tt.words...))
			if err != nil {
				t.Fatalf("ParseBBoxLayout: %v", err)
			}
			if len(pages) != 1 || len(pages[0].Words) != len(tt.want) {
				t.Fatalf("pages = %+v, want one page with %d words", pages, len(tt.want))
			}
			for i, w := range pages[0].Words {
				if w.Text != tt.want[i] {
					t.Errorf("word %d = %q, want %q", i, w.Text, tt.want[i])
				}
			}
		})
	}
}

func TestParseBBoxLayoutBrokenIsCorrupt(t *testing.T) {
	// Whatever remains unparseable fails the same way on every retry, so
	// it must be a permanent error.
	_, err := ParseBBoxLayout([]byte(`<doc><page width="1" height="1"><word xMin="1`))
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

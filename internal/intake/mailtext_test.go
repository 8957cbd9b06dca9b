package intake

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

func FuzzReadLetter(f *testing.F) {
	f.Add([]byte("From: a@b\r\nSubject: =?iso-8859-1?q?Stra=DFe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n"))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>Hallo&nbsp;<b>Welt</b></p><script>x</script>\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "m.eml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := ReadLetter(path)
		if err == nil && !utf8.ValidString(l.Body) {
			t.Errorf("body is not UTF-8: %q", l.Body)
		}
	})
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Sehr geehrte Damen und Herren,</p><p>ich  bitte&nbsp;um R&uuml;ckruf.</p>", "Sehr geehrte Damen und Herren,\nich bitte um Rückruf."},
		{"<html><head><title>x</title><style>p{}</style></head><body>Zeile 1<br>Zeile 2<BR/>Zeile 3</body></html>", "Zeile 1\nZeile 2\nZeile 3"},
		{"<div>a</div>\n\n\n\n<div>b</div><script>alert(1)</script>", "a\n\nb"},
		{"&lt;kein Tag&gt;", "<kein Tag>"},
	}
	for _, tt := range tests {
		if got := htmlToText(tt.in); got != tt.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package mail

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
	pdfpkg "github.com/eingang/eingang/internal/pdf"
)

// With mail_body: pdf, a citizen's letter written into the mail becomes a
// PDF document (header and text, the mail attached), from a plain text
// mail in Latin-1 as from an HTML-only one; a mail without any text still
// goes to the error folder.
func TestMailBodyAsPDF(t *testing.T) {
	for _, tool := range []string{"pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	f := newFixture(t)
	f.opts.Account.MailBody = config.MailBodyPDF
	f.opts.MaxFileSize = 4 << 20
	latin1 := "From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <j.mueller@example.org>\r\nTo: buergerbuero@kreis.example\r\n" +
		"Subject: =?iso-8859-1?q?Antrag_auf_Anwohnerparkausweis_Lindenstra=DFe?=\r\nDate: Mon, 7 Dec 2026 09:00:00 +0100\r\n" +
		"Message-ID: <brief-1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nSehr geehrte Damen und Herren,\r\n\r\nich beantrage einen Anwohnerparkausweis f=FCr die\r\n" +
		"Lindenstra=DFe 12.\r\n\r\nMit freundlichen Gr=FC=DFen\r\nJ=FCrgen M=FCller\r\n"
	htmlOnly := "From: anna@example.org\r\nTo: buergerbuero@kreis.example\r\nSubject: Widerspruch\r\nDate: Mon, 7 Dec 2026 10:00:00 +0100\r\n" +
		"Message-ID: <brief-2@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{color:red}</style></head><body><p>Hiermit lege ich Widerspruch gegen den Bescheid vom 1.&nbsp;Dezember ein.</p><p>Anna Schmidt</p></body></html>\r\n"
	empty := "From: leer@example.org\r\nSubject: leer\r\nDate: Mon, 7 Dec 2026 11:00:00 +0100\r\nMessage-ID: <leer@example.org>\r\n\r\n\r\n"
	appendMails(t, f.d, "INBOX", latin1, htmlOnly, empty)
	f.poll(t)

	texts := map[string]string{}
	for _, c := range f.rec.claims {
		if c.Problem != nil {
			if c.SourceName != "leer.eml" {
				t.Errorf("%s: %v", c.SourceName, c.Problem)
			}
			continue
		}
		if fm, err := pdfpkg.SniffFile(c.Path); fm != pdfpkg.FormatPDF || err != nil {
			t.Fatalf("%s is %v (%v), not a PDF", c.SourceName, fm, err)
		}
		if out, err := exec.Command("qpdf", "--check", c.Path).CombinedOutput(); err != nil {
			t.Errorf("qpdf --check %s: %v\n%s", c.SourceName, err, out)
		}
		out, err := exec.Command("pdftotext", "-layout", c.Path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		texts[c.SourceName] = string(out)
	}
	brief := texts["Antrag auf Anwohnerparkausweis Lindenstraße.pdf"]
	for _, want := range []string{"Jürgen Müller", "Antrag auf Anwohnerparkausweis", "Lindenstraße 12", "Mit freundlichen Grüßen", "07.12.2026"} {
		if !strings.Contains(brief, want) {
			t.Errorf("letter lacks %q:\n%s", want, brief)
		}
	}
	if w := texts["Widerspruch.pdf"]; !strings.Contains(w, "Hiermit lege ich Widerspruch gegen den Bescheid vom 1. Dezember ein.") || strings.Contains(w, "color") {
		t.Errorf("HTML letter:\n%s", w)
	}
	counts := folderCounts(t, f.d, "INBOX", "Verarbeitet", "Fehler")
	if counts["Verarbeitet"] != 2 || counts["Fehler"] != 1 {
		t.Errorf("folders %v, want 2 processed and the empty mail in Fehler", counts)
	}
	docs, _ := f.j.List(context.Background(), journal.Filter{})
	if len(docs) != 3 {
		t.Errorf("%d documents, want 3", len(docs))
	}
}

package intake

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func b64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var lines []string
	for len(enc) > 20 {
		lines = append(lines, enc[:20])
		enc = enc[20:]
	}
	return strings.Join(append(lines, enc), "\r\n")
}

const pdfBytes = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func testMail(closing bool) string {
	m := "From: Lieferant <rechnung@lieferant.example>\r\n" +
		"To: rechnung@kreis.example\r\n" +
		"Subject: =?UTF-8?Q?Rechnung_M=C3=A4rz?=\r\n" +
		"Date: Mon, 7 Dec 2026 09:00:00 +0100\r\n" +
		"Message-ID: <1@lieferant.example>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nAnbei die Rechnung.\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(pdfBytes) + "\r\n" +
		// Inline, no disposition, declared wrongly: content decides.
		"--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64("\x89PNG\r\n\x1a\nrest") + "\r\n" +
		"--XX\r\nContent-Type: text/plain; name=\"notiz.txt\"\r\nContent-Disposition: attachment; filename=\"notiz.txt\"\r\n\r\nnur Text\r\n" +
		"--XX\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: a@b.example\r\nDate: Mon, 7 Dec 2026 08:00:00 +0100\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n" +
		"--YY\r\nContent-Type: application/pdf; name=\"weitergeleitet.pdf\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF-1.7 =C3=A4\r\n--YY--\r\n"
	if closing {
		m += "--XX--\r\n"
	}
	return m
}

func TestUnpackEML(t *testing.T) {
	src := filepath.Join(t.TempDir(), "in.eml")
	os.WriteFile(src, []byte(testMail(true)), 0o644)
	if f, err := Detect(src); err != nil || f != FormatEML {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	dir := t.TempDir()
	names, err := UnpackEML(src, "Mail.eml", dir, ArchiveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	want := []string{"Mail.eml__Rechnung März.pdf", "Mail.eml__anhang-2", "Mail.eml__weitergeleitet.pdf"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("names %q, want %q", names, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, want[0])); string(b) != pdfBytes {
		t.Errorf("base64 attachment decoded to %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, want[2])); string(b) != "%PDF-1.7 ä" {
		t.Errorf("quoted-printable part of the attached mail decoded to %q", b)
	}
	// Again (a repeated step): nothing rewritten, same names.
	again, err := UnpackEML(src, "Mail.eml", dir, ArchiveLimits{})
	if err != nil || len(again) != 3 {
		t.Errorf("again: %q, %v", again, err)
	}
}

func TestUnpackEMLRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	text := write("text.eml", "From: a@b.example\r\nDate: Mon, 7 Dec 2026 08:00:00 +0100\r\nSubject: Hallo\r\n\r\nNur ein Brief als Text.\r\n")
	if _, err := UnpackEML(text, "text.eml", t.TempDir(), ArchiveLimits{}); !errors.Is(err, ErrMailNothingUsable) {
		t.Errorf("text-only mail: %v, want ErrMailNothingUsable", err)
	}
	cut := write("cut.eml", testMail(false))
	if _, err := Detect(cut); !errors.Is(err, ErrIncomplete) {
		t.Errorf("mail without its closing boundary: Detect %v, want ErrIncomplete", err)
	}
	// What was complete before the cut is still taken when it is processed.
	names, err := UnpackEML(cut, "cut.eml", t.TempDir(), ArchiveLimits{})
	if err != nil || len(names) != 3 {
		t.Errorf("cut mail: %q, %v", names, err)
	}
	if _, err := UnpackEML(text, "text.eml", t.TempDir(), ArchiveLimits{MaxFiles: 1}); !errors.Is(err, ErrMailNothingUsable) {
		t.Errorf("limits: %v", err)
	}
	many := write("many.eml", testMail(true))
	if _, err := UnpackEML(many, "many.eml", t.TempDir(), ArchiveLimits{MaxFiles: 2}); !errors.Is(err, ErrArchiveTooBig) {
		t.Errorf("three attachments, limit 2: %v", err)
	}
}

func TestLooksLikeMail(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{
		{"From: a@b.example\r\nDate: Mon, 7 Dec 2026 08:00:00 +0100\r\n\r\nText", true},
		{"Return-Path: <a@b.example>\nFrom: a@b.example\nSubject: x\n\nText", true},
		{"Subject: Einladung\n\nLiebe Kolleginnen", false},
		{"From: me\nTo: you\n\nno date, no id", false},
		{"This is not a valid eml.\n", false},
		{"Return-Path: <a@b.example>\nDelivered-To: c@d.example\nDKIM-Signature: v=1;\n\t" + strings.Repeat("b=xyz", 300), true},
		{"Date: heute\nTo: you\n\nno sender", false},
		{"%PDF-1.4", false},
		// Saved with the mbox envelope line (RFC 4155) in front.
		{"From a@b.example  Sun Jun 16 17:50:14 2013\nFrom: a@b.example\nDate: Sun, 16 Jun 2013 17:50:12 +0200\n\nText", true},
		{"From here to there\n", false},
		// No Date, but a MIME multipart body.
		{"From: <a@b.example>\nTo: <c@d.example>\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X\n", true},
		{"From: me\nContent-Type: text/plain\n\nno date, no id", false},
		// An automatic reply without From: MIME all the same.
		{"Subject: Abwesenheit\nContent-Type: multipart/mixed; boundary=B\nMIME-Version: 1.0\n\n--B\n", true},
		{"MIME-Version: 1.0\nContent-Type: text/plain\n\nnot enough", false},
		// A MIME fragment: only the multipart header, with its boundary.
		{"Content-Type: multipart/alternative; boundary=\"b-\u00b5\"\n\n--b-\u00b5\n", true},
		{"Content-Type: multipart/mixed\n\nno boundary", false},
		// Written by a person, saved without any server field; the header
		// block is broken (no blank line), which the mail check reports.
		{"From: a@b.example\nTo: c@d.example\nSubject: Antrag\nkein Leerzeichen davor\n", true},
	} {
		if got := looksLikeMail([]byte(tc.head)); got != tc.want {
			t.Errorf("looksLikeMail(%q) = %v", tc.head, got)
		}
	}
}

func FuzzUnpackEML(f *testing.F) {
	f.Add([]byte(testMail(true)))
	f.Add([]byte(testMail(false)))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.eml")
		os.WriteFile(p, data, 0o644)
		out := filepath.Join(dir, "out")
		os.Mkdir(out, 0o755)
		names, err := UnpackEML(p, "in.eml", out, ArchiveLimits{MaxFiles: 20, MaxFileBytes: 1 << 20, MaxTotal: 4 << 20})
		if err != nil {
			return
		}
		for _, n := range names {
			if filepath.Dir(filepath.Join(out, n)) != out {
				t.Fatalf("attachment %q escapes the folder", n)
			}
		}
	})
}

// TestPeersMails: the peers' saved mails — one whose From field comes
// after a kilobyte of transport fields, text-only ones, and a file that
// only calls itself an eml.
func TestPeersMails(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "peers", "paperless-ngx", "src")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("peers corpus not present: %v", err)
	}
	for _, tc := range []struct {
		file    string
		format  Format
		err     error
		unpack  error
		members int
	}{
		{"paperless/tests/samples/mail/html.eml", FormatEML, nil, nil, 1},
		{"paperless/tests/samples/mail/simple_text.eml", FormatEML, nil, ErrMailNothingUsable, 0},
		{"documents/tests/samples/eml_with_umlaut.eml", FormatEML, nil, ErrMailNothingUsable, 0},
		{"paperless/tests/samples/mail/broken.eml", "", ErrUnsupported, nil, 0},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			f, err := Detect(p)
			if f != tc.format || !errors.Is(err, tc.err) {
				t.Fatalf("Detect = %q, %v; want %q, %v", f, err, tc.format, tc.err)
			}
			if f != FormatEML {
				return
			}
			names, err := UnpackEML(p, "m.eml", t.TempDir(), ArchiveLimits{})
			if !errors.Is(err, tc.unpack) || len(names) != tc.members {
				t.Errorf("UnpackEML = %q, %v; want %d files, %v", names, err, tc.members, tc.unpack)
			}
		})
	}
}

// Word documents are taken from a mail; other OLE2 files (a forwarded
// Outlook .msg) are left out like a text attachment.
func TestUnpackEMLOfficeAttachments(t *testing.T) {
	att := func(name, data string) string {
		return "--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name +
			"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(data) + "\r\n"
	}
	m := "From: a@b.example\r\nDate: Mon, 7 Dec 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n" +
		att("brief.doc", string(cfb([]string{"WordDocument"}, nil))) +
		att("weiter.msg", string(cfb([]string{"__substg1.0_0037001F"}, nil))) +
		att("brief.rtf", "{\\rtf1 Hallo}") +
		"--XX--\r\n"
	src := filepath.Join(t.TempDir(), "in.eml")
	if err := os.WriteFile(src, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names, err := UnpackEML(src, "Mail.eml", dir, ArchiveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if got, want := strings.Join(names, "|"), "Mail.eml__brief.doc|Mail.eml__brief.rtf"; got != want {
		t.Errorf("attachments %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "Mail.eml__weiter.msg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the .msg was written: %v", err)
	}
}

// TestUnpackEMLEnvelopeAndHTML: a mail saved with its envelope line is
// read like any other, and its HTML body, although it starts like XML,
// is not taken as an attachment.
func TestUnpackEMLEnvelopeAndHTML(t *testing.T) {
	m := "From rechnung@lieferant.example  Mon Dec  7 09:00:00 2026\n" +
		"From: rechnung@lieferant.example\nDate: Mon, 7 Dec 2026 09:00:00 +0100\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=B\n\n" +
		"--B\nContent-Type: text/html; charset=UTF-8\n\n<div dir=\"ltr\">Anbei<br></div>\n" +
		"--B\nContent-Type: application/pdf; name=r.pdf\nContent-Transfer-Encoding: base64\n\n" + b64(pdfBytes) + "\n" +
		"--B\nContent-Type: application/xml; name=r.xml\n\n<?xml version=\"1.0\"?><Invoice/>\n--B--\n"
	src := filepath.Join(t.TempDir(), "saved.eml")
	if err := os.WriteFile(src, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(src); err != nil || f != FormatEML {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	names, err := UnpackEML(src, "saved.eml", t.TempDir(), ArchiveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, "|"); got != "saved.eml__r.pdf|saved.eml__r.xml" {
		t.Errorf("unpacked %q, want the PDF and the XML only", got)
	}
	if l, err := ReadLetter(src); err != nil || l.From != "rechnung@lieferant.example" {
		t.Errorf("ReadLetter = %+v, %v", l, err)
	}
}

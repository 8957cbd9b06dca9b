package mail

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/eingang/eingang/internal/config"
)

func TestDecideFirstMatchWins(t *testing.T) {
	acct := config.MailAccount{Profile: "rechnung", Rules: []config.MailRule{
		{From: "newsletter@lieferant.example", Ignore: true},
		{From: "@stadtwerke.example", Subject: "abschlag", Profile: "post", Metadata: map[string]string{"amt": "20"}},
		{Filename: "*.XML", Profile: "erechnung"},
		{From: "lieferant.example", Filename: "agb*.pdf", Ignore: true},
	}}
	tests := []struct {
		from, subject, file string
		profile             string
		ignore              bool
		rule                int
	}{
		{"Newsletter <newsletter@lieferant.example>", "Neu", "a.pdf", "rechnung", true, 0},
		{"rechnung@lieferant.example", "RE 1", "RE-1.pdf", "rechnung", false, -1},
		{"abrechnung@netz.stadtwerke.example", "Ihr Abschlag März", "a.pdf", "post", false, 1},
		{"abrechnung@stadtwerke.example", "Rechnung", "a.pdf", "rechnung", false, -1},
		{"x@plattform.example", "", "rechnung.xml", "erechnung", false, 2},
		{"x@lieferant.example", "", "AGB 2026.pdf", "rechnung", true, 3},
		{"x@nichtlieferant.example", "", "AGB 2026.pdf", "rechnung", false, -1},
		{"kaputt <<", "", "a.pdf", "rechnung", false, -1},
	}
	for _, tc := range tests {
		d := Decide(acct, tc.from, tc.subject, tc.file)
		if d.Profile != tc.profile || d.Ignore != tc.ignore || d.Rule != tc.rule {
			t.Errorf("Decide(%q, %q, %q) = %+v, want profile %s ignore %v rule %d", tc.from, tc.subject, tc.file, d, tc.profile, tc.ignore, tc.rule)
		}
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name, mail string
		want       Header
	}{
		{"encoded", "From: =?UTF-8?Q?M=C3=BCller_GmbH?= <r@m.example>\r\nSubject: =?ISO-8859-1?Q?Rechnung_M=E4rz?=\r\nMessage-ID: <1@m>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0100\r\n\r\nx",
			Header{From: "Müller GmbH <r@m.example>", Subject: "Rechnung März", MessageID: "<1@m>", Date: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}},
		{"unknown charset kept raw", "From: a@b\r\nSubject: =?x-unknown?Q?abc?=\r\n\r\n", Header{From: "a@b", Subject: "=?x-unknown?Q?abc?="}},
		{"invalid utf-8 replaced", "From: a@b\r\nSubject: R\xe4chnung\r\n\r\n", Header{From: "a@b", Subject: "R\uFFFDchnung"}},
	}
	for _, tc := range tests {
		h, err := ReadHeader(strings.NewReader(tc.mail))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.From != tc.want.From || h.Subject != tc.want.Subject || h.MessageID != tc.want.MessageID || !h.Date.Equal(tc.want.Date) {
			t.Errorf("%s: got %+v, want %+v", tc.name, h, tc.want)
		}
	}
	if _, err := ReadHeader(strings.NewReader("")); err == nil {
		t.Error("empty input: want an error")
	}
}

func FuzzReadHeader(f *testing.F) {
	f.Add("From: a@b\r\nSubject: =?UTF-8?B?w6Q=?=\r\n\r\nbody")
	f.Add("Subject: =?ISO-8859-1?Q?M=E4rz?=\r\nDate: garbage\r\n\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ReadHeader(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, v := range h.Origin("a") {
			if !utf8.ValidString(v) {
				t.Fatalf("origin value not UTF-8: %q", v)
			}
		}
	})
}

func FuzzDecide(f *testing.F) {
	acct := config.MailAccount{Profile: "p", Rules: []config.MailRule{{From: "example.org", Filename: "*.pdf", Profile: "q"}, {Subject: "x", Ignore: true}}}
	f.Add("a@example.org", "Betreff", "a.pdf")
	f.Fuzz(func(t *testing.T, from, subject, file string) {
		d := Decide(acct, from, subject, file)
		if !d.Ignore && d.Profile == "" {
			t.Fatal("no profile")
		}
	})
}

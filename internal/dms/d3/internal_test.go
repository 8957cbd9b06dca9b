package d3

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/eingang/eingang/internal/dms"
)

func TestNormNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1234.50", "1234.50"}, {"1.234,50", "1234.50"}, {"1234,5", "1234.5"}, {" 12 ", "12"},
		{"1,234.50", "1234.50"}, {"-3.10", "-3.10"}, {"", ""}, {"abc", ""}, {"NaN", ""}, {"1e400", ""},
	}
	for _, tt := range tests {
		if got := normNumber(tt.in); got != tt.want {
			t.Errorf("normNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-12-31", "2026-12-31"}, {"20261231", "2026-12-31"}, {"31.12.2026", "2026-12-31"},
		{"2026-12-31T10:00:00+01:00", "2026-12-31"}, {"", ""}, {"31/12/2026", ""}, {"2026-02-30", ""},
	}
	for _, tt := range tests {
		if got := normDate(tt.in); got != tt.want {
			t.Errorf("normDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-5", 0, false}, {"soon", 0, false}, {"", 0, false},
		{"99999999999", 7 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIDFromLocation(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/dms/r/repo/o2m/D000000123?sourceid=%2Fdms%2Fr%2Frepo%2Fsource", "D000000123"},
		{"/dms/r/repo/o2m/P004597487", "P004597487"},
		{"https://t.d-velop.cloud/dms/r/repo/o2m/D1/", "D1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := idFromLocation(tt.in); got != tt.want {
			t.Errorf("idFromLocation(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		ct, body, want string
	}{
		{"application/json", `{"reason":"Sie müssen einen Grund angeben. [0004002]"}`, "Sie müssen einen Grund angeben. [0004002]"},
		{"application/json", `{"LocalizedMessage":"Nicht gefunden"}`, "Nicht gefunden"},
		{"text/plain; charset=utf-8", "Unauthorized\n", "Unauthorized"},
		{"text/html", "<html>oops</html>", ""},
		{"application/json", `{}`, ""},
	}
	for _, tt := range tests {
		r := &response{header: http.Header{"Content-Type": {tt.ct}}, body: []byte(tt.body)}
		if got := reason(r); got != tt.want {
			t.Errorf("reason(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "", "1e9", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := retryAfter(s, now)
		if d < 0 || d > 7*24*time.Hour || (!ok && d != 0) {
			t.Errorf("retryAfter(%q) = %s, %v", s, d, ok)
		}
	})
}

func FuzzIDFromLocation(f *testing.F) {
	for _, s := range []string{"/dms/r/r/o2m/D1?sourceid=x", "%zz", "/", "?", "a/b/c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := idFromLocation(s)
		if strings.ContainsAny(id, "?#") && !strings.ContainsAny(s, "%") {
			t.Errorf("id %q from %q keeps query", id, s)
		}
	})
}

func FuzzReason(f *testing.F) {
	f.Add("application/json", `{"reason":"x"}`)
	f.Add("text/plain", "\xff\xfe long text")
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := reason(&response{header: http.Header{"Content-Type": {ct}}, body: []byte(body)})
		if !utf8.ValidString(r) || utf8.RuneCountInString(r) > 501 {
			t.Errorf("reason = %q", r)
		}
	})
}

func FuzzNormNumber(f *testing.F) {
	for _, s := range []string{"1.234,50", "1,234.50", "-0", "1e5", ",", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normNumber(s)
		if n != "" && strings.ContainsAny(n, ", ") {
			t.Errorf("normNumber(%q) = %q", s, n)
		}
	})
}

func TestPDFName(t *testing.T) {
	tests := []struct{ tpl, source, want string }{
		{"", "scan_0001.tif", "scan_0001.pdf"},
		{"", `C:\Scans\brief.PDF`, "brief.PDF"},
		{"", "../../etc/passwd", "passwd.pdf"},
		{"RE {{x}}", "", "RE {{x}}.pdf"},
		{"", "a\nb.pdf", "ab.pdf"},
		{"", "", "0123456789abcdef.pdf"},
	}
	for _, tt := range tests {
		doc := &dms.Document{ID: "0123456789abcdef0123", SourceName: tt.source}
		if got := pdfName(tt.tpl, doc); got != tt.want {
			t.Errorf("pdfName(%q, %q) = %q, want %q", tt.tpl, tt.source, got, tt.want)
		}
	}
}

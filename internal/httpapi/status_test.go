package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
)

// statusJournal is a real journal with a day of a scan station: 55
// delivered letters, a failed scan with its German reason, a duplicate and
// an e-mailed invoice.
func statusJournal(t *testing.T) *sqlite.Journal {
	t.Helper()
	j, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ctx := context.Background()
	// Today: the page shows the documents of the day unless asked otherwise.
	now := time.Now()
	base := time.Date(now.Year(), now.Month(), now.Day(), 0, 5, 0, 0, time.Local)
	add := func(d journal.Document) {
		t.Helper()
		d.Updated = d.Created
		if _, _, err := j.Create(ctx, &d); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 55 {
		add(journal.Document{ID: fmt.Sprintf("%064d", i), SourceName: fmt.Sprintf("Brief-%02d.pdf", i), Profile: "post", State: journal.StateDelivered,
			Channel: config.ChannelFolder, Kind: "sonstiges", Target: &dms.Receipt{Target: "archiv", Ref: fmt.Sprintf("A-%d", i)}, Created: base.Add(time.Duration(i) * time.Minute)})
	}
	add(journal.Document{ID: "f" + strings.Repeat("1", 63), SourceName: "Scan_kaputt.pdf", Profile: "post", State: journal.StateFailed, Channel: config.ChannelFolder,
		Error: "Die Datei ist beschädigt und kann nicht gelesen werden. Bitte neu scannen. (pdf: file is corrupt)", Created: base.Add(2 * time.Hour),
		Events: []journal.Event{{Step: "intake", Outcome: "ok", Detail: "claimed from hot folder", Time: base.Add(2 * time.Hour)}, {Step: "ocr", Outcome: "failed", Detail: "pdf: file is corrupt", Time: base.Add(2*time.Hour + time.Second)}}})
	add(journal.Document{ID: "e" + strings.Repeat("2", 63), SourceName: "RE-4711.pdf", Profile: "rechnung", State: journal.StateDelivered, Channel: config.ChannelMail,
		Kind: "rechnung", Fields: map[string]string{"invoice_number": "RE-4711", "grand_total": "119.00", "seller_name": "Stadtwerke Musterstadt"}, Target: &dms.Receipt{Target: "d3", Ref: "D000000123"}, Created: base.Add(3 * time.Hour)})
	add(journal.Document{ID: "d" + strings.Repeat("4", 63), SourceName: "Scan_0815.pdf", Profile: "rechnung", State: journal.StateDelivered, Channel: config.ChannelFolder,
		Kind: "rechnung", Fields: map[string]string{"needs_review": "true", "review_reason": "Nettobetrag + Steuer ergibt nicht den Gesamtbetrag"}, Target: &dms.Receipt{Target: "d3", Ref: "D000000124"}, Created: base.Add(4 * time.Hour)})
	// Yesterday's post is not on today's page.
	add(journal.Document{ID: "a" + strings.Repeat("5", 63), SourceName: "Gestern.pdf", Profile: "post", State: journal.StateDelivered, Channel: config.ChannelFolder, Created: base.Add(-6 * time.Hour)})
	return j
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not installed (make test installs it)")
	}
	t.Skip("chromium not installed")
	return ""
}

// headless runs the browser on url and returns the DOM it rendered; with
// shot set it also writes a screenshot there.
func headless(t *testing.T, bin, url, shot string) string {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,1000"}
	if shot != "" {
		args = append(args, "--screenshot="+shot)
	} else {
		args = append(args, "--dump-dom")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", url, err)
	}
	return string(out)
}

// The status page in a real browser: German labels, the failed scan with
// its reason, filters, paging and the document page.
func TestStatusPageInChromium(t *testing.T) {
	bin := chromium(t)
	j := statusJournal(t)
	s := httptest.NewServer(New(Options{Documents: j, Profiles: []string{"post", "rechnung"}, Logger: slog.New(slog.DiscardHandler)}))
	defer s.Close()

	dom := headless(t, bin, s.URL+"/status/", "")
	for _, want := range []string{`lang="de"`, "Posteingang – Status der Dokumente", "Scan_kaputt.pdf", `class="failed">Fehler<`,
		`>zur Prüfung<`, "Nettobetrag + Steuer ergibt nicht den Gesamtbetrag",
		"Die Datei ist beschädigt und kann nicht gelesen werden.", "E-Mail", "an d3 (D000000123)", "Dokumente 1–50", "Nächste Seite", `<label for="state">`} {
		if !strings.Contains(dom, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(dom, "Vorherige Seite") || strings.Contains(dom, "Gestern.pdf") {
		t.Error("first page offers a previous page or shows yesterday's document")
	}
	dom = headless(t, bin, s.URL+"/status/?day=&page=2", "")
	if !strings.Contains(dom, "Gestern.pdf") {
		t.Error("an empty day does not show all days")
	}
	dom = headless(t, bin, s.URL+"/status/?page=2", "")
	if !strings.Contains(dom, "Dokumente 51–58") || !strings.Contains(dom, "Vorherige Seite") || strings.Contains(dom, "Nächste Seite") {
		t.Errorf("page 2 is not the last page of today's 58 documents")
	}
	dom = headless(t, bin, s.URL+"/status/?state=failed", "")
	if !strings.Contains(dom, "Scan_kaputt.pdf") || strings.Contains(dom, "Brief-01.pdf") || !strings.Contains(dom, `value="failed" selected`) {
		t.Error("state filter not applied or not shown as selected")
	}
	dom = headless(t, bin, s.URL+"/status/?channel=mail&q=4711", "")
	if !strings.Contains(dom, "RE-4711.pdf") || strings.Contains(dom, "Scan_kaputt.pdf") {
		t.Error("channel and search filter not applied")
	}
	dom = headless(t, bin, s.URL+"/status/?q=stadtwerke", "")
	if !strings.Contains(dom, "RE-4711.pdf") || strings.Contains(dom, "Scan_0815.pdf") {
		t.Error("search by sender does not find the invoice")
	}
	dom = headless(t, bin, s.URL+"/status/?day="+time.Now().AddDate(0, 0, 1).Format(time.DateOnly), "")
	if !strings.Contains(dom, "Keine Dokumente für diese Auswahl") {
		t.Error("a day without documents shows documents")
	}
	dom = headless(t, bin, s.URL+"/status/doc/f"+strings.Repeat("1", 63), "")
	for _, want := range []string{"<h1>Scan_kaputt.pdf</h1>", "Grund", "Bitte neu scannen.", "Verlauf", "pdf: file is corrupt", "Zurück zur Übersicht"} {
		if !strings.Contains(dom, want) {
			t.Errorf("document page lacks %q", want)
		}
	}
	shot := filepath.Join(t.TempDir(), "status.png")
	if dir := os.Getenv("EINGANG_SCREENSHOTS"); dir != "" {
		shot = filepath.Join(dir, "status.png")
	}
	headless(t, bin, s.URL+"/status/", shot)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
}

// The status page is behind the same authentication as the API (viewer),
// and user-supplied names are escaped.
func TestStatusPageAuthAndEscaping(t *testing.T) {
	j := statusJournal(t)
	if _, _, err := j.Create(context.Background(), &journal.Document{ID: "c" + strings.Repeat("3", 63), SourceName: `<script>alert(1)</script>.pdf`,
		Profile: "post", State: journal.StateReceived, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	s := httptest.NewServer(New(Options{Documents: j, Logger: slog.New(slog.DiscardHandler),
		Users: []config.User{{Name: "leser", BcryptHash: string(hash), Roles: []string{config.RoleViewer}}, {Name: "hoch", BcryptHash: string(hash), Roles: []string{config.RoleUpload}}}}))
	defer s.Close()
	if code, _ := get(t, s.URL+"/status/", "", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", code)
	}
	if code, _ := get(t, s.URL+"/status/", "hoch", "geheim"); code != http.StatusForbidden {
		t.Errorf("upload-only user: %d", code)
	}
	code, body := get(t, s.URL+"/status/", "leser", "geheim")
	if code != 200 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("viewer: %d, escaping wrong", code)
	}
	if code, body := get(t, s.URL+"/status/doc/nope", "leser", "geheim"); code != 404 || !strings.Contains(body, "nicht bekannt") {
		t.Errorf("unknown document: %d %s", code, body)
	}
}

// A split batch is shown with its German state and the number of its
// parts; its parts keep the usual notes.
func TestSplitBatchLabelAndNote(t *testing.T) {
	tests := []struct {
		name        string
		doc         journal.Document
		label, note string
	}{
		{"batch", journal.Document{State: journal.StateSplit, Parts: []string{"a", "b", "c"}}, "aufgeteilt", "Stapel, aufgeteilt in 3 Dokumente"},
		{"delivered part", journal.Document{State: journal.StateDelivered, Batch: &journal.BatchRef{ID: "b", Part: 2, Pages: "3-4"},
			Target: &dms.Receipt{Target: "archive", Ref: "r"}}, "zugestellt", "an archive (r)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stateOf(tt.doc); got != tt.label {
				t.Errorf("label %q, want %q", got, tt.label)
			}
			if got := note(tt.doc); got != tt.note {
				t.Errorf("note %q, want %q", got, tt.note)
			}
		})
	}
}

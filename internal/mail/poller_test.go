package mail

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/testenv"
)

func pdf(tag string) string {
	return "%PDF-1.4\n% " + tag + "\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
}

func b64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	return b.String() + enc
}

type part struct{ header, body string }

func attachment(name, content string) part {
	return part{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64", b64(content)}
}

func message(id, from, subject string, closing bool, parts ...part) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: rechnung@kreis.example\r\nSubject: %s\r\nDate: Mon, 7 Dec 2026 09:00:00 +0100\r\nMessage-ID: <%s@lieferant.example>\r\nMIME-Version: 1.0\r\n", from, subject, id)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nSehr geehrte Damen und Herren,\r\n")
	for _, p := range parts {
		b.WriteString("--BB\r\n" + p.header + "\r\n\r\n" + p.body + "\r\n")
	}
	if closing {
		b.WriteString("--BB--\r\n")
	}
	return b.String()
}

func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write([]byte(files[n]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// recorder registers claims in a real journal, as the pipeline does.
type recorder struct {
	j  *sqlite.Journal
	mu sync.Mutex
	// claims by source name
	claims []intake.Claim
}

func (r *recorder) HandleClaim(ctx context.Context, c intake.Claim) error {
	b, err := os.ReadFile(c.Path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	id := hex.EncodeToString(sum[:])
	state := journal.StateReceived
	if c.Problem != nil {
		state, id = journal.StateFailed, id+"-failed-"+filepath.Base(c.Path)
	}
	if _, _, err := r.j.Create(ctx, &journal.Document{ID: id, SourceName: c.SourceName, Profile: c.Profile, State: state,
		Channel: c.Channel, Origin: c.Origin, Fields: c.Metadata}); err != nil {
		return err
	}
	r.mu.Lock()
	r.claims = append(r.claims, c)
	r.mu.Unlock()
	return nil
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.claims {
		s := c.Profile + ":" + c.SourceName
		if c.Problem != nil {
			s += " (" + intake.RejectReason(c.Problem) + ")"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

type memLease struct {
	mu      sync.Mutex
	holders map[string]string
}

func (l *memLease) Acquire(_ context.Context, key, holder string, _ time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holders == nil {
		l.holders = map[string]string{}
	}
	if h, ok := l.holders[key]; ok && h != holder {
		return false, nil
	}
	l.holders[key] = holder
	return true, nil
}

func (l *memLease) Release(_ context.Context, key, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holders[key] == holder {
		delete(l.holders, key)
	}
	return nil
}

func appendMails(t *testing.T, d *testenv.Dovecot, folder string, mails ...string) {
	t.Helper()
	d.Append(t, folder, mails...)
}

func folderCounts(t *testing.T, d *testenv.Dovecot, folders ...string) map[string]uint32 {
	t.Helper()
	return d.Count(t, folders...)
}

type fixture struct {
	d    *testenv.Dovecot
	j    *sqlite.Journal
	rec  *recorder
	opts Options
}

func newFixture(t *testing.T, rules ...config.MailRule) *fixture {
	t.Helper()
	d := testenv.StartDovecot(t)
	dir := t.TempDir()
	j, err := sqlite.Open(context.Background(), filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	rec := &recorder{j: j}
	acct := config.MailAccount{Name: "rechnung", URL: d.URL(), Username: d.User, Profile: "rechnung", Rules: rules}
	return &fixture{d: d, j: j, rec: rec, opts: Options{
		Account: acct, Password: d.Password, ClaimDir: filepath.Join(dir, "claims"), WorkDir: filepath.Join(dir, "mail"),
		MaxFileSize: 64 << 10, Handler: rec, Journal: j, Lease: &memLease{}, BatchSize: 3,
	}}
}

func (f *fixture) poll(t *testing.T) {
	t.Helper()
	p := New(f.opts)
	c, err := p.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.Logout()
	f.opts.Lease.Release(context.Background(), p.leaseKey(), p.holder)
}

func TestPollImportsAndSortsMails(t *testing.T) {
	f := newFixture(t,
		config.MailRule{From: "spam.example", Ignore: true},
		config.MailRule{Filename: "*.xml", Profile: "erechnung", Metadata: map[string]string{"eingangskanal": "xrechnung"}},
	)
	big := pdf(strings.Repeat("x", 70<<10))
	forwarded := "From: a@b.example\r\nDate: Mon, 7 Dec 2026 08:00:00 +0100\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n" +
		"--YY\r\nContent-Type: application/pdf; name=\"weitergeleitet.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(pdf("fw")) + "\r\n--YY--\r\n"
	appendMails(t, f.d, "INBOX",
		message("1", "Lieferant <rechnung@lieferant.example>", "Rechnung 4711", true, attachment("RE-4711.pdf", pdf("1"))),
		message("2", "xr@plattform.example", "XRechnung", true, attachment("rechnung.xml", `<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`)),
		message("3", "a@lieferant.example", "ZIP", true, attachment("Rechnungen.zip", zipOf(t, map[string]string{"a.pdf": pdf("z1"), "b.pdf": pdf("z2")}))),
		message("4", "a@lieferant.example", "inline", true, part{"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64", b64(pdf("inline"))}),
		message("5", "a@lieferant.example", "weitergeleitet", true, part{"Content-Type: message/rfc822", forwarded}),
		message("6", "a@lieferant.example", "nur Text", true),
		message("7", "a@lieferant.example", "kaputt", false, part{"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64", "%%%%"}),
		message("8", "a@lieferant.example", "zu gross", true, attachment("gross.pdf", big)),
		message("9", "werbung@spam.example", "Angebot", true, attachment("flyer.pdf", pdf("spam"))),
	)
	f.poll(t)
	want := []string{
		"erechnung:rechnung.xml",
		"rechnung:RE-4711.pdf",
		"rechnung:Rechnungen.zip__a.pdf",
		"rechnung:Rechnungen.zip__b.pdf",
		"rechnung:anhang-1",
		"rechnung:kaputt.eml (unreadable)",
		"rechnung:nur Text.eml (unreadable)",
		"rechnung:weitergeleitet.pdf",
		"rechnung:zu gross.eml (too_large)",
	}
	if got := f.rec.names(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("claims:\n got %q\nwant %q", got, want)
	}
	counts := folderCounts(t, f.d, "INBOX", "Verarbeitet", "Fehler")
	if counts["INBOX"] != 0 || counts["Verarbeitet"] != 6 || counts["Fehler"] != 3 {
		t.Errorf("folders: %v, want INBOX 0, Verarbeitet 6, Fehler 3", counts)
	}
	for _, c := range f.rec.claims {
		if c.Channel != config.ChannelMail || c.Origin["account"] != "rechnung" || c.Origin["message_id"] == "" || c.Origin["date"] != "2026-12-07T08:00:00Z" {
			t.Errorf("%s: channel %q origin %v", c.SourceName, c.Channel, c.Origin)
		}
		if c.SourceName == "rechnung.xml" && c.Metadata["eingangskanal"] != "xrechnung" {
			t.Errorf("rule metadata missing: %v", c.Metadata)
		}
	}
	// A second poll finds nothing new and downloads nothing again.
	n := len(f.rec.claims)
	f.poll(t)
	if len(f.rec.claims) != n {
		t.Errorf("second poll registered %d more", len(f.rec.claims)-n)
	}
}

func TestReReadAfterCrashIsDeduplicated(t *testing.T) {
	f := newFixture(t)
	mail := message("1", "a@lieferant.example", "Rechnung", true, attachment("RE-1.pdf", pdf("1")), attachment("RE-2.pdf", pdf("2")))
	appendMails(t, f.d, "INBOX", mail)
	f.poll(t)
	// The crash: the documents were registered, the MOVE never happened,
	// the mailbox state was lost.
	appendMails(t, f.d, "INBOX", mail)
	if err := f.j.SetMailboxState(context.Background(), "rechnung", "INBOX", 0, 0); err != nil {
		t.Fatal(err)
	}
	f.poll(t)
	if got := f.rec.names(); len(got) != 2 {
		t.Errorf("claims after re-read: %q, want the two of the first read", got)
	}
	if c := folderCounts(t, f.d, "INBOX", "Verarbeitet"); c["INBOX"] != 0 || c["Verarbeitet"] != 2 {
		t.Errorf("folders: %v", c)
	}
}

// failing refuses registration (journal or disk trouble).
type failing struct{ intake.Handler }

func (failing) HandleClaim(context.Context, intake.Claim) error { return fmt.Errorf("disk full") }

func TestMailStaysWhenRegistrationFails(t *testing.T) {
	f := newFixture(t)
	appendMails(t, f.d, "INBOX", message("1", "a@lieferant.example", "Rechnung", true, attachment("RE-1.pdf", pdf("1"))))
	good := f.opts.Handler
	f.opts.Handler = failing{}
	f.poll(t)
	if c := folderCounts(t, f.d, "INBOX", "Verarbeitet"); c["INBOX"] != 1 || c["Verarbeitet"] != 0 {
		t.Fatalf("folders after failed registration: %v", c)
	}
	f.opts.Handler = good
	f.poll(t)
	if c := folderCounts(t, f.d, "INBOX", "Verarbeitet"); c["INBOX"] != 0 || c["Verarbeitet"] != 1 {
		t.Errorf("folders after retry: %v", c)
	}
	if got := f.rec.names(); len(got) != 1 {
		t.Errorf("claims: %q", got)
	}
}

func TestLeaseHeldElsewhereMeansNoPoll(t *testing.T) {
	f := newFixture(t)
	appendMails(t, f.d, "INBOX", message("1", "a@lieferant.example", "Rechnung", true, attachment("RE-1.pdf", pdf("1"))))
	lease := f.opts.Lease.(*memLease)
	if ok, _ := lease.Acquire(context.Background(), "eingang:mail:lease:rechnung", "other", LeaseTTL); !ok {
		t.Fatal("lease not taken")
	}
	f.opts.Account.PollInterval = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(f.opts).Run(ctx); close(done) }()
	time.Sleep(500 * time.Millisecond)
	if got := f.rec.names(); len(got) != 0 {
		t.Errorf("a poller without the lease imported %q", got)
	}
	lease.Release(context.Background(), "eingang:mail:lease:rechnung", "other")
	deadline := time.Now().Add(10 * time.Second)
	for len(f.rec.names()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	if got := f.rec.names(); len(got) != 1 {
		t.Errorf("after the lease was free: %q", got)
	}
}

func TestUIDValidityChangeRescans(t *testing.T) {
	f := newFixture(t)
	appendMails(t, f.d, "INBOX", message("1", "a@lieferant.example", "Rechnung", true, attachment("RE-1.pdf", pdf("1"))))
	// A state from another UIDVALIDITY with a last UID far ahead must not
	// make the poller skip the mail.
	if err := f.j.SetMailboxState(context.Background(), "rechnung", "INBOX", 1, 1000); err != nil {
		t.Fatal(err)
	}
	f.poll(t)
	if got := f.rec.names(); len(got) != 1 {
		t.Errorf("claims: %q", got)
	}
}

func TestCheckLogsInAndNamesMissingFolders(t *testing.T) {
	f := newFixture(t)
	notes, err := New(f.opts).Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "Verarbeitet") || !strings.Contains(notes[1], "Fehler") {
		t.Errorf("notes: %q", notes)
	}
	f.opts.Password = "falsch-geheim"
	_, err = New(f.opts).Check(context.Background())
	if err == nil {
		t.Fatal("wrong password: Check succeeded")
	}
	if strings.Contains(err.Error(), "falsch-geheim") {
		t.Errorf("the password is in the error: %v", err)
	}
}

// The server restarts while the poller runs: the poller reconnects at the
// next interval and nothing is lost or imported twice.
func TestServerRestartWhileRunning(t *testing.T) {
	f := newFixture(t)
	f.opts.Account.PollInterval = 200 * time.Millisecond
	appendMails(t, f.d, "INBOX", message("1", "a@lieferant.example", "R1", true, attachment("RE-1.pdf", pdf("1"))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { New(f.opts).Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitClaims := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for len(f.rec.names()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("claims %q, want %d", f.rec.names(), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitClaims(1)
	f.d.Restart(t)
	appendMails(t, f.d, "INBOX", message("2", "a@lieferant.example", "R2", true, attachment("RE-2.pdf", pdf("2"))))
	waitClaims(2)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c := folderCounts(t, f.d, "INBOX", "Verarbeitet")
		if c["INBOX"] == 0 && c["Verarbeitet"] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("folders %v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := f.rec.names(); len(got) != 2 {
		t.Errorf("claims %q", got)
	}
}

// TLS both ways the account offers, against a server whose certificate
// comes from the administration's own CA: trusted through ca_file, and
// refused without it.
func TestTLSWithOwnCA(t *testing.T) {
	d := testenv.StartDovecotTLS(t)
	dir := t.TempDir()
	yes := true
	for _, tt := range []struct {
		name    string
		acct    config.MailAccount
		wantErr string
	}{
		{"imaps with ca_file", config.MailAccount{URL: "imaps://" + d.TLSAddr, CAFile: d.CAFile}, ""},
		{"starttls with ca_file", config.MailAccount{URL: d.URL(), StartTLS: &yes, CAFile: d.CAFile}, ""},
		{"imaps without ca_file", config.MailAccount{URL: "imaps://" + d.TLSAddr}, "certificate"},
		{"starttls without ca_file", config.MailAccount{URL: d.URL(), StartTLS: &yes}, "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			acct := tt.acct
			acct.Name, acct.Username, acct.Profile = "rechnung", d.User, "rechnung"
			p := New(Options{Account: acct, Password: d.Password, ClaimDir: filepath.Join(dir, "claims"), WorkDir: filepath.Join(dir, "mail"),
				MaxFileSize: 64 << 10, Handler: &recorder{}, Lease: &memLease{}})
			_, err := p.Check(context.Background())
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Check: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Check: %v, want an error about the %s", err, tt.wantErr)
			}
		})
	}
}

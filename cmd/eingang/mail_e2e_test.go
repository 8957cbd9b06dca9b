package main

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

func mb64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var s strings.Builder
	for len(enc) > 76 {
		s.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	return s.String() + enc
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testMail builds a mail with parts given as complete MIME part texts.
func testMail(id, subject string, closing bool, parts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Lieferant GmbH <rechnung@lieferant.example>\r\nTo: rechnung@kreis.example\r\nSubject: %s\r\n"+
		"Date: Mon, 7 Dec 2026 09:00:00 +0100\r\nMessage-ID: <%s@lieferant.example>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nAnbei.\r\n", subject, id)
	for _, p := range parts {
		b.WriteString("--BB\r\n" + p + "\r\n")
	}
	if closing {
		b.WriteString("--BB--\r\n")
	}
	return b.String()
}

func attached(name string, content []byte) string {
	return "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + mb64(content)
}

// mailInstance is an eingang serve with one mail account on dovecot.
func mailInstance(t *testing.T, redisURL string, d *testenv.Dovecot, maxSize string) *instance {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "imap-pw")
	if err := os.WriteFile(pw, []byte(d.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := newInstanceWith(t, redisURL, fmt.Sprintf(`mail:
  accounts:
    - {name: rechnung, url: "%s", username: "%s", password_file: %s, profile: rechnung, poll_interval: 2s}
`, d.URL(), d.User, pw))
	if maxSize != "" {
		b := readFile(t, in.cfg)
		b = bytes.Replace(b, []byte("intake: {stability_delay: 1s, rescan_interval: 1s}"),
			[]byte("intake: {stability_delay: 1s, rescan_interval: 1s, max_file_size: "+maxSize+"}"), 1)
		if err := os.WriteFile(in.cfg, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func mailDocs(in *instance) []journal.Document {
	var out []journal.Document
	for _, d := range in.documents() {
		if d.Channel == "mail" {
			out = append(out, d)
		}
	}
	return out
}

// TestMailEndToEnd: a mailbox with the kinds of mail suppliers and
// platforms send, read by eingang serve from dovecot.
func TestMailEndToEnd(t *testing.T) {
	redis := testenv.StartRedis(t)
	d := testenv.StartDovecot(t)
	scanPDF := corpusScans(t, 1, false, 1)[0]
	xml := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && strings.HasPrefix(e.Kind, "ubl") }, 1)[0]
	pdfs := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && e.Kind == "facturx-pdf" }, 5)
	var tiff string
	dir := testenv.Corpus(t, "scans")
	for _, n := range []string{"scan-0006.tif"} {
		tiff = filepath.Join(dir, n)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for i, e := range pdfs[3:5] {
		w, _ := zw.Create(fmt.Sprintf("RE-zip-%d.pdf", i+1))
		w.Write(readFile(t, e.File))
	}
	zw.Close()
	big := make([]byte, 3<<20)
	rand.Read(big)
	big = append([]byte("%PDF-1.4\n"), big...)
	forwarded := "Content-Type: message/rfc822\r\n\r\nFrom: a@b.example\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n" +
		"--YY\r\nContent-Type: application/pdf; name=\"weitergeleitet.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + mb64(readFile(t, pdfs[2].File)) + "\r\n--YY--"
	d.Append(t, "INBOX",
		testMail("scan", "Rechnung gescannt", true, attached("scan.pdf", readFile(t, scanPDF.File))),
		testMail("xml", "XRechnung", true, attached("xrechnung.xml", readFile(t, xml.File))),
		testMail("zugferd", "ZUGFeRD", true, attached("zugferd.pdf", readFile(t, pdfs[0].File))),
		testMail("tiff", "TIFF", true, attached("scan.tif", readFile(t, tiff))),
		testMail("zip", "ZIP", true, attached("Rechnungen.zip", zbuf.Bytes())),
		testMail("inline", "inline", true, "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"+mb64(readFile(t, pdfs[1].File))),
		testMail("fwd", "weitergeleitet", true, forwarded),
		testMail("text", "nur Text", true),
		testMail("broken", "kaputt", false, "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!"),
		testMail("big", "zu gross", true, attached("gross.pdf", big)),
	)
	in := mailInstance(t, redis.URL(), d, "3145728")
	in.start()
	wantDelivered := []string{"scan.pdf", "xrechnung.xml", "zugferd.pdf", "scan.tif", "Rechnungen.zip__RE-zip-1.pdf", "Rechnungen.zip__RE-zip-2.pdf", "anhang-1", "weitergeleitet.pdf"}
	wantFailed := []string{"nur Text.eml", "kaputt.eml", "zu gross.eml"}
	deadline := time.Now().Add(5 * time.Minute)
	var docs []journal.Document
	for {
		docs = mailDocs(in)
		done := 0
		for _, x := range docs {
			if x.Terminal() {
				done++
			}
		}
		if done >= len(wantDelivered)+len(wantFailed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d mail documents finished: %+v", done, len(wantDelivered)+len(wantFailed), docs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	byName := map[string]journal.Document{}
	for _, x := range docs {
		if _, dup := byName[x.SourceName]; dup {
			t.Errorf("%s twice", x.SourceName)
		}
		byName[x.SourceName] = x
	}
	for _, n := range wantDelivered {
		x, ok := byName[n]
		if !ok || x.State != journal.StateDelivered {
			t.Errorf("%s: %+v", n, x)
			continue
		}
		if x.Origin["account"] != "rechnung" || x.Origin["from"] != "Lieferant GmbH <rechnung@lieferant.example>" || x.Origin["message_id"] == "" {
			t.Errorf("%s: origin %v", n, x.Origin)
		}
		var meta struct {
			Channel string            `json:"channel"`
			Origin  map[string]string `json:"origin"`
		}
		if err := json.Unmarshal([]byte(readFile(t, archived(t, in.root, x.ID, ".json"))), &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Channel != "mail" || meta.Origin["subject"] != x.Origin["subject"] {
			t.Errorf("%s: archive metadata channel %q origin %v", n, meta.Channel, meta.Origin)
		}
	}
	for _, n := range wantFailed {
		x, ok := byName[n]
		if !ok || x.State != journal.StateFailed || x.Error == "" {
			t.Errorf("%s: %+v", n, x)
		}
	}
	if !strings.Contains(byName["nur Text.eml"].Error, "keinen Anhang") {
		t.Errorf("nothing usable: reason %q", byName["nur Text.eml"].Error)
	}
	if c := d.Count(t, "INBOX", "Verarbeitet", "Fehler"); c["INBOX"] != 0 || c["Verarbeitet"] != 7 || c["Fehler"] != 3 {
		t.Errorf("folders %v, want INBOX 0, Verarbeitet 7, Fehler 3", c)
	}
	if strings.Contains(in.output.String(), d.Password) || strings.Contains(in.output.String(), "lieferant.example") {
		t.Errorf("password or mail address in the log:\n%s", in.output.String())
	}
}

// TestMailCrashAndTwoPollers: eingang is killed in the middle of an
// import, restarted next to a watch process on the same mailbox, then
// Dovecot restarts under both; every attachment becomes exactly one
// document and every mail is moved.
func TestMailCrashAndTwoPollers(t *testing.T) {
	redis := testenv.StartRedis(t)
	d := testenv.StartDovecot(t)
	const n = 40
	want := map[string]bool{}
	var mails []string
	for i := range n {
		// Unsupported content inside a PDF envelope: intake takes it, the
		// pipeline fails it fast; what counts is one record per content.
		body := []byte(fmt.Sprintf("%%PDF-1.4\n%% mail %d\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n", i))
		sum := sha256.Sum256(body)
		want[hex.EncodeToString(sum[:])] = true
		mails = append(mails, testMail(fmt.Sprint("crash", i), fmt.Sprint("Rechnung ", i), true, attached(fmt.Sprintf("RE-%d.pdf", i), body)))
	}
	d.Append(t, "INBOX", mails...)
	in := mailInstance(t, redis.URL(), d, "")
	in.start()
	deadline := time.Now().Add(2 * time.Minute)
	for len(mailDocs(in)) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no import started:\n%s", in.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.kill()
	in.start()
	// The serve above holds http.addr; this watch needs no listener.
	watch := exec.Command(binPath, "watch", "--config", in.cfg, "--http", "off")
	var wout strings.Builder
	watch.Stdout, watch.Stderr = &wout, &wout
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		watch.Process.Signal(syscall.SIGTERM)
		watch.Wait()
		if t.Failed() {
			t.Logf("watch output:\n%s", wout.String())
		}
	}()
	// Restart Dovecot while the two are importing: both lose their
	// connection in the middle of a poll and must reconnect. Mails that
	// arrive after the restart prove they did.
	deadline = time.Now().Add(2 * time.Minute)
	for d.Count(t, "Verarbeitet")["Verarbeitet"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing imported after the restart of eingang:\n%s", in.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	midPoll := d.Count(t, "INBOX")["INBOX"] > 0
	d.Restart(t)
	t.Logf("Dovecot restarted with mails still in INBOX: %v", midPoll)
	var late []string
	for i := range 5 {
		body := []byte(fmt.Sprintf("%%PDF-1.4\n%% late mail %d\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n", i))
		sum := sha256.Sum256(body)
		want[hex.EncodeToString(sum[:])] = true
		late = append(late, testMail(fmt.Sprint("late", i), fmt.Sprint("Nachzügler ", i), true, attached(fmt.Sprintf("NZ-%d.pdf", i), body)))
	}
	d.Append(t, "INBOX", late...)
	deadline = time.Now().Add(3 * time.Minute)
	for {
		c := d.Count(t, "INBOX", "Verarbeitet")
		if c["INBOX"] == 0 && c["Verarbeitet"] == uint32(n+len(late)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("folders %v after 3 minutes", c)
		}
		time.Sleep(250 * time.Millisecond)
	}
	seen := map[string]int{}
	for _, x := range mailDocs(in) {
		if x.State == journal.StateDuplicate {
			t.Errorf("duplicate record %s (%s) of %s", x.ID, x.SourceName, x.DuplicateOf)
			continue
		}
		seen[x.ID]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("content %s: %d documents, want 1", id[:12], seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d documents, want %d", len(seen), len(want))
	}
}

package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// peerOutcome is what must become of one sample file of the peers corpus
// (another intake project's test suite) dropped into an inbox.
type peerOutcome struct {
	state  string // journal.StateDelivered or journal.StateFailed
	reason string // for failures: words the German reason file must contain
	why    string
}

const (
	unsupported = "nicht unterstützt"
	locked      = "passwortgeschützt"
)

// peerExpectations lists every file under peers/paperless-ngx/src/ by the
// end of its path ("*/name" or "*.ext"), first match wins. Delivered covers duplicates: identical bytes
// under two names are one document, delivered once.
var peerExpectations = []struct {
	glob string
	peerOutcome
}{
	{"*/invalid_pdf.pdf", peerOutcome{journal.StateDelivered, "", "a page tree without /Count: poppler reads it, qpdf repairs it"}},
	{"*/password-is-test.pdf", peerOutcome{journal.StateFailed, locked, "needs the user password \"test\" to open"}},
	{"*/tesseract/encrypted.pdf", peerOutcome{journal.StateFailed, locked, "needs a user password to open"}},
	{"*/tesseract/signed.pdf", peerOutcome{journal.StateDelivered, "", "encrypted without a user password and signed: recognised, delivered byte for byte"}},
	{"*.pdf", peerOutcome{journal.StateDelivered, "", "a PDF every viewer opens: born-digital, scanned, mixed, with forms, barcodes or odd image dictionaries"}},
	{"*.tif", peerOutcome{journal.StateDelivered, "", "scan"}},
	{"*.tiff", peerOutcome{journal.StateDelivered, "", "scan, also multi-page, with alpha, and JPEG-compressed RGBA"}},
	{"*.png", peerOutcome{journal.StateDelivered, "", "image, with or without alpha and resolution"}},
	{"*.jpg", peerOutcome{journal.StateDelivered, "", "photo or scan"}},
	{"*.gif", peerOutcome{journal.StateDelivered, "", "image"}},
	{"*.bmp", peerOutcome{journal.StateDelivered, "", "image"}},
	{"*.webp", peerOutcome{journal.StateDelivered, "", "phone photo or thumbnail"}},
	{"*.heic", peerOutcome{journal.StateDelivered, "", "iPhone photo"}},
	{"*.txt", peerOutcome{journal.StateFailed, unsupported, "plain text is no document format eingang takes"}},
	{"*.md", peerOutcome{journal.StateFailed, unsupported, "plain text"}},
	{"*.html", peerOutcome{journal.StateFailed, unsupported, "a web page, not a document"}},
	{"*/broken.eml", peerOutcome{journal.StateFailed, unsupported, "one line of text, no mail header"}},
	{"*/html.eml", peerOutcome{journal.StateDelivered, "", "a saved mail: its inline PNG becomes a document, the .txt attachment is left out"}},
	{"*.eml", peerOutcome{journal.StateFailed, "keinen Anhang", "a saved mail with only a text body: nothing to take, and it says so"}},
	{"*.zip", peerOutcome{journal.StateDelivered, "", "an archive: unpacked into the inbox, its simple.pdf then a duplicate of the sample of that name"}},
	{"*/multi-part-broken.odt", peerOutcome{journal.StateDelivered, "", "the file is sound (\"broken\" is paperless' Tika multipart upload it tests): LibreOffice renders its text and picture"}},
	{"*.odt", peerOutcome{journal.StateDelivered, "", "OpenDocument text: LibreOffice converts it to PDF at ingest"}},
	{"*.doc", peerOutcome{journal.StateDelivered, "", "Word 97-2003: LibreOffice converts it to PDF at ingest"}},
	{"*.docx", peerOutcome{journal.StateDelivered, "", "Word: LibreOffice converts it to PDF at ingest"}},
}

func expectPeer(rel string) (peerOutcome, bool) {
	for _, e := range peerExpectations {
		if strings.HasSuffix(rel, strings.TrimPrefix(e.glob, "*")) {
			return e.peerOutcome, true
		}
	}
	return peerOutcome{}, false
}

// TestPeersThroughTheInbox drops every sample file of the peers corpus
// into one inbox of a running eingang: each must end delivered (or as the
// duplicate of an identical file) or failed with the right German reason
// in its reason file, none may stay in processing, and the process must
// survive them all. eingang inspect must then say the same of each.
func TestPeersThroughTheInbox(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	src := filepath.Join(testenv.Corpus(t, "peers"), "paperless-ngx", "src")
	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - {name: post, folder: %[1]s/inbox/post, create: true, kind: auto, target: archive}
`)
	in.start()
	inbox := filepath.Join(in.root, "inbox", "post")
	type sample struct {
		rel, name string
		want      peerOutcome
		sum       [32]byte
	}
	var samples []sample
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		want, ok := expectPeer(rel)
		if !ok {
			t.Errorf("%s: no expectation in the table", rel)
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		samples = append(samples, sample{rel: rel, name: strings.ReplaceAll(rel, string(filepath.Separator), "__"), want: want, sum: sha256.Sum256(data)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		copyFile(t, filepath.Join(src, s.rel), filepath.Join(inbox, s.name))
	}
	// Wait for the samples by name: members of an archive become
	// documents of their own and would make a count finish too early.
	var final map[string]journal.Document
	for deadline := time.Now().Add(20 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		final = map[string]journal.Document{}
		for _, d := range in.documents() {
			if d.Terminal() {
				final[d.SourceName] = d
			}
		}
		missing := 0
		for _, s := range samples {
			if _, ok := final[s.name]; !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
	}
	if in.cmd.ProcessState != nil {
		t.Fatalf("eingang exited: %v", in.cmd.ProcessState)
	}
	if strings.Contains(in.output.String(), "panic") {
		t.Errorf("eingang's output mentions a panic")
	}

	bySum := map[[32]byte][]sample{}
	for _, s := range samples {
		bySum[s.sum] = append(bySum[s.sum], s)
	}
	var delivered, failed, dups int
	for _, group := range bySum {
		sort.Slice(group, func(i, j int) bool { return group[i].name < group[j].name })
		reached := 0
		for _, s := range group {
			d, ok := final[s.name]
			if !ok {
				t.Errorf("%s: not finished (stuck?)", s.rel)
				continue
			}
			switch {
			case d.State == journal.StateDuplicate && len(group) > 1:
				dups++
				continue
			case d.State != s.want.state:
				t.Errorf("%s: %s (%s), want %s: %s", s.rel, d.State, d.Error, s.want.state, s.want.why)
				continue
			}
			reached++
			if d.State == journal.StateDelivered {
				delivered++
				continue
			}
			failed++
			reason, err := os.ReadFile(filepath.Join(in.root, "error", s.name+".error.txt"))
			if err != nil {
				t.Errorf("%s: no reason file: %v", s.rel, err)
				continue
			}
			clerk, _, _ := strings.Cut(string(reason), "Technische Details")
			if !strings.Contains(clerk, s.want.reason) {
				t.Errorf("%s: reason for the clerk lacks %q (%s):\n%s", s.rel, s.want.reason, s.want.why, reason)
			}
		}
		if reached == 0 && len(group) > 0 {
			t.Errorf("%s and its copies: none reached %s", group[0].rel, group[0].want.state)
		}
	}
	// The archive's member is a document too, and its content is a
	// sample's: it ends as that sample's duplicate.
	member, ok := final["documents__tests__samples__simple.zip__simple.pdf"]
	if !ok || member.State != journal.StateDuplicate {
		t.Errorf("member of simple.zip: %+v, want a duplicate of simple.pdf", member)
	}
	t.Logf("%d samples: %d delivered, %d duplicates of identical files, %d failed with the expected reason", len(samples), delivered, dups, failed)

	// eingang inspect on each file says what serve did with it.
	for _, s := range samples {
		code, o, errs := runInspect(t, "--config", in.cfg, "--profile", "post", filepath.Join(src, s.rel))
		switch {
		case s.want.state == journal.StateDelivered && code != 0:
			t.Errorf("inspect %s: exit %d (%s: %s), serve delivered it", s.rel, code, o.FailedStep, o.Error+errs)
		case s.want.state == journal.StateFailed && (code != 1 || !strings.Contains(o.ErrorDE, s.want.reason)):
			t.Errorf("inspect %s: exit %d, reason %q; serve failed it with %q", s.rel, code, o.ErrorDE, s.want.reason)
		}
	}
}

// TestPeersThroughOCR runs eingang ocr on every sample of the peers
// corpus: a scan or image that serve delivers becomes a PDF that qpdf
// finds free of errors, a file serve refuses is refused with the same
// German reason, and a file serve takes only through an inbox (office
// documents, mails, archives) is refused with a sentence saying so.
func TestPeersThroughOCR(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	src := filepath.Join(testenv.Corpus(t, "peers"), "paperless-ngx", "src")
	qpdf := testenv.Tool(t, "qpdf")
	const notAScan = "kein Scan"
	inboxOnly := []string{".odt", ".doc", ".docx", ".eml", ".zip"}
	out := t.TempDir()
	n := 0
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		want, ok := expectPeer(rel)
		if !ok {
			return nil // TestPeersThroughTheInbox reports it
		}
		reason := want.reason
		if slices.Contains(inboxOnly, filepath.Ext(rel)) && want.reason != unsupported {
			reason = notAScan
		}
		pdf := filepath.Join(out, fmt.Sprintf("%03d.pdf", n))
		n++
		var stdout, stderr strings.Builder
		code := run(context.Background(), []string{"ocr", path, "-o", pdf}, &stdout, &stderr)
		switch {
		case reason == "" && code != 0:
			t.Errorf("ocr %s: exit %d: %s", rel, code, stderr.String())
		case reason == "":
			// qpdf exits 2 for errors and 3 for warnings only; warnings the
			// input already has (a free object at offset 0) may stay.
			if err := exec.Command(qpdf, "--check", pdf).Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
					t.Errorf("ocr %s: qpdf --check: %v", rel, err)
				}
			}
		case code != 1 || !strings.Contains(stderr.String(), reason):
			t.Errorf("ocr %s: exit %d, want 1 with %q (%s):\n%s", rel, code, reason, want.why, stderr.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("eingang ocr on %d samples", n)
}

package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// TestRTFThroughServe drops an RTF letter into a running serve: LibreOffice
// converts it at ingest, and the archive receives a PDF whose text is the
// letter's. (The peers corpus has DOC, DOCX and ODT samples but no RTF.)
func TestRTFThroughServe(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	testenv.Tool(t, "soffice")
	pdftotext := testenv.Tool(t, "pdftotext")
	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - {name: post, folder: %[1]s/inbox/post, create: true, kind: auto, target: archive}
`)
	in.start()
	src := filepath.Join(testenv.RepoRoot(t), "internal", "office", "testdata", "brief.rtf")
	copyFile(t, src, filepath.Join(in.root, "inbox", "post", "brief.rtf"))
	d, ok := in.waitFinal(1, 3*time.Minute)["brief.rtf"]
	if !ok || d.State != journal.StateDelivered {
		t.Fatalf("brief.rtf: %+v, want delivered", d)
	}
	if d.Format != "rtf" {
		t.Errorf("format %q, want rtf", d.Format)
	}
	pdf := archived(t, in.root, d.ID, ".pdf")
	out, err := exec.Command(pdftotext, pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	for _, want := range []string{"Rechnung Nummer 4711", "Büromaterial Müller GmbH"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("archived PDF lacks %q:\n%s", want, out)
		}
	}
}

package intake

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// While the queue is unreachable a scan leaves every file in the hot
// folder; the first scan after it is back claims them.
func TestPausedScanClaimsNothing(t *testing.T) {
	w, rec, in, now := newTestWatcher(t, time.Second)
	paused := true
	w.opt.Paused = func() bool { return paused }
	writeFile(t, in, "brief.pdf", []byte(okPDF))
	*now = now.Add(time.Hour)
	w.Scan(context.Background())
	if len(rec.names()) != 0 {
		t.Fatalf("claimed %v while paused", rec.names())
	}
	if _, err := os.Stat(filepath.Join(in, "brief.pdf")); err != nil {
		t.Fatalf("file left the hot folder while paused: %v", err)
	}
	paused = false
	w.Scan(context.Background())
	if got := rec.names(); len(got) != 1 || got[0] != "brief.pdf" {
		t.Fatalf("after the pause claimed %v, want [brief.pdf]", got)
	}
}

// Run never creates a missing hot folder: that is the command's decision
// (profiles' create key), and a mistyped folder must not appear silently.
func TestRunDoesNotCreateFolders(t *testing.T) {
	w, _, in, _ := newTestWatcher(t, time.Second)
	missing := filepath.Join(filepath.Dir(in), "rechnug")
	w.folders = append(w.folders, Folder{Profile: "rechnung", Path: missing})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	cancel()
	<-done
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("watcher created %s (stat: %v)", missing, err)
	}
}

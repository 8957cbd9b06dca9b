package mail

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/testenv"
)

type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, pipeline.Task) error { return nil }

// peakRSS is the process's high-water mark of resident memory in kB.
func peakRSS(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// TestMailIntakeThroughput is the benchmark of the issue: 1,000 mails with
// a 300 kB PDF each from dovecot through the poller into the journal (the
// pipeline's registration, queue left out). It runs with
// EINGANG_BENCH_MAIL=1 (make bench) and fails below 20 mails/s.
func TestMailIntakeThroughput(t *testing.T) {
	if os.Getenv("EINGANG_BENCH_MAIL") == "" {
		t.Skip("set EINGANG_BENCH_MAIL=1 to run the mail intake benchmark")
	}
	const n = 1000
	d := testenv.StartDovecot(t)
	payload := make([]byte, 300<<10)
	for i := 0; i < n; i += 100 {
		var batch []string
		for j := i; j < i+100; j++ {
			rand.Read(payload)
			body := pdf(fmt.Sprintf("%d ", j) + string(payload))
			batch = append(batch, message(fmt.Sprint("b", j), "a@lieferant.example", fmt.Sprint("Rechnung ", j), true, attachment(fmt.Sprintf("RE-%d.pdf", j), body)))
		}
		d.Append(t, "INBOX", batch...)
	}
	root := t.TempDir()
	cfg := config.Default()
	cfg.Paths = config.Paths{Work: filepath.Join(root, "work"), Done: filepath.Join(root, "done"), Error: filepath.Join(root, "error")}
	cfg.Profiles = []config.Profile{{Name: "rechnung", Folder: filepath.Join(root, "in"), Kind: "rechnung", Target: "archive"}}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pipe := pipeline.New(pipeline.Options{Config: &cfg, Journal: j})
	// Reset the high-water mark: the mails built above do not count.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	p := New(Options{
		Account:  config.MailAccount{Name: "rechnung", URL: d.URL(), Username: d.User, Profile: "rechnung"},
		Password: d.Password, ClaimDir: pipe.ClaimDir(), WorkDir: filepath.Join(root, "work", "mail"),
		MaxFileSize: cfg.Intake.MaxFileSize, Handler: pipe.Intake(nopEnqueuer{}), Journal: j,
	})
	start := time.Now()
	c, err := p.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.Logout()
	el := time.Since(start)
	counts, _ := j.Counts(context.Background())
	if counts[journal.StateReceived] != n {
		t.Fatalf("journal: %v, want %d received", counts, n)
	}
	rate := float64(n) / el.Seconds()
	t.Logf("mail intake: %d mails in %s = %.1f mails/s, peak RSS %d MB", n, el.Round(time.Millisecond), rate, peakRSS(t)/1024)
	if rate < 20 {
		t.Errorf("%.1f mails/s, target at least 20", rate)
	}
}

package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
)

// BenchmarkStatusPage renders the status page over a journal of
// EINGANG_BENCH_DOCS documents (default 100,000: a year of a Kreisverwaltung's
// post) and reports the p50 and p95 of one page, for the first page, a
// state filter, a day, a search and a late page.
//
//	go test ./internal/httpapi -run '^$' -bench StatusPage -benchtime 200x
func BenchmarkStatusPage(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("EINGANG_BENCH_DOCS")); err == nil && v > 0 {
		n = v
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "j.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 7, 0, 0, 0, time.Local)
	states := []string{journal.StateDelivered, journal.StateDelivered, journal.StateDelivered, journal.StateFailed, journal.StateDuplicate}
	channels := []string{config.ChannelFolder, config.ChannelMail, config.ChannelUpload}
	for i := range n {
		created := start.Add(time.Duration(i) * 5 * time.Minute)
		d := journal.Document{ID: fmt.Sprintf("%064x", i), SourceName: fmt.Sprintf("Scan_%06d.pdf", i), Profile: []string{"post", "rechnung"}[i%2],
			State: states[i%len(states)], Channel: channels[i%len(channels)], Created: created, Updated: created}
		if d.State == journal.StateFailed {
			d.Error = "Die Datei ist beschädigt und kann nicht gelesen werden. Bitte neu scannen. (pdf: file is corrupt)"
		}
		if _, _, err := j.Create(ctx, &d); err != nil {
			b.Fatal(err)
		}
	}
	s := httptest.NewServer(New(Options{Documents: j, Profiles: []string{"post", "rechnung"}, Logger: slog.New(slog.DiscardHandler)}))
	defer s.Close()
	day := start.Add(time.Duration(n/2) * 5 * time.Minute).Format(time.DateOnly)
	for _, page := range []struct{ name, query string }{
		// day= is all days: the default page shows only today.
		{"first", "day="}, {"failed", "day=&state=failed"}, {"day", "day=" + day}, {"search", "day=&q=Scan_0421"}, {"page_100", "day=&page=100"},
	} {
		b.Run(page.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				t0 := time.Now()
				resp, err := http.Get(s.URL + "/status/?" + page.query)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				took = append(took, time.Since(t0))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

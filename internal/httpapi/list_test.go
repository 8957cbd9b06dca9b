package httpapi

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
)

type filterRecorder struct{ last journal.Filter }

func (r *filterRecorder) Get(context.Context, string) (*journal.Document, error) {
	return nil, journal.ErrNotFound
}

func (r *filterRecorder) List(_ context.Context, f journal.Filter) ([]journal.Document, error) {
	r.last = f
	return nil, nil
}

// The list's query parameters reach the journal as a Filter; a bare date
// in until includes that day.
func TestListParameters(t *testing.T) {
	rec := &filterRecorder{}
	s := httptest.NewServer(New(Options{Documents: rec, Logger: slog.New(slog.DiscardHandler)}))
	defer s.Close()
	code, body := get(t, s.URL+"/api/v1/documents?state=failed&profile=rechnung&channel=mail&q=4711&since=2026-12-01&until=2026-12-07&offset=200&limit=50", "", "")
	if code != 200 || !strings.Contains(body, `"documents": []`) {
		t.Fatalf("%d %s", code, body)
	}
	want := journal.Filter{State: "failed", Profile: "rechnung", Channel: "mail", Search: "4711", Limit: 50, Offset: 200,
		Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local), Until: time.Date(2026, 12, 8, 0, 0, 0, 0, time.Local)}
	if got := rec.last; got.State != want.State || got.Profile != want.Profile || got.Channel != want.Channel || got.Search != want.Search ||
		got.Limit != want.Limit || got.Offset != want.Offset || !got.Since.Equal(want.Since) || !got.Until.Equal(want.Until) {
		t.Errorf("filter %+v, want %+v", got, want)
	}
	get(t, s.URL+"/api/v1/documents?since=2026-12-07T08:30:00Z", "", "")
	if !rec.last.Since.Equal(time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 since: %v", rec.last.Since)
	}
	for _, bad := range []string{"since=gestern", "until=07.12.2026", "offset=-1", "offset=x"} {
		if code, body := get(t, s.URL+"/api/v1/documents?"+bad, "", ""); code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
}

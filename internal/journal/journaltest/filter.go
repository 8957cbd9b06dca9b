package journaltest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
)

func testListFilters(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	docs := []journal.Document{
		{ID: "aa01", SourceName: "Rechnung_4711.pdf", Profile: "rechnung", State: journal.StateDelivered, Channel: "folder", Created: day(1, 9)},
		{ID: "aa02", SourceName: "rechnung 100%_neu.pdf", Profile: "rechnung", State: journal.StateFailed, Channel: "mail", Created: day(2, 9)},
		{ID: "bb03", SourceName: "Brief.pdf", Profile: "post", State: journal.StateDelivered, Channel: "upload", Created: day(2, 23)},
		{ID: "bb04", SourceName: "Antrag.tif", Profile: "post", State: journal.StateProcessing, Channel: "folder", Created: day(3, 0)},
	}
	for i := range docs {
		docs[i].Updated = docs[i].Created
		if _, _, err := j.Create(ctx, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    journal.Filter
		want []string // newest update first
	}{
		{"all", journal.Filter{}, []string{"bb04", "bb03", "aa02", "aa01"}},
		{"state", journal.Filter{State: journal.StateDelivered}, []string{"bb03", "aa01"}},
		{"profile", journal.Filter{Profile: "post"}, []string{"bb04", "bb03"}},
		{"channel", journal.Filter{Channel: "mail"}, []string{"aa02"}},
		{"one day", journal.Filter{Since: day(2, 0), Until: day(3, 0)}, []string{"bb03", "aa02"}},
		{"since", journal.Filter{Since: day(2, 23)}, []string{"bb04", "bb03"}},
		{"name, any case", journal.Filter{Search: "RECHNUNG"}, []string{"aa02", "aa01"}},
		{"wildcards are literal", journal.Filter{Search: "100%_"}, []string{"aa02"}},
		{"% alone matches no name", journal.Filter{Search: "%"}, []string{"aa02"}},
		{"id prefix", journal.Filter{Search: "BB0"}, []string{"bb04", "bb03"}},
		{"combined", journal.Filter{Profile: "rechnung", State: journal.StateFailed, Search: "neu"}, []string{"aa02"}},
		{"page 1", journal.Filter{Limit: 3}, []string{"bb04", "bb03", "aa02"}},
		{"page 2", journal.Filter{Limit: 3, Offset: 3}, []string{"aa01"}},
		{"past the end", journal.Filter{Offset: 10}, nil},
		{"by arrival", journal.Filter{ByArrival: true, Limit: 2}, []string{"bb04", "bb03"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := j.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("List(%+v) = %v, want %v", tt.f, ids, tt.want)
			}
		})
	}
}

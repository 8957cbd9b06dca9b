package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type fixedCounts map[string]int

func (f fixedCounts) Counts(context.Context) (map[string]int, error) { return f, nil }

// scrape returns the text exposition of m's registry.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestExposition(t *testing.T) {
	m := New(fixedCounts{"failed": 3, "delivered": 5})
	m.IntakeRejected("rechnung", "damaged")
	m.IntakeRejected("rechnung", "damaged")
	m.IntakeRejected("post", "empty")
	m.DocumentFinished("failed")
	m.PagesRecognized(4)
	body := scrape(t, m)
	for _, want := range []string{
		`eingang_intake_rejected_total{profile="rechnung",reason="damaged"} 2`,
		`eingang_intake_rejected_total{profile="post",reason="empty"} 1`,
		`eingang_documents_finished_total{state="failed"} 1`,
		`eingang_pages_recognized_total 4`,
		`eingang_documents{state="failed"} 3`,
		`eingang_documents{state="delivered"} 5`,
		`eingang_documents{state="processing"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("exposition lacks %s", want)
		}
	}
	if strings.Contains(body, `reason="unsupported"`) {
		t.Error("a reason that never happened is exported")
	}
	m.ExpectIntakeRejections([]string{"rechnung", "stapel"}, []string{"damaged", "unsupported"})
	body = scrape(t, m)
	for _, want := range []string{
		`eingang_intake_rejected_total{profile="stapel",reason="unsupported"} 0`,
		`eingang_intake_rejected_total{profile="rechnung",reason="damaged"} 2`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("after ExpectIntakeRejections the exposition lacks %s", want)
		}
	}
}

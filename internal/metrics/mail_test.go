package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMailMetricsPerAccount(t *testing.T) {
	m := New(nil)
	mm := m.NewMailMetrics([]string{"rechnung", "post"})
	mm.MailSeen("rechnung")
	mm.MailSeen("rechnung")
	mm.MailImported("rechnung")
	mm.MailFailed("rechnung")
	mm.MailPolled("rechnung", time.Unix(1700000000, 0))
	want := `
# HELP eingang_mail_messages_total Mails handled since start by account and outcome (seen, imported, failed: moved to the error folder).
# TYPE eingang_mail_messages_total counter
eingang_mail_messages_total{account="post",outcome="failed"} 0
eingang_mail_messages_total{account="post",outcome="imported"} 0
eingang_mail_messages_total{account="post",outcome="seen"} 0
eingang_mail_messages_total{account="rechnung",outcome="failed"} 1
eingang_mail_messages_total{account="rechnung",outcome="imported"} 1
eingang_mail_messages_total{account="rechnung",outcome="seen"} 2
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "eingang_mail_messages_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(mm.lastPoll.WithLabelValues("rechnung")); got != 1700000000 {
		t.Errorf("last poll = %v", got)
	}
}

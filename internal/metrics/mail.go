package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MailMetrics are the per-account figures of the mail pollers
// (mail.Observer).
type MailMetrics struct {
	mails    *prometheus.CounterVec
	lastPoll *prometheus.GaugeVec
}

// NewMailMetrics registers the mail metrics on m's registry with a zero
// for every account, so rates and alerts work before the first mail.
func (m *Metrics) NewMailMetrics(accounts []string) *MailMetrics {
	mm := &MailMetrics{
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eingang", Name: "mail_messages_total",
			Help: "Mails handled since start by account and outcome (seen, imported, failed: moved to the error folder).",
		}, []string{"account", "outcome"}),
		lastPoll: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eingang", Name: "mail_last_successful_poll_timestamp_seconds",
			Help: "Unix time of the last poll of the account that read its folder to the end.",
		}, []string{"account"}),
	}
	m.Registry.MustRegister(mm.mails, mm.lastPoll)
	for _, a := range accounts {
		for _, o := range []string{"seen", "imported", "failed"} {
			mm.mails.WithLabelValues(a, o)
		}
		mm.lastPoll.WithLabelValues(a)
	}
	return mm
}

// MailSeen counts a mail read from the account's folder.
func (mm *MailMetrics) MailSeen(account string) { mm.mails.WithLabelValues(account, "seen").Inc() }

// MailImported counts a mail whose documents are all registered.
func (mm *MailMetrics) MailImported(account string) {
	mm.mails.WithLabelValues(account, "imported").Inc()
}

// MailFailed counts a mail moved to the error folder.
func (mm *MailMetrics) MailFailed(account string) { mm.mails.WithLabelValues(account, "failed").Inc() }

// MailPolled records a successful poll.
func (mm *MailMetrics) MailPolled(account string, at time.Time) {
	mm.lastPoll.WithLabelValues(account).Set(float64(at.Unix()))
}

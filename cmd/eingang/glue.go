package main

import (
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/fabasoft"
	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/office"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/sign"
	"github.com/eingang/eingang/workers"
)

// queueCollector exports asynq's queue sizes, latencies and counters.
func queueCollector(r *workers.Redis) prometheus.Collector {
	return quietWhileDown{Collector: metrics.NewQueueMetricsCollector(asynq.NewInspector(r.Opt)), r: r}
}

// quietWhileDown leaves out the queue metrics while Redis is unreachable:
// asynq's collector would print its failure on every scrape, and the
// outage is logged once already (workers.Redis.Watch) and shown by /readyz.
type quietWhileDown struct {
	prometheus.Collector
	r *workers.Redis
}

func (q quietWhileDown) Collect(ch chan<- prometheus.Metric) {
	if q.r.Reachable() {
		q.Collector.Collect(ch)
	}
}

// newFaults returns the error classification of every package that owns
// sentinel errors. What an error means is written beside it, in the
// package's Explain; only the order is decided here: a DMS's refusal first
// (it carries the target's own reason), package fault's general rules last.
func newFaults() *fault.Rules {
	return fault.New(dms.Explain, intake.Explain, einvoice.Explain, pipeline.Explain,
		sign.Explain, d3.Explain, fabasoft.Explain, ocr.Explain, office.Explain)
}

// newOfficeConverter creates the LibreOffice converter of intake.soffice.
// A missing binary is not an error here: only office documents need it,
// and they fail with a sentence telling the clerk to call IT.
func newOfficeConverter(c *config.Config, log *slog.Logger) *office.Converter {
	conv := office.New(c.Intake.Soffice.Path, c.Intake.Soffice.Timeout, log)
	if err := conv.Available(); err != nil {
		log.Warn("Word, ODT and RTF documents will fail: LibreOffice not found (set intake.soffice.path or run scripts/deps.sh)", "err", err)
	}
	return conv
}

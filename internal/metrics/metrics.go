// Package metrics holds eingang's own Prometheus metrics: documents by
// final state, files refused at intake, pages recognised, step durations.
// Queue metrics come from asynq's collector, registered next to these.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of eingang's metrics on its own registry.
type Metrics struct {
	Registry  *prometheus.Registry
	finished  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	pages     prometheus.Counter
	stepTimes *prometheus.HistogramVec
}

// StateCounter reports how many documents are in each state (the journal).
type StateCounter interface {
	Counts(ctx context.Context) (map[string]int, error)
}

// New creates the metrics and registers them, the Go runtime and process
// collectors, and extra collectors (asynq's queue metrics) on a new
// registry.
func New(states StateCounter, extra ...prometheus.Collector) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eingang", Name: "documents_finished_total",
			Help: "Documents that reached a final state since start, by state (delivered, failed, duplicate).",
		}, []string{"state"}),
		// A file that fails its content check never becomes a task, so the
		// queue's failure counts do not show it; this counter does.
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eingang", Name: "intake_rejected_total",
			Help: "Files refused at intake since start (they went to the error folder without a task), by profile and reason (empty, unsupported, damaged, too_large, unreadable).",
		}, []string{"profile", "reason"}),
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "eingang", Name: "pages_recognized_total",
			Help: "Pages run through OCR since start.",
		}),
		stepTimes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "eingang", Name: "step_duration_seconds",
			Help:    "Duration of pipeline steps by step and outcome (ok, retry, failed, interrupted).",
			Buckets: []float64{.005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"step", "outcome"}),
	}
	m.Registry.MustRegister(m.finished, m.rejected, m.pages, m.stepTimes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if states != nil {
		m.Registry.MustRegister(&stateCollector{states: states, desc: prometheus.NewDesc(
			"eingang_documents", "Documents in the journal by state.", []string{"state"}, nil)})
	}
	for _, c := range extra {
		m.Registry.MustRegister(c)
	}
	return m
}

// PagesRecognized counts OCR'd pages.
func (m *Metrics) PagesRecognized(n int) { m.pages.Add(float64(n)) }

// DocumentFinished counts a document reaching a final state.
func (m *Metrics) DocumentFinished(state string) { m.finished.WithLabelValues(state).Inc() }

// IntakeRejected counts a file refused at intake. reason is one of the
// intake.Reason… constants; file names never become labels.
func (m *Metrics) IntakeRejected(profile, reason string) {
	m.rejected.WithLabelValues(profile, reason).Inc()
}

// ExpectIntakeRejections exports a zero for every profile and reason, so
// that a rate or an alert on the counter works before the first file is
// refused (an absent series is not a zero to Prometheus).
func (m *Metrics) ExpectIntakeRejections(profiles, reasons []string) {
	for _, p := range profiles {
		for _, r := range reasons {
			m.rejected.WithLabelValues(p, r)
		}
	}
}

// StepDone records the duration of a step.
func (m *Metrics) StepDone(step, outcome string, d time.Duration) {
	m.stepTimes.WithLabelValues(step, outcome).Observe(d.Seconds())
}

type stateCollector struct {
	states StateCounter
	desc   *prometheus.Desc
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.states.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, st := range []string{"received", "processing", "delivered", "failed", "duplicate", "split"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}

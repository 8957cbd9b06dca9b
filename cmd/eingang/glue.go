package main

import (
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/workers"
)

// queueCollector exports asynq's queue sizes, latencies and counters.
func queueCollector(r *workers.Redis) prometheus.Collector {
	return metrics.NewQueueMetricsCollector(asynq.NewInspector(r.Opt))
}

// buildRemoteTarget builds the d3 and fabasoft targets.
func buildRemoteTarget(name string, t config.Target) (dms.Target, error) {
	return nil, fmt.Errorf("targets.%s.type: %s is not available in this build", name, t.Type)
}

// registerFaults adds the sentinel errors of the domain packages to the
// classification table.
func registerFaults(r *fault.Rules) {}

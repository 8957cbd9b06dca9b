package main

import (
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/fabasoft"
	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/ocr"
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

// buildRemoteTarget builds the d3 and fabasoft targets from their options.
func buildRemoteTarget(name string, t config.Target) (dms.Target, error) {
	key := "targets." + name + ".options"
	switch t.Type {
	case "d3":
		cfg, err := d3.DecodeConfig(&t.Options)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		c, err := d3.New(name, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return c, nil
	case "fabasoft":
		cfg := fabasoft.Defaults()
		if err := t.Options.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if cfg.Name == "" {
			cfg.Name = name
		}
		c, err := fabasoft.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("targets.%s.type: unknown type %q", name, t.Type)
}

// registerFaults adds the sentinel errors of the domain packages to the
// classification table. Transient errors get a clerk sentence too: it is
// what the reason file says when the retry window runs out.
func registerFaults(r *fault.Rules) {
	r.RegisterFunc(func(err error) (fault.Verdict, bool) {
		if ocr.IsPermanent(err) {
			return fault.Verdict{Permanent: true, Clerk: ocr.ClerkMessage(err)}, true
		}
		return fault.Verdict{}, false
	})
	r.RegisterFunc(func(err error) (fault.Verdict, bool) {
		var rej *pipeline.RejectedInvoiceError
		if errors.As(err, &rej) {
			return fault.Verdict{Permanent: true, Clerk: "Die E-Rechnung ist laut Prüfung nach XRechnung/EN 16931 ungültig: " + rej.Summary}, true
		}
		return fault.Verdict{}, false
	})
	r.Register(einvoice.ErrHostileXML, true, "Die XML-Datei enthält unzulässige Konstrukte (DOCTYPE/Entitäten oder zu tiefe Verschachtelung) und wird aus Sicherheitsgründen nicht gelesen.")
	r.Register(einvoice.ErrTooLarge, true, "Die E-Rechnung ist zu groß für die automatische Verarbeitung.")
	r.Register(einvoice.ErrInvalidEncoding, true, "Die XML-Datei hat eine ungültige Zeichenkodierung (erwartet wird UTF-8).")
	r.Register(einvoice.ErrMalformed, true, "Die E-Rechnung ist beschädigt oder kein wohlgeformtes XML.")
	r.Register(einvoice.ErrNotEInvoice, true, "Die XML-Datei ist keine E-Rechnung (weder XRechnung/UBL noch CII/ZUGFeRD).")
	r.Register(pipeline.ErrNoSealer, true, "Das Profil verlangt ein Siegel, es ist aber kein Siegelschlüssel eingerichtet – bitte die IT informieren.")
	r.Register(sign.ErrTimestamp, false, "Der Zeitstempeldienst war über längere Zeit nicht erreichbar; das Dokument wurde nicht ungesiegelt weitergegeben.")
	r.Register(sign.ErrEncrypted, true, "Das PDF ist verschlüsselt und kann nicht gesiegelt werden.")
	r.Register(sign.ErrInvalidPDF, true, "Das PDF ist nicht lesbar und kann nicht gesiegelt werden.")
	r.Register(d3.ErrUnauthorized, false, "Die Anmeldung am d.3 ist fehlgeschlagen – bitte die IT informieren.")
	r.Register(fabasoft.ErrAuth, false, "Die Anmeldung bei Fabasoft ist fehlgeschlagen – bitte die IT informieren.")
	r.Register(fabasoft.ErrUnavailable, false, "Fabasoft war über längere Zeit nicht erreichbar.")
}

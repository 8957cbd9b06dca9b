package validate

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/einvoice"
)

// scenarioTitles are human-readable scenario names for the reports.
var scenarioTitles = map[string]string{
	ScenarioXRechnungCIUS:      "XRechnung 3.0 (CIUS)",
	ScenarioXRechnungExtension: "XRechnung 3.0 Extension",
	ScenarioXRechnungCVD:       "XRechnung 3.0 CVD (Clean Vehicles Directive)",
	ScenarioEN16931:            "EN 16931",
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	type jsonReport struct {
		*Report
		Rejected bool `json:"rejected"`
		Valid    bool `json:"valid"`
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonReport{Report: r, Rejected: r.Rejected(), Valid: r.Valid()}); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

// WriteXML writes a report in the format of the KoSIT validator
// (namespace http://www.xoev.de/de/validator/varl/1): scenario, one
// validation step with the messages, and the accept/reject assessment.
func (r *Report) WriteXML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	p("<rep:report xmlns:rep=\"http://www.xoev.de/de/validator/varl/1\" xmlns:s=\"http://www.xoev.de/de/validator/framework/1/scenarios\" varlVersion=\"1.0.0\" valid=\"%t\">\n", r.Valid())
	p("  <rep:engine><rep:name>eingang validate</rep:name></rep:engine>\n")
	if !r.Timestamp.IsZero() {
		p("  <rep:timestamp>%s</rep:timestamp>\n", r.Timestamp.UTC().Format(time.RFC3339))
	}
	p("  <rep:documentIdentification>\n")
	if r.DocumentSHA256 != "" {
		p("    <rep:documentHash><rep:hashAlgorithm>SHA-256</rep:hashAlgorithm><rep:hashValue>%s</rep:hashValue></rep:documentHash>\n", esc(r.DocumentSHA256))
	}
	p("    <rep:documentReference>%s</rep:documentReference>\n", esc(r.DocumentName))
	p("  </rep:documentIdentification>\n")
	if r.Scenario == "" {
		p("  <rep:noScenarioMatched>\n")
	} else {
		p("  <rep:scenarioMatched>\n")
		p("    <s:scenario><s:name>%s</s:name><s:description>%s</s:description></s:scenario>\n", esc(r.Scenario), esc(scenarioTitles[r.Scenario]))
		p("    <rep:documentData><seller>%s</seller><id>%s</id><issueDate>%s</issueDate></rep:documentData>\n",
			esc(r.Seller), esc(r.InvoiceNumber), esc(r.IssueDate))
	}
	valid := true
	for _, f := range r.Findings {
		if f.Severity.Rejects() {
			valid = false
		}
	}
	p("    <rep:validationStepResult id=\"val-sch.1\" valid=\"%t\">\n", valid)
	for i, f := range r.Findings {
		p("      <rep:message id=\"val-sch.1.%d\" level=\"%s\" code=\"%s\" xpathLocation=\"%s\">[%s]-%s</rep:message>\n",
			i+1, f.Severity.KoSITLevel(), esc(f.Rule), esc(f.Location), esc(f.Rule), esc(f.MessageEN))
	}
	p("    </rep:validationStepResult>\n")
	if r.Scenario == "" {
		p("  </rep:noScenarioMatched>\n")
	} else {
		p("  </rep:scenarioMatched>\n")
	}
	p("  <rep:assessment>\n")
	if r.Accepted {
		p("    <rep:accept><rep:explanation>%s</rep:explanation></rep:accept>\n", esc(r.summaryDE()))
	} else {
		p("    <rep:reject><rep:explanation>%s</rep:explanation></rep:reject>\n", esc(r.summaryDE()))
	}
	p("  </rep:assessment>\n")
	p("</rep:report>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write XML report: %w", err)
	}
	return nil
}

// WriteText writes a readable report with German and English messages.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("Prüfbericht E-Rechnung / e-invoice validation report\n")
	if r.DocumentName != "" {
		p("Dokument / document:        %s\n", r.DocumentName)
	}
	if line := invoiceLine(r.InvoiceNumber, r.IssueDate); line != "" {
		p("Rechnung / invoice:         %s\n", line)
	}
	if r.Seller != "" {
		p("Verkäufer / seller:         %s\n", r.Seller)
	}
	if r.Profile != "" {
		p("Spezifikation / profile:    %s\n", r.Profile)
	}
	if r.Scenario != "" {
		p("Prüfszenario / scenario:    %s (%s)\n", r.Scenario, scenarioTitles[r.Scenario])
	} else {
		p("Prüfszenario / scenario:    keines / no matching validation scenario\n")
	}
	if r.Accepted {
		p("Empfehlung / recommendation: ANNEHMEN / accept\n")
	} else {
		p("Empfehlung / recommendation: ABLEHNEN / reject\n")
	}
	p("%s\n", r.summaryDE())
	for _, f := range r.Findings {
		p("\n[%s] %s\n", f.Severity, f.Rule)
		if f.Location != "" {
			p("  Ort / location: %s\n", f.Location)
		}
		p("  DE: %s\n", f.MessageDE)
		p("  EN: %s\n", f.MessageEN)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

// invoiceLine is "Nr. vom 05.03.2020" with the parts that are there: an
// empty date must not leave a dangling "vom".
func invoiceLine(number, issueDate string) string {
	number, issueDate = strings.TrimSpace(number), einvoice.GermanDate(issueDate)
	switch {
	case number != "" && issueDate != "":
		return number + " vom " + issueDate
	case number != "":
		return number
	case issueDate != "":
		return "vom " + issueDate
	}
	return ""
}

func (r *Report) summaryDE() string {
	n := r.Counts()
	return fmt.Sprintf("Befunde / findings: %d Fehler / errors, %d Warnungen / warnings, %d Hinweise / information",
		n[SeverityFatal]+n[SeverityError], n[SeverityWarning], n[SeverityInformation])
}

func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return ""
	}
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

package validate

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Severity is the level of a finding. Fatal and error findings make the
// document rejectable; warnings and information do not.
type Severity int

// Severities in decreasing order of weight. The KoSIT report maps fatal to
// "error".
const (
	SeverityFatal Severity = iota
	SeverityError
	SeverityWarning
	SeverityInformation
)

// String returns the lower-case name used in JSON and text reports.
func (s Severity) String() string {
	switch s {
	case SeverityFatal:
		return "fatal"
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInformation:
		return "information"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Rejects reports whether a finding of this severity rejects the document.
func (s Severity) Rejects() bool { return s == SeverityFatal || s == SeverityError }

// KoSITLevel is the level as the KoSIT report writes it: fatal is "error".
func (s Severity) KoSITLevel() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityInformation:
		return "information"
	}
	return "error"
}

// MarshalJSON writes the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v {
	case "fatal":
		*s = SeverityFatal
	case "error":
		*s = SeverityError
	case "warning":
		*s = SeverityWarning
	case "information", "info":
		*s = SeverityInformation
	default:
		return fmt.Errorf("unknown severity %q", v)
	}
	return nil
}

// KoSIT scenario names, as in the corpus manifest's kosit_scenario.
const (
	ScenarioXRechnungCIUS      = "xrechnung-cius"
	ScenarioXRechnungExtension = "xrechnung-extension"
	ScenarioXRechnungCVD       = "xrechnung-cvd"
	ScenarioEN16931            = "en16931"
)

// Rule ids the validator itself emits (not from a Schematron).
const (
	// RuleNoScenario: the document selects no scenario of the KoSIT
	// XRechnung configuration, which therefore rejects it.
	RuleNoScenario = "KOSIT-NO-SCENARIO"
	// RuleNotWellFormed: the XML could not be read.
	RuleNotWellFormed = "XML-WELLFORMED"
	// RuleFileUnreadable: the file itself could not be read — it is
	// missing or inaccessible, too large, or a PDF too damaged to open —
	// so nothing about its XML can be said.
	RuleFileUnreadable = "FILE-UNREADABLE"
	// RuleSchemaNamespace: an element lies outside the namespaces of the
	// syntax, which the XSD step of the KoSIT validator rejects.
	RuleSchemaNamespace = "XSD-NAMESPACE"
	// RuleSchema: the document does not conform to the XML Schema of its
	// syntax (UBL 2.1 or CII D16B), which the KoSIT validator checks before
	// any Schematron.
	RuleSchema = "XSD-SCHEMA"
	// RuleLeitwegID: BT-10 is not a Leitweg-ID with a valid check digit.
	RuleLeitwegID = "EINGANG-LEITWEG-ID"
)

// Finding is one violated rule.
type Finding struct {
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	MessageDE string   `json:"message_de"`
	MessageEN string   `json:"message_en"`
	// Location is an XPath-like path to the element the rule was checked on.
	Location string `json:"location"`
}

// Report is the outcome of validating one document.
type Report struct {
	// Accepted is the KoSIT recommendation: a scenario matched and no finding
	// is fatal or error.
	Accepted bool `json:"accepted"`
	// Scenario is the matched KoSIT scenario, "" when none matches.
	Scenario string `json:"scenario"`
	// Syntax is "ubl-invoice", "ubl-creditnote", "cii" or "" when unknown.
	Syntax string `json:"syntax"`
	// Profile is the specification identifier BT-24 as found in the document.
	Profile string `json:"profile"`
	// InvoiceNumber and IssueDate identify the document in reports (BT-1, BT-2).
	InvoiceNumber string    `json:"invoice_number,omitempty"`
	IssueDate     string    `json:"issue_date,omitempty"`
	Findings      []Finding `json:"findings"`
	// Seller is the seller name (BT-27), for the report's document data.
	Seller string `json:"seller,omitempty"`
	// DocumentName is an optional file name for reports; callers set it.
	DocumentName string `json:"document,omitempty"`
	// DocumentSHA256 is the hex SHA-256 of the validated XML.
	DocumentSHA256 string `json:"document_sha256,omitempty"`
	// Timestamp is written into the XML report when set; callers set it.
	Timestamp time.Time `json:"timestamp,omitzero"`
}

// Rejected reports whether the recommendation is to reject the document.
func (r *Report) Rejected() bool { return !r.Accepted }

// Valid reports whether there is no finding at all (KoSIT report/@valid).
func (r *Report) Valid() bool { return r.Scenario != "" && len(r.Findings) == 0 }

// Has reports whether a finding with the given rule id exists.
func (r *Report) Has(rule string) bool {
	for _, f := range r.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// Counts returns the number of findings per severity.
func (r *Report) Counts() map[Severity]int {
	m := make(map[Severity]int)
	for _, f := range r.Findings {
		m[f.Severity]++
	}
	return m
}

func (r *Report) finish() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		return r.Findings[i].Severity < r.Findings[j].Severity
	})
	r.Accepted = r.Scenario != ""
	for _, f := range r.Findings {
		if f.Severity.Rejects() {
			r.Accepted = false
		}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
}

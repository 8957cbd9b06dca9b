package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// Exit codes of eingang validate.
const (
	validateAllAccepted = 0
	validateRejected    = 1
	validateUnreadable  = 2
)

// validateResult is the per-file outcome printed by eingang validate.
type validateResult struct {
	File     string             `json:"file"`
	Accepted bool               `json:"accepted"`
	Scenario string             `json:"scenario"`
	Format   string             `json:"format,omitempty"`
	Profile  string             `json:"profile,omitempty"`
	Embedded string             `json:"embedded_file,omitempty"`
	Findings []validate.Finding `json:"findings"`
	Invoice  map[string]string  `json:"invoice"`
	Warnings []string           `json:"warnings,omitempty"`
	// Error is set when the file could not be read as an e-invoice at all.
	Error string `json:"error,omitempty"`
	// unreadable marks damaged, hostile or inaccessible input (exit 2).
	unreadable bool
	report     *validate.Report
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json (one object per file and line) or xml (KoSIT-style reports)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: eingang validate [--format text|json|xml] FILE...")
		fmt.Fprintln(fs.Output(), "\nValidates XRechnung (UBL, CII), ZUGFeRD/Factur-X PDFs and Peppol SBDH")
		fmt.Fprintln(fs.Output(), "files like the KoSIT validator with the XRechnung configuration.")
		fmt.Fprintln(fs.Output(), "Exit status: 0 all accepted, 1 any rejected, 2 any unreadable.")
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return validateUnreadable
	}
	switch *format {
	case "text", "json", "xml":
	default:
		fmt.Fprintf(stderr, "eingang validate: --format must be text, json or xml, not %q\n", *format)
		return validateUnreadable
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return validateUnreadable
	}

	code := validateAllAccepted
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if *format == "xml" {
		fmt.Fprintln(stdout, `<?xml version="1.0" encoding="UTF-8"?>`)
		if fs.NArg() > 1 {
			fmt.Fprintln(stdout, `<reports>`)
		}
	}
	for _, file := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(stderr, "eingang validate:", err)
			return validateUnreadable
		}
		res := validateFile(ctx, file)
		switch {
		case res.unreadable:
			code = validateUnreadable
		case !res.Accepted && code == validateAllAccepted:
			code = validateRejected
		}
		var err error
		switch *format {
		case "json":
			err = enc.Encode(res)
		case "xml":
			err = writeValidateXML(stdout, res)
		default:
			err = writeValidateText(stdout, res)
		}
		if err != nil {
			fmt.Fprintln(stderr, "eingang validate:", err)
			return validateUnreadable
		}
	}
	if *format == "xml" && fs.NArg() > 1 {
		fmt.Fprintln(stdout, `</reports>`)
	}
	return code
}

// validateFile parses and validates one file. Input that is readable but no
// e-invoice (a plain PDF, FatturaPA, an unknown root) is rejected like the
// KoSIT validator rejects documents without a scenario; damaged, hostile or
// inaccessible input is unreadable.
func validateFile(ctx context.Context, file string) *validateResult {
	res := &validateResult{File: file, Findings: []validate.Finding{}, Invoice: map[string]string{}}
	doc, err := einvoice.ParseFile(ctx, file)
	if err != nil {
		res.Error = err.Error()
		f := validate.Finding{Severity: validate.SeverityFatal, MessageEN: err.Error()}
		switch {
		case errors.Is(err, einvoice.ErrNotEInvoice), errors.Is(err, einvoice.ErrNoInvoiceInPDF):
			f.Rule = validate.RuleNoScenario
			f.MessageDE = "Keine strukturierte E-Rechnung (XRechnung/ZUGFeRD) gefunden; kein Prüfszenario anwendbar."
		default:
			res.unreadable = true
			f.Rule = validate.RuleNotWellFormed
			f.MessageDE = clerkMessage(err)
		}
		res.Findings = append(res.Findings, f)
		return res
	}
	rep := validate.Validate(doc)
	res.report = rep
	res.Accepted = rep.Accepted
	res.Scenario = rep.Scenario
	res.Format = doc.Format.String()
	res.Profile = doc.Invoice.CustomizationID.Value
	res.Embedded = doc.EmbeddedName
	res.Warnings = doc.Warnings
	if rep.Findings != nil {
		res.Findings = rep.Findings
	}
	res.Invoice = doc.Invoice.Fields()
	return res
}

// clerkMessage explains a parse failure in German for the scan station.
func clerkMessage(err error) string {
	switch {
	case errors.Is(err, einvoice.ErrHostileXML):
		return "Die Datei enthält unzulässige XML-Konstrukte (DOCTYPE/Entitäten oder extreme Verschachtelung) und wurde nicht verarbeitet."
	case errors.Is(err, einvoice.ErrTooLarge):
		return "Die Datei ist zu groß für eine E-Rechnung und wurde nicht verarbeitet."
	case errors.Is(err, einvoice.ErrInvalidEncoding):
		return "Die Datei ist nicht UTF-8-kodiert und kann nicht als E-Rechnung gelesen werden."
	case errors.Is(err, einvoice.ErrMalformed):
		return "Die Datei ist beschädigt oder kein wohlgeformtes XML/PDF."
	}
	return "Die Datei konnte nicht gelesen werden."
}

func writeValidateText(w io.Writer, r *validateResult) error {
	verdict := "AKZEPTIERT (accept)"
	if !r.Accepted {
		verdict = "ABGELEHNT (reject)"
	}
	if r.unreadable {
		verdict = "NICHT LESBAR (unreadable)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.File, verdict)
	if r.Scenario != "" {
		fmt.Fprintf(&b, "  Szenario: %s\n", r.Scenario)
	}
	if r.Profile != "" {
		fmt.Fprintf(&b, "  Spezifikation (BT-24): %s\n", r.Profile)
	}
	if r.Embedded != "" {
		fmt.Fprintf(&b, "  Eingebettete Datei: %s\n", r.Embedded)
	}
	for _, f := range r.Findings {
		msg := f.MessageDE
		if msg == "" {
			msg = f.MessageEN
		}
		fmt.Fprintf(&b, "  [%s] %s: %s\n", f.Severity, f.Rule, oneLine(msg))
		if f.Location != "" {
			fmt.Fprintf(&b, "      bei %s\n", f.Location)
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "  Hinweis: %s\n", wn)
	}
	if len(r.Invoice) > 0 {
		keys := make([]string, 0, len(r.Invoice))
		for k := range r.Invoice {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s: %s\n", k, oneLine(r.Invoice[k]))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// kositReport is a KoSIT-style (varl) report for --format xml.
type kositReport struct {
	XMLName  xml.Name       `xml:"rep:report"`
	NS       string         `xml:"xmlns:rep,attr"`
	Version  string         `xml:"varlVersion,attr"`
	Valid    bool           `xml:"valid,attr"`
	Document string         `xml:"rep:documentIdentification>rep:documentReference"`
	Scenario string         `xml:"rep:scenarioMatched>rep:scenario,omitempty"`
	NoMatch  *struct{}      `xml:"rep:noScenarioMatched,omitempty"`
	Messages []kositMessage `xml:"rep:messages>rep:message"`
	Accept   *struct{}      `xml:"rep:assessment>rep:accept,omitempty"`
	Reject   *struct{}      `xml:"rep:assessment>rep:reject,omitempty"`
}

type kositMessage struct {
	ID       string `xml:"id,attr"`
	Level    string `xml:"level,attr"`
	Code     string `xml:"code,attr"`
	Location string `xml:"xpathLocation,attr,omitempty"`
	Text     string `xml:",chardata"`
}

func writeValidateXML(w io.Writer, r *validateResult) error {
	rep := kositReport{
		NS: "http://www.xoev.de/de/validator/varl/1", Version: "1.0.0",
		Valid: r.Accepted && len(r.Findings) == 0, Document: r.File, Scenario: r.Scenario,
	}
	if r.Scenario == "" {
		rep.NoMatch = &struct{}{}
	}
	for i, f := range r.Findings {
		level := f.Severity.String()
		if f.Severity == validate.SeverityFatal {
			level = "error"
		}
		msg := f.MessageDE
		if f.MessageEN != "" {
			msg = "[" + f.Rule + "] " + f.MessageEN
		}
		rep.Messages = append(rep.Messages, kositMessage{ID: fmt.Sprintf("msg.%d", i+1), Level: level, Code: f.Rule, Location: f.Location, Text: msg})
	}
	if r.Accepted {
		rep.Accept = &struct{}{}
	} else {
		rep.Reject = &struct{}{}
	}
	out, err := xml.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}

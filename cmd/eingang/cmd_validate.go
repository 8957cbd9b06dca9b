package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/validate"
	"github.com/eingang/eingang/internal/einvoice/visual"
	"github.com/eingang/eingang/internal/fields"
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
	doc        *einvoice.Document
}

// writeVisual renders doc into dir as <file base name>.pdf.
func writeVisual(ctx context.Context, dir, file string, doc *einvoice.Document) error {
	pdf, err := visual.Render(ctx, doc, visual.Options{SourceName: filepath.Base(file)})
	if err != nil {
		return fmt.Errorf("visualise %s: %w", file, err)
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + ".pdf"
	return os.WriteFile(filepath.Join(dir, name), pdf, 0o644)
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json (one object per file and line) or xml (KoSIT-style reports)")
	visualDir := fs.String("visual", "", "also write a readable PDF (German, original XML attached) of every XML-only invoice into this directory")
	rules := fs.String("rules", "scenario", "which rules to report: scenario (those of the KoSIT scenario the document selects) or all (every rule family whatever the scenario, for diagnosis; the verdict still follows the scenario)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: eingang validate [--format text|json|xml] [--rules scenario|all] FILE...")
		fmt.Fprintln(fs.Output(), "\nValidates XRechnung (UBL, CII), ZUGFeRD/Factur-X PDFs and Peppol SBDH")
		fmt.Fprintln(fs.Output(), "files like the KoSIT validator with the XRechnung configuration.")
		fmt.Fprintln(fs.Output(), "Exit status: 0 all accepted, 1 any rejected (also files that are no e-invoice),")
		fmt.Fprintln(fs.Output(), "2 any unreadable (FILE-UNREADABLE: missing, inaccessible, too large or a damaged PDF;")
		fmt.Fprintln(fs.Output(), "XML-WELLFORMED: broken or refused XML) or a usage error.")
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
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
	if *rules != "scenario" && *rules != "all" {
		fmt.Fprintf(stderr, "eingang validate: --rules must be scenario or all, not %q\n", *rules)
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
		res := validateFile(ctx, file, *rules == "all")
		if *visualDir != "" && res.doc != nil && visual.NeedsVisual(res.doc) {
			if err := writeVisual(ctx, *visualDir, file, res.doc); err != nil {
				fmt.Fprintln(stderr, "eingang validate:", err)
				code = validateUnreadable
			}
		}
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
// inaccessible input is unreadable. With allRules every rule family is
// reported (validate.ValidateRules); the verdict is the same either way.
func validateFile(ctx context.Context, file string, allRules bool) *validateResult {
	res := &validateResult{File: file, Findings: []validate.Finding{}, Invoice: map[string]string{}}
	doc, err := einvoice.ParseFile(ctx, file)
	if err != nil {
		res.Error = err.Error()
		f, unreadable := validate.ParseFailure(err)
		res.unreadable = unreadable
		res.Findings = append(res.Findings, f)
		res.report = &validate.Report{Findings: res.Findings, DocumentName: file}
		return res
	}
	res.doc = doc
	rep := validate.Validate(doc)
	if allRules {
		rep = validate.ValidateRules(doc)
	}
	rep.DocumentName = file
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

func writeValidateText(w io.Writer, r *validateResult) error {
	var b strings.Builder
	if r.unreadable {
		fmt.Fprintf(&b, "%s: NICHT LESBAR / unreadable\n", r.File)
	}
	if err := r.report.WriteText(&b); err != nil {
		return err
	}
	if r.Embedded != "" {
		fmt.Fprintf(&b, "\nEingebettete Datei / embedded file: %s\n", r.Embedded)
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "Hinweis / note: %s\n", wn)
	}
	// Empty elements (<cbc:DueDate/>) are kept in the JSON, which mirrors
	// the XML, but a person reading the list learns nothing from them.
	keys := make([]string, 0, len(r.Invoice))
	for k, v := range r.Invoice {
		if textValue(k, v) != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		b.WriteString("\nRechnungsdaten / invoice fields:\n")
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %-16s %s\n", k+":", textValue(k, r.Invoice[k]))
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// textValue is an invoice field as a person reads it: white space collapsed,
// dates as 05.03.2020. The JSON output keeps the ISO form.
func textValue(key, v string) string {
	v = strings.Join(strings.Fields(v), " ")
	switch key {
	case fields.IssueDate, fields.DueDate:
		return einvoice.GermanDate(v)
	}
	return v
}

// writeValidateXML writes the KoSIT-style report of one file; several
// reports share one XML declaration inside a <reports> element.
func writeValidateXML(w io.Writer, r *validateResult) error {
	var b bytes.Buffer
	if err := r.report.WriteXML(&b); err != nil {
		return err
	}
	out := b.Bytes()
	if bytes.HasPrefix(out, []byte("<?xml")) {
		if i := bytes.Index(out, []byte("?>")); i >= 0 {
			out = bytes.TrimLeft(out[i+2:], "\r\n")
		}
	}
	_, err := w.Write(out)
	return err
}

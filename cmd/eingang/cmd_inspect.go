package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/validate"
	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/extract/tesscli"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/pipeline"
)

// inspectOutput is the JSON printed by `eingang inspect`: what serve would
// decide for the file in the given profile.
type inspectOutput struct {
	File string `json:"file"`
	// Config is the configuration file used; "" means the built-in
	// defaults (no config file found).
	Config  string `json:"config"`
	Profile string `json:"profile"`
	// Format is the content type intake detects; Lane is einvoice or ocr.
	Format string `json:"format,omitempty"`
	Lane   string `json:"lane,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Route  string `json:"route,omitempty"`
	Office string `json:"office,omitempty"`
	// Location and Workflow come from the route.
	Location   string  `json:"location,omitempty"`
	Workflow   string  `json:"workflow,omitempty"`
	Confidence float64 `json:"confidence"`
	Review     bool    `json:"review"`
	Reason     string  `json:"reason,omitempty"`
	// Next is what serve does after classifying: sign or deliver; error when
	// the document would go to the error folder instead.
	Next string `json:"next"`
	// Target is the delivery target (the route's, else the profile's).
	Target string `json:"target,omitempty"`
	// Fields are the document's fields as serve stores and delivers them.
	Fields   map[string]string `json:"fields"`
	EInvoice *inspectEInvoice  `json:"einvoice,omitempty"`
	// Invoice, InvoiceReview and Problems are the invoice extraction from
	// a scan's words with every confidence (Fields keep only the outcome).
	Invoice       map[string]extract.Field `json:"invoice,omitempty"`
	InvoiceReview bool                     `json:"invoice_review,omitempty"`
	Problems      []string                 `json:"problems,omitempty"`
	OCR           string                   `json:"ocr,omitempty"`
	// FailedStep, Error and ErrorDE describe why serve would not deliver:
	// the step, the technical error and the clerk's German sentence.
	FailedStep string `json:"failed_step,omitempty"`
	Error      string `json:"error,omitempty"`
	ErrorDE    string `json:"error_de,omitempty"`
	// Retried is set when the failure is transient: serve would retry.
	Retried bool `json:"retried,omitempty"`
	// Unpacked lists the files an archive or mail puts into the hot folder.
	Unpacked []string `json:"unpacked,omitempty"`
	// Ignored is set when intake would not pick the file up by its name.
	Ignored bool `json:"ignored,omitempty"`
}

// inspectEInvoice is the validation verdict of an e-invoice.
type inspectEInvoice struct {
	Valid    bool               `json:"valid"`
	Scenario string             `json:"scenario"`
	Syntax   string             `json:"syntax,omitempty"`
	Findings []validate.Finding `json:"findings"`
}

// Fields the classify step sets that inspect shows on their own lines.
var inspectDecisionFields = map[string]bool{
	fields.Route: true, fields.Office: true, fields.RouteTarget: true, fields.Location: true, fields.Workflow: true,
	fields.Confidence: true, fields.NeedsReview: true, fields.ReviewWhy: true,
}

// cmdInspect shows what serve would do with one file: it runs the workers'
// own pipeline steps (intake check, ingest, OCR or e-invoice reading,
// classify) with the configuration's profile and classification, against a
// scratch work area and journal, and stops before anything is signed or
// delivered.
func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	format := fs.String("format", "text", "output format: text or json")
	model := fs.String("model", "", "classifier `model` file written by eingang train (overrides classification.model_path)")
	profile := fs.String("profile", "", "intake profile `name` the file is dropped into (default: the first profile of the config)")
	useCLI := fs.Bool("tesseract-cli", false, "OCR with the tesseract command-line tool instead of the built-in engine")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: eingang inspect [flags] FILE

Shows what eingang serve would do with FILE (scan: PDF, TIFF, JPEG, PNG;
e-invoice: XRechnung UBL/CII XML, ZUGFeRD/Factur-X PDF) dropped into the
profile's folder: the e-invoice verdict, kind, route (Postverteilung),
review, the fields delivered, and for scans the invoice fields read with
their confidence. It runs the workers' steps with the configuration's
profile and classification section in a scratch area and stops before
signing and delivery; nothing is delivered, nothing is written to the
journal. The duplicate-invoice check sees no earlier documents.

Without a config file (the default path missing and neither --config nor
EINGANG_CONFIG given) built-in defaults are used: no routes, profile kind
auto.

Exit codes: 0 serve would deliver the file, 1 serve would not (error
folder, or a failure that serve would retry), 2 usage or configuration
error.

flags:`)
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || (*format != "json" && *format != "text") {
		fs.Usage()
		return 2
	}
	explicit := os.Getenv("EINGANG_CONFIG") != ""
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	cfg, cfgName, err := inspectConfig(*cfgPath, explicit, *profile)
	if err != nil {
		fmt.Fprintln(stderr, "eingang inspect:", err)
		return 2
	}
	if cfgName == "" {
		fmt.Fprintf(stderr, "eingang inspect: %s not found; using built-in defaults (no routes). Pass --config for what serve decides.\n", *cfgPath)
	}
	if *model != "" {
		cfg.Classification.ModelPath = *model
	}
	prof, err := inspectProfile(cfg, *profile)
	if err != nil {
		fmt.Fprintln(stderr, "eingang inspect:", err)
		return 2
	}
	file := fs.Arg(0)
	out, err := inspect(ctx, cfg, prof, file, *useCLI)
	if err != nil {
		fmt.Fprintln(stderr, "eingang inspect:", err)
		return 2
	}
	out.Config = cfgName
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return 1
		}
	} else if err := writeInspectText(stdout, out); err != nil {
		return 1
	}
	if out.Next == "error" {
		return 1
	}
	return 0
}

// inspectConfig loads the configuration like every command does. Only
// when the file is the default one and does not exist are built-in
// defaults used (name ""), so that inspect works on a machine without
// eingang set up; a file that was asked for must exist.
func inspectConfig(path string, explicit bool, profile string) (*config.Config, string, error) {
	if !explicit {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			c := config.Default()
			if profile == "" {
				profile = "inspect"
			}
			c.Profiles = []config.Profile{{Name: profile, Kind: "auto"}}
			return &c, "", nil
		}
	}
	c, err := loadConfig(path)
	if err != nil {
		return nil, "", err
	}
	return c, path, nil
}

// inspectProfile picks the named profile, or the first one.
func inspectProfile(cfg *config.Config, name string) (config.Profile, error) {
	if name == "" {
		return cfg.Profiles[0], nil
	}
	if p, ok := cfg.Profile(name); ok {
		return p, nil
	}
	names := make([]string, len(cfg.Profiles))
	for i, p := range cfg.Profiles {
		names[i] = p.Name
	}
	return config.Profile{}, fmt.Errorf("--profile: unknown profile %q (defined: %s)", name, strings.Join(names, ", "))
}

// inspect runs the pipeline on file up to the step before signing and
// delivery. The error is for the command's own failures (scratch area,
// journal, classifier); what happens to the document is in the output.
func inspect(ctx context.Context, cfg *config.Config, prof config.Profile, file string, useCLI bool) (*inspectOutput, error) {
	out := &inspectOutput{File: file, Profile: prof.Name, Fields: map[string]string{}}
	faults := newFaults()
	fail := func(step string, err error) *inspectOutput {
		v := faults.Classify(err)
		out.Next, out.FailedStep, out.Error, out.ErrorDE, out.Retried = "error", step, err.Error(), v.Clerk, !v.Permanent
		return out
	}
	name := filepath.Base(file)
	out.Ignored = intake.Ignored(name, cfg.Intake.IgnorePatterns)

	// The intake check: serve moves files failing it to the error folder
	// before they become documents.
	st, err := os.Stat(file)
	if err != nil {
		return fail("intake", err), nil
	}
	if cfg.Intake.MaxFileSize > 0 && st.Size() > cfg.Intake.MaxFileSize {
		return fail("intake", fmt.Errorf("%w: %d bytes, more than the configured maximum of %d", intake.ErrTooLarge, st.Size(), cfg.Intake.MaxFileSize)), nil
	}
	if _, err := intake.Detect(file); err != nil {
		return fail("intake", err), nil
	}

	classifier, err := newClassifier(cfg.Classification)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "eingang-inspect-")
	if err != nil {
		return nil, fmt.Errorf("scratch area: %w", err)
	}
	defer os.RemoveAll(scratch)
	sc := *cfg
	sc.Paths.Work = filepath.Join(scratch, "work")
	sc.Paths.Done = filepath.Join(scratch, "done")
	sc.Paths.Error = filepath.Join(scratch, "error")
	if sc.Workers.Concurrency == 0 {
		sc.Workers.Concurrency = runtime.NumCPU()
	}
	j, err := sqlite.Open(ctx, filepath.Join(scratch, "journal.db"))
	if err != nil {
		return nil, err
	}
	defer j.Close()
	rec := &inspectRecognizer{useCLI: useCLI, cfg: &sc}
	defer rec.close()
	p := pipeline.New(pipeline.Options{
		Config: &sc, Journal: j, Recognizer: rec, Faults: faults, Classifier: classifier, Invoices: j,
		Office: newOfficeConverter(&sc, slog.New(slog.DiscardHandler)),
	})

	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	id, err := pipeline.HashFile(abs)
	if err != nil {
		return fail("intake", err), nil
	}
	// The pipeline reads the original where serve's claim would lie; it
	// does not move or change it before delivery.
	if _, _, err := j.Create(ctx, &journal.Document{
		ID: id, SourceName: name, Profile: prof.Name, State: journal.StateReceived,
		Step: pipeline.StepIngest, WorkPath: abs,
	}); err != nil {
		return nil, err
	}
	step := pipeline.StepIngest
	// Stop before anything leaves the scratch area: delivery, and the
	// unpacking of an archive or mail, which writes into the hot folder
	// and moves the original.
	for step != pipeline.StepSign && step != pipeline.StepDeliver && step != pipeline.StepUnpack {
		if step == pipeline.StepEInvoice {
			out.EInvoice = einvoiceVerdict(ctx, abs)
		}
		next, err := p.Run(ctx, step, id)
		if err != nil {
			fail(step, err)
			break
		}
		if next == "" {
			return nil, fmt.Errorf("pipeline stopped after step %s", step)
		}
		step = next
	}
	doc, err := j.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	out.Format = doc.Format
	switch {
	case out.EInvoice != nil:
		out.Lane = "einvoice"
	case doc.Format != "":
		out.Lane = "ocr"
	}
	if rec.layout != nil {
		out.OCR = rec.via
		inv := extract.Invoice(*rec.layout)
		out.Invoice, out.InvoiceReview, out.Problems = inv.Fields, inv.Review, inv.Problems
	}
	if out.Next == "error" {
		return out, nil
	}
	out.Next = step
	if step == pipeline.StepUnpack {
		// Unpack into the scratch area: what serve would write into the
		// hot folder, or why it would refuse the archive or mail.
		out.Lane = "unpack"
		dst := filepath.Join(scratch, "unpacked")
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return nil, err
		}
		unpack := intake.UnpackZIP
		if doc.Format == string(intake.FormatEML) {
			unpack = intake.UnpackEML
		}
		names, err := unpack(abs, name, dst, intake.ArchiveLimits{MaxFileBytes: cfg.Intake.MaxFileSize})
		if err != nil {
			return fail(pipeline.StepUnpack, err), nil
		}
		out.Unpacked = names
		return out, nil
	}
	out.Kind = doc.Kind
	for k, v := range doc.Fields {
		out.Fields[k] = v
	}
	f := doc.Fields
	out.Route, out.Office, out.Location, out.Workflow = f[fields.Route], f[fields.Office], f[fields.Location], f[fields.Workflow]
	out.Review, out.Reason = f[fields.NeedsReview] == "true", f[fields.ReviewWhy]
	// The classify step always writes it ("%.2f"); a missing one reads as 0.
	out.Confidence, _ = strconv.ParseFloat(f[fields.Confidence], 64)
	// As the deliver step chooses it.
	out.Target = prof.Target
	if rt := f[fields.RouteTarget]; rt != "" {
		out.Target = rt
	}
	return out, nil
}

// einvoiceVerdict validates the e-invoice with the same functions as the
// e-invoice step, for the findings the step keeps only in its report files.
func einvoiceVerdict(ctx context.Context, file string) *inspectEInvoice {
	doc, err := einvoice.ParseFile(ctx, file)
	if err != nil {
		// The step itself fails with the same error; the output says so.
		return &inspectEInvoice{Findings: []validate.Finding{}}
	}
	rep := validate.Validate(doc)
	return &inspectEInvoice{Valid: rep.Accepted, Scenario: rep.Scenario, Syntax: string(doc.Syntax), Findings: rep.Findings}
}

// inspectRecognizer starts the OCR engine the workers use only when a scan
// needs it (e-invoices never do) and keeps the words it read.
type inspectRecognizer struct {
	useCLI bool
	cfg    *config.Config
	rec    pipeline.Recognizer
	stop   func()
	layout *layout.Document
	via    string
}

func (r *inspectRecognizer) Recognize(ctx context.Context, in, outPDF string) (*pipeline.Recognition, error) {
	if r.rec == nil {
		if r.useCLI {
			r.rec, r.stop, r.via = cliRecognizer{cache: filepath.Join(os.TempDir(), "eingang-ocr-cache", "tesscli")}, func() {}, "tesseract-cli"
		} else {
			rec, stop, err := newRecognizer(r.cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				return nil, err
			}
			r.rec, r.stop, r.via = rec, stop, "internal/ocr"
		}
	}
	res, err := r.rec.Recognize(ctx, in, outPDF)
	if err != nil {
		return nil, err
	}
	l := res.Layout
	r.layout = &l
	return res, nil
}

func (r *inspectRecognizer) close() {
	if r.stop != nil {
		r.stop()
	}
}

// cliRecognizer reads a scan with the tesseract command-line tool (cached),
// a development stand-in for the engine.
type cliRecognizer struct{ cache string }

func (c cliRecognizer) Recognize(ctx context.Context, in, outPDF string) (*pipeline.Recognition, error) {
	d, err := tesscli.New(c.cache).Layout(ctx, in)
	if err != nil {
		return nil, err
	}
	// The OCR step expects its PDF; inspect throws the scratch area away,
	// so the input stands in for the searchable PDF.
	b, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(outPDF, b, 0o600); err != nil {
		return nil, err
	}
	return &pipeline.Recognition{Pages: len(d.Pages), Layout: d}, nil
}

func writeInspectText(w io.Writer, o *inspectOutput) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("file:       %s\n", o.File)
	cfg := o.Config
	if cfg == "" {
		cfg = "built-in defaults"
	}
	p("config:     %s, profile %s\n", cfg, o.Profile)
	if o.Ignored {
		p("note:       serve's intake ignores files with this name (hidden, temporary or intake.ignore_patterns)\n")
	}
	switch o.Lane {
	case "einvoice":
		p("format:     %s, e-invoice (no OCR)\n", o.Format)
	case "ocr":
		p("format:     %s, scan (OCR: %s)\n", o.Format, o.OCR)
	}
	if e := o.EInvoice; e != nil && (e.Scenario != "" || len(e.Findings) > 0) {
		verdict := "gültig / valid"
		if !e.Valid {
			verdict = "UNGÜLTIG / invalid"
		}
		scenario := e.Scenario
		if scenario == "" {
			scenario = "none"
		}
		n := map[validate.Severity]int{}
		for _, f := range e.Findings {
			n[f.Severity]++
		}
		p("e-invoice:  %s (scenario %s; %d errors, %d warnings, %d information)\n", verdict, scenario,
			n[validate.SeverityFatal]+n[validate.SeverityError], n[validate.SeverityWarning], n[validate.SeverityInformation])
		for _, g := range groupFindings(e.Findings) {
			p("  ! [%s] %s: %s%s\n", g.f.Severity, g.f.Rule, g.f.MessageDE, g.times())
		}
	}
	if o.Next == "error" {
		what := "error folder"
		if o.Retried {
			what = "retried (transient failure)"
		}
		p("serve:      %s at step %s\n", what, o.FailedStep)
		if o.ErrorDE != "" {
			p("            %s\n", o.ErrorDE)
		}
		p("            %s\n", o.Error)
	} else if o.Next == pipeline.StepUnpack {
		p("serve:      unpack it into the profile's hot folder; each of these files becomes a document of its own (inspect those one by one):\n")
		for _, n := range o.Unpacked {
			p("  %s\n", n)
		}
	} else {
		p("kind:       %s (confidence %.2f)\n", o.Kind, o.Confidence)
		route := o.Route
		if route == "" {
			route = "none"
		}
		var at []string
		for _, s := range []string{o.Office, o.Location} {
			if s != "" {
				at = append(at, s)
			}
		}
		if o.Workflow != "" {
			at = append(at, "workflow "+o.Workflow)
		}
		if len(at) > 0 {
			route += ": " + strings.Join(at, ", ")
		}
		p("route:      %s\n", route)
		if o.Review {
			p("review:     yes: %s\n", o.Reason)
		} else {
			p("review:     no\n")
		}
		next := "deliver to target " + o.Target
		if o.Target == "" {
			next = "deliver (no target: built-in defaults)"
		}
		if o.Next == pipeline.StepSign {
			next = "sign, then deliver to target " + o.Target
		}
		p("serve:      %s\n", next)
		var keys []string
		for k := range o.Fields {
			if !inspectDecisionFields[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			width := 0
			for _, k := range keys {
				width = max(width, len(k))
			}
			p("fields:\n")
			for _, k := range keys {
				p("  %-*s %s\n", width, k, strings.Join(strings.Fields(o.Fields[k]), " "))
			}
		}
	}
	if o.Invoice != nil {
		p("read from the scan (✓ = confidence ≥ %.2f):\n", extract.SafeConfidence)
		names := make([]string, 0, len(o.Invoice))
		for k := range o.Invoice {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			f := o.Invoice[k]
			mark := " "
			if f.Confidence >= extract.SafeConfidence {
				mark = "✓"
			}
			p("  %s %-18s %-30s %.2f\n", mark, k, f.Value, f.Confidence)
		}
		for _, pr := range o.Problems {
			p("  ! %s\n", pr)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// documentLayout OCRs a file with the workers' engine, or with the
// tesseract CLI stand-in when asked to (eingang train reads its scanned
// examples with it).
func documentLayout(ctx context.Context, file string, useCLI bool) (layout.Document, string, error) {
	if useCLI {
		cache := filepath.Join(os.TempDir(), "eingang-ocr-cache", "tesscli")
		d, err := tesscli.New(cache).Layout(ctx, file)
		return d, "tesseract-cli", err
	}
	cfg := ocr.Defaults()
	cfg.Workers = 1
	e, err := ocr.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return layout.Document{}, "", err
	}
	defer e.Close()
	tmp, err := os.MkdirTemp("", "eingang-inspect-")
	if err != nil {
		return layout.Document{}, "", err
	}
	defer os.RemoveAll(tmp)
	res, err := e.Process(ctx, file, filepath.Join(tmp, "out.pdf"))
	if err != nil {
		return layout.Document{}, "", err
	}
	return res.Layout, "internal/ocr", nil
}

// findingGroup is one rule's finding with the number of places it fired.
type findingGroup struct {
	f validate.Finding
	n int
}

func (g findingGroup) times() string {
	if g.n == 1 {
		return ""
	}
	return fmt.Sprintf(" (%d×)", g.n)
}

// groupFindings folds findings of the same rule and message into one line,
// in report order (most severe first): a rule firing on every invoice line
// must not bury the others.
func groupFindings(fs []validate.Finding) []findingGroup {
	var out []findingGroup
	at := map[string]int{}
	for _, f := range fs {
		k := f.Rule + "\x00" + f.MessageDE
		if i, ok := at[k]; ok {
			out[i].n++
			continue
		}
		at[k] = len(out)
		out = append(out, findingGroup{f: f, n: 1})
	}
	return out
}

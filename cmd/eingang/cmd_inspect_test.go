package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// inspectClassification is a Postverteilung for the inspect tests: the
// Leitweg-ID of the generated invoices (04011000-…) goes to the Bauamt,
// other invoices by their kind to the Kämmerei.
const inspectClassification = `
classification:
  routes:
    kaemmerei: {office: Kämmerei, location: Rechnungseingang, workflow: rechnungsworkflow}
    bauamt: {office: Bauamt, location: Posteingang Bauamt}
    review: {office: Poststelle, location: Klärung}
  leitweg_routes: {"04011000": bauamt}
  kind_routes: {Rechnung: kaemmerei, Gutschrift: kaemmerei}
  review_route: review
`

// runInspect runs eingang inspect --format json and decodes its output.
func runInspect(t *testing.T, args ...string) (int, inspectOutput, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmdInspect(context.Background(), append([]string{"--format", "json"}, args...), &out, &errb)
	var o inspectOutput
	if code != 2 {
		if err := json.Unmarshal(out.Bytes(), &o); err != nil {
			t.Fatalf("exit %d, output %q: %v\nstderr: %s", code, out.String(), err, errb.String())
		}
	}
	return code, o, errb.String()
}

// TestInspectEInvoices: inspect takes --config, decides kind and route
// from the config's classification section and the chosen profile, and
// reads e-invoices (XML and hybrid PDF) as the e-invoice step does,
// including the verdict and what a strict profile does with an invalid one.
func TestInspectEInvoices(t *testing.T) {
	cfg, root := writeConfig(t, `  - {name: streng, folder: x/inbox/streng, kind: rechnung, target: archive, invalid_einvoice: error}
`+inspectClassification)
	dir := filepath.Join(root, "files")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("gut.xml", einvoicetest.UBL(einvoicetest.Options{Lines: 3, ID: "INS-1"}))
	// Without the Leitweg-ID BR-DE-15 rejects it, and the Bauamt's
	// Leitweg route no longer applies.
	bad := write("schlecht.xml", bytes.Replace(einvoicetest.UBL(einvoicetest.Options{Lines: 3, ID: "INS-2"}),
		[]byte("<cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>"), nil, 1))
	corpus := testenv.Corpus(t, "einvoice")
	// An XRechnung of the official test suite with another Leitweg-ID
	// (buyer reference 12345678-12345-83, number 12345 in the manifest).
	other := filepath.Join(corpus, "files/xrechnung-testsuite/src/test/business-cases/extension/04.01a-INVOICE_ubl.xml")
	// A Factur-X PDF (EN 16931 profile, invoice 471102, no buyer reference).
	facturx := filepath.Join(corpus, "files/zugferd-corpus/XML-Rechnung/FX/EN16931_Einfach.pdf")
	damaged := filepath.Join(corpus, "files/mustang/Mustang-CLI/src/test/resources/corrupt-factur-x-waytoosmall.pdf")

	tests := []struct {
		name, profile, file string
		code                int
		format, lane        string
		kind, route, office string
		valid               bool
		review              bool
		next, failedStep    string
		errorDE             string
		fields              map[string]string
	}{
		{name: "valid UBL routed by Leitweg-ID", profile: "rechnung", file: good, code: 0, format: "xml", lane: "einvoice",
			kind: "rechnung", route: "bauamt", office: "Bauamt", valid: true, next: "deliver",
			fields: map[string]string{"invoice_number": "INS-1", "einvoice_valid": "true", "buyer_reference": "04011000-1234512345-06", "location": "Posteingang Bauamt"}},
		{name: "corpus XRechnung routed by kind", profile: "rechnung", file: other, code: 0, format: "xml", lane: "einvoice",
			kind: "rechnung", route: "kaemmerei", office: "Kämmerei", valid: true, next: "deliver",
			fields: map[string]string{"invoice_number": "12345", "workflow": "rechnungsworkflow", "einvoice_scenario": "xrechnung-extension"}},
		{name: "Factur-X PDF", profile: "rechnung", file: facturx, code: 0, format: "pdf", lane: "einvoice",
			kind: "rechnung", route: "kaemmerei", office: "Kämmerei", valid: true, next: "deliver",
			fields: map[string]string{"invoice_number": "471102", "einvoice_embedded": "true"}},
		{name: "invalid e-invoice delivered for review", profile: "rechnung", file: bad, code: 0, format: "xml", lane: "einvoice",
			kind: "rechnung", route: "kaemmerei", office: "Kämmerei", valid: false, review: true, next: "deliver",
			fields: map[string]string{"invoice_number": "INS-2", "einvoice_valid": "false"}},
		{name: "invalid e-invoice in a strict profile", profile: "streng", file: bad, code: 1, format: "xml", lane: "einvoice",
			valid: false, next: "error", failedStep: "einvoice", errorDE: "E-Rechnung ist laut Prüfung"},
		{name: "damaged PDF fails at intake", profile: "rechnung", file: damaged, code: 1,
			next: "error", failedStep: "intake", errorDE: "beschädigt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, o, errs := runInspect(t, "--config", cfg, "--profile", tt.profile, tt.file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %+v\nstderr: %s", code, tt.code, o, errs)
			}
			if o.Config != cfg || o.Profile != tt.profile || o.Format != tt.format || o.Lane != tt.lane {
				t.Errorf("config %q profile %q format %q lane %q, want %q %q %q %q", o.Config, o.Profile, o.Format, o.Lane, cfg, tt.profile, tt.format, tt.lane)
			}
			if o.Kind != tt.kind || o.Route != tt.route || o.Office != tt.office || o.Review != tt.review || o.Next != tt.next {
				t.Errorf("kind %q route %q office %q review %v next %q, want %q %q %q %v %q (reason %q)",
					o.Kind, o.Route, o.Office, o.Review, o.Next, tt.kind, tt.route, tt.office, tt.review, tt.next, o.Reason)
			}
			if tt.lane == "einvoice" && (o.EInvoice == nil || o.EInvoice.Valid != tt.valid) {
				t.Errorf("e-invoice verdict %+v, want valid=%v", o.EInvoice, tt.valid)
			}
			if tt.lane == "einvoice" && !tt.valid && o.EInvoice != nil && len(o.EInvoice.Findings) == 0 {
				t.Error("invalid e-invoice without findings")
			}
			if o.FailedStep != tt.failedStep || !strings.Contains(o.ErrorDE, tt.errorDE) {
				t.Errorf("failed step %q, error_de %q; want %q, %q", o.FailedStep, o.ErrorDE, tt.failedStep, tt.errorDE)
			}
			for k, v := range tt.fields {
				if o.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, o.Fields[k], v)
				}
			}
			if o.OCR != "" || o.Invoice != nil {
				t.Errorf("OCR ran (%q) on an e-invoice or broken file", o.OCR)
			}
		})
	}

	// Inspect works in a scratch area: the configured work area, journal
	// and error folder stay untouched.
	for _, p := range []string{"work", "journal.db", "error", "done", "archive"} {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("inspect touched the configured %s (%v)", p, err)
		}
	}

	// The text output says the same.
	var out, errb bytes.Buffer
	if code := cmdInspect(context.Background(), []string{"--config", cfg, "--profile", "rechnung", good}, &out, &errb); code != 0 {
		t.Fatalf("text: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"e-invoice:  gültig / valid (scenario xrechnung-cius", "kind:       rechnung", "route:      bauamt: Bauamt, Posteingang Bauamt\n",
		"review:     no\n", "serve:      deliver to target archive\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestInspectConfigAndUsage: a config or profile that was asked for must
// exist; only a missing default config falls back to built-in defaults,
// and says so.
func TestInspectConfigAndUsage(t *testing.T) {
	cfg, root := writeConfig(t, inspectClassification)
	good := filepath.Join(root, "gut.xml")
	if err := os.WriteFile(good, einvoicetest.UBL(einvoicetest.Options{Lines: 1}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EINGANG_CONFIG", "")
	if _, err := os.Stat("config/eingang.yaml"); err == nil {
		t.Fatal("test expects no config/eingang.yaml in the package directory")
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no file", []string{"--config", cfg}, 2, "usage:"},
		{"help", []string{"--help"}, 0, "--config"},
		{"missing config asked for", []string{"--config", filepath.Join(root, "fehlt.yaml"), good}, 2, "fehlt.yaml"},
		{"unknown profile", []string{"--config", cfg, "--profile", "bauamt", good}, 2, `unknown profile "bauamt" (defined: post, rechnung)`},
		{"old --rules flag is gone", []string{"--rules", cfg, good}, 2, "-rules"},
		{"built-in defaults", []string{good}, 0, "config/eingang.yaml not found; using built-in defaults"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cmdInspect(context.Background(), append([]string{"--format", "json"}, tt.args...), &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), tt.code, tt.stderr)
			}
		})
	}

	// Without --profile the first profile is used; the built-in defaults
	// know only the review route.
	code, o, _ := runInspect(t, "--config", cfg, good)
	if code != 0 || o.Profile != "post" {
		t.Errorf("default profile: exit %d, profile %q, want post", code, o.Profile)
	}
	code, o, _ = runInspect(t, good)
	if code != 0 || o.Config != "" || o.Profile != "inspect" || o.Route != "review" || !o.Review {
		t.Errorf("built-in defaults: exit %d %+v", code, o)
	}
}

// TestInspectMatchesServe drops the same files into a running serve with
// the same configuration and compares serve's decisions — kind, route,
// review and every field — with what inspect printed before: a scan (OCR
// lane) and e-invoices in XML and PDF, valid and invalid.
func TestInspectMatchesServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and runs OCR")
	}
	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - {name: post, folder: %[1]s/inbox/post, kind: post, target: archive}
`+inspectClassification)
	corpus := testenv.Corpus(t, "einvoice")
	scanDir := testenv.Corpus(t, "scans")
	files := []struct{ profile, src, name string }{
		{"rechnung", filepath.Join(corpus, "files/xrechnung-testsuite/src/test/business-cases/extension/04.01a-INVOICE_ubl.xml"), "xrechnung.xml"},
		// Not EN16931_Einfach.pdf: that is the invoice the scan below shows,
		// and serve's duplicate check (which inspect, with its scratch
		// journal, cannot make) would rightly flag the second of them.
		{"rechnung", filepath.Join(corpus, "files/zugferd-corpus/XML-Rechnung/FX/EN16931_2_Teilrechnung.pdf"), "facturx.pdf"},
		{"post", filepath.Join(corpus, "files/mustang/validator/src/test/resources/invalidXRV30.xml"), "ungueltig.xml"},
		// A one-page scanned invoice (scan-0003 in the manifest).
		{"post", filepath.Join(scanDir, "scan-0003.tif"), "scan.tif"},
	}
	want := map[string]inspectOutput{}
	for _, f := range files {
		code, o, errs := runInspect(t, "--config", in.cfg, "--profile", f.profile, f.src)
		if code != 0 {
			t.Fatalf("inspect %s: exit %d %+v\n%s", f.src, code, o, errs)
		}
		want[f.name] = o
	}
	for _, p := range []string{"rechnung", "post"} {
		if err := os.MkdirAll(filepath.Join(in.root, "inbox", p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in.start()
	for _, f := range files {
		copyFile(t, f.src, filepath.Join(in.root, "inbox", f.profile, f.name))
	}
	final := in.waitFinal(len(files), 3*time.Minute)
	for name, w := range want {
		d := final[name]
		if d.State != journal.StateDelivered {
			t.Errorf("%s: serve did not deliver it: %+v", name, d)
			continue
		}
		if d.Kind != w.Kind || d.Fields["route"] != w.Route {
			t.Errorf("%s: serve decided kind %q route %q, inspect said %q %q", name, d.Kind, d.Fields["route"], w.Kind, w.Route)
		}
		for k, v := range w.Fields {
			if d.Fields[k] != v {
				t.Errorf("%s: field %s: serve %q, inspect %q", name, k, d.Fields[k], v)
			}
		}
		for k, v := range d.Fields {
			if _, ok := w.Fields[k]; !ok {
				t.Errorf("%s: serve set %s = %q, inspect did not show it", name, k, v)
			}
		}
	}
}

// TestInspectArchiveTouchesNothing: serve unpacks a ZIP into the hot
// folder and moves it to done/; inspect only says so — the archive stays
// where it is and nothing appears in the hot folder.
func TestInspectArchiveTouchesNothing(t *testing.T) {
	cfg, root := writeConfig(t, "")
	if err := os.MkdirAll(filepath.Join(root, "inbox", "post"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("RE-1.pdf")
	w.Write([]byte("%PDF-1.4\n%%EOF\n"))
	zw.Close()
	src := filepath.Join(t.TempDir(), "Rechnungen.zip")
	if err := os.WriteFile(src, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, o, errs := runInspect(t, "--config", cfg, "--profile", "post", src)
	if code != 0 || o.Next != "unpack" || o.Format != "zip" || len(o.Unpacked) != 1 || o.Unpacked[0] != "Rechnungen.zip__RE-1.pdf" {
		t.Errorf("exit %d, next %q, format %q, files %q (%s)", code, o.Next, o.Format, o.Unpacked, errs)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("inspect moved the archive: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "inbox", "post")); len(ents) != 0 {
		t.Errorf("inspect wrote into the hot folder: %v", ents)
	}
}

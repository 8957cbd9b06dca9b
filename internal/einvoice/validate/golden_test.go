package validate

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// smallReport validates testdata/small-invoice.xml through the parser.
func smallReport(t *testing.T) *Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "small-invoice.xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := einvoice.Parse(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	rep := Validate(doc)
	rep.DocumentName = "small-invoice.xml"
	return rep
}

// TestSmallInvoiceFindings checks the findings against the defects written
// into the test invoice by hand (see the comment at its top).
func TestSmallInvoiceFindings(t *testing.T) {
	rep := smallReport(t)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Rule+"/"+f.Severity.String()+"@"+f.Location)
	}
	sort.Strings(got)
	want := []string{
		"BR-DE-27/warning@/Invoice/cac:AccountingSupplierParty/cac:Party/cac:Contact",
		"EINGANG-LEITWEG-ID/warning@/Invoice/cbc:BuyerReference",
		"PEPPOL-EN16931-R010/fatal@/Invoice",
		"PEPPOL-EN16931-R120/warning@/Invoice/cac:InvoiceLine[2]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Accepted || rep.Scenario != ScenarioXRechnungCIUS {
		t.Errorf("accepted=%v scenario=%q, want rejected in %q", rep.Accepted, rep.Scenario, ScenarioXRechnungCIUS)
	}
}

func TestReportGolden(t *testing.T) {
	rep := smallReport(t)
	for _, tt := range []struct {
		name  string
		write func(*Report, *bytes.Buffer) error
	}{
		{"small-report.json", func(r *Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"small-report.xml", func(r *Report, b *bytes.Buffer) error { return r.WriteXML(b) }},
		{"small-report.txt", func(r *Report, b *bytes.Buffer) error { return r.WriteText(b) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(rep, &buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from golden file:\n%s", tt.name, buf.String())
			}
		})
	}
}

// TestXMLReportStructure decodes the KoSIT-style report with encoding/xml and
// checks the assessment and message levels.
func TestXMLReportStructure(t *testing.T) {
	rep := smallReport(t)
	var buf bytes.Buffer
	if err := rep.WriteXML(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Valid    string `xml:"valid,attr"`
		Scenario struct {
			Step struct {
				Messages []struct {
					Level string `xml:"level,attr"`
					Code  string `xml:"code,attr"`
				} `xml:"message"`
			} `xml:"validationStepResult"`
		} `xml:"scenarioMatched"`
		Assessment struct {
			Reject *struct{} `xml:"reject"`
			Accept *struct{} `xml:"accept"`
		} `xml:"assessment"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Valid != "false" || doc.Assessment.Reject == nil || doc.Assessment.Accept != nil {
		t.Errorf("valid=%q reject=%v accept=%v", doc.Valid, doc.Assessment.Reject != nil, doc.Assessment.Accept != nil)
	}
	levels := map[string]string{}
	for _, m := range doc.Scenario.Step.Messages {
		levels[m.Code] = m.Level
	}
	if levels["PEPPOL-EN16931-R010"] != "error" || levels["PEPPOL-EN16931-R120"] != "warning" || levels["BR-DE-27"] != "warning" {
		t.Errorf("levels = %v", levels)
	}
}

package validate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

// FuzzValidateXML feeds arbitrary bytes through both entry points: the
// validator must never panic and always return a report.
func FuzzValidateXML(f *testing.F) {
	small, err := os.ReadFile(filepath.Join("testdata", "small-invoice.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add(syntheticInvoice(2))
	f.Add([]byte(`<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext><rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement><ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:GrandTotalAmount>1e9</ram:GrandTotalAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>`))
	f.Add([]byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Add([]byte("\xef\xbb\xbf<a><b></a>"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if rep := ValidateXML(data); rep == nil {
			t.Fatal("nil report")
		}
		doc, err := einvoice.Parse(context.Background(), data)
		if err != nil {
			return
		}
		rep := Validate(doc)
		if rep == nil {
			t.Fatal("nil report")
		}
		if rep.Accepted && rep.Scenario == "" {
			t.Fatal("accepted without scenario")
		}
	})
}

func TestValidateBadInput(t *testing.T) {
	deep := make([]byte, 0, 30000)
	for range 10000 {
		deep = append(deep, "<a>"...)
	}
	tests := map[string][]byte{
		"empty":       nil,
		"doctype":     []byte(`<!DOCTYPE Invoice [<!ENTITY x "y">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`),
		"deep":        deep,
		"invalid utf": []byte("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">\xff\xfe</Invoice>"),
		"two roots":   []byte(`<a/><b/>`),
		"latin1":      []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			rep := ValidateXML(data)
			if rep.Accepted || !rep.Has(RuleNotWellFormed) {
				t.Errorf("accepted=%v findings=%v", rep.Accepted, rep.Findings)
			}
		})
	}
	if rep := Validate(nil); rep.Accepted {
		t.Error("nil document accepted")
	}
}

func TestScenarioSelection(t *testing.T) {
	tests := []struct {
		root, profile, want string
	}{
		{"ubl:Invoice", idXRechnung, ScenarioXRechnungCIUS},
		{"cn:CreditNote", idXRechnung, ScenarioXRechnungCIUS},
		{"rsm:CrossIndustryInvoice", idXRechnungExtension, ScenarioXRechnungExtension},
		{"cn:CreditNote", idXRechnungExtension, ""},
		{"ubl:Invoice", idXRechnungCVD, ScenarioXRechnungCVD},
		{"rsm:CrossIndustryInvoice", idEN16931, ScenarioEN16931},
		{"ubl:Invoice", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", ""},
		{"rsm:CrossIndustryInvoice", "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", ""},
		{"rsm:CrossIndustryInvoice", "urn:factur-x.eu:1p0:minimum", ""},
		{"ubl:Invoice", "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.1", ""},
		{"ubl:Invoice", idXRechnung + " ", ""},
	}
	for _, tt := range tests {
		if got := selectScenario(tt.root, tt.profile); got != tt.want {
			t.Errorf("selectScenario(%s, %q) = %q, want %q", tt.root, tt.profile, got, tt.want)
		}
	}
}

// TestValidateRulesOnFragment checks that ValidateRules reports the scoped rules
// of a fragment without a scenario, while Validate reports only the missing
// scenario.
func TestValidateRulesOnFragment(t *testing.T) {
	frag := []byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>X</cbc:Name></cac:PartyName></cac:TaxRepresentativeParty>
</Invoice>`)
	doc, err := einvoice.Parse(context.Background(), frag)
	if err != nil {
		t.Fatal(err)
	}
	if rep := Validate(doc); len(rep.Findings) != 1 || !rep.Has(RuleNoScenario) {
		t.Errorf("Validate findings = %v", rep.Findings)
	}
	rep := ValidateRules(doc)
	for _, r := range []string{RuleNoScenario, "BR-19", "BR-56", "BR-01"} {
		if !rep.Has(r) {
			t.Errorf("ValidateRules misses %s", r)
		}
	}
	if rep.Has("BR-18") || rep.Accepted {
		t.Errorf("BR-18 fired or accepted: %v", rep.Findings)
	}
}

func TestLocationOfUnknownNamespace(t *testing.T) {
	rep := ValidateXML([]byte(`<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"><rsm:X/></rsm:CrossIndustryDocument>`))
	if len(rep.Findings) != 1 || rep.Findings[0].Location != "/CrossIndustryDocument" {
		t.Errorf("findings = %+v", rep.Findings)
	}
}

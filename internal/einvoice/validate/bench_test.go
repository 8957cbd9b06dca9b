package validate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

// syntheticInvoice builds a consistent XRechnung UBL invoice with n lines of
// 3 × 10.00 EUR at 19 %.
func syntheticInvoice(n int) []byte {
	var lines strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&lines, `  <cac:InvoiceLine>
    <cbc:ID>%d</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">3</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">30.00</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Artikel %d</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
`, i, i)
	}
	net := fmt.Sprintf("%d.00", 30*n)
	tax := fmt.Sprintf("%d.%02d", (570*n)/100, (570*n)%100)
	gross := fmt.Sprintf("%d.%02d", (3570*n)/100, (3570*n)%100)
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>BENCH-1</cbc:ID>
  <cbc:IssueDate>2026-11-02</cbc:IssueDate>
  <cbc:DueDate>2026-12-02</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>
  <cac:InvoicePeriod><cbc:StartDate>2026-10-01</cbc:StartDate><cbc:EndDate>2026-10-31</cbc:EndDate></cac:InvoicePeriod>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="EM">rechnung@lieferant.example</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>Musterstadt</cbc:CityName><cbc:PostalZone>12345</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Lieferant GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
    <cac:Contact><cbc:Name>Vertrieb</cbc:Name><cbc:Telephone>+49 30 123456</cbc:Telephone><cbc:ElectronicMail>vertrieb@lieferant.example</cbc:ElectronicMail></cac:Contact>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0204">04011000-1234512345-06</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>Musterstadt</cbc:CityName><cbc:PostalZone>12345</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Stadt Musterstadt</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>DE02120300000000202051</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">` + tax + `</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">` + net + `</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">` + tax + `</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">` + net + `</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">` + net + `</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">` + gross + `</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">` + gross + `</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
` + lines.String() + `</ubl:Invoice>
`)
}

// TestSyntheticInvoicesAccepted makes sure the benchmark inputs are clean
// invoices, so the benchmarks measure the normal path.
func TestSyntheticInvoicesAccepted(t *testing.T) {
	for _, n := range []int{1, 20, 1000} {
		doc, err := einvoice.Parse(context.Background(), syntheticInvoice(n))
		if err != nil {
			t.Fatal(err)
		}
		rep := Validate(doc)
		if !rep.Accepted || len(rep.Findings) != 0 {
			t.Errorf("%d lines: accepted=%v findings=%v", n, rep.Accepted, rep.Findings)
		}
	}
}

func benchParseValidate(b *testing.B, lines int) {
	data := syntheticInvoice(lines)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := einvoice.Parse(context.Background(), data)
		if err != nil {
			b.Fatal(err)
		}
		if rep := Validate(doc); !rep.Accepted {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkParseValidateSmall is the ≥ 500 invoices/s target (20 lines).
func BenchmarkParseValidateSmall(b *testing.B) { benchParseValidate(b, 20) }

// BenchmarkParseValidateLarge checks that cost grows linearly (1,000 lines).
func BenchmarkParseValidateLarge(b *testing.B) { benchParseValidate(b, 1000) }

// BenchmarkParseValidate5000 is a second point for the linearity check.
func BenchmarkParseValidate5000(b *testing.B) { benchParseValidate(b, 5000) }

// BenchmarkValidateOnlySmall measures the rules without parsing.
func BenchmarkValidateOnlySmall(b *testing.B) {
	doc, err := einvoice.Parse(context.Background(), syntheticInvoice(20))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Validate(doc)
	}
}

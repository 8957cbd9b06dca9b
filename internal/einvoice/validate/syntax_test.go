package validate

import (
	"strings"
	"testing"
)

// ciiSyntaxBase is a small CII invoice that violates none of the syntax
// binding rules; each table case changes one part of it.
const ciiSyntaxBase = `<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
<rsm:ExchangedDocument><ram:ID>R-1</ram:ID><ram:TypeCode>380</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="102">20240101</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction>
<ram:IncludedSupplyChainTradeLineItem>
<ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
<ram:SpecifiedTradeProduct>PRODUCT<ram:Name>Item</ram:Name></ram:SpecifiedTradeProduct>
<ram:SpecifiedLineTradeAgreement>GROSS<ram:NetPriceProductTradePrice><ram:ChargeAmount>10.00</ram:ChargeAmount>NETEXTRA<ram:BasisQuantity unitCode="C62">1</ram:BasisQuantity></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity BILLEDUNIT>1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>LINETAX</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>10.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
</ram:IncludedSupplyChainTradeLineItem>
<ram:ApplicableHeaderTradeAgreement>BUYERREF<ram:SellerTradeParty><ram:Name>S</ram:Name><ram:PostalTradeAddress>ADDRESS<ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress></ram:SellerTradeParty>
<ram:BuyerTradeParty><ram:Name>B</ram:Name><ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>REFDOC</ram:ApplicableHeaderTradeAgreement>
<ram:ApplicableHeaderTradeDelivery/>
<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>PERIOD
<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>10.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>10.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">1.90</ram:TaxTotalAmount><ram:GrandTotalAmount>11.90</ram:GrandTotalAmount><ram:DuePayableAmount>11.90</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
</ram:ApplicableHeaderTradeSettlement>
</rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>`

var ciiSyntaxDefaults = map[string]string{
	"PRODUCT": "", "GROSS": "", "NETEXTRA": "", "BILLEDUNIT": `unitCode="C62"`,
	"LINETAX": "VAT", "BUYERREF": "", "ADDRESS": "", "REFDOC": "", "PERIOD": "",
}

// ciiSyntaxDoc fills the placeholders of ciiSyntaxBase, overriding some.
func ciiSyntaxDoc(t *testing.T, set map[string]string) []byte {
	t.Helper()
	doc := ciiSyntaxBase
	for k, v := range ciiSyntaxDefaults {
		if o, ok := set[k]; ok {
			v = o
		}
		doc = strings.ReplaceAll(doc, k, v)
	}
	return []byte(doc)
}

func TestCIISyntaxRules(t *testing.T) {
	tests := []struct {
		name  string
		set   map[string]string
		rule  string
		fires bool
	}{
		{"base has no currencyID on amounts", nil, "CII-DT-031", false},
		{"TaxTotalAmount may carry currencyID", nil, "CII-DT-031", false},
		{"currencyID on the net price", map[string]string{"GROSS": `<ram:GrossPriceProductTradePrice><ram:ChargeAmount currencyID="EUR">10.00</ram:ChargeAmount></ram:GrossPriceProductTradePrice>`}, "CII-DT-031", true},
		{"currencyCodeListVersionID on an amount", map[string]string{"GROSS": `<ram:GrossPriceProductTradePrice><ram:ChargeAmount currencyCodeListVersionID="1">10.00</ram:ChargeAmount></ram:GrossPriceProductTradePrice>`}, "CII-DT-032", true},
		{"net price once", nil, "CII-SR-441", false},
		{"net price twice", map[string]string{"NETEXTRA": `<ram:ChargeAmount>10.00</ram:ChargeAmount>`}, "CII-SR-441", true},
		{"one price discount", map[string]string{"GROSS": `<ram:GrossPriceProductTradePrice><ram:ChargeAmount>11.00</ram:ChargeAmount><ram:AppliedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>1.00</ram:ActualAmount></ram:AppliedTradeAllowanceCharge></ram:GrossPriceProductTradePrice>`}, "CII-SR-440", false},
		{"two price discounts", map[string]string{"GROSS": `<ram:GrossPriceProductTradePrice><ram:ChargeAmount>11.00</ram:ChargeAmount><ram:AppliedTradeAllowanceCharge><ram:ActualAmount>0.50</ram:ActualAmount></ram:AppliedTradeAllowanceCharge><ram:AppliedTradeAllowanceCharge><ram:ActualAmount>0.50</ram:ActualAmount></ram:AppliedTradeAllowanceCharge></ram:GrossPriceProductTradePrice>`}, "CII-SR-440", true},
		{"GlobalID with schemeID", map[string]string{"PRODUCT": `<ram:GlobalID schemeID="0160">4000001000005</ram:GlobalID>`}, "CII-SR-046", false},
		{"GlobalID without schemeID", map[string]string{"PRODUCT": `<ram:GlobalID>4000001000005</ram:GlobalID>`}, "CII-SR-046", true},
		{"product characteristic complete", map[string]string{"PRODUCT": `<ram:ApplicableProductCharacteristic><ram:Description>Farbe</ram:Description><ram:Value>rot</ram:Value></ram:ApplicableProductCharacteristic>`}, "CII-SR-072", false},
		{"product characteristic without value", map[string]string{"PRODUCT": `<ram:ApplicableProductCharacteristic><ram:Description>Farbe</ram:Description></ram:ApplicableProductCharacteristic>`}, "CII-SR-072", true},
		{"schemeName on an ID", map[string]string{"PRODUCT": `<ram:SellerAssignedID schemeName="x">A1</ram:SellerAssignedID>`}, "CII-DT-001", true},
		{"schemeID on an ID is allowed", map[string]string{"PRODUCT": `<ram:GlobalID schemeID="0160">1</ram:GlobalID>`}, "CII-DT-001", false},
		{"line tax type VAT", nil, "CII-DT-037", false},
		{"line tax type not VAT", map[string]string{"LINETAX": "GST"}, "CII-DT-037", true},
		{"unitCode on quantities with billed unit", nil, "CII-DT-033", false},
		{"unitCode on base quantity, billed quantity without", map[string]string{"BILLEDUNIT": ""}, "CII-DT-033", true},
		{"postal address with allowed parts", map[string]string{"ADDRESS": `<ram:PostcodeCode>1</ram:PostcodeCode><ram:LineOne>Weg 1</ram:LineOne>`}, "CII-DT-088", false},
		{"postal address with StreetName", map[string]string{"ADDRESS": `<ram:StreetName>Weg</ram:StreetName>`}, "CII-DT-088", true},
		{"postal address with DepartmentName", map[string]string{"ADDRESS": `<ram:DepartmentName>Kasse</ram:DepartmentName>`}, "CII-DT-095", true},
		{"order reference with IssuerAssignedID", map[string]string{"REFDOC": `<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO1</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>`}, "CII-DT-018", false},
		{"order reference with TypeCode", map[string]string{"REFDOC": `<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO1</ram:IssuerAssignedID><ram:TypeCode>220</ram:TypeCode></ram:BuyerOrderReferencedDocument>`}, "CII-DT-018", true},
		{"additional document type 916 with URIID", map[string]string{"REFDOC": `<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>A</ram:IssuerAssignedID><ram:URIID>https://x</ram:URIID><ram:TypeCode>916</ram:TypeCode></ram:AdditionalReferencedDocument>`}, "CII-DT-015", false},
		{"contract reference with URIID", map[string]string{"REFDOC": `<ram:ContractReferencedDocument><ram:IssuerAssignedID>C</ram:IssuerAssignedID><ram:URIID>https://x</ram:URIID></ram:ContractReferencedDocument>`}, "CII-DT-015", true},
		{"contract reference with issue date", map[string]string{"REFDOC": `<ram:ContractReferencedDocument><ram:IssuerAssignedID>C</ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format="102">20240101</qdt:DateTimeString></ram:FormattedIssueDateTime></ram:ContractReferencedDocument>`}, "CII-DT-027", true},
		{"invoicing period with dates", map[string]string{"PERIOD": `<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20240101</udt:DateTimeString></ram:StartDateTime></ram:BillingSpecifiedPeriod>`}, "CII-DT-071", false},
		{"invoicing period with description", map[string]string{"PERIOD": `<ram:BillingSpecifiedPeriod><ram:Description>Januar</ram:Description></ram:BillingSpecifiedPeriod>`}, "CII-DT-071", true},
		{"element with namespace prefix", map[string]string{"BUYERREF": `<ram:BuyerReference>04011000-12345-03</ram:BuyerReference>`}, RuleSchemaNamespace, false},
		{"element without namespace prefix", map[string]string{"BUYERREF": `<BuyerReference>04011000-12345-03</BuyerReference>`}, RuleSchemaNamespace, true},
		{"element in a foreign namespace", map[string]string{"BUYERREF": `<x:BuyerReference xmlns:x="urn:example">1</x:BuyerReference>`}, RuleSchemaNamespace, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := ValidateXML(ciiSyntaxDoc(t, tt.set))
			if rep.Scenario != ScenarioEN16931 {
				t.Fatalf("scenario %q, findings %v", rep.Scenario, rep.Findings)
			}
			if got := rep.Has(tt.rule); got != tt.fires {
				t.Errorf("%s fired = %v, want %v; findings %v", tt.rule, got, tt.fires, rep.Findings)
			}
			if tt.fires && !rep.Rejected() {
				t.Errorf("fatal %s did not reject", tt.rule)
			}
		})
	}
}

// TestCIISyntaxBaseClean guards the table above: the base document must
// carry no syntax finding at all, or the "does not fire" cases prove nothing.
func TestCIISyntaxBaseClean(t *testing.T) {
	rep := ValidateXML(ciiSyntaxDoc(t, nil))
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "CII-") || f.Rule == RuleSchemaNamespace {
			t.Errorf("base document: %s at %s", f.Rule, f.Location)
		}
	}
}

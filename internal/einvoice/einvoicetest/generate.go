// Package einvoicetest generates synthetic, internally consistent XRechnung
// 3.0 invoices of any size for tests, benchmarks and demos. The totals are
// computed with exact decimal arithmetic so the generated documents satisfy
// the EN 16931 calculation rules.
package einvoicetest

import (
	"fmt"
	"math/big"
	"strings"
)

// Options shape a generated invoice.
type Options struct {
	// Lines is the number of invoice lines (at least 1).
	Lines int
	// ID is BT-1; "" gives "RE-2024-0815".
	ID string
}

type line struct {
	qty, price, net string
	name            string
}

// cents formats an amount in cents as a 2-decimal string.
func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

type totals struct {
	lines            []line
	net, tax, gross  string
	netCents, taxCts int64
}

func compute(n int) totals {
	if n < 1 {
		n = 1
	}
	var t totals
	for i := 1; i <= n; i++ {
		qty := int64(i%5 + 1)
		price := int64(1000 + (i%7)*125) // cents
		net := qty * price
		t.netCents += net
		t.lines = append(t.lines, line{
			qty:   fmt.Sprintf("%d", qty),
			price: cents(price),
			net:   cents(net),
			name:  fmt.Sprintf("Büromaterial Position %d – Ordner & Mappen", i),
		})
	}
	// VAT 19 %, rounded half up to cents (exact via big.Rat).
	r := new(big.Rat).Mul(big.NewRat(t.netCents, 1), big.NewRat(19, 100))
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	t.taxCts = q.Int64()
	t.net, t.tax, t.gross = cents(t.netCents), cents(t.taxCts), cents(t.netCents+t.taxCts)
	return t
}

// UBL returns a UBL 2.1 XRechnung 3.0 invoice.
func UBL(o Options) []byte {
	t := compute(o.Lines)
	id := o.ID
	if id == "" {
		id = "RE-2024-0815"
	}
	var b strings.Builder
	b.Grow(2000 + 900*len(t.lines))
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>%s</cbc:ID>
  <cbc:IssueDate>2024-06-03</cbc:IssueDate>
  <cbc:DueDate>2024-07-03</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Lieferung gemäß Rahmenvertrag &amp; Bestellung vom 15.05.2024.</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>
  <cac:OrderReference>
    <cbc:ID>BST-4711</cbc:ID>
  </cac:OrderReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="EM">rechnung@buero-mueller.example</cbc:EndpointID>
      <cac:PartyName>
        <cbc:Name>Büro Müller</cbc:Name>
      </cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Hauptstraße 1</cbc:StreetName>
        <cbc:CityName>Köln</cbc:CityName>
        <cbc:PostalZone>50667</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>DE</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>DE123456789</cbc:CompanyID>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Büro Müller GmbH</cbc:RegistrationName>
        <cbc:CompanyID>HRB 12345</cbc:CompanyID>
      </cac:PartyLegalEntity>
      <cac:Contact>
        <cbc:Name>Erika Müller</cbc:Name>
        <cbc:Telephone>+49 221 123456</cbc:Telephone>
        <cbc:ElectronicMail>erika.mueller@buero-mueller.example</cbc:ElectronicMail>
      </cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0204">04011000-1234512345-06</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:StreetName>Rathausplatz 3</cbc:StreetName>
        <cbc:CityName>Musterstadt</cbc:CityName>
        <cbc:PostalZone>12345</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>DE</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Stadt Musterstadt, Kämmerei</cbc:RegistrationName>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:Delivery>
    <cbc:ActualDeliveryDate>2024-05-31</cbc:ActualDeliveryDate>
  </cac:Delivery>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
    <cbc:PaymentID>%s</cbc:PaymentID>
    <cac:PayeeFinancialAccount>
      <cbc:ID>DE02120300000000202051</cbc:ID>
      <cbc:Name>Büro Müller GmbH</cbc:Name>
      <cac:FinancialInstitutionBranch>
        <cbc:ID>BYLADEM1001</cbc:ID>
      </cac:FinancialInstitutionBranch>
    </cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms>
    <cbc:Note>Zahlbar innerhalb von 30 Tagen ohne Abzug.</cbc:Note>
  </cac:PaymentTerms>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">%s</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">%s</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">%s</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">%s</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">%s</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">%s</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">%s</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
`, id, id, t.tax, t.net, t.tax, t.net, t.net, t.gross, t.gross)
	for i, l := range t.lines {
		fmt.Fprintf(&b, `  <cac:InvoiceLine>
    <cbc:ID>%d</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">%s</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">%s</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>%s</cbc:Name>
      <cac:SellersItemIdentification>
        <cbc:ID>ART-%05d</cbc:ID>
      </cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price>
      <cbc:PriceAmount currencyID="EUR">%s</cbc:PriceAmount>
    </cac:Price>
  </cac:InvoiceLine>
`, i+1, l.qty, l.net, xmlEscape(l.name), i+1, l.price)
	}
	b.WriteString("</ubl:Invoice>\n")
	return []byte(b.String())
}

// CII returns the same invoice as UBL in UN/CEFACT CII syntax.
func CII(o Options) []byte {
	t := compute(o.Lines)
	id := o.ID
	if id == "" {
		id = "RE-2024-0815"
	}
	var b strings.Builder
	b.Grow(3000 + 1100*len(t.lines))
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter>
      <ram:ID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</ram:ID>
    </ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>%s</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20240603</udt:DateTimeString>
    </ram:IssueDateTime>
    <ram:IncludedNote>
      <ram:Content>Lieferung gemäß Rahmenvertrag &amp; Bestellung vom 15.05.2024.</ram:Content>
    </ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
`, id)
	for i, l := range t.lines {
		fmt.Fprintf(&b, `    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument>
        <ram:LineID>%d</ram:LineID>
      </ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>ART-%05d</ram:SellerAssignedID>
        <ram:Name>%s</ram:Name>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice>
          <ram:ChargeAmount>%s</ram:ChargeAmount>
        </ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="H87">%s</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>%s</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
`, i+1, i+1, xmlEscape(l.name), l.price, l.qty, l.net)
	}
	fmt.Fprintf(&b, `    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>04011000-1234512345-06</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>Büro Müller GmbH</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID>HRB 12345</ram:ID>
          <ram:TradingBusinessName>Büro Müller</ram:TradingBusinessName>
        </ram:SpecifiedLegalOrganization>
        <ram:DefinedTradeContact>
          <ram:PersonName>Erika Müller</ram:PersonName>
          <ram:TelephoneUniversalCommunication>
            <ram:CompleteNumber>+49 221 123456</ram:CompleteNumber>
          </ram:TelephoneUniversalCommunication>
          <ram:EmailURIUniversalCommunication>
            <ram:URIID>erika.mueller@buero-mueller.example</ram:URIID>
          </ram:EmailURIUniversalCommunication>
        </ram:DefinedTradeContact>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>50667</ram:PostcodeCode>
          <ram:LineOne>Hauptstraße 1</ram:LineOne>
          <ram:CityName>Köln</ram:CityName>
          <ram:CountryID>DE</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="EM">rechnung@buero-mueller.example</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">DE123456789</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Stadt Musterstadt, Kämmerei</ram:Name>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>12345</ram:PostcodeCode>
          <ram:LineOne>Rathausplatz 3</ram:LineOne>
          <ram:CityName>Musterstadt</ram:CityName>
          <ram:CountryID>DE</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="0204">04011000-1234512345-06</ram:URIID>
        </ram:URIUniversalCommunication>
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument>
        <ram:IssuerAssignedID>BST-4711</ram:IssuerAssignedID>
      </ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery>
      <ram:ActualDeliverySupplyChainEvent>
        <ram:OccurrenceDateTime>
          <udt:DateTimeString format="102">20240531</udt:DateTimeString>
        </ram:OccurrenceDateTime>
      </ram:ActualDeliverySupplyChainEvent>
    </ram:ApplicableHeaderTradeDelivery>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>%s</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount>
          <ram:IBANID>DE02120300000000202051</ram:IBANID>
          <ram:AccountName>Büro Müller GmbH</ram:AccountName>
        </ram:PayeePartyCreditorFinancialAccount>
        <ram:PayeeSpecifiedCreditorFinancialInstitution>
          <ram:BICID>BYLADEM1001</ram:BICID>
        </ram:PayeeSpecifiedCreditorFinancialInstitution>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>%s</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>%s</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Zahlbar innerhalb von 30 Tagen ohne Abzug.</ram:Description>
        <ram:DueDateDateTime>
          <udt:DateTimeString format="102">20240703</udt:DateTimeString>
        </ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>%s</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>%s</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">%s</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>%s</ram:GrandTotalAmount>
        <ram:DuePayableAmount>%s</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
`, id, t.tax, t.net, t.net, t.net, t.tax, t.gross, t.gross)
	return []byte(b.String())
}

// Totals returns the expected BT-109, BT-110 and BT-112 of a generated
// invoice with n lines, for assertions.
func Totals(n int) (net, tax, gross string) {
	t := compute(n)
	return t.net, t.tax, t.gross
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

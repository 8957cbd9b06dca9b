package einvoice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
)

const sbdhHead = `<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">0204:991-12345-67</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">0204:04011000-1234512345-06</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>b7c1f7e0-0000-4000-8000-000000000001</InstanceIdentifier>
      <Type>Invoice</Type>
      <CreationDateAndTime>2024-06-03T10:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
  </StandardBusinessDocumentHeader>
`

// wrapSBDH puts an XML document (without its declaration) into a Peppol
// SBDH envelope.
func wrapSBDH(inner []byte) []byte {
	inner = bytes.TrimSpace(inner)
	if bytes.HasPrefix(inner, []byte("<?xml")) {
		inner = inner[bytes.Index(inner, []byte("?>"))+2:]
	}
	return []byte(sbdhHead + string(bytes.TrimSpace(inner)) + "\n</StandardBusinessDocument>\n")
}

func TestDetect(t *testing.T) {
	ubl := einvoicetest.UBL(einvoicetest.Options{Lines: 1})
	cii := einvoicetest.CII(einvoicetest.Options{Lines: 1})
	zf1, err := os.ReadFile(filepath.Join("testdata", "zugferd1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cn := bytes.ReplaceAll(ubl, []byte("Invoice-2"), []byte("CreditNote-2"))
	cn = bytes.ReplaceAll(cn, []byte("ubl:Invoice"), []byte("ubl:CreditNote"))
	tests := []struct {
		name string
		data []byte
		want einvoice.Format
	}{
		{"ubl invoice", ubl, einvoice.UBLInvoice},
		{"ubl credit note", cn, einvoice.UBLCreditNote},
		{"cii", cii, einvoice.CII},
		{"zugferd 1", zf1, einvoice.ZUGFeRD1},
		{"ubl with BOM", append([]byte("\xef\xbb\xbf"), ubl...), einvoice.UBLInvoice},
		{"ubl in sbdh", wrapSBDH(ubl), einvoice.UBLInvoice},
		{"cii in sbdh", wrapSBDH(cii), einvoice.CII},
		{"sbdh with envelope namespaces", []byte(`<sh:StandardBusinessDocument xmlns:sh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader" xmlns:cn="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"><sh:StandardBusinessDocumentHeader/><cn:CreditNote/></sh:StandardBusinessDocument>`), einvoice.UBLCreditNote},
		{"default namespace", []byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`), einvoice.UBLInvoice},
		{"wrong namespace", []byte(`<Invoice xmlns="urn:example"/>`), einvoice.Unknown},
		{"fatturapa", []byte(`<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"/>`), einvoice.Unknown},
		{"doctype", []byte(`<!DOCTYPE x [<!ENTITY a "b">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`), einvoice.Unknown},
		{"text", []byte("Sehr geehrte Damen und Herren"), einvoice.Unknown},
		{"empty", nil, einvoice.Unknown},
		{"plain pdf", buildPDF(nil, false), einvoice.PlainPDF},
	}
	for _, tt := range tests {
		if got := einvoice.Detect(tt.data); got != tt.want {
			t.Errorf("%s: Detect = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSBDH(t *testing.T) {
	ubl := einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "SBDH-1"})
	env := wrapSBDH(ubl)
	doc, err := einvoice.Parse(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.SBDH || doc.Format != einvoice.UBLInvoice || doc.Invoice.ID.Value != "SBDH-1" {
		t.Fatalf("SBDH=%v format=%v id=%q", doc.SBDH, doc.Format, doc.Invoice.ID.Value)
	}
	// The invoice is cut out byte for byte, without the envelope.
	if !bytes.HasPrefix(doc.XML, []byte("<ubl:Invoice")) || !bytes.HasSuffix(doc.XML, []byte("</ubl:Invoice>")) {
		t.Errorf("XML not cut out: %.60q … %q", doc.XML, doc.XML[len(doc.XML)-20:])
	}
	if !bytes.Contains(env, doc.XML) {
		t.Error("XML is not a slice of the original bytes")
	}
	// The cut-out must parse on its own to the same fields.
	again, err := einvoice.Parse(context.Background(), doc.XML)
	if err != nil {
		t.Fatalf("cut-out does not parse: %v", err)
	}
	if a, b := again.Invoice.Fields(), doc.Invoice.Fields(); len(a) != len(b) || a["grand_total"] != b["grand_total"] {
		t.Errorf("fields differ: %v vs %v", a, b)
	}
	if p := doc.Invoice.ID.Source.Path; p != "/Invoice/cbc:ID" {
		t.Errorf("path = %q, want /Invoice/cbc:ID", p)
	}

	// An invoice relying on the envelope's namespace declarations keeps the
	// whole envelope as its XML.
	shared := []byte(`<sh:StandardBusinessDocument xmlns:sh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader" xmlns:inv="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><sh:StandardBusinessDocumentHeader/><inv:Invoice><cbc:ID>X</cbc:ID></inv:Invoice></sh:StandardBusinessDocument>`)
	doc, err = einvoice.Parse(context.Background(), shared)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc.XML, shared) || doc.Invoice.ID.Value != "X" {
		t.Errorf("shared-namespace envelope: XML %q id %q", doc.XML, doc.Invoice.ID.Value)
	}

	empty := []byte(`<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"><StandardBusinessDocumentHeader/></StandardBusinessDocument>`)
	if _, err := einvoice.Parse(context.Background(), empty); !errors.Is(err, einvoice.ErrNotEInvoice) {
		t.Errorf("empty envelope: err = %v", err)
	}
}

// TestHostileInput: every kind of bad input yields its sentinel error
// quickly.
func TestHostileInput(t *testing.T) {
	ubl := string(einvoicetest.UBL(einvoicetest.Options{Lines: 1}))
	deep := `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">` +
		strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + `</Invoice>`
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
		`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol2;</ID></Invoice>`
	xxe := `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>`
	tests := []struct {
		name string
		data string
		want error
	}{
		{"billion laughs", laughs, einvoice.ErrHostileXML},
		{"external entity", xxe, einvoice.ErrHostileXML},
		{"plain doctype", `<!DOCTYPE Invoice><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`, einvoice.ErrHostileXML},
		{"10000 deep", deep, einvoice.ErrHostileXML},
		{"invalid utf-8", strings.Replace(ubl, "Müller", "M\xfcller", 1), einvoice.ErrInvalidEncoding},
		{"latin-1 declared", strings.Replace(ubl, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), einvoice.ErrInvalidEncoding},
		{"utf-16 bom", "\xff\xfe<\x00?\x00", einvoice.ErrInvalidEncoding},
		{"not well-formed", ubl[:len(ubl)/2], einvoice.ErrMalformed},
		{"two roots", `<a/><b/>`, einvoice.ErrMalformed},
		{"empty", "", einvoice.ErrNotEInvoice},
		{"whitespace", " \n\t", einvoice.ErrNotEInvoice},
		{"wrong root", `<FatturaElettronica xmlns="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"/>`, einvoice.ErrNotEInvoice},
		{"html", `<html><body>Rechnung</body></html>`, einvoice.ErrNotEInvoice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := einvoice.Parse(context.Background(), []byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestTooLarge: a 200 MB file is refused by its size before it is read, and
// in-memory input above the limit is refused as well.
func TestTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">`)
	if err := f.Truncate(200 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	if _, err := einvoice.ParseFile(context.Background(), path); !errors.Is(err, einvoice.ErrTooLarge) {
		t.Fatalf("ParseFile: err = %v, want ErrTooLarge", err)
	}
	lim := einvoice.DefaultConfig()
	lim.MaxBytes = 1000
	if _, err := einvoice.ParseWithConfig(context.Background(), einvoicetest.UBL(einvoicetest.Options{Lines: 5}), lim); !errors.Is(err, einvoice.ErrTooLarge) {
		t.Fatalf("ParseWithConfig: err = %v, want ErrTooLarge", err)
	}
	lim = einvoice.DefaultConfig()
	lim.MaxElements = 100
	if _, err := einvoice.ParseWithConfig(context.Background(), einvoicetest.UBL(einvoicetest.Options{Lines: 50}), lim); !errors.Is(err, einvoice.ErrTooLarge) {
		t.Fatalf("element limit: err = %v, want ErrTooLarge", err)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := einvoice.Parse(ctx, einvoicetest.UBL(einvoicetest.Options{Lines: 1})); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestModel checks the mapping of terms the fields test does not cover,
// on both syntaxes of the same generated invoice.
func TestModel(t *testing.T) {
	for name, data := range map[string][]byte{
		"ubl": einvoicetest.UBL(einvoicetest.Options{Lines: 3}),
		"cii": einvoicetest.CII(einvoicetest.Options{Lines: 3}),
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := einvoice.Parse(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			inv := doc.Invoice
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("BT-24 profile", string(inv.Profile), string(einvoice.ProfileXRechnung))
			check("BT-23", inv.ProfileID.Value, "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
			check("BT-9", inv.DueDate.Value, "2024-07-03")
			check("BT-20", inv.PaymentTerms.Value, "Zahlbar innerhalb von 30 Tagen ohne Abzug.")
			check("BT-22", inv.Notes[0].Text.Value, "Lieferung gemäß Rahmenvertrag & Bestellung vom 15.05.2024.")
			check("BT-28", inv.Seller.TradingName.Value, "Büro Müller")
			check("BT-30", inv.Seller.LegalRegistrationID.Value, "HRB 12345")
			check("BT-34", inv.Seller.ElectronicAddress.Value, "rechnung@buero-mueller.example")
			check("BT-34-1", inv.Seller.ElectronicAddress.Scheme, "EM")
			check("BT-37", inv.Seller.Address.City.Value, "Köln")
			check("BT-42", inv.Seller.Contact.Phone.Value, "+49 221 123456")
			check("BT-44", inv.Buyer.Name.Value, "Stadt Musterstadt, Kämmerei")
			check("BT-49-1", inv.Buyer.ElectronicAddress.Scheme, "0204")
			check("BT-55", inv.Buyer.Address.CountryCode.Value, "DE")
			check("BT-72", inv.Delivery.ActualDate.Value, "2024-05-31")
			check("BT-81", inv.PaymentMeans[0].Code.Value, "58")
			check("BT-83", inv.PaymentMeans[0].RemittanceInfo.Value, "RE-2024-0815")
			check("BT-86", inv.PaymentMeans[0].CreditTransfers[0].ServiceProviderID.Value, "BYLADEM1001")
			check("BT-118", inv.VATBreakdown[0].Category.Value, "S")
			check("BT-119", inv.VATBreakdown[0].Rate.Value.String(), "19")
			check("BT-126", inv.Lines[2].ID.Value, "3")
			check("BT-129", inv.Lines[2].Quantity.Value.String(), "4")
			check("BT-130", inv.Lines[2].Quantity.UnitCode, "H87")
			check("BT-131", inv.Lines[2].NetAmount.Raw, "55.00")
			check("BT-146", inv.Lines[2].Price.NetPrice.Raw, "13.75")
			check("BT-151", inv.Lines[2].VATCategory.Value, "S")
			check("BT-155", inv.Lines[2].Item.SellerID.Value, "ART-00003")
			if inv.Totals.Prepaid.Present || inv.Totals.AllowanceTotal.Present {
				t.Error("absent BT-113/BT-107 reported present")
			}
			if !inv.Totals.LineNet.Present || !inv.Totals.LineNet.Valid {
				t.Error("BT-106 missing")
			}
			// Exact arithmetic: sum of line net amounts equals BT-106.
			var sum einvoice.Decimal
			for _, l := range inv.Lines {
				sum = sum.Add(l.NetAmount.Value)
			}
			if !sum.Equal(inv.Totals.LineNet.Value) {
				t.Errorf("Σ BT-131 = %s, BT-106 = %s", sum, inv.Totals.LineNet.Value)
			}
			if len(inv.Issues) != 0 {
				t.Errorf("issues: %v", inv.Issues)
			}
			wantPath := map[string]string{
				"ubl": "/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount",
				"cii": "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem[2]/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
			}[name]
			check("path", inv.Lines[1].NetAmount.Source.Path, wantPath)
			if inv.Lines[1].NetAmount.Source.Line == 0 {
				t.Error("no line number")
			}
		})
	}
}

// TestIssues: unparseable numbers and dates are kept as present-but-invalid
// with an issue instead of failing the whole parse.
func TestIssues(t *testing.T) {
	data := einvoicetest.UBL(einvoicetest.Options{Lines: 1})
	data = bytes.Replace(data, []byte("<cbc:IssueDate>2024-06-03<"), []byte("<cbc:IssueDate>03.06.2024<"), 1)
	data = bytes.Replace(data, []byte(`<cbc:PayableAmount currencyID="EUR">`), []byte(`<cbc:PayableAmount currencyID="EUR">1,5`), 1)
	doc, err := einvoice.Parse(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	inv := doc.Invoice
	if !inv.IssueDate.Present || inv.IssueDate.Valid || !inv.Totals.Payable.Present || inv.Totals.Payable.Valid {
		t.Errorf("date %+v payable %+v", inv.IssueDate, inv.Totals.Payable)
	}
	codes := map[string]bool{}
	for _, is := range inv.Issues {
		codes[is.Code] = true
	}
	if !codes["invalid-date"] || !codes["invalid-decimal"] {
		t.Errorf("issues = %v", inv.Issues)
	}
}

func TestClassifyProfile(t *testing.T) {
	tests := map[string]einvoice.Profile{
		"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0": einvoice.ProfileXRechnung,
		"urn:cen.eu:en16931:2017": einvoice.ProfileEN16931,
		"urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3": einvoice.ProfileXRechnungOld,
		"urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0": einvoice.ProfilePeppolBIS,
		"urn:factur-x.eu:1p0:minimum":                                    einvoice.ProfileFacturXMinimum,
		"urn:zugferd.de:2p0:basicwl":                                     einvoice.ProfileFacturXBasicWL,
		"urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic":    einvoice.ProfileFacturXBasic,
		"urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended": einvoice.ProfileFacturXExtended,
		"urn:ferd:CrossIndustryDocument:invoice:1p0:comfort":             einvoice.ProfileZUGFeRD1,
		"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0": einvoice.ProfileXRechnungExtension,
		"":                  einvoice.ProfileUnknown,
		"urn:example:other": einvoice.ProfileOther,
	}
	for id, want := range tests {
		if got := einvoice.ClassifyProfile(id); got != want {
			t.Errorf("ClassifyProfile(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestZUGFeRD1 reads the legacy syntax into the same model.
func TestZUGFeRD1(t *testing.T) {
	doc, err := einvoice.ParseFile(context.Background(), filepath.Join("testdata", "zugferd1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"invoice_number": "ZF1-2014-17", "issue_date": "2014-05-22", "currency": "EUR", "order_reference": "B-2014-3",
		"seller_vat_id": "DE999999999", "payee_iban": "DE02120300000000202051", "net_total": "100.00",
		"tax_total": "19.00", "grand_total": "119.00", "due_payable": "119.00", "due_date": "2014-06-21",
		"buyer_reference": "Kostenstelle 4711", "seller_name": "Altlieferant KG",
	}
	got := doc.Invoice.Fields()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if doc.Syntax != einvoice.SyntaxZUGFeRD1 || doc.Invoice.Profile != einvoice.ProfileZUGFeRD1 {
		t.Errorf("syntax %q profile %q", doc.Syntax, doc.Invoice.Profile)
	}
	if r := doc.Invoice.VATBreakdown[0].Rate.Raw; r != "19.00" {
		t.Errorf("ApplicablePercent = %q", r)
	}
	if tr := doc.Invoice.Seller.TaxRegistrationID.Value; tr != "201/113/40209" {
		t.Errorf("BT-32 = %q", tr)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := einvoice.DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	tests := []struct {
		mod  func(*einvoice.Config)
		want string
	}{
		{func(c *einvoice.Config) { c.MaxBytes = 0 }, "max_bytes"},
		{func(c *einvoice.Config) { c.MaxDepth = 100000 }, "max_depth"},
		{func(c *einvoice.Config) { c.MaxElements = 1 }, "max_elements"},
	}
	for _, tt := range tests {
		c := einvoice.DefaultConfig()
		tt.mod(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want+":") {
			t.Errorf("Validate() = %v, want error naming %s", err, tt.want)
		}
	}
}

// TestMixedContentLinear: text interleaved with a million children is
// collected in linear time.
func TestMixedContentLinear(t *testing.T) {
	data := `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">` + strings.Repeat("xy<a/>", 300_000) + `</Invoice>`
	start := time.Now()
	doc, err := einvoice.Parse(context.Background(), []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Root.Text); n != 600_000 {
		t.Errorf("root text has %d bytes", n)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestMessageDE(t *testing.T) {
	for _, err := range []error{einvoice.ErrNotEInvoice, einvoice.ErrHostileXML, einvoice.ErrTooLarge,
		einvoice.ErrInvalidEncoding, einvoice.ErrNoInvoiceInPDF, einvoice.ErrMalformed} {
		msg := einvoice.MessageDE(fmt.Errorf("wrapped: %w", err))
		if msg == "" || msg == einvoice.MessageDE(errors.New("other")) {
			t.Errorf("%v: no specific German message", err)
		}
	}
}

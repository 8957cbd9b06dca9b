package einvoice_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

// project flattens the business terms of an invoice into comparable
// strings: texts trimmed, dates normalised, numbers compared by value.
// Syntax-specific details (raw spelling, currency attributes, paths) are
// left out on purpose.
func project(inv *einvoice.Invoice) map[string]string {
	m := map[string]string{}
	txt := func(k string, t einvoice.Text) {
		if t.Present && strings.TrimSpace(t.Value) != "" {
			m[k] = strings.Join(strings.Fields(t.Value), " ")
		}
	}
	id := func(k string, i einvoice.ID) {
		if i.Present {
			m[k] = strings.TrimSpace(i.Value)
			if i.Scheme != "" {
				m[k+"-1"] = strings.TrimSpace(i.Scheme)
			}
		}
	}
	date := func(k string, d einvoice.Date) {
		if d.Present {
			m[k] = d.Value
		}
	}
	num := func(k string, n einvoice.Number) {
		if n.Present && n.Valid {
			m[k] = n.Value.Trimmed().String()
		}
	}
	amt := func(k string, a einvoice.Amount) { num(k, a.Number) }
	party := func(p string, x *einvoice.Party) {
		if x == nil || !x.Present {
			return
		}
		txt(p+"name", x.Name)
		txt(p+"trading", x.TradingName)
		for i, v := range x.Identifiers {
			if !strings.EqualFold(v.Scheme, "SEPA") {
				id(fmt.Sprintf("%sid%d", p, i), v)
			}
		}
		id(p+"legal", x.LegalRegistrationID)
		txt(p+"vat", x.VATID)
		txt(p+"taxreg", x.TaxRegistrationID)
		txt(p+"legalinfo", x.AdditionalLegalInfo)
		id(p+"endpoint", x.ElectronicAddress)
		if a := x.Address; a != nil {
			txt(p+"line1", a.Line1)
			txt(p+"line2", a.Line2)
			txt(p+"line3", a.Line3)
			txt(p+"city", a.City)
			txt(p+"zip", a.PostCode)
			txt(p+"sub", a.Subdivision)
			txt(p+"country", a.CountryCode)
		}
		if c := x.Contact; c != nil {
			txt(p+"contact", c.Name)
			txt(p+"phone", c.Phone)
			txt(p+"email", c.Email)
		}
	}
	txt("BT-1", inv.ID)
	date("BT-2", inv.IssueDate)
	txt("BT-3", inv.TypeCode)
	txt("BT-5", inv.CurrencyCode)
	txt("BT-6", inv.TaxCurrencyCode)
	date("BT-7", inv.TaxPointDate)
	date("BT-9", inv.DueDate)
	txt("BT-10", inv.BuyerReference)
	txt("BT-11", inv.ProjectReference)
	txt("BT-12", inv.ContractReference)
	txt("BT-13", inv.OrderReference)
	txt("BT-14", inv.SalesOrderReference)
	txt("BT-15", inv.ReceivingAdviceReference)
	txt("BT-16", inv.DespatchAdviceReference)
	txt("BT-17", inv.TenderOrLotReference)
	id("BT-18", inv.InvoicedObjectID)
	txt("BT-19", inv.BuyerAccountingReference)
	txt("BT-20", inv.PaymentTerms)
	for i, n := range inv.Notes {
		txt(fmt.Sprintf("BT-22[%d]", i), n.Text)
		txt(fmt.Sprintf("BT-21[%d]", i), n.SubjectCode)
	}
	txt("BT-23", inv.ProfileID)
	txt("BT-24", inv.CustomizationID)
	for i, p := range inv.PrecedingInvoices {
		txt(fmt.Sprintf("BT-25[%d]", i), p.ID)
		date(fmt.Sprintf("BT-26[%d]", i), p.IssueDate)
	}
	party("seller.", &inv.Seller)
	party("buyer.", &inv.Buyer)
	party("payee.", inv.Payee)
	party("taxrep.", inv.TaxRepresentative)
	if d := inv.Delivery; d != nil {
		txt("BT-70", d.PartyName)
		id("BT-71", d.LocationID)
		date("BT-72", d.ActualDate)
	}
	if p := inv.InvoicePeriod; p != nil {
		date("BT-73", p.Start)
		date("BT-74", p.End)
	}
	for i, pm := range inv.PaymentMeans {
		k := fmt.Sprintf("BG-16[%d].", i)
		txt(k+"BT-81", pm.Code)
		txt(k+"BT-83", pm.RemittanceInfo)
		for j, ct := range pm.CreditTransfers {
			txt(fmt.Sprintf("%sBT-84[%d]", k, j), ct.AccountID)
			txt(fmt.Sprintf("%sBT-85[%d]", k, j), ct.AccountName)
			txt(fmt.Sprintf("%sBT-86[%d]", k, j), ct.ServiceProviderID)
		}
		if c := pm.Card; c != nil {
			txt(k+"BT-87", c.PAN)
			txt(k+"BT-88", c.HolderName)
		}
		if dd := pm.DirectDebit; dd != nil {
			txt(k+"BT-89", dd.MandateID)
			txt(k+"BT-90", dd.CreditorID)
			txt(k+"BT-91", dd.DebitedAccount)
		}
	}
	for i, ac := range inv.AllowanceCharges {
		k := fmt.Sprintf("BG-20/21[%d].", i)
		m[k+"charge"] = fmt.Sprint(ac.Charge)
		amt(k+"amount", ac.Amount)
		amt(k+"base", ac.BaseAmount)
		num(k+"percent", ac.Percentage)
		txt(k+"cat", ac.VATCategory)
		num(k+"rate", ac.VATRate)
		txt(k+"reason", ac.Reason)
		txt(k+"code", ac.ReasonCode)
	}
	t := inv.Totals
	amt("BT-106", t.LineNet)
	amt("BT-107", t.AllowanceTotal)
	amt("BT-108", t.ChargeTotal)
	amt("BT-109", t.TaxExclusive)
	amt("BT-110", t.TaxTotal)
	amt("BT-111", t.TaxTotalTaxCurrency)
	amt("BT-112", t.TaxInclusive)
	amt("BT-113", t.Prepaid)
	amt("BT-114", t.Rounding)
	amt("BT-115", t.Payable)
	for i, v := range inv.VATBreakdown {
		k := fmt.Sprintf("BG-23[%d].", i)
		amt(k+"BT-116", v.TaxableAmount)
		amt(k+"BT-117", v.TaxAmount)
		txt(k+"BT-118", v.Category)
		num(k+"BT-119", v.Rate)
		txt(k+"BT-120", v.ExemptionReason)
		txt(k+"BT-121", v.ExemptionReasonCode)
	}
	for i, d := range inv.AdditionalDocuments {
		k := fmt.Sprintf("BG-24[%d].", i)
		txt(k+"BT-122", einvoice.Text{Value: d.ID.Value, Present: d.ID.Present})
		txt(k+"BT-123", d.Description)
		txt(k+"BT-124", d.URI)
		if a := d.Attachment; a != nil {
			m[k+"BT-125"] = fmt.Sprintf("%s %s %d", a.MimeCode, a.Filename, len(a.Data))
		}
	}
	var lines func(prefix string, ls []einvoice.Line)
	lines = func(prefix string, ls []einvoice.Line) {
		for _, l := range ls {
			k := prefix + "[" + strings.TrimSpace(l.ID.Value) + "]."
			txt(k+"BT-127", l.Note)
			id(k+"BT-128", l.ObjectID)
			num(k+"BT-129", l.Quantity.Number)
			m[k+"BT-130"] = l.Quantity.UnitCode
			amt(k+"BT-131", l.NetAmount)
			txt(k+"BT-132", l.OrderLineReference)
			txt(k+"BT-133", l.AccountingReference)
			if p := l.Period; p != nil {
				date(k+"BT-134", p.Start)
				date(k+"BT-135", p.End)
			}
			for j, ac := range l.AllowanceCharges {
				kk := fmt.Sprintf("%sBG-27/28[%d].", k, j)
				m[kk+"charge"] = fmt.Sprint(ac.Charge)
				amt(kk+"amount", ac.Amount)
				amt(kk+"base", ac.BaseAmount)
				num(kk+"percent", ac.Percentage)
				txt(kk+"reason", ac.Reason)
				txt(kk+"code", ac.ReasonCode)
			}
			amt(k+"BT-146", l.Price.NetPrice)
			amt(k+"BT-147", l.Price.Discount)
			amt(k+"BT-148", l.Price.GrossPrice)
			num(k+"BT-149", l.Price.BaseQuantity.Number)
			txt(k+"BT-151", l.VATCategory)
			num(k+"BT-152", l.VATRate)
			txt(k+"BT-153", l.Item.Name)
			txt(k+"BT-154", l.Item.Description)
			txt(k+"BT-155", l.Item.SellerID)
			txt(k+"BT-156", l.Item.BuyerID)
			id(k+"BT-157", l.Item.StandardID)
			for j, c := range l.Item.Classifications {
				id(fmt.Sprintf("%sBT-158[%d]", k, j), c)
			}
			txt(k+"BT-159", l.Item.OriginCountry)
			for j, a := range l.Item.Attributes {
				txt(fmt.Sprintf("%sBT-160[%d]", k, j), a.Name)
				txt(fmt.Sprintf("%sBT-161[%d]", k, j), a.Value)
			}
			lines(k+"sub", l.SubLines)
		}
	}
	lines("line", inv.Lines)
	return m
}

// TestSyntaxPairs: the XRechnung test suite states each business case in
// UBL and in CII. Both parsers must produce the same business terms, which
// checks the two mappings against each other far beyond the manifest
// fields.
func TestSyntaxPairs(t *testing.T) {
	dir := corpusDir(t)
	ubls, err := filepath.Glob(filepath.Join(dir, "files", "xrechnung-testsuite", "src", "test", "business-cases", "*", "*_ubl.xml"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, u := range ubls {
		c := strings.TrimSuffix(u, "_ubl.xml") + "_uncefact.xml"
		if _, err := os.Stat(c); err != nil {
			continue
		}
		pairs++
		t.Run(filepath.Base(u), func(t *testing.T) {
			du, err := einvoice.ParseFile(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			dc, err := einvoice.ParseFile(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			pu, pc := project(du.Invoice), project(dc.Invoice)
			keys := map[string]bool{}
			for k := range pu {
				keys[k] = true
			}
			for k := range pc {
				keys[k] = true
			}
			var diffs []string
			for k := range keys {
				if pu[k] != pc[k] {
					diffs = append(diffs, fmt.Sprintf("%s: UBL %q, CII %q", k, pu[k], pc[k]))
				}
			}
			sort.Strings(diffs)
			for _, d := range diffs {
				if !knownPairDifference(filepath.Base(u), d) {
					t.Errorf("%s %s", filepath.Base(u), d)
				}
			}
		})
	}
	if pairs < 20 {
		t.Errorf("only %d UBL/CII pairs found", pairs)
	}
}

// knownPairDifference lists differences that are in the test-suite data
// itself (the two syntaxes of a case do not say the same thing), checked by
// reading both files.
func knownPairDifference(file, diff string) bool {
	key, _, _ := strings.Cut(diff, ":")
	for _, k := range pairDataDifferences[strings.TrimSuffix(file, "_ubl.xml")] {
		if k == key {
			return true
		}
	}
	return false
}

var pairDataDifferences = map[string][]string{
	"01.08a-INVOICE": {"BT-13"}, // UBL carries an order reference "Dummywert", CII none
	"01.09a-INVOICE": {"BT-13"},
	"01.10a-INVOICE": {"BT-13"},
	"01.12a-INVOICE": {"BT-13"},
	// CII states zero totals UBL leaves out, and other seller address data.
	"01.20a-INVOICE": {"BT-107", "BT-108", "BT-113", "seller.city", "seller.line1"},
	// CII: header exemption reason "als gemeinnützig anerkannt" and another VAT id.
	"01.21a-INVOICE": {"BG-23[0].BT-120", "BT-107", "seller.vat"},
	"02.01a-INVOICE": {"BT-114"}, // CII states a zero rounding amount
	"02.02a-INVOICE": {"BT-114"},
	"02.03a-INVOICE": {"BT-114"},
	"02.04a-INVOICE": {"BT-114"},
	"03.01a-INVOICE": {"buyer.trading"}, // only UBL has a buyer PartyName
	// UBL swaps CityName and PostalZone.
	"03.06a-INVOICE": {"buyer.city", "buyer.zip", "seller.city", "seller.zip"},
}

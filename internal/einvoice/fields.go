package einvoice

import (
	"strings"
	"time"
)

// Field names of Invoice.Fields, as in the corpus manifest and the JSON of
// `eingang validate`.
const (
	FieldInvoiceNumber  = "invoice_number"  // BT-1
	FieldIssueDate      = "issue_date"      // BT-2
	FieldTypeCode       = "type_code"       // BT-3
	FieldCurrency       = "currency"        // BT-5
	FieldBuyerReference = "buyer_reference" // BT-10 (Leitweg-ID)
	FieldOrderReference = "order_reference" // BT-13
	FieldSellerName     = "seller_name"     // BT-27
	FieldSellerVATID    = "seller_vat_id"   // BT-31
	FieldBuyerName      = "buyer_name"      // BT-44
	FieldPayeeIBAN      = "payee_iban"      // BT-84 of the first payment means with an account
	FieldNetTotal       = "net_total"       // BT-109
	FieldTaxTotal       = "tax_total"       // BT-110
	FieldGrandTotal     = "grand_total"     // BT-112
	FieldDuePayable     = "due_payable"     // BT-115
	FieldDueDate        = "due_date"        // BT-9
	FieldProfile        = "profile"         // BT-24
)

// Fields returns the key fields of the invoice under the names of the corpus
// manifest. A key is absent when its element is absent; values are the text
// exactly as in the XML (not trimmed), except that CII dates of the form
// YYYYMMDD are written YYYY-MM-DD. Amounts keep the decimals as written.
func (inv *Invoice) Fields() map[string]string {
	f := make(map[string]string, 16)
	if inv == nil {
		return f
	}
	setText := func(k string, t Text) {
		if t.Present {
			f[k] = t.Value
		}
	}
	setDate := func(k string, d Date) {
		if d.Present {
			f[k] = d.display(inv.Syntax)
		}
	}
	setAmount := func(k string, a Amount) {
		if a.Present {
			f[k] = a.Raw
		}
	}
	setText(FieldInvoiceNumber, inv.ID)
	setDate(FieldIssueDate, inv.IssueDate)
	setText(FieldTypeCode, inv.TypeCode)
	setText(FieldCurrency, inv.CurrencyCode)
	setText(FieldBuyerReference, inv.BuyerReference)
	setText(FieldOrderReference, inv.OrderReference)
	setText(FieldSellerName, inv.Seller.Name)
	setText(FieldSellerVATID, inv.Seller.VATID)
	setText(FieldBuyerName, inv.Buyer.Name)
	for _, pm := range inv.PaymentMeans {
		if len(pm.CreditTransfers) > 0 && pm.CreditTransfers[0].AccountID.Present {
			f[FieldPayeeIBAN] = pm.CreditTransfers[0].AccountID.Value
			break
		}
	}
	setAmount(FieldNetTotal, inv.Totals.TaxExclusive)
	setAmount(FieldTaxTotal, inv.Totals.TaxTotal)
	setAmount(FieldGrandTotal, inv.Totals.TaxInclusive)
	setAmount(FieldDuePayable, inv.Totals.Payable)
	setDate(FieldDueDate, inv.DueDate)
	setText(FieldProfile, inv.CustomizationID)
	return f
}

// display renders a date as the manifest does: CII/ZUGFeRD 1 YYYYMMDD as
// YYYY-MM-DD, everything else raw.
func (d Date) display(s Syntax) string {
	if s != SyntaxUBL {
		t := strings.TrimSpace(d.Raw)
		if len(t) == 8 && allDigits(t) && (d.Format == "102" || d.Format == "") {
			return t[:4] + "-" + t[4:6] + "-" + t[6:]
		}
	}
	return d.Raw
}

// GermanDate writes a date of an e-invoice the way German readers expect it,
// 05.03.2020, for text meant for people. It accepts YYYY-MM-DD (UBL and
// Invoice.Fields) and YYYYMMDD (CII format 102); anything else, including
// impossible dates such as 2020-02-30, is returned trimmed but otherwise as
// written, so that a reader sees what the invoice really says.
func GermanDate(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if len(s) != len(layout) {
			continue
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("02.01.2006")
		}
	}
	return s
}

package einvoice

import (
	"strings"
	"time"

	"github.com/eingang/eingang/internal/fields"
)

// Fields returns the key fields of the invoice under the names of package
// fields (those of the corpus manifest). A key is absent when its element is absent; values are the text
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
	setText(fields.InvoiceNumber, inv.ID)
	setDate(fields.IssueDate, inv.IssueDate)
	setText(fields.TypeCode, inv.TypeCode)
	setText(fields.Currency, inv.CurrencyCode)
	setText(fields.BuyerReference, inv.BuyerReference)
	setText(fields.OrderReference, inv.OrderReference)
	setText(fields.SellerName, inv.Seller.Name)
	setText(fields.SellerVATID, inv.Seller.VATID)
	setText(fields.BuyerName, inv.Buyer.Name)
	for _, pm := range inv.PaymentMeans {
		if len(pm.CreditTransfers) > 0 && pm.CreditTransfers[0].AccountID.Present {
			f[fields.PayeeIBAN] = pm.CreditTransfers[0].AccountID.Value
			break
		}
	}
	setAmount(fields.NetTotal, inv.Totals.TaxExclusive)
	setAmount(fields.TaxTotal, inv.Totals.TaxTotal)
	setAmount(fields.GrandTotal, inv.Totals.TaxInclusive)
	setAmount(fields.DuePayable, inv.Totals.Payable)
	setDate(fields.DueDate, inv.DueDate)
	setText(fields.Profile, inv.CustomizationID)
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

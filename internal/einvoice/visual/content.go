package visual

import (
	"fmt"
	"strings"

	"github.com/eingang/eingang/internal/einvoice"
)

// Labels follow the KoSIT XRechnung visualisation (German), shortened where
// the layout needs it.

var typeCodeNames = map[string]string{
	"380": "Rechnung", "381": "Gutschrift", "384": "Rechnungskorrektur", "389": "Selbst ausgestellte Rechnung",
	"326": "Teilrechnung", "875": "Teilrechnung (Bau)", "876": "Teilschlussrechnung (Bau)", "877": "Schlussrechnung (Bau)",
	"261": "Selbst ausgestellte Gutschrift", "383": "Belastungsanzeige", "386": "Vorauszahlungsrechnung",
	"751": "Rechnungsinformation für Buchungszwecke",
}

var paymentMeansNames = map[string]string{
	"1": "Nicht definiert", "10": "Barzahlung", "20": "Scheck", "30": "Überweisung", "31": "Überweisung",
	"42": "Zahlung auf Bankkonto", "48": "Kartenzahlung", "49": "Lastschrift", "54": "Kreditkarte",
	"55": "Debitkarte", "57": "Dauerauftrag", "58": "SEPA-Überweisung", "59": "SEPA-Lastschrift",
	"68": "Online-Zahlung", "97": "Verrechnung", "ZZZ": "Sonstige",
}

var vatCategoryNames = map[string]string{
	"S": "Normalsatz/ermäßigt", "Z": "Nullsatz", "E": "Steuerbefreit", "AE": "Umkehrung der Steuerschuld",
	"K": "Innergemeinschaftliche Lieferung", "G": "Ausfuhr außerhalb der EU", "O": "Nicht steuerbar",
	"L": "IGIC (Kanaren)", "M": "IPSI (Ceuta/Melilla)",
}

var unitNames = map[string]string{
	"C62": "Stück", "H87": "Stück", "XPP": "Stück", "EA": "Stück", "HUR": "Std.", "DAY": "Tag", "MON": "Monat",
	"ANN": "Jahr", "KGM": "kg", "GRM": "g", "TNE": "t", "MTR": "m", "KMT": "km", "MTK": "m²", "MTQ": "m³",
	"LTR": "l", "KWH": "kWh", "MIN": "Min.", "WEE": "Woche", "SET": "Satz", "LS": "pauschal", "P1": "%",
	"XPK": "Paket", "XBX": "Karton", "PR": "Paar",
}

// unitName is the German short name of a UN/ECE unit code, else the code.
func unitName(code string) string {
	c := strings.TrimSpace(code)
	if n, ok := unitNames[c]; ok {
		return n
	}
	return c
}

func named(m map[string]string, code string) string {
	c := strings.TrimSpace(code)
	if c == "" {
		return ""
	}
	if n, ok := m[c]; ok {
		return n + " (" + c + ")"
	}
	return c
}

func documentTitle(inv *einvoice.Invoice) string {
	if inv.IsCreditNote {
		return "Gutschrift"
	}
	if n, ok := typeCodeNames[strings.TrimSpace(inv.TypeCode.Value)]; ok {
		return n
	}
	return "Rechnung"
}

// money formats an amount German style with its currency, keeping the
// decimals as written, at least two: "1.234,50 €", "99,00 USD".
func money(a einvoice.Amount, currency string) string {
	if !a.Present {
		return ""
	}
	if !a.Valid {
		return strings.TrimSpace(a.Raw) + " (ungültig)"
	}
	v := a.Value
	if v.Scale() < 2 {
		v = v.Round(2) // only pads: 182.2 -> 182.20
	}
	s := germanNumber(v)
	cur := a.Currency
	if cur == "" {
		cur = currency
	}
	if cur != "" {
		s += " " + currencySign(cur)
	}
	return s
}

// currencySign writes the euro as people read it; other currencies keep
// their ISO 4217 code, which is unambiguous where a sign ($) is not.
func currencySign(code string) string {
	if c := strings.TrimSpace(code); c != "EUR" {
		return c
	}
	return "€"
}

// percent writes a rate the German way, with a space before the sign
// (DIN 5008): "19 %", "5,5 %".
func percent(n einvoice.Number) string {
	if r := number(n); r != "" {
		return r + " %"
	}
	return ""
}

func number(n einvoice.Number) string {
	if !n.Present {
		return ""
	}
	if !n.Valid {
		return strings.TrimSpace(n.Raw)
	}
	return germanNumber(n.Value)
}

// germanNumber writes 1234567.5 as 1.234.567,5.
func germanNumber(d einvoice.Decimal) string {
	s := d.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func date(d einvoice.Date) string {
	if !d.Present {
		return ""
	}
	if !d.Valid {
		return strings.TrimSpace(d.Raw)
	}
	return d.Value[8:10] + "." + d.Value[5:7] + "." + d.Value[:4]
}

func period(p *einvoice.Period) string {
	if p == nil {
		return ""
	}
	a, b := date(p.Start), date(p.End)
	switch {
	case a != "" && b != "":
		return a + " bis " + b
	case a != "":
		return "ab " + a
	case b != "":
		return "bis " + b
	}
	return ""
}

func withScheme(id einvoice.ID) string {
	if !id.Present {
		return ""
	}
	v := strings.TrimSpace(id.Value)
	if s := strings.TrimSpace(id.Scheme); s != "" {
		v += " (Schema " + s + ")"
	}
	return v
}

func (l *layout) invoice(inv *einvoice.Invoice, xmlName, source string) {
	cur := strings.TrimSpace(inv.CurrencyCode.Value)

	// Title block.
	l.page.texts = append(l.page.texts, textOp{x: marginLeft, y: l.y - 8, f: fontHead, size: 18, s: documentTitle(inv)})
	l.y -= 24
	if source != "" {
		l.para(0, fontBody, "Darstellung der strukturierten E-Rechnung aus der Datei „"+source+"“ (angehängt als "+xmlName+")")
	} else {
		l.para(0, fontBody, "Darstellung der strukturierten E-Rechnung "+xmlName)
	}
	l.gap()

	l.heading("Rechnungsdaten")
	l.kv("Rechnungsnummer", inv.ID.Value)
	l.kv("Rechnungsdatum", date(inv.IssueDate))
	l.kv("Rechnungsart", named(typeCodeNames, inv.TypeCode.Value))
	l.kv("Währung", cur)
	if inv.TaxCurrencyCode.Present {
		l.kv("Steuerwährung", inv.TaxCurrencyCode.Value)
	}
	l.kv("Fälligkeitsdatum", date(inv.DueDate))
	l.kv("Leistungszeitraum", period(inv.InvoicePeriod))
	if inv.Delivery != nil {
		l.kv("Lieferdatum", date(inv.Delivery.ActualDate))
	}
	l.kv("Steuerzeitpunkt", date(inv.TaxPointDate))
	l.kv("Käuferreferenz/Leitweg", inv.BuyerReference.Value)
	l.kv("Bestellnummer", inv.OrderReference.Value)
	l.kv("Auftragsnummer", inv.SalesOrderReference.Value)
	l.kv("Vertragsnummer", inv.ContractReference.Value)
	l.kv("Projektreferenz", inv.ProjectReference.Value)
	l.kv("Vergabenummer", inv.TenderOrLotReference.Value)
	l.kv("Lieferavis", inv.DespatchAdviceReference.Value)
	l.kv("Wareneingangsmeldung", inv.ReceivingAdviceReference.Value)
	l.kv("Objektkennung", withScheme(inv.InvoicedObjectID))
	l.kv("Buchungsreferenz", inv.BuyerAccountingReference.Value)
	for _, p := range inv.PrecedingInvoices {
		v := p.ID.Value
		if d := date(p.IssueDate); d != "" {
			v += " vom " + d
		}
		l.kv("Vorausgeg. Rechnung", v)
	}
	l.kv("Spezifikation (BT-24)", inv.CustomizationID.Value)
	l.kv("Prozess (BT-23)", inv.ProfileID.Value)

	l.party("Verkäufer", &inv.Seller)
	l.party("Käufer", &inv.Buyer)
	if inv.Payee != nil {
		l.party("Zahlungsempfänger", inv.Payee)
	}
	if inv.TaxRepresentative != nil {
		l.party("Steuerlicher Vertreter", inv.TaxRepresentative)
	}
	if d := inv.Delivery; d != nil && (d.PartyName.Present || d.LocationID.Present || d.Address != nil) {
		l.heading("Lieferung")
		l.kv("Empfänger", d.PartyName.Value)
		l.kv("Lieferort-Kennung", withScheme(d.LocationID))
		l.kv("Lieferanschrift", address(d.Address))
	}

	l.lines(inv, cur)

	if len(inv.AllowanceCharges) > 0 {
		l.heading("Nachlässe und Zuschläge")
		cols := []column{{"Art", 10, false}, {"Grund", 30, false}, {"Basis", 16, true}, {"%", 6, true}, {"USt", 8, false}, {"Betrag", 16, true}}
		l.tableHeader(cols)
		for _, ac := range inv.AllowanceCharges {
			kind := "Nachlass"
			if ac.Charge {
				kind = "Zuschlag"
			}
			reason := strings.TrimSpace(ac.Reason.Value)
			if c := strings.TrimSpace(ac.ReasonCode.Value); c != "" {
				reason = strings.TrimSpace(reason + " (" + c + ")")
			}
			vat := strings.TrimSpace(strings.TrimSpace(ac.VATCategory.Value) + " " + percent(ac.VATRate))
			l.tableRow(cols, []string{kind, reason, money(ac.BaseAmount, cur), number(ac.Percentage), vat, money(ac.Amount, cur)}, fontBody)
		}
	}

	l.heading("Umsatzsteuer")
	cols := []column{{"Kategorie", 30, false}, {"Satz", 7, true}, {"Nettobetrag", 18, true}, {"Steuerbetrag", 18, true}}
	l.tableHeader(cols)
	for _, v := range inv.VATBreakdown {
		l.tableRow(cols, []string{named(vatCategoryNames, v.Category.Value), percent(v.Rate), money(v.TaxableAmount, cur), money(v.TaxAmount, cur)}, fontBody)
		reason := strings.TrimSpace(v.ExemptionReason.Value)
		if c := strings.TrimSpace(v.ExemptionReasonCode.Value); c != "" {
			reason = strings.TrimSpace(reason + " (" + c + ")")
		}
		if reason != "" {
			l.para(2, fontBody, "Befreiungsgrund: "+reason)
		}
	}

	l.heading("Summen")
	t := inv.Totals
	l.total("Summe Positionen netto", money(t.LineNet, cur), false)
	l.total("Summe Nachlässe", money(t.AllowanceTotal, cur), false)
	l.total("Summe Zuschläge", money(t.ChargeTotal, cur), false)
	l.total("Gesamtbetrag netto", money(t.TaxExclusive, cur), false)
	l.total("Umsatzsteuer", money(t.TaxTotal, cur), false)
	l.total("Umsatzsteuer (Steuerwährung)", money(t.TaxTotalTaxCurrency, ""), false)
	l.total("Gesamtbetrag brutto", money(t.TaxInclusive, cur), true)
	l.total("Bereits gezahlt", money(t.Prepaid, cur), false)
	l.total("Rundungsbetrag", money(t.Rounding, cur), false)
	l.total("Zahlbetrag", money(t.Payable, cur), true)

	l.heading("Zahlungsinformationen")
	for i, pm := range inv.PaymentMeans {
		if i > 0 {
			l.gap()
		}
		l.kv("Zahlungsart", named(paymentMeansNames, pm.Code.Value))
		l.kv("Zahlungsart (Text)", pm.Text.Value)
		l.kv("Verwendungszweck", pm.RemittanceInfo.Value)
		for _, ct := range pm.CreditTransfers {
			label := "IBAN"
			if !ct.IsIBAN {
				label = "Kontonummer"
			}
			l.kv(label, ct.AccountID.Value)
			l.kv("Kontoinhaber", ct.AccountName.Value)
			l.kv("BIC", ct.ServiceProviderID.Value)
		}
		if c := pm.Card; c != nil {
			l.kv("Kartennummer", c.PAN.Value)
			l.kv("Karteninhaber", c.HolderName.Value)
		}
		if dd := pm.DirectDebit; dd != nil {
			l.kv("Mandatsreferenz", dd.MandateID.Value)
			l.kv("Gläubiger-ID", dd.CreditorID.Value)
			l.kv("Belastetes Konto", dd.DebitedAccount.Value)
		}
	}
	for _, pt := range inv.PaymentTermsAll {
		l.kv("Zahlungsbedingungen", pt.Value)
	}
	if len(inv.PaymentMeans) == 0 && len(inv.PaymentTermsAll) == 0 {
		l.para(0, fontBody, "Keine Zahlungsinformationen angegeben.")
	}

	if len(inv.Notes) > 0 {
		l.heading("Bemerkungen")
		for _, n := range inv.Notes {
			text := n.Text.Value
			if c := strings.TrimSpace(n.SubjectCode.Value); c != "" {
				text = "[" + c + "] " + text
			}
			l.para(0, fontBody, text)
			l.gap()
		}
	}

	if len(inv.AdditionalDocuments) > 0 {
		l.heading("Rechnungsbegründende Unterlagen")
		for _, d := range inv.AdditionalDocuments {
			v := strings.TrimSpace(d.ID.Value)
			if s := strings.TrimSpace(d.Description.Value); s != "" {
				v += ": " + s
			}
			if u := strings.TrimSpace(d.URI.Value); u != "" {
				v += " <" + u + ">"
			}
			if a := d.Attachment; a != nil {
				v += fmt.Sprintf(" [Anhang %s, %s, %d Bytes]", a.Filename, a.MimeCode, len(a.Data))
			}
			l.para(0, fontBody, "• "+v)
		}
	}
}

func (l *layout) total(label, value string, bold bool) {
	if value == "" {
		return
	}
	f := fontBody
	if bold {
		f = fontBold
	}
	l.need(lineHeight)
	l.text(0, fontBold, label)
	w := 30
	l.text(l.cols-w+max(0, w-len([]rune(value))), f, value)
	l.newline()
}

func (l *layout) tableHeader(cols []column) {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	l.tableRow(cols, titles, fontBold)
	l.rule()
}

func address(a *einvoice.Address) string {
	if a == nil {
		return ""
	}
	var parts []string
	for _, t := range []einvoice.Text{a.Line1, a.Line2, a.Line3} {
		if v := strings.TrimSpace(t.Value); v != "" {
			parts = append(parts, v)
		}
	}
	city := strings.TrimSpace(strings.TrimSpace(a.PostCode.Value) + " " + strings.TrimSpace(a.City.Value))
	if city != "" {
		parts = append(parts, city)
	}
	if v := strings.TrimSpace(a.Subdivision.Value); v != "" {
		parts = append(parts, v)
	}
	if v := strings.TrimSpace(a.CountryCode.Value); v != "" {
		parts = append(parts, v)
	}
	return strings.Join(parts, ", ")
}

func (l *layout) party(title string, p *einvoice.Party) {
	l.heading(title)
	if !p.Present {
		l.para(0, fontBody, "nicht angegeben")
		return
	}
	l.kv("Name", p.Name.Value)
	l.kv("Handelsname", p.TradingName.Value)
	l.kv("Anschrift", address(p.Address))
	for _, id := range p.Identifiers {
		l.kv("Kennung", withScheme(id))
	}
	l.kv("Registernummer", withScheme(p.LegalRegistrationID))
	l.kv("USt-IdNr.", p.VATID.Value)
	l.kv("Steuernummer", p.TaxRegistrationID.Value)
	l.kv("Weitere rechtl. Angaben", p.AdditionalLegalInfo.Value)
	l.kv("Elektronische Adresse", withScheme(p.ElectronicAddress))
	if c := p.Contact; c != nil {
		l.kv("Kontakt", c.Name.Value)
		l.kv("Telefon", c.Phone.Value)
		l.kv("E-Mail", c.Email.Value)
	}
}

func (l *layout) lines(inv *einvoice.Invoice, cur string) {
	l.heading(fmt.Sprintf("Rechnungspositionen (%d)", len(inv.Lines)))
	// Amounts carry their currency like every other amount of the view:
	// "1.234.567,89 €" fits the price column, a larger one wraps before
	// its sign.
	cols := []column{{"Pos", 6, false}, {"Bezeichnung", 26, false}, {"Menge", 10, true}, {"Einh.", 6, false},
		{"Einzelpreis", 14, true}, {"USt", 7, true}, {"Netto", 16, true}}
	l.tableHeader(cols)
	var walk func(prefix string, ls []einvoice.Line)
	walk = func(prefix string, ls []einvoice.Line) {
		for _, ln := range ls {
			unit := unitName(ln.Quantity.UnitCode)
			vat := percent(ln.VATRate)
			if c := strings.TrimSpace(ln.VATCategory.Value); c != "" && c != "S" {
				vat = strings.TrimSpace(c + " " + vat)
			}
			l.tableRow(cols, []string{prefix + ln.ID.Value, ln.Item.Name.Value, number(ln.Quantity.Number), unit,
				money(ln.Price.NetPrice, cur), vat, money(ln.NetAmount, cur)}, fontBody)
			var details []string
			if bq := ln.Price.BaseQuantity; bq.Present && bq.Valid && !bq.Value.Equal(einvoice.MustDecimal("1")) {
				// In the price cell it would crowd out the amount.
				basis := strings.TrimSpace(number(bq.Number) + " " + unitName(bq.UnitCode))
				details = append(details, "Einzelpreis je "+basis)
			}
			if d := strings.TrimSpace(ln.Item.Description.Value); d != "" {
				details = append(details, d)
			}
			if v := strings.TrimSpace(ln.Item.SellerID.Value); v != "" {
				details = append(details, "Art.-Nr. "+v)
			}
			if v := strings.TrimSpace(ln.Item.BuyerID.Value); v != "" {
				details = append(details, "Käufer-Art.-Nr. "+v)
			}
			if v := withScheme(ln.Item.StandardID); v != "" {
				details = append(details, "GTIN/Kennung "+v)
			}
			if p := period(ln.Period); p != "" {
				details = append(details, "Zeitraum "+p)
			}
			if g := ln.Price.GrossPrice; g.Present {
				d := "Bruttopreis " + money(g, cur)
				if r := money(ln.Price.Discount, cur); r != "" {
					d += ", Rabatt " + r
				}
				details = append(details, d)
			}
			for _, ac := range ln.AllowanceCharges {
				kind := "Nachlass"
				if ac.Charge {
					kind = "Zuschlag"
				}
				details = append(details, strings.TrimSpace(fmt.Sprintf("%s %s %s", kind, money(ac.Amount, cur), ac.Reason.Value)))
			}
			for _, a := range ln.Item.Attributes {
				details = append(details, strings.TrimSpace(a.Name.Value)+": "+strings.TrimSpace(a.Value.Value))
			}
			if v := strings.TrimSpace(ln.OrderLineReference.Value); v != "" {
				details = append(details, "Bestellposition "+v)
			}
			if v := strings.TrimSpace(ln.Note.Value); v != "" {
				details = append(details, "Hinweis: "+v)
			}
			if len(details) > 0 {
				l.para(6, fontBody, strings.Join(details, "; "))
			}
			if len(ln.SubLines) > 0 {
				walk(prefix+ln.ID.Value+".", ln.SubLines)
			}
		}
	}
	walk("", inv.Lines)
}

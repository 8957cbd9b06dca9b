package einvoice

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// parseUBL maps a UBL 2.1 Invoice or CreditNote tree to the model. The
// mapping follows the CEN UBL binding (EN 16931-3-2) as used by the KoSIT
// visualisation and the Schematron.
func parseUBL(root *Node) *Invoice {
	inv := &Invoice{
		Syntax:        SyntaxUBL,
		RootName:      root.Local,
		RootNamespace: root.Space,
		IsCreditNote:  root.Local == "CreditNote",
	}
	m := &mapper{inv: inv}
	cbc := func(n *Node, local string) *Node { return n.Child("cbc", local) }
	cac := func(n *Node, local string) *Node { return n.Child("cac", local) }

	inv.CustomizationID = text(cbc(root, "CustomizationID"))
	inv.Profile = ClassifyProfile(inv.CustomizationID.Value)
	inv.ProfileID = text(cbc(root, "ProfileID"))
	inv.ID = text(cbc(root, "ID"))
	inv.IssueDate = m.ublDate(cbc(root, "IssueDate"))
	if inv.IsCreditNote {
		inv.TypeCode = text(cbc(root, "CreditNoteTypeCode"))
	} else {
		inv.TypeCode = text(cbc(root, "InvoiceTypeCode"))
	}
	inv.CurrencyCode = text(cbc(root, "DocumentCurrencyCode"))
	inv.TaxCurrencyCode = text(cbc(root, "TaxCurrencyCode"))
	inv.TaxPointDate = m.ublDate(cbc(root, "TaxPointDate"))
	inv.DueDate = m.ublDate(cbc(root, "DueDate"))
	inv.BuyerReference = text(cbc(root, "BuyerReference"))
	inv.BuyerAccountingReference = text(cbc(root, "AccountingCost"))
	for _, n := range root.ChildrenNamed("cbc", "Note") {
		inv.Notes = append(inv.Notes, ublNote(n))
	}
	if p := cac(root, "InvoicePeriod"); p != nil {
		inv.InvoicePeriod = m.ublPeriod(p)
		inv.TaxPointDateCode = text(cbc(p, "DescriptionCode"))
	}
	if o := cac(root, "OrderReference"); o != nil {
		inv.OrderReference = text(cbc(o, "ID"))
		inv.SalesOrderReference = text(cbc(o, "SalesOrderID"))
	}
	for _, b := range root.ChildrenNamed("cac", "BillingReference") {
		d := cac(b, "InvoiceDocumentReference")
		if d == nil {
			continue
		}
		inv.PrecedingInvoices = append(inv.PrecedingInvoices, PrecedingInvoice{
			ID: text(cbc(d, "ID")), IssueDate: m.ublDate(cbc(d, "IssueDate")), Source: d.Source(),
		})
	}
	inv.DespatchAdviceReference = text(root.Find("cac:DespatchDocumentReference", "cbc:ID"))
	inv.ReceivingAdviceReference = text(root.Find("cac:ReceiptDocumentReference", "cbc:ID"))
	inv.TenderOrLotReference = text(root.Find("cac:OriginatorDocumentReference", "cbc:ID"))
	inv.ContractReference = text(root.Find("cac:ContractDocumentReference", "cbc:ID"))
	inv.ProjectReference = text(root.Find("cac:ProjectReference", "cbc:ID"))
	for _, a := range root.ChildrenNamed("cac", "AdditionalDocumentReference") {
		ad := m.ublAdditionalDocument(a)
		if strings.TrimSpace(ad.TypeCode.Value) == "130" {
			if !inv.InvoicedObjectID.Present {
				inv.InvoicedObjectID = ad.ID
			}
			continue
		}
		inv.AdditionalDocuments = append(inv.AdditionalDocuments, ad)
	}

	if p := root.Find("cac:AccountingSupplierParty", "cac:Party"); p != nil {
		inv.Seller = m.ublParty(p)
	}
	if p := root.Find("cac:AccountingCustomerParty", "cac:Party"); p != nil {
		inv.Buyer = m.ublParty(p)
	}
	if p := cac(root, "PayeeParty"); p != nil {
		payee := m.ublParty(p)
		// BT-59 payee name is PartyName/Name; BT-61 is PartyLegalEntity/CompanyID.
		payee.Name, payee.TradingName = payee.TradingName, Text{}
		inv.Payee = &payee
	}
	if p := cac(root, "TaxRepresentativeParty"); p != nil {
		rep := m.ublParty(p)
		rep.Name, rep.TradingName = rep.TradingName, Text{}
		inv.TaxRepresentative = &rep
	}
	if d := cac(root, "Delivery"); d != nil {
		del := &Delivery{Source: d.Source()}
		del.ActualDate = m.ublDate(cbc(d, "ActualDeliveryDate"))
		if loc := cac(d, "DeliveryLocation"); loc != nil {
			del.LocationID = ident(cbc(loc, "ID"))
			if a := cac(loc, "Address"); a != nil {
				del.Address = ublAddress(a)
			}
		}
		del.PartyName = text(d.Find("cac:DeliveryParty", "cac:PartyName", "cbc:Name"))
		inv.Delivery = del
	}

	sepa := func(p *Party) Text {
		if p == nil {
			return Text{}
		}
		for _, id := range p.Identifiers {
			if strings.EqualFold(strings.TrimSpace(id.Scheme), "SEPA") {
				return Text{Value: id.Value, Present: true, Source: id.Source}
			}
		}
		return Text{}
	}
	creditor := sepa(inv.Payee)
	if !creditor.Present {
		creditor = sepa(&inv.Seller)
	}
	for _, pm := range root.ChildrenNamed("cac", "PaymentMeans") {
		inv.PaymentMeans = append(inv.PaymentMeans, m.ublPaymentMeans(pm, creditor))
		if !inv.DueDate.Present {
			if dd := cbc(pm, "PaymentDueDate"); dd != nil {
				inv.DueDate = m.ublDate(dd)
			}
		}
	}
	for _, pt := range root.ChildrenNamed("cac", "PaymentTerms") {
		for _, n := range pt.ChildrenNamed("cbc", "Note") {
			inv.PaymentTermsAll = append(inv.PaymentTermsAll, text(n))
		}
	}
	if len(inv.PaymentTermsAll) > 0 {
		inv.PaymentTerms = inv.PaymentTermsAll[0]
	}
	for _, ac := range root.ChildrenNamed("cac", "AllowanceCharge") {
		inv.AllowanceCharges = append(inv.AllowanceCharges, m.ublAllowanceCharge(ac, true))
	}

	for _, tt := range root.ChildrenNamed("cac", "TaxTotal") {
		if ta := cbc(tt, "TaxAmount"); ta != nil {
			inv.Totals.TaxAmounts = append(inv.Totals.TaxAmounts, m.amount(ta))
		}
		for _, st := range tt.ChildrenNamed("cac", "TaxSubtotal") {
			inv.VATBreakdown = append(inv.VATBreakdown, m.ublTaxSubtotal(st))
		}
	}
	pickTaxTotals(inv)
	if t := cac(root, "LegalMonetaryTotal"); t != nil {
		inv.Totals.Source = t.Source()
		inv.Totals.LineNet = m.amount(cbc(t, "LineExtensionAmount"))
		inv.Totals.TaxExclusive = m.amount(cbc(t, "TaxExclusiveAmount"))
		inv.Totals.TaxInclusive = m.amount(cbc(t, "TaxInclusiveAmount"))
		inv.Totals.AllowanceTotal = m.amount(cbc(t, "AllowanceTotalAmount"))
		inv.Totals.ChargeTotal = m.amount(cbc(t, "ChargeTotalAmount"))
		inv.Totals.Prepaid = m.amount(cbc(t, "PrepaidAmount"))
		inv.Totals.Rounding = m.amount(cbc(t, "PayableRoundingAmount"))
		inv.Totals.Payable = m.amount(cbc(t, "PayableAmount"))
	}
	lineName := "InvoiceLine"
	if inv.IsCreditNote {
		lineName = "CreditNoteLine"
	}
	for _, ln := range root.ChildrenNamed("cac", lineName) {
		inv.Lines = append(inv.Lines, m.ublLine(ln))
	}
	return inv
}

// pickTaxTotals sets BT-110 and BT-111 from the collected tax amounts: BT-110
// is the one in the document currency, BT-111 the one in the tax currency.
func pickTaxTotals(inv *Invoice) {
	cur := strings.TrimSpace(inv.CurrencyCode.Value)
	taxCur := strings.TrimSpace(inv.TaxCurrencyCode.Value)
	var noCurrency *Amount
	for i := range inv.Totals.TaxAmounts {
		a := &inv.Totals.TaxAmounts[i]
		c := strings.TrimSpace(a.Currency)
		switch {
		case c == cur && !inv.Totals.TaxTotal.Present:
			inv.Totals.TaxTotal = *a
		case taxCur != "" && c == taxCur && taxCur != cur && !inv.Totals.TaxTotalTaxCurrency.Present:
			inv.Totals.TaxTotalTaxCurrency = *a
		case c == "" && noCurrency == nil:
			noCurrency = a
		}
	}
	if !inv.Totals.TaxTotal.Present && noCurrency != nil {
		inv.Totals.TaxTotal = *noCurrency
	}
}

var ublNoteCode = regexp.MustCompile(`^#([A-Za-z0-9]{1,5})#`)

// ublNote splits the "#CODE#text" convention that carries BT-21 in UBL.
func ublNote(n *Node) Note {
	note := Note{Text: text(n), Source: n.Source()}
	if loc := ublNoteCode.FindStringSubmatchIndex(n.Text); loc != nil {
		note.SubjectCode = Text{Value: n.Text[loc[2]:loc[3]], Present: true, Source: n.Source()}
		note.Text.Value = n.Text[loc[1]:]
	}
	return note
}

func (m *mapper) ublPeriod(p *Node) *Period {
	return &Period{
		Start:  m.ublDate(p.Child("cbc", "StartDate")),
		End:    m.ublDate(p.Child("cbc", "EndDate")),
		Source: p.Source(),
	}
}

func (m *mapper) ublAdditionalDocument(a *Node) AdditionalDocument {
	ad := AdditionalDocument{
		ID:          ident(a.Child("cbc", "ID")),
		TypeCode:    text(a.Child("cbc", "DocumentTypeCode")),
		Description: text(a.Child("cbc", "DocumentDescription")),
		Source:      a.Source(),
	}
	if at := a.Child("cac", "Attachment"); at != nil {
		ad.URI = text(at.Find("cac:ExternalReference", "cbc:URI"))
		if b := at.Child("cbc", "EmbeddedDocumentBinaryObject"); b != nil {
			ad.Attachment = binaryObject(b)
		}
	}
	return ad
}

func binaryObject(b *Node) *Attachment {
	att := &Attachment{Source: b.Source()}
	att.MimeCode, _ = b.Attr("mimeCode")
	att.Filename, _ = b.Attr("filename")
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, b.Text)
	data, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		att.DecodeError = err.Error()
	} else {
		att.Data = data
	}
	return att
}

func (m *mapper) ublParty(p *Node) Party {
	party := Party{Present: true, Source: p.Source()}
	party.ElectronicAddress = ident(p.Child("cbc", "EndpointID"))
	for _, pi := range p.ChildrenNamed("cac", "PartyIdentification") {
		if id := pi.Child("cbc", "ID"); id != nil {
			party.Identifiers = append(party.Identifiers, ident(id))
		}
	}
	party.TradingName = text(p.Find("cac:PartyName", "cbc:Name"))
	if a := p.Child("cac", "PostalAddress"); a != nil {
		party.Address = ublAddress(a)
	}
	for _, ts := range p.ChildrenNamed("cac", "PartyTaxScheme") {
		cid := ts.Child("cbc", "CompanyID")
		scheme := ts.Find("cac:TaxScheme", "cbc:ID")
		id := ident(cid)
		if cid == nil {
			id.Source = ts.Source()
		}
		id.Scheme, id.SchemePresent = "", scheme != nil
		if scheme != nil {
			id.Scheme = scheme.Text
		}
		party.TaxSchemes = append(party.TaxSchemes, id)
		if cid == nil {
			continue
		}
		if strings.TrimSpace(id.Scheme) == "VAT" {
			if !party.VATID.Present {
				party.VATID = text(cid)
			}
		} else if !party.TaxRegistrationID.Present {
			party.TaxRegistrationID = text(cid)
		}
	}
	if le := p.Child("cac", "PartyLegalEntity"); le != nil {
		party.Name = text(le.Child("cbc", "RegistrationName"))
		party.LegalRegistrationID = ident(le.Child("cbc", "CompanyID"))
		party.AdditionalLegalInfo = text(le.Child("cbc", "CompanyLegalForm"))
	}
	if c := p.Child("cac", "Contact"); c != nil {
		party.Contact = &Contact{
			Name:   text(c.Child("cbc", "Name")),
			Phone:  text(c.Child("cbc", "Telephone")),
			Email:  text(c.Child("cbc", "ElectronicMail")),
			Source: c.Source(),
		}
	}
	return party
}

func ublAddress(a *Node) *Address {
	return &Address{
		Line1:       text(a.Child("cbc", "StreetName")),
		Line2:       text(a.Child("cbc", "AdditionalStreetName")),
		Line3:       text(a.Find("cac:AddressLine", "cbc:Line")),
		City:        text(a.Child("cbc", "CityName")),
		PostCode:    text(a.Child("cbc", "PostalZone")),
		Subdivision: text(a.Child("cbc", "CountrySubentity")),
		CountryCode: text(a.Find("cac:Country", "cbc:IdentificationCode")),
		Source:      a.Source(),
	}
}

func (m *mapper) ublPaymentMeans(pm *Node, creditor Text) PaymentMeans {
	out := PaymentMeans{Source: pm.Source()}
	code := pm.Child("cbc", "PaymentMeansCode")
	out.Code = text(code)
	if code != nil {
		if name, ok := code.Attr("name"); ok {
			out.Text = Text{Value: name, Present: true, Source: Source{Path: code.Path() + "/@name", Line: code.Line}}
		}
	}
	out.RemittanceInfo = text(pm.Child("cbc", "PaymentID"))
	if acc := pm.Child("cac", "PayeeFinancialAccount"); acc != nil {
		out.CreditTransfers = append(out.CreditTransfers, CreditTransfer{
			AccountID:         text(acc.Child("cbc", "ID")),
			IsIBAN:            true,
			AccountName:       text(acc.Child("cbc", "Name")),
			ServiceProviderID: text(acc.Find("cac:FinancialInstitutionBranch", "cbc:ID")),
			Source:            acc.Source(),
		})
	}
	if card := pm.Child("cac", "CardAccount"); card != nil {
		out.Card = &Card{
			PAN:        text(card.Child("cbc", "PrimaryAccountNumberID")),
			HolderName: text(card.Child("cbc", "HolderName")),
			Source:     card.Source(),
		}
	}
	if md := pm.Child("cac", "PaymentMandate"); md != nil {
		out.DirectDebit = &DirectDebit{
			MandateID:      text(md.Child("cbc", "ID")),
			CreditorID:     creditor,
			DebitedAccount: text(md.Find("cac:PayerFinancialAccount", "cbc:ID")),
			Source:         md.Source(),
		}
	}
	return out
}

func (m *mapper) ublAllowanceCharge(ac *Node, documentLevel bool) AllowanceCharge {
	ind := ac.Child("cbc", "ChargeIndicator")
	out := AllowanceCharge{
		ChargeIndicator: text(ind),
		Charge:          ind != nil && strings.TrimSpace(ind.Text) == "true",
		Amount:          m.amount(ac.Child("cbc", "Amount")),
		BaseAmount:      m.amount(ac.Child("cbc", "BaseAmount")),
		Percentage:      m.number(ac.Child("cbc", "MultiplierFactorNumeric")),
		Reason:          text(ac.Child("cbc", "AllowanceChargeReason")),
		ReasonCode:      text(ac.Child("cbc", "AllowanceChargeReasonCode")),
		Source:          ac.Source(),
	}
	if documentLevel {
		if tc := ac.Child("cac", "TaxCategory"); tc != nil {
			out.VATCategory = text(tc.Child("cbc", "ID"))
			out.VATRate = m.number(tc.Child("cbc", "Percent"))
		}
	}
	return out
}

func (m *mapper) ublTaxSubtotal(st *Node) VATBreakdown {
	out := VATBreakdown{
		TaxableAmount: m.amount(st.Child("cbc", "TaxableAmount")),
		TaxAmount:     m.amount(st.Child("cbc", "TaxAmount")),
		Source:        st.Source(),
	}
	if tc := st.Child("cac", "TaxCategory"); tc != nil {
		out.Category = text(tc.Child("cbc", "ID"))
		out.Rate = m.number(tc.Child("cbc", "Percent"))
		out.ExemptionReason = text(tc.Child("cbc", "TaxExemptionReason"))
		out.ExemptionReasonCode = text(tc.Child("cbc", "TaxExemptionReasonCode"))
		out.TaxSchemeID = text(tc.Find("cac:TaxScheme", "cbc:ID"))
	}
	return out
}

func (m *mapper) ublLine(ln *Node) Line {
	out := Line{Source: ln.Source()}
	out.ID = text(ln.Child("cbc", "ID"))
	out.Note = text(ln.Child("cbc", "Note"))
	out.Quantity = m.quantity(nodeFirst(ln.Child("cbc", "InvoicedQuantity"), ln.Child("cbc", "CreditedQuantity")))
	out.NetAmount = m.amount(ln.Child("cbc", "LineExtensionAmount"))
	out.AccountingReference = text(ln.Child("cbc", "AccountingCost"))
	if p := ln.Child("cac", "InvoicePeriod"); p != nil {
		out.Period = m.ublPeriod(p)
	}
	out.OrderLineReference = text(ln.Find("cac:OrderLineReference", "cbc:LineID"))
	for _, dr := range ln.ChildrenNamed("cac", "DocumentReference") {
		if tc := dr.Child("cbc", "DocumentTypeCode"); tc != nil && strings.TrimSpace(tc.Text) == "130" && !out.ObjectID.Present {
			out.ObjectID = ident(dr.Child("cbc", "ID"))
		}
	}
	for _, ac := range ln.ChildrenNamed("cac", "AllowanceCharge") {
		out.AllowanceCharges = append(out.AllowanceCharges, m.ublAllowanceCharge(ac, false))
	}
	if it := ln.Child("cac", "Item"); it != nil {
		item := Item{Source: it.Source()}
		item.Description = text(it.Child("cbc", "Description"))
		item.Name = text(it.Child("cbc", "Name"))
		item.BuyerID = text(it.Find("cac:BuyersItemIdentification", "cbc:ID"))
		item.SellerID = text(it.Find("cac:SellersItemIdentification", "cbc:ID"))
		item.StandardID = ident(it.Find("cac:StandardItemIdentification", "cbc:ID"))
		item.OriginCountry = text(it.Find("cac:OriginCountry", "cbc:IdentificationCode"))
		for _, cc := range it.ChildrenNamed("cac", "CommodityClassification") {
			if c := cc.Child("cbc", "ItemClassificationCode"); c != nil {
				item.Classifications = append(item.Classifications, identAttr(c, "listID", "listVersionID"))
			}
		}
		if tc := it.Child("cac", "ClassifiedTaxCategory"); tc != nil {
			out.VATCategory = text(tc.Child("cbc", "ID"))
			out.VATRate = m.number(tc.Child("cbc", "Percent"))
		}
		for _, ap := range it.ChildrenNamed("cac", "AdditionalItemProperty") {
			item.Attributes = append(item.Attributes, ItemAttribute{
				Name: text(ap.Child("cbc", "Name")), Value: text(ap.Child("cbc", "Value")), Source: ap.Source(),
			})
		}
		out.Item = item
	}
	if pr := ln.Child("cac", "Price"); pr != nil {
		out.Price.Source = pr.Source()
		out.Price.NetPrice = m.amount(pr.Child("cbc", "PriceAmount"))
		out.Price.BaseQuantity = m.quantity(pr.Child("cbc", "BaseQuantity"))
		if ac := pr.Child("cac", "AllowanceCharge"); ac != nil {
			out.Price.Discount = m.amount(ac.Child("cbc", "Amount"))
			out.Price.GrossPrice = m.amount(ac.Child("cbc", "BaseAmount"))
		}
	}
	for _, sub := range ln.ChildrenNamed("cac", "SubInvoiceLine") {
		out.SubLines = append(out.SubLines, m.ublLine(sub))
	}
	return out
}

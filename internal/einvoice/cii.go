package einvoice

import "strings"

// ciiNames holds the element names that differ between CII D16B
// (CrossIndustryInvoice, ZUGFeRD 2 / Factur-X / XRechnung) and ZUGFeRD 1.0
// (CrossIndustryDocument). Everything else is the same in both.
type ciiNames struct {
	context, document, transaction         string
	agreement, delivery, settlement        string
	summation                              string
	lineAgreement, lineDelivery, lineSettl string
	lineSummation                          string
	orderID                                string
}

var (
	namesD16B = ciiNames{
		context: "ExchangedDocumentContext", document: "ExchangedDocument", transaction: "SupplyChainTradeTransaction",
		agreement: "ApplicableHeaderTradeAgreement", delivery: "ApplicableHeaderTradeDelivery", settlement: "ApplicableHeaderTradeSettlement",
		summation:     "SpecifiedTradeSettlementHeaderMonetarySummation",
		lineAgreement: "SpecifiedLineTradeAgreement", lineDelivery: "SpecifiedLineTradeDelivery", lineSettl: "SpecifiedLineTradeSettlement",
		lineSummation: "SpecifiedTradeSettlementLineMonetarySummation",
		orderID:       "IssuerAssignedID",
	}
	namesZF1 = ciiNames{
		context: "SpecifiedExchangedDocumentContext", document: "HeaderExchangedDocument", transaction: "SpecifiedSupplyChainTradeTransaction",
		agreement: "ApplicableSupplyChainTradeAgreement", delivery: "ApplicableSupplyChainTradeDelivery", settlement: "ApplicableSupplyChainTradeSettlement",
		summation:     "SpecifiedTradeSettlementMonetarySummation",
		lineAgreement: "SpecifiedSupplyChainTradeAgreement", lineDelivery: "SpecifiedSupplyChainTradeDelivery", lineSettl: "SpecifiedSupplyChainTradeSettlement",
		lineSummation: "SpecifiedTradeSettlementMonetarySummation",
		orderID:       "ID",
	}
)

// parseCII maps a CII CrossIndustryInvoice (or, with zf1, a ZUGFeRD 1.0
// CrossIndustryDocument) tree to the model, following the CEN CII binding
// (EN 16931-3-3).
func parseCII(root *Node, zf1 bool) *Invoice {
	nm := namesD16B
	syntax := SyntaxCII
	if zf1 {
		nm, syntax = namesZF1, SyntaxZUGFeRD1
	}
	inv := &Invoice{Syntax: syntax, RootName: root.Local, RootNamespace: root.Space}
	m := &mapper{inv: inv}
	ram := func(n *Node, local string) *Node { return n.Child("ram", local) }

	ctx := root.Child("rsm", nm.context)
	inv.CustomizationID = text(ctx.Find("ram:GuidelineSpecifiedDocumentContextParameter", "ram:ID"))
	inv.Profile = ClassifyProfile(inv.CustomizationID.Value)
	inv.ProfileID = text(ctx.Find("ram:BusinessProcessSpecifiedDocumentContextParameter", "ram:ID"))

	doc := root.Child("rsm", nm.document)
	inv.ID = text(ram(doc, "ID"))
	inv.TypeCode = text(ram(doc, "TypeCode"))
	inv.IssueDate = m.ciiDate(ram(doc, "IssueDateTime"))
	for _, n := range doc.ChildrenNamed("ram", "IncludedNote") {
		content := n.Child("ram", "Content")
		note := Note{Text: text(content), SubjectCode: text(n.Child("ram", "SubjectCode")), Source: n.Source()}
		if content == nil {
			note.Text.Source = n.Source()
		}
		inv.Notes = append(inv.Notes, note)
	}

	tx := root.Child("rsm", nm.transaction)
	ha := ram(tx, nm.agreement)
	hd := ram(tx, nm.delivery)
	hs := ram(tx, nm.settlement)

	// Header agreement: references and parties.
	inv.BuyerReference = text(ram(ha, "BuyerReference"))
	inv.OrderReference = text(ha.Find("ram:BuyerOrderReferencedDocument", "ram:"+nm.orderID))
	inv.SalesOrderReference = text(ha.Find("ram:SellerOrderReferencedDocument", "ram:"+nm.orderID))
	inv.ContractReference = text(ha.Find("ram:ContractReferencedDocument", "ram:"+nm.orderID))
	inv.ProjectReference = text(ha.Find("ram:SpecifiedProcuringProject", "ram:ID"))
	for _, a := range ha.ChildrenNamed("ram", "AdditionalReferencedDocument") {
		ad := AdditionalDocument{
			ID:          identAttr(ram(a, "IssuerAssignedID"), "ReferenceTypeCode", ""),
			TypeCode:    text(ram(a, "TypeCode")),
			Description: text(ram(a, "Name")),
			URI:         text(ram(a, "URIID")),
			Source:      a.Source(),
		}
		if rtc := ram(a, "ReferenceTypeCode"); rtc != nil {
			ad.ID.Scheme, ad.ID.SchemePresent = rtc.Text, true
		}
		if b := ram(a, "AttachmentBinaryObject"); b != nil {
			ad.Attachment = binaryObject(b)
		}
		switch strings.TrimSpace(ad.TypeCode.Value) {
		case "130":
			if !inv.InvoicedObjectID.Present {
				inv.InvoicedObjectID = ad.ID
			}
			continue
		case "50":
			if !inv.TenderOrLotReference.Present {
				inv.TenderOrLotReference = text(ram(a, "IssuerAssignedID"))
			}
			continue
		}
		inv.AdditionalDocuments = append(inv.AdditionalDocuments, ad)
	}
	if p := ram(ha, "SellerTradeParty"); p != nil {
		inv.Seller = m.ciiParty(p)
	}
	if p := ram(ha, "BuyerTradeParty"); p != nil {
		inv.Buyer = m.ciiParty(p)
	}
	if p := ram(ha, "SellerTaxRepresentativeTradeParty"); p != nil {
		rep := m.ciiParty(p)
		inv.TaxRepresentative = &rep
	}

	// Header delivery.
	if hd != nil {
		inv.DespatchAdviceReference = text(hd.Find("ram:DespatchAdviceReferencedDocument", "ram:"+nm.orderID))
		inv.ReceivingAdviceReference = text(hd.Find("ram:ReceivingAdviceReferencedDocument", "ram:"+nm.orderID))
		st := ram(hd, "ShipToTradeParty")
		ev := hd.Find("ram:ActualDeliverySupplyChainEvent", "ram:OccurrenceDateTime")
		if st != nil || ev != nil {
			del := &Delivery{Source: hd.Source()}
			if ev != nil {
				del.ActualDate = m.ciiDate(ev)
			}
			if st != nil {
				del.PartyName = text(ram(st, "Name"))
				del.LocationID = ident(nodeFirst(ram(st, "ID"), ram(st, "GlobalID")))
				if a := ram(st, "PostalTradeAddress"); a != nil {
					del.Address = ciiAddress(a)
				}
			}
			inv.Delivery = del
		}
	}

	// Header settlement.
	inv.CurrencyCode = text(ram(hs, "InvoiceCurrencyCode"))
	inv.TaxCurrencyCode = text(ram(hs, "TaxCurrencyCode"))
	inv.BuyerAccountingReference = text(hs.Find("ram:ReceivableSpecifiedTradeAccountingAccount", "ram:ID"))
	if p := ram(hs, "PayeeTradeParty"); p != nil {
		payee := m.ciiParty(p)
		inv.Payee = &payee
	}
	if p := ram(hs, "BillingSpecifiedPeriod"); p != nil {
		inv.InvoicePeriod = m.ciiPeriod(p)
	}
	for _, r := range hs.ChildrenNamed("ram", "InvoiceReferencedDocument") {
		inv.PrecedingInvoices = append(inv.PrecedingInvoices, PrecedingInvoice{
			ID:        text(ram(r, nm.orderID)),
			IssueDate: m.ciiDate(ram(r, "FormattedIssueDateTime")),
			Source:    r.Source(),
		})
	}
	var mandate Text
	for _, pt := range hs.ChildrenNamed("ram", "SpecifiedTradePaymentTerms") {
		if d := ram(pt, "Description"); d != nil {
			inv.PaymentTermsAll = append(inv.PaymentTermsAll, text(d))
		}
		if dd := ram(pt, "DueDateDateTime"); dd != nil && !inv.DueDate.Present {
			inv.DueDate = m.ciiDate(dd)
		}
		if md := ram(pt, "DirectDebitMandateID"); md != nil && !mandate.Present {
			mandate = text(md)
		}
	}
	if len(inv.PaymentTermsAll) > 0 {
		inv.PaymentTerms = inv.PaymentTermsAll[0]
	}
	remittance := text(ram(hs, "PaymentReference"))
	creditor := text(ram(hs, "CreditorReferenceID"))
	for _, pm := range hs.ChildrenNamed("ram", "SpecifiedTradeSettlementPaymentMeans") {
		inv.PaymentMeans = append(inv.PaymentMeans, m.ciiPaymentMeans(pm, remittance, creditor, mandate))
	}
	for _, t := range hs.ChildrenNamed("ram", "ApplicableTradeTax") {
		vb := VATBreakdown{
			TaxableAmount:       m.amount(ram(t, "BasisAmount")),
			TaxAmount:           m.amount(ram(t, "CalculatedAmount")),
			Category:            text(ram(t, "CategoryCode")),
			Rate:                m.number(nodeFirst(ram(t, "RateApplicablePercent"), ram(t, "ApplicablePercent"))),
			ExemptionReason:     text(ram(t, "ExemptionReason")),
			ExemptionReasonCode: text(ram(t, "ExemptionReasonCode")),
			TaxSchemeID:         text(ram(t, "TypeCode")),
			Source:              t.Source(),
		}
		inv.VATBreakdown = append(inv.VATBreakdown, vb)
		if tp := ram(t, "TaxPointDate"); tp != nil && !inv.TaxPointDate.Present {
			inv.TaxPointDate = m.ciiDate(tp)
		}
		if dc := ram(t, "DueDateTypeCode"); dc != nil && !inv.TaxPointDateCode.Present {
			inv.TaxPointDateCode = text(dc)
		}
	}
	for _, ac := range hs.ChildrenNamed("ram", "SpecifiedTradeAllowanceCharge") {
		inv.AllowanceCharges = append(inv.AllowanceCharges, m.ciiAllowanceCharge(ac, true))
	}
	if s := ram(hs, nm.summation); s != nil {
		inv.Totals.Source = s.Source()
		inv.Totals.LineNet = m.amount(ram(s, "LineTotalAmount"))
		inv.Totals.ChargeTotal = m.amount(ram(s, "ChargeTotalAmount"))
		inv.Totals.AllowanceTotal = m.amount(ram(s, "AllowanceTotalAmount"))
		inv.Totals.TaxExclusive = m.amount(ram(s, "TaxBasisTotalAmount"))
		for _, ta := range s.ChildrenNamed("ram", "TaxTotalAmount") {
			inv.Totals.TaxAmounts = append(inv.Totals.TaxAmounts, m.amount(ta))
		}
		inv.Totals.Rounding = m.amount(ram(s, "RoundingAmount"))
		inv.Totals.TaxInclusive = m.amount(ram(s, "GrandTotalAmount"))
		inv.Totals.Prepaid = m.amount(ram(s, "TotalPrepaidAmount"))
		inv.Totals.Payable = m.amount(ram(s, "DuePayableAmount"))
	}
	pickTaxTotals(inv)

	// Lines. XRechnung Extension sub-lines stay in this flat list, as in
	// the XML; they name their parent in ParentLineID.
	for _, ln := range tx.ChildrenNamed("ram", "IncludedSupplyChainTradeLineItem") {
		inv.Lines = append(inv.Lines, m.ciiLine(ln, nm))
	}
	return inv
}

func (m *mapper) ciiPeriod(p *Node) *Period {
	return &Period{
		Start:  m.ciiDate(p.Child("ram", "StartDateTime")),
		End:    m.ciiDate(p.Child("ram", "EndDateTime")),
		Source: p.Source(),
	}
}

func (m *mapper) ciiParty(p *Node) Party {
	ram := func(n *Node, local string) *Node { return n.Child("ram", local) }
	party := Party{Present: true, Source: p.Source()}
	for _, c := range p.Children {
		if c.Prefix == "ram" && (c.Local == "ID" || c.Local == "GlobalID") {
			party.Identifiers = append(party.Identifiers, ident(c))
		}
	}
	party.Name = text(ram(p, "Name"))
	party.AdditionalLegalInfo = text(ram(p, "Description"))
	if lo := ram(p, "SpecifiedLegalOrganization"); lo != nil {
		party.LegalRegistrationID = ident(ram(lo, "ID"))
		party.TradingName = text(ram(lo, "TradingBusinessName"))
	}
	if c := ram(p, "DefinedTradeContact"); c != nil {
		party.Contact = &Contact{
			Name:   text(nodeFirst(ram(c, "PersonName"), ram(c, "DepartmentName"))),
			Phone:  text(c.Find("ram:TelephoneUniversalCommunication", "ram:CompleteNumber")),
			Email:  text(c.Find("ram:EmailURIUniversalCommunication", "ram:URIID")),
			Source: c.Source(),
		}
	}
	if a := ram(p, "PostalTradeAddress"); a != nil {
		party.Address = ciiAddress(a)
	}
	party.ElectronicAddress = ident(p.Find("ram:URIUniversalCommunication", "ram:URIID"))
	for _, tr := range p.ChildrenNamed("ram", "SpecifiedTaxRegistration") {
		idn := ram(tr, "ID")
		if idn == nil {
			continue
		}
		id := ident(idn)
		party.TaxSchemes = append(party.TaxSchemes, id)
		switch strings.TrimSpace(id.Scheme) {
		case "VA":
			if !party.VATID.Present {
				party.VATID = text(idn)
			}
		case "FC":
			if !party.TaxRegistrationID.Present {
				party.TaxRegistrationID = text(idn)
			}
		}
	}
	return party
}

func ciiAddress(a *Node) *Address {
	ram := func(local string) Text { return text(a.Child("ram", local)) }
	return &Address{
		Line1:       ram("LineOne"),
		Line2:       ram("LineTwo"),
		Line3:       ram("LineThree"),
		City:        ram("CityName"),
		PostCode:    ram("PostcodeCode"),
		Subdivision: ram("CountrySubDivisionName"),
		CountryCode: ram("CountryID"),
		Source:      a.Source(),
	}
}

func (m *mapper) ciiPaymentMeans(pm *Node, remittance, creditor, mandate Text) PaymentMeans {
	ram := func(n *Node, local string) *Node { return n.Child("ram", local) }
	out := PaymentMeans{
		Code:           text(ram(pm, "TypeCode")),
		Text:           text(ram(pm, "Information")),
		RemittanceInfo: remittance,
		Source:         pm.Source(),
	}
	if acc := ram(pm, "PayeePartyCreditorFinancialAccount"); acc != nil {
		iban := ram(acc, "IBANID")
		ct := CreditTransfer{
			AccountID:   text(nodeFirst(iban, ram(acc, "ProprietaryID"))),
			IsIBAN:      iban != nil,
			AccountName: text(ram(acc, "AccountName")),
			Source:      acc.Source(),
		}
		ct.ServiceProviderID = text(pm.Find("ram:PayeeSpecifiedCreditorFinancialInstitution", "ram:BICID"))
		out.CreditTransfers = append(out.CreditTransfers, ct)
	}
	if card := ram(pm, "ApplicableTradeSettlementFinancialCard"); card != nil {
		out.Card = &Card{
			PAN:        text(ram(card, "ID")),
			HolderName: text(ram(card, "CardholderName")),
			Source:     card.Source(),
		}
	}
	if debtor := ram(pm, "PayerPartyDebtorFinancialAccount"); debtor != nil {
		out.DirectDebit = &DirectDebit{
			MandateID:      mandate,
			CreditorID:     creditor,
			DebitedAccount: text(ram(debtor, "IBANID")),
			Source:         debtor.Source(),
		}
	}
	return out
}

func (m *mapper) ciiAllowanceCharge(ac *Node, documentLevel bool) AllowanceCharge {
	ram := func(n *Node, local string) *Node { return n.Child("ram", local) }
	ind := ac.Find("ram:ChargeIndicator", "udt:Indicator")
	out := AllowanceCharge{
		ChargeIndicator: text(ind),
		Charge:          ind != nil && strings.TrimSpace(ind.Text) == "true",
		Amount:          m.amount(ram(ac, "ActualAmount")),
		BaseAmount:      m.amount(ram(ac, "BasisAmount")),
		Percentage:      m.number(ram(ac, "CalculationPercent")),
		Reason:          text(ram(ac, "Reason")),
		ReasonCode:      text(ram(ac, "ReasonCode")),
		Source:          ac.Source(),
	}
	if documentLevel {
		if t := ram(ac, "CategoryTradeTax"); t != nil {
			out.VATCategory = text(ram(t, "CategoryCode"))
			out.VATRate = m.number(nodeFirst(ram(t, "RateApplicablePercent"), ram(t, "ApplicablePercent")))
		}
	}
	return out
}

func (m *mapper) ciiLine(ln *Node, nm ciiNames) Line {
	ram := func(n *Node, local string) *Node { return n.Child("ram", local) }
	out := Line{Source: ln.Source()}
	if d := ram(ln, "AssociatedDocumentLineDocument"); d != nil {
		out.ID = text(ram(d, "LineID"))
		out.ParentLineID = text(ram(d, "ParentLineID"))
		if n := ram(d, "IncludedNote"); n != nil {
			out.Note = text(ram(n, "Content"))
		}
	}
	if p := ram(ln, "SpecifiedTradeProduct"); p != nil {
		item := Item{Source: p.Source()}
		item.StandardID = ident(ram(p, "GlobalID"))
		item.SellerID = text(ram(p, "SellerAssignedID"))
		item.BuyerID = text(ram(p, "BuyerAssignedID"))
		item.Name = text(ram(p, "Name"))
		item.Description = text(ram(p, "Description"))
		for _, c := range p.ChildrenNamed("ram", "ApplicableProductCharacteristic") {
			item.Attributes = append(item.Attributes, ItemAttribute{
				Name: text(ram(c, "Description")), Value: text(ram(c, "Value")), Source: c.Source(),
			})
		}
		for _, c := range p.ChildrenNamed("ram", "DesignatedProductClassification") {
			if cc := ram(c, "ClassCode"); cc != nil {
				item.Classifications = append(item.Classifications, identAttr(cc, "listID", "listVersionID"))
			}
		}
		item.OriginCountry = text(p.Find("ram:OriginTradeCountry", "ram:ID"))
		out.Item = item
	}
	if a := ram(ln, nm.lineAgreement); a != nil {
		out.OrderLineReference = text(a.Find("ram:BuyerOrderReferencedDocument", "ram:LineID"))
		if g := ram(a, "GrossPriceProductTradePrice"); g != nil {
			out.Price.GrossPrice = m.amount(ram(g, "ChargeAmount"))
			out.Price.GrossBaseQuantity = m.quantity(ram(g, "BasisQuantity"))
			if ac := ram(g, "AppliedTradeAllowanceCharge"); ac != nil {
				out.Price.Discount = m.amount(ram(ac, "ActualAmount"))
			}
		}
		if n := ram(a, "NetPriceProductTradePrice"); n != nil {
			out.Price.Source = n.Source()
			out.Price.NetPrice = m.amount(ram(n, "ChargeAmount"))
			out.Price.BaseQuantity = m.quantity(ram(n, "BasisQuantity"))
		}
	}
	if d := ram(ln, nm.lineDelivery); d != nil {
		out.Quantity = m.quantity(ram(d, "BilledQuantity"))
	}
	if s := ram(ln, nm.lineSettl); s != nil {
		if t := ram(s, "ApplicableTradeTax"); t != nil {
			out.VATCategory = text(ram(t, "CategoryCode"))
			out.VATRate = m.number(nodeFirst(ram(t, "RateApplicablePercent"), ram(t, "ApplicablePercent")))
		}
		if p := ram(s, "BillingSpecifiedPeriod"); p != nil {
			out.Period = m.ciiPeriod(p)
		}
		for _, ac := range s.ChildrenNamed("ram", "SpecifiedTradeAllowanceCharge") {
			out.AllowanceCharges = append(out.AllowanceCharges, m.ciiAllowanceCharge(ac, false))
		}
		out.NetAmount = m.amount(s.Find("ram:"+nm.lineSummation, "ram:LineTotalAmount"))
		for _, r := range s.ChildrenNamed("ram", "AdditionalReferencedDocument") {
			if tc := ram(r, "TypeCode"); tc != nil && strings.TrimSpace(tc.Text) == "130" && !out.ObjectID.Present {
				out.ObjectID = identAttr(ram(r, "IssuerAssignedID"), "", "")
				if rtc := ram(r, "ReferenceTypeCode"); rtc != nil {
					out.ObjectID.Scheme, out.ObjectID.SchemePresent = rtc.Text, true
				}
			}
		}
		out.AccountingReference = text(s.Find("ram:ReceivableSpecifiedTradeAccountingAccount", "ram:ID"))
	}
	return out
}

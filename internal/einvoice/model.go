package einvoice

import (
	"time"
)

// This file is the normalised invoice model shared by the UBL and CII
// parsers, the validation rules (package validate), the visualisation and the
// pipeline. It follows the semantic model of EN 16931-1 (business terms BT-n,
// business groups BG-n). Fields are only ever added, never renamed: the
// rules compile against them.
//
// Every leaf keeps whether its element was present, the text exactly as
// written, and where it was found, because the rules distinguish "absent"
// from "empty" from "zero", count decimals as written (BR-DEC) and must point
// at the offending element.

// Syntax is the XML syntax an invoice was written in.
type Syntax string

// Syntaxes understood by the parsers.
const (
	SyntaxUnknown  Syntax = ""
	SyntaxUBL      Syntax = "ubl" // OASIS UBL 2.1 Invoice or CreditNote
	SyntaxCII      Syntax = "cii" // UN/CEFACT CII D16B CrossIndustryInvoice
	SyntaxZUGFeRD1 Syntax = "zf1" // ZUGFeRD 1.0 CrossIndustryDocument (legacy)
)

// Source locates an element in the invoice XML so that findings can point
// at it.
type Source struct {
	// Path is an XPath-like location with canonical prefixes and 1-based
	// positions, e.g. "/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount"
	// or "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID". Positions
	// are written only where an element has same-named siblings before or
	// after it. Attributes are addressed as ".../@schemeID".
	Path string `json:"path,omitempty"`
	// Line is the 1-based line of the element's start tag in the XML.
	Line int `json:"line,omitempty"`
}

// Text is a string business term.
type Text struct {
	// Value is the element's character data exactly as written (entities
	// resolved, whitespace kept).
	Value string `json:"value"`
	// Present is false when the element does not exist; an empty element
	// is Present with Value "".
	Present bool `json:"present"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// ID is an identifier with an optional scheme (e.g. BT-29 with BT-29-1, BT-34
// with BT-34-1 electronic address scheme, BT-158 with list id and version).
type ID struct {
	Value   string `json:"value"`
	Present bool   `json:"present"`
	// Scheme is @schemeID (UBL, CII), or @listID for item classifications.
	Scheme string `json:"scheme,omitempty"`
	// SchemePresent distinguishes a missing scheme attribute from an empty one.
	SchemePresent bool `json:"scheme_present,omitempty"`
	// SchemeVersion is @schemeVersionID or @listVersionID (BT-158-2).
	SchemeVersion string `json:"scheme_version,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Date is a date business term.
type Date struct {
	// Raw is the text as written: "2024-06-30" (UBL) or "20240630" (CII).
	Raw     string `json:"raw"`
	Present bool   `json:"present"`
	// Format is the CII @format attribute ("102" = YYYYMMDD); empty for UBL.
	Format string `json:"format,omitempty"`
	// Value is the date normalised to YYYY-MM-DD; empty when Raw is not a
	// valid date in its format (Valid is then false).
	Value string `json:"value,omitempty"`
	Valid bool   `json:"valid"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Time returns the date at midnight UTC; ok is false for absent or invalid
// dates.
func (d Date) Time() (t time.Time, ok bool) {
	if !d.Valid {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", d.Value)
	return t, err == nil
}

// Number is a decimal business term without currency: percentages, rates.
type Number struct {
	// Value is the exact value; zero when absent or invalid.
	Value Decimal `json:"-"`
	// Raw is the text as written (before trimming).
	Raw     string `json:"raw"`
	Present bool   `json:"present"`
	// Valid is false when Raw is present but not an xs:decimal.
	Valid bool `json:"valid"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Amount is a monetary business term.
type Amount struct {
	Number
	// Currency is @currencyID ("" if the attribute is absent; CII makes it
	// optional except for BT-110/BT-111).
	Currency string `json:"currency,omitempty"`
}

// Quantity is a quantity business term with its unit (UN/ECE Rec 20/21).
type Quantity struct {
	Number
	// UnitCode is @unitCode (BT-130 / BT-150).
	UnitCode string `json:"unit_code,omitempty"`
	// UnitCodePresent distinguishes a missing unitCode attribute.
	UnitCodePresent bool `json:"unit_code_present,omitempty"`
}

// Invoice is one e-invoice (or credit note) in the EN 16931 semantic model.
type Invoice struct {
	// Syntax is the XML syntax of the source document.
	Syntax Syntax `json:"syntax"`
	// RootName is the local name of the document element: "Invoice",
	// "CreditNote", "CrossIndustryInvoice" or "CrossIndustryDocument".
	RootName string `json:"root_name"`
	// RootNamespace is the namespace URI of the document element.
	RootNamespace string `json:"root_namespace"`
	// IsCreditNote is true for a UBL CreditNote document (not for CII type
	// code 381, which keeps the Invoice structure).
	IsCreditNote bool `json:"is_credit_note"`

	// CustomizationID is BT-24 specification identifier (UBL
	// cbc:CustomizationID, CII GuidelineSpecifiedDocumentContextParameter/ram:ID).
	CustomizationID Text `json:"customization_id"`
	// Profile is the profile derived from BT-24 (see ClassifyProfile).
	Profile Profile `json:"profile"`
	// ProfileID is BT-23 business process type (UBL cbc:ProfileID, CII
	// BusinessProcessSpecifiedDocumentContextParameter/ram:ID).
	ProfileID Text `json:"profile_id"`

	// ID is BT-1 invoice number.
	ID Text `json:"id"`
	// IssueDate is BT-2 invoice issue date.
	IssueDate Date `json:"issue_date"`
	// TypeCode is BT-3 invoice type code (UNTDID 1001, e.g. 380, 381, 384).
	TypeCode Text `json:"type_code"`
	// CurrencyCode is BT-5 invoice currency code (ISO 4217).
	CurrencyCode Text `json:"currency_code"`
	// TaxCurrencyCode is BT-6 VAT accounting currency code.
	TaxCurrencyCode Text `json:"tax_currency_code"`
	// TaxPointDate is BT-7 value added tax point date.
	TaxPointDate Date `json:"tax_point_date"`
	// TaxPointDateCode is BT-8 value added tax point date code (UNTDID 2005
	// in CII, UNTDID 2005-derived in UBL cac:InvoicePeriod/cbc:DescriptionCode).
	TaxPointDateCode Text `json:"tax_point_date_code"`
	// DueDate is BT-9 payment due date (UBL cbc:DueDate; CreditNote
	// cac:PaymentMeans/cbc:PaymentDueDate; CII
	// SpecifiedTradePaymentTerms/DueDateDateTime).
	DueDate Date `json:"due_date"`
	// BuyerReference is BT-10 buyer reference; in German public procurement
	// the Leitweg-ID.
	BuyerReference Text `json:"buyer_reference"`
	// ProjectReference is BT-11 project reference.
	ProjectReference Text `json:"project_reference"`
	// ContractReference is BT-12 contract reference.
	ContractReference Text `json:"contract_reference"`
	// OrderReference is BT-13 purchase order reference.
	OrderReference Text `json:"order_reference"`
	// SalesOrderReference is BT-14 sales order reference.
	SalesOrderReference Text `json:"sales_order_reference"`
	// ReceivingAdviceReference is BT-15 receiving advice reference.
	ReceivingAdviceReference Text `json:"receiving_advice_reference"`
	// DespatchAdviceReference is BT-16 despatch advice reference.
	DespatchAdviceReference Text `json:"despatch_advice_reference"`
	// TenderOrLotReference is BT-17 tender or lot reference.
	TenderOrLotReference Text `json:"tender_or_lot_reference"`
	// InvoicedObjectID is BT-18 invoiced object identifier with BT-18-1
	// scheme.
	InvoicedObjectID ID `json:"invoiced_object_id"`
	// BuyerAccountingReference is BT-19 buyer accounting reference.
	BuyerAccountingReference Text `json:"buyer_accounting_reference"`
	// PaymentTerms is BT-20 payment terms (UBL cac:PaymentTerms/cbc:Note,
	// CII SpecifiedTradePaymentTerms/ram:Description). When the document has
	// several, this is the first; all are in PaymentTermsAll.
	PaymentTerms Text `json:"payment_terms"`
	// PaymentTermsAll holds every BT-20 occurrence in document order.
	PaymentTermsAll []Text `json:"payment_terms_all,omitempty"`
	// Notes is BG-1 invoice notes.
	Notes []Note `json:"notes,omitempty"`
	// PrecedingInvoices is BG-3 preceding invoice references.
	PrecedingInvoices []PrecedingInvoice `json:"preceding_invoices,omitempty"`

	// Seller is BG-4 seller.
	Seller Party `json:"seller"`
	// Buyer is BG-7 buyer.
	Buyer Party `json:"buyer"`
	// Payee is BG-10 payee; nil when absent.
	Payee *Party `json:"payee,omitempty"`
	// TaxRepresentative is BG-11 seller tax representative party; nil when
	// absent.
	TaxRepresentative *Party `json:"tax_representative,omitempty"`
	// Delivery is BG-13 delivery information; nil when absent.
	Delivery *Delivery `json:"delivery,omitempty"`
	// InvoicePeriod is BG-14 invoicing period; nil when absent.
	InvoicePeriod *Period `json:"invoice_period,omitempty"`
	// PaymentMeans is BG-16 payment instructions, one entry per UBL
	// cac:PaymentMeans / CII SpecifiedTradeSettlementPaymentMeans.
	PaymentMeans []PaymentMeans `json:"payment_means,omitempty"`
	// AllowanceCharges is BG-20 document level allowances and BG-21
	// document level charges in document order.
	AllowanceCharges []AllowanceCharge `json:"allowance_charges,omitempty"`
	// Totals is BG-22 document totals.
	Totals Totals `json:"totals"`
	// VATBreakdown is BG-23 VAT breakdown.
	VATBreakdown []VATBreakdown `json:"vat_breakdown,omitempty"`
	// AdditionalDocuments is BG-24 additional supporting documents.
	AdditionalDocuments []AdditionalDocument `json:"additional_documents,omitempty"`
	// Lines is BG-25 invoice lines in document order.
	Lines []Line `json:"lines,omitempty"`

	// Issues lists syntax problems the parser noticed but tolerated
	// (unparseable numbers or dates, unexpected structure), so the
	// validator can report them like schema errors.
	Issues []Issue `json:"issues,omitempty"`
}

// Issue is a syntax-level problem found while mapping the XML to the model.
type Issue struct {
	// Code is a stable identifier, e.g. "invalid-decimal", "invalid-date".
	Code string `json:"code"`
	// Message describes the problem in English.
	Message string `json:"message"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Note is one BG-1 invoice note.
type Note struct {
	// SubjectCode is BT-21 invoice note subject code (UNTDID 4451; UBL
	// writes it as "#CODE#" prefix of the note text, CII as ram:SubjectCode).
	SubjectCode Text `json:"subject_code"`
	// Text is BT-22 invoice note (without the UBL "#CODE#" prefix).
	Text Text `json:"text"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// PrecedingInvoice is one BG-3 preceding invoice reference.
type PrecedingInvoice struct {
	// ID is BT-25 preceding invoice reference.
	ID Text `json:"id"`
	// IssueDate is BT-26 preceding invoice issue date.
	IssueDate Date `json:"issue_date"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Party is a trade party: BG-4 seller, BG-7 buyer, BG-10 payee or BG-11 tax
// representative. Not every term exists for every role; the comments name
// the business terms per role as seller / buyer / payee / tax representative.
type Party struct {
	// Present is false when the party element does not exist at all.
	Present bool `json:"present"`
	// Name is BT-27 / BT-44 / BT-59 / BT-62 (UBL PartyLegalEntity/
	// RegistrationName, for payee and tax representative PartyName/Name; CII
	// ram:Name).
	Name Text `json:"name"`
	// TradingName is BT-28 / BT-45 (UBL PartyName/Name, CII
	// SpecifiedLegalOrganization/TradingBusinessName).
	TradingName Text `json:"trading_name"`
	// Identifiers is BT-29 / BT-46 / BT-60 party identifiers with schemes
	// (UBL PartyIdentification/ID, CII ram:ID and ram:GlobalID). For the
	// seller and payee, a SEPA creditor identifier (BT-90) also appears here
	// in UBL with scheme "SEPA".
	Identifiers []ID `json:"identifiers,omitempty"`
	// LegalRegistrationID is BT-30 / BT-47 / BT-61 legal registration
	// identifier with scheme.
	LegalRegistrationID ID `json:"legal_registration_id"`
	// VATID is BT-31 / BT-48 / BT-63 VAT identifier (UBL PartyTaxScheme with
	// TaxScheme/ID "VAT", CII SpecifiedTaxRegistration/ID[@schemeID='VA']).
	VATID Text `json:"vat_id"`
	// TaxRegistrationID is BT-32 seller tax registration identifier
	// (Steuernummer; UBL PartyTaxScheme with TaxScheme/ID other than "VAT",
	// CII ram:ID[@schemeID='FC']).
	TaxRegistrationID Text `json:"tax_registration_id"`
	// TaxSchemes holds every UBL PartyTaxScheme (CompanyID with its
	// TaxScheme/ID in Scheme) or CII SpecifiedTaxRegistration/ID (schemeID in
	// Scheme), for rules that inspect the raw registrations.
	TaxSchemes []ID `json:"tax_schemes,omitempty"`
	// AdditionalLegalInfo is BT-33 seller additional legal information.
	AdditionalLegalInfo Text `json:"additional_legal_info"`
	// ElectronicAddress is BT-34 / BT-49 electronic address with BT-34-1 /
	// BT-49-1 scheme (EAS code, e.g. 0204 = Leitweg-ID, EM = e-mail).
	ElectronicAddress ID `json:"electronic_address"`
	// Address is BG-5 / BG-8 / BG-12 postal address; nil when absent.
	Address *Address `json:"address,omitempty"`
	// Contact is BG-6 / BG-9 contact; nil when absent.
	Contact *Contact `json:"contact,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Address is a postal address: BG-5 seller, BG-8 buyer, BG-12 tax
// representative, BG-15 deliver-to.
type Address struct {
	// Line1 is BT-35 / BT-50 / BT-64 / BT-75 address line 1.
	Line1 Text `json:"line1"`
	// Line2 is BT-36 / BT-51 / BT-65 / BT-76 address line 2.
	Line2 Text `json:"line2"`
	// Line3 is BT-162 / BT-163 / BT-164 / BT-165 address line 3.
	Line3 Text `json:"line3"`
	// City is BT-37 / BT-52 / BT-66 / BT-77.
	City Text `json:"city"`
	// PostCode is BT-38 / BT-53 / BT-67 / BT-78.
	PostCode Text `json:"post_code"`
	// Subdivision is BT-39 / BT-54 / BT-68 / BT-79 country subdivision.
	Subdivision Text `json:"subdivision"`
	// CountryCode is BT-40 / BT-55 / BT-69 / BT-80 (ISO 3166-1 alpha-2).
	CountryCode Text `json:"country_code"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Contact is BG-6 seller contact or BG-9 buyer contact.
type Contact struct {
	// Name is BT-41 / BT-56 contact point.
	Name Text `json:"name"`
	// Phone is BT-42 / BT-57 contact telephone number.
	Phone Text `json:"phone"`
	// Email is BT-43 / BT-58 contact e-mail address.
	Email Text `json:"email"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Delivery is BG-13 delivery information.
type Delivery struct {
	// PartyName is BT-70 deliver to party name.
	PartyName Text `json:"party_name"`
	// LocationID is BT-71 deliver to location identifier with BT-71-1
	// scheme.
	LocationID ID `json:"location_id"`
	// ActualDate is BT-72 actual delivery date.
	ActualDate Date `json:"actual_date"`
	// Address is BG-15 deliver to address; nil when absent.
	Address *Address `json:"address,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Period is BG-14 invoicing period or BG-26 invoice line period.
type Period struct {
	// Start is BT-73 / BT-134 start date.
	Start Date `json:"start"`
	// End is BT-74 / BT-135 end date.
	End Date `json:"end"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// PaymentMeans is one BG-16 payment instruction.
type PaymentMeans struct {
	// Code is BT-81 payment means type code (UNTDID 4461: 30, 58 credit
	// transfer; 48, 54, 55 card; 59 direct debit; …).
	Code Text `json:"code"`
	// Text is BT-82 payment means text (UBL @name, CII ram:Information).
	Text Text `json:"text"`
	// RemittanceInfo is BT-83 remittance information (UBL cbc:PaymentID,
	// CII header ram:PaymentReference).
	RemittanceInfo Text `json:"remittance_info"`
	// CreditTransfers is BG-17 credit transfer (at most one per UBL
	// PaymentMeans / CII SpecifiedTradeSettlementPaymentMeans).
	CreditTransfers []CreditTransfer `json:"credit_transfers,omitempty"`
	// Card is BG-18 payment card information; nil when absent.
	Card *Card `json:"card,omitempty"`
	// DirectDebit is BG-19 direct debit; nil when absent.
	DirectDebit *DirectDebit `json:"direct_debit,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// CreditTransfer is BG-17 credit transfer.
type CreditTransfer struct {
	// AccountID is BT-84 payment account identifier (IBAN or proprietary).
	AccountID Text `json:"account_id"`
	// IsIBAN is true when the account came from CII ram:IBANID (UBL does not
	// distinguish; it is then true as well).
	IsIBAN bool `json:"is_iban"`
	// AccountName is BT-85 payment account name.
	AccountName Text `json:"account_name"`
	// ServiceProviderID is BT-86 payment service provider identifier (BIC).
	ServiceProviderID Text `json:"service_provider_id"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Card is BG-18 payment card information.
type Card struct {
	// PAN is BT-87 payment card primary account number (last digits only).
	PAN Text `json:"pan"`
	// HolderName is BT-88 payment card holder name.
	HolderName Text `json:"holder_name"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// DirectDebit is BG-19 direct debit.
type DirectDebit struct {
	// MandateID is BT-89 mandate reference identifier.
	MandateID Text `json:"mandate_id"`
	// CreditorID is BT-90 bank assigned creditor identifier (UBL seller or
	// payee PartyIdentification/ID[@schemeID='SEPA'], CII
	// ram:CreditorReferenceID).
	CreditorID Text `json:"creditor_id"`
	// DebitedAccount is BT-91 debited account identifier (IBAN).
	DebitedAccount Text `json:"debited_account"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// AllowanceCharge is BG-20 document level allowance, BG-21 document level
// charge, BG-27 line allowance or BG-28 line charge.
type AllowanceCharge struct {
	// Charge is true for a charge (BG-21/BG-28), false for an allowance
	// (BG-20/BG-27). UBL cbc:ChargeIndicator, CII ChargeIndicator/udt:Indicator.
	Charge bool `json:"charge"`
	// ChargeIndicator is the indicator text as written ("true", "false",
	// possibly invalid).
	ChargeIndicator Text `json:"charge_indicator"`
	// Amount is BT-92 / BT-99 / BT-136 / BT-141.
	Amount Amount `json:"amount"`
	// BaseAmount is BT-93 / BT-100 / BT-137 / BT-142.
	BaseAmount Amount `json:"base_amount"`
	// Percentage is BT-94 / BT-101 / BT-138 / BT-143.
	Percentage Number `json:"percentage"`
	// VATCategory is BT-95 / BT-102 VAT category code (document level only).
	VATCategory Text `json:"vat_category"`
	// VATRate is BT-96 / BT-103 VAT rate (document level only).
	VATRate Number `json:"vat_rate"`
	// Reason is BT-97 / BT-104 / BT-139 / BT-144.
	Reason Text `json:"reason"`
	// ReasonCode is BT-98 / BT-105 / BT-140 / BT-145 (UNTDID 5189 for
	// allowances, 7161 for charges).
	ReasonCode Text `json:"reason_code"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Totals is BG-22 document totals.
type Totals struct {
	// LineNet is BT-106 sum of invoice line net amount.
	LineNet Amount `json:"line_net"`
	// AllowanceTotal is BT-107 sum of allowances on document level.
	AllowanceTotal Amount `json:"allowance_total"`
	// ChargeTotal is BT-108 sum of charges on document level.
	ChargeTotal Amount `json:"charge_total"`
	// TaxExclusive is BT-109 invoice total amount without VAT.
	TaxExclusive Amount `json:"tax_exclusive"`
	// TaxTotal is BT-110 invoice total VAT amount: the VAT total in the
	// document currency (BT-5).
	TaxTotal Amount `json:"tax_total"`
	// TaxTotalTaxCurrency is BT-111 invoice total VAT amount in accounting
	// currency (BT-6).
	TaxTotalTaxCurrency Amount `json:"tax_total_tax_currency"`
	// TaxAmounts holds every UBL cac:TaxTotal/cbc:TaxAmount or CII
	// ram:TaxTotalAmount in document order, for rules that count them
	// (BR-CO-15, PEPPOL-R053).
	TaxAmounts []Amount `json:"tax_amounts,omitempty"`
	// TaxInclusive is BT-112 invoice total amount with VAT.
	TaxInclusive Amount `json:"tax_inclusive"`
	// Prepaid is BT-113 paid amount.
	Prepaid Amount `json:"prepaid"`
	// Rounding is BT-114 rounding amount.
	Rounding Amount `json:"rounding"`
	// Payable is BT-115 amount due for payment.
	Payable Amount `json:"payable"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// VATBreakdown is one BG-23 VAT breakdown.
type VATBreakdown struct {
	// TaxableAmount is BT-116 VAT category taxable amount.
	TaxableAmount Amount `json:"taxable_amount"`
	// TaxAmount is BT-117 VAT category tax amount.
	TaxAmount Amount `json:"tax_amount"`
	// Category is BT-118 VAT category code (UNCL 5305: S, Z, E, AE, K, G, O,
	// L, M).
	Category Text `json:"category"`
	// Rate is BT-119 VAT category rate (percent).
	Rate Number `json:"rate"`
	// ExemptionReason is BT-120 VAT exemption reason text.
	ExemptionReason Text `json:"exemption_reason"`
	// ExemptionReasonCode is BT-121 VAT exemption reason code (VATEX).
	ExemptionReasonCode Text `json:"exemption_reason_code"`
	// TaxSchemeID is UBL cac:TaxScheme/cbc:ID or CII ram:TypeCode ("VAT").
	TaxSchemeID Text `json:"tax_scheme_id"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// AdditionalDocument is one BG-24 additional supporting document (and, in
// UBL, the carrier of BT-18 when its type code is 130).
type AdditionalDocument struct {
	// ID is BT-122 supporting document reference.
	ID ID `json:"id"`
	// TypeCode is UBL cbc:DocumentTypeCode / CII ram:TypeCode (916 for
	// BG-24, 130 for BT-18, 50 for BT-17 in CII).
	TypeCode Text `json:"type_code"`
	// Description is BT-123 supporting document description.
	Description Text `json:"description"`
	// URI is BT-124 external document location.
	URI Text `json:"uri"`
	// Attachment is BT-125 attached document; nil when absent.
	Attachment *Attachment `json:"attachment,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Attachment is BT-125 attached document (base64 binary object).
type Attachment struct {
	// MimeCode is BT-125-1 @mimeCode.
	MimeCode string `json:"mime_code"`
	// Filename is BT-125-2 @filename.
	Filename string `json:"filename"`
	// Data is the decoded content; nil when the base64 was invalid.
	Data []byte `json:"-"`
	// DecodeError says why the base64 content could not be decoded.
	DecodeError string `json:"decode_error,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Line is one BG-25 invoice line (UBL cac:InvoiceLine / cac:CreditNoteLine,
// CII IncludedSupplyChainTradeLineItem).
type Line struct {
	// ID is BT-126 invoice line identifier.
	ID Text `json:"id"`
	// Note is BT-127 invoice line note (the first; UBL allows several).
	Note Text `json:"note"`
	// ObjectID is BT-128 invoice line object identifier with scheme.
	ObjectID ID `json:"object_id"`
	// Quantity is BT-129 invoiced quantity with BT-130 unit of measure code.
	Quantity Quantity `json:"quantity"`
	// NetAmount is BT-131 invoice line net amount.
	NetAmount Amount `json:"net_amount"`
	// OrderLineReference is BT-132 referenced purchase order line reference.
	OrderLineReference Text `json:"order_line_reference"`
	// AccountingReference is BT-133 invoice line buyer accounting reference.
	AccountingReference Text `json:"accounting_reference"`
	// Period is BG-26 invoice line period; nil when absent.
	Period *Period `json:"period,omitempty"`
	// AllowanceCharges is BG-27 line allowances and BG-28 line charges.
	AllowanceCharges []AllowanceCharge `json:"allowance_charges,omitempty"`
	// Price is BG-29 price details.
	Price Price `json:"price"`
	// VATCategory is BT-151 invoiced item VAT category code.
	VATCategory Text `json:"vat_category"`
	// VATRate is BT-152 invoiced item VAT rate.
	VATRate Number `json:"vat_rate"`
	// Item is BG-31 item information.
	Item Item `json:"item"`
	// SubLines are UBL cac:SubInvoiceLine sub invoice lines (XRechnung
	// Extension; not part of EN 16931). CII sub-lines stay in Invoice.Lines
	// with ParentLineID set, as the XML has them.
	SubLines []Line `json:"sub_lines,omitempty"`
	// ParentLineID is CII ram:ParentLineID of a sub line (XRechnung
	// Extension); empty for ordinary lines.
	ParentLineID Text `json:"parent_line_id"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Price is BG-29 price details.
type Price struct {
	// NetPrice is BT-146 item net price.
	NetPrice Amount `json:"net_price"`
	// Discount is BT-147 item price discount (UBL Price/AllowanceCharge/
	// Amount, CII GrossPriceProductTradePrice/AppliedTradeAllowanceCharge/
	// ActualAmount).
	Discount Amount `json:"discount"`
	// GrossPrice is BT-148 item gross price.
	GrossPrice Amount `json:"gross_price"`
	// BaseQuantity is BT-149 item price base quantity with BT-150 unit code
	// (CII: of the net price).
	BaseQuantity Quantity `json:"base_quantity"`
	// GrossBaseQuantity is the CII base quantity of the gross price (BT-149
	// again; BR-TMP-3 compares it with BaseQuantity). Absent in UBL.
	GrossBaseQuantity Quantity `json:"gross_base_quantity"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Item is BG-31 item information.
type Item struct {
	// Name is BT-153 item name.
	Name Text `json:"name"`
	// Description is BT-154 item description.
	Description Text `json:"description"`
	// SellerID is BT-155 item seller's identifier.
	SellerID Text `json:"seller_id"`
	// BuyerID is BT-156 item buyer's identifier.
	BuyerID Text `json:"buyer_id"`
	// StandardID is BT-157 item standard identifier with BT-157-1 scheme.
	StandardID ID `json:"standard_id"`
	// Classifications is BT-158 item classification identifiers with
	// BT-158-1 scheme (listID) and BT-158-2 version.
	Classifications []ID `json:"classifications,omitempty"`
	// OriginCountry is BT-159 item country of origin.
	OriginCountry Text `json:"origin_country"`
	// Attributes is BG-32 item attributes.
	Attributes []ItemAttribute `json:"attributes,omitempty"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// ItemAttribute is one BG-32 item attribute.
type ItemAttribute struct {
	// Name is BT-160 item attribute name.
	Name Text `json:"name"`
	// Value is BT-161 item attribute value.
	Value Text `json:"value"`
	// Source locates the element in the XML.
	Source Source `json:"source"`
}

// Profile classifies BT-24 into the specifications eingang distinguishes.
type Profile string

// Profiles recognised by ClassifyProfile.
const (
	ProfileUnknown            Profile = ""
	ProfileXRechnung          Profile = "xrechnung-3.0"           // XRechnung 3.0.x CIUS
	ProfileXRechnungExtension Profile = "xrechnung-3.0-extension" // XRechnung 3.0 Extension
	ProfileXRechnungCVD       Profile = "xrechnung-3.0-cvd"       // XRechnung 3.0 CVD
	ProfileXRechnungOld       Profile = "xrechnung-old"           // XRechnung 1.x / 2.x (expired)
	ProfileEN16931            Profile = "en16931"                 // plain EN 16931 (= ZUGFeRD/Factur-X EN 16931 / COMFORT)
	ProfilePeppolBIS          Profile = "peppol-bis-3"
	ProfileFacturXMinimum     Profile = "facturx-minimum"
	ProfileFacturXBasicWL     Profile = "facturx-basicwl"
	ProfileFacturXBasic       Profile = "facturx-basic"
	ProfileFacturXExtended    Profile = "facturx-extended"
	ProfileZUGFeRD1           Profile = "zugferd-1"
	ProfileOther              Profile = "other" // some other EN 16931 CIUS or unknown ID
)

// Document is a parsed input: the invoice plus where it came from.
type Document struct {
	// Format is the detected input format (FacturXPDF for a hybrid PDF).
	Format Format `json:"format"`
	// Syntax is the XML syntax of the invoice.
	Syntax Syntax `json:"syntax"`
	// Invoice is the normalised invoice.
	Invoice *Invoice `json:"invoice"`
	// XML is the invoice XML exactly as received (for a PDF: the embedded
	// file; for an SBDH envelope: the whole input, see SBDH). Never
	// re-serialised: it is the legal original.
	XML []byte `json:"-"`
	// Root is the parsed XML tree of the invoice document element, for
	// syntax-level rules that need elements the model does not carry.
	Root *Node `json:"-"`
	// SBDH is true when the invoice was wrapped in a Peppol Standard
	// Business Document Header envelope.
	SBDH bool `json:"sbdh,omitempty"`
	// FromPDF is true when the XML was embedded in a PDF.
	FromPDF bool `json:"from_pdf,omitempty"`
	// EmbeddedName is the PDF attachment name the XML was taken from.
	EmbeddedName string `json:"embedded_name,omitempty"`
	// AFRelationship is the /AFRelationship of that attachment ("" if none).
	AFRelationship string `json:"af_relationship,omitempty"`
	// PDFConformanceLevel is fx:ConformanceLevel from the PDF's XMP metadata
	// ("EN 16931", "XRECHNUNG", "BASIC WL", …); "" when absent.
	PDFConformanceLevel string `json:"pdf_conformance_level,omitempty"`
	// PDFAttachments lists every embedded file of the PDF.
	PDFAttachments []PDFAttachment `json:"pdf_attachments,omitempty"`
	// Warnings are container-level observations that do not stop parsing
	// (several invoice XMLs in one PDF, unusual AFRelationship, …), in English.
	Warnings []string `json:"warnings,omitempty"`
}

// PDFAttachment describes one file embedded in a PDF.
type PDFAttachment struct {
	// Name is the file specification's /UF (else /F), escapes decoded.
	Name string `json:"name"`
	// AFRelationship is the /AFRelationship name ("" if none).
	AFRelationship string `json:"af_relationship,omitempty"`
	// MimeType is the embedded stream's /Subtype, e.g. "text/xml".
	MimeType string `json:"mime_type,omitempty"`
	// Size is the decoded size in bytes (0 if it could not be decoded).
	Size int `json:"size"`
	// Executable is true when the content looks like a program (PE, ELF,
	// Mach-O, script); such attachments are never read as invoices.
	Executable bool `json:"executable,omitempty"`
}

// Package fields names the metadata fields a document carries from intake
// to the DMS. An e-invoice and a scanned invoice fill the same invoice
// fields, classification adds its decision fields, and DMS templates,
// classification rules and reports refer to all of them by these names;
// they are part of the configuration's interface and never change
// spelling.
package fields

// Invoice fields, as EN 16931 names them (business term in the comment).
// The scan corpus truth files and the e-invoice corpus manifest use the
// same names.
const (
	InvoiceNumber   = "invoice_number"    // BT-1
	IssueDate       = "issue_date"        // BT-2
	TypeCode        = "type_code"         // BT-3
	Currency        = "currency"          // BT-5
	DueDate         = "due_date"          // BT-9
	BuyerReference  = "buyer_reference"   // BT-10 (Leitweg-ID in XRechnung)
	OrderReference  = "order_reference"   // BT-13
	Profile         = "profile"           // BT-24 (specification identifier)
	SellerName      = "seller_name"       // BT-27
	SellerVATID     = "seller_vat_id"     // BT-31
	SellerTaxNumber = "seller_tax_number" // BT-32
	BuyerName       = "buyer_name"        // BT-44
	DeliveryDate    = "delivery_date"     // BT-72
	PayeeIBAN       = "payee_iban"        // BT-84
	PayeeBIC        = "payee_bic"         // BT-86
	NetTotal        = "net_total"         // BT-109
	TaxTotal        = "tax_total"         // BT-110
	GrandTotal      = "grand_total"       // BT-112
	DuePayable      = "due_payable"       // BT-115
	VATRates        = "vat_rates"         // BT-119, all rates of the breakdown
	// LeitwegID is a Leitweg-ID read from a scan, where it is printed
	// anywhere rather than in the buyer reference.
	LeitwegID     = "leitweg_id"
	Kassenzeichen = "kassenzeichen" // payment reference of a public creditor
	Aktenzeichen  = "aktenzeichen"  // file reference of a letter
	DocumentType  = "document_type" // the printed document title (Rechnung, Gutschrift …)
)

// UnverifiedSuffix marks a value read from a scan with less confidence
// than may be passed on unseen: "grand_total_unverified".
const UnverifiedSuffix = "_unverified"

// Fields of the e-invoice check.
const (
	EInvoiceValid    = "einvoice_valid"
	EInvoiceSyntax   = "einvoice_syntax"
	EInvoiceScenario = "einvoice_scenario"
	EInvoiceFindings = "einvoice_findings"
	EInvoiceSummary  = "einvoice_findings_summary"
	EInvoiceEmbedded = "einvoice_embedded"
)

// Decision fields of classification (Postverteilung).
const (
	Route       = "route"
	Office      = "office"
	RouteTarget = "route_target"
	Location    = "location"
	Workflow    = "workflow"
	Confidence  = "classification_confidence"
	NeedsReview = "needs_review"
	ReviewWhy   = "review_reason"
	// DuplicateOf lists the documents an invoice duplicates (same number
	// and amount, or same sender); SuspectOf those with the same number
	// and sender but another amount.
	DuplicateOf = "duplicate_invoice_of"
	SuspectOf   = "suspect_duplicate_invoice_of"
)

// BatchReview is why a batch scan went on unsplit, as one document a
// person must check (a part over max_pages_per_document: a separator
// sheet missed). Classification turns it into a review reason and the
// review route.
const BatchReview = "batch_review"

// Fields a clerk's action on the status page sets: who marked a review
// item as checked, and when (UTC, RFC 3339).
const (
	ReviewCheckedBy = "review_checked_by"
	ReviewCheckedAt = "review_checked_at"
)

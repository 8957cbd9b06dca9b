// Package transfervermerk models the scan protocol (Transfervermerk) that
// BSI TR-03138 (TR-RESISCAN) A.NB.4 requires for every scanned document,
// following the data model of the Deutsche Rentenversicherung Bund, and
// embeds it into the scan PDF.
//
// The record names the person who scanned (a) — never only the
// organisation —, the technical and organisational environment (b), the
// Auffälligkeiten (c), the capture time (d: digitisation of the last sheet),
// the quality-assurance result (e) and the statement that the scan matches
// the paper original "bildlich und inhaltlich" (f). Every processing step
// (OCR, rotation, deskew used for recognition only) is listed with its time
// and attributes, as A.NB.1 demands for post-processing.
//
// # Page hash
//
// Each page is identified by the SHA-256 (lower-case hex) of the raw,
// still-encoded stream bytes (e.g. the DCT/JPEG data) of the image XObject
// that fills the page, in page order. "Fills the page" means: the image
// XObject with the largest Width×Height in the page's resources (inherited
// resources included); if the page has none, the largest image inside the
// page's form XObjects. Hashing the encoded bytes makes the hash independent
// of decoders and of anything later added around the image (text layer,
// signature widgets, metadata), but any change of the image itself changes
// it.
//
// # Embedding
//
// [Embed] appends an incremental update with the record as a JSON file
// attachment ("transfervermerk.json", /AFRelationship /Supplement, listed in
// the catalog's /AF and /Names /EmbeddedFiles) and a summary in the XMP
// metadata under the namespace [XMPNamespace] that also carries the SHA-256
// of the attachment, so the two cannot silently diverge. The JSON Schema of
// the record is [Schema]. For PDF/A the namespace is also declared as a
// PDF/A extension schema, and a PDF/A-2 claim is raised to PDF/A-3, the
// part that allows non-PDF/A attachments; the update declares PDF 1.7 when
// the file is older, since /AF comes from PDF 2.0 via PDF/A-3.
//
// Page hashes must be taken from the final PDF: OCR with PDF/A conversion
// (ocrmypdf/Ghostscript) re-encodes the page images and changes them.
package transfervermerk

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is the version written into new records. The major number
// changes on incompatible changes; readers accept any 1.x.
const SchemaVersion = "1.0"

// Statement is the confirmation § 371b ZPO and TR-RESISCAN A.NB.4 f) ask for.
const Statement = "Das Scanprodukt stimmt mit dem Papierdokument bildlich und inhaltlich überein."

// Schema is the JSON Schema (draft 2020-12) of [Record].
//
//go:embed transfervermerk.schema.json
var Schema []byte

// Record is one Transfervermerk.
type Record struct {
	// SchemaVersion is [SchemaVersion] for records written by this package.
	SchemaVersion string `json:"schema_version"`
	// DocumentID identifies the scanned document, e.g. the SHA-256 of the
	// intake file.
	DocumentID string `json:"document_id"`
	// Creator is the person responsible for the scan (name or pseudonym).
	Creator Person `json:"creator"`
	// Environment is the technical and organisational environment.
	Environment Environment `json:"environment"`
	// Batch locates the document in a scan batch, if batches are used.
	Batch *Batch `json:"batch,omitempty"`
	// CaptureTime is when the last sheet was digitised.
	CaptureTime time.Time `json:"capture_time"`
	// Capture holds the capture settings.
	Capture Capture `json:"capture"`
	// PageCount is the number of pages of the scan product.
	PageCount int `json:"page_count"`
	// Pages lists the page hashes in page order.
	Pages []Page `json:"pages"`
	// Steps are the processing steps in the order they ran.
	Steps []Step `json:"processing_steps"`
	// QualityCheck is the result of quality assurance.
	QualityCheck QualityCheck `json:"quality_check"`
	// Anomalies are the Auffälligkeiten (also those found by the QS).
	Anomalies []Anomaly `json:"anomalies"`
	// Statement is the image/content match confirmation.
	Statement Confirmation `json:"statement"`
}

// Person is a natural person, by name or pseudonym.
type Person struct {
	Name      string `json:"name,omitempty"`
	Pseudonym string `json:"pseudonym,omitempty"`
}

// Environment is TR-RESISCAN A.NB.4 b).
type Environment struct {
	OrgUnit     OrgUnit   `json:"org_unit"`
	Scanner     Scanner   `json:"scanner"`
	Workstation string    `json:"workstation"`
	Procedure   Procedure `json:"procedure"`
}

// OrgUnit is the organisational unit operating the scan station.
type OrgUnit struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

// Scanner identifies the capture device.
type Scanner struct {
	Product         string `json:"product"`
	InventoryNumber string `json:"inventory_number,omitempty"`
	SerialNumber    string `json:"serial_number,omitempty"`
}

// Procedure names the documented scan procedure (Verfahrensdokumentation).
type Procedure struct {
	Name    string `json:"name"`
	Variant string `json:"variant,omitempty"`
	Version string `json:"version"`
}

// Batch is the position of the document in a scan batch.
type Batch struct {
	ID       string `json:"id"`
	Position string `json:"position,omitempty"` // e.g. "Abbild 4 bis 7"
	// RemovedPages are the batch pages within the document's span that
	// are not in the scan product (blank backs, separator sheets):
	// TR-RESISCAN requires removed blank pages to be documented.
	RemovedPages []RemovedPage `json:"removed_pages,omitempty"`
}

// RemovedPage is a page of the batch left out of the scan product.
type RemovedPage struct {
	// BatchPage is the 1-based page number in the batch.
	BatchPage int `json:"batch_page"`
	// Reason says why, e.g. "leere Seite" or "Trennblatt"; Detail what
	// the test measured.
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Colour modes of [Capture].
const (
	ColourBW    = "bw"
	ColourGray  = "gray"
	ColourColor = "color"
)

// Capture holds the capture settings.
type Capture struct {
	DPI        int    `json:"dpi"`
	ColourMode string `json:"colour_mode"`
	Duplex     bool   `json:"duplex"`
}

// Page is one page of the scan product.
type Page struct {
	Number int    `json:"number"`
	SHA256 string `json:"sha256"`
}

// Actor kinds of [Step].
const (
	ActorService = "service"
	ActorStaff   = "staff"
)

// Step is one processing step.
type Step struct {
	// Name per the Verfahrensdokumentation, e.g. "ocr", "rotation", "deskew".
	Name        string    `json:"name"`
	CompletedAt time.Time `json:"completed_at"`
	// ActorKind is ActorService or ActorStaff; Actor is the service name or
	// the pseudonym of the staff member.
	ActorKind string `json:"actor_kind"`
	Actor     string `json:"actor"`
	System    string `json:"system,omitempty"`
	// Attributes are free settings, e.g. {"dpi":"300","applied_to":"recognition_only"}.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Anomaly flags that this step produced an Auffälligkeit.
	Anomaly bool `json:"anomaly,omitempty"`
}

// Quality check results.
const (
	QSPassed        = "passed"
	QSWithAnomalies = "passed_with_anomalies"
	QSFailed        = "failed"
)

// QualityCheck is TR-RESISCAN A.NB.4 e).
type QualityCheck struct {
	CheckedAt time.Time `json:"checked_at"`
	// Method is "automatic", "manual" or "automatic+manual".
	Method                string  `json:"method"`
	Result                string  `json:"result"`
	BlankPages            []int   `json:"blank_pages"`
	TooDarkPages          []int   `json:"too_dark_pages"`
	TooLightPages         []int   `json:"too_light_pages"`
	LowOCRConfidencePages []int   `json:"low_ocr_confidence_pages"`
	PageCountChecked      bool    `json:"page_count_checked"`
	ReviewedBy            *Person `json:"reviewed_by,omitempty"`
}

// Anomaly is one Auffälligkeit. Page 0 means the whole document.
type Anomaly struct {
	Page        int    `json:"page"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

// Confirmation is TR-RESISCAN A.NB.4 f).
type Confirmation struct {
	Text    string `json:"text"`
	Matches bool   `json:"matches"`
}

// ErrInvalidRecord reports a record that does not satisfy TR-RESISCAN
// A.NB.4. Clerk message: "Der Transfervermerk ist unvollständig."
var ErrInvalidRecord = errors.New("transfervermerk: invalid record")

// Validate checks the mandatory content.
func (r *Record) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !strings.HasPrefix(r.SchemaVersion, "1.") {
		add("schema_version: %q is not 1.x", r.SchemaVersion)
	}
	if r.DocumentID == "" {
		add("document_id: required")
	}
	if strings.TrimSpace(r.Creator.Name) == "" && strings.TrimSpace(r.Creator.Pseudonym) == "" {
		add("creator: a person's name or pseudonym is required, the organisation alone is not enough")
	}
	if r.Environment.OrgUnit.Name == "" {
		add("environment.org_unit.name: required")
	}
	if r.Environment.Scanner.Product == "" {
		add("environment.scanner.product: required")
	}
	if r.Environment.Procedure.Name == "" || r.Environment.Procedure.Version == "" {
		add("environment.procedure: name and version required")
	}
	if r.CaptureTime.IsZero() {
		add("capture_time: required")
	}
	if r.Capture.DPI <= 0 {
		add("capture.dpi: must be positive")
	}
	switch r.Capture.ColourMode {
	case ColourBW, ColourGray, ColourColor:
	default:
		add("capture.colour_mode: must be bw, gray or color")
	}
	if r.PageCount <= 0 {
		add("page_count: must be positive")
	}
	if len(r.Pages) != r.PageCount {
		add("pages: %d entries for page_count %d", len(r.Pages), r.PageCount)
	}
	for i, p := range r.Pages {
		if p.Number != i+1 || len(p.SHA256) != 64 || strings.Trim(p.SHA256, "0123456789abcdef") != "" {
			add("pages[%d]: number must be %d and sha256 64 lower-case hex digits", i, i+1)
		}
	}
	for i, s := range r.Steps {
		if s.Name == "" || s.CompletedAt.IsZero() || (s.ActorKind != ActorService && s.ActorKind != ActorStaff) {
			add("processing_steps[%d]: name, completed_at and actor_kind (service|staff) required", i)
		}
	}
	switch r.QualityCheck.Result {
	case QSPassed, QSWithAnomalies, QSFailed:
	default:
		add("quality_check.result: must be passed, passed_with_anomalies or failed")
	}
	if r.Statement.Text == "" {
		add("statement.text: required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidRecord, strings.Join(problems, "; "))
	}
	return nil
}

// New returns a record with the schema version and the standard statement
// filled in; the caller sets Matches after the quality check.
func New() *Record {
	return &Record{
		SchemaVersion: SchemaVersion,
		Statement:     Confirmation{Text: Statement},
		Anomalies:     []Anomaly{},
		QualityCheck:  QualityCheck{BlankPages: []int{}, TooDarkPages: []int{}, TooLightPages: []int{}, LowOCRConfidencePages: []int{}},
	}
}

package einvoicetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/testenv/repo"
)

// Case is one line of the e-invoice corpus manifest (manifest.jsonl): a
// file of the corpus and what reading and validating it must give.
type Case struct {
	// File is the path relative to the corpus directory.
	File string `json:"file"`
	// Kind is the file type ("ubl-invoice", "ubl-creditnote", "cii",
	// "facturx-pdf", ...).
	Kind string `json:"kind"`
	// Expect is "valid" or "invalid".
	Expect string `json:"expect"`
	// Rules must fire on the file; RulesPass must not.
	Rules     []string `json:"rules"`
	RulesPass []string `json:"rules_pass"`
	// Scope lists the rules a rule-level fragment tests (empty for whole
	// documents).
	Scope []string `json:"scope"`
	// Levels maps rule ids to the expected level ("error", "warning",
	// "information").
	Levels map[string]string `json:"levels"`
	// Profile is the specification identifier (BT-24), nil if none.
	Profile *string `json:"profile"`
	// Syntax is "ubl" or "cii".
	Syntax string `json:"syntax"`
	// KositScenario is the KoSIT scenario the file selects, nil if none.
	KositScenario *string `json:"kosit_scenario"`
	// Partial marks documents that are not whole invoices.
	Partial bool `json:"partial"`
	// Layer is where an invalid file fails ("pdf", "xml"; "" for the rules).
	Layer string `json:"layer"`
	// Fields are the expected values of the FieldKeys present.
	Fields map[string]string `json:"fields"`
	// InvoiceAttachment is the name of the invoice XML embedded in a PDF.
	InvoiceAttachment string `json:"invoice_attachment"`
	// PDFError and XMLParseError describe why a damaged file cannot be read.
	PDFError      string `json:"pdf_error"`
	XMLParseError string `json:"xml_parse_error"`
	// SHA256 is the hex digest of the file.
	SHA256 string `json:"sha256"`
}

// FieldKeys are the field names the manifest defines (Case.Fields).
var FieldKeys = []string{fields.InvoiceNumber, fields.IssueDate, fields.TypeCode, fields.Currency, fields.BuyerReference,
	fields.OrderReference, fields.SellerName, fields.SellerVATID, fields.PayeeIBAN, fields.NetTotal, fields.TaxTotal,
	fields.GrandTotal, fields.DuePayable, fields.DueDate}

// CorpusDir returns $EINVOICE_CORPUS, else ../shared/corpus/einvoice
// beside the repository root; it does not check that the directory exists.
func CorpusDir() (string, error) {
	if d := os.Getenv("EINVOICE_CORPUS"); d != "" {
		return d, nil
	}
	return repo.CorpusPath("einvoice")
}

// LoadManifest reads dir/manifest.jsonl.
func LoadManifest(dir string) ([]Case, error) {
	path := filepath.Join(dir, "manifest.jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cases, nil
}

package validate

import (
	"embed"
	"strings"
)

// The code lists the BR-CL rules check against live in codelists/, one
// versioned text file per list, so that a new CEN or KoSIT release is an
// update of data files (see README, "Updating the code lists"), not of Go
// code. Each file names its source version in its header.
//
//go:embed codelists/*.txt
var codeListFiles embed.FS

// codeList reads one embedded list. A missing or empty list is a build
// defect, caught by TestCodeListsLoad, so it panics at package init.
func codeList(name string) map[string]bool {
	data, err := codeListFiles.ReadFile("codelists/" + name + ".txt")
	if err != nil {
		panic("validate: code list " + name + ": " + err.Error())
	}
	m := make(map[string]bool)
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			m[line] = true
		}
	}
	if len(m) == 0 {
		panic("validate: code list " + name + " is empty")
	}
	return m
}

func set(s string) map[string]bool {
	m := make(map[string]bool)
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

var (
	icdCodes                = codeList("iso6523-icd")           // BR-CL-10, -11, -21, -26
	easCodes                = codeList("cef-eas")               // BR-CL-25
	invoiceTypeCodes        = codeList("untdid1001-invoice")    // BR-CL-01
	creditNoteTypeCodes     = codeList("untdid1001-creditnote") // BR-CL-01
	currencyCodes           = codeList("iso4217")               // BR-CL-03, -04, -05
	countryCodes            = codeList("iso3166")               // BR-CL-14, -15
	vatPointDateCodes       = codeList("untdid2005-subset")     // BR-CL-06 (UBL)
	paymentMeansCodes       = codeList("untdid4461")            // BR-CL-16
	vatCategoryCodes        = codeList("untdid5305")            // BR-CL-17, -18
	allowanceReasonCodes    = codeList("untdid5189")            // BR-CL-19
	chargeReasonCodes       = codeList("untdid7161")            // BR-CL-20
	itemClassificationCodes = codeList("untdid7143")            // BR-CL-13
	vatexCodes              = codeList("cef-vatex")             // BR-CL-22, compared upper-cased
	mimeCodes               = codeList("mime")                  // BR-CL-24
	objectSchemeCodes       = codeList("untdid1153")            // BR-CL-07
	unitCodes               = codeList("unece-rec20-21")        // BR-CL-23
)

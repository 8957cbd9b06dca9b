package extract

import (
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// amountRE finds a money amount with exactly two decimals in German
// (1.234,56), English (1,234.56), Swiss (1'234.56) or space-grouped
// (1 234,56) notation, with an optional sign in front or behind.
var amountRE = regexp.MustCompile(`(?:^|[^\d.,'])(-\s?)?((?:\d{1,3}(?:[.,' :]\d{3})+|\d+)[.,]\d{2})(-)?(?:$|[^\d])`)

// ParseAmount normalises the first amount in s to a decimal with a point
// and two decimals ("1.021,91 €" → "1021.91", "8,79-" → "-8.79"). ok is
// false when s holds no amount or a thousands grouping that contradicts
// the decimal separator.
func ParseAmount(s string) (value string, ok bool) {
	v, _, _, ok := findAmount(s)
	return v, ok
}

// findAmount is ParseAmount that also returns the byte range of the match.
func findAmount(s string) (value string, start, end int, ok bool) {
	for off := 0; off < len(s); {
		m := amountRE.FindStringSubmatchIndex(s[off:])
		if m == nil {
			return "", 0, 0, false
		}
		num := s[off+m[4] : off+m[5]]
		neg := m[2] >= 0 || m[6] >= 0
		e := off + m[5]
		glued := e+1 < len(s) && (s[e] == '.' || s[e] == ',') && isDigit(s[e+1])
		if v, good := normaliseAmount(num, neg); good && !glued {
			st, en := off+m[4], off+m[5]
			if m[2] >= 0 {
				st = off + m[2]
			}
			if m[6] >= 0 {
				en = off + m[7]
			}
			return v, st, en, true
		}
		off += m[5]
	}
	return "", 0, 0, false
}

func normaliseAmount(num string, neg bool) (string, bool) {
	dec := num[len(num)-3]
	intPart := num[:len(num)-3]
	frac := num[len(num)-2:]
	// Every separator in the integer part must be a grouping separator
	// different from the decimal one.
	var digits strings.Builder
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		switch {
		case c >= '0' && c <= '9':
			digits.WriteByte(c)
		case c == dec:
			return "", false
		}
	}
	d := strings.TrimLeft(digits.String(), "0")
	if d == "" {
		d = "0"
	}
	if len(d) > 15 {
		return "", false
	}
	v := d + "." + frac
	if neg && v != "0.00" {
		v = "-" + v
	}
	return v, true
}

// CanonicalAmount rewrites a plain decimal ("300", "18.1", "-8.79") to two
// decimals so that values from XML and from the page compare equal. ok is
// false for anything that is not a plain decimal.
func CanonicalAmount(s string) (string, bool) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "eE/") {
		return "", false
	}
	return r.FloatString(2), true
}

// centsOf converts a normalised amount to cents.
func centsOf(v string) (int64, bool) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	i := strings.IndexByte(v, '.')
	if i < 0 || len(v)-i != 3 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[:i]+v[i+1:], 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

var monthNames = map[string]int{
	"januar": 1, "jänner": 1, "january": 1, "janvier": 1, "jan": 1,
	"februar": 2, "february": 2, "février": 2, "fevrier": 2, "feb": 2, "febr": 2,
	"märz": 3, "maerz": 3, "march": 3, "mars": 3, "mär": 3, "mar": 3,
	"april": 4, "avril": 4, "apr": 4,
	"mai": 5, "may": 5,
	"juni": 6, "june": 6, "juin": 6, "jun": 6,
	"juli": 7, "july": 7, "juillet": 7, "jul": 7,
	"august": 8, "août": 8, "aout": 8, "aug": 8,
	"september": 9, "septembre": 9, "sep": 9, "sept": 9,
	"oktober": 10, "october": 10, "octobre": 10, "okt": 10, "oct": 10,
	"november": 11, "novembre": 11, "nov": 11,
	"dezember": 12, "december": 12, "décembre": 12, "decembre": 12, "dez": 12, "dec": 12,
}

var (
	dateNumRE = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})\s?([./-])\s?(\d{1,2})(?:\s?[./-]\s?|\s)(\d{4}|\d{2})(?:$|[^\d])`)
	// OCR reads the first dot of a date as a comma now and then
	// ("16,09.2018"); the dot and the four-digit year keep this from
	// matching amounts.
	dateCommaRE = regexp.MustCompile(`(?:^|[^\d,.])(\d{1,2}),(\d{1,2})\.(\d{4})(?:$|[^\d])`)
	dateISORE   = regexp.MustCompile(`(?:^|[^\d])(\d{4})-(\d{2})-(\d{2})(?:$|[^\d])`)
	dateCompRE  = regexp.MustCompile(`(?:^|[^\d])((?:19|20)\d{2})(\d{2})(\d{2})(?:$|[^\d])`)
	dateWordRE  = regexp.MustCompile(`(?i)(?:^|[^\d])(\d{1,2})\.?\s*(?:de\s+)?([\p{L}]{3,10})\.?\s+(\d{4})`)
	dateEngRE   = regexp.MustCompile(`(?i)([\p{L}]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})`)
)

// ParseDate normalises the first date in s to YYYY-MM-DD. It reads
// 05.06.2018, 5.6.18, 31/12/2018 (day first, as in Germany and France),
// 2018-06-05, 11. Juli 2014, 5 mars 2018 and March 5, 2018. Compact
// 20181230 is only read when compact is true, because long numbers are
// usually not dates.
func ParseDate(s string, compact bool) (string, bool) {
	v, _, _, ok := findDate(s, compact)
	return v, ok
}

func findDate(s string, compact bool) (value string, start, end int, ok bool) {
	type hit struct {
		v          string
		start, end int
	}
	var best *hit
	consider := func(v string, st, en int) {
		if best == nil || st < best.start {
			best = &hit{v, st, en}
		}
	}
	for _, m := range dateISORE.FindAllStringSubmatchIndex(s, 4) {
		if v, ok := mkDate(s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]); ok {
			consider(v, m[2], m[7])
		}
	}
	for _, m := range dateNumRE.FindAllStringSubmatchIndex(s, 4) {
		y := s[m[8]:m[9]]
		if len(y) == 2 {
			y = "20" + y
		}
		if v, ok := mkDate(y, s[m[6]:m[7]], s[m[2]:m[3]]); ok {
			consider(v, m[2], m[9])
		}
	}
	for _, m := range dateCommaRE.FindAllStringSubmatchIndex(s, 4) {
		if v, ok := mkDate(s[m[6]:m[7]], s[m[4]:m[5]], s[m[2]:m[3]]); ok {
			consider(v, m[2], m[7])
		}
	}
	for _, m := range dateWordRE.FindAllStringSubmatchIndex(s, 4) {
		if mo, ok := monthNames[strings.ToLower(s[m[4]:m[5]])]; ok {
			if v, ok := mkDate(s[m[6]:m[7]], strconv.Itoa(mo), s[m[2]:m[3]]); ok {
				consider(v, m[2], m[7])
			}
		}
	}
	for _, m := range dateEngRE.FindAllStringSubmatchIndex(s, 4) {
		if mo, ok := monthNames[strings.ToLower(s[m[2]:m[3]])]; ok {
			if v, ok := mkDate(s[m[6]:m[7]], strconv.Itoa(mo), s[m[4]:m[5]]); ok {
				consider(v, m[2], m[7])
			}
		}
	}
	if compact && best == nil {
		for _, m := range dateCompRE.FindAllStringSubmatchIndex(s, 4) {
			if v, ok := mkDate(s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]); ok {
				consider(v, m[2], m[7])
			}
		}
	}
	if best == nil {
		return "", 0, 0, false
	}
	return best.v, best.start, best.end, true
}

func mkDate(y, m, d string) (string, bool) {
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	di, err3 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || err3 != nil || yi < 1990 || yi > 2099 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return "", false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// ibanLengths holds the IBAN length of SEPA countries; others are only
// checked for the generic 15–34 range.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
	"IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
	"NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}

// ibanCountries are the country codes of the SWIFT IBAN registry (and the
// French overseas codes some banks print). Another code is a misreading:
// without this list, a garbled "DR…" would pass the check one time in 97.
var ibanCountries = func() map[string]bool {
	m := map[string]bool{}
	for _, cc := range strings.Fields(`AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB
		GE GI GL GR GT HN HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK
		PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE
		BL GF GP MF MQ NC PF PM RE TF WF YT`) {
		m[cc] = true
	}
	return m
}()

// NormalizeIBAN removes spaces and upper-cases.
func NormalizeIBAN(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// ValidIBAN reports whether s (spaces allowed) starts with a country of the
// IBAN registry, has the right length for it and passes the ISO 13616
// mod-97 check.
func ValidIBAN(s string) bool {
	s = NormalizeIBAN(s)
	if len(s) < 15 || len(s) > 34 || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; ok && len(s) != n {
		return false
	}
	if !ibanCountries[s[:2]] {
		return false
	}
	return mod97(s[4:]+s[:4]) == 1
}

// mod97 computes the ISO 7064 MOD 97-10 remainder with letters as 10..35;
// -1 means s has other characters.
func mod97(s string) int {
	rem := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case isUpper(c):
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return -1
		}
	}
	return rem
}

var bicRE = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$`)

// ValidBIC reports whether s is an ISO 9362 BIC (8 or 11 characters).
func ValidBIC(s string) bool { return bicRE.MatchString(s) }

var vatFormats = map[string]*regexp.Regexp{
	"DE": regexp.MustCompile(`^DE\d{9}$`),
	"AT": regexp.MustCompile(`^ATU\d{8}$`),
	"FR": regexp.MustCompile(`^FR[0-9A-Z]{2}\d{9}$`),
	"NL": regexp.MustCompile(`^NL\d{9}B\d{2}$`),
	"BE": regexp.MustCompile(`^BE[01]\d{9}$`),
	"IT": regexp.MustCompile(`^IT\d{11}$`),
	"ES": regexp.MustCompile(`^ES[0-9A-Z]\d{7}[0-9A-Z]$`),
	"LU": regexp.MustCompile(`^LU\d{8}$`),
	"DK": regexp.MustCompile(`^DK\d{8}$`),
	"PL": regexp.MustCompile(`^PL\d{10}$`),
	"CZ": regexp.MustCompile(`^CZ\d{8,10}$`),
	"CH": regexp.MustCompile(`^CHE\d{9}(?:MWST|TVA|IVA)?$`),
	"GB": regexp.MustCompile(`^GB(?:\d{9}|\d{12})$`),
}

var vatGeneric = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z]{8,12}$`)

// NormalizeVATID removes spaces, dots and hyphens and upper-cases.
func NormalizeVATID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '.' || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// VATCheck is the outcome of checking a VAT identification number.
type VATCheck int

// Outcomes of CheckVATID.
const (
	VATInvalid     VATCheck = iota // wrong format for the country
	VATFormatOK                    // right format, no check digit defined or checked
	VATChecksumOK                  // format and check digit are right
	VATChecksumBad                 // right format but the check digit fails
)

// CheckVATID checks the format of a VAT id and, for DE (ISO 7064 MOD 11,10)
// and FR (key over the SIREN), its check digits.
func CheckVATID(s string) VATCheck {
	s = NormalizeVATID(s)
	if len(s) < 4 {
		return VATInvalid
	}
	re, ok := vatFormats[s[:2]]
	if !ok {
		re = vatGeneric
	}
	if !re.MatchString(s) {
		return VATInvalid
	}
	switch s[:2] {
	case "DE":
		if deCheckDigit(s[2:10]) == int(s[10]-'0') {
			return VATChecksumOK
		}
		return VATChecksumBad
	case "FR":
		if !isDigit(s[2]) || !isDigit(s[3]) {
			return VATFormatOK
		}
		siren, _ := strconv.Atoi(s[4:])
		key, _ := strconv.Atoi(s[2:4])
		if (12+3*(siren%97))%97 == key {
			return VATChecksumOK
		}
		return VATChecksumBad
	}
	return VATFormatOK
}

// deCheckDigit computes the ISO 7064 MOD 11,10 check digit of the first
// eight digits of a German USt-IdNr.
func deCheckDigit(d string) int {
	product := 10
	for i := 0; i < len(d); i++ {
		sum := (int(d[i]-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (2 * sum) % 11
	}
	c := 11 - product
	if c == 10 {
		c = 0
	}
	return c
}

var leitwegRE = regexp.MustCompile(`^(\d{2,12})(?:-([0-9A-Z]{1,30}))?-(\d{2})$`)

// ValidLeitwegID reports whether s is a Leitweg-ID (Grobadressierung,
// optional Feinadressierung, two check digits) whose check digits pass
// ISO 7064 MOD 97-10 as the KoSIT specification defines.
func ValidLeitwegID(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	m := leitwegRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	return mod97(m[1]+m[2]+m[3]) == 1
}

var taxNumberRE = regexp.MustCompile(`^(?:\d{2,3}/\d{3}/\d{4,5}|\d{3}/\d{4}/\d{4}|\d{10,13})$`)

// ValidTaxNumber reports whether s looks like a German Steuernummer in one
// of the Länder formats (e.g. 201/113/40209) or the 13-digit federal form.
func ValidTaxNumber(s string) bool {
	return taxNumberRE.MatchString(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// Package extract reads invoice fields (number, dates, parties, bank
// account, totals, public-sector references) from the word boxes of a
// scanned or born-digital document.
//
// Values are found next to their printed labels — on the same line, in the
// next column or on the line below — using the word positions, then
// checked (IBAN mod-97, USt-IdNr and Leitweg-ID check digits, net + tax =
// gross). Every field carries a confidence; 0.9 or more means the value
// may be passed on without a person looking at it, so confidences stay
// below 0.9 unless a label, a clean OCR reading and a check agree.
package extract

import (
	"regexp"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/layout"
)

// Field names: those of package fields, under which an e-invoice carries
// the same values, so a scan and an e-invoice fill the same metadata.
const (
	InvoiceNumber   = fields.InvoiceNumber
	IssueDate       = fields.IssueDate
	DueDate         = fields.DueDate
	DeliveryDate    = fields.DeliveryDate
	Currency        = fields.Currency
	SellerName      = fields.SellerName
	SellerVATID     = fields.SellerVATID
	SellerTaxNumber = fields.SellerTaxNumber
	PayeeIBAN       = fields.PayeeIBAN
	PayeeBIC        = fields.PayeeBIC
	NetTotal        = fields.NetTotal
	TaxTotal        = fields.TaxTotal
	GrandTotal      = fields.GrandTotal
	DuePayable      = fields.DuePayable
	VATRates        = fields.VATRates
	OrderReference  = fields.OrderReference
	BuyerReference  = fields.BuyerReference
	LeitwegID       = fields.LeitwegID
	Kassenzeichen   = fields.Kassenzeichen
	Aktenzeichen    = fields.Aktenzeichen
	DocumentType    = fields.DocumentType
)

// SafeConfidence is the confidence from which a field may be passed on
// without review.
const SafeConfidence = 0.9

// Field is one extracted value. Value is normalised: dates as YYYY-MM-DD,
// amounts as plain decimals with two places, IBAN without spaces.
type Field struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
}

// Fields is the result of Invoice.
type Fields struct {
	// Fields maps the field names above to their values; missing fields
	// are absent.
	Fields map[string]Field `json:"fields"`
	// Review is set when a plausibility check failed or a key field is
	// missing or uncertain, so that a person must look at the invoice.
	Review bool `json:"review"`
	// Problems explains Review in German, for the clerk.
	Problems []string `json:"problems,omitempty"`
}

// Get returns the named field; the zero Field when it was not found.
func (f Fields) Get(name string) Field { return f.Fields[name] }

// candidate is one reading of a field value somewhere on the page.
type candidate struct {
	value string
	score float64
	row   int
	party int // partySeller, partyBuyer or 0
	// repaired marks a value read only after correcting OCR confusions.
	repaired bool
}

const (
	partyUnknown = iota
	partySeller
	partyBuyer
)

// label is a printed caption that announces a field value.
type label struct {
	re     *regexp.Regexp
	not    *regexp.Regexp // the cell text must not match this
	weight float64
}

func lbl(re string, w float64) label { return label{re: regexp.MustCompile("(?i)" + re), weight: w} }
func lblNot(re, not string, w float64) label {
	l := lbl(re, w)
	l.not = regexp.MustCompile("(?i)" + not)
	return l
}

// parser finds a value in text and returns it normalised with its byte range.
type parser func(text string) (value string, start, end int, ok bool)

type fieldSpec struct {
	name   string
	labels []label
	parse  parser
	// maxGap is how much text may stand between label and value in one cell.
	maxGap int
}

var (
	amountGapRE = regexp.MustCompile(`(?i)^[\s:#.°*()\-–/]*(?:(?:brutto|netto|inkl|incl|excl|exkl|zzgl|ohne|u\s?st|mwst|vat|tva|eur|euro|€|ht|ttc|gesamt|total|in|der|des|en|betrag|summe|steuer|%|\d{1,2}(?:[.,]\d+)?\s?%)[\s:#.°*()\-–/]*)*$`)
	fillerRE    = regexp.MustCompile(`^(?:[A-Z]{3}|€|\$|£|\d{1,2}(?:[.,]\d+)?\s?%|[:#.\-–_ ]+)$`)
	gapRE       = regexp.MustCompile(`(?i)^[\s:#.°*()\-–/]*(?:(?:nr|no|n°|nummer|number|num|vom|du|from|dated|of|in|eur|€)[\s:#.°*()\-–/]*)?$`)
)

var specs = []fieldSpec{
	{InvoiceNumber, []label{
		lbl(`\brechnungs?\s?-?\s?(?:nummer|nr\.?|no\.?)`, 0.96),
		lbl(`(?:rechnung|rechnungskorrektur|korrekturrechnung|gutschrift|stornorechnung|handelsrechnung|schlussrechnung|teilrechnung|abschlagsrechnung|versicherers|buchungshilfe)\s*(?:\(\d{3}\)\s*)?(?:nr\.?|nummer|no\.?|#)`, 0.96),
		lbl(`\b(?:beleg|dokument)\s?-?\s?(?:nummer|nr\.?)`, 0.9),
		lbl(`invoice\s*(?:number|no\.?|#|id)`, 0.96),
		lbl(`credit\s*note\s*(?:number|no\.?|#)`, 0.96),
		lbl(`(?:facture|avoir)\s*(?:n[°’'º*o]|num[ée]ro)`, 0.96),
		lbl(`n[°’'º]\s*(?:de\s*)?(?:facture|avoir)`, 0.96),
		lblNot(`^(?:avoir|facture|rechnung|invoice|gutschrift)\b`, `(?i)adresse|date|datum|liée|associ|empf|an\b`, 0.85),
	}, parseRef, 14},
	{IssueDate, []label{
		lbl(`rechnungs?\s?-?\s?datum`, 0.96),
		lbl(`(?:beleg|ausstellungs|dokument)\s?-?\s?datum`, 0.93),
		lbl(`invoice\s*date|date\s*of\s*(?:invoice|issue)|issue\s*date`, 0.96),
		lbl(`date\s*de\s*(?:la\s*)?facture`, 0.96),
		lblNot(`(?:rechnung|rechnungskorrektur|korrekturrechnung|gutschrift|handelsrechnung|versicherers|buchungshilfe).*\bvom\b`, `liefer|bestell`, 0.95),
		lblNot(`(?:^|\s)datum\b|^date\b`, `liefer|leistung|bestell|fällig|zahl|début|fin|livraison|échéance|due|order|delivery|commande|associ|geburt`, 0.84),
	}, repairedDate, 14},
	{DueDate, []label{
		lbl(`fällig(?:keits?datum|keit|\s*am|\s*bis)?|zahlbar\s*bis|zahlungsziel|due\s*date|payable\s*by|date\s*d'?\s*[ée]ch[ée]ance`, 0.93),
	}, dateParser(false), 14},
	{DeliveryDate, []label{
		lbl(`liefer-?\s*(?:und\s*leistungs)?-?\s*datum|leistungs-?\s*datum|delivery\s*date|date\s*de\s*livraison`, 0.93),
	}, dateParser(true), 14},
	{Currency, []label{
		lbl(`währung|currency|devise`, 0.95),
	}, parseCurrency, 20},
	{SellerTaxNumber, []label{
		lbl(`steuer\s?-?\s?(?:nummer|nr\.?)|st\.?\s?-?\s?nr\.?`, 0.95),
	}, parseTaxNumber, 6},
	{SellerVATID, []label{
		lbl(`u\s?st\.?\s?-?\s?id(?:ent)?\.?\s?-?\s?(?:nr\.?|nummer)?|umsatzsteuer\s?-?\s?id(?:ent)?|vat\s*(?:id|no|number|reg)|n°\s*(?:de\s*)?tva|tva\s*(?:intra)?|identifiant\s*tva`, 0.96),
		// OCR often garbles the caption ("USt? TO, Nr. :"); the value
		// format still has to match exactly.
		lbl(`u\s?st\S{0,3}(?:\s?\S{1,4}){0,2}\s?[.:]?\s?:`, 0.85),
	}, parseVAT, 10},
	{PayeeIBAN, []label{
		lbl(`iban`, 0.97),
		// OCR splits the caption ("Verkäufer--I-BAN"); the value still
		// has to look like an IBAN.
		lbl(`i\s?[-.]\s?ban`, 0.9),
	}, parseIBAN, 12},
	{PayeeBIC, []label{
		lbl(`bic|swift`, 0.95),
	}, parseBIC, 8},
	{OrderReference, []label{
		lbl(`bestell\s?-?\s?(?:nummer|nr\.?)|bestellung|auftrags?\s?-?\s?(?:nummer|nr\.?)|order\s*(?:number|no\.?|reference|ref\.?)|purchase\s*order|bon\s*de\s*commande`, 0.9),
	}, parseRef, 10},
	{BuyerReference, []label{
		lbl(`leitweg\s?-?\s?id|käuferreferenz|buyer\s*reference|ihre\s*referenz|référence\s*acheteur`, 0.92),
	}, parseRef, 10},
	{Kassenzeichen, []label{lbl(`kassenzeichen`, 0.95)}, parseRef, 6},
	{Aktenzeichen, []label{lbl(`aktenzeichen|gesch[äa]ftszeichen|\baz\.`, 0.93)}, parseRef, 6},
}

var (
	grossLabels = []label{
		// A bare "Total" (English) names the gross amount unless qualified.
		lblNot(`^total\b`, `ht|net|tax|vat|tva|sub|excl|before|qty|quantit|items|weight|pages?\b|ttc`, 0.85),
		lblNot(`brutto\s?-?\s?(?:summe|betrag)|rechnungs\s?-?\s?(?:summe|betrag)|gesamt\s?-?\s?(?:summe|betrag)|endbetrag|summe\s*brutto|total\s*ttc|montant\s*ttc|grand\s*total|invoice\s*total|total\s*amount|total\s*\(?incl|total\s*due|gesamt\s*brutto`,
			`ohne|netto|exkl|zuschl|abschl|\bder\b|position|vorauszahl|anzahl`, 0.93),
	}
	netLabels = []label{
		lblNot(`sub\s?-?total|zwischensumme`, `brutto|incl|inkl`, 0.85),
		lblNot(`netto\s?-?\s?(?:summe|betrag|gesamt)|summe\s*netto|gesamt\s*netto|(?:rechnungs|gesamt)\s?-?\s?(?:summe|betrag)\s*(?:ohne|exkl|netto)|total\s*ht|montant\s*ht|net\s*(?:total|amount)|total\s*net|total\s*(?:excl|before)|steuerbasis|warenwert`, `brutto|incl|inkl`, 0.9),
	}
	taxLabels = []label{
		lblNot(`^(?:vat|tva|tax|sales\s*tax|mwst\.?|u\s?st\.?)\b`, `\bid\b|\bno\b|number|reg|nr|befreit|exempt|basis|base|ident`, 0.8),
		lblNot(`steuer\s?-?\s?betrag|umsatzsteuer|mehrwertsteuer|mwst|\bust\.?\b|total\s*tva|montant\s*tva|total\s*tax(?:es)?|tax\s*(?:total|amount)|vat\s*(?:total|amount)|total\s*vat`, `befreit|id|nr\.?\s|ohne|inkl|incl|excl|exkl|basis|base`, 0.85),
	}
	dueLabels = []label{
		lbl(`zahlbetrag|zu\s*zahlen|offene\s*zahlung|fälliger\s*betrag|amount\s*due|balance\s*due|net\s*[àa]\s*payer|payable\s*amount|restbetrag`, 0.92),
	}
	// bankLabels announce an account without saying IBAN, or are an IBAN
	// caption garbled by OCR; only values passing the check count.
	bankLabels = []label{
		lbl(`bankverbindung|\bkonto(?:nummer|[\s-]?nr\.?)?(?:\s|:|$)|\bkto\.?|bank\s*account|\bcompte\b|(?:^|[^a-z])[1l|!]ban\b|\biba[mhn]\b`, 0.9),
	}
	sellerHeadRE = regexp.MustCompile(`(?i)verkäufer|lieferant|rechnungssteller|\bseller|vendeur|fournisseur|supplier|absender`)
	buyerHeadRE  = regexp.MustCompile(`(?i)\bkäufer|bevollmächtigte|tax\s*representative|\bkunde|leistungsempfänger|rechnungsempfänger|\bbuyer|client|acheteur|customer|empfänger|livraison|delivery`)
	creditRE     = regexp.MustCompile(`(?i)\bgutschrift\b|\bavoir\b|credit\s*note`)
)

// Invoice extracts the invoice fields of a document.
func Invoice(doc layout.Document) Fields {
	rs := rows(doc)
	res := Fields{Fields: map[string]Field{}}
	if len(rs) == 0 {
		res.Review = true
		res.Problems = append(res.Problems, "Kein Text erkannt")
		return res
	}
	parties := partyOf(rs)
	for _, sp := range specs {
		cands := labelled(rs, sp.labels, sp.parse, sp.maxGap, parties)
		cands = append(cands, unlabelled(rs, sp.name, parties)...)
		switch sp.name {
		case IssueDate:
			cands = append(cands, titleDate(rs)...)
			if len(cands) == 0 {
				cands = append(cands, firstDate(rs, doc)...)
			}
		case InvoiceNumber:
			cands = append(cands, titleNumber(rs)...)
		case PayeeIBAN:
			cands = append(cands, labelled(rs, bankLabels, parseCheckedIBAN, 16, parties)...)
		}
		if f, ok := decide(sp.name, cands); ok {
			res.Fields[sp.name] = f
		}
	}
	credit := isCreditNote(rs)
	totals(rs, parties, &res, credit)
	vatRates(rs, &res)
	if credit {
		res.Fields[DocumentType] = Field{Value: "credit_note", Confidence: 0.8}
	}
	if v, ok := res.Fields[BuyerReference]; ok && ValidLeitwegID(v.Value) {
		res.Fields[LeitwegID] = Field{Value: v.Value, Confidence: v.Confidence}
	}
	if _, ok := res.Fields[SellerName]; !ok {
		if c, ok := sellerName(rs, parties); ok {
			res.Fields[SellerName] = c
		}
	}
	checkPlausible(&res)
	for k, f := range res.Fields {
		f.Confidence = round2(f.Confidence)
		res.Fields[k] = f
	}
	return res
}

// partyOf tells for each row whether it lies in a seller or buyer section,
// judged by the nearest heading above it in an overlapping column.
func partyOf(rs []row) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		if len(r.cells) == 0 {
			continue
		}
		x0, x1 := r.cells[0].x0, r.cells[len(r.cells)-1].x1
		for j := i; j >= 0 && j > i-12; j-- {
			if rs[j].page != r.page {
				break
			}
			found := 0
			for _, c := range rs[j].cells {
				if c.x1 < x0-50 || c.x0 > x1+50 {
					continue
				}
				if j == i && len(r.cells) > 1 && c.x0 > r.cells[0].x1 {
					continue
				}
				switch {
				case buyerHeadRE.MatchString(c.text):
					found = partyBuyer
				case sellerHeadRE.MatchString(c.text):
					found = partySeller
				}
				if found != 0 {
					break
				}
			}
			if found != 0 {
				out[i] = found
				break
			}
		}
	}
	return out
}

// labelled finds the values printed next to or below the given labels.
func labelled(rs []row, labels []label, parse parser, maxGap int, parties []int) []candidate {
	gap := gapRE
	if maxGap >= 24 {
		// Totals: captions carry qualifiers such as "brutto (inkl. USt.)".
		gap = amountGapRE
	}
	var out []candidate
	defer func() {
		// Values read only after repairing OCR digit confusions are
		// never safe.
		for i := range out {
			if strings.HasPrefix(out[i].value, "~") {
				out[i].value = out[i].value[1:]
				out[i].score = minf(out[i].score, 0.7)
				out[i].repaired = true
			}
		}
	}()
	for i, r := range rs {
		for j, c := range r.cells {
			for _, l := range labels {
				loc := l.re.FindStringIndex(c.text)
				if loc == nil {
					loc = squeezedMatch(l.re, c.text)
				}
				if loc == nil || (l.not != nil && l.not.MatchString(c.text)) {
					continue
				}
				party := parties[i]
				if buyerHeadRE.MatchString(c.text[:loc[0]]) || buyerHeadRE.MatchString(c.text[loc[1]:]) {
					party = partyBuyer
				}
				if v, s, e, ok := parse(c.text[loc[1]:]); ok && s <= maxGap && gap.MatchString(c.text[loc[1]:loc[1]+s]) {
					conf := c.confOf(loc[1]+s, loc[1]+e)
					out = append(out, candidate{v, l.weight * ocrFactor(conf), i, party, false})
					continue
				}
				if !gap.MatchString(c.text[loc[1]:]) {
					// The label is followed by other words: not a caption.
					continue
				}
				if cand, ok := rightOf(r, j, parse); ok {
					out = append(out, candidate{cand.value, l.weight * 0.98 * cand.score, i, party, false})
					continue
				}
				for _, cand := range below(rs, i, c, parse, maxGap >= 24) {
					out = append(out, candidate{cand.value, l.weight * 0.9 * cand.score, cand.row, party, false})
				}
			}
		}
	}
	return out
}

func rightOf(r row, j int, parse parser) (candidate, bool) {
	for k := j + 1; k < len(r.cells) && k <= j+3; k++ {
		c := r.cells[k]
		v, s, e, ok := parse(c.text)
		if ok && gapRE.MatchString(c.text[:s]) {
			return candidate{value: v, score: ocrFactor(c.confOf(s, e))}, true
		}
		if !fillerRE.MatchString(c.text) {
			return candidate{}, false
		}
	}
	return candidate{}, false
}

func below(rs []row, i int, lc cell, parse parser, column bool) []candidate {
	r := rs[i]
	var found []candidate
	misses := 0
	for k := i + 1; k < len(rs) && k <= i+6; k++ {
		n := rs[k]
		if n.page != r.page || (len(found) == 0 && n.cy-r.cy > 5*r.h) {
			break
		}
		hit := false
		for _, c := range n.cells {
			ov := minf(c.x1, lc.x1+r.h) - maxf(c.x0, lc.x0-r.h)
			if ov <= 0 {
				continue
			}
			v, s, e, ok := parse(c.text)
			if !ok || !gapRE.MatchString(c.text[:s]) {
				continue
			}
			if len(found) > 0 && (!fillerRE.MatchString(strings.TrimSpace(c.text[:s]+" "+c.text[e:])+"-") || n.cy-rs[found[len(found)-1].row].cy > 3.5*r.h) {
				// A column of totals holds bare amounts, line by line.
				continue
			}
			found = append(found, candidate{value: v, score: ocrFactor(c.confOf(s, e)), row: k})
			hit = true
			break
		}
		if len(found) > 0 && !column {
			break
		}
		if !hit && len(found) > 0 {
			if misses++; misses > 1 {
				break
			}
		}
	}
	if len(found) == 0 {
		// The value may sit to the right and a little lower, in a row of
		// its own (right-aligned columns): accept it when nothing else
		// stands under the label.
		if k := i + 1; k < len(rs) && rs[k].page == r.page && rs[k].cy-r.cy <= 1.6*r.h {
			n := rs[k]
			for _, c := range n.cells {
				if c.x1 > lc.x0-r.h && c.x0 < lc.x1+r.h {
					return nil
				}
			}
			for _, c := range n.cells {
				if c.x0 <= lc.x1 {
					continue
				}
				if v, s, e, ok := parse(c.text); ok && gapRE.MatchString(c.text[:s]) {
					return []candidate{{value: v, score: 0.9 * ocrFactor(c.confOf(s, e)), row: k}}
				}
				break
			}
		}
		return nil
	}
	// Under a column caption of totals every amount is a candidate: the
	// rows per tax rate and the total row; the sum check picks.
	return found
}

// squeezedMatch matches a label against the text with single spaces
// between lower-case letters removed: letter-spaced print and some PDF
// text extraction split words ("Br uttosumme"). The match is mapped back
// to byte offsets of the original text.
func squeezedMatch(re *regexp.Regexp, text string) []int {
	var sq []byte
	var idx []int
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' && i > 0 && i+1 < len(text) && isLowerByte(text[i-1]) && isLowerByte(text[i+1]) {
			continue
		}
		sq = append(sq, text[i])
		idx = append(idx, i)
	}
	if len(sq) == len(text) {
		return nil
	}
	loc := re.FindIndex(sq)
	if loc == nil || loc[1] <= loc[0] {
		return nil
	}
	return []int{idx[loc[0]], idx[loc[1]-1] + 1}
}

func isLowerByte(c byte) bool { return (c >= 'a' && c <= 'z') || c >= 0x80 }

// ocrFactor turns Tesseract's word confidence into a penalty. Clean print
// scores above 0.9; a value read with less is often misread.
func ocrFactor(c float64) float64 {
	switch {
	case c >= 0.9:
		return 1
	case c >= 0.8:
		return 0.93
	case c >= 0.6:
		return 0.8
	default:
		return 0.6
	}
}

// decide picks the best-supported value of a field and its confidence.
func decide(name string, cands []candidate) (Field, bool) {
	if name == SellerVATID || name == PayeeIBAN || name == PayeeBIC || name == SellerTaxNumber {
		var keep []candidate
		for _, c := range cands {
			if c.party != partyBuyer {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 || name == SellerVATID {
			cands = keep
		}
	}
	if len(cands) == 0 {
		return Field{}, false
	}
	type agg struct {
		best    float64
		support int // distinct rows: several captions on one row are one reading
		rows    map[int]bool
		first   int
		clean   bool // read at least once without repair
	}
	byVal := map[string]*agg{}
	var order []string
	for _, c := range cands {
		a, ok := byVal[c.value]
		if !ok {
			a = &agg{first: c.row, rows: map[int]bool{}}
			byVal[c.value] = a
			order = append(order, c.value)
		}
		if !a.rows[c.row] {
			a.rows[c.row] = true
			a.support++
		}
		if c.score > a.best {
			a.best = c.score
		}
		if !c.repaired {
			a.clean = true
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := byVal[order[i]], byVal[order[j]]
		sa := a.best + 0.02*float64(min(a.support, 3))
		sb := b.best + 0.02*float64(min(b.support, 3))
		if sa != sb {
			return sa > sb
		}
		return a.first < b.first
	})
	top := byVal[order[0]]
	conf := top.best
	if top.support >= 2 {
		conf = 1 - (1-conf)*0.6
	}
	if len(order) > 1 {
		second := byVal[order[1]]
		if second.best >= 0.75*top.best {
			conf *= 0.8
		}
	}
	conf = adjust(name, order[0], conf)
	if name == PayeeIBAN && !top.clean {
		// Repeated readings of a repaired IBAN share the same guesses:
		// the check digits made it plausible, not certain.
		conf = minf(conf, 0.85)
	}
	return Field{Value: order[0], Confidence: round2(conf)}, true
}

// adjust applies the field's own check to the confidence.
func adjust(name, v string, conf float64) float64 {
	switch name {
	case PayeeIBAN:
		if !ValidIBAN(v) {
			return minf(conf, 0.6)
		}
		// Mod-97 catches every single misread character and swapped
		// neighbours, so a labelled IBAN that passes is read right.
		// Repaired readings (capped at 0.7 in labelled) stay below.
		if conf >= 0.75 {
			return maxf(conf, 0.95)
		}
	case SellerVATID:
		switch CheckVATID(v) {
		case VATChecksumBad, VATInvalid:
			return minf(conf, 0.6)
		case VATFormatOK:
			// No check digit defined (or checked) for this country: a
			// misread digit would go unnoticed.
			return minf(conf, 0.89)
		case VATChecksumOK:
			if conf >= 0.75 {
				return maxf(conf, 0.95)
			}
		}
	case PayeeBIC:
		if !ValidBIC(v) {
			return minf(conf, 0.5)
		}
		// A BIC has no check digit.
		return minf(conf, 0.89)
	case SellerTaxNumber:
		if !ValidTaxNumber(v) {
			return minf(conf, 0.5)
		}
		// The Länder check digits are not implemented.
		return minf(conf, 0.89)
	case BuyerReference:
		if strings.Count(v, "-") >= 1 && !ValidLeitwegID(v) && leitwegRE.MatchString(v) {
			return minf(conf, 0.6)
		}
	case InvoiceNumber, OrderReference, Kassenzeichen, Aktenzeichen:
		// Identifiers have no check digit; a single reading is never
		// fully certain.
		return minf(conf, 0.96)
	}
	return conf
}

// unlabelled finds values that are recognisable without a label: IBANs
// and VAT ids that pass their check digits.
func unlabelled(rs []row, name string, parties []int) []candidate {
	var out []candidate
	switch name {
	case PayeeIBAN:
		for i, r := range rs {
			for _, c := range r.cells {
				for _, m := range ibanScanRE.FindAllStringIndex(c.text, -1) {
					v := NormalizeIBAN(c.text[m[0]:m[1]])
					if ValidIBAN(v) {
						out = append(out, candidate{v, 0.85 * ocrFactor(c.confOf(m[0], m[1])), i, parties[i], false})
					}
				}
			}
		}
	case Currency:
		// Without a caption, the currency is what the amounts are marked
		// with, provided only one currency appears.
		seen := map[string]int{}
		for _, r := range rs {
			for _, c := range r.cells {
				for _, m := range currencyRE.FindAllString(c.text, -1) {
					v, _, _, _ := parseCurrency(m)
					seen[v]++
				}
			}
		}
		if len(seen) == 1 {
			for v, n := range seen {
				out = append(out, candidate{v, 0.8 + 0.05*float64(min(n-1, 1)), 0, partyUnknown, false})
			}
		}
	case SellerVATID:
		for i, r := range rs {
			for _, c := range r.cells {
				for _, m := range vatScanRE.FindAllStringIndex(c.text, -1) {
					v := NormalizeVATID(c.text[m[0]:m[1]])
					switch CheckVATID(v) {
					case VATChecksumOK:
						out = append(out, candidate{v, 0.8 * ocrFactor(c.confOf(m[0], m[1])), i, parties[i], false})
					case VATChecksumBad, VATFormatOK:
						// A garbled caption on the same row still tells
						// what the number is; never safe without it.
						if taxWordRE.MatchString(r.text()) {
							out = append(out, candidate{v, 0.5, i, parties[i], false})
						}
					}
				}
			}
		}
	}
	return out
}

var (
	ibanScanRE = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`)
	vatScanRE  = regexp.MustCompile(`\b(?:DE ?\d{3} ?\d{3} ?\d{3}|FR ?[0-9A-Z]{2} ?\d{3} ?\d{3} ?\d{3}|ATU ?\d{8})\b`)
)

var titleDateRE = regexp.MustCompile(`(?i)(?:rechnung\w*|gutschrift|invoice|facture|avoir|versicherers|buchungshilfe)[^|]{0,40}?(?:nr\.?|no\.?|n°|#|nummer)\s*[:.]?\s*\S+\s+(?:vom|von|du|dated|from|of)\b`)

// titleDate reads the date of a title line such as "Rechnung Nr. 4711 vom
// 05.03.2018", where the date may stand in the next column or line.
func titleDate(rs []row) []candidate {
	var out []candidate
	for i, r := range rs {
		t := r.text()
		m := titleDateRE.FindStringIndex(t)
		if m == nil {
			continue
		}
		rest := t[m[1]:]
		if v, s, _, ok := repairedDate(rest); ok && strings.Trim(rest[:s], " :|") == "" {
			sc := 0.95 * ocrFactor(rowConfAt(r, m[1]+s))
			if strings.HasPrefix(v, "~") {
				v, sc = v[1:], minf(sc, 0.7)
			}
			out = append(out, candidate{v, sc, i, partyUnknown, false})
			continue
		}
		if strings.TrimSpace(rest) == "" && i+1 < len(rs) && rs[i+1].page == r.page {
			n := rs[i+1]
			if v, s, _, ok := repairedDate(n.text()); ok && s == 0 {
				sc := 0.92 * ocrFactor(rowConfAt(n, 0))
				if strings.HasPrefix(v, "~") {
					v, sc = v[1:], minf(sc, 0.7)
				}
				out = append(out, candidate{v, sc, i + 1, partyUnknown, false})
			}
		}
	}
	return out
}

// otherDateRE marks rows whose date is not the invoice date.
var otherDateRE = regexp.MustCompile(`(?i)liefer|leistung|bestell|fällig|zahlbar|skonto|début|fin\b|livraison|échéance|due|order|delivery|commande|period|zeitraum|vom\s+\d|version|stand`)

// firstDate is the fallback when no caption names the invoice date: the
// first date in the upper part of the first page, where letterheads print
// it. It is a guess and scored as one.
func firstDate(rs []row, doc layout.Document) []candidate {
	if len(doc.Pages) == 0 || doc.Pages[0].Height == 0 {
		return nil
	}
	limit := 0.4 * float64(doc.Pages[0].Height)
	for i, r := range rs {
		if r.page != 1 || r.cy > limit {
			break
		}
		if otherDateRE.MatchString(r.text()) {
			continue
		}
		for _, c := range r.cells {
			if v, _, _, ok := findDate(c.text, false); ok {
				return []candidate{{v, 0.45, i, partyUnknown, false}}
			}
		}
	}
	return nil
}

var titleNumRE = regexp.MustCompile(`(?i)(?:^|\s)(?:\w*rechnung\w*|gutschrift|invoice|facture|avoir|versicherers)\s*(?:\(\d{3}\)\s*)?(?:nr\.?|no\.?|n[°’'º]|#|nummer)\s*[:.]?\s*`)

// titleNumber reads the number of a title line such as "Handelsrechnung
// (380) Nr. 471102" when OCR split the caption into several cells.
func titleNumber(rs []row) []candidate {
	var out []candidate
	for i, r := range rs {
		t := r.text()
		m := titleNumRE.FindStringIndex(t)
		if m == nil {
			continue
		}
		if v, s, _, ok := parseRef(t[m[1]:]); ok && s <= 2 {
			out = append(out, candidate{v, 0.93 * ocrFactor(rowConfAt(r, m[1]+s)), i, partyUnknown, false})
		}
	}
	return out
}

// rowConfAt is the OCR confidence of the token at byte offset off of the
// row text (cells joined by two spaces).
func rowConfAt(r row, off int) float64 {
	pos := 0
	for _, c := range r.cells {
		if off < pos+len(c.text) {
			return c.confOf(off-pos, off-pos+10)
		}
		pos += len(c.text) + 2
	}
	return 0
}

func round2(f float64) float64 {
	if f < 0 {
		f = 0
	}
	if f > 1 {
		f = 1
	}
	return float64(int(f*100+0.5)) / 100
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func isCreditNote(rs []row) bool {
	for i, r := range rs {
		if r.page != 1 || i > 25 {
			break
		}
		for _, c := range r.cells {
			if creditRE.MatchString(c.text) {
				return true
			}
		}
	}
	return false
}

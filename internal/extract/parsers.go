package extract

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

var (
	refTokRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9./\-_]*$`)
	pureDateRE = regexp.MustCompile(`^\d{1,2}[./]\d{1,2}[./]\d{2,4}$`)
	pureAmtRE  = regexp.MustCompile(`^-?\d{1,3}(?:\.\d{3})*,\d{2}$`)
	gapWords   = map[string]bool{"nr": true, "no": true, "n°": true, "nummer": true, "number": true, "num": true, "#": true, "n": true}
)

// parseRef reads an identifier such as an invoice or order number: the
// first token after the label that contains a digit.
func parseRef(text string) (string, int, int, bool) {
	pos := 0
	for _, f := range strings.Fields(text) {
		start := strings.Index(text[pos:], f) + pos
		end := start + len(f)
		pos = end
		t := strings.TrimRight(strings.TrimLeft(f, ":#.°*(-–"), ".,;:)")
		if t == "" || gapWords[strings.ToLower(t)] {
			continue
		}
		if len(t) < 2 || len(t) > 35 || !refTokRE.MatchString(t) || !strings.ContainsAny(t, "0123456789") ||
			pureDateRE.MatchString(t) || pureAmtRE.MatchString(t) {
			return "", 0, 0, false
		}
		off := strings.Index(f, t)
		return t, start + off, start + off + len(t), true
	}
	return "", 0, 0, false
}

func dateParser(compact bool) parser {
	return func(text string) (string, int, int, bool) { return findDate(text, compact) }
}

var ocrDigitMap = map[rune]rune{'O': '0', 'o': '0', 'D': '0', 'l': '1', 'I': '1', 'T': '1', 'i': '1', 'S': '5', 'B': '8', 'Z': '2'}

// repairDigits replaces letters that OCR confuses with digits inside
// tokens that are mostly digits ("20T8" → "2018"). It keeps byte offsets
// because every replaced letter is ASCII like its digit.
func repairDigits(text string) (string, bool) {
	b := []byte(text)
	changed := false
	for _, f := range strings.Fields(text) {
		digits := 0
		for _, r := range f {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 4 || digits*10 < len(f)*6 {
			continue
		}
		off := strings.Index(text, f)
		for i := 0; i < len(f); i++ {
			if d, ok := ocrDigitMap[rune(f[i])]; ok {
				b[off+i] = byte(d)
				changed = true
			}
		}
	}
	return string(b), changed
}

// repairedDate is the issue-date parser with digit repair as a last
// resort; repaired readings are marked by a lower score in labelled().
func repairedDate(text string) (string, int, int, bool) {
	if v, s, e, ok := findDate(text, false); ok {
		return v, s, e, ok
	}
	if r, ok := repairDigits(text); ok {
		if v, s, e, ok := findDate(r, false); ok {
			return "~" + v, s, e, true
		}
	}
	return "", 0, 0, false
}

func parseAmountText(text string) (string, int, int, bool) { return findAmount(text) }

var currencyRE = regexp.MustCompile(`\b(EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF)\b|€|£|\$`)

func parseCurrency(text string) (string, int, int, bool) {
	m := currencyRE.FindStringSubmatchIndex(text)
	if m == nil {
		return "", 0, 0, false
	}
	v := text[m[0]:m[1]]
	switch v {
	case "€":
		v = "EUR"
	case "£":
		v = "GBP"
	case "$":
		v = "USD"
	}
	return v, m[0], m[1], true
}

var taxNoRE = regexp.MustCompile(`\d{2,3}\s?/\s?\d{3,4}\s?/\s?\d{4,5}|\b\d{10,13}\b`)

func parseTaxNumber(text string) (string, int, int, bool) {
	m := taxNoRE.FindStringIndex(text)
	if m == nil {
		return "", 0, 0, false
	}
	return strings.ReplaceAll(text[m[0]:m[1]], " ", ""), m[0], m[1], true
}

var vatRE = regexp.MustCompile(`[A-Z]{2}[ ]?[0-9A-Z](?:[ ]?[0-9A-Z]){7,12}`)

func parseVAT(text string) (string, int, int, bool) {
	m := vatRE.FindStringIndex(text)
	if m == nil {
		return "", 0, 0, false
	}
	v := NormalizeVATID(text[m[0]:m[1]])
	for n := len(v); n >= 10; n-- {
		if CheckVATID(v[:n]) != VATInvalid {
			return v[:n], m[0], m[1], true
		}
	}
	return "", 0, 0, false
}

var ibanRE = regexp.MustCompile(`[A-Z]{2}[0-9OIl]{2}(?:[ ]?[A-Za-z0-9]{1,4}){1,8}`)

// digitBBAN lists countries whose IBAN has only digits after the check
// digits, so that O, I and l read by OCR can be repaired.
var digitBBAN = map[string]bool{"DE": true, "AT": true, "BE": true, "DK": true, "FI": true, "NO": true, "SE": true,
	"PL": true, "CZ": true, "SK": true, "ES": true, "PT": true, "HU": true, "HR": true, "SI": true, "EE": true, "LT": true}

var ocrDigits = strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1")

// parseIBAN reads an IBAN as printed. A reading that fails the check is
// handed to repairIBAN; if that finds nothing, the reading is returned as
// it is (decide keeps its confidence low), since sample invoices print
// IBANs with wrong check digits. Values that needed any repair carry a
// "~" prefix and are never reported as safe.
func parseIBAN(text string) (string, int, int, bool) {
	v, s, e, ok := parseIBANAsRead(text)
	if ok && ValidIBAN(strings.TrimPrefix(v, "~")) {
		return v, s, e, true
	}
	if r, rs, re, rok := repairIBAN(text); rok {
		if strings.IndexFunc(text[:rs], func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }) < 0 && rs <= 3 {
			// A stray mark such as ">" or "=" before the number.
			rs = 0
		}
		return "~" + r, rs, re, true
	}
	return v, s, e, ok
}

// parseCheckedIBAN is parseIBAN without readings that fail the check, for
// captions that do not name the IBAN itself.
func parseCheckedIBAN(text string) (string, int, int, bool) {
	v, s, e, ok := parseIBAN(text)
	if !ok || !ValidIBAN(strings.TrimPrefix(v, "~")) {
		return "", 0, 0, false
	}
	return v, s, e, true
}

func parseIBANAsRead(text string) (string, int, int, bool) {
	m := ibanRE.FindStringIndex(text)
	if m == nil {
		return "", 0, 0, false
	}
	groups := strings.Fields(text[m[0]:m[1]])
	cc := groups[0][:2]
	repaired := false
	if fixed := ocrDigits.Replace(groups[0][2:4]); fixed != groups[0][2:4] {
		groups[0] = cc + fixed + groups[0][4:]
		repaired = true
	}
	if digitBBAN[cc] {
		// Letters cannot occur after the country code: OCR confusions are
		// repaired, other letters end the IBAN.
		var kept []string
		for i, g := range groups {
			body := g
			if i == 0 {
				body = g[2:]
			}
			fixed := ocrDigits.Replace(body)
			if strings.Trim(fixed, "0123456789") != "" {
				break
			}
			if fixed != body {
				repaired = true
			}
			if i == 0 {
				fixed = cc + fixed
			}
			kept = append(kept, fixed)
		}
		groups = kept
	} else {
		var kept []string
		for _, g := range groups {
			if strings.ToUpper(g) != g {
				break
			}
			kept = append(kept, g)
		}
		groups = kept
	}
	if len(groups) == 0 {
		return "", 0, 0, false
	}
	v := strings.Join(groups, "")
	// Prefer the longest prefix (by groups) that passes the check.
	acc := ""
	best := ""
	_, known := ibanLengths[cc]
	for i, g := range groups {
		acc += g
		// Without a known length, a prefix passing the check is one
		// chance in 97, not a reading.
		if ValidIBAN(acc) && (known || i == len(groups)-1) {
			best = acc
		}
	}
	if best == "" {
		if n, ok := ibanLengths[cc]; ok && len(v) > n {
			v = v[:n]
			if ValidIBAN(v) {
				// Cut inside a group, the check passes one time in 97:
				// that is a guess, left to repairIBAN.
				return "", 0, 0, false
			}
		}
		best = v
	}
	if len(best) < 12 {
		return "", 0, 0, false
	}
	if repaired && ValidIBAN(best) {
		// O, I or l read for a digit: right only by the check.
		best = "~" + best
	}
	return best, m[0], m[1], true
}

var bicScanRE = regexp.MustCompile(`\b[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b`)

func parseBIC(text string) (string, int, int, bool) {
	m := bicScanRE.FindStringIndex(text)
	if m == nil {
		return "", 0, 0, false
	}
	return text[m[0]:m[1]], m[0], m[1], true
}

// totals finds net, tax, gross and due amounts and checks that net + tax
// = gross; only a consistent set gets a confidence that passes review.
func totals(rs []row, parties []int, res *Fields, credit bool) {
	g := labelled(rs, grossLabels, parseAmountText, 24, parties)
	n := labelled(rs, netLabels, parseAmountText, 24, parties)
	t := labelled(rs, taxLabels, parseAmountText, 24, parties)
	d := labelled(rs, dueLabels, parseAmountText, 24, parties)
	if credit {
		for _, cs := range [][]candidate{g, n, t, d} {
			for i := range cs {
				cs[i].value = strings.TrimPrefix(cs[i].value, "-")
			}
		}
	}
	type triple struct {
		g, n, t candidate
		score   float64
	}
	var triples []triple
	maxScore := 0.0
	for _, gc := range g {
		gv, _ := centsOf(gc.value)
		for _, nc := range n {
			nv, _ := centsOf(nc.value)
			for _, tc := range t {
				tv, _ := centsOf(tc.value)
				if nv+tv != gv || (tv == 0 && nv == 0) {
					continue
				}
				s := gc.score + nc.score + tc.score
				triples = append(triples, triple{gc, nc, tc, s})
				maxScore = maxf(maxScore, s)
			}
		}
	}
	// Rows per tax rate add up as well as the totals row; among the
	// well-read sums the invoice total is the largest one.
	var best *triple
	grosses := map[int64]bool{}
	for i := range triples {
		tr := &triples[i]
		if tr.score < 0.75*maxScore {
			continue
		}
		gv := mustCents(tr.g.value)
		grosses[gv] = true
		if best == nil || abs64(gv) > abs64(mustCents(best.g.value)) ||
			(abs64(gv) == abs64(mustCents(best.g.value)) && tr.score > best.score) {
			best = tr
		}
	}
	// Several different sums are only trusted when the chosen one is the
	// sum of the others (a breakdown by rate with its total row).
	ambiguous := false
	if best != nil && len(grosses) > 1 {
		bg := mustCents(best.g.value)
		var rest int64
		for gv := range grosses {
			if gv != bg {
				rest += gv
			}
		}
		ambiguous = rest != bg
	}
	set := func(name string, c candidate, conf float64) {
		res.Fields[name] = Field{Value: c.value, Confidence: round2(conf)}
	}
	if best != nil {
		// Three independent readings agree arithmetically; a misread digit
		// would break the sum, so the values are safe when each reading
		// itself was clean.
		ok := best.g.score >= 0.8 && best.n.score >= 0.75 && best.t.score >= 0.7 && !ambiguous
		c := 0.85
		if ok {
			c = 0.97
		}
		set(GrandTotal, best.g, c)
		set(NetTotal, best.n, c)
		set(TaxTotal, best.t, c)
	} else {
		gf, gok := decide(GrandTotal, g)
		nf, nok := decide(NetTotal, n)
		if gok && nok && gf.Value == nf.Value {
			// Tax-exempt invoice: gross equals net and no tax is printed.
			// Only a printed tax amount of zero confirms it.
			c := minf(minf(gf.Confidence, nf.Confidence), 0.8)
			if tf, ok := decide(TaxTotal, t); ok && tf.Value == "0.00" {
				if c >= 0.75 && tf.Confidence >= 0.7 {
					c = 0.93
				}
				res.Fields[TaxTotal] = Field{Value: tf.Value, Confidence: c}
			}
			res.Fields[GrandTotal] = Field{Value: gf.Value, Confidence: c}
			res.Fields[NetTotal] = Field{Value: nf.Value, Confidence: c}
		} else if tax, ok := taxParts(rs, gf, nf, gok && nok); ok {
			// Gross minus net equals the sum of the tax amounts per rate.
			c := 0.85
			if gf.Confidence >= 0.8 && nf.Confidence >= 0.75 {
				c = 0.93
			}
			res.Fields[GrandTotal] = Field{Value: gf.Value, Confidence: c}
			res.Fields[NetTotal] = Field{Value: nf.Value, Confidence: c}
			res.Fields[TaxTotal] = Field{Value: tax, Confidence: minf(c, 0.9)}
		} else {
			if gok {
				gf.Confidence = minf(gf.Confidence, 0.8)
				res.Fields[GrandTotal] = gf
			}
			if nok {
				nf.Confidence = minf(nf.Confidence, 0.8)
				res.Fields[NetTotal] = nf
			}
			if tf, ok := decide(TaxTotal, t); ok {
				tf.Confidence = minf(tf.Confidence, 0.7)
				res.Fields[TaxTotal] = tf
			}
			if gok && nok && len(t) > 0 {
				res.Problems = append(res.Problems, "Summen nicht plausibel: Netto + Steuer ergibt nicht Brutto")
			}
		}
	}
	if df, ok := decide(DuePayable, d); ok {
		// Prepayments and open items make the amount due differ from the
		// gross total in ways the page does not always show.
		df.Confidence = minf(df.Confidence, 0.85)
		res.Fields[DuePayable] = df
		if gt, ok := res.Fields[GrandTotal]; !ok {
			res.Fields[GrandTotal] = Field{Value: df.Value, Confidence: minf(df.Confidence, 0.6)}
		} else if gt.Confidence < SafeConfidence && gt.Value == df.Value {
			gt.Confidence = minf(0.89, gt.Confidence+0.05)
			res.Fields[GrandTotal] = gt
		}
	}
}

// taxParts looks for one to three amounts on tax rows (a percentage or a
// tax word on the row) that add up to gross minus net, for invoices that
// print the tax per rate but no tax total.
func taxParts(rs []row, g, n Field, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	gc, ok1 := centsOf(g.Value)
	nc, ok2 := centsOf(n.Value)
	if !ok1 || !ok2 || gc <= nc || nc <= 0 {
		return "", false
	}
	diff := gc - nc
	var parts []int64
	for _, r := range rs {
		t := r.text()
		if !strings.Contains(t, "%") && !taxWordRE.MatchString(t) {
			continue
		}
		for _, c := range r.cells {
			for off := 0; off < len(c.text) && len(parts) < 40; {
				v, _, e, ok := findAmount(c.text[off:])
				if !ok {
					break
				}
				off += e
				if x, ok := centsOf(v); ok && x > 0 && x != gc && x != nc {
					parts = append(parts, x)
				}
			}
		}
	}
	for i := range parts {
		if parts[i] == diff {
			return centsString(diff), true
		}
		for j := i + 1; j < len(parts); j++ {
			if parts[i]+parts[j] == diff {
				return centsString(diff), true
			}
			for k := j + 1; k < len(parts); k++ {
				if parts[i]+parts[j]+parts[k] == diff {
					return centsString(diff), true
				}
			}
		}
	}
	return "", false
}

func mustCents(v string) int64 {
	c, _ := centsOf(v)
	return c
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func centsString(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

var (
	percentRE = regexp.MustCompile(`(?:^|[^\d,.])(\d{1,2}(?:[.,]\d{1,2})?)\s?%`)
	taxWordRE = regexp.MustCompile(`(?i)ust|mwst|steuer|tva|vat|tax`)
)

// vatRates lists the VAT percentages printed on rows that talk about tax.
func vatRates(rs []row, res *Fields) {
	seen := map[string]bool{}
	for _, r := range rs {
		t := r.text()
		if !taxWordRE.MatchString(t) {
			continue
		}
		for _, m := range percentRE.FindAllStringSubmatch(t, -1) {
			v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
			if err != nil || v > 30 {
				continue
			}
			seen[strconv.FormatFloat(v, 'f', 2, 64)] = true
		}
	}
	if len(seen) == 0 {
		return
	}
	var rates []string
	for k := range seen {
		rates = append(rates, k)
	}
	sort.Strings(rates)
	res.Fields[VATRates] = Field{Value: strings.Join(rates, ";"), Confidence: 0.6}
}

var (
	sellerCaptionRE = regexp.MustCompile(`(?i)^\W*(?:verkäufer|lieferant|rechnungssteller|rechnungsersteller|seller|vendeur|fournisseur|supplier)\s*:?$`)
	nameLabelRE     = regexp.MustCompile(`(?i)^name\s*:?\s*`)
	notNameRE       = regexp.MustCompile(`(?i):|^\W*(?:nummer|globale|gln|lief-?nr|kunden-?nr|kundennummer|tel|fax|e-?mail|www|http|ust|steuer|iban|bic)\b|^\d`)
	legalFormRE     = regexp.MustCompile(`(?i)\b(?:gmbh|ag|kg|ohg|e\.\s?v\.|ug|se|mbh|sarl|sas|s\.a\.|ltd|inc|llc|plc|b\.v\.|gbr|a\.g\.)(?:\s|$|[,.)])`)
)

// sellerName reads the name under a "Verkäufer"/"Seller" caption, after a
// "Name:" label in the seller section, or else the first company name in
// the letterhead. Names have no check, so the confidence stays below
// review level.
func sellerName(rs []row, parties []int) (Field, bool) {
	for i, r := range rs {
		for j, c := range r.cells {
			if parties[i] == partySeller && nameLabelRE.MatchString(c.text) {
				rest := strings.TrimSpace(nameLabelRE.ReplaceAllString(c.text, ""))
				if rest == "" && j+1 < len(r.cells) {
					rest = r.cells[j+1].text
				}
				if rest != "" {
					return Field{Value: rest, Confidence: 0.7}, true
				}
			}
			if !sellerCaptionRE.MatchString(c.text) {
				continue
			}
			for k := i + 1; k < len(rs) && k <= i+4; k++ {
				if rs[k].page != r.page {
					break
				}
				for _, n := range rs[k].cells {
					if n.x1 < c.x0-20 || n.x0 > c.x1+400 {
						continue
					}
					if notNameRE.MatchString(n.text) || (len(rs[k].cells) > 1 && strings.Contains(rs[k].text(), ":")) {
						break
					}
					return Field{Value: n.text + nameContinuation(rs, k, n), Confidence: 0.6}, true
				}
			}
		}
	}
	// Letterhead: the first company name on the first page outside the
	// buyer's address block.
	for i, r := range rs {
		if r.page != 1 || i > 30 {
			break
		}
		if parties[i] == partyBuyer {
			continue
		}
		for _, c := range r.cells {
			if loc := legalFormRE.FindStringIndex(c.text); loc != nil && !notNameRE.MatchString(c.text) {
				name := strings.TrimSpace(c.text[:loc[1]])
				if len(name) >= 4 {
					return Field{Value: strings.TrimRight(name, ",. "), Confidence: 0.5}, true
				}
			}
		}
	}
	return Field{}, false
}

var streetRE = regexp.MustCompile(`(?i)str\.|straße|strasse|weg\b|platz\b|allee\b|gasse\b|ring\b|rue\b|street|road|\s\d+\s?[a-z]?$|^\d`)

// nameContinuation returns the second line of a company name printed on
// two lines ("MVM Musterhafter" / "Versicherungsverein Musterstadt a.G."),
// with a leading newline, or "" when the next line is an address or label.
func nameContinuation(rs []row, k int, c cell) string {
	if legalFormRE.MatchString(c.text + " ") {
		// "… GmbH" is complete; the next line is a person or address.
		return ""
	}
	if k+1 >= len(rs) || rs[k+1].page != rs[k].page || rs[k+1].cy-rs[k].cy > 2.2*rs[k].h {
		return ""
	}
	for j, n := range rs[k+1].cells {
		if n.x1 < c.x0-20 || n.x0 > c.x1+400 {
			continue
		}
		t := n.text
		if nameLabelRE.MatchString(t) {
			t = strings.TrimSpace(nameLabelRE.ReplaceAllString(t, ""))
			if t == "" && j+1 < len(rs[k+1].cells) {
				t = rs[k+1].cells[j+1].text
			}
		} else if strings.Contains(t, ":") {
			return ""
		}
		if t == "" || notNameRE.MatchString(t) || streetRE.MatchString(t) {
			return ""
		}
		return "\n" + t
	}
	return ""
}

// checkPlausible marks the invoice for review when key fields are missing
// or a check failed.
func checkPlausible(res *Fields) {
	f := res.Fields
	if v, ok := f[PayeeIBAN]; ok && !ValidIBAN(v.Value) {
		if n, known := ibanLengths[v.Value[:min(2, len(v.Value))]]; known && len(v.Value) != n {
			res.Problems = append(res.Problems, fmt.Sprintf("IBAN hat %d statt %d Stellen", len(v.Value), n))
		} else {
			res.Problems = append(res.Problems, "IBAN-Prüfsumme stimmt nicht")
		}
	} else if ok && v.Confidence < SafeConfidence {
		// Typically an IBAN whose OCR reading had to be repaired: the
		// check digits fit, but the payment goes where it says.
		res.Problems = append(res.Problems, "Angabe unsicher: "+PayeeIBAN)
	}
	if v, ok := f[SellerVATID]; ok && CheckVATID(v.Value) == VATChecksumBad {
		res.Problems = append(res.Problems, "USt-IdNr: Prüfziffer stimmt nicht")
	}
	if v, ok := f[LeitwegID]; ok && !ValidLeitwegID(v.Value) {
		res.Problems = append(res.Problems, "Leitweg-ID: Prüfziffer stimmt nicht")
	}
	if is, ok := f[IssueDate]; ok {
		if due, ok := f[DueDate]; ok && due.Value < is.Value {
			res.Problems = append(res.Problems, "Fälligkeitsdatum liegt vor dem Rechnungsdatum")
		}
	}
	for _, k := range []string{InvoiceNumber, GrandTotal, IssueDate} {
		if v, ok := f[k]; !ok {
			res.Problems = append(res.Problems, "Pflichtangabe fehlt: "+k)
		} else if v.Confidence < SafeConfidence {
			res.Problems = append(res.Problems, "Angabe unsicher: "+k)
		}
	}
	res.Review = len(res.Problems) > 0
}

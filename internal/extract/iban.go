package extract

import (
	"strings"
	"unicode"
)

// bbanFormats is the BBAN structure of each country in ibanLengths, in the
// notation of the SWIFT IBAN registry: n digits, a upper-case letters,
// c letters or digits. It tells the OCR repair which reading of a
// confusable character ("O" or "0", "B" or "8") a position allows.
var bbanFormats = map[string]string{
	"AD": "4n4n12c", "AT": "5n11n", "BE": "3n7n2n", "BG": "4a4n2n8c", "CH": "5n12c", "CY": "3n5n16c",
	"CZ": "4n6n10n", "DE": "8n10n", "DK": "4n9n1n", "EE": "2n2n11n1n", "ES": "4n4n1n1n10n", "FI": "3n11n",
	"FR": "5n5n11c2n", "GB": "4a6n8n", "GI": "4a15c", "GR": "3n4n16c", "HR": "7n10n", "HU": "3n4n1n15n1n",
	"IE": "4a6n8n", "IS": "4n2n6n10n", "IT": "1a5n5n12c", "LI": "5n12c", "LT": "5n11n", "LU": "3n13c",
	"LV": "4a13c", "MC": "5n5n11c2n", "MT": "4a5n18c", "NL": "4a10n", "NO": "4n6n1n", "PL": "8n16n",
	"PT": "4n4n11n2n", "RO": "4a16c", "SE": "3n16n1n", "SI": "5n8n2n", "SK": "4n6n10n", "SM": "1a5n5n12c",
}

// ibanClasses expands a registry format to one class byte per position,
// check digits included.
func ibanClasses(cc string) string {
	f, ok := bbanFormats[cc]
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString("nn")
	n := 0
	for i := 0; i < len(f); i++ {
		if isDigit(f[i]) {
			n = n*10 + int(f[i]-'0')
			continue
		}
		b.WriteString(strings.Repeat(string(f[i]), n))
		n = 0
	}
	return b.String()
}

// Typical Tesseract confusions: what a misread character may stand for
// in a digit position and in a letter position.
var (
	asDigit = map[rune]string{
		'O': "0", 'o': "0", 'Q': "0", 'D': "0", 'U': "0",
		'I': "1", 'i': "1", 'l': "1", '|': "1", '!': "1", 'L': "1", 'J': "1", 'T': "17", 't': "17",
		'Z': "2", 'z': "2", 'S': "5", 's': "5", '$': "5", 'B': "8", 'G': "6", 'b': "6",
		'g': "9", 'q': "9", 'A': "4",
	}
	asLetter = map[rune]string{
		'0': "OD", '1': "I", '2': "Z", '4': "A", '5': "S", '6': "G", '8': "B",
	}
	// countryConfusions: letters of a country code and what OCR reads
	// for them (a "DE" comes out as "DR", "0E", "DF", "OE" …).
	countryConfusions = map[byte]string{
		'D': "0OQB", 'E': "FRB", 'F': "EP", 'B': "8ER", 'O': "0DQ", 'I': "1lL|", 'L': "1I", 'S': "5",
		'T': "7", 'G': "6C", 'C': "G(", 'A': "4", 'Z': "2",
	}
)

// ibanStopWords end the number: the BIC and its caption often
// follow on the same line.
var ibanStopWords = map[string]bool{"BIC": true, "SWIFT": true, "BLZ": true, "BANK": true, "KTO": true}

// ibanStream is the text after an IBAN caption reduced to the characters
// that may belong to the number, with the boundaries of the printed
// groups.
type ibanStream struct {
	chars []rune
	src   []int // byte offset in the text of each char
	tok   []int // index of the group each char belongs to
	ends  map[int]bool
}

func newIBANStream(text string) ibanStream {
	s := ibanStream{ends: map[int]bool{}}
	t := -1
words:
	for _, f := range fieldsWithOffsets(text) {
		word, off := f.s, f.off
		if len(s.chars) > 0 && (ibanStopWords[strings.ToUpper(strings.Trim(word, ".:"))] || lowerWordRE(word)) {
			break
		}
		if strings.IndexFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			// A separator such as "|" or "." standing alone.
			continue
		}
		// A bar at the edge of a word is a table rule or a separator; inside
		// a group it is a misread 1.
		trimmed := strings.TrimLeft(word, "|")
		off += len(word) - len(trimmed)
		word = strings.TrimRight(trimmed, "|")
		t++
		added := false
		for i, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '|' || r == '!' || r == '$' {
				if r > unicode.MaxASCII {
					break words
				}
				s.chars = append(s.chars, r)
				s.src = append(s.src, off+i)
				s.tok = append(s.tok, t)
				added = true
			}
		}
		if added {
			s.ends[len(s.chars)] = true
		}
		if len(s.chars) > 40 {
			break
		}
	}
	s.ends[len(s.chars)] = true
	return s
}

type wordOff struct {
	s   string
	off int
}

func fieldsWithOffsets(text string) []wordOff {
	var out []wordOff
	start := -1
	for i, r := range text {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, wordOff{text[start:i], start})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, wordOff{text[start:], start})
	}
	return out
}

// lowerWordRE reports a word of three or more lower-case letters: text,
// not part of a number.
func lowerWordRE(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			n++
			if n >= 3 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// ibanRepair is one way of reading the stream as an IBAN.
type ibanRepair struct {
	value    string
	cost     int
	from, to int // stream range used
}

// maxIBANRepairCost bounds the corrections per reading; each one is a
// guess, and mod-97 lets about one in 97 wrong guesses through.
const maxIBANRepairCost = 5

// repairIBAN reads an IBAN that OCR garbled: a misread country code,
// confusable characters in digit or letter positions (checked against the
// country's BBAN structure), punctuation and spaces inside the number and
// up to two inserted characters. A repair counts only if it passes the
// mod-97 check and no other repair costing at most two more corrections gives a
// different valid IBAN. When the text reads cleanly in the country's
// format (valid or not), nothing is repaired: a misprint or a digit read as
// another digit cannot be told apart from sample data.
// It returns the IBAN and the byte range of text it was read from.
func repairIBAN(text string) (string, int, int, bool) {
	s := newIBANStream(text)
	if len(s.chars) < 15 {
		return "", 0, 0, false
	}
	// Stray marks before the number are not in the stream; a letter or
	// digit before it means this is not an IBAN.
	for start := 0; start < 1; start++ {
		var found []ibanRepair
		clean := false
		for _, cc := range countryOptions(s.chars[start], s.chars[start+1]) {
			cost := cc.cost + start
			classes := ibanClasses(cc.code)
			readIBANBody(s, start+2, cc.code, classes, cost, start, &found, &clean)
		}
		if len(found) == 0 {
			if clean {
				return "", 0, 0, false
			}
			continue
		}
		best := found[0]
		for _, f := range found[1:] {
			if f.cost < best.cost {
				best = f
			}
		}
		if clean && best.cost > 0 {
			// Read cleanly in the format but failing the check.
			return "", 0, 0, false
		}
		for _, f := range found {
			if f.value != best.value && f.cost <= best.cost+2 {
				return "", 0, 0, false
			}
		}
		from, to := s.src[best.from], len(text)
		if best.to < len(s.chars) {
			to = s.src[best.to]
		}
		to = strings.LastIndexFunc(text[:to], func(r rune) bool { return !unicode.IsSpace(r) }) + 1
		if to <= from {
			return "", 0, 0, false
		}
		return best.value, from, to, true
	}
	return "", 0, 0, false
}

type ccOption struct {
	code string
	cost int
}

// countryOptions lists the country codes the two characters may stand for.
// A code read as a known country is taken as read.
func countryOptions(a, b rune) []ccOption {
	if a > unicode.MaxASCII || b > unicode.MaxASCII {
		return nil
	}
	read := strings.ToUpper(string([]rune{a, b}))
	if _, ok := bbanFormats[read]; ok {
		cost := 0
		if string([]rune{a, b}) != read {
			cost = 1
		}
		return []ccOption{{read, cost}}
	}
	var out []ccOption
	for cc := range bbanFormats {
		cost := 0
		for i, r := range []byte(read) {
			switch {
			case r == cc[i]:
			case strings.IndexByte(countryConfusions[cc[i]], r) >= 0:
				cost++
			default:
				cost = 99
			}
		}
		if cost <= 2 {
			out = append(out, ccOption{cc, cost})
		}
	}
	return out
}

// readIBANBody tries deletions of inserted characters and confusion
// repairs on the stream after the country code.
func readIBANBody(s ibanStream, at int, cc, classes string, cost, from int, found *[]ibanRepair, clean *bool) {
	n := len(classes)
	rest := len(s.chars) - at
	if n == 0 || rest < n {
		return
	}
	// A number printed in groups of four shows an inserted character in a
	// longer group; a run-together number may hide one anywhere.
	groupLen := map[int]int{}
	for i := from; i < len(s.chars); i++ {
		groupLen[s.tok[i]]++
	}
	suspect := func(i int) bool { return groupLen[s.tok[i]] > 4 }
	try := func(del []int) {
		end := at + n + len(del)
		if end > len(s.chars) {
			return
		}
		c := cost + 2*len(del)
		if !s.ends[end] {
			c += 2 // the number would end inside a group
		}
		if c > maxIBANRepairCost {
			return
		}
		var body []rune
		for i := at; i < end; i++ {
			skip := false
			for _, d := range del {
				if d == i {
					skip = true
				}
			}
			if !skip {
				body = append(body, s.chars[i])
			}
		}
		expandIBAN(cc, body, classes, c, from, end, found, clean)
	}
	try(nil)
	// At most one inserted character, in a group longer than four (or in a
	// run-together number): with two, a misprinted IBAN would pass after
	// some pair of deletions about one time in six.
	if rest > n {
		for i := at; i <= at+n && i < len(s.chars); i++ {
			if suspect(i) {
				try([]int{i})
			}
		}
	}
}

// expandIBAN maps each character to its class, trying the confusions, and
// records every combination that passes mod-97.
func expandIBAN(cc string, body []rune, classes string, cost, from, to int, found *[]ibanRepair, clean *bool) {
	opts := make([]string, len(body))
	extra := 0
	ambiguous := 0
	for i, r := range body {
		switch classes[i] {
		case 'n':
			if r >= '0' && r <= '9' {
				opts[i] = string(r)
				continue
			}
			opts[i] = asDigit[r]
		case 'a':
			if r >= 'A' && r <= 'Z' {
				opts[i] = string(r)
				continue
			}
			if r >= 'a' && r <= 'z' {
				opts[i] = strings.ToUpper(string(r))
			} else {
				opts[i] = asLetter[r]
			}
		default:
			if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
				opts[i] = string(r)
				continue
			}
			if r >= 'a' && r <= 'z' {
				opts[i] = strings.ToUpper(string(r))
			} else if d := asDigit[r]; d != "" {
				opts[i] = d[:1]
			}
		}
		if opts[i] == "" {
			return
		}
		extra++
		if len(opts[i]) > 1 {
			ambiguous++
		}
	}
	cost += extra
	if cost > maxIBANRepairCost || ambiguous > 3 {
		return
	}
	if cost == 0 {
		*clean = true
	}
	var walk func(i int, acc []byte)
	walk = func(i int, acc []byte) {
		if i == len(body) {
			v := cc + string(acc)
			if ValidIBAN(v) {
				*found = append(*found, ibanRepair{value: v, cost: cost, from: from, to: to})
			}
			return
		}
		for k := 0; k < len(opts[i]); k++ {
			walk(i+1, append(acc, opts[i][k]))
		}
	}
	walk(0, make([]byte, 0, len(body)))
}

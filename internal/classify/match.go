package classify

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Matching algorithms, named as in paperless-ngx.
const (
	MatchAny   = "any"   // any of the words occurs
	MatchAll   = "all"   // all of the words occur
	MatchExact = "exact" // the phrase occurs as written
	MatchRegex = "regex" // the regular expression matches
	MatchFuzzy = "fuzzy" // the phrase occurs with small differences (OCR errors)
	MatchNone  = "none"  // never matches (rule kept but disabled)
)

// matcher is a compiled rule pattern.
type matcher struct {
	algo  string
	words []string // normalised words or phrases for any/all
	exact string
	re    *regexp.Regexp
	ci    bool
}

func compileMatcher(algo, pattern string, caseSensitive bool) (*matcher, error) {
	m := &matcher{algo: algo, ci: !caseSensitive}
	switch algo {
	case MatchAny, MatchAll:
		m.words = splitPattern(pattern)
		if len(m.words) == 0 {
			return nil, fmt.Errorf("match: empty word list")
		}
		if m.ci {
			for i := range m.words {
				m.words[i] = strings.ToLower(m.words[i])
			}
		}
	case MatchExact, MatchFuzzy:
		m.exact = strings.Join(strings.Fields(pattern), " ")
		if m.exact == "" {
			return nil, fmt.Errorf("match: empty phrase")
		}
		if m.ci || algo == MatchFuzzy {
			m.exact = strings.ToLower(m.exact)
		}
	case MatchRegex:
		expr := pattern
		if m.ci {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("match: %w", err)
		}
		m.re = re
	case MatchNone:
	default:
		return nil, fmt.Errorf("algorithm: %q is not one of any, all, exact, regex, fuzzy, none", algo)
	}
	return m, nil
}

// splitPattern splits on spaces but keeps "quoted phrases" together, as
// paperless-ngx does for any/all.
func splitPattern(p string) []string {
	var out []string
	for len(p) > 0 {
		p = strings.TrimLeft(p, " \t")
		if p == "" {
			break
		}
		if p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				out = append(out, strings.TrimSpace(p[1:]))
				break
			}
			if ph := strings.Join(strings.Fields(p[1:end+1]), " "); ph != "" {
				out = append(out, ph)
			}
			p = p[end+2:]
			continue
		}
		i := strings.IndexAny(p, " \t")
		if i < 0 {
			out = append(out, p)
			break
		}
		out = append(out, p[:i])
		p = p[i:]
	}
	return out
}

// match applies the pattern to text; text is whitespace-normalised.
func (m *matcher) match(text string) bool {
	t := text
	if m.ci || m.algo == MatchFuzzy {
		t = strings.ToLower(text)
	}
	switch m.algo {
	case MatchAny:
		for _, w := range m.words {
			if containsWord(t, w) {
				return true
			}
		}
		return false
	case MatchAll:
		for _, w := range m.words {
			if !containsWord(t, w) {
				return false
			}
		}
		return true
	case MatchExact:
		return containsWord(t, m.exact)
	case MatchRegex:
		return m.re.MatchString(text)
	case MatchFuzzy:
		return fuzzyContains(t, m.exact, 0.85)
	}
	return false
}

// containsWord reports whether w occurs in t delimited by non-letters.
func containsWord(t, w string) bool {
	for off := 0; off <= len(t); {
		i := strings.Index(t[off:], w)
		if i < 0 {
			return false
		}
		s, e := off+i, off+i+len(w)
		if boundary(t, s-1, true) && boundary(t, e, false) {
			return true
		}
		off = s + 1
	}
	return false
}

func boundary(t string, i int, before bool) bool {
	if i < 0 || i >= len(t) {
		return true
	}
	var r rune
	if before {
		r = lastRune(t[:i+1])
	} else {
		r = []rune(t[i:])[0]
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}

// fuzzyContains slides a window of the phrase's word count over the text
// and accepts the best window whose edit-distance similarity reaches min.
func fuzzyContains(t, phrase string, min float64) bool {
	words := strings.Fields(t)
	n := len(strings.Fields(phrase))
	if len(words) > 50000 {
		words = words[:50000]
	}
	p := []rune(phrase)
	for i := 0; i+n <= len(words); i++ {
		w := []rune(strings.Join(words[i:i+n], " "))
		if abs(len(w)-len(p)) > len(p)/4+1 {
			continue
		}
		d := levenshtein(w, p)
		l := max(len(w), len(p))
		if 1-float64(d)/float64(l) >= min {
			return true
		}
	}
	return false
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

package validate

import (
	"math/big"
	"strings"
)

// num is an exact decimal as used by the Schematron arithmetic (xs:decimal).
// ok is false when the text is absent or not a decimal literal; rules treat
// such values like the Schematron does with an empty sequence or a failed cast.
type num struct {
	r  *big.Rat
	ok bool
}

var (
	ratZero    = new(big.Rat)
	ratOne     = big.NewRat(1, 1)
	ratHundred = big.NewRat(100, 1)
)

// parseNum parses an xs:decimal lexical value (whitespace collapsed).
func parseNum(s string) num {
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 200 {
		return num{}
	}
	body := t
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return num{}
		}
	}
	if digits == 0 {
		return num{}
	}
	if t[0] == '+' {
		t = t[1:]
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return num{}
	}
	return num{r: r, ok: true}
}

// n parses the string value of the first node on path below n.
func (n *node) num(path string) num {
	m := n
	if path != "" {
		m = n.first(path)
	}
	return m.decimal()
}

// decimal parses the node's string value once and caches it: the VAT
// category rules sum the same line amounts several times.
func (n *node) decimal() num {
	if n == nil {
		return num{}
	}
	if n.dec == nil {
		v := parseNum(n.value())
		n.dec = &v
	}
	return *n.dec
}

func (a num) add(b num) num {
	if !a.ok || !b.ok {
		return num{}
	}
	return num{r: new(big.Rat).Add(a.r, b.r), ok: true}
}

func (a num) sub(b num) num {
	if !a.ok || !b.ok {
		return num{}
	}
	return num{r: new(big.Rat).Sub(a.r, b.r), ok: true}
}

func (a num) mul(b num) num {
	if !a.ok || !b.ok {
		return num{}
	}
	return num{r: new(big.Rat).Mul(a.r, b.r), ok: true}
}

func (a num) div(b num) num {
	if !a.ok || !b.ok || b.r.Sign() == 0 {
		return num{}
	}
	return num{r: new(big.Rat).Quo(a.r, b.r), ok: true}
}

func (a num) abs() num {
	if !a.ok {
		return a
	}
	return num{r: new(big.Rat).Abs(a.r), ok: true}
}

// cmp compares; callers check ok first.
func (a num) cmp(b num) int { return a.r.Cmp(b.r) }

func (a num) eq(b num) bool { return a.ok && b.ok && a.r.Cmp(b.r) == 0 }
func (a num) lt(b num) bool { return a.ok && b.ok && a.r.Cmp(b.r) < 0 }
func (a num) gt(b num) bool { return a.ok && b.ok && a.r.Cmp(b.r) > 0 }
func (a num) le(b num) bool { return a.ok && b.ok && a.r.Cmp(b.r) <= 0 }
func (a num) ge(b num) bool { return a.ok && b.ok && a.r.Cmp(b.r) >= 0 }

func (a num) sign() int {
	if !a.ok {
		return 0
	}
	return a.r.Sign()
}

func intNum(i int64) num { return num{r: big.NewRat(i, 1), ok: true} }

// xround is XPath round(): floor(x + 0.5), i.e. halves go towards +∞.
func xround(a num) num {
	if !a.ok {
		return a
	}
	h := new(big.Rat).Add(a.r, big.NewRat(1, 2))
	q := new(big.Int).Div(h.Num(), h.Denom()) // Euclidean: floor for positive denominators
	return num{r: new(big.Rat).SetInt(q), ok: true}
}

// round2 is round(x * 100) div 100, the Schematron idiom for cents.
func round2(a num) num {
	if !a.ok {
		return a
	}
	return xround(a.mul(num{r: ratHundred, ok: true})).div(num{r: ratHundred, ok: true})
}

// sumNodes sums the decimal string values of nodes; a non-decimal value makes
// the sum invalid, as the failed xs:decimal cast does in the Schematron.
func sumNodes(ns []*node, path string) num {
	s := num{r: new(big.Rat), ok: true}
	for _, n := range ns {
		m := n
		if path != "" {
			m = n.first(path)
			if m == nil {
				continue
			}
		}
		s = s.add(m.decimal())
	}
	return s
}

// decimalsOK reports whether s has at most max digits after the point
// (the BR-DEC test string-length(substring-after(x,'.')) <= max).
func decimalsOK(s string, max int) bool {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return true
	}
	return len(s[i+1:]) <= max
}

func ratTwoCents() *big.Rat { return big.NewRat(2, 100) }

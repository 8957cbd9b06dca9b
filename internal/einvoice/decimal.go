package einvoice

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrInvalidDecimal is returned by ParseDecimal for text that is not an
// xs:decimal literal.
var ErrInvalidDecimal = errors.New("einvoice: invalid decimal")

// Decimal is an exact decimal number: coef × 10^-scale. Money and quantities
// in invoices are decimal by law and by EN 16931 arithmetic rules; binary
// floating point would make BR-CO-10 and friends fail on correct invoices.
//
// The zero value is 0 with scale 0. Decimals are immutable values: every
// operation returns a new Decimal and never modifies its operands.
type Decimal struct {
	coef  *big.Int // nil means 0
	scale int32    // digits after the decimal point, >= 0
}

var bigTen = big.NewInt(10)

// NewDecimal returns coef × 10^-scale; a negative scale multiplies.
func NewDecimal(coef int64, scale int32) Decimal {
	d := Decimal{coef: big.NewInt(coef), scale: scale}
	if scale < 0 {
		d.coef.Mul(d.coef, pow10(-scale))
		d.scale = 0
	}
	return d
}

// ParseDecimal parses an xs:decimal literal such as "-12.50", "+3", ".5" or
// "7.". Surrounding XML whitespace is ignored (xs:decimal collapses it);
// exponents, thousands separators and commas are rejected.
func ParseDecimal(s string) (Decimal, error) {
	t := strings.Trim(s, " \t\r\n")
	if t == "" || len(t) > 400 {
		return Decimal{}, fmt.Errorf("%w: %q", ErrInvalidDecimal, clip(s))
	}
	neg := false
	switch t[0] {
	case '-':
		neg = true
		t = t[1:]
	case '+':
		t = t[1:]
	}
	digits := make([]byte, 0, len(t))
	scale := int32(-1)
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if scale >= 0 {
				scale++
			}
		case c == '.' && scale < 0:
			scale = 0
		default:
			return Decimal{}, fmt.Errorf("%w: %q", ErrInvalidDecimal, clip(s))
		}
	}
	if len(digits) == 0 {
		return Decimal{}, fmt.Errorf("%w: %q", ErrInvalidDecimal, clip(s))
	}
	if scale < 0 {
		scale = 0
	}
	d := Decimal{scale: scale}
	if len(digits) <= 18 {
		var v int64
		for _, c := range digits {
			v = v*10 + int64(c-'0')
		}
		d.coef = big.NewInt(v)
	} else {
		d.coef = new(big.Int)
		d.coef.SetString(string(digits), 10)
	}
	if neg {
		d.coef.Neg(d.coef)
	}
	return d, nil
}

// MustDecimal is ParseDecimal for constants in code and tests; it panics on
// invalid input.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func pow10(n int32) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

func (d Decimal) bigCoef() *big.Int {
	if d.coef == nil {
		return new(big.Int)
	}
	return d.coef
}

// Scale is the number of digits after the decimal point, as written
// ("1.50" has scale 2). BR-DEC rules count these.
func (d Decimal) Scale() int32 { return d.scale }

// rescale returns the coefficient of d at a larger or equal scale.
func (d Decimal) rescale(scale int32) *big.Int {
	c := new(big.Int).Set(d.bigCoef())
	if scale > d.scale {
		c.Mul(c, pow10(scale-d.scale))
	}
	return c
}

func align(a, b Decimal) (*big.Int, *big.Int, int32) {
	s := max(a.scale, b.scale)
	return a.rescale(s), b.rescale(s), s
}

// Add returns d + e.
func (d Decimal) Add(e Decimal) Decimal {
	x, y, s := align(d, e)
	return Decimal{coef: x.Add(x, y), scale: s}
}

// Sub returns d − e.
func (d Decimal) Sub(e Decimal) Decimal {
	x, y, s := align(d, e)
	return Decimal{coef: x.Sub(x, y), scale: s}
}

// Mul returns d × e exactly (the scales add up).
func (d Decimal) Mul(e Decimal) Decimal {
	c := new(big.Int).Mul(d.bigCoef(), e.bigCoef())
	return Decimal{coef: c, scale: d.scale + e.scale}
}

// Neg returns −d.
func (d Decimal) Neg() Decimal {
	return Decimal{coef: new(big.Int).Neg(d.bigCoef()), scale: d.scale}
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	return Decimal{coef: new(big.Int).Abs(d.bigCoef()), scale: d.scale}
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.bigCoef().Sign() }

// IsZero reports whether d == 0.
func (d Decimal) IsZero() bool { return d.Sign() == 0 }

// Cmp compares numerically: -1 if d < e, 0 if equal (1.0 == 1.00), +1 if d > e.
func (d Decimal) Cmp(e Decimal) int {
	x, y, _ := align(d, e)
	return x.Cmp(y)
}

// Equal reports numeric equality regardless of scale.
func (d Decimal) Equal(e Decimal) bool { return d.Cmp(e) == 0 }

// Round rounds to places digits after the point the way XPath round() does
// (floor(x + 0.5)): halves go toward +∞, so 2.5 → 3 and −2.5 → −2. This is
// what the EN 16931 Schematron computes with round(x*100) div 100, and it is
// the same as commercial round-half-up for positive amounts.
func (d Decimal) Round(places int32) Decimal {
	if places < 0 {
		places = 0
	}
	if d.scale <= places {
		return Decimal{coef: d.rescale(places), scale: places}
	}
	div := pow10(d.scale - places)
	// floor((c + div/2) / div)
	half := new(big.Int).Rsh(div, 1)
	c := new(big.Int).Add(d.bigCoef(), half)
	q, _ := new(big.Int).DivMod(c, div, new(big.Int)) // Euclidean: floor for positive div
	return Decimal{coef: q, scale: places}
}

// RoundHalfAwayFromZero rounds halves away from zero (−2.5 → −3), the
// commercial rounding of German accounting (kaufmännisches Runden).
func (d Decimal) RoundHalfAwayFromZero(places int32) Decimal {
	if d.Sign() >= 0 {
		return d.Round(places)
	}
	return d.Neg().Round(places).Neg()
}

// Quo returns d / e rounded with Round to places digits. It returns false
// when e is zero.
func (d Decimal) Quo(e Decimal, places int32) (Decimal, bool) {
	if e.IsZero() {
		return Decimal{}, false
	}
	// Exact rational quotient, rounded once: no intermediate rounding error.
	r := new(big.Rat).SetFrac(d.rescale(max(d.scale, e.scale)), e.rescale(max(d.scale, e.scale)))
	return RatDecimal(r, places), true
}

// Rat returns d as an exact rational number.
func (d Decimal) Rat() *big.Rat {
	return new(big.Rat).SetFrac(d.bigCoef(), pow10(d.scale))
}

// RatDecimal rounds r to places digits with the XPath rule (half toward +∞).
func RatDecimal(r *big.Rat, places int32) Decimal {
	if places < 0 {
		places = 0
	}
	// floor(r*10^p + 1/2)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow10(places)))
	x.Add(x, big.NewRat(1, 2))
	num, den := x.Num(), x.Denom()
	q, _ := new(big.Int).DivMod(num, den, new(big.Int))
	return Decimal{coef: q, scale: places}
}

// String formats d with exactly Scale() digits after the point, e.g. "-0.50".
func (d Decimal) String() string {
	c := d.bigCoef()
	neg := c.Sign() < 0
	s := new(big.Int).Abs(c).String()
	if d.scale > 0 {
		if int32(len(s)) <= d.scale {
			s = strings.Repeat("0", int(d.scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.scale)] + "." + s[len(s)-int(d.scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// StringFixed formats d rounded (half toward +∞) to places digits.
func (d Decimal) StringFixed(places int32) string { return d.Round(places).String() }

// Trimmed returns d with trailing fractional zeros removed (1.500 → 1.5).
func (d Decimal) Trimmed() Decimal {
	c := new(big.Int).Set(d.bigCoef())
	s := d.scale
	m := new(big.Int)
	for s > 0 {
		q, r := new(big.Int).QuoRem(c, bigTen, m)
		if r.Sign() != 0 {
			break
		}
		c = q
		s--
	}
	return Decimal{coef: c, scale: s}
}

// Int64 returns the integer part of d (truncated toward zero) and whether it
// fits in an int64.
func (d Decimal) Int64() (int64, bool) {
	q := new(big.Int).Quo(d.bigCoef(), pow10(d.scale))
	return q.Int64(), q.IsInt64()
}

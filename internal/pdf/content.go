package pdf

import (
	"strconv"
)

// Matrix is a PDF transformation matrix [a b c d e f].
type Matrix [6]float64

// Identity is the identity matrix.
var Identity = Matrix{1, 0, 0, 1, 0, 0}

// Mul returns m·n: first m, then n (PDF's order for "m cm" inside n).
func (m Matrix) Mul(n Matrix) Matrix {
	return Matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// Apply maps the point (x, y).
func (m Matrix) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// contentSummary is what the OCR decision needs to know about a page's
// content stream.
type contentSummary struct {
	draws    []xobjectDraw // Do operators with the CTM in force
	showText bool          // BT…ET with text-showing operators
	inline   bool          // inline images (BI/ID/EI)
}

type xobjectDraw struct {
	name string
	ctm  Matrix
}

// scanContent tokenises a content stream just enough to follow q/Q/cm and
// find Do and text operators. It never fails: unknown syntax is skipped,
// and the caller falls back to rasterising when the summary is unclear.
func scanContent(b []byte) contentSummary {
	var s contentSummary
	ctm := Identity
	var stack []Matrix
	var nums []float64
	var lastName string
	const maxDepth = 64
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0:
			i++
		case c == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case c == '/':
			j := i + 1
			for j < len(b) && !isDelim(b[j]) {
				j++
			}
			lastName = string(b[i+1 : j])
			i = j
		case c == '(':
			depth := 0
			for i < len(b) {
				switch b[i] {
				case '\\':
					i++
				case '(':
					depth++
				case ')':
					depth--
				}
				i++
				if depth == 0 {
					break
				}
			}
		case c == '<' && i+1 < len(b) && b[i+1] == '<', c == '>' && i+1 < len(b) && b[i+1] == '>':
			i += 2
		case c == '<':
			for i < len(b) && b[i] != '>' {
				i++
			}
			i++
		case c == '[' || c == ']' || c == '{' || c == '}' || c == '>' || c == ')':
			i++
		case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(b) && !isDelim(b[j]) {
				j++
			}
			if f, err := strconv.ParseFloat(string(b[i:j]), 64); err == nil {
				nums = append(nums, f)
			}
			i = j
		default:
			j := i + 1
			for j < len(b) && !isDelim(b[j]) {
				j++
			}
			op := string(b[i:j])
			i = j
			switch op {
			case "q":
				if len(stack) < maxDepth {
					stack = append(stack, ctm)
				}
			case "Q":
				if len(stack) > 0 {
					ctm, stack = stack[len(stack)-1], stack[:len(stack)-1]
				}
			case "cm":
				if len(nums) >= 6 {
					n := nums[len(nums)-6:]
					ctm = Matrix{n[0], n[1], n[2], n[3], n[4], n[5]}.Mul(ctm)
				}
			case "Do":
				s.draws = append(s.draws, xobjectDraw{name: lastName, ctm: ctm})
			case "Tj", "TJ", "'", "\"":
				s.showText = true
			case "BI":
				s.inline = true
				// Skip binary image data up to EI.
				for k := i; k+2 < len(b); k++ {
					if b[k] == 'E' && b[k+1] == 'I' && isDelim(b[k+2]) && k > 0 && isDelim(b[k-1]) {
						i = k + 2
						break
					}
				}
			}
			nums = nums[:0]
		}
	}
	return s
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\f', 0, '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

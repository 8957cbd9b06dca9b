package einvoice

import (
	"fmt"
	"strings"
)

// mapper turns Nodes into model leaves and records tolerated problems on
// the invoice.
type mapper struct {
	inv *Invoice
}

func (m *mapper) issue(code string, n *Node, format string, args ...any) {
	m.inv.Issues = append(m.inv.Issues, Issue{Code: code, Message: fmt.Sprintf(format, args...), Source: n.Source()})
}

func text(n *Node) Text {
	if n == nil {
		return Text{}
	}
	return Text{Value: n.Text, Present: true, Source: n.Source()}
}

// ident maps an identifier with its @schemeID.
func ident(n *Node) ID {
	return identAttr(n, "schemeID", "schemeVersionID")
}

func identAttr(n *Node, schemeAttr, versionAttr string) ID {
	if n == nil {
		return ID{}
	}
	id := ID{Value: n.Text, Present: true, Source: n.Source()}
	id.Scheme, id.SchemePresent = n.Attr(schemeAttr)
	if versionAttr != "" {
		id.SchemeVersion, _ = n.Attr(versionAttr)
	}
	return id
}

func (m *mapper) number(n *Node) Number {
	if n == nil {
		return Number{}
	}
	num := Number{Raw: n.Text, Present: true, Source: n.Source()}
	d, err := ParseDecimal(n.Text)
	if err != nil {
		m.issue("invalid-decimal", n, "%s: %q is not a decimal number", n.QName(), clip(n.Text))
		return num
	}
	num.Value, num.Valid = d, true
	return num
}

func (m *mapper) amount(n *Node) Amount {
	if n == nil {
		return Amount{}
	}
	a := Amount{Number: m.number(n)}
	a.Currency, _ = n.Attr("currencyID")
	return a
}

func (m *mapper) quantity(n *Node) Quantity {
	if n == nil {
		return Quantity{}
	}
	q := Quantity{Number: m.number(n)}
	q.UnitCode, q.UnitCodePresent = n.Attr("unitCode")
	return q
}

// ublDate maps an xs:date (YYYY-MM-DD, optionally with a time zone).
func (m *mapper) ublDate(n *Node) Date {
	if n == nil {
		return Date{}
	}
	d := Date{Raw: n.Text, Present: true, Source: n.Source()}
	s := strings.TrimSpace(n.Text)
	if len(s) >= 10 && validISODate(s[:10]) && validZone(s[10:]) {
		d.Value, d.Valid = s[:10], true
	} else {
		m.issue("invalid-date", n, "%s: %q is not a date YYYY-MM-DD", n.QName(), clip(n.Text))
	}
	return d
}

// ciiDate maps a CII date holder (e.g. ram:IssueDateTime) whose child is
// udt:DateTimeString / udt:DateString / qdt:DateTimeString with @format.
func (m *mapper) ciiDate(holder *Node) Date {
	if holder == nil {
		return Date{}
	}
	var n *Node
	for _, c := range holder.Children {
		if c.Local == "DateTimeString" || c.Local == "DateString" {
			n = c
			break
		}
	}
	if n == nil {
		// A holder without a string child: present but unusable.
		m.issue("invalid-date", holder, "%s has no DateTimeString", holder.QName())
		return Date{Present: true, Source: holder.Source()}
	}
	d := Date{Raw: n.Text, Present: true, Source: n.Source()}
	d.Format, _ = n.Attr("format")
	s := strings.TrimSpace(n.Text)
	switch {
	case (d.Format == "102" || d.Format == "") && len(s) == 8 && allDigits(s):
		v := s[:4] + "-" + s[4:6] + "-" + s[6:]
		if validISODate(v) {
			d.Value, d.Valid = v, true
		}
	case d.Format == "" && len(s) >= 10 && validISODate(s[:10]):
		d.Value, d.Valid = s[:10], true
	}
	if !d.Valid {
		m.issue("invalid-date", n, "%s: %q is not a date in format %q", n.QName(), clip(n.Text), d.Format)
	}
	return d
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validISODate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return false
	}
	y := atoi(s[:4])
	mo := atoi(s[5:7])
	d := atoi(s[8:])
	if mo < 1 || mo > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo-1]
	if mo == 2 && (y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		days = 29
	}
	return d <= days
}

func validZone(z string) bool {
	switch {
	case z == "", z == "Z":
		return true
	case len(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' && allDigits(z[1:3]) && allDigits(z[4:]):
		return true
	}
	return false
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// nodeFirst returns the first non-nil node.
func nodeFirst(ns ...*Node) *Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

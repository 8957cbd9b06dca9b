package d3

import (
	"encoding/json"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// funcs are available in every template of this package.
//
//	json    quotes a value as a JSON string (or marshals it as is)
//	jsonnum a decimal as a JSON number, null when empty or not a number
//	num     a decimal in d.3 form: no thousands separator, "." as point
//	date    a date as YYYY-MM-DD (accepts 2006-01-02, 20060102, 02.01.2006)
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"jsonnum": func(s string) string {
		if n := normNumber(s); n != "" {
			return n
		}
		return "null"
	},
	"num":  normNumber,
	"date": normDate,
}

// normNumber turns "1.234,50", "1234,5" or " 1234.50 " into "1234.50"-style
// plain decimals; it returns "" for anything that is not a number.
func normNumber(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return ""
	}
	if i, j := strings.LastIndex(s, ","), strings.LastIndex(s, "."); i >= 0 && i > j {
		// German form: "." groups thousands, "," is the decimal point.
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	} else if i >= 0 {
		s = strings.ReplaceAll(s, ",", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e15 || f < -1e15 {
		return ""
	}
	return s
}

// normDate returns YYYY-MM-DD, or "" when s is not a recognised date.
func normDate(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "20060102", "02.01.2006", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

// execute runs tpl over data into a string.
func execute(tpl *template.Template, data any) (string, error) {
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

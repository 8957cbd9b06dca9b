// Package pdfraw reads the object structure of a PDF file without loading the
// file into memory and writes incremental updates.
//
// It exists because signing, sealing and adding an OCR text layer must never
// rewrite the bytes of the original: a rewrite can drop objects the pages
// still reference and breaks every earlier signature. It also exists because a 200 MB scan must be signable with a
// few kilobytes of heap: objects are parsed on demand from an io.ReaderAt and
// stream data is only ever exposed as a section of the file. It understands
// classic cross-reference tables, cross-reference streams, hybrid files and
// object streams; it does not repair broken files and does not decrypt.
package pdfraw

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Object is one PDF object: nil (null), bool, int64, float64, Name, String,
// Array, Dict, Ref or *Stream.
type Object any

// Name is a PDF name without the leading slash, with #xx escapes decoded.
type Name string

// String is a PDF string (literal or hexadecimal) as raw bytes.
type String []byte

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Ref is an indirect reference.
type Ref struct {
	Num int
	Gen int
}

// String formats r as PDF syntax ("12 0 R").
func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a stream object. Its data is not loaded; Offset and Length locate
// the raw (still encoded) bytes in the file.
type Stream struct {
	Dict   Dict
	Offset int64
	Length int64
}

// Name returns d[key] if it is a name.
func (d Dict) Name(key Name) (Name, bool) {
	n, ok := d[key].(Name)
	return n, ok
}

// Int returns d[key] if it is an integer.
func (d Dict) Int(key Name) (int64, bool) {
	n, ok := d[key].(int64)
	return n, ok
}

// Ref returns d[key] if it is an indirect reference.
func (d Dict) Ref(key Name) (Ref, bool) {
	r, ok := d[key].(Ref)
	return r, ok
}

// Clone returns a shallow copy of d, so that a caller can add keys for an
// updated revision without touching the parsed original.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d)+2)
	for k, v := range d {
		c[k] = v
	}
	return c
}

// AppendObject appends the PDF syntax of o to buf. Dictionary keys are
// written in sorted order so that output is deterministic.
func AppendObject(buf []byte, o Object) []byte {
	switch v := o.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, v)
	case int:
		return strconv.AppendInt(buf, int64(v), 10)
	case int64:
		return strconv.AppendInt(buf, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(buf, '0')
		}
		return strconv.AppendFloat(buf, v, 'f', -1, 64)
	case Name:
		return appendName(buf, v)
	case String:
		return appendString(buf, v)
	case Ref:
		buf = strconv.AppendInt(buf, int64(v.Num), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(v.Gen), 10)
		return append(buf, " R"...)
	case Array:
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ' ')
			}
			buf = AppendObject(buf, e)
		}
		return append(buf, ']')
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		buf = append(buf, "<<"...)
		for _, k := range keys {
			buf = append(buf, ' ')
			buf = appendName(buf, Name(k))
			buf = append(buf, ' ')
			buf = AppendObject(buf, v[Name(k)])
		}
		return append(buf, " >>"...)
	case *Stream:
		// A stream cannot be inlined; writers must reference it.
		return append(buf, "null"...)
	default:
		return append(buf, "null"...)
	}
}

func appendName(buf []byte, n Name) []byte {
	buf = append(buf, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || c == '#' || isDelimiter(c) {
			buf = append(buf, '#', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		buf = append(buf, c)
	}
	return buf
}

const hexDigits = "0123456789ABCDEF"

func appendString(buf []byte, s []byte) []byte {
	buf = append(buf, '(')
	for _, c := range s {
		switch {
		case c == '(' || c == ')' || c == '\\':
			buf = append(buf, '\\', c)
		case c < ' ' || c > '~':
			buf = append(buf, '\\', '0'+(c>>6), '0'+((c>>3)&7), '0'+(c&7))
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, ')')
}

// HexString formats b as a PDF hexadecimal string.
func HexString(b []byte) []byte {
	out := make([]byte, 0, 2*len(b)+2)
	out = append(out, '<')
	for _, c := range b {
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(out, '>')
}

// TextString encodes s as a PDF text string: PDFDocEncoding-compatible ASCII
// stays readable, anything else becomes UTF-16BE with a byte order mark.
func TextString(s string) String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return String(s)
	}
	var b bytes.Buffer
	b.WriteString("\xfe\xff")
	for _, r := range s {
		if r > 0xffff {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			b.WriteByte(byte(hi >> 8))
			b.WriteByte(byte(hi))
			b.WriteByte(byte(lo >> 8))
			b.WriteByte(byte(lo))
			continue
		}
		b.WriteByte(byte(r >> 8))
		b.WriteByte(byte(r))
	}
	return String(b.Bytes())
}

// DecodeTextString is the inverse of [TextString] for the encodings this
// package writes and for plain PDFDocEncoding ASCII.
func DecodeTextString(s String) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		var rs []rune
		for i := 2; i+1 < len(s); i += 2 {
			u := rune(s[i])<<8 | rune(s[i+1])
			if u >= 0xd800 && u < 0xdc00 && i+3 < len(s) {
				l := rune(s[i+2])<<8 | rune(s[i+3])
				u = 0x10000 + (u-0xd800)<<10 + (l - 0xdc00)
				i += 2
			}
			rs = append(rs, u)
		}
		return string(rs)
	}
	return string(s)
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

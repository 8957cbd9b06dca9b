package pdfraw

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits that keep hostile files from exhausting memory or time.
const (
	maxDepth       = 64
	maxObjectBytes = 16 << 20 // bytes of syntax one object may span
	maxStringBytes = 8 << 20
	maxNameBytes   = 1024
)

// ErrMalformed reports PDF syntax this package cannot parse.
var ErrMalformed = errors.New("pdf: malformed file")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// source is a small buffered reader over an io.ReaderAt with an absolute,
// seekable position, so the parser can backtrack ("1 0 R" vs "1 0") without
// copying the file.
type source struct {
	r        io.ReaderAt
	size     int64
	pos      int64
	buf      []byte
	bufStart int64
	consumed int64 // bytes consumed since the last resetBudget
}

func newSource(r io.ReaderAt, size, pos int64) *source {
	return &source{r: r, size: size, pos: pos, buf: nil, bufStart: -1}
}

func (s *source) fill() bool {
	if s.pos >= s.size || s.pos < 0 {
		return false
	}
	n := int64(4096)
	if rem := s.size - s.pos; rem < n {
		n = rem
	}
	if cap(s.buf) < int(n) {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	m, err := s.r.ReadAt(s.buf, s.pos)
	if m <= 0 {
		_ = err
		s.buf = s.buf[:0]
		return false
	}
	s.buf = s.buf[:m]
	s.bufStart = s.pos
	return true
}

// peek returns the byte at the current position.
func (s *source) peek() (byte, bool) {
	if s.bufStart < 0 || s.pos < s.bufStart || s.pos >= s.bufStart+int64(len(s.buf)) {
		if !s.fill() {
			return 0, false
		}
	}
	return s.buf[s.pos-s.bufStart], true
}

func (s *source) next() (byte, bool) {
	c, ok := s.peek()
	if ok {
		s.pos++
		s.consumed++
	}
	return c, ok
}

func (s *source) skipWS() {
	for {
		c, ok := s.peek()
		if !ok {
			return
		}
		if c == '%' {
			for {
				c, ok = s.next()
				if !ok || c == '\n' || c == '\r' {
					break
				}
			}
			continue
		}
		if !isWhite(c) {
			return
		}
		s.next()
	}
}

// token reads a bare regular-character token (number or keyword).
func (s *source) token() string {
	var b []byte
	for len(b) < 256 {
		c, ok := s.peek()
		if !ok || isWhite(c) || isDelimiter(c) {
			break
		}
		b = append(b, c)
		s.next()
	}
	return string(b)
}

// parser parses objects; resolve is used for indirect /Length values.
type parser struct {
	src *source
}

func (p *parser) budget() error {
	if p.src.consumed > maxObjectBytes {
		return malformed("object larger than %d bytes", maxObjectBytes)
	}
	return nil
}

// object parses one direct object (references are returned as Ref).
func (p *parser) object(depth int) (Object, error) {
	if depth > maxDepth {
		return nil, malformed("nesting deeper than %d", maxDepth)
	}
	if err := p.budget(); err != nil {
		return nil, err
	}
	s := p.src
	s.skipWS()
	c, ok := s.peek()
	if !ok {
		return nil, malformed("unexpected end of file at offset %d", s.pos)
	}
	switch {
	case c == '/':
		s.next()
		return p.name()
	case c == '(':
		s.next()
		return p.literal()
	case c == '<':
		s.next()
		c2, ok := s.peek()
		if ok && c2 == '<' {
			s.next()
			return p.dict(depth)
		}
		return p.hex()
	case c == '[':
		s.next()
		var arr Array
		for {
			s.skipWS()
			c, ok := s.peek()
			if !ok {
				return nil, malformed("unterminated array")
			}
			if c == ']' {
				s.next()
				return arr, nil
			}
			o, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, o)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		start := s.pos
		tok := s.token()
		switch tok {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		if tok == "" {
			return nil, malformed("unexpected %q at offset %d", c, start)
		}
		return nil, malformed("unexpected keyword %q at offset %d", tok, start)
	}
}

func (p *parser) name() (Object, error) {
	s := p.src
	var b []byte
	for {
		c, ok := s.peek()
		if !ok || isWhite(c) || isDelimiter(c) {
			break
		}
		s.next()
		if c == '#' {
			h1, ok1 := s.next()
			h2, ok2 := s.next()
			v1, v2 := unhex(h1), unhex(h2)
			if !ok1 || !ok2 || v1 < 0 || v2 < 0 {
				return nil, malformed("bad #xx escape in name")
			}
			c = byte(v1<<4 | v2)
		}
		b = append(b, c)
		if len(b) > maxNameBytes {
			return nil, malformed("name longer than %d bytes", maxNameBytes)
		}
	}
	return Name(b), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (p *parser) literal() (Object, error) {
	s := p.src
	var b []byte
	depth := 1
	for {
		if len(b) > maxStringBytes {
			return nil, malformed("string longer than %d bytes", maxStringBytes)
		}
		c, ok := s.next()
		if !ok {
			return nil, malformed("unterminated string")
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String(b), nil
			}
		case '\\':
			e, ok := s.next()
			if !ok {
				return nil, malformed("unterminated string")
			}
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if n, ok := s.peek(); ok && n == '\n' {
					s.next()
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2; i++ {
						d, ok := s.peek()
						if !ok || d < '0' || d > '7' {
							break
						}
						s.next()
						v = v*8 + int(d-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		b = append(b, c)
	}
}

func (p *parser) hex() (Object, error) {
	s := p.src
	var b []byte
	hi := -1
	for {
		if len(b) > maxStringBytes {
			return nil, malformed("string longer than %d bytes", maxStringBytes)
		}
		c, ok := s.next()
		if !ok {
			return nil, malformed("unterminated hex string")
		}
		if c == '>' {
			if hi >= 0 {
				b = append(b, byte(hi<<4))
			}
			return String(b), nil
		}
		if isWhite(c) {
			continue
		}
		v := unhex(c)
		if v < 0 {
			return nil, malformed("bad character %q in hex string", c)
		}
		if hi < 0 {
			hi = v
		} else {
			b = append(b, byte(hi<<4|v))
			hi = -1
		}
	}
}

func (p *parser) dict(depth int) (Object, error) {
	s := p.src
	d := Dict{}
	for {
		s.skipWS()
		c, ok := s.peek()
		if !ok {
			return nil, malformed("unterminated dictionary")
		}
		if c == '>' {
			s.next()
			if c2, ok := s.next(); !ok || c2 != '>' {
				return nil, malformed("bad dictionary end at offset %d", s.pos)
			}
			return d, nil
		}
		if c != '/' {
			return nil, malformed("dictionary key is not a name at offset %d", s.pos)
		}
		s.next()
		k, err := p.name()
		if err != nil {
			return nil, err
		}
		v, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		d[k.(Name)] = v
	}
}

// number parses an integer, real or "n g R" reference.
func (p *parser) number() (Object, error) {
	s := p.src
	start := s.pos
	tok := s.token()
	if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
		if i < 0 || i > 1<<31 {
			return i, nil
		}
		after := s.pos
		s.skipWS()
		g := s.token()
		if gen, err := strconv.Atoi(g); err == nil && gen >= 0 && gen <= 65535 {
			s.skipWS()
			if c, ok := s.peek(); ok && c == 'R' {
				s.next()
				if c2, ok := s.peek(); !ok || isWhite(c2) || isDelimiter(c2) {
					return Ref{Num: int(i), Gen: gen}, nil
				}
			}
		}
		s.pos = after
		return i, nil
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		// PDF readers accept oddities like "--1" or "1.2.3"; we do not.
		return nil, malformed("bad number %q at offset %d", tok, start)
	}
	return f, nil
}

// indirect parses "num gen obj <object> [stream]" at the current position.
// For streams the data is located but not read; length resolves an indirect
// /Length.
func (p *parser) indirect(wantNum int, length func(Object) (int64, error)) (Object, error) {
	s := p.src
	s.skipWS()
	num, err1 := strconv.Atoi(s.token())
	s.skipWS()
	_, err2 := strconv.Atoi(s.token())
	s.skipWS()
	kw := s.token()
	if err1 != nil || err2 != nil || kw != "obj" {
		return nil, malformed("no object header at offset %d", s.pos)
	}
	if wantNum >= 0 && num != wantNum {
		return nil, malformed("object %d expected, found %d", wantNum, num)
	}
	o, err := p.object(0)
	if err != nil {
		return nil, err
	}
	d, ok := o.(Dict)
	if !ok {
		return o, nil
	}
	s.skipWS()
	save := s.pos
	if s.token() != "stream" {
		s.pos = save
		return d, nil
	}
	// The keyword is followed by CRLF or LF (some writers emit a lone CR).
	if c, ok := s.peek(); ok && c == '\r' {
		s.next()
	}
	if c, ok := s.peek(); ok && c == '\n' {
		s.next()
	}
	n, err := length(d["Length"])
	if err != nil {
		return nil, err
	}
	if n < 0 || s.pos+n > s.size {
		return nil, malformed("stream of object %d runs past the end of the file", num)
	}
	return &Stream{Dict: d, Offset: s.pos, Length: n}, nil
}

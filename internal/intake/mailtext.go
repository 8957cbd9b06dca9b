package intake

import (
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"os"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"
)

// Letter is what a saved mail says as a letter: its header lines and its
// text (the plain text part, or the HTML part as text).
type Letter struct {
	From, To, Subject string
	Date              time.Time
	Body              string
}

// maxLetterBytes bounds the text taken from a mail body; a letter is a few
// kilobytes, the rest of a huge body is cut with a note.
const maxLetterBytes = 1 << 20

// ReadLetter reads the header and the text body of a saved mail. A mail
// without any text part has an empty Body.
func ReadLetter(path string) (Letter, error) {
	f, err := os.Open(path)
	if err != nil {
		return Letter{}, err
	}
	defer f.Close()
	msg, err := readMail(f)
	if err != nil {
		return Letter{}, fmt.Errorf("%w: mail: %v", ErrIncomplete, err)
	}
	l := Letter{From: decodeWord(msg.Header.Get("From")), To: decodeWord(msg.Header.Get("To")), Subject: decodeWord(msg.Header.Get("Subject"))}
	if d, err := msg.Header.Date(); err == nil {
		l.Date = d
	}
	var plain, htmlText string
	findText(textproto.MIMEHeader(msg.Header), msg.Body, 0, &plain, &htmlText)
	switch {
	case plain != "":
		l.Body = plain
	case htmlText != "":
		l.Body = htmlToText(htmlText)
	}
	return l, nil
}

// findText collects the first text/plain and the first text/html part that
// are not attachments.
func findText(h textproto.MIMEHeader, body io.Reader, depth int, plain, htm *string) {
	if depth > maxMailDepth || (*plain != "" && *htm != "") {
		return
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ctype, params = "text/plain", nil
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return
	}
	switch {
	case strings.HasPrefix(ctype, "multipart/"):
		if params["boundary"] == "" {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			findText(p.Header, p, depth+1, plain, htm)
		}
	case ctype == "text/plain" && *plain == "":
		*plain = readText(decoded(h, body), params["charset"])
	case ctype == "text/html" && *htm == "":
		*htm = readText(decoded(h, body), params["charset"])
	}
}

// readText reads up to maxLetterBytes and converts them from charset to
// UTF-8 (unknown charsets are read as they are).
func readText(r io.Reader, charset string) string {
	if charset != "" && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "us-ascii") {
		if enc, err := htmlindex.Get(charset); err == nil {
			r = enc.NewDecoder().Reader(r)
		}
	}
	b, _ := io.ReadAll(io.LimitReader(r, maxLetterBytes+1))
	cut := len(b) > maxLetterBytes
	if cut {
		b = b[:maxLetterBytes]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if cut {
		s += "\n[… gekürzt]"
	}
	return s
}

var (
	htmlDropRE  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlBreakRE = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>`)
	htmlTagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRunRE  = regexp.MustCompile(`\n{3,}`)
)

// htmlToText keeps the words of an HTML mail and its paragraph breaks.
func htmlToText(s string) string {
	s = htmlDropRE.ReplaceAllString(s, "")
	s = htmlBreakRE.ReplaceAllString(s, "\n")
	s = htmlTagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, ln := range lines {
		lines[i] = strings.Join(strings.Fields(ln), " ")
	}
	return strings.TrimSpace(blankRunRE.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

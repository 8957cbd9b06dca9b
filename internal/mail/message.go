package mail

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Header is what a mail's origin records: account, from, subject,
// message_id, date (the keys of journal.Document.Origin).
type Header struct {
	From, Subject, MessageID string
	Date                     time.Time
}

// ErrNoHeader: the data does not start with a mail header.
var ErrNoHeader = errors.New("mail: no header")

// ReadHeader reads the header of the mail in r. Encoded words (RFC 2047)
// are decoded; an unknown charset keeps the raw text, invalid UTF-8 is
// replaced.
func ReadHeader(r io.Reader) (Header, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return Header{}, fmt.Errorf("%w: %v", ErrNoHeader, err)
	}
	h := Header{
		From:      decodeHeader(msg.Header.Get("From")),
		Subject:   decodeHeader(msg.Header.Get("Subject")),
		MessageID: strings.TrimSpace(msg.Header.Get("Message-Id")),
	}
	if d, err := msg.Header.Date(); err == nil {
		h.Date = d
	}
	return h, nil
}

// ReadHeaderFile is ReadHeader on a file.
func ReadHeaderFile(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	return ReadHeader(f)
}

func decodeHeader(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		d = s
	}
	d = strings.ToValidUTF8(d, "\uFFFD")
	if len(d) > 998 {
		// The longest line RFC 5322 allows; longer is garbage.
		for len(d) > 998 || !utf8.ValidString(d) {
			d = d[:len(d)-1]
		}
	}
	return strings.TrimSpace(d)
}

// Origin returns the journal's origin fields of a mail of account.
func (h Header) Origin(account string) map[string]string {
	o := map[string]string{"account": account, "from": h.From, "subject": h.Subject, "message_id": h.MessageID}
	if !h.Date.IsZero() {
		o["date"] = h.Date.UTC().Format(time.RFC3339)
	}
	return o
}

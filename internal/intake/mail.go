package intake

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/fsutil"
)

// ErrMailNothingUsable: a saved mail (.eml) has no part eingang can take
// as a document; it is not dropped silently but refused with this reason.
var ErrMailNothingUsable = errors.New("mail has no attachment of a supported type")

// looksLikeMail reports whether head starts an RFC 5322 message: a header
// block with a From field and one of the fields every delivered mail
// carries, or two of those, or From, To and Subject, or a multipart
// Content-Type. Plain text that happens to start with "Subject:" is not
// enough.
func looksLikeMail(head []byte) bool {
	head = skipEnvelope(head)
	if len(head) == 0 || head[0] == ' ' || head[0] == '\t' {
		return false
	}
	hdr, err := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n")))).ReadMIMEHeader()
	if err != nil && len(hdr) == 0 {
		return false
	}
	// Delivered mail starts with transport fields (Return-Path, Received,
	// DKIM-Signature …) that can push From past the first kilobyte: two
	// of those fields are as good as From and one of them.
	n := 0
	for _, k := range []string{"Date", "Message-Id", "Received", "Mime-Version", "Return-Path", "Delivered-To", "Dkim-Signature"} {
		if hdr.Get(k) != "" {
			n++
		}
	}
	// A header block that opens a multipart body with its boundary is a
	// MIME message (RFC 2046) and nothing else, also from a client that
	// leaves out Date or an automatic reply without From.
	if ct, params, err := mime.ParseMediaType(hdr.Get("Content-Type")); err == nil {
		switch {
		case strings.HasPrefix(ct, "multipart/") && params["boundary"] != "":
			return true
		case strings.HasPrefix(ct, "message/"):
			n++
		}
	}
	// From, To and Subject together are the fields a writer fills in: a
	// mail saved without what the servers add is still a mail.
	if hdr.Get("From") != "" && hdr.Get("To") != "" && hdr.Get("Subject") != "" {
		return true
	}
	return n >= 2 || n == 1 && hdr.Get("From") != ""
}

// envelopePrefix starts the envelope line mbox files (RFC 4155) and the
// "save as" of mail clients such as Thunderbird and mutt put before the
// header: "From sender date", no colon, not a header field.
var envelopePrefix = []byte("From ")

// skipEnvelope drops a leading envelope line.
func skipEnvelope(head []byte) []byte {
	if !bytes.HasPrefix(head, envelopePrefix) {
		return head
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		return head[i+1:]
	}
	return nil
}

// readMail parses a saved mail, with or without an envelope line.
func readMail(r io.Reader) (*mail.Message, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(envelopePrefix)); err == nil && bytes.Equal(b, envelopePrefix) {
		if _, err := br.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
	return mail.ReadMessage(br)
}

// maxMailDepth bounds attached mails inside attached mails.
const maxMailDepth = 5

// UnpackEML writes the attachments of the saved mail at src into dir, as
// UnpackZIP does for archives: every part whose content is a type eingang
// takes (detected by content, not by its name or declared type) — also
// inline parts and parts without Content-Disposition — and the parts of
// attached mails. Text and HTML bodies and other parts are left out; a
// mail with nothing usable is ErrMailNothingUsable.
func UnpackEML(src, sourceName, dir string, lim ArchiveLimits) ([]string, error) {
	lim = lim.withDefaults()
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	msg, err := readMail(f)
	if err != nil {
		return nil, fmt.Errorf("%w: mail: %v", ErrIncomplete, err)
	}
	u := &mailUnpacker{dir: dir, source: sourceName, lim: lim, used: map[string]bool{}}
	if err := u.part(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, err
	}
	if len(u.names) == 0 {
		return nil, ErrMailNothingUsable
	}
	return u.names, nil
}

type mailUnpacker struct {
	dir, source string
	lim         ArchiveLimits
	used        map[string]bool
	names       []string
	total       int64
	n           int
}

func (u *mailUnpacker) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > maxMailDepth {
		return fmt.Errorf("%w: mails attached %d levels deep", ErrArchiveNested, depth)
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ctype = "text/plain" // RFC 2045 default, also for garbage
	}
	switch {
	case strings.HasPrefix(ctype, "multipart/"):
		if params["boundary"] == "" {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				// A missing final boundary is common in real mail: keep
				// what came before it.
				return nil
			}
			if err := u.part(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	case ctype == "message/rfc822":
		msg, err := mail.ReadMessage(bufio.NewReader(decoded(h, body)))
		if err != nil {
			return nil
		}
		return u.part(textproto.MIMEHeader(msg.Header), msg.Body, depth+1)
	}
	return u.leaf(h, ctype, params, decoded(h, body))
}

// leaf keeps a part if its content is a supported type.
func (u *mailUnpacker) leaf(h textproto.MIMEHeader, ctype string, params map[string]string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(1024)
	if !supportedHead(head) {
		return nil
	}
	if ctype == "text/html" && looksLikeXML(head) {
		// An HTML body that starts with <div> looks like XML but is the
		// mail's text (RFC 2854), not an XML invoice.
		return nil
	}
	if u.n++; u.n > u.lim.MaxFiles {
		return fmt.Errorf("%w: more than %d attachments", ErrArchiveTooBig, u.lim.MaxFiles)
	}
	name := partName(h, params, u.n)
	name = memberName(u.source, name, u.used)
	dst := filepath.Join(u.dir, name)
	u.names = append(u.names, name)
	if _, err := os.Lstat(dst); err == nil {
		return nil // written by an earlier, interrupted run
	}
	out, err := fsutil.Create(dst, 0o640)
	if err != nil {
		return err
	}
	defer out.Abort()
	limit := min(u.lim.MaxFileBytes, u.lim.MaxTotal-u.total)
	n, err := io.Copy(out, io.LimitReader(br, limit+1))
	u.total += n
	switch {
	case err != nil:
		return fmt.Errorf("%w: attachment %s: %v", ErrIncomplete, name, err)
	case n > limit:
		return fmt.Errorf("%w: attachment %s is larger than %d bytes", ErrArchiveTooBig, name, limit)
	}
	if bytes.HasPrefix(head, ole2Magic) {
		// Only a Word document among the OLE2 files is taken: an Outlook
		// .msg forwarded as an attachment is left out like a .txt, rather
		// than failing as a document of its own.
		if _, err := checkOLE2(out.File, n); errors.Is(err, ErrUnsupported) {
			u.names = u.names[:len(u.names)-1]
			return nil
		}
	}
	return out.Commit()
}

// supportedHead: the signatures Detect accepts.
func supportedHead(head []byte) bool {
	switch {
	case bytes.Contains(head, []byte("%PDF-")),
		bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")),
		bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}),
		bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")),
		isBMP(head),
		len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP",
		len(head) >= 16 && string(head[4:8]) == "ftyp" && isHEIC(head),
		bytes.HasPrefix(head, []byte("PK\x03\x04")),
		bytes.HasPrefix(head, ole2Magic), bytes.HasPrefix(head, []byte("{\\rtf")),
		looksLikeXML(head) && !looksLikeMail(head):
		return true
	}
	return false
}

// decoded undoes the part's Content-Transfer-Encoding.
func decoded(h textproto.MIMEHeader, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		// Mail wraps base64 in lines; the decoder skips CR and LF.
		return base64.NewDecoder(base64.StdEncoding, &lenientBase64{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// lenientBase64 drops bytes outside the base64 alphabet (spaces, stray
// characters some mailers add), so that one bad byte does not end the
// attachment.
type lenientBase64 struct{ r io.Reader }

func (l *lenientBase64) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			p[j] = c
			j++
		}
	}
	if j == 0 && err == nil && n > 0 {
		return l.Read(p)
	}
	return j, err
}

// partName is the attachment's file name (RFC 2231/2047 decoded by the
// mime package), or a numbered name when it has none.
func partName(h textproto.MIMEHeader, ctypeParams map[string]string, n int) string {
	if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && p["filename"] != "" {
		return decodeWord(p["filename"])
	}
	if ctypeParams["name"] != "" {
		return decodeWord(ctypeParams["name"])
	}
	return fmt.Sprintf("anhang-%d", n)
}

func decodeWord(s string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

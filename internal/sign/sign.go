// Package sign seals PDF files with PAdES signatures and verifies them.
//
// Sign appends an incremental update (the original bytes stay untouched, so
// earlier signatures remain valid) with a signature field and a signature
// dictionary (/Filter /Adobe.PPKLite, /SubFilter /ETSI.CAdES.detached). The
// /Contents hold a detached CMS SignedData over the /ByteRange with the
// PAdES B-B signed attributes content-type, message-digest and
// signing-certificate-v2 (SHA-256); the claimed signing time is the /M entry,
// as PAdES forbids the CMS signing-time attribute. With a configured TSA the
// signature value gets a RFC 3161 signature-time-stamp as unsigned
// attribute (PAdES B-T).
//
// Memory does not grow with the file: the input is copied to the output
// once while it is hashed, and only the appended update (a few kilobytes) is
// held in memory.
//
// Verify checks every signature, that the newest one covers the whole file,
// and, when a Transfervermerk is embedded, that its page hashes match the
// pages (see package transfervermerk for the page-hash definition).
package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/pdfraw"
)

// Options control one signing operation. The zero value makes an invisible
// PAdES B-B signature.
type Options struct {
	// Reason, Location and ContactInfo go into the signature dictionary.
	Reason, Location, ContactInfo string
	// Time is the claimed signing time (/M); zero means now. Certificates
	// are checked against it.
	Time time.Time
	// TSAURL enables PAdES B-T: a RFC 3161 time-stamp over the signature.
	TSAURL string
	// HTTPClient talks to the TSA; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Stamp makes the signature visible; nil keeps it invisible.
	Stamp *Stamp
}

// Stamp is a visible signature appearance.
type Stamp struct {
	// Page is 1-based; 0 means the first page.
	Page int
	// Rect is llx, lly, urx, ury in PDF user space units (1/72 inch).
	Rect [4]float64
}

// Config is the sign section of the eingang configuration.
type Config struct {
	// PKCS12 is the key file (.p12/.pfx) with key and certificate chain.
	PKCS12 string `yaml:"pkcs12"`
	// PKCS11 selects a key on a token instead of PKCS12 (needs a build with
	// the "pkcs11" tag); the password is then the token PIN.
	PKCS11 PKCS11Config `yaml:"pkcs11"`
	// PasswordFile holds the PKCS#12 password or token PIN; empty means PasswordEnv.
	PasswordFile string `yaml:"password_file"`
	// PasswordEnv names the environment variable with the password
	// (default EINGANG_SIGN_PASSWORD).
	PasswordEnv string `yaml:"password_env"`
	// TSAURL enables RFC 3161 time-stamps (PAdES B-T).
	TSAURL string `yaml:"tsa_url"`
	// TSATimeout bounds one time-stamp request (default 30s).
	TSATimeout time.Duration `yaml:"tsa_timeout"`
	// Reason and Location are written into each signature.
	Reason   string `yaml:"reason"`
	Location string `yaml:"location"`
	// Visible adds a small stamp in the lower left corner of the first page.
	Visible bool `yaml:"visible"`
}

// DefaultPasswordEnv is the environment variable read when no password file
// is configured.
const DefaultPasswordEnv = "EINGANG_SIGN_PASSWORD"

// Defaults returns the configuration defaults: password from
// EINGANG_SIGN_PASSWORD, 30 s TSA timeout, reason "Ersetzendes Scannen
// (TR-RESISCAN)", invisible signature.
func Defaults() Config {
	return Config{
		PasswordEnv: DefaultPasswordEnv,
		TSATimeout:  30 * time.Second,
		Reason:      "Ersetzendes Scannen (TR-RESISCAN)",
	}
}

// Validate reports the first invalid key.
func (c Config) Validate() error {
	switch {
	case c.PKCS12 == "" && c.PKCS11.Module == "":
		return errors.New("pkcs12: required (or pkcs11.module)")
	case c.PKCS12 != "" && c.PKCS11.Module != "":
		return errors.New("pkcs12: set either pkcs12 or pkcs11, not both")
	case c.PKCS11.Module != "":
		if err := c.PKCS11.Validate(); err != nil {
			return fmt.Errorf("pkcs11.%w", err)
		}
	}
	if c.PasswordFile == "" && c.PasswordEnv == "" {
		return errors.New("password_file: required when password_env is empty")
	}
	if c.TSAURL != "" && !strings.HasPrefix(c.TSAURL, "https://") && !strings.HasPrefix(c.TSAURL, "http://") {
		return errors.New("tsa_url: must be an http or https URL")
	}
	if c.TSATimeout < 0 {
		return errors.New("tsa_timeout: must not be negative")
	}
	return nil
}

// Options converts the configuration into signing options.
func (c Config) Options() Options {
	o := Options{Reason: c.Reason, Location: c.Location, TSAURL: c.TSAURL}
	if c.TSATimeout > 0 {
		o.HTTPClient = &http.Client{Timeout: c.TSATimeout}
	}
	if c.Visible {
		o.Stamp = &Stamp{Page: 1, Rect: [4]float64{20, 20, 220, 70}}
	}
	return o
}

// Sign seals the PDF at inPath and writes the result to outPath (which may
// equal inPath). The output appears atomically; on error it is not created.
func Sign(ctx context.Context, inPath, outPath string, signer Signer, opts Options) error {
	in, err := os.Open(inPath)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	return SignReaderAt(ctx, in, st.Size(), outPath, signer, opts)
}

// SignReaderAt is [Sign] for a PDF held by an io.ReaderAt of the given size.
func SignReaderAt(ctx context.Context, in io.ReaderAt, size int64, outPath string, signer Signer, opts Options) error {
	when := nowOr(opts.Time)
	if err := CheckCertificate(signer.Certificate(), when); err != nil {
		return err
	}
	f, err := pdfraw.Open(in, size)
	if err != nil {
		if errors.Is(err, pdfraw.ErrEncrypted) {
			return fmt.Errorf("%w: %v", ErrEncrypted, err)
		}
		return fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	reserve := 4096
	for _, c := range append([]*x509.Certificate{signer.Certificate()}, signer.Chain()...) {
		reserve += len(c.Raw)
	}
	if opts.TSAURL != "" {
		reserve += 8192
	}
	for attempt := 0; attempt < 2; attempt++ {
		needed, err := signOnce(ctx, f, in, size, outPath, signer, opts, when, reserve)
		if err == nil {
			return nil
		}
		if needed == 0 {
			return err
		}
		reserve = needed + 1024
	}
	return fmt.Errorf("sign: signature does not fit its reserved space")
}

const byteRangePlaceholder = "[0 9999999999 9999999999 9999999999]"

// signOnce builds, writes and signs the update with contentsBytes reserved
// for the CMS. If the CMS turns out larger it returns the needed size.
func signOnce(ctx context.Context, f *pdfraw.File, in io.ReaderAt, size int64, outPath string, signer Signer, opts Options, when time.Time, contentsBytes int) (int, error) {
	upd, err := buildUpdate(f, signer, opts, when, contentsBytes)
	if err != nil {
		return 0, err
	}
	br := bytes.Index(upd, []byte(byteRangePlaceholder))
	ci := bytes.Index(upd[br:], []byte("/Contents <"))
	if br < 0 || ci < 0 {
		return 0, errors.New("sign: internal error: placeholders not found")
	}
	cs := br + ci + len("/Contents ")
	ce := cs + 2*contentsBytes + 2
	if upd[ce-1] != '>' {
		return 0, errors.New("sign: internal error: contents placeholder misplaced")
	}
	total := size + int64(len(upd))
	rng := fmt.Sprintf("[0 %d %d %d]", size+int64(cs), size+int64(ce), total-size-int64(ce))
	if len(rng) > len(byteRangePlaceholder) {
		return 0, errors.New("sign: file too large for the byte range placeholder")
	}
	copy(upd[br:], rng+strings.Repeat(" ", len(byteRangePlaceholder)-len(rng)))

	tmp, err := fsutil.Create(outPath, 0o600)
	if err != nil {
		return 0, fmt.Errorf("sign: %w", err)
	}
	defer tmp.Abort()
	h := sha256.New()
	if err := copyAndHash(tmp, h, &ctxReader{ctx: ctx, r: io.NewSectionReader(in, 0, size)}); err != nil {
		return 0, fmt.Errorf("sign: copy input: %w", err)
	}
	h.Write(upd[:cs])
	h.Write(upd[ce:])
	digest := h.Sum(nil)

	var tsFunc func([]byte) ([]byte, error)
	if opts.TSAURL != "" {
		client := opts.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		tsFunc = func(sig []byte) ([]byte, error) {
			return requestTimestamp(ctx, client, opts.TSAURL, sig)
		}
	}
	cms, err := buildCMS(signer, digest, tsFunc)
	if err != nil {
		return 0, err
	}
	if len(cms) > contentsBytes {
		return len(cms), fmt.Errorf("sign: signature of %d bytes exceeds the %d reserved", len(cms), contentsBytes)
	}
	hex.Encode(upd[cs+1:], cms)
	if _, err := tmp.Write(upd); err != nil {
		return 0, fmt.Errorf("sign: write output: %w", err)
	}
	if err := tmp.Commit(); err != nil {
		return 0, fmt.Errorf("sign: write output: %w", err)
	}
	return 0, nil
}

// copyAndHash copies src to dst and feeds it to h, hashing one chunk while
// the previous one is written so that the two cores overlap. Memory is
// bounded by three fixed buffers whatever the file size.
func copyAndHash(dst io.Writer, h hash.Hash, src io.Reader) error {
	const chunk = 256 << 10
	free := make(chan []byte, 3)
	for i := 0; i < 3; i++ {
		free <- make([]byte, chunk)
	}
	toWrite := make(chan []byte, 2)
	werrc := make(chan error, 1)
	go func() {
		var werr error
		for b := range toWrite {
			if werr == nil {
				_, werr = dst.Write(b)
			}
			free <- b[:cap(b)]
		}
		werrc <- werr
	}()
	var rerr error
	for {
		buf := <-free
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			h.Write(buf[:n])
			toWrite <- buf[:n]
		} else {
			free <- buf
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	close(toWrite)
	werr := <-werrc
	if rerr != nil {
		return rerr
	}
	return werr
}

// ctxReader stops a long copy when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read implements io.Reader.
func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// buildUpdate returns the incremental update with the signature dictionary
// whose /ByteRange and /Contents are still placeholders.
func buildUpdate(f *pdfraw.File, signer Signer, opts Options, when time.Time, contentsBytes int) ([]byte, error) {
	catRef, cat, err := f.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	pages, err := f.Pages()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: no pages", ErrInvalidPDF)
	}
	pageIdx := 0
	if opts.Stamp != nil && opts.Stamp.Page > 0 {
		if opts.Stamp.Page > len(pages) {
			return nil, fmt.Errorf("sign: stamp page %d of %d", opts.Stamp.Page, len(pages))
		}
		pageIdx = opts.Stamp.Page - 1
	}
	page := pages[pageIdx]

	u := f.NewUpdate()
	sigRef := u.Alloc()
	widgetRef := u.Alloc()

	// AcroForm: keep existing fields (earlier signatures) and add ours.
	var acro pdfraw.Dict
	acroRef, acroIsRef := cat.Ref("AcroForm")
	if acroIsRef {
		d, err := f.ResolveDict(acroRef)
		if err != nil {
			return nil, fmt.Errorf("%w: AcroForm: %v", ErrInvalidPDF, err)
		}
		acro = d
	} else if d, ok := cat["AcroForm"].(pdfraw.Dict); ok {
		acro = d
	}
	acro = acro.Clone()
	fieldsObj, err := f.Resolve(acro["Fields"])
	if err != nil {
		return nil, fmt.Errorf("%w: AcroForm fields: %v", ErrInvalidPDF, err)
	}
	oldFields, _ := fieldsObj.(pdfraw.Array)
	names := map[string]bool{}
	for _, fr := range oldFields {
		if d, err := f.ResolveDict(fr); err == nil {
			if t, ok := d["T"].(pdfraw.String); ok {
				names[pdfraw.DecodeTextString(t)] = true
			}
		}
	}
	fieldName := ""
	for i := 1; ; i++ {
		fieldName = fmt.Sprintf("Signatur%d", i)
		if !names[fieldName] {
			break
		}
	}
	acro["Fields"] = append(append(pdfraw.Array{}, oldFields...), widgetRef)
	acro["SigFlags"] = int64(3) // SignaturesExist | AppendOnly
	if acroIsRef {
		u.Put(acroRef, acro)
	} else {
		cat = cat.Clone()
		cat["AcroForm"] = acro
		u.Put(catRef, cat)
	}

	// Page: append the widget to its annotations.
	annotsObj, err := f.Resolve(page.Dict["Annots"])
	if err != nil {
		return nil, fmt.Errorf("%w: annotations: %v", ErrInvalidPDF, err)
	}
	oldAnnots, _ := annotsObj.(pdfraw.Array)
	pd := page.Dict.Clone()
	pd["Annots"] = append(append(pdfraw.Array{}, oldAnnots...), widgetRef)
	u.Put(page.Ref, pd)

	widget := pdfraw.Dict{
		"Type":    pdfraw.Name("Annot"),
		"Subtype": pdfraw.Name("Widget"),
		"FT":      pdfraw.Name("Sig"),
		"T":       pdfraw.TextString(fieldName),
		"V":       sigRef,
		"F":       int64(132), // Print | Locked
		"P":       page.Ref,
		"Rect":    pdfraw.Array{int64(0), int64(0), int64(0), int64(0)},
	}
	if opts.Stamp != nil {
		r := opts.Stamp.Rect
		if r[2] <= r[0] || r[3] <= r[1] {
			return nil, errors.New("sign: stamp rectangle is empty")
		}
		apRef := u.Alloc()
		w, hgt := r[2]-r[0], r[3]-r[1]
		widget["Rect"] = pdfraw.Array{r[0], r[1], r[2], r[3]}
		widget["AP"] = pdfraw.Dict{"N": apRef}
		u.PutStream(apRef, pdfraw.Dict{
			"Type":    pdfraw.Name("XObject"),
			"Subtype": pdfraw.Name("Form"),
			"BBox":    pdfraw.Array{int64(0), int64(0), w, hgt},
			"Resources": pdfraw.Dict{"Font": pdfraw.Dict{"F1": pdfraw.Dict{
				"Type": pdfraw.Name("Font"), "Subtype": pdfraw.Name("Type1"),
				"BaseFont": pdfraw.Name("Helvetica"), "Encoding": pdfraw.Name("WinAnsiEncoding"),
			}}},
		}, stampContent(w, hgt, signer.Certificate().Subject.CommonName, when))
	}
	u.Put(widgetRef, widget)

	sig := []byte("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ")
	sig = pdfraw.AppendObject(sig, pdfraw.String(pdfDate(when)))
	for _, kv := range []struct {
		k pdfraw.Name
		v string
	}{{"Reason", opts.Reason}, {"Location", opts.Location}, {"ContactInfo", opts.ContactInfo}, {"Name", signer.Certificate().Subject.CommonName}} {
		if kv.v != "" {
			sig = append(sig, ' ')
			sig = pdfraw.AppendObject(sig, kv.k)
			sig = append(sig, ' ')
			sig = pdfraw.AppendObject(sig, pdfraw.TextString(kv.v))
		}
	}
	sig = append(sig, " /ByteRange "+byteRangePlaceholder+" /Contents <"...)
	sig = append(sig, bytes.Repeat([]byte("0"), 2*contentsBytes)...)
	sig = append(sig, "> >>"...)
	u.PutRaw(sigRef, sig)
	return u.Bytes(), nil
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405") + "+00'00'"
}

// stampContent draws a framed two-line text; the font is a standard Type1
// font so nothing has to be embedded.
func stampContent(w, h float64, name string, when time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "q 0.96 0.96 0.96 rg 0 0 %.2f %.2f re f 0.2 G 0.8 w 0.4 0.4 %.2f %.2f re S Q\n", w, h, w-0.8, h-0.8)
	lines := []string{"Elektronisch gesiegelt", name, when.UTC().Format("2006-01-02 15:04:05") + " UTC"}
	fmt.Fprintf(&b, "BT /F1 8 Tf 0 g 5 %.2f Td 10 TL\n", h-2)
	for _, l := range lines {
		b.Write(pdfraw.AppendObject(nil, pdfraw.String(winAnsi(l))))
		b.WriteString(" '\n")
	}
	b.WriteString("ET\n")
	return b.Bytes()
}

// winAnsi maps Latin-1 runes to bytes (WinAnsiEncoding agrees there);
// anything else becomes '?'.
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x100 {
			out = append(out, byte(r))
		} else {
			out = append(out, '?')
		}
	}
	return out
}

// hashRanges hashes the given byte ranges of r with h without loading them.
func hashRanges(h hash.Hash, r io.ReaderAt, ranges [][2]int64) error {
	for _, rg := range ranges {
		if _, err := io.Copy(h, io.NewSectionReader(r, rg[0], rg[1])); err != nil {
			return err
		}
	}
	return nil
}

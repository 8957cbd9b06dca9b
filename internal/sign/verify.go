package sign

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/eingang/eingang/internal/transfervermerk"
)

// maxSignatures bounds the work Verify does on hostile files.
const maxSignatures = 256

// SignatureInfo is the verification result of one signature.
type SignatureInfo struct {
	// Field is the signature field name.
	Field     string
	SubFilter string
	// Signer is the subject of the signing certificate.
	Signer      string
	Certificate *x509.Certificate
	// SigningTime is the claimed time (/M, or the CMS signing-time).
	SigningTime time.Time
	// Timestamp is the verified RFC 3161 signature time-stamp, if any.
	Timestamp *TimestampInfo
	ByteRange [4]int64
	// CoversWholeFile is true when the signature covers every byte of the
	// file, i.e. nothing was appended after it.
	CoversWholeFile bool
	// Err is nil for a valid signature.
	Err error
}

// Level names the PAdES baseline level the signature reaches.
func (s *SignatureInfo) Level() string {
	switch {
	case s.SubFilter != "ETSI.CAdES.detached":
		return "PKCS#7 (" + s.SubFilter + ")"
	case s.Timestamp != nil:
		return "PAdES B-T"
	}
	return "PAdES B-B"
}

// VerifyResult describes all signatures of a document.
type VerifyResult struct {
	// Signatures in file order (oldest first).
	Signatures []SignatureInfo
	// Unmodified is true when the newest signature covers the whole file.
	Unmodified bool
	// Transfervermerk is the embedded record, nil if there is none.
	Transfervermerk *transfervermerk.Record
	// TransfervermerkErr is set when the record is unreadable or its page
	// hashes do not match the pages.
	TransfervermerkErr error
}

// Verify checks every signature of the PDF at path. The error is nil only
// if there is at least one signature, all are valid, the newest covers the
// whole file and an embedded Transfervermerk (if any) matches the pages.
// The trust chain of the signer certificate is not evaluated (no trust
// list is configured); the result names the signer and issuer instead.
func Verify(path string) (*VerifyResult, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	res, err := VerifyReaderAt(fh, st.Size())
	if err != nil {
		return res, err
	}
	return res, nil
}

// VerifyReaderAt is [Verify] for a PDF in r.
func VerifyReaderAt(r io.ReaderAt, size int64) (*VerifyResult, error) {
	f, err := pdfraw.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	fields, err := signatureFields(f)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{}
	rec, tvErr := transfervermerk.ReadReaderAt(r, size)
	switch {
	case errors.Is(tvErr, transfervermerk.ErrNotFound):
	case tvErr != nil:
		res.TransfervermerkErr = tvErr
	default:
		res.Transfervermerk = rec
		hashes, err := transfervermerk.PageHashesReaderAt(r, size)
		if err != nil {
			res.TransfervermerkErr = err
		} else if len(hashes) != len(rec.Pages) {
			res.TransfervermerkErr = fmt.Errorf("%w: %d pages in the PDF, %d in the record", ErrTransfervermerkMismatch, len(hashes), len(rec.Pages))
		} else {
			for i, h := range hashes {
				if rec.Pages[i].SHA256 != h {
					res.TransfervermerkErr = fmt.Errorf("%w: page %d", ErrTransfervermerkMismatch, i+1)
					break
				}
			}
		}
	}
	if len(fields) == 0 {
		return res, ErrNoSignature
	}
	for _, fd := range fields {
		res.Signatures = append(res.Signatures, verifyOne(r, size, fd))
	}
	sort.SliceStable(res.Signatures, func(i, j int) bool {
		a, b := res.Signatures[i].ByteRange, res.Signatures[j].ByteRange
		return a[2]+a[3] < b[2]+b[3]
	})
	last := res.Signatures[len(res.Signatures)-1]
	res.Unmodified = last.Err == nil && last.CoversWholeFile
	var errs []error
	for _, s := range res.Signatures {
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("signature %q: %w", s.Field, s.Err))
		}
	}
	if !res.Unmodified && last.Err == nil {
		errs = append(errs, fmt.Errorf("%w: %d bytes were appended after the last signature", ErrDocumentModified, size-last.ByteRange[2]-last.ByteRange[3]))
	}
	if res.TransfervermerkErr != nil {
		errs = append(errs, res.TransfervermerkErr)
	}
	return res, errors.Join(errs...)
}

type sigField struct {
	name string
	sig  pdfraw.Dict
}

// signatureFields walks the AcroForm field tree for signed /FT /Sig fields.
func signatureFields(f *pdfraw.File) ([]sigField, error) {
	_, cat, err := f.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	acro, err := f.ResolveDict(cat["AcroForm"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	fieldsObj, err := f.Resolve(acro["Fields"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	var out []sigField
	seen := map[pdfraw.Ref]bool{}
	var walk func(o pdfraw.Object, prefix string, inheritedFT pdfraw.Name, depth int) error
	walk = func(o pdfraw.Object, prefix string, inheritedFT pdfraw.Name, depth int) error {
		if depth > 32 || len(out) > maxSignatures {
			return fmt.Errorf("%w: form field tree too deep or too large", ErrInvalidPDF)
		}
		if r, ok := o.(pdfraw.Ref); ok {
			if seen[r] {
				return nil
			}
			seen[r] = true
		}
		d, err := f.ResolveDict(o)
		if err != nil || d == nil {
			return err
		}
		name := prefix
		if t, ok := d["T"].(pdfraw.String); ok {
			if name != "" {
				name += "."
			}
			name += pdfraw.DecodeTextString(t)
		}
		ft := inheritedFT
		if n, ok := d.Name("FT"); ok {
			ft = n
		}
		kidsObj, err := f.Resolve(d["Kids"])
		if err != nil {
			return err
		}
		if kids, ok := kidsObj.(pdfraw.Array); ok {
			for _, k := range kids {
				if err := walk(k, name, ft, depth+1); err != nil {
					return err
				}
			}
		}
		if ft != "Sig" || d["V"] == nil {
			return nil
		}
		v, err := f.ResolveDict(d["V"])
		if err != nil {
			return err
		}
		if v != nil {
			out = append(out, sigField{name: name, sig: v})
		}
		return nil
	}
	if arr, ok := fieldsObj.(pdfraw.Array); ok {
		for _, fo := range arr {
			if err := walk(fo, "", "", 0); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
			}
		}
	}
	return out, nil
}

func verifyOne(r io.ReaderAt, size int64, fd sigField) SignatureInfo {
	info := SignatureInfo{Field: fd.name}
	sub, _ := fd.sig.Name("SubFilter")
	info.SubFilter = string(sub)
	if m, ok := fd.sig["M"].(pdfraw.String); ok {
		info.SigningTime, _ = parsePDFDate(string(m))
	}
	br, ok := fd.sig["ByteRange"].(pdfraw.Array)
	if !ok || len(br) != 4 {
		info.Err = fmt.Errorf("%w: missing or malformed /ByteRange", ErrInvalidSignature)
		return info
	}
	for i, x := range br {
		n, ok := x.(int64)
		if !ok || n < 0 {
			info.Err = fmt.Errorf("%w: malformed /ByteRange", ErrInvalidSignature)
			return info
		}
		info.ByteRange[i] = n
	}
	a, b, c, d := info.ByteRange[0], info.ByteRange[1], info.ByteRange[2], info.ByteRange[3]
	contents, _ := fd.sig["Contents"].(pdfraw.String)
	if a != 0 || b <= 0 || c <= b || c+d > size || c-b != int64(2*len(contents)+2) {
		info.Err = fmt.Errorf("%w: /ByteRange does not exclude exactly the /Contents", ErrInvalidSignature)
		return info
	}
	edge := make([]byte, 1)
	if _, err := r.ReadAt(edge, b); err != nil || edge[0] != '<' {
		info.Err = fmt.Errorf("%w: /ByteRange gap does not start at /Contents", ErrInvalidSignature)
		return info
	}
	if _, err := r.ReadAt(edge, c-1); err != nil || edge[0] != '>' {
		info.Err = fmt.Errorf("%w: /ByteRange gap does not end at /Contents", ErrInvalidSignature)
		return info
	}
	info.CoversWholeFile = c+d == size
	switch sub {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
	default:
		info.Err = fmt.Errorf("%w: /SubFilter /%s not supported", ErrInvalidSignature, sub)
		return info
	}
	p, err := parseCMS(contents)
	if err != nil {
		info.Err = err
		return info
	}
	info.Certificate = p.signer
	info.Signer = p.signer.Subject.String()
	if info.SigningTime.IsZero() {
		if t, ok := p.signingTimeAttr(); ok {
			info.SigningTime = t
		}
	}
	dh, err := hashFor(p.si.DigestAlgorithm.Algorithm)
	if err != nil || !dh.Available() {
		info.Err = fmt.Errorf("%w: digest algorithm %v", ErrInvalidSignature, p.si.DigestAlgorithm.Algorithm)
		return info
	}
	h := dh.New()
	if err := hashRanges(h, r, [][2]int64{{a, b}, {c, d}}); err != nil {
		info.Err = fmt.Errorf("verify: read signed bytes: %w", err)
		return info
	}
	if err := p.verifySignerInfo(h.Sum(nil)); err != nil {
		info.Err = err
		return info
	}
	if _, err := p.checkSigningCertificateV2(); err != nil {
		info.Err = err
		return info
	}
	if tok, ok := p.unsigned[oidTimeStampToken.String()]; ok {
		vt, err := verifyTimestampToken(tok, p.si.Signature)
		if err != nil {
			info.Err = fmt.Errorf("%w: time-stamp: %v", ErrInvalidSignature, err)
			return info
		}
		info.Timestamp = &vt.TimestampInfo
	}
	// The certificate must have been valid when the signature was made: at
	// the time-stamp if there is one, else at the claimed time.
	at := info.SigningTime
	if info.Timestamp != nil {
		at = info.Timestamp.Time
	}
	if !at.IsZero() && (at.Before(p.signer.NotBefore) || at.After(p.signer.NotAfter)) {
		info.Err = fmt.Errorf("%w: signer certificate was not valid at signing time %s", ErrInvalidSignature, at.UTC().Format(time.RFC3339))
	}
	return info
}

// parsePDFDate parses "D:YYYYMMDDHHmmSSOHH'mm'" with optional trailing parts.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	for _, layout := range []string{"20060102150405-0700", "20060102150405Z0700", "20060102150405Z", "20060102150405", "200601021504", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad PDF date %q", s)
}

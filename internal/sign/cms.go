package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

var (
	oidData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidTSTInfo          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA1             = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAEncryption    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidECPublicKey      = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	asn1NullParams      = asn1.RawValue{Tag: asn1.TagNull}
	errNoSignerCert     = errors.New("signer certificate not found in the CMS")
	errUnsupportedAlgID = errors.New("unsupported algorithm")
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

// tlv encodes a DER element with the given (single byte) tag.
func tlv(tag byte, content []byte) []byte {
	out := []byte{tag}
	n := len(content)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, content...)
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		// Only fixed, well-typed values reach here; failing is a programming error.
		panic(fmt.Sprintf("sign: asn1 marshal: %v", err))
	}
	return b
}

func encodeAttribute(oid asn1.ObjectIdentifier, valueDER []byte) []byte {
	return mustMarshal(attribute{Type: oid, Values: asn1.RawValue{FullBytes: tlv(0x31, valueDER)}})
}

// derSet sorts the encoded elements as DER requires for SET OF.
func derSet(tag byte, elems [][]byte) []byte {
	sorted := append([][]byte(nil), elems...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	return tlv(tag, bytes.Join(sorted, nil))
}

// signingCertificateV2 builds the ESS attribute value (RFC 5035) that binds
// the signer certificate into the signature, as PAdES requires.
func signingCertificateV2(cert *x509.Certificate) []byte {
	h := sha256.Sum256(cert.Raw)
	// issuerSerial: GeneralNames { directoryName [4] EXPLICIT Name }
	generalNames := tlv(0x30, tlv(0xa4, cert.RawIssuer))
	issuerSerial := tlv(0x30, append(generalNames, mustMarshal(cert.SerialNumber)...))
	// hashAlgorithm is omitted: its DEFAULT is SHA-256.
	certID := tlv(0x30, append(tlv(0x04, h[:]), issuerSerial...))
	return tlv(0x30, tlv(0x30, certID))
}

func sidOf(cert *x509.Certificate) []byte {
	return tlv(0x30, append(append([]byte{}, cert.RawIssuer...), mustMarshal(cert.SerialNumber)...))
}

func algID(oid asn1.ObjectIdentifier, nullParams bool) pkix.AlgorithmIdentifier {
	a := pkix.AlgorithmIdentifier{Algorithm: oid}
	if nullParams {
		a.Parameters = asn1NullParams
	}
	return a
}

// signedAttributes returns the DER SET of the PAdES B-B signed attributes.
// signing-time is deliberately absent: PAdES puts the claimed time in /M.
func signedAttributes(digest []byte, cert *x509.Certificate) []byte {
	return derSet(0x31, [][]byte{
		encodeAttribute(oidContentType, mustMarshal(oidData)),
		encodeAttribute(oidMessageDigest, tlv(0x04, digest)),
		encodeAttribute(oidSigningCertV2, signingCertificateV2(cert)),
	})
}

// buildCMS creates a detached CMS SignedData over a document whose SHA-256
// is digest. tsToken, if not nil, is called with the signature value and
// returns a RFC 3161 TimeStampToken to embed as an unsigned attribute.
func buildCMS(signer Signer, digest []byte, tsToken func(signature []byte) ([]byte, error)) ([]byte, error) {
	cert := signer.Certificate()
	attrs := signedAttributes(digest, cert)
	h := sha256.Sum256(attrs)
	sig, err := signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: private key operation: %w", err)
	}
	var sigAlg pkix.AlgorithmIdentifier
	switch signer.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = algID(oidRSAEncryption, true)
	case *ecdsa.PublicKey:
		sigAlg = algID(oidECDSAWithSHA256, false)
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, signer.Public())
	}
	si := signerInfo{
		Version:            1,
		SID:                asn1.RawValue{FullBytes: sidOf(cert)},
		DigestAlgorithm:    algID(oidSHA256, true),
		SignedAttrs:        asn1.RawValue{FullBytes: append([]byte{0xa0}, attrs[1:]...)},
		SignatureAlgorithm: sigAlg,
		Signature:          sig,
	}
	if tsToken != nil {
		tok, err := tsToken(sig)
		if err != nil {
			return nil, err
		}
		si.UnsignedAttrs = asn1.RawValue{FullBytes: tlv(0xa1, encodeAttribute(oidTimeStampToken, tok))}
	}
	var certs []byte
	certs = append(certs, cert.Raw...)
	for _, c := range signer.Chain() {
		certs = append(certs, c.Raw...)
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: asn1.RawValue{FullBytes: tlv(0x31, mustMarshal(algID(oidSHA256, true)))},
		EncapContentInfo: encapContentInfo{EContentType: oidData},
		Certificates:     asn1.RawValue{FullBytes: tlv(0xa0, certs)},
		SignerInfos:      []signerInfo{si},
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("sign: encode SignedData: %w", err)
	}
	return asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

// parsedCMS is a decoded SignedData with one signer.
type parsedCMS struct {
	sd       signedData
	si       signerInfo
	certs    []*x509.Certificate
	signer   *x509.Certificate
	attrs    map[string][]byte // OID string -> first value (DER)
	unsigned map[string][]byte
	eContent []byte
}

func parseCMS(der []byte) (*parsedCMS, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: CMS: %v", ErrInvalidSignature, err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: CMS is not SignedData", ErrInvalidSignature)
	}
	var p parsedCMS
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &p.sd); err != nil {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrInvalidSignature, err)
	}
	if len(p.sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signer infos (exactly one expected)", ErrInvalidSignature, len(p.sd.SignerInfos))
	}
	p.si = p.sd.SignerInfos[0]
	if len(p.sd.EncapContentInfo.EContent.Bytes) > 0 {
		var oct []byte
		if _, err := asn1.Unmarshal(p.sd.EncapContentInfo.EContent.Bytes, &oct); err != nil {
			return nil, fmt.Errorf("%w: eContent: %v", ErrInvalidSignature, err)
		}
		p.eContent = oct
	}
	if len(p.sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(p.sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrInvalidSignature, err)
		}
		p.certs = certs
	}
	var sid issuerAndSerial
	if _, err := asn1.Unmarshal(p.si.SID.FullBytes, &sid); err != nil {
		return nil, fmt.Errorf("%w: only issuerAndSerialNumber signer identifiers are supported", ErrInvalidSignature)
	}
	for _, c := range p.certs {
		if c.SerialNumber.Cmp(sid.Serial) == 0 && bytes.Equal(c.RawIssuer, sid.Issuer.FullBytes) {
			p.signer = c
			break
		}
	}
	if p.signer == nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, errNoSignerCert)
	}
	var err error
	if p.attrs, err = parseAttributes(p.si.SignedAttrs.Bytes); err != nil {
		return nil, err
	}
	if p.unsigned, err = parseAttributes(p.si.UnsignedAttrs.Bytes); err != nil {
		return nil, err
	}
	return &p, nil
}

func parseAttributes(b []byte) (map[string][]byte, error) {
	m := map[string][]byte{}
	for len(b) > 0 {
		var a attribute
		rest, err := asn1.Unmarshal(b, &a)
		if err != nil {
			return nil, fmt.Errorf("%w: attribute: %v", ErrInvalidSignature, err)
		}
		b = rest
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil {
			return nil, fmt.Errorf("%w: attribute %v has no value", ErrInvalidSignature, a.Type)
		}
		m[a.Type.String()] = v.FullBytes
	}
	return m, nil
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	case oid.Equal(oidSHA1):
		return crypto.SHA1, nil
	}
	return 0, fmt.Errorf("%w: digest %v", errUnsupportedAlgID, oid)
}

func x509Algorithm(digest crypto.Hash, sigAlg asn1.ObjectIdentifier, pub any) (x509.SignatureAlgorithm, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if sigAlg.Equal(oidRSAEncryption) || sigAlg.Equal(oidSHA256WithRSA) || sigAlg.Equal(oidSHA384WithRSA) || sigAlg.Equal(oidSHA512WithRSA) {
			switch digest {
			case crypto.SHA256:
				return x509.SHA256WithRSA, nil
			case crypto.SHA384:
				return x509.SHA384WithRSA, nil
			case crypto.SHA512:
				return x509.SHA512WithRSA, nil
			case crypto.SHA1:
				return x509.SHA1WithRSA, nil
			}
		}
	case *ecdsa.PublicKey:
		if sigAlg.Equal(oidECPublicKey) || sigAlg.Equal(oidECDSAWithSHA256) || sigAlg.Equal(oidECDSAWithSHA384) || sigAlg.Equal(oidECDSAWithSHA512) {
			switch digest {
			case crypto.SHA256:
				return x509.ECDSAWithSHA256, nil
			case crypto.SHA384:
				return x509.ECDSAWithSHA384, nil
			case crypto.SHA512:
				return x509.ECDSAWithSHA512, nil
			case crypto.SHA1:
				return x509.ECDSAWithSHA1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: signature %v with %T", errUnsupportedAlgID, sigAlg, pub)
}

// verifySignerInfo checks the message-digest attribute against contentDigest
// (computed by the caller with the signer's digest algorithm) and the
// signature over the signed attributes.
func (p *parsedCMS) verifySignerInfo(contentDigest []byte) error {
	if len(p.si.SignedAttrs.Bytes) == 0 {
		return fmt.Errorf("%w: no signed attributes", ErrInvalidSignature)
	}
	md, ok := p.attrs[oidMessageDigest.String()]
	if !ok {
		return fmt.Errorf("%w: no message-digest attribute", ErrInvalidSignature)
	}
	var mdv []byte
	if _, err := asn1.Unmarshal(md, &mdv); err != nil || !bytes.Equal(mdv, contentDigest) {
		return fmt.Errorf("%w: message digest does not match the signed bytes", ErrDocumentModified)
	}
	h, err := hashFor(p.si.DigestAlgorithm.Algorithm)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	alg, err := x509Algorithm(h, p.si.SignatureAlgorithm.Algorithm, p.signer.PublicKey)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	// The signature covers the attributes with their universal SET tag,
	// not the [0] IMPLICIT tag they carry inside SignerInfo.
	signed := append([]byte{0x31}, p.si.SignedAttrs.FullBytes[1:]...)
	if err := p.signer.CheckSignature(alg, signed, p.si.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return nil
}

// checkSigningCertificateV2 verifies the ESS binding if the attribute is
// present and reports whether it was.
func (p *parsedCMS) checkSigningCertificateV2() (bool, error) {
	v, ok := p.attrs[oidSigningCertV2.String()]
	if !ok {
		return false, nil
	}
	var sc struct {
		Certs []struct {
			Raw asn1.RawContent
		}
	}
	if _, err := asn1.Unmarshal(v, &sc); err != nil || len(sc.Certs) == 0 {
		return true, fmt.Errorf("%w: signing-certificate-v2 attribute malformed", ErrInvalidSignature)
	}
	// ESSCertIDv2: [hashAlgorithm] certHash [issuerSerial]
	inner := sc.Certs[0].Raw
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(inner, &seq); err != nil {
		return true, fmt.Errorf("%w: signing-certificate-v2 attribute malformed", ErrInvalidSignature)
	}
	rest := seq.Bytes
	hash := crypto.SHA256
	var first asn1.RawValue
	rest2, err := asn1.Unmarshal(rest, &first)
	if err != nil {
		return true, fmt.Errorf("%w: signing-certificate-v2 attribute malformed", ErrInvalidSignature)
	}
	certHash := first.Bytes
	if first.Tag == asn1.TagSequence {
		var alg pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(first.FullBytes, &alg); err != nil {
			return true, fmt.Errorf("%w: signing-certificate-v2 attribute malformed", ErrInvalidSignature)
		}
		if hash, err = hashFor(alg.Algorithm); err != nil {
			return true, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
		}
		var oct asn1.RawValue
		if _, err := asn1.Unmarshal(rest2, &oct); err != nil {
			return true, fmt.Errorf("%w: signing-certificate-v2 attribute malformed", ErrInvalidSignature)
		}
		certHash = oct.Bytes
	}
	hh := hash.New()
	hh.Write(p.signer.Raw)
	if !bytes.Equal(hh.Sum(nil), certHash) {
		return true, fmt.Errorf("%w: signing-certificate-v2 does not match the signer certificate", ErrInvalidSignature)
	}
	return true, nil
}

// signingTimeAttr returns the CMS signing-time attribute if a (non-PAdES)
// signer added one.
func (p *parsedCMS) signingTimeAttr() (time.Time, bool) {
	v, ok := p.attrs[oidSigningTime.String()]
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	if _, err := asn1.Unmarshal(v, &t); err != nil {
		return time.Time{}, false
	}
	return t, true
}

package sign

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"
)

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional"`
}

type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status pkiStatusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time `asn1:"generalized"`
	Accuracy       accuracy  `asn1:"optional"`
	Ordering       bool      `asn1:"optional"`
	Nonce          *big.Int  `asn1:"optional"`
}

const maxTSAResponse = 1 << 20

// requestTimestamp asks the TSA at url for a RFC 3161 token over the SHA-256
// of signature and returns the verified TimeStampToken (a ContentInfo).
func requestTimestamp(ctx context.Context, client *http.Client, url string, signature []byte) ([]byte, error) {
	h := sha256.Sum256(signature)
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, fmt.Errorf("%w: nonce: %v", ErrTimestamp, err)
	}
	req, err := asn1.Marshal(timeStampReq{
		Version:        1,
		MessageImprint: messageImprint{HashAlgorithm: algID(oidSHA256, true), HashedMessage: h[:]},
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: encode request: %v", ErrTimestamp, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read response: %v", ErrTimestamp, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: TSA answered HTTP %d", ErrTimestamp, resp.StatusCode)
	}
	if len(body) > maxTSAResponse {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrTimestamp, maxTSAResponse)
	}
	var tsr timeStampResp
	if _, err := asn1.Unmarshal(body, &tsr); err != nil {
		return nil, fmt.Errorf("%w: malformed response: %v", ErrTimestamp, err)
	}
	// 0 = granted, 1 = grantedWithMods; everything else is a rejection.
	if tsr.Status.Status > 1 || len(tsr.Token.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: TSA refused the request (status %d)", ErrTimestamp, tsr.Status.Status)
	}
	info, err := verifyTimestampToken(tsr.Token.FullBytes, signature)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("%w: nonce in the token does not match the request", ErrTimestamp)
	}
	return tsr.Token.FullBytes, nil
}

func hasTimeStampingEKU(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping {
			return true
		}
	}
	return false
}

// TimestampInfo describes a verified signature time-stamp.
type TimestampInfo struct {
	Time   time.Time
	TSA    string // subject of the TSA certificate
	Serial string
}

type verifiedToken struct {
	TimestampInfo
	Nonce *big.Int
}

// verifyTimestampToken checks that token is a correctly signed RFC 3161
// token over the SHA-256 (or the token's hash) of signature.
func verifyTimestampToken(token, signature []byte) (*verifiedToken, error) {
	p, err := parseCMS(token)
	if err != nil {
		return nil, fmt.Errorf("time-stamp token: %w", err)
	}
	if !p.sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) || len(p.eContent) == 0 {
		return nil, fmt.Errorf("%w: time-stamp token does not contain TSTInfo", ErrInvalidSignature)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(p.eContent, &info); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrInvalidSignature, err)
	}
	ih, err := hashFor(info.MessageImprint.HashAlgorithm.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%w: time-stamp imprint: %v", ErrInvalidSignature, err)
	}
	hh := ih.New()
	hh.Write(signature)
	if !bytes.Equal(hh.Sum(nil), info.MessageImprint.HashedMessage) {
		return nil, fmt.Errorf("%w: time-stamp is not over this signature", ErrInvalidSignature)
	}
	dh, err := hashFor(p.si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%w: time-stamp digest: %v", ErrInvalidSignature, err)
	}
	ch := dh.New()
	ch.Write(p.eContent)
	if err := p.verifySignerInfo(ch.Sum(nil)); err != nil {
		return nil, fmt.Errorf("time-stamp token: %w", err)
	}
	if !hasTimeStampingEKU(p.signer) {
		return nil, fmt.Errorf("%w: time-stamp certificate lacks the timeStamping extended key usage", ErrInvalidSignature)
	}
	return &verifiedToken{
		TimestampInfo: TimestampInfo{Time: info.GenTime, TSA: p.signer.Subject.String(), Serial: info.SerialNumber.String()},
		Nonce:         info.Nonce,
	}, nil
}

//go:build pkcs11 && cgo

package sign

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/ThalesGroup/crypto11"
)

// pkcs11Signer keeps the token session open; the private key never leaves
// the token.
type pkcs11Signer struct {
	ctx   *crypto11.Context
	key   crypto11.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// OpenPKCS11 logs into the token and finds the key pair and certificate
// labelled cfg.KeyLabel. The returned Signer also implements io.Closer;
// close it when the service stops.
func OpenPKCS11(cfg PKCS11Config, pin []byte) (Signer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sign: pkcs11: %w", err)
	}
	chain, err := readChain(cfg.ChainFile)
	if err != nil {
		return nil, err
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: string(pin)})
	if err != nil {
		return nil, fmt.Errorf("%w: pkcs11 login: %v", ErrBadKey, err)
	}
	key, err := ctx.FindKeyPair(nil, []byte(cfg.KeyLabel))
	if err == nil && key == nil {
		err = fmt.Errorf("no key pair labelled %q", cfg.KeyLabel)
	}
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("%w: pkcs11: %v", ErrBadKey, err)
	}
	cert, err := ctx.FindCertificate(nil, []byte(cfg.KeyLabel), nil)
	if err == nil && cert == nil {
		err = fmt.Errorf("no certificate labelled %q", cfg.KeyLabel)
	}
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("%w: pkcs11: %v", ErrBadKey, err)
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		ctx.Close()
		return nil, fmt.Errorf("%w: certificate does not belong to the token key", ErrBadKey)
	}
	return &pkcs11Signer{ctx: ctx, key: key, cert: cert, chain: chain}, nil
}

// Public implements crypto.Signer.
func (s *pkcs11Signer) Public() crypto.PublicKey { return s.key.Public() }

// Sign implements crypto.Signer; the token computes the signature.
func (s *pkcs11Signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.key.Sign(rand, digest, opts)
}

// Certificate implements Signer.
func (s *pkcs11Signer) Certificate() *x509.Certificate { return s.cert }

// Chain implements Signer.
func (s *pkcs11Signer) Chain() []*x509.Certificate { return s.chain }

// Close ends the token session.
func (s *pkcs11Signer) Close() error { return s.ctx.Close() }

package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Signer is a signing key together with its certificate chain. A PKCS#11
// token (HSM, smart card) implements it by returning a crypto.Signer whose
// Sign calls into the token; the private key never has to leave it.
type Signer interface {
	crypto.Signer
	// Certificate is the signer's own certificate.
	Certificate() *x509.Certificate
	// Chain is the issuing chain without the signer certificate, nearest
	// issuer first; it is embedded so verifiers can build the path.
	Chain() []*x509.Certificate
}

// KeySigner is a [Signer] over an in-memory private key (from PKCS#12).
type KeySigner struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// NewKeySigner wraps key and cert; it refuses unsupported key types and
// certificates that do not match the key.
func NewKeySigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*KeySigner, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, fmt.Errorf("%w: %T (RSA or ECDSA required)", ErrUnsupportedKey, key.Public())
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("%w: certificate does not belong to the private key", ErrBadKey)
	}
	return &KeySigner{key: key, cert: cert, chain: chain}, nil
}

// Public implements crypto.Signer.
func (s *KeySigner) Public() crypto.PublicKey { return s.key.Public() }

// Sign implements crypto.Signer.
func (s *KeySigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.key.Sign(rand, digest, opts)
}

// Certificate implements [Signer].
func (s *KeySigner) Certificate() *x509.Certificate { return s.cert }

// Chain implements [Signer].
func (s *KeySigner) Chain() []*x509.Certificate { return s.chain }

// LoadPKCS12 reads a PKCS#12 (.p12/.pfx) file with one private key, its
// certificate and optionally the CA chain. Modern (AES/PBKDF2, OpenSSL 3
// default) and legacy (3DES/RC2) encodings are both accepted.
func LoadPKCS12(path string, password []byte) (*KeySigner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: read PKCS#12: %w", err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, string(password))
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, fmt.Errorf("%w: %s", ErrBadPassword, path)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrBadKey, path, err)
	}
	cs, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
	}
	return NewKeySigner(cs, cert, chain)
}

// ReadPassword returns the password from file (trailing newline removed) or,
// when file is empty, from the environment variable env.
func ReadPassword(file, env string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("sign: read password file: %w", err)
		}
		for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
			b = b[:len(b)-1]
		}
		return b, nil
	}
	if v, ok := os.LookupEnv(env); ok {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%w: neither a password file nor %s is set", ErrBadPassword, env)
}

// CheckCertificate refuses certificates that must not seal documents at t:
// outside their validity period, or without the digitalSignature or
// nonRepudiation (contentCommitment) key usage. A certificate without a key
// usage extension is refused too: qualified seal certificates always carry
// one, and a missing one usually means a TLS or test certificate.
func CheckCertificate(cert *x509.Certificate, t time.Time) error {
	if t.After(cert.NotAfter) {
		return fmt.Errorf("%w: %q expired on %s", ErrCertificateExpired, cert.Subject.CommonName, cert.NotAfter.UTC().Format(time.DateOnly))
	}
	if t.Before(cert.NotBefore) {
		return fmt.Errorf("%w: %q is valid only from %s", ErrCertificateNotYetValid, cert.Subject.CommonName, cert.NotBefore.UTC().Format(time.DateOnly))
	}
	if cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: %q has neither digitalSignature nor nonRepudiation key usage", ErrKeyUsage, cert.Subject.CommonName)
	}
	return nil
}

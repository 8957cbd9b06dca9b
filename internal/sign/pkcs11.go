package sign

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// PKCS11Config addresses a key on a PKCS#11 token (HSM, smart card).
// Support is compiled in only with the build tag "pkcs11" (it needs cgo and
// the vendor's PKCS#11 module); other builds return ErrPKCS11Unavailable.
type PKCS11Config struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module     string `yaml:"module"`
	TokenLabel string `yaml:"token_label"`
	// KeyLabel is the CKA_LABEL of both the private key and its certificate.
	KeyLabel string `yaml:"key_label"`
	// ChainFile optionally holds the issuing CA certificates (PEM), nearest
	// first, for tokens that store only the signer certificate.
	ChainFile string `yaml:"chain_file"`
}

// Validate reports the first invalid key.
func (c PKCS11Config) Validate() error {
	switch {
	case c.Module == "":
		return fmt.Errorf("module: required")
	case c.TokenLabel == "":
		return fmt.Errorf("token_label: required")
	case c.KeyLabel == "":
		return fmt.Errorf("key_label: required")
	}
	return nil
}

func readChain(path string) ([]*x509.Certificate, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: read chain: %w", err)
	}
	var chain []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return chain, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: chain: %v", ErrBadKey, err)
		}
		chain = append(chain, c)
	}
}

package sign

import (
	"context"
	"fmt"
)

// Sealer signs documents with a key loaded once, as the pipeline's sign
// step needs: loading and decrypting a PKCS#12 file per document would cost
// more than the signature.
type Sealer struct {
	signer Signer
	opts   Options
}

// NewSealer loads the key configured in cfg (PKCS#12 or a PKCS#11 token,
// with the password or PIN from password_file or password_env) and checks the certificate now, so that a
// wrong or expired key stops the service at start-up instead of per
// document.
func NewSealer(cfg Config) (*Sealer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sign: config: %w", err)
	}
	env := cfg.PasswordEnv
	if env == "" {
		env = DefaultPasswordEnv
	}
	pw, err := ReadPassword(cfg.PasswordFile, env)
	if err != nil {
		return nil, err
	}
	var s Signer
	if cfg.PKCS11.Module != "" {
		s, err = OpenPKCS11(cfg.PKCS11, pw)
	} else {
		s, err = LoadPKCS12(cfg.PKCS12, pw)
	}
	clear(pw)
	if err != nil {
		return nil, err
	}
	return NewSealerWithSigner(s, cfg.Options())
}

// NewSealerWithSigner wraps any Signer (e.g. a PKCS#11 key).
func NewSealerWithSigner(s Signer, opts Options) (*Sealer, error) {
	if err := CheckCertificate(s.Certificate(), nowOr(opts.Time)); err != nil {
		return nil, err
	}
	return &Sealer{signer: s, opts: opts}, nil
}

// Seal signs inPath into outPath. The certificate is re-checked for every
// document because a long-running service outlives certificates.
func (s *Sealer) Seal(ctx context.Context, inPath, outPath string) error {
	return Sign(ctx, inPath, outPath, s.signer, s.opts)
}

// Signer returns the underlying signer.
func (s *Sealer) Signer() Signer { return s.signer }

package sign

// PKCS11Config addresses a key on a PKCS#11 token (HSM, smart card).
type PKCS11Config struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module     string `yaml:"module"`
	TokenLabel string `yaml:"token_label"`
	KeyLabel   string `yaml:"key_label"`
}

// OpenPKCS11 would return a [Signer] whose private-key operations run on the
// token. This build has no PKCS#11 support (it needs cgo and a vendor
// module); it always returns ErrPKCS11Unavailable. Any crypto.Signer from a
// PKCS#11 library plus the certificate chain satisfies [Signer], so support
// can be added without touching the signing code.
func OpenPKCS11(cfg PKCS11Config, pin []byte) (Signer, error) {
	return nil, ErrPKCS11Unavailable
}

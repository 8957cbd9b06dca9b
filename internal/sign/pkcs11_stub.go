//go:build !pkcs11 || !cgo

package sign

// OpenPKCS11 returns ErrPKCS11Unavailable: this binary was built without the
// "pkcs11" build tag (or without cgo).
func OpenPKCS11(cfg PKCS11Config, pin []byte) (Signer, error) {
	return nil, ErrPKCS11Unavailable
}

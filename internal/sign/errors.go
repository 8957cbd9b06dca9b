package sign

import "errors"

// Errors caused by the key, the certificate or its password. They are
// permanent: retrying does not help until an operator fixes the configuration.
var (
	// ErrCertificateExpired: "Das Siegelzertifikat ist abgelaufen."
	ErrCertificateExpired = errors.New("sign: certificate expired")
	// ErrCertificateNotYetValid: "Das Siegelzertifikat ist noch nicht gültig."
	ErrCertificateNotYetValid = errors.New("sign: certificate not yet valid")
	// ErrKeyUsage: "Das Zertifikat ist nicht zum Signieren/Siegeln zugelassen (Schlüsselverwendung)."
	ErrKeyUsage = errors.New("sign: certificate key usage does not allow signing")
	// ErrUnsupportedKey: "Der Schlüsseltyp wird nicht unterstützt (nur RSA oder ECDSA)."
	ErrUnsupportedKey = errors.New("sign: unsupported key type")
	// ErrBadKey: "Die Schlüsseldatei (PKCS#12) ist beschädigt oder passt nicht zum Zertifikat."
	ErrBadKey = errors.New("sign: unusable key or certificate")
	// ErrBadPassword: "Das Passwort der Schlüsseldatei ist falsch oder fehlt."
	ErrBadPassword = errors.New("sign: wrong or missing PKCS#12 password")
	// ErrPKCS11Unavailable: "HSM/Chipkarte (PKCS#11) wird in dieser Version nicht unterstützt."
	ErrPKCS11Unavailable = errors.New("sign: PKCS#11 support is not built in")
)

// Errors caused by the document. They are permanent for that document.
var (
	// ErrInvalidPDF: "Die Datei ist kein lesbares PDF."
	ErrInvalidPDF = errors.New("sign: not a readable PDF")
	// ErrEncrypted: "Verschlüsselte PDFs können nicht gesiegelt werden."
	ErrEncrypted = errors.New("sign: encrypted PDF")
)

// ErrTimestamp: "Der Zeitstempeldienst ist nicht erreichbar oder hat abgelehnt."
// It is usually transient (network, TSA outage) and worth retrying.
var ErrTimestamp = errors.New("sign: time-stamp authority failed")

// Verification results.
var (
	// ErrNoSignature: "Das Dokument enthält keine Signatur."
	ErrNoSignature = errors.New("verify: document has no signature")
	// ErrInvalidSignature: "Eine Signatur ist ungültig."
	ErrInvalidSignature = errors.New("verify: invalid signature")
	// ErrDocumentModified: "Das Dokument wurde nach dem Signieren verändert."
	ErrDocumentModified = errors.New("verify: document modified after signing")
	// ErrTransfervermerkMismatch: "Die Seiten passen nicht zum Transfervermerk."
	ErrTransfervermerkMismatch = errors.New("verify: page hashes do not match the Transfervermerk")
	// ErrNoTransfervermerk: "Das Dokument enthält keinen Transfervermerk."
	ErrNoTransfervermerk = errors.New("verify: no Transfervermerk embedded")
)

// Package pdf reads page images out of scanner output (image-only or mixed
// PDFs, multi-page TIFF, JPEG, PNG) without re-encoding them, and writes
// searchable PDFs: the original image as the visible page and an invisible
// text layer on top.
package pdf

import "errors"

// Errors caused by bad input. They are permanent: retrying will not help.
var (
	// ErrEncrypted: the PDF is password-protected.
	ErrEncrypted = errors.New("pdf: document is password-protected")
	// ErrProtected: the PDF opens without a password but is encrypted, so
	// it is delivered as it is, never updated (see Document.Protected).
	ErrProtected = errors.New("pdf: encrypted document is not updated")
	// ErrNoPages: the document has no pages.
	ErrNoPages = errors.New("pdf: document has no pages")
	// ErrUnsupportedFormat: neither PDF, TIFF, JPEG nor PNG, or a variant of
	// them that is not supported.
	ErrUnsupportedFormat = errors.New("pdf: unsupported file format")
	// ErrCorrupt: the file is damaged or contradicts itself (for example a
	// TIFF whose strips lie outside the file).
	ErrCorrupt = errors.New("pdf: file is corrupt")
	// ErrImageTooLarge: a page image has more pixels than allowed, or is too
	// small to carry text.
	ErrImageTooLarge = errors.New("pdf: page image too large")
	// ErrImageTooSmall: a page image is too small to hold text (e.g. 1×1).
	ErrImageTooSmall = errors.New("pdf: page image too small")
	// ErrOutputDamaged: the searchable PDF would not show, say or reference
	// everything the input does (see Document.VerifyOutput).
	ErrOutputDamaged = errors.New("pdf: searchable PDF does not match its input")
	// ErrTooManyPages: the document has more pages than allowed.
	ErrTooManyPages = errors.New("pdf: too many pages")
)

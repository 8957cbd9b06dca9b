package pdf

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Format is a recognised input container.
type Format int

// Supported input formats.
const (
	FormatUnknown Format = iota
	FormatPDF
	FormatTIFF
	FormatJPEG
	FormatPNG
)

func (f Format) String() string {
	switch f {
	case FormatPDF:
		return "pdf"
	case FormatTIFF:
		return "tiff"
	case FormatJPEG:
		return "jpeg"
	case FormatPNG:
		return "png"
	}
	return "unknown"
}

// Sniff identifies the format from the first bytes of a file; names and
// extensions are not trusted because scanners and mail clients get them wrong.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return FormatTIFF
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	}
	// PDF allows junk before the header within the first 1024 bytes.
	if i := bytes.Index(head, []byte("%PDF-")); i >= 0 && i < 1024 {
		return FormatPDF
	}
	return FormatUnknown
}

// SniffFile reads the head of the file at path and identifies its format.
func SniffFile(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return FormatUnknown, err
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return FormatUnknown, err
	}
	ft := Sniff(head[:n])
	if ft == FormatUnknown {
		return ft, fmt.Errorf("%w: %s", ErrUnsupportedFormat, path)
	}
	return ft, nil
}

package pdf

import (
	"bytes"
	"encoding/binary"
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
	FormatGIF
	FormatBMP
	FormatWebP
	FormatHEIC
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
	case FormatGIF:
		return "gif"
	case FormatBMP:
		return "bmp"
	case FormatWebP:
		return "webp"
	case FormatHEIC:
		return "heic"
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
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatGIF
	case IsBMP(head):
		return FormatBMP
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FormatWebP
	case IsHEIC(head):
		return FormatHEIC
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

// IsBMP reports whether head starts a Windows bitmap: "BM" alone is too
// weak a signature (plain text may start with it), so the DIB header size
// must be one of the defined ones too.
func IsBMP(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:]) {
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// IsHEIC reports whether head starts an ISO base media file of the HEIF
// image family with HEVC-coded images (iPhone photos): an ftyp box whose
// major brand is one of HEIC's, or the generic mif1/msf1 with heic among
// the compatible brands. AVIF shares the container but not the codec.
func IsHEIC(head []byte) bool {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return false
	}
	size := int(binary.BigEndian.Uint32(head))
	if size < 16 || size > len(head) {
		size = len(head)
	}
	heic := func(b string) bool {
		switch b {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs":
			return true
		}
		return false
	}
	if heic(string(head[8:12])) {
		return true
	}
	if b := string(head[8:12]); b != "mif1" && b != "msf1" {
		return false
	}
	for i := 16; i+4 <= size; i += 4 {
		if heic(string(head[i : i+4])) {
			return true
		}
	}
	return false
}

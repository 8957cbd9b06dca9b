package intake

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register decoders for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"os"
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// Format is a file type recognised by its content.
type Format string

// Formats eingang takes in.
const (
	FormatPDF  Format = "pdf"
	FormatTIFF Format = "tiff"
	FormatJPEG Format = "jpeg"
	FormatPNG  Format = "png"
	FormatGIF  Format = "gif"
	FormatBMP  Format = "bmp"
	FormatWebP Format = "webp"
	FormatHEIC Format = "heic"
	// FormatZIP is an archive whose files are unpacked into the inbox.
	FormatZIP Format = "zip"
	// FormatEML is a saved mail whose attachments are written into the
	// inbox.
	FormatEML Format = "eml"
	FormatXML Format = "xml"
	// FormatDOCX is a Word document (Office Open XML, WordprocessingML).
	FormatDOCX Format = "docx"
	// FormatODT is an OpenDocument text (LibreOffice, OpenOffice).
	FormatODT Format = "odt"
	// FormatDOC is a Word 97-2003 document (an OLE2 compound file with a
	// WordDocument stream).
	FormatDOC Format = "doc"
	// FormatRTF is a Rich Text Format document.
	FormatRTF Format = "rtf"
)

// IsOffice reports whether f is a word-processing format that is converted
// to PDF (by LibreOffice) before it is processed.
func IsOffice(f Format) bool {
	switch f {
	case FormatDOCX, FormatODT, FormatDOC, FormatRTF:
		return true
	}
	return false
}

// IsScan reports whether f holds page images that OCR takes directly: a
// PDF or an image. The other formats are converted (office), unpacked
// (ZIP, mail) or read as data (XML) at intake.
func IsScan(f Format) bool {
	switch f {
	case FormatPDF, FormatTIFF, FormatJPEG, FormatPNG, FormatGIF, FormatBMP, FormatWebP, FormatHEIC:
		return true
	}
	return false
}

// Errors of content checks. They describe the file, so a retry will not
// help once the file is stable.
var (
	ErrEmpty       = errors.New("file is empty")
	ErrUnsupported = errors.New("file type not supported")
	ErrIncomplete  = errors.New("file is incomplete or damaged")
	// ErrNotAScan is for tools that take page images only (eingang ocr):
	// the file is of a format eingang takes, but through an inbox, which
	// converts or unpacks it first.
	ErrNotAScan = errors.New("not a scan or image")
)

// Reasons a file is refused at intake, as metric labels and journal field
// values: a small fixed set, so that a label never carries a file name.
const (
	ReasonEmpty       = "empty"
	ReasonUnsupported = "unsupported"
	ReasonDamaged     = "damaged"
	ReasonTooLarge    = "too_large"
	ReasonUnreadable  = "unreadable"
)

// RejectReasons lists every value RejectReason returns.
func RejectReasons() []string {
	return []string{ReasonEmpty, ReasonUnsupported, ReasonDamaged, ReasonTooLarge, ReasonUnreadable}
}

// RejectReason names the reason for a failed content check (Detect, or the
// size limit of the watcher). Anything else, such as a permission error,
// is ReasonUnreadable.
func RejectReason(err error) string {
	switch {
	case errors.Is(err, ErrEmpty):
		return ReasonEmpty
	case errors.Is(err, ErrUnsupported):
		return ReasonUnsupported
	case errors.Is(err, ErrIncomplete):
		return ReasonDamaged
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	}
	return ReasonUnreadable
}

// maxXMLCheck bounds how much of an XML file the content check reads; the
// e-invoice parser applies its own, stricter limits later.
const maxXMLCheck = 64 << 20

// Detect identifies the file at path by its content, not its name, and
// checks that it is complete: a PDF must end with its trailer, TIFF, JPEG
// and PNG headers must decode, XML must be well-formed to its end.
func Detect(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.Size() == 0 {
		return "", ErrEmpty
	}
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")) || (bytes.Contains(head, []byte("%PDF-")) && bytes.Index(head, []byte("%PDF-")) < 1024):
		return FormatPDF, checkPDF(f, st.Size())
	case bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*")):
		return FormatTIFF, checkTIFF(f, st.Size())
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG, checkImage(f, FormatJPEG, st.Size())
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG, checkImage(f, FormatPNG, st.Size())
	case bytes.HasPrefix(head, []byte("GIF87a")) || bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatGIF, checkImage(f, FormatGIF, st.Size())
	case isBMP(head):
		return FormatBMP, checkImage(f, FormatBMP, st.Size())
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FormatWebP, checkImage(f, FormatWebP, st.Size())
	case len(head) >= 16 && string(head[4:8]) == "ftyp" && isHEIC(head):
		return FormatHEIC, checkBoxes(f, st.Size())
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return checkZIP(f, st.Size())
	case bytes.HasPrefix(head, ole2Magic):
		return checkOLE2(f, st.Size())
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return FormatRTF, checkRTF(f, st.Size())
	case looksLikeMail(head):
		return FormatEML, checkMail(f, st.Size())
	case looksLikeXML(head):
		return FormatXML, checkXML(f)
	}
	return "", ErrUnsupported
}

// checkPDF looks for %%EOF near the end: scanners and copy tools write the
// trailer last, so its absence means the file is still being written or was
// cut off.
func checkPDF(f *os.File, size int64) error {
	const tail = 2048
	off := size - tail
	if off < 0 {
		off = 0
	}
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Contains(buf, []byte("%%EOF")) {
		return fmt.Errorf("%w: PDF has no end-of-file marker (%%%%EOF)", ErrIncomplete)
	}
	if !bytes.Contains(buf, []byte("startxref")) && !bytes.Contains(buf, []byte("/Root")) {
		return fmt.Errorf("%w: PDF has no trailer", ErrIncomplete)
	}
	return nil
}

// checkTIFF walks the chain of image file directories; every offset must
// lie inside the file and every page must have its strips or tiles within
// the file, which a half-copied TIFF does not.
func checkTIFF(f *os.File, size int64) error {
	var hdr [8]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("%w: TIFF header: %v", ErrIncomplete, err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if hdr[0] == 'M' {
		bo = binary.BigEndian
	}
	off := int64(bo.Uint32(hdr[4:]))
	for pages := 0; off != 0; pages++ {
		if pages > 10000 {
			return fmt.Errorf("%w: TIFF has a directory loop", ErrIncomplete)
		}
		if off < 8 || off+2 > size {
			return fmt.Errorf("%w: TIFF directory %d lies outside the file", ErrIncomplete, pages+1)
		}
		var cnt [2]byte
		if _, err := f.ReadAt(cnt[:], off); err != nil {
			return fmt.Errorf("%w: TIFF directory %d: %v", ErrIncomplete, pages+1, err)
		}
		n := int64(bo.Uint16(cnt[:]))
		if off+2+n*12+4 > size {
			return fmt.Errorf("%w: TIFF directory %d is cut off", ErrIncomplete, pages+1)
		}
		ifd := make([]byte, n*12+4)
		if _, err := f.ReadAt(ifd, off+2); err != nil {
			return fmt.Errorf("%w: TIFF directory %d: %v", ErrIncomplete, pages+1, err)
		}
		var offsets, counts []int64
		for i := int64(0); i < n; i++ {
			e := ifd[i*12 : i*12+12]
			tag := bo.Uint16(e)
			typ := bo.Uint16(e[2:])
			num := int64(bo.Uint32(e[4:]))
			if tag != 273 && tag != 279 && tag != 324 && tag != 325 { // strip/tile offsets and byte counts
				continue
			}
			vals, err := tiffValues(f, bo, typ, num, e[8:12], size)
			if err != nil {
				return fmt.Errorf("%w: TIFF page %d: %v", ErrIncomplete, pages+1, err)
			}
			if tag == 273 || tag == 324 {
				offsets = vals
			} else {
				counts = vals
			}
		}
		if len(offsets) == 0 || len(offsets) != len(counts) {
			return fmt.Errorf("%w: TIFF page %d has no image data", ErrIncomplete, pages+1)
		}
		for i := range offsets {
			if offsets[i]+counts[i] > size {
				return fmt.Errorf("%w: TIFF page %d image data extends beyond the end of the file", ErrIncomplete, pages+1)
			}
		}
		off = int64(bo.Uint32(ifd[n*12:]))
	}
	return nil
}

func tiffValues(f *os.File, bo binary.ByteOrder, typ uint16, num int64, inline []byte, size int64) ([]int64, error) {
	var w int64
	switch typ {
	case 3: // SHORT
		w = 2
	case 4: // LONG
		w = 4
	default:
		return nil, fmt.Errorf("unexpected field type %d", typ)
	}
	if num <= 0 || num > 1<<20 {
		return nil, fmt.Errorf("implausible strip count %d", num)
	}
	data := inline
	if num*w > 4 {
		off := int64(bo.Uint32(inline))
		if off+num*w > size {
			return nil, errors.New("strip table lies outside the file")
		}
		data = make([]byte, num*w)
		if _, err := f.ReadAt(data, off); err != nil {
			return nil, err
		}
	}
	out := make([]int64, num)
	for i := range out {
		if w == 2 {
			out[i] = int64(bo.Uint16(data[i*2:]))
		} else {
			out[i] = int64(bo.Uint32(data[i*4:]))
		}
	}
	return out, nil
}

func checkImage(f *os.File, format Format, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, _, err := image.DecodeConfig(f); err != nil {
		return fmt.Errorf("%w: %s header: %v", ErrIncomplete, format, err)
	}
	// A JPEG is complete only with its end-of-image marker.
	if format == FormatJPEG {
		var tail [2]byte
		if _, err := f.ReadAt(tail[:], size-2); err != nil || tail != [2]byte{0xFF, 0xD9} {
			return fmt.Errorf("%w: JPEG has no end-of-image marker", ErrIncomplete)
		}
	}
	switch format {
	case FormatGIF:
		// The trailer byte closes every complete GIF.
		var tail [1]byte
		if _, err := f.ReadAt(tail[:], size-1); err != nil || tail[0] != 0x3B {
			return fmt.Errorf("%w: GIF has no trailer", ErrIncomplete)
		}
	case FormatBMP, FormatWebP:
		// Both headers state the file's length (BMP's may be 0: unknown).
		var hdr [8]byte
		if _, err := f.ReadAt(hdr[:], 0); err != nil {
			return fmt.Errorf("%w: %s header", ErrIncomplete, format)
		}
		want := int64(binary.LittleEndian.Uint32(hdr[2:6]))
		if format == FormatWebP {
			want = int64(binary.LittleEndian.Uint32(hdr[4:8])) + 8
		}
		if want > size {
			return fmt.Errorf("%w: %s declares %d bytes, file has %d", ErrIncomplete, format, want, size)
		}
	}
	if format == FormatPNG {
		var tail [8]byte
		if size < 20 {
			return fmt.Errorf("%w: PNG too short", ErrIncomplete)
		}
		if _, err := f.ReadAt(tail[:], size-8); err != nil || string(tail[:4]) != "IEND" {
			return fmt.Errorf("%w: PNG has no IEND chunk", ErrIncomplete)
		}
	}
	return nil
}

// checkMail looks for the closing boundary of a multipart mail near its
// end: a mail client writes it last. A single-part mail has no marker of
// its end; the stability delay has to do.
func checkMail(f *os.File, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	msg, err := readMail(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: mail header: %v", ErrIncomplete, err)
	}
	ctype, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(ctype, "multipart/") || params["boundary"] == "" {
		return nil
	}
	tail := make([]byte, min(size, 64<<10))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Contains(tail, []byte("--"+params["boundary"]+"--")) {
		return fmt.Errorf("%w: mail ends before its closing MIME boundary", ErrIncomplete)
	}
	return nil
}

// checkZIP reads the central directory, which a ZIP writer puts last: a
// file still being copied has none yet. Office documents are ZIP files
// too, but not archives of documents: a Word document (DOCX) or an
// OpenDocument text (ODT) is converted, any other office file (XLSX, ODS
// …) is refused rather than unpacked into its XML parts.
func checkZIP(f *os.File, size int64) (Format, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return FormatZIP, fmt.Errorf("%w: zip: %v", ErrIncomplete, err)
	}
	if len(zr.File) > 0 && zr.File[0].Name == "mimetype" {
		// ODF puts its media type, uncompressed, in the first entry.
		if mt, err := zipEntryHead(zr.File[0], 256); err == nil && strings.TrimSpace(string(mt)) == odtMediaType {
			return FormatODT, nil
		}
		return "", fmt.Errorf("%w: OpenDocument file that is not a text document", ErrUnsupported)
	}
	office := false
	for _, m := range zr.File {
		switch m.Name {
		case "[Content_Types].xml":
			office = true
			// The content types name the main part; a DOCX's is the
			// WordprocessingML document.
			if ct, err := zipEntryHead(m, 64<<10); err == nil && bytes.Contains(ct, []byte(docxMainType)) {
				return FormatDOCX, nil
			}
		case "mimetype", "META-INF/manifest.xml":
			office = true
		}
	}
	if office {
		for _, m := range zr.File {
			if m.Name == "word/document.xml" {
				return FormatDOCX, nil
			}
		}
		return "", fmt.Errorf("%w: office document that is not a Word or OpenDocument text", ErrUnsupported)
	}
	return FormatZIP, nil
}

// Media types that mark a word-processing document inside a ZIP.
const (
	odtMediaType = "application/vnd.oasis.opendocument.text"
	docxMainType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)

// zipEntryHead reads at most n bytes of a ZIP entry: enough for a media
// type or a content-types list, never a zip bomb.
func zipEntryHead(m *zip.File, n int64) ([]byte, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, n))
}

// checkRTF looks for the closing brace of the outermost group near the
// end: an RTF writer closes it last, so a cut-off file lacks it.
func checkRTF(f *os.File, size int64) error {
	tail := make([]byte, min(size, 4096))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	tail = bytes.TrimRight(tail, " \t\r\n\x00")
	if !bytes.HasSuffix(tail, []byte("}")) {
		return fmt.Errorf("%w: RTF does not end with a closing brace", ErrIncomplete)
	}
	return nil
}

// isHEIC: an ISO base media file with a HEIC brand (the same test as
// pdf.IsHEIC).
func isHEIC(head []byte) bool {
	size := min(int(binary.BigEndian.Uint32(head)), len(head))
	for i := 8; i+4 <= size; i += 4 {
		switch string(head[i : i+4]) {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs":
			return true
		}
	}
	return false
}

// checkBoxes walks the top-level boxes of an ISO base media file (HEIC):
// each declares its length, so a file cut off while being written ends
// inside a box.
func checkBoxes(f *os.File, size int64) error {
	var hdr [16]byte
	for off, n := int64(0), 0; off < size; n++ {
		if n > 10000 {
			return fmt.Errorf("%w: heic has too many boxes", ErrIncomplete)
		}
		if _, err := f.ReadAt(hdr[:8], off); err != nil {
			return fmt.Errorf("%w: heic box header at %d", ErrIncomplete, off)
		}
		l := int64(binary.BigEndian.Uint32(hdr[:4]))
		switch l {
		case 0: // to the end of the file
			return nil
		case 1:
			if _, err := f.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("%w: heic box header at %d", ErrIncomplete, off)
			}
			l = int64(binary.BigEndian.Uint64(hdr[8:16]))
		}
		if l < 8 || l > size-off {
			return fmt.Errorf("%w: heic box at %d declares %d bytes, %d left", ErrIncomplete, off, l, size-off)
		}
		off += l
	}
	return nil
}

// isBMP: "BM" and a defined DIB header size (the same test as
// pdf.IsBMP; intake does not import the PDF package).
func isBMP(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:]) {
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

func looksLikeXML(head []byte) bool {
	h := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	h = bytes.TrimLeft(h, " \t\r\n")
	// HTML (a saved web page or mail body) starts like XML but is not
	// XML: calling it damaged because it is not well-formed would send
	// the clerk looking for a fault that is not there.
	lower := bytes.ToLower(h[:min(len(h), 16)])
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return false
	}
	return bytes.HasPrefix(h, []byte("<?xml")) || (bytes.HasPrefix(h, []byte("<")) && validUTF8Head(h[:min(len(h), 256)]))
}

// validUTF8Head reports whether head is UTF-8 up to where it was cut off:
// the cut may fall inside a multi-byte character (CJK text in the first
// attribute), which does not make the file binary.
func validUTF8Head(head []byte) bool {
	i := len(head) - 1
	for i > 0 && len(head)-i < utf8.UTFMax && head[i]&0xC0 == 0x80 {
		i--
	}
	if i >= 0 && !utf8.FullRune(head[i:]) {
		head = head[:i]
	}
	return utf8.Valid(head)
}

// checkXML reads tokens to the end: a half-written XML file fails here.
// Entities are not expanded by encoding/xml, so this is safe on hostile
// input; depth and size are bounded.
func checkXML(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := xml.NewDecoder(io.LimitReader(f, maxXMLCheck))
	dec.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			if depth != 0 || roots == 0 {
				return fmt.Errorf("%w: XML ends before its root element is closed", ErrIncomplete)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: XML not well-formed: %v", ErrIncomplete, err)
		}
		switch tok := tok.(type) {
		case xml.Directive:
			// A DOCTYPE is refused by the e-invoice step for what it is
			// (a security rule); read on, its entity references would
			// make the file look damaged instead.
			if bytes.HasPrefix(bytes.TrimSpace(tok), []byte("DOCTYPE")) {
				return nil
			}
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			if depth > 256 {
				return fmt.Errorf("%w: XML nested deeper than 256 levels", ErrIncomplete)
			}
		case xml.EndElement:
			depth--
		}
	}
}

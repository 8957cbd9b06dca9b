package intake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// ole2Magic opens every OLE2 compound file (CFB): Word 97-2003 documents,
// but also Outlook .msg mails, Excel .xls and many others.
var ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Limits of the OLE2 reader. The input is hostile: a header may declare
// millions of sectors or a chain that loops, so every count is checked
// against the file's size and a fixed cap before anything is allocated.
const (
	// ole2MaxDirEntries caps the directory: a Word document has a few
	// dozen entries, a large .msg a few thousand.
	ole2MaxDirEntries = 1 << 16
	// ole2MaxFATSectors caps the FAT: 1<<15 sectors of 4096 bytes map
	// 4 GiB, more than intake.max_file_size allows.
	ole2MaxFATSectors = 1 << 15
)

// Special sector numbers of the FAT.
const (
	ole2EndOfChain = 0xFFFFFFFE
	ole2FreeSect   = 0xFFFFFFFF
)

// ole2Streams reads the directory of the compound file in r (size bytes)
// and returns the names of its streams (entry type 2), in directory order.
// It reads only the header, the FAT and the directory chain; stream
// contents are not touched. A damaged or cut-off file gives ErrIncomplete.
func ole2Streams(r io.ReaderAt, size int64) ([]string, error) {
	var hdr [512]byte
	if size < int64(len(hdr)) {
		return nil, fmt.Errorf("%w: OLE2 file shorter than its header", ErrIncomplete)
	}
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("%w: OLE2 header: %v", ErrIncomplete, err)
	}
	if !bytes.Equal(hdr[:8], ole2Magic) {
		return nil, fmt.Errorf("%w: not an OLE2 file", ErrIncomplete)
	}
	le := binary.LittleEndian
	if le.Uint16(hdr[0x1C:]) != 0xFFFE {
		return nil, fmt.Errorf("%w: OLE2 byte order mark missing", ErrIncomplete)
	}
	var secSize int64
	switch shift := le.Uint16(hdr[0x1E:]); shift {
	case 9, 12: // version 3 and 4; nothing else exists
		secSize = 1 << shift
	default:
		return nil, fmt.Errorf("%w: OLE2 sector shift %d", ErrIncomplete, shift)
	}
	// Sector n starts at (n+1)*secSize: the header occupies sector -1
	// (padded to 4096 bytes in version 4).
	nSectors := size/secSize - 1
	if size%secSize != 0 {
		nSectors++ // a short last sector is common and harmless
	}
	if nSectors <= 0 {
		return nil, fmt.Errorf("%w: OLE2 file has no sectors", ErrIncomplete)
	}
	readSector := func(n uint32, buf []byte) error {
		if int64(n) >= nSectors {
			return fmt.Errorf("%w: OLE2 sector %d lies outside the file (%d sectors)", ErrIncomplete, n, nSectors)
		}
		clear(buf)
		_, err := r.ReadAt(buf, (int64(n)+1)*secSize)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: OLE2 sector %d: %v", ErrIncomplete, n, err)
		}
		return nil
	}

	// The FAT's own sectors are listed in the DIFAT: 109 in the header,
	// the rest in a chain of DIFAT sectors.
	nFAT := int64(le.Uint32(hdr[0x2C:]))
	if nFAT == 0 || nFAT > nSectors || nFAT > ole2MaxFATSectors {
		return nil, fmt.Errorf("%w: OLE2 header declares %d FAT sectors in a file of %d sectors", ErrIncomplete, nFAT, nSectors)
	}
	fatSectors := make([]uint32, 0, nFAT)
	for i := 0; i < 109 && int64(len(fatSectors)) < nFAT; i++ {
		fatSectors = append(fatSectors, le.Uint32(hdr[0x4C+4*i:]))
	}
	perSector := int(secSize / 4)
	buf := make([]byte, secSize)
	difat := le.Uint32(hdr[0x44:])
	for hops := int64(0); int64(len(fatSectors)) < nFAT; hops++ {
		if difat == ole2EndOfChain || difat == ole2FreeSect || hops > nSectors {
			return nil, fmt.Errorf("%w: OLE2 DIFAT chain ends after %d of %d FAT sectors", ErrIncomplete, len(fatSectors), nFAT)
		}
		if err := readSector(difat, buf); err != nil {
			return nil, err
		}
		for i := 0; i < perSector-1 && int64(len(fatSectors)) < nFAT; i++ {
			fatSectors = append(fatSectors, le.Uint32(buf[4*i:]))
		}
		difat = le.Uint32(buf[secSize-4:])
	}
	// Only the part of the FAT that maps sectors of the file is needed.
	fatLen := min(nFAT*int64(perSector), nSectors)
	fat := make([]uint32, 0, fatLen)
	for _, s := range fatSectors {
		if int64(len(fat)) >= fatLen {
			break
		}
		if err := readSector(s, buf); err != nil {
			return nil, err
		}
		for i := 0; i < perSector && int64(len(fat)) < fatLen; i++ {
			fat = append(fat, le.Uint32(buf[4*i:]))
		}
	}

	// Walk the directory chain. A chain longer than the file has sectors
	// loops.
	var names []string
	dir := le.Uint32(hdr[0x30:])
	for hops := int64(0); dir != ole2EndOfChain; hops++ {
		if hops >= nSectors {
			return nil, fmt.Errorf("%w: OLE2 directory chain loops", ErrIncomplete)
		}
		if err := readSector(dir, buf); err != nil {
			return nil, err
		}
		for off := int64(0); off+128 <= secSize; off += 128 {
			if hops*secSize/128 > ole2MaxDirEntries {
				return nil, fmt.Errorf("%w: OLE2 directory has more than %d entries", ErrIncomplete, ole2MaxDirEntries)
			}
			e := buf[off : off+128]
			if e[0x42] != 2 { // 2: stream; storages, root and unused entries are skipped
				continue
			}
			names = append(names, ole2Name(e))
		}
		if int64(dir) >= int64(len(fat)) {
			return nil, fmt.Errorf("%w: OLE2 directory sector %d is not in the FAT", ErrIncomplete, dir)
		}
		dir = fat[dir]
	}
	if len(names) == 0 && le.Uint32(hdr[0x30:]) == ole2EndOfChain {
		return nil, fmt.Errorf("%w: OLE2 file has no directory", ErrIncomplete)
	}
	return names, nil
}

// ole2Name decodes the UTF-16LE name of a directory entry; its length in
// bytes, including the terminating zero, is stored at 0x40.
func ole2Name(e []byte) string {
	n := int(binary.LittleEndian.Uint16(e[0x40:]))
	if n < 2 || n > 64 {
		return ""
	}
	u := make([]uint16, 0, n/2-1)
	for i := 0; i+1 < n-2; i += 2 {
		u = append(u, binary.LittleEndian.Uint16(e[i:]))
	}
	return string(utf16.Decode(u))
}

// checkOLE2 tells a Word 97-2003 document (it has a "WordDocument"
// stream) from the other OLE2 files, which eingang does not take.
func checkOLE2(r io.ReaderAt, size int64) (Format, error) {
	names, err := ole2Streams(r, size)
	if err != nil {
		return FormatDOC, err
	}
	for _, n := range names {
		if n == "WordDocument" {
			return FormatDOC, nil
		}
	}
	return "", fmt.Errorf("%w: OLE2 compound file without a Word document (an Outlook .msg or Excel .xls?)", ErrUnsupported)
}

package pdf

import (
	"encoding/binary"
	"errors"
)

// jpegParts is a baseline JPEG split at its scan.
type jpegParts struct {
	tables []byte // DQT/DHT/APPn… segments before SOF, with markers
	sof    []byte // the SOF0/SOF1 segment, with marker
	sos    []byte // the SOS segment header, with marker
	data   []byte // entropy-coded data up to (excluding) EOI
	height int
	mcuH   int
}

var errNoMerge = errors.New("jpeg strips cannot be joined")

func splitJPEG(b []byte) (*jpegParts, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errNoMerge
	}
	p := &jpegParts{}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil, errNoMerge
		}
		m := b[i+1]
		if m == 0xFF {
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, errNoMerge
		}
		seg := b[i : i+2+n]
		switch {
		case m == 0xC0 || m == 0xC1:
			if n < 8 {
				return nil, errNoMerge
			}
			p.sof = seg
			p.height = int(binary.BigEndian.Uint16(seg[5:]))
			nc := int(seg[9])
			if len(seg) < 10+3*nc {
				return nil, errNoMerge
			}
			maxV := 1
			for c := 0; c < nc; c++ {
				maxV = max(maxV, int(seg[11+3*c]&0x0F))
			}
			p.mcuH = 8 * maxV
		case m >= 0xC2 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			return nil, errNoMerge // progressive, lossless, arithmetic
		case m == 0xDD:
			return nil, errNoMerge // strips with their own restart intervals
		case m == 0xDA:
			p.sos = seg
			rest := b[i+2+n:]
			if len(rest) < 2 || rest[len(rest)-2] != 0xFF || rest[len(rest)-1] != 0xD9 {
				return nil, errNoMerge
			}
			p.data = rest[:len(rest)-2]
			if p.sof == nil {
				return nil, errNoMerge
			}
			return p, nil
		default:
			p.tables = append(p.tables, seg...)
		}
		i += 2 + n
	}
	return nil, errNoMerge
}

// mergeJPEGStrips joins the strips of a JPEG-compressed TIFF page into one
// baseline JPEG without decoding: each strip becomes one restart interval
// (a strip starts with fresh DC predictors, exactly like a restart), so the
// compressed data is reused bit for bit. It only works when every strip but
// the last holds rowsPerStrip rows, a whole number of MCU rows, and all
// strips share tables and component layout.
func mergeJPEGStrips(strips [][]byte, width, height, rowsPerStrip int) ([]byte, error) {
	if len(strips) < 2 || len(strips) > 1<<16 {
		return nil, errNoMerge
	}
	parts := make([]*jpegParts, len(strips))
	for i, s := range strips {
		p, err := splitJPEG(s)
		if err != nil {
			return nil, err
		}
		parts[i] = p
	}
	first := parts[0]
	if rowsPerStrip%first.mcuH != 0 {
		return nil, errNoMerge
	}
	mcusPerRow := (width + first.mcuH - 1) / first.mcuH
	if first.mcuH == 16 {
		mcusPerRow = (width + 15) / 16
	} else {
		mcusPerRow = (width + 7) / 8
	}
	interval := mcusPerRow * rowsPerStrip / first.mcuH
	if interval <= 0 || interval > 0xFFFF {
		return nil, errNoMerge
	}
	for i, p := range parts {
		wantH := min(rowsPerStrip, height-i*rowsPerStrip)
		if p.height != wantH || string(p.tables) != string(first.tables) ||
			string(p.sof[4:5]) != string(first.sof[4:5]) || string(p.sof[7:]) != string(first.sof[7:]) ||
			string(p.sos) != string(first.sos) {
			return nil, errNoMerge
		}
	}
	out := []byte{0xFF, 0xD8}
	out = append(out, first.tables...)
	sof := append([]byte(nil), first.sof...)
	binary.BigEndian.PutUint16(sof[5:], uint16(height))
	out = append(out, sof...)
	out = append(out, 0xFF, 0xDD, 0, 4, byte(interval>>8), byte(interval))
	out = append(out, first.sos...)
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0xFF, 0xD0+byte((i-1)%8))
		}
		out = append(out, p.data...)
	}
	return append(out, 0xFF, 0xD9), nil
}

package pdf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff/lzw"
)

// TIFF tags and values used here (TIFF 6.0 and TechNote 2).
const (
	tagNewSubfileType  = 254
	tagWidth           = 256
	tagHeight          = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagFillOrder       = 266
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagXResolution     = 282
	tagYResolution     = 283
	tagPlanarConfig    = 284
	tagT4Options       = 292
	tagResolutionUnit  = 296
	tagPredictor       = 317
	tagColorMap        = 320
	tagTileWidth       = 322
	tagJPEGTables      = 347
	compNone           = 1
	compCCITT3         = 3
	compCCITT4         = 4
	compLZW            = 5
	compJPEG           = 7
	compDeflate        = 8
	compDeflateOld     = 32946
	compPackBits       = 32773
	photoWhiteIsZero   = 0
	photoBlackIsZero   = 1
	photoRGB           = 2
	photoPalette       = 3
	photoSeparated     = 5
	photoYCbCr         = 6
	maxTIFFEntries     = 4096
	maxStripsPerPage   = 1 << 20
	defaultScanDPI     = 300
)

// ifd is one TIFF image file directory with its values resolved to numbers.
type ifd struct {
	vals map[uint16][]uint64
	raw  map[uint16][]byte // undefined/byte-typed payloads (JPEGTables)
	rat  map[uint16]float64
}

func (d *ifd) u(tag uint16, def uint64) uint64 {
	if v := d.vals[tag]; len(v) > 0 {
		return v[0]
	}
	return def
}

// ReadTIFF parses a multi-page TIFF into page images. JPEG (compression 7)
// and single-strip CCITT G3/G4 pages are kept as they are; everything else
// is decoded and stored losslessly as Flate.
func ReadTIFF(data []byte, lim Limits) ([]*Image, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: tiff header truncated", ErrCorrupt)
	}
	var bo binary.ByteOrder
	switch string(data[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: not a tiff", ErrUnsupportedFormat)
	}
	if bo.Uint16(data[2:]) != 42 {
		// 43 is BigTIFF.
		return nil, fmt.Errorf("%w: tiff version %d", ErrUnsupportedFormat, bo.Uint16(data[2:]))
	}
	off := uint64(bo.Uint32(data[4:]))
	seen := map[uint64]bool{}
	var pages []*Image
	for off != 0 {
		if seen[off] {
			return nil, fmt.Errorf("%w: tiff directory loop", ErrCorrupt)
		}
		seen[off] = true
		d, next, err := readIFD(data, bo, off)
		if err != nil {
			return nil, err
		}
		off = next
		if d.u(tagNewSubfileType, 0)&1 != 0 {
			continue // reduced-resolution preview, not a page
		}
		if lim.MaxPages > 0 && len(pages) >= lim.MaxPages {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyPages, lim.MaxPages)
		}
		img, err := tiffPage(data, d, lim)
		if err != nil {
			return nil, fmt.Errorf("tiff page %d: %w", len(pages)+1, err)
		}
		pages = append(pages, img)
	}
	if len(pages) == 0 {
		return nil, ErrNoPages
	}
	return pages, nil
}

func readIFD(data []byte, bo binary.ByteOrder, off uint64) (*ifd, uint64, error) {
	if off+2 > uint64(len(data)) {
		return nil, 0, fmt.Errorf("%w: tiff directory outside file", ErrCorrupt)
	}
	n := uint64(bo.Uint16(data[off:]))
	if n > maxTIFFEntries || off+2+n*12+4 > uint64(len(data)) {
		return nil, 0, fmt.Errorf("%w: tiff directory truncated", ErrCorrupt)
	}
	d := &ifd{vals: map[uint16][]uint64{}, raw: map[uint16][]byte{}, rat: map[uint16]float64{}}
	for i := uint64(0); i < n; i++ {
		e := data[off+2+i*12:]
		tag, typ, cnt := bo.Uint16(e), bo.Uint16(e[2:]), uint64(bo.Uint32(e[4:]))
		size := map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8}[typ]
		if size == 0 {
			continue
		}
		total := size * cnt
		if cnt > uint64(len(data)) || total > uint64(len(data)) {
			return nil, 0, fmt.Errorf("%w: tiff tag %d count %d", ErrCorrupt, tag, cnt)
		}
		var p []byte
		if total <= 4 {
			p = e[8 : 8+total]
		} else {
			vo := uint64(bo.Uint32(e[8:]))
			if vo+total > uint64(len(data)) {
				return nil, 0, fmt.Errorf("%w: tiff tag %d outside file", ErrCorrupt, tag)
			}
			p = data[vo : vo+total]
		}
		switch typ {
		case 1, 6, 7, 2:
			d.raw[tag] = p
			vals := make([]uint64, 0, min(cnt, 16))
			for j := uint64(0); j < cnt && j < 16; j++ {
				vals = append(vals, uint64(p[j]))
			}
			d.vals[tag] = vals
		case 3, 8:
			vals := make([]uint64, cnt)
			for j := range vals {
				vals[j] = uint64(bo.Uint16(p[2*j:]))
			}
			d.vals[tag] = vals
		case 4, 9:
			vals := make([]uint64, cnt)
			for j := range vals {
				vals[j] = uint64(bo.Uint32(p[4*j:]))
			}
			d.vals[tag] = vals
		case 5, 10:
			if cnt > 0 {
				num, den := bo.Uint32(p), bo.Uint32(p[4:])
				if den != 0 {
					d.rat[tag] = float64(num) / float64(den)
				}
			}
		}
	}
	next := uint64(bo.Uint32(data[off+2+n*12:]))
	return d, next, nil
}

func tiffPage(data []byte, d *ifd, lim Limits) (*Image, error) {
	w, h := int(d.u(tagWidth, 0)), int(d.u(tagHeight, 0))
	if d.u(tagWidth, 0) > 1<<20 || d.u(tagHeight, 0) > 1<<20 {
		return nil, fmt.Errorf("%w: %d×%d pixels", ErrImageTooLarge, d.u(tagWidth, 0), d.u(tagHeight, 0))
	}
	if err := lim.check(w, h); err != nil {
		return nil, err
	}
	if _, tiled := d.vals[tagTileWidth]; tiled {
		return nil, fmt.Errorf("%w: tiled tiff", ErrUnsupportedFormat)
	}
	if d.u(tagPlanarConfig, 1) != 1 {
		return nil, fmt.Errorf("%w: planar tiff", ErrUnsupportedFormat)
	}
	spp := int(d.u(tagSamplesPerPixel, 1))
	bps := int(d.u(tagBitsPerSample, 1))
	comp := d.u(tagCompression, compNone)
	photo := d.u(tagPhotometric, photoWhiteIsZero)
	offs, cnts := d.vals[tagStripOffsets], d.vals[tagStripByteCounts]
	if len(offs) == 0 || len(offs) != len(cnts) || len(offs) > maxStripsPerPage {
		return nil, fmt.Errorf("%w: strip table", ErrCorrupt)
	}
	strips := make([][]byte, len(offs))
	for i := range offs {
		if offs[i] > uint64(len(data)) || cnts[i] > uint64(len(data))-offs[i] {
			return nil, fmt.Errorf("%w: strip %d outside file", ErrCorrupt, i)
		}
		strips[i] = data[offs[i] : offs[i]+cnts[i]]
	}
	rps := int(d.u(tagRowsPerStrip, uint64(h)))
	if rps <= 0 || rps > h {
		rps = h
	}
	if (h+rps-1)/rps > len(strips) {
		return nil, fmt.Errorf("%w: %d strips for %d rows at %d rows per strip", ErrCorrupt, len(strips), h, rps)
	}
	img := &Image{Width: w, Height: h, DPIX: defaultScanDPI, DPIY: defaultScanDPI}
	if xr, yr := d.rat[tagXResolution], d.rat[tagYResolution]; xr > 0 && yr > 0 {
		switch d.u(tagResolutionUnit, 2) {
		case 2:
			img.DPIX, img.DPIY = xr, yr
		case 3:
			img.DPIX, img.DPIY = xr*2.54, yr*2.54
		}
	}

	switch comp {
	case compJPEG:
		return tiffJPEG(img, d, strips, rps, spp, photo)
	case compCCITT3, compCCITT4:
		return tiffCCITT(img, d, strips, rps, comp, photo)
	case compNone, compLZW, compDeflate, compDeflateOld, compPackBits:
	default:
		return nil, fmt.Errorf("%w: tiff compression %d", ErrUnsupportedFormat, comp)
	}

	if bps != 1 && bps != 8 && !(photo == photoPalette && (bps == 4 || bps == 8)) {
		return nil, fmt.Errorf("%w: tiff with %d bits per sample", ErrUnsupportedFormat, bps)
	}
	rowBytes := (w*spp*bps + 7) / 8
	raw := make([]byte, 0, rowBytes*h)
	for i, s := range strips {
		rows := min(rps, h-i*rps)
		if rows <= 0 {
			break
		}
		want := rows * rowBytes
		b, err := decompressStrip(s, comp, want)
		if err != nil {
			return nil, fmt.Errorf("strip %d: %w", i, err)
		}
		if d.u(tagPredictor, 1) == 2 && bps == 8 {
			for r := 0; r < rows; r++ {
				row := b[r*rowBytes : (r+1)*rowBytes]
				for x := spp; x < len(row); x++ {
					row[x] += row[x-spp]
				}
			}
		}
		raw = append(raw, b...)
	}
	if d.u(tagFillOrder, 1) == 2 && bps == 1 {
		reverseBits(raw)
	}
	img.BitsPerComponent = bps
	switch {
	case photo == photoPalette:
		cm := d.vals[tagColorMap]
		n := 1 << bps
		if len(cm) < 3*n {
			return nil, fmt.Errorf("%w: colour map", ErrCorrupt)
		}
		rgb := make([]byte, w*h*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var idx int
				if bps == 8 {
					idx = int(raw[y*rowBytes+x])
				} else {
					b := raw[y*rowBytes+x/2]
					if x%2 == 0 {
						idx = int(b >> 4)
					} else {
						idx = int(b & 15)
					}
				}
				o := (y*w + x) * 3
				rgb[o], rgb[o+1], rgb[o+2] = byte(cm[idx]>>8), byte(cm[n+idx]>>8), byte(cm[2*n+idx]>>8)
			}
		}
		raw, img.Components, img.BitsPerComponent = rgb, 3, 8
	case photo == photoWhiteIsZero || photo == photoBlackIsZero:
		if spp > 1 {
			raw = dropExtraSamples(raw, w, h, spp, 1)
		}
		img.Components, img.Invert = 1, photo == photoWhiteIsZero
	case photo == photoRGB && bps == 8 && spp >= 3:
		if spp > 3 {
			raw = dropExtraSamples(raw, w, h, spp, 3)
		}
		img.Components = 3
	case photo == photoSeparated && bps == 8 && spp >= 4:
		if spp > 4 {
			raw = dropExtraSamples(raw, w, h, spp, 4)
		}
		img.Components = 4
	default:
		return nil, fmt.Errorf("%w: tiff photometric %d with %d samples", ErrUnsupportedFormat, photo, spp)
	}
	img.Filter, img.Data = FilterFlate, deflate(raw)
	return img, nil
}

func dropExtraSamples(raw []byte, w, h, spp, keep int) []byte {
	out := make([]byte, 0, w*h*keep)
	for p := 0; p+spp <= len(raw) && len(out) < w*h*keep; p += spp {
		out = append(out, raw[p:p+keep]...)
	}
	return out
}

func decompressStrip(s []byte, comp uint64, want int) ([]byte, error) {
	var r io.Reader
	switch comp {
	case compNone:
		r = bytes.NewReader(s)
	case compLZW:
		r = lzw.NewReader(bytes.NewReader(s), lzw.MSB, 8)
	case compDeflate, compDeflateOld:
		zr, err := zlib.NewReader(bytes.NewReader(s))
		if err != nil {
			return nil, fmt.Errorf("%w: deflate: %v", ErrCorrupt, err)
		}
		r = zr
	case compPackBits:
		b, err := unpackBits(s, want)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	out := make([]byte, want)
	// LimitReader: a strip never yields more than its rows, whatever it claims.
	if _, err := io.ReadFull(io.LimitReader(r, int64(want)), out); err != nil {
		return nil, fmt.Errorf("%w: strip shorter than its rows: %v", ErrCorrupt, err)
	}
	return out, nil
}

func unpackBits(s []byte, want int) ([]byte, error) {
	out := make([]byte, 0, want)
	for i := 0; i < len(s) && len(out) < want; {
		n := int(int8(s[i]))
		i++
		switch {
		case n >= 0:
			if i+n+1 > len(s) {
				return nil, fmt.Errorf("%w: packbits", ErrCorrupt)
			}
			out = append(out, s[i:i+n+1]...)
			i += n + 1
		case n != -128:
			if i >= len(s) {
				return nil, fmt.Errorf("%w: packbits", ErrCorrupt)
			}
			for j := 0; j < 1-n; j++ {
				out = append(out, s[i])
			}
			i++
		}
	}
	return out, nil
}

func reverseBits(b []byte) {
	for i, v := range b {
		v = (v&0xF0)>>4 | (v&0x0F)<<4
		v = (v&0xCC)>>2 | (v&0x33)<<2
		v = (v&0xAA)>>1 | (v&0x55)<<1
		b[i] = v
	}
}

func deflate(raw []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	zw.Write(raw)
	zw.Close()
	return buf.Bytes()
}

// tiffJPEG turns a JPEG-compressed TIFF page (TechNote 2) into one JPEG
// stream for DCTDecode by splicing JPEGTables in front of the strip, so the
// scanner's compressed data reaches the PDF unchanged. Pages with several
// strips are decoded and stored as lossless Flate instead.
func tiffJPEG(img *Image, d *ifd, strips [][]byte, rps, spp int, photo uint64) (*Image, error) {
	tables := d.raw[tagJPEGTables]
	splice := func(s []byte) []byte {
		if len(tables) < 4 || len(s) < 2 || s[0] != 0xFF || s[1] != 0xD8 {
			return s
		}
		t := tables
		if t[len(t)-2] == 0xFF && t[len(t)-1] == 0xD9 {
			t = t[:len(t)-2]
		}
		out := make([]byte, 0, len(t)+len(s))
		return append(append(out, t...), s[2:]...)
	}
	img.BitsPerComponent = 8
	if spp == 4 && photo != photoSeparated {
		return tiffJPEGAlpha(img, strips, splice, rps)
	}
	switch {
	case photo == photoSeparated:
		img.Components = 4
	case spp >= 3:
		img.Components = 3
	default:
		img.Components = 1
		img.Invert = photo == photoWhiteIsZero
	}
	if len(strips) == 1 {
		j := splice(strips[0])
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(j))
		if err != nil {
			return nil, fmt.Errorf("%w: jpeg strip: %v", ErrCorrupt, err)
		}
		if cfg.Width != img.Width || cfg.Height != img.Height {
			return nil, fmt.Errorf("%w: jpeg data is %d×%d but the tiff says %d×%d", ErrCorrupt, cfg.Width, cfg.Height, img.Width, img.Height)
		}
		img.Filter, img.Data = FilterDCT, j
		return img, nil
	}
	joined := make([][]byte, len(strips))
	for i, s := range strips {
		joined[i] = splice(s)
	}
	if j, err := mergeJPEGStrips(joined, img.Width, img.Height, rps); err == nil {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(j))
		if err == nil && cfg.Width == img.Width && cfg.Height == img.Height {
			img.Filter, img.Data = FilterDCT, j
			return img, nil
		}
	}
	comps := img.Components
	if comps == 4 {
		return nil, fmt.Errorf("%w: multi-strip CMYK jpeg tiff", ErrUnsupportedFormat)
	}
	raw := make([]byte, 0, img.Width*img.Height*comps)
	for i, s := range strips {
		rows := min(rps, img.Height-i*rps)
		if rows <= 0 {
			break
		}
		src, err := jpeg.Decode(bytes.NewReader(splice(s)))
		if err != nil {
			return nil, fmt.Errorf("%w: jpeg strip %d: %v", ErrCorrupt, i, err)
		}
		b := src.Bounds()
		if b.Dx() != img.Width || b.Dy() < rows {
			return nil, fmt.Errorf("%w: jpeg strip %d is %d×%d", ErrCorrupt, i, b.Dx(), b.Dy())
		}
		for y := 0; y < rows; y++ {
			for x := 0; x < img.Width; x++ {
				if comps == 1 {
					r, _, _, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
					raw = append(raw, byte(r>>8))
				} else {
					r, g, bb, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
					raw = append(raw, byte(r>>8), byte(g>>8), byte(bb>>8))
				}
			}
		}
	}
	img.Filter, img.Data = FilterFlate, deflate(raw)
	return img, nil
}

// tiffJPEGAlpha decodes a JPEG-compressed RGB TIFF with an alpha channel:
// its JPEG streams carry four components without an Adobe marker, which
// PDF viewers would take for CMYK and Go's decoder refuses. Marking each
// strip as untransformed four-channel data (Adobe APP14, transform 0)
// lets the decoder return the channels as they are; colour is flattened
// onto white and stored losslessly.
func tiffJPEGAlpha(img *Image, strips [][]byte, splice func([]byte) []byte, rps int) (*Image, error) {
	raw := make([]byte, 0, img.Width*img.Height*3)
	for i, s := range strips {
		rows := min(rps, img.Height-i*rps)
		if rows <= 0 {
			break
		}
		j := splice(s)
		if len(j) < 4 || j[0] != 0xFF || j[1] != 0xD8 {
			return nil, fmt.Errorf("%w: jpeg strip %d", ErrCorrupt, i)
		}
		app14 := []byte{0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0x00, 0x64, 0, 0, 0, 0, 0}
		marked := append(append(append(make([]byte, 0, len(j)+len(app14)), j[:2]...), app14...), j[2:]...)
		src, err := jpeg.Decode(bytes.NewReader(marked))
		if err != nil {
			return nil, fmt.Errorf("%w: jpeg strip %d: %v", ErrCorrupt, i, err)
		}
		c, ok := src.(*image.CMYK)
		if !ok || c.Rect.Dx() != img.Width || c.Rect.Dy() < rows {
			return nil, fmt.Errorf("%w: jpeg strip %d is not %d×%d with four channels", ErrCorrupt, i, img.Width, rows)
		}
		for y := 0; y < rows; y++ {
			row := c.Pix[y*c.Stride:]
			for x := 0; x < img.Width; x++ {
				// Go inverts Adobe four-channel data (255 = no ink);
				// inverting back gives the stored R, G, B, A.
				r, g, b, a := 255-int(row[4*x]), 255-int(row[4*x+1]), 255-int(row[4*x+2]), 255-int(row[4*x+3])
				raw = append(raw, byte((r*a+255*(255-a))/255), byte((g*a+255*(255-a))/255), byte((b*a+255*(255-a))/255))
			}
		}
	}
	img.Components, img.BitsPerComponent = 3, 8
	img.Filter, img.Data = FilterFlate, deflate(raw)
	return img, nil
}

// tiffCCITT keeps a single-strip G3/G4 page as CCITTFax data; several
// strips are decoded (each strip is its own CCITT stream) and stored as
// 1-bit Flate.
func tiffCCITT(img *Image, d *ifd, strips [][]byte, rps int, comp, photo uint64) (*Image, error) {
	img.Components, img.BitsPerComponent = 1, 1
	// CCITT codes white and black runs; with BlackIsZero photometric the
	// decoded "white" runs are meant as black.
	img.Invert = photo == photoBlackIsZero
	k := -1
	sf := ccitt.Group4
	if comp == compCCITT3 {
		sf = ccitt.Group3
		k = 0
		if d.u(tagT4Options, 0)&1 != 0 {
			// 2-D coded G3 is not decodable here; let the caller rasterise.
			return nil, fmt.Errorf("%w: 2-D coded G3 tiff", ErrUnsupportedFormat)
		}
	}
	reverse := d.u(tagFillOrder, 1) == 2
	if len(strips) == 1 && comp == compCCITT4 {
		data := strips[0]
		if reverse {
			data = bytes.Clone(data)
			reverseBits(data)
		}
		img.Filter, img.K, img.Data = FilterCCITT, k, data
		return img, nil
	}
	g := image.NewGray(image.Rect(0, 0, img.Width, img.Height))
	for i, s := range strips {
		rows := min(rps, img.Height-i*rps)
		if rows <= 0 {
			break
		}
		if reverse {
			s = bytes.Clone(s)
			reverseBits(s)
		}
		sub := g.SubImage(image.Rect(0, i*rps, img.Width, i*rps+rows)).(*image.Gray)
		if err := ccitt.DecodeIntoGray(sub, bytes.NewReader(s), ccitt.MSB, sf, nil); err != nil && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: ccitt strip %d: %v", ErrCorrupt, i, err)
		}
	}
	rowBytes := (img.Width + 7) / 8
	raw := make([]byte, rowBytes*img.Height)
	for y := 0; y < img.Height; y++ {
		for x := 0; x < img.Width; x++ {
			if g.Pix[y*g.Stride+x] >= 128 {
				raw[y*rowBytes+x>>3] |= 0x80 >> (x & 7)
			}
		}
	}
	img.Filter, img.Data = FilterFlate, deflate(raw)
	return img, nil
}

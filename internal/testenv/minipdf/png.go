package minipdf

import "encoding/binary"

// PNGImageData returns the zlib stream of a PNG file's image data (its
// IDAT chunks joined): the filtered rows exactly as a FlateDecode stream
// with /Predictor 10–15 holds them. It returns nil when the file has no
// image data.
func PNGImageData(png []byte) []byte {
	var z []byte
	for p := 8; p+12 <= len(png); {
		n := int(binary.BigEndian.Uint32(png[p:]))
		if n < 0 || p+12+n > len(png) {
			break
		}
		if string(png[p+4:p+8]) == "IDAT" {
			z = append(z, png[p+8:p+8+n]...)
		}
		p += 12 + n
	}
	return z
}

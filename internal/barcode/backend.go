package barcode

// Backend is a decoder implementation by name.
type Backend struct {
	Name string
	// New returns a decoder for the formats (all if none); tryHarder
	// trades speed for finding codes anywhere and turned.
	New func(formats []Format, tryHarder bool) Decoder
}

// Backends returns the decoders built in: pure-Go gozxing always, first,
// and zxing-cpp when built with the tag zxingcpp.
func Backends() []Backend {
	b := []Backend{{Name: "gozxing", New: func(f []Format, hard bool) Decoder { return GoZXing{Formats: f, TryHarder: hard} }}}
	if cpp := zxingCPPBackend(); cpp != nil {
		b = append(b, *cpp)
	}
	return b
}

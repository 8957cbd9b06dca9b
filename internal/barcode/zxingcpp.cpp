//go:build zxingcpp

#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <cstring>
#include <string>
#include "zxingcpp.h"

// Decodes a grey image; writes "format\ttext\tx0 y0 x1 y1\n" per code into
// out (truncated at cap) and returns the number of codes, -1 on exception.
extern "C" int eingang_zxing_decode(const unsigned char* pix, int w, int h, int stride, int formats, int harder, char* out, int cap) {
	try {
		ZXing::ImageView view(pix, w, h, ZXing::ImageFormat::Lum, stride);
		ZXing::DecodeHints hints;
		ZXing::BarcodeFormats f;
		if (formats & 1) f |= ZXing::BarcodeFormat::QRCode;
		if (formats & 2) f |= ZXing::BarcodeFormat::Code128;
		hints.setFormats(f);
		hints.setTryHarder(harder != 0);
		hints.setTryRotate(harder != 0);
		hints.setTryDownscale(false);
		auto results = ZXing::ReadBarcodes(view, hints);
		std::string s;
		int n = 0;
		for (auto& r : results) {
			if (!r.isValid()) continue;
			auto p = r.position();
			int x0 = p.topLeft().x, y0 = p.topLeft().y, x1 = x0, y1 = y0;
			for (auto& q : {p.topRight(), p.bottomLeft(), p.bottomRight()}) {
				x0 = std::min(x0, q.x); y0 = std::min(y0, q.y); x1 = std::max(x1, q.x); y1 = std::max(y1, q.y);
			}
			s += (r.format() == ZXing::BarcodeFormat::QRCode ? "QR" : "CODE_128");
			s += "\t" + r.text() + "\t" + std::to_string(x0) + " " + std::to_string(y0) + " " + std::to_string(x1) + " " + std::to_string(y1) + "\n";
			n++;
		}
		size_t m = std::min(s.size(), (size_t)cap - 1);
		std::memcpy(out, s.data(), m);
		out[m] = 0;
		return n;
	} catch (...) {
		return -1;
	}
}

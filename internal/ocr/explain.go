package ocr

import "github.com/eingang/eingang/internal/fault"

// Explain tells what a recognition error means for the clerk (see package
// fault): the errors caused by the input are permanent, since a retry with
// the same file cannot succeed; ok is false for all other errors.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return inputErrors.Explain(err)
}

var inputErrors = fault.Table{
	fault.Permanent(ErrEncrypted, "Die PDF-Datei ist passwortgeschützt. Bitte ohne Passwort erneut einreichen."),
	fault.Permanent(ErrNoPages, "Das Dokument enthält keine Seiten."),
	fault.Permanent(ErrUnsupportedFormat, "Das Dateiformat wird nicht unterstützt (erlaubt: PDF, TIFF, JPEG, PNG, GIF, BMP, WebP, HEIC)."),
	fault.Permanent(ErrCorrupt, "Die Datei ist beschädigt und kann nicht gelesen werden. Bitte neu scannen."),
	fault.Permanent(ErrImageTooLarge, "Eine Seite ist zu groß (Pixelzahl). Bitte mit höchstens 600 dpi scannen."),
	fault.Permanent(ErrImageTooSmall, "Eine Seite ist zu klein, um Text zu enthalten. Bitte neu scannen."),
	fault.Permanent(ErrTooManyPages, "Das Dokument hat zu viele Seiten. Bitte in kleinere Stapel teilen."),
	fault.Permanent(ErrOutputDamaged, "Die durchsuchbare PDF-Datei hätte nicht mehr alles gezeigt, was das Original zeigt (Seiteninhalt, Text oder eingebettete Teile); sie wurde deshalb nicht zugestellt. Bitte das Dokument an die IT weitergeben."),
	fault.Permanent(ErrPageTimeout, "Eine Seite konnte nicht in angemessener Zeit erkannt werden. Bitte Scanqualität prüfen."),
}

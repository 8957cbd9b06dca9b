package intake

import "github.com/eingang/eingang/internal/fault"

// Explain tells what intake's errors mean for the clerk (see package
// fault); ok is false for errors that are not intake's. Every one is
// permanent: the file itself is the problem.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	fault.Permanent(ErrEmpty, "Die Datei ist leer."),
	fault.Permanent(ErrIncomplete, "Die Datei ist beschädigt oder unvollständig und kann nicht gelesen werden."),
	fault.Permanent(ErrUnsupported, "Dieser Dateityp wird nicht unterstützt (erlaubt sind PDF, TIFF, JPEG, PNG, GIF, BMP, WebP, HEIC, Word (DOC, DOCX), OpenDocument-Text (ODT), RTF, ZIP-Archive, gespeicherte E-Mails (.eml) und XML-Rechnungen)."),
	fault.Permanent(ErrTooLarge, "Die Datei ist zu groß für die automatische Verarbeitung."),
	fault.Permanent(ErrArchiveEncrypted, "Das ZIP-Archiv ist passwortgeschützt. Bitte die Dateien ohne Passwort oder einzeln einreichen."),
	fault.Permanent(ErrArchiveTooBig, "Das ZIP-Archiv enthält zu viele oder zu große Dateien (höchstens 200 Dateien und 1 GB entpackt). Bitte in kleinere Archive teilen oder die Dateien einzeln einreichen."),
	fault.Permanent(ErrArchiveNested, "Das ZIP-Archiv enthält zu tief ineinander verschachtelte Archive. Bitte die Dateien einzeln einreichen."),
	fault.Permanent(ErrArchiveEmpty, "Das ZIP-Archiv enthält keine Dateien."),
	fault.Permanent(ErrNotAScan, "Die Datei ist kein Scan und kein Bild: Word-, OpenDocument- und RTF-Dokumente, gespeicherte E-Mails, ZIP-Archive und XML-Rechnungen verarbeitet eingang, wenn sie in einen Eingangsordner gelegt werden. Was dabei geschähe, zeigt „eingang inspect DATEI“."),
	fault.Permanent(ErrMailNothingUsable, "Die E-Mail enthält keinen Anhang, der verarbeitet werden kann (PDF, Bild, Word-, ODT- oder RTF-Dokument, XML-Rechnung oder ZIP-Archiv). Ist der Text der Mail selbst das Schreiben, bitte die Mail als PDF speichern und erneut einreichen."),
}

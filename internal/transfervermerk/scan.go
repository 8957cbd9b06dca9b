package transfervermerk

import (
	"fmt"
	"strconv"
	"time"

	"github.com/eingang/eingang/internal/layout"
)

// LowConfidence is the mean word confidence below which a recognised page
// is reported to quality assurance as an Auffälligkeit.
const LowConfidence = 60

// Facts are what is known about a scanned document besides its pages: the
// scan station (from the profile's scan protocol settings) and when it was
// captured and processed.
type Facts struct {
	DocumentID  string
	Creator     Person
	Environment Environment
	// CaptureTime is when the last sheet was digitised (or the closest
	// evidence of it).
	CaptureTime time.Time
	// Capture holds the capture settings; a DPI of 0 takes the first
	// page's, an empty colour mode means ColourGray.
	Capture Capture
	// ProcessedAt is the time of the processing steps and the quality
	// check.
	ProcessedAt time.Time
	// Batch places a document cut from a batch scan, with the batch pages
	// that were left out; nil for a scan of its own.
	Batch *Batch
	// System is the instance that ran OCR; OCRLanguages are its languages.
	System       string
	OCRLanguages string
}

// FromScan builds the Transfervermerk of a scan from the document facts and
// what OCR did to each page: an OCR step, a rotation or deskew step per
// page that needed one, and pages recognised with a mean confidence below
// LowConfidence as Auffälligkeiten. Page hashes are left for [Embed] to
// fill in from the PDF itself.
func FromScan(f Facts, pages []layout.PageInfo) *Record {
	now := f.ProcessedAt.UTC()
	rec := New()
	rec.DocumentID = f.DocumentID
	rec.Creator = f.Creator
	rec.Environment = f.Environment
	rec.CaptureTime = f.CaptureTime.UTC()
	rec.Batch = f.Batch
	capture := f.Capture
	if capture.DPI == 0 && len(pages) > 0 {
		capture.DPI = pages[0].DPI
	}
	if capture.ColourMode == "" {
		capture.ColourMode = ColourGray
	}
	rec.Capture = capture
	rec.Steps = append(rec.Steps, Step{Name: "ocr", CompletedAt: now, ActorKind: ActorService, Actor: "eingang",
		System: f.System, Attributes: map[string]string{"engine": "tesseract", "languages": f.OCRLanguages, "visible_image": "unchanged"}})
	qc := QualityCheck{CheckedAt: now, Method: "automatic", Result: QSPassed, PageCountChecked: true,
		BlankPages: []int{}, TooDarkPages: []int{}, TooLightPages: []int{}, LowOCRConfidencePages: []int{}}
	rec.Anomalies = []Anomaly{}
	for _, pg := range pages {
		if pg.RotationDeg != 0 {
			rec.Steps = append(rec.Steps, Step{Name: "rotation", CompletedAt: now, ActorKind: ActorService, Actor: "eingang",
				Attributes: map[string]string{"page": strconv.Itoa(pg.Number), "degrees": strconv.Itoa(pg.RotationDeg), "method": "page /Rotate entry, image unchanged"}})
		}
		if pg.SkewDeg != 0 {
			rec.Steps = append(rec.Steps, Step{Name: "deskew", CompletedAt: now, ActorKind: ActorService, Actor: "eingang",
				Attributes: map[string]string{"page": strconv.Itoa(pg.Number), "degrees": strconv.FormatFloat(pg.SkewDeg, 'f', 2, 64), "applied_to": "recognition_only"}})
		}
		if pg.Source == "ocr" && pg.MeanConfidence < LowConfidence {
			qc.LowOCRConfidencePages = append(qc.LowOCRConfidencePages, pg.Number)
			rec.Anomalies = append(rec.Anomalies, Anomaly{Page: pg.Number, Kind: "low_ocr_confidence",
				Description: fmt.Sprintf("mittlere Erkennungssicherheit %.0f %%", pg.MeanConfidence)})
		}
	}
	if len(rec.Anomalies) > 0 {
		qc.Result = QSWithAnomalies
	}
	rec.QualityCheck = qc
	rec.Statement.Matches = true
	return rec
}

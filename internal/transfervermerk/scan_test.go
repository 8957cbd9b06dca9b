package transfervermerk

import (
	"slices"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/layout"
)

func TestFromScan(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	facts := Facts{DocumentID: "abc", Creator: Person{Name: "M. Muster"}, CaptureTime: at, ProcessedAt: at.Add(time.Minute),
		System: "eingang-test", OCRLanguages: "deu"}
	tests := []struct {
		name      string
		capture   Capture
		pages     []layout.PageInfo
		wantDPI   int
		wantSteps []string
		wantLow   []int
		wantQS    string
	}{
		{"clean page, settings from the page", Capture{}, []layout.PageInfo{{Number: 1, Source: "ocr", MeanConfidence: 92, DPI: 300}},
			300, []string{"ocr"}, []int{}, QSPassed},
		{"configured dpi wins", Capture{DPI: 200, ColourMode: ColourBW}, []layout.PageInfo{{Number: 1, Source: "ocr", MeanConfidence: 92, DPI: 300}},
			200, []string{"ocr"}, []int{}, QSPassed},
		{"rotated, skewed and poorly read pages", Capture{}, []layout.PageInfo{
			{Number: 1, Source: "ocr", RotationDeg: 180, MeanConfidence: 90, DPI: 300},
			{Number: 2, Source: "ocr", SkewDeg: 0.7, MeanConfidence: 41, DPI: 300},
			{Number: 3, Source: "text", MeanConfidence: 0, DPI: 300},
		}, 300, []string{"ocr", "rotation", "deskew"}, []int{2}, QSWithAnomalies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts
			f.Capture = tt.capture
			rec := FromScan(f, tt.pages)
			if rec.SchemaVersion != SchemaVersion || rec.DocumentID != "abc" || rec.Creator.Name != "M. Muster" || !rec.Statement.Matches {
				t.Errorf("record facts: %+v", rec)
			}
			if !rec.CaptureTime.Equal(at) || rec.CaptureTime.Location() != time.UTC {
				t.Errorf("capture time %v, want %v in UTC", rec.CaptureTime, at)
			}
			if rec.Capture.DPI != tt.wantDPI {
				t.Errorf("dpi %d, want %d", rec.Capture.DPI, tt.wantDPI)
			}
			if want := tt.capture.ColourMode; (want == "" && rec.Capture.ColourMode != ColourGray) || (want != "" && rec.Capture.ColourMode != want) {
				t.Errorf("colour mode %q", rec.Capture.ColourMode)
			}
			var steps []string
			for _, s := range rec.Steps {
				steps = append(steps, s.Name)
			}
			if !slices.Equal(steps, tt.wantSteps) {
				t.Errorf("steps %v, want %v", steps, tt.wantSteps)
			}
			if !slices.Equal(rec.QualityCheck.LowOCRConfidencePages, tt.wantLow) || len(rec.Anomalies) != len(tt.wantLow) {
				t.Errorf("low confidence pages %v, anomalies %v, want pages %v", rec.QualityCheck.LowOCRConfidencePages, rec.Anomalies, tt.wantLow)
			}
			if rec.QualityCheck.Result != tt.wantQS {
				t.Errorf("quality check %q, want %q", rec.QualityCheck.Result, tt.wantQS)
			}
		})
	}
}

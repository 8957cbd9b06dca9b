package layout

import "encoding/json"

// PageInfo records what was done to one page (for the Transfervermerk:
// enhancement is logged, the visible image is unchanged). OCR produces it,
// the pipeline keeps it in the work folder (pages.json) and builds the
// Transfervermerk from it.
//
// Its JSON form (the work folder's pages.json, delivered as an attachment,
// and `eingang ocr --json`) uses snake_case keys like every other JSON of
// eingang.
type PageInfo struct {
	Number int `json:"number"`
	// Source is "ocr" (recognised) or "text" (born-digital text kept).
	Source string `json:"source"`
	// RotationDeg is the clockwise rotation applied for display (/Rotate)
	// and recognition: 0, 90, 180 or 270.
	RotationDeg int `json:"rotation_deg"`
	// SkewDeg is the clockwise tilt found and removed from the copy given
	// to Tesseract; the visible image keeps it.
	SkewDeg float64 `json:"skew_deg"`
	// MeanConfidence is the mean Tesseract word confidence, 0–100.
	MeanConfidence float64 `json:"mean_confidence"`
	// Width, Height and DPI describe the upright page raster the layout
	// coordinates refer to.
	Width  int `json:"width"`
	Height int `json:"height"`
	DPI    int `json:"dpi"`
	// ImageSHA256 is the hash of the page image's encoded bytes as stored
	// in the output PDF (empty for rendered or born-digital pages).
	ImageSHA256 string `json:"image_sha256,omitempty"`
	// OrientationScore is the image-statistics evidence for RotationDeg;
	// SecondPass is true when a low score or confidence made the engine
	// also recognise the page turned by 180° and keep the better result.
	OrientationScore float64 `json:"orientation_score"`
	SecondPass       bool    `json:"second_pass"`
}

// UnmarshalJSON also reads the keys pages.json had before they were
// snake_case (RotationDeg, …): a document still in the work folder across
// an upgrade must not get a Transfervermerk that claims no rotation.
// (Number, Source, Width, Height and DPI match their old keys anyway, as
// encoding/json compares keys without regard to case.)
func (p *PageInfo) UnmarshalJSON(b []byte) error {
	type plain PageInfo
	var v struct {
		plain
		OldRotationDeg      *int     `json:"RotationDeg"`
		OldSkewDeg          *float64 `json:"SkewDeg"`
		OldMeanConfidence   *float64 `json:"MeanConfidence"`
		OldImageSHA256      *string  `json:"ImageSHA256"`
		OldOrientationScore *float64 `json:"OrientationScore"`
		OldSecondPass       *bool    `json:"SecondPass"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = PageInfo(v.plain)
	if v.OldRotationDeg != nil {
		p.RotationDeg = *v.OldRotationDeg
	}
	if v.OldSkewDeg != nil {
		p.SkewDeg = *v.OldSkewDeg
	}
	if v.OldMeanConfidence != nil {
		p.MeanConfidence = *v.OldMeanConfidence
	}
	if v.OldImageSHA256 != nil {
		p.ImageSHA256 = *v.OldImageSHA256
	}
	if v.OldOrientationScore != nil {
		p.OrientationScore = *v.OldOrientationScore
	}
	if v.OldSecondPass != nil {
		p.SecondPass = *v.OldSecondPass
	}
	return nil
}

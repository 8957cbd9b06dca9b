package layout

import (
	"encoding/json"
	"testing"
)

func TestPageInfoJSON(t *testing.T) {
	full := PageInfo{Number: 2, Source: "ocr", RotationDeg: 90, SkewDeg: -0.4, MeanConfidence: 88.2, Width: 2480, Height: 3508, DPI: 300,
		ImageSHA256: "ab12", OrientationScore: 0.25, SecondPass: true}
	cur, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want PageInfo
	}{
		{"current keys", string(cur), full},
		{"keys before snake_case", `{"Number":2,"Source":"ocr","RotationDeg":90,"SkewDeg":-0.4,"MeanConfidence":88.2,"Width":2480,"Height":3508,"DPI":300,"ImageSHA256":"ab12","OrientationScore":0.25,"SecondPass":true}`, full},
		{"born-digital page", `{"number":1,"source":"text","rotation_deg":0,"mean_confidence":100,"dpi":72}`, PageInfo{Number: 1, Source: "text", MeanConfidence: 100, DPI: 72}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got PageInfo
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

package pdf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

// TestTIFFJPEGWithAlpha reads the peers' JPEG-compressed RGB TIFF with an
// alpha channel (four JPEG components without an Adobe marker), which was
// refused as corrupt: the page must decode to the white paper and black
// text that ImageMagick shows for it.
func TestTIFFJPEGWithAlpha(t *testing.T) {
	path := filepath.Join(testenv.Corpus(t, "scans"), "..", "peers", "paperless-ngx", "src", "documents", "tests", "samples", "simple.tiff")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("peers corpus not present: %v", err)
	}
	imgs, err := ReadTIFF(data, testLimits)
	if err != nil {
		t.Fatalf("ReadTIFF: %v", err)
	}
	g, err := imgs[0].Gray(testLimits)
	if err != nil {
		t.Fatalf("Gray: %v", err)
	}
	var white, black int
	for _, v := range g.Pix {
		switch {
		case v >= 230:
			white++
		case v < 80:
			black++
		}
	}
	n := len(g.Pix)
	t.Logf("%d×%d: %.1f %% white, %.1f %% dark", g.Rect.Dx(), g.Rect.Dy(), 100*float64(white)/float64(n), 100*float64(black)/float64(n))
	if white < n*8/10 || black == 0 || black > n/5 {
		t.Errorf("page does not look like text on paper: %d white, %d dark of %d pixels", white, black, n)
	}
}

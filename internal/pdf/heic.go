package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// heifConvert is libheif's decoder (Debian package libheif-examples). Go
// has no HEVC decoder, and linking libheif would put a video codec into
// the worker process; a subprocess with a deadline keeps a hostile file
// away from it.
const heifConvert = "heif-convert"

// ReadHEIC decodes a HEIC photo (its primary image) with heif-convert and
// stores it losslessly like a PNG.
func ReadHEIC(ctx context.Context, data []byte, lim Limits) (*Image, error) {
	if _, err := exec.LookPath(heifConvert); err != nil {
		return nil, fmt.Errorf("%w: heic needs %s (apt-get install libheif-examples)", ErrUnsupportedFormat, heifConvert)
	}
	dir, err := os.MkdirTemp("", "eingang-heic-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.heic"), filepath.Join(dir, "out.png")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, heifConvert, in, out)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: heic: %s", ErrCorrupt, bytes.TrimSpace(stderr.Bytes()))
		}
		return nil, fmt.Errorf("heic: %w", err)
	}
	png, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("%w: heic: no image decoded", ErrCorrupt)
	}
	return ReadPNG(png, lim)
}

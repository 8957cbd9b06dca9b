package ocr

import (
	"fmt"
	"io"
	"sync"

	"github.com/otiai10/gosseract/v2"
	"golang.org/x/sys/unix"
)

// stderrMu guards file descriptor 2 while Tesseract initialises. The
// gosseract bridge points fd 2 at /dev/null during TessBaseAPI::Init and
// restores it from a dup afterwards; two Inits that overlap restore each
// other's /dev/null and every later log line of the process is lost. fd 2
// belongs to the whole process, so this lock has to be process-wide too:
// Inits take it exclusively, log writes through StderrWriter share it, so
// no line is written into the redirected descriptor either.
var stderrMu sync.RWMutex

// StderrWriter returns w (the process's standard error) wrapped so that a
// write waits while a Tesseract initialisation has fd 2 redirected.
// main wraps os.Stderr with it once; everything that logs goes through it.
func StderrWriter(w io.Writer) io.Writer { return guardedWriter{w} }

type guardedWriter struct{ w io.Writer }

func (g guardedWriter) Write(p []byte) (int, error) {
	stderrMu.RLock()
	defer stderrMu.RUnlock()
	return g.w.Write(p)
}

// blankPGM is the smallest image Tesseract accepts for the initialising
// recognition: 64×64 white pixels, recognised in well under a millisecond.
var blankPGM = func() []byte {
	img := make([]byte, 0, 64*64+16)
	img = append(img, "P5\n64 64\n255\n"...)
	for range 64 * 64 {
		img = append(img, 255)
	}
	return img
}()

// initClient forces cl's lazy TessBaseAPI::Init now, under stderrMu, and
// checks afterwards that fd 2 is the file it was before. If the bridge
// left it elsewhere (a Tesseract or libc that behaves differently from the
// one this was written against), fd 2 is put back and the caller learns it.
func initClient(cl *gosseract.Client) (restored bool, err error) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	saved, err := unix.Dup(2)
	if err != nil {
		return false, fmt.Errorf("ocr: save standard error: %w", err)
	}
	defer unix.Close(saved)
	var before unix.Stat_t
	if err := unix.Fstat(saved, &before); err != nil {
		return false, fmt.Errorf("ocr: stat standard error: %w", err)
	}
	if err := cl.SetImageFromBytes(blankPGM); err != nil {
		return false, fmt.Errorf("ocr: initialise tesseract: %w", err)
	}
	_, initErr := cl.Text()
	var after unix.Stat_t
	if err := unix.Fstat(2, &after); err != nil || after.Dev != before.Dev || after.Ino != before.Ino {
		if err := unix.Dup3(saved, 2, 0); err != nil {
			return false, fmt.Errorf("ocr: restore standard error: %w", err)
		}
		restored = true
	}
	if initErr != nil {
		return restored, fmt.Errorf("ocr: initialise tesseract: %w", initErr)
	}
	return restored, nil
}

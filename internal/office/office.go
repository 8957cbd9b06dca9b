// Package office converts word-processing documents (DOCX, DOC, ODT, RTF)
// to PDF with LibreOffice in headless mode, so that the pipeline can treat
// them like a born-digital PDF.
package office

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/intake"
)

// Errors of a conversion; Explain tells what they mean for the clerk.
var (
	// ErrNoLibreOffice: the soffice binary is not installed or not at the
	// configured path. Retrying does not install it.
	ErrNoLibreOffice = errors.New("office: LibreOffice (soffice) not found")
	// ErrConversionFailed: soffice ran but failed or wrote no PDF — the
	// document is damaged, password-protected or of a kind it cannot read.
	ErrConversionFailed = errors.New("office: conversion to PDF failed")
	// ErrTimeout: the conversion did not finish in time and was killed; a
	// later attempt on a less busy machine may succeed.
	ErrTimeout = errors.New("office: conversion timed out")
)

// DefaultTimeout bounds one conversion when the Converter sets none: a
// letter converts in a second or two; a minute more is a hung soffice.
const DefaultTimeout = 2 * time.Minute

// Converter runs soffice. One conversion runs at a time per Converter:
// soffice is memory-hungry and, with a private profile per run, gains
// nothing from running in parallel on the small machines eingang runs on.
// The zero value is not usable; create one with New.
type Converter struct {
	binary  string
	timeout time.Duration
	log     *slog.Logger
	// sem holds one token per running conversion (capacity 1); a channel
	// rather than a mutex so that waiting for it honours the context.
	sem chan struct{}
	// TempDir is where each conversion's private profile and output are
	// made; empty means os.TempDir().
	TempDir string
}

// New returns a Converter running binary (a path or a name looked up in
// PATH; empty means "soffice"), killing a conversion after timeout (0 means
// DefaultTimeout).
func New(binary string, timeout time.Duration, log *slog.Logger) *Converter {
	if binary == "" {
		binary = "soffice"
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Converter{binary: binary, timeout: timeout, log: log, sem: make(chan struct{}, 1)}
}

// Available reports whether the binary can be found, for doctor checks and
// startup warnings; Convert returns ErrNoLibreOffice in the same case.
func (c *Converter) Available() error {
	if _, err := exec.LookPath(c.binary); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoLibreOffice, c.binary, err)
	}
	return nil
}

// Convert writes the PDF rendering of the document in to outPDF. The PDF
// appears under its final name only when complete (it is written to a
// temporary name in the same folder and renamed), so a caller that finds
// outPDF can trust it.
func (c *Converter) Convert(ctx context.Context, in, outPDF string) error {
	bin, err := exec.LookPath(c.binary)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoLibreOffice, c.binary, err)
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return c.ctxErr(ctx, ctx.Err())
	}
	defer func() { <-c.sem }()

	tmp, err := os.MkdirTemp(c.TempDir, "eingang-office-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// soffice names its output after the input and picks the import filter
	// partly by extension: the copy gets a plain name and the extension
	// of the detected format, whatever the file was called.
	src := filepath.Join(tmp, "document"+extension(in))
	if err := copyFile(in, src); err != nil {
		return err
	}
	outDir := filepath.Join(tmp, "out")
	profile := filepath.Join(tmp, "profile")

	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin,
		"--headless", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
		// A private profile: soffice refuses to start a second instance
		// on a shared one, and a broken shared profile would break all.
		"-env:UserInstallation=file://"+profile,
		"--convert-to", "pdf", "--outdir", outDir, src)
	// Its own process group: soffice is a wrapper that starts oosplash and
	// soffice.bin; on timeout the whole group is killed, not just the
	// wrapper.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "HOME="+tmp)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	runErr := cmd.Run()
	if cctx.Err() != nil {
		return c.ctxErr(ctx, cctx.Err())
	}
	got := filepath.Join(outDir, "document.pdf")
	if runErr != nil {
		return fmt.Errorf("%w: %s: %v: %s", ErrConversionFailed, filepath.Base(in), runErr, tail(output.String()))
	}
	if st, err := os.Stat(got); err != nil || st.Size() == 0 {
		return fmt.Errorf("%w: %s: soffice wrote no PDF: %s", ErrConversionFailed, filepath.Base(in), tail(output.String()))
	}
	pdf, err := os.Open(got)
	if err != nil {
		return err
	}
	defer pdf.Close()
	if err := fsutil.WriteWith(outPDF, 0o640, func(w io.Writer) error {
		_, err := io.Copy(w, pdf)
		return err
	}); err != nil {
		return err
	}
	c.log.Info("office document converted to PDF", "file", filepath.Base(in), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ctxErr maps an ended context: a deadline (the converter's own timeout or
// the step's) is ErrTimeout; a cancellation (shutdown) stays what it is.
func (c *Converter) ctxErr(parent context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w after %s", ErrTimeout, c.timeout)
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	return err
}

// extension is the file extension for the format of the document at path,
// detected by content; the file's own extension if detection fails.
func extension(path string) string {
	if f, err := intake.Detect(path); err == nil && intake.IsOffice(f) {
		return "." + string(f)
	}
	return strings.ToLower(filepath.Ext(path))
}

// tail keeps the end of soffice's output for the error: the reason is in
// the last lines, and a journal entry should stay short.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 400 {
		s = "…" + s[len(s)-400:]
	}
	if s == "" {
		return "no output"
	}
	return s
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o660)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// Package upload is the HTTP upload channel's intake: it streams an
// uploaded file into the work area, never holding it in memory, and hands
// it to the same claim and dedupe path as a file dropped into a hot
// folder. The HTTP side (authentication, multipart parsing) is package
// httpapi's.
package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
)

// Errors for the uploader; package httpapi turns them into status codes.
var (
	// ErrUnknownProfile: the profile named in the request is not
	// configured.
	ErrUnknownProfile = errors.New("upload: unknown profile")
	// ErrTooLarge: the upload exceeds intake.max_file_size.
	ErrTooLarge = errors.New("upload: file too large")
	// ErrEmpty: the request carried no bytes.
	ErrEmpty = errors.New("upload: empty file")
)

// Journal is what the receiver reads to tell a repeated upload apart.
type Journal interface {
	Get(ctx context.Context, id string) (*journal.Document, error)
}

// Registrar registers a claimed file and returns the id of the document it
// became (the pipeline's Intake).
type Registrar interface {
	Register(ctx context.Context, c intake.Claim) (id string, err error)
}

// Receiver takes uploads.
type Receiver struct {
	cfg     *config.Config
	journal Journal
	handler Registrar
	// claimDir is the work area's claims folder (pipeline.ClaimDir).
	claimDir string
}

// New returns a receiver that claims into claimDir and registers with h
// (the pipeline's intake).
func New(cfg *config.Config, j Journal, h Registrar, claimDir string) *Receiver {
	return &Receiver{cfg: cfg, journal: j, handler: h, claimDir: claimDir}
}

// Result says what became of an upload.
type Result struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// Created is false when the same content was uploaded before; the
	// document is then not processed again.
	Created bool `json:"-"`
}

// Receive stores body as a document of profile, uploaded by user under
// name. The same content uploaded again yields the earlier document's id
// and state. A file that fails the content check becomes a failed
// document with its German reason, like a broken file in a hot folder.
func (r *Receiver) Receive(ctx context.Context, profile, user, name string, body io.Reader) (Result, error) {
	if _, ok := r.cfg.Profile(profile); !ok {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownProfile, profile)
	}
	name = safeName(name)
	// Beside the claims, not inside: intake's recovery offers every file
	// in the claims folder again, and a half-received upload is no claim.
	stage := filepath.Join(filepath.Dir(r.claimDir), "uploads")
	if err := os.MkdirAll(stage, 0o770); err != nil {
		return Result{}, err
	}
	tmp, err := os.CreateTemp(stage, "upload-*.part")
	if err != nil {
		return Result{}, err
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	limit := r.cfg.Intake.MaxFileSize
	src := body
	if limit > 0 {
		// One byte more than allowed tells "too large" from "exactly the
		// limit" without reading the rest of an oversized body.
		src = io.LimitReader(body, limit+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		return Result{}, fmt.Errorf("upload: receive %s: %w", name, err)
	}
	if limit > 0 && n > limit {
		return Result{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if n == 0 {
		return Result{}, ErrEmpty
	}
	if err := tmp.Sync(); err != nil {
		return Result{}, err
	}
	if err := tmp.Close(); err != nil {
		return Result{}, err
	}
	id := hex.EncodeToString(h.Sum(nil))
	if d, err := r.journal.Get(ctx, id); err == nil && d.State != journal.StateFailed {
		return Result{ID: d.ID, State: d.State}, nil
	} else if err != nil && !errors.Is(err, journal.ErrNotFound) {
		return Result{}, err
	}
	// Give the staged file the uploaded name, so that the claim, the
	// journal and a reason file in the error folder carry it.
	named := filepath.Join(stage, id[:16], name)
	if err := os.MkdirAll(filepath.Dir(named), 0o770); err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmp.Name(), named); err != nil {
		return Result{}, err
	}
	committed = true
	defer os.Remove(filepath.Dir(named))
	c, err := intake.ClaimFileAs(named, filepath.Join(r.claimDir, profile), profile,
		intake.ClaimMeta{Channel: config.ChannelUpload, Origin: map[string]string{"user": user}})
	if err != nil {
		os.Remove(named)
		return Result{}, err
	}
	if _, err := intake.Detect(c.Path); err != nil {
		c.Problem = err
	}
	docID, err := r.handler.Register(ctx, c)
	if err != nil {
		// The claimed file stays in the work area: the next start offers
		// it again (intake's recovery), so it is not lost.
		return Result{}, err
	}
	d, err := r.journal.Get(ctx, docID)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: d.ID, State: d.State, Created: true}, nil
}

// safeName keeps the last element of an uploaded file name, without
// control characters or a leading dot (which the watcher would ignore).
func safeName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, `\`, "/"))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/|?*`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.TrimLeft(strings.TrimSpace(s), ".")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120])
	}
	if s == "" {
		s = "upload"
	}
	return s
}

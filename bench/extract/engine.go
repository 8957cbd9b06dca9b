//go:build !noocrengine

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/ocr"
)

// engineSource runs the workers' OCR engine (internal/ocr) and caches its
// layouts by file hash, so that repeated runs only measure extraction.
type engineSource struct {
	e     *ocr.Engine
	cache string
}

func init() {
	newEngineSource = func(cache string) (layoutSource, error) {
		cfg := ocr.Defaults()
		cfg.Workers = 1 // the machine is shared; one page at a time
		e, err := ocr.New(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return nil, err
		}
		return &engineSource{e: e, cache: cache}, nil
	}
}

func (*engineSource) Name() string { return "internal/ocr Engine.Process (the workers' OCR path)" }

func (s *engineSource) Layout(ctx context.Context, path string) (layout.Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return layout.Document{}, err
	}
	sum := sha256.Sum256(data)
	cp := filepath.Join(s.cache, hex.EncodeToString(sum[:12])+".layout.json")
	if b, err := os.ReadFile(cp); err == nil {
		var d layout.Document
		if json.Unmarshal(b, &d) == nil {
			return d, nil
		}
	}
	tmp, err := os.MkdirTemp("", "bench-extract-")
	if err != nil {
		return layout.Document{}, err
	}
	defer os.RemoveAll(tmp)
	res, err := s.e.Process(ctx, path, filepath.Join(tmp, "out.pdf"))
	if err != nil {
		return layout.Document{}, fmt.Errorf("ocr: %w", err)
	}
	if b, err := json.Marshal(res.Layout); err == nil && os.MkdirAll(s.cache, 0o755) == nil {
		_ = os.WriteFile(cp, b, 0o644)
	}
	return res.Layout, nil
}

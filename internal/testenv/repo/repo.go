// Package repo finds the repository root (the directory holding go.mod)
// and the shared corpus beside it. It does not import testing, so bench
// programs under bench/ use it as well as tests (through testenv).
package repo

import (
	"fmt"
	"os"
	"path/filepath"
)

// Root returns the nearest directory at or above the working directory
// that holds go.mod.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above %s", wd)
		}
		dir = parent
	}
}

// CorpusPath returns <root>/../shared/corpus/<sub...>, the shared corpus
// beside the repository, without checking that it exists.
func CorpusPath(sub ...string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{root, "..", "shared", "corpus"}, sub...)...), nil
}

// CorpusDefault is CorpusPath, or ../shared/corpus/<sub...> relative to
// the working directory when no go.mod is found: the default of a bench
// program's -corpus flag.
func CorpusDefault(sub ...string) string {
	if dir, err := CorpusPath(sub...); err == nil {
		return dir
	}
	return filepath.Join(append([]string{"..", "shared", "corpus"}, sub...)...)
}

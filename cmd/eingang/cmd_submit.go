package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/pipeline"
)

// cmdSubmit copies files into a profile's hot folder the way a scanner
// should: under a temporary name first, then renamed, so that the watcher
// never sees a half-written file. It prints each file's document id.
func cmdSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eingang submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	profile := fs.String("profile", "", "profile whose hot folder receives the files (default: the first profile)")
	url := fs.String("url", "", "upload to the eingang at this `URL` (e.g. https://eingang.kreis.example) instead of its hot folder; credentials from $EINGANG_USER and $EINGANG_PASSWORD")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang submit [--config FILE] [--profile NAME] FILE…\n       eingang submit --url URL --profile NAME FILE…\n\nHands files to intake: each is copied atomically into the profile's hot folder,\nor uploaded to a running eingang with --url, and its document id (SHA-256 of\nthe content) is printed as 'ID<TAB>FILE' (with --url also the state).\nThe files themselves are left where they are.\n\nFlags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *url != "" {
		if *profile == "" {
			fmt.Fprintln(stderr, "eingang submit: --url needs --profile")
			return 2
		}
		return uploadFiles(ctx, *url, *profile, os.Getenv("EINGANG_USER"), os.Getenv("EINGANG_PASSWORD"), fs.Args(), stdout, stderr)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	prof := cfg.Profiles[0]
	if *profile != "" {
		p, ok := cfg.Profile(*profile)
		if !ok {
			fmt.Fprintf(stderr, "eingang submit: unknown profile %q\n", *profile)
			return 2
		}
		prof = p
	}
	// Like serve: a missing folder is a mistyped path unless the profile
	// says create: true, and a file put there would wait forever.
	for i, p := range cfg.Profiles {
		if p.Name != prof.Name {
			continue
		}
		if _, err := os.Stat(p.Folder); errors.Is(err, os.ErrNotExist) && !p.Create {
			fmt.Fprintln(stderr, "eingang submit:", missingFolderError(i, p))
			return 1
		}
	}
	if err := os.MkdirAll(prof.Folder, 0o770); err != nil {
		fmt.Fprintln(stderr, "eingang submit:", err)
		return 1
	}
	code := 0
	for _, f := range fs.Args() {
		id, err := submitFile(f, prof.Folder)
		if err != nil {
			fmt.Fprintf(stderr, "eingang submit: %s: %v\n", f, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "%s\t%s\n", id, f)
	}
	return code
}

func submitFile(src, folder string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	id, err := pipeline.HashFile(src)
	if err != nil {
		return "", err
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dst := filepath.Join(folder, filepath.Base(src))
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(folder, id[:12]+"_"+filepath.Base(src))
	}
	// fsutil writes under a hidden temporary name, which the watcher
	// ignores, until the copy is complete and synced.
	if err := fsutil.WriteWith(dst, 0o640, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}); err != nil {
		return "", err
	}
	return id, nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// uploadFiles posts each file to base's upload API (POST
// /api/v1/documents?profile=…), streaming it from disk, and prints the
// document id and state. A file the server refuses is reported with the
// server's reason; the others are still sent.
func uploadFiles(ctx context.Context, base, profile, user, pass string, files []string, stdout, stderr io.Writer) int {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/api/v1/documents")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "eingang submit: --url %q is not an http(s) URL\n", base)
		return 2
	}
	u.RawQuery = url.Values{"profile": {profile}}.Encode()
	code := 0
	for _, f := range files {
		res, err := uploadFile(ctx, u.String(), user, pass, f)
		if err != nil {
			fmt.Fprintf(stderr, "eingang submit: %s: %v\n", f, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", res.ID, f, res.State)
	}
	return code
}

func uploadFile(ctx context.Context, target, user, pass, path string) (res struct{ ID, State, Error string }, err error) {
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return res, err
	}
	if !st.Mode().IsRegular() {
		return res, fmt.Errorf("not a regular file")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, f)
	if err != nil {
		return res, err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filepath.Base(path)}))
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return res, fmt.Errorf("%s: %v", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return res, fmt.Errorf("%s: %s", resp.Status, res.Error)
	}
	return res, nil
}

package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/eingang/eingang/internal/upload"
)

// Uploads takes uploaded files (package upload's Receiver).
type Uploads interface {
	Receive(ctx context.Context, profile, user, name string, body io.Reader) (upload.Result, error)
}

// upload handles POST /api/v1/documents?profile=NAME: a multipart field
// "file", or the raw body with its name in Content-Disposition. The body is
// streamed to the receiver, never read into memory. New content answers
// 202, content uploaded before 200 with the earlier document's id.
func (s *server) upload(w http.ResponseWriter, r *http.Request) {
	profile := r.URL.Query().Get("profile")
	if profile == "" {
		writeError(w, http.StatusBadRequest, "the query parameter profile is required")
		return
	}
	user := who(r).name
	if user == "" {
		user = "anonymous"
	}
	name, body, err := uploadedFile(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.uploads.Receive(r.Context(), profile, user, name, body)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, upload.ErrUnknownProfile):
		writeError(w, http.StatusBadRequest, "unknown profile "+profile)
		return
	case errors.Is(err, upload.ErrTooLarge), errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "the file is larger than intake.max_file_size")
		return
	case errors.Is(err, upload.ErrEmpty):
		writeError(w, http.StatusBadRequest, "the file is empty")
		return
	case err != nil:
		s.log.Error("upload", "profile", profile, "err", err)
		writeError(w, http.StatusInternalServerError, "upload not stored")
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusAccepted
	}
	s.log.Info("document uploaded", "id", res.ID, "profile", profile, "user", user, "state", res.State)
	writeJSON(w, status, res)
}

// uploadedFile finds the file in a request: the first multipart part named
// "file", or the whole body.
func uploadedFile(r *http.Request) (name string, body io.Reader, err error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return "", nil, err
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, errors.New(`the multipart field "file" is missing`)
			}
			if err != nil {
				return "", nil, err
			}
			if part.FormName() == "file" {
				return part.FileName(), part, nil
			}
		}
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	return strings.TrimSpace(name), r.Body, nil
}

// Package fsutil writes files atomically: readers see the old file or the
// whole new one, never a part, and after a successful write the new
// content and its name survive a crash.
//
// A write goes to a temporary file in the target's folder (a name starting
// with "." and ending in ".tmp", which the hot-folder watcher ignores), is
// synced to disk, renamed over the target, and the folder is synced so
// that the rename itself is durable.
package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile writes data to path atomically. perm is used as os.WriteFile
// uses it (before the umask) when path does not exist yet; an existing
// file is replaced by one with perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith streams the content of path through write and commits it
// atomically if write returns nil; otherwise neither the target is
// changed nor a temporary file left behind, and write's error is
// returned.
func WriteWith(path string, perm os.FileMode, write func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// File is a pending atomic write, created by Create. Write to it, then call
// Commit to put it in place or Abort to discard it. Abort after Commit does
// nothing, so `defer f.Abort()` is the usual pattern.
type File struct {
	*os.File
	path string
	done bool
}

// maxStem bounds the part of the target's name used in the temporary
// name, so that the temporary name stays within the 255 bytes file
// systems allow.
const maxStem = 200

// Create starts an atomic write of path with permission perm (before the
// umask, like os.OpenFile).
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if len(base) > maxStem {
		base = base[:maxStem]
	}
	for range 10000 {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])+".tmp")
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path}, nil
	}
	return nil, &fs.PathError{Op: "createtemp", Path: path, Err: fs.ErrExist}
}

// Commit syncs the content, renames it over the target and syncs the
// folder. After an error the temporary file is gone and the target
// unchanged (unless the error is from syncing the folder, after the
// rename).
func (f *File) Commit() error {
	if f.done {
		return errors.New("fsutil: " + f.path + ": already committed or aborted")
	}
	f.done = true
	tmp := f.Name()
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(f.path))
}

// Abort discards the pending write. It does nothing after Commit or an
// earlier Abort.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// SyncDir makes the entries of a folder (a rename into it) durable. File
// systems that cannot sync a folder are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) {
		return nil
	}
	return err
}

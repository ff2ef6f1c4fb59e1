// Package atomicfile writes a file whole or not at all. What is written
// goes to a temporary file beside the file asked for, renamed onto it once
// complete: a failure (a full disk, an interruption) never leaves half a
// file under its name, and a link at that name is replaced, never written
// through. Its errors name the file asked for and what is wrong with its
// folder, never the temporary file, which the person at the keyboard never
// asked for.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes to path what write writes, the file made with perm.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: the folder %s does not exist; create it first, or choose another", path, dir)
	case err == nil && !fi.IsDir():
		return fmt.Errorf("cannot write %s: %s is a file, not a folder", path, dir)
	}
	tmp, err := os.CreateTemp(dir, ".parley-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutTempName(err))
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, withoutTempName(err))
	}
	return nil
}

// WriteFile writes data to path, the file made with perm.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// withoutTempName is err without the temporary file's name a file
// operation's error carries (open /dir/.parley-123: …).
func withoutTempName(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		return le.Err
	}
	return err
}

// SameFile reports whether the paths a and b name one existing file (the
// same path, or a link to it), so that a command that replaces its output
// never replaces the file it read.
func SameFile(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}

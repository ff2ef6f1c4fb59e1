package transcripts

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

func TestWriteErrNamesThePathOnce(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"the file's own error", &fs.PathError{Op: "write", Path: "/r/x.jsonl", Err: syscall.ENOSPC}, "writing /r/x.jsonl: no space left on device"},
		{"another file's error", &fs.PathError{Op: "open", Path: "/r/.tmp", Err: syscall.ENOENT}, "writing /r/x.jsonl: open /r/.tmp: no such file or directory"},
		{"an error with no path", syscall.EIO, "writing /r/x.jsonl: input/output error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := writeErr("/r/x.jsonl", c.err)
			if err.Error() != c.want || strings.Count(err.Error(), "/r/x.jsonl") != 1 {
				t.Errorf("%q, want %q", err, c.want)
			}
			if !errors.Is(err, errors.Unwrap(c.err)) && !errors.Is(err, c.err) {
				t.Errorf("%q no longer wraps its cause", err)
			}
		})
	}
}

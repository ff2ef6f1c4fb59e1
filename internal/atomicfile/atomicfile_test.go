package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.txt")
	if err := os.WriteFile(target, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := WriteFile(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "kept" {
		t.Errorf("the link's target holds %q; want it untouched", got)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 || fi.Mode().Perm() != 0o644 {
		t.Fatalf("link.txt: %v, %v; want a plain file of mode 0644 in the link's place", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(link); string(got) != "new" {
		t.Errorf("link.txt holds %q; want %q", got, "new")
	}
}

func TestWriteLeavesNothingHalfWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.md")
	if err := os.WriteFile(path, []byte("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Write(path, 0o600, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half"); err != nil {
			return err
		}
		return errors.New("disk full")
	})
	if err == nil || err.Error() != "writing "+path+": disk full" {
		t.Errorf("error %v; want it to name %s and the cause alone", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "before" {
		t.Errorf("out.md holds %q; want it as it was", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files; want the temporary one gone", len(entries))
	}
}

func TestWriteNamesTheFolderToFix(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ path, want string }{
		"a missing folder":      {filepath.Join(dir, "missing", "x.md"), "the folder " + filepath.Join(dir, "missing") + " does not exist; create it first, or choose another"},
		"a file where a folder": {filepath.Join(file, "x.md"), file + " is a file, not a folder"},
	} {
		err := WriteFile(c.path, []byte("x"), 0o600)
		if err == nil || err.Error() != "cannot write "+c.path+": "+c.want || strings.Contains(err.Error(), ".parley-") {
			t.Errorf("%s: %v; want %q", name, err, c.want)
		}
	}
}

func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte(p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(a, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	for name, c := range map[string]struct {
		x, y string
		want bool
	}{
		"one path":           {a, a, true},
		"a link to it":       {link, a, true},
		"another spelling":   {filepath.Join(dir, ".", "a"), a, true},
		"two files":          {a, b, false},
		"one missing":        {a, filepath.Join(dir, "missing"), false},
		"one missing, twice": {filepath.Join(dir, "x"), filepath.Join(dir, "x"), false},
	} {
		if got := SameFile(c.x, c.y); got != c.want {
			t.Errorf("%s: SameFile(%s, %s) = %v; want %v", name, c.x, c.y, got, c.want)
		}
	}
}

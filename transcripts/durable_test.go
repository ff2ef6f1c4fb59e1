package transcripts

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// synced is one call of syncFile: the file or folder synced, and what a
// file held then, or, for a folder, what the path watched held then.
type synced struct {
	name    string
	folder  bool
	holds   string
	watched string
}

// watchSyncs records every syncFile call until the test ends. watch, once
// set, is the path whose content each folder's sync records.
func watchSyncs(t *testing.T, watch *string) *[]synced {
	var log []synced
	prev := syncFile
	syncFile = func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			t.Error(err)
			return err
		}
		s := synced{name: f.Name(), folder: fi.IsDir()}
		if s.folder {
			if *watch != "" {
				b, _ := os.ReadFile(*watch)
				s.watched = string(b)
			}
		} else {
			b, _ := os.ReadFile(f.Name())
			s.holds = string(b)
		}
		log = append(log, s)
		return prev(f)
	}
	t.Cleanup(func() { syncFile = prev })
	return &log
}

// A new recording's folder is synced, and the folders made for it, so a
// crash cannot lose the files' names with every line synced into them.
func TestCreateSyncsTheFoldersItsFilesAreIn(t *testing.T) {
	var watch string
	log := watchSyncs(t, &watch)
	root := t.TempDir()
	dir := filepath.Join(root, "runs", "today")
	r, err := Create(dir, sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	synced := map[string]bool{}
	for _, s := range *log {
		if s.folder {
			synced[filepath.Clean(s.name)] = true
		}
	}
	for _, d := range []string{dir, filepath.Join(root, "runs"), root} {
		if !synced[d] {
			t.Errorf("%s was not synced after the recording was created in %s", d, dir)
		}
	}
}

// Finish writes the finished Markdown to a file of its own, synced before
// it is renamed into place, and syncs the folder after the rename: a crash
// leaves the old Markdown or the new one, never an empty file.
func TestFinishSyncsTheMarkdownBeforeAndAfterItTakesItsPlace(t *testing.T) {
	var watch string
	log := watchSyncs(t, &watch)
	r, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sampleMessages() {
		if err := r.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	watch, *log = r.MarkdownPath, nil
	if err := r.Finish(time.Now(), Stop{Kind: StopPolicy, Reason: "done", At: 2}); err != nil {
		t.Fatal(err)
	}
	final, err := os.ReadFile(r.MarkdownPath)
	if err != nil {
		t.Fatal(err)
	}
	file, folder := -1, -1
	for i, s := range *log {
		switch {
		case !s.folder && s.name != r.MarkdownPath && s.holds == string(final) && file < 0:
			file = i
		case s.folder && filepath.Clean(s.name) == filepath.Dir(r.MarkdownPath) && s.watched == string(final):
			folder = i
		}
	}
	if file < 0 {
		t.Errorf("the finished Markdown was not synced before it was renamed into place; syncs: %+v", *log)
	}
	if folder < 0 || folder < file {
		t.Errorf("the folder was not synced once the finished Markdown was in place; syncs: %+v", *log)
	}
}

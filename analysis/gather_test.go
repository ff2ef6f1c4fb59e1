package analysis

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A directory is searched for the files that hold transcripts, each
// conversation once; YAML is read only when named, since recordings often
// sit beside a scenario or labels in YAML.
func TestGatherSearchesDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a.md", "a.jsonl", // a parley recording: the JSONL only
		"b.md", "b.json", // a tool's Markdown and its JSON copy: the Markdown only
		"c.txt", "d.csv", "e.tsv", "f.json", "h.markdown", "i.log",
		"scenario.yaml", "g.expect.yaml", "summary.md", "README.md", ".hidden.md", "notes.pdf",
		"state.jsonl", "batch.json", // a batch's own files
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Gather([]string{dir, filepath.Join(dir, "scenario.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path))
	}
	slices.Sort(got)
	want := []string{"a.jsonl", "b.md", "c.txt", "d.csv", "e.tsv", "f.json", "h.markdown", "i.log", "scenario.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("Gather found %q, want %q", got, want)
	}
}

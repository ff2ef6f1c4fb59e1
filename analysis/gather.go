package analysis

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is one transcript file found under a path given on the command line.
type File struct {
	Path string
	Root string // the argument it was found under: summaries are per root
}

// transcriptExts are the files a directory is searched for. YAML is read
// only when named on the command line: a folder of recordings often holds
// a scenario or labels in YAML beside them.
var transcriptExts = map[string]bool{".md": true, ".markdown": true, ".jsonl": true, ".json": true, ".txt": true, ".log": true, ".csv": true, ".tsv": true}

// notTranscripts are files parley itself writes beside transcripts, and
// label tables.
var notTranscripts = map[string]bool{"summary.md": true, "summary.json": true, "batch.json": true, "state.jsonl": true, LabelTableName: true}

// Gather expands directories into the transcript files they hold, each
// conversation once: when NAME.jsonl sits beside NAME.md (a parley
// recording) only the JSONL is read, since it holds timings and usage; when
// NAME.json sits beside NAME.md (the layout of tools that write a JSON copy
// of each conversation) only the Markdown is read. Files named on the
// command line are always read.
func Gather(args []string) ([]File, error) {
	var out []File
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: no such transcript or directory", a)
		}
		if !st.IsDir() {
			out = append(out, File{Path: a, Root: a})
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != a && strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			ext := filepath.Ext(name)
			if !transcriptExts[ext] || notTranscripts[name] || strings.HasPrefix(strings.ToUpper(name), "README") ||
				strings.HasSuffix(name, ".expect.yaml") || strings.HasPrefix(name, ".") {
				return nil
			}
			stem := strings.TrimSuffix(p, ext)
			switch ext {
			case ".md":
				if exists(stem + ".jsonl") {
					return nil
				}
			case ".json":
				if exists(stem + ".md") {
					return nil
				}
			}
			out = append(out, File{Path: p, Root: a})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("searching %s: %w", a, err)
		}
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

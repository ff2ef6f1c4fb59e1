package transcripts

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusFile is one conversation of the labelled corpus in ../shared/corpus.
type corpusFile struct {
	name string // its file name
	data []byte
}

// corpusFiles reads the corpus folders named, in order; none when the
// corpus is absent, so each caller says what it cannot do without it.
func corpusFiles(tb testing.TB, folders ...string) (files []corpusFile, size int) {
	tb.Helper()
	for _, folder := range folders {
		paths, _ := filepath.Glob(filepath.Join("../../shared/corpus", folder, "*.md"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			files = append(files, corpusFile{filepath.Base(p), data})
			size += len(data)
		}
	}
	return files, size
}

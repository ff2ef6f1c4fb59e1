package analysis

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// corpusFiles reads every transcript of the labelled corpus into memory.
func corpusFiles(b *testing.B) ([][]byte, int) {
	var out [][]byte
	size := 0
	for _, dir := range []string{"attractors", "backrooms"} {
		fs, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*.md"))
		for _, f := range fs {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, data)
			size += len(data)
		}
	}
	if len(out) == 0 {
		b.Skipf("the labelled corpus is not at %s; nothing to measure", corpusDir)
	}
	return out, size
}

// BenchmarkCorpus measures, side by side over the same bytes of the
// labelled corpus, parsing alone and parsing then judging with the default
// set, on one goroutine; check/read is their ratio.
//
//	go test ./analysis -run XXX -bench Corpus
func BenchmarkCorpus(b *testing.B) {
	files, size := corpusFiles(b)
	read := func() [][]transcripts.Message {
		var all [][]transcripts.Message
		for _, data := range files {
			ts, _, err := transcripts.Import(data)
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, ts[0].Messages)
		}
		return all
	}
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			read()
		}
	})
	b.Run("check", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, msgs := range read() {
				Judge(policy.Default(), msgs)
			}
		}
	})
}

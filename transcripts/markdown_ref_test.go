package transcripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkParseMarkdown reads the real Markdown corpus in
// ../shared/corpus/attractors (the layout of the system the seed came from,
// with its unescaped rules and headings) beside splitting the same bytes
// into lines, the least any line reader does, in one run.
func BenchmarkParseMarkdown(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/attractors/*.md")
	var all [][]byte
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, data)
		size += len(data)
	}
	if len(all) == 0 {
		b.Skip("../shared/corpus is absent: no real Markdown transcripts to read")
	}
	b.Run("now", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range all {
				if _, err := ParseMarkdown(d); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("split", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range all {
				_ = strings.Split(string(d), "\n")
			}
		}
	})
}

package transcripts

import (
	"strings"
	"testing"
)

// BenchmarkParseMarkdown reads the real Markdown corpus in
// ../shared/corpus/attractors (the layout of the system the seed came from,
// with its unescaped rules and headings) beside splitting the same bytes
// into lines, the least any line reader does, in one run.
func BenchmarkParseMarkdown(b *testing.B) {
	all, size := corpusFiles(b, "attractors")
	if len(all) == 0 {
		b.Skip("../shared/corpus is absent: no real Markdown transcripts to read")
	}
	b.Run("now", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range all {
				if _, err := ParseMarkdown(d.data); err != nil {
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
				_ = strings.Split(string(d.data), "\n")
			}
		}
	})
}

package transcripts

import (
	"embed"
	"strings"
)

// Embedded holds the recordings shipped inside the binary, under seed/,
// so the offline demo needs no files.
//
//go:embed seed/*.md
var Embedded embed.FS

// ReadEmbedded reads a shipped recording by its path in the repository,
// such as "transcripts/seed/kimi-k2-vs-grok-4.md".
func ReadEmbedded(path string) (*Transcript, bool) {
	data, err := Embedded.ReadFile(strings.TrimPrefix(path, "transcripts/"))
	if err != nil {
		return nil, false
	}
	t, err := Parse(data)
	return t, err == nil
}

package transcripts

import (
	"encoding/json"
	"strings"
	"testing"
)

// oneLine keeps a name that is one line already as it is, and does to any
// other what joining its fields with single spaces does.
func TestOneLine(t *testing.T) {
	for _, s := range []string{"", " ", "a", "Kimi K2", "claude-3-opus (1)", "a  b", " a", "a ", "a\tb", "a\nb", "a\r\nb", "a \t b", "\v", "x\u00a0y", "日本 語", "GPT\u2003 4"} {
		if got, want := oneLine(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
	}
}

// BenchmarkImportJSON reads the real "### Name ###" corpus in
// ../shared/corpus/backrooms written as OpenAI messages JSON, each message
// naming its speaker, as an export of it would be.
func BenchmarkImportJSON(b *testing.B) {
	files, _ := corpusFiles(b, "backrooms")
	if len(files) == 0 {
		b.Skip("../shared/corpus is absent: no real transcripts to write as JSON")
	}
	var all [][]byte
	size := 0
	for _, f := range files {
		t, err := ParseHeaded(f.data)
		if err != nil {
			b.Fatal(err)
		}
		var msgs []map[string]string
		for i, m := range t.Messages {
			msgs = append(msgs, map[string]string{"role": [2]string{"user", "assistant"}[i%2], "name": m.Speaker, "content": m.Content})
		}
		j, err := json.Marshal(map[string]any{"messages": msgs})
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, j)
		size += len(j)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range all {
			if _, _, err := Import(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

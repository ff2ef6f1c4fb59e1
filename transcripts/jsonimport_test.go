package transcripts

import (
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
	benchImportAs(b, writeOpenAI, "backrooms")
}

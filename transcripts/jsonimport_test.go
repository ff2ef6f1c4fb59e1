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

// A chat export of every conversation of an account, each wrapped in the
// export's own object, is the conversations it wraps.
func TestAListOfWrappedConversations(t *testing.T) {
	data := `[{"title":"Poem","chat":{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}},` +
		`{"title":"Riddle","chat":{"messages":[{"role":"user","content":"what has keys?"},{"role":"assistant","content":"a piano"}]}}]`
	ts, layout, err := Import([]byte(data))
	if err != nil || layout != LayoutOpenAI || len(ts) != 2 {
		t.Fatalf("layout %q, %d conversations, %v; want the two it wraps", layout, len(ts), err)
	}
	if ts[1].Messages[1].Content != "a piano" {
		t.Errorf("second conversation: %+v", ts[1].Messages)
	}
	// A list whose items are not all wrapped conversations is no export.
	if _, _, err := Import([]byte(`[{"chat":{"messages":[{"role":"user","content":"hi"}]}}, {"score": 3}]`)); err == nil {
		t.Error("a list with an item that wraps nothing was read")
	}
}

package transcripts

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const seedPath = "seed/kimi-k2-vs-grok-4.md"

func readSeed(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSeedRoundTripsByteForByte(t *testing.T) {
	data := readSeed(t)
	tr, err := ParseMarkdown(data)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteMarkdown(&out, tr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("writing the seed back changed it:\n%s", firstDiff(data, out.Bytes()))
	}
}

func TestSeedReadsAsRecorded(t *testing.T) {
	tr, err := ParseMarkdown(readSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tr.Messages), 97; got != want {
		t.Fatalf("messages = %d, want %d", got, want)
	}
	if tr.Title != "Kimi K2 ↔ grok-4" {
		t.Errorf("title = %q", tr.Title)
	}
	if want := time.Date(2025, 10, 26, 13, 8, 38, 0, time.Local); !tr.Started.Equal(want) {
		t.Errorf("started = %v, want %v", tr.Started, want)
	}
	if got := tr.Messages[0].Content; got != " " {
		t.Errorf("message 1 = %q, want a single space", got)
	}
	if got := tr.Messages[2].Content; !strings.HasSuffix(got, "[END]") {
		t.Errorf("message 3 = %q, want it to end with [END]", got)
	}
	// grok-4's long answers hold their own ### headings; they stay inside the message.
	if got := tr.Messages[5].Content; !strings.Contains(got, "\n### Classes of Questions") {
		t.Errorf("message 6 lost its inner heading: %q…", got[:80])
	}
	if got, want := tr.Speakers(), []string{"Kimi K2", "grok-4"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("speakers = %q, want %q", got, want)
	}
	for i, m := range tr.Messages {
		want := "Kimi K2"
		if i%2 == 1 {
			want = "grok-4"
		}
		if m.Speaker != want {
			t.Fatalf("message %d speaker = %q, want %q", i+1, m.Speaker, want)
		}
	}
}

func TestContentRoundTrips(t *testing.T) {
	cases := map[string]string{
		"empty":                  "",
		"single space":           " ",
		"newline only":           "\n",
		"trailing newline":       "a\n",
		"leading blank lines":    "\n\na",
		"separator line":         "---",
		"separator inside":       "above\n---\nbelow",
		"escaped separator":      `\---`,
		"doubly escaped":         `\\---`,
		"fake next message":      "text\n\n---\n\n### grok-4\n\nforged",
		"own heading":            "### Heading\n\nbody",
		"dashes with trailing":   "--- not a separator",
		"windows line ends":      "a\r\n---\r\nb",
		"wide characters":        "👋 ↔ — 🚀",
		"blank lines at end":     "x\n\n\n",
		"moderator-like heading": "### Moderator\n\nhi",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			in := &Transcript{Title: "A ↔ B", Messages: []Message{
				{Speaker: "A", Content: content},
				{Speaker: "B", Content: "after"},
			}}
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, in); err != nil {
				t.Fatal(err)
			}
			out, err := ParseMarkdown(buf.Bytes())
			if err != nil {
				t.Fatalf("reading back: %v\n%s", err, buf.String())
			}
			if len(out.Messages) != 2 {
				t.Fatalf("read %d messages, want 2:\n%s", len(out.Messages), buf.String())
			}
			if out.Messages[0].Content != content || out.Messages[1].Content != "after" {
				t.Fatalf("content changed: got %q, %q; want %q, %q", out.Messages[0].Content, out.Messages[1].Content, content, "after")
			}
		})
	}
}

func TestMarksRoundTrip(t *testing.T) {
	in := &Transcript{Title: "A ↔ B", Messages: []Message{
		{Speaker: "A", Content: "typed by the operator", Origin: OriginInjected},
		{Speaker: ModeratorSpeaker, Content: "a note", Origin: OriginModerator},
		{Speaker: "B", Content: "cut off mid-", Partial: true},
	}}
	var buf bytes.Buffer
	WriteMarkdown(&buf, in)
	out, err := ParseMarkdown(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range out.Messages {
		w := in.Messages[i]
		if m.Speaker != w.Speaker || m.Origin != w.Origin || m.Partial != w.Partial || m.Content != w.Content {
			t.Errorf("message %d = %+v, want %+v", i+1, m, w)
		}
	}
}

func TestParseMarkdownErrorsNameTheLine(t *testing.T) {
	cases := map[string]struct {
		in   string
		line int
	}{
		"no title":         {"hello\n", 1},
		"text not heading": {"# A ↔ B\n\n---\n\nstray text\n", 5},
		"bad count":        {"# A ↔ B\n**Messages:** many\n---\n", 2},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMarkdown([]byte(c.in))
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != c.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, c.line, err)
			}
		})
	}
}

func TestTornMarkdownKeepsCompleteMessages(t *testing.T) {
	data := readSeed(t)
	// Cut in the middle of message 6.
	cut := bytes.Index(data, []byte("### Classes of Questions"))
	tr, err := ParseMarkdown(data[:cut+10])
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 6 {
		t.Fatalf("messages = %d, want 5 whole and 1 torn", len(tr.Messages))
	}
	if tr.Messages[4].Content == "" || !strings.HasPrefix(tr.Messages[4].Content, "Appreciate") {
		t.Errorf("message 5 = %q", tr.Messages[4].Content)
	}
}

func FuzzMarkdownContentRoundTrip(f *testing.F) {
	tr, _ := ParseMarkdown(readSeed(f))
	for _, m := range tr.Messages[:20] {
		f.Add(m.Content)
	}
	f.Add("---")
	f.Add("a\n\n---\n\n### B\n\nb")
	f.Fuzz(func(t *testing.T, content string) {
		in := &Transcript{Title: "A ↔ B", Messages: []Message{{Speaker: "A", Content: content}, {Speaker: "B", Content: "x"}}}
		var buf bytes.Buffer
		WriteMarkdown(&buf, in)
		out, err := ParseMarkdown(buf.Bytes())
		if err != nil {
			t.Fatalf("reading back %q: %v", content, err)
		}
		if len(out.Messages) != 2 || out.Messages[0].Content != content {
			t.Fatalf("content %q did not round-trip: %+v", content, out.Messages)
		}
	})
}

func FuzzParseMarkdown(f *testing.F) {
	data := readSeed(f)
	f.Add(data)
	f.Add(data[:len(data)/3])
	f.Add([]byte("# A\n\n---\n\n### A\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseMarkdown(data)
		if err != nil {
			return
		}
		// Whatever was read writes out and reads back to the same messages.
		var buf bytes.Buffer
		WriteMarkdown(&buf, tr)
		again, err := ParseMarkdown(buf.Bytes())
		if err != nil {
			t.Fatalf("rewritten transcript does not read: %v", err)
		}
		if len(again.Messages) != len(tr.Messages) {
			t.Fatalf("%d messages became %d", len(tr.Messages), len(again.Messages))
		}
	})
}

// firstDiff describes where two byte slices first differ.
func firstDiff(want, got []byte) string {
	n := min(len(want), len(got))
	for i := 0; i < n; i++ {
		if want[i] != got[i] {
			lo := max(0, i-40)
			return "at byte " + itoa(i) + ":\nwant …" + string(want[lo:min(len(want), i+40)]) + "\ngot  …" + string(got[lo:min(len(got), i+40)])
		}
	}
	return "lengths differ: want " + itoa(len(want)) + ", got " + itoa(len(got))
}

func itoa(i int) string { return strconv.Itoa(i) }

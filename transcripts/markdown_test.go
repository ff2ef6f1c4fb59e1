package transcripts

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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
	// A title that names nobody: the speakers come from the headings, the
	// opening's mark aside.
	in := &Transcript{Title: "An experiment", Messages: []Message{
		{Speaker: "B", Content: "Hello.", Origin: OriginOpening},
		{Speaker: "A", Content: "notes\n\n---\n\n### Root cause\n\nx"},
		{Speaker: "B", Content: "ok\n---\nrule"},
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
	if len(out.Messages) != len(in.Messages) {
		t.Fatalf("read %d messages, want %d", len(out.Messages), len(in.Messages))
	}
	for i, m := range out.Messages {
		w := in.Messages[i]
		if m.Speaker != w.Speaker || m.Origin != w.Origin || m.Partial != w.Partial || m.Content != w.Content {
			t.Errorf("message %d = %+v, want %+v", i+1, m, w)
		}
	}
}

// A name that ends with a mark parley puts after a name is written with a
// backslash before the mark's "(" (one more after backslashes already
// there), which Markdown shows as the name as written and the reader
// takes away again, so the speaker keeps the name and no mark is invented.
func TestNamesEndingWithAMarkAreEscaped(t *testing.T) {
	for _, c := range []struct {
		name    string
		m       Message
		heading string
	}{
		{"a name ending with (interrupted)", Message{Speaker: "Claude (interrupted)"}, `### Claude \(interrupted)`},
		{"the same name, its message cut off", Message{Speaker: "Claude (interrupted)", Partial: true}, `### Claude \(interrupted) (interrupted)`},
		{"a name ending with (opening), on the opening", Message{Speaker: "GPT (opening)", Origin: OriginOpening}, `### GPT \(opening) (opening)`},
		{"a name ending with (injected)", Message{Speaker: "Op (injected)"}, `### Op \(injected)`},
		{"a name already escaped", Message{Speaker: `Op \(injected)`}, `### Op \\(injected)`},
		{"a mark with no space before it", Message{Speaker: "Op(injected)"}, `### Op(injected)`},
		{"a mark inside the name", Message{Speaker: "A (opening) B"}, `### A (opening) B`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := AppendMarkdownMessage(&buf, c.m); err != nil {
				t.Fatal(err)
			}
			if got, _, _ := strings.Cut(buf.String(), "\n"); got != c.heading {
				t.Errorf("heading %q, want %q", got, c.heading)
			}
			back := parseSpeaker(strings.TrimPrefix(c.heading, "### "))
			if back.Speaker != c.m.Speaker || back.Origin != c.m.Origin || back.Partial != c.m.Partial {
				t.Errorf("read back as %+v, want %+v", back, c.m)
			}
		})
	}
}

func TestParseMarkdownErrorsNameTheLine(t *testing.T) {
	cases := map[string]struct {
		in   string
		line int
	}{
		"no title":          {"hello\n", 1},
		"text not heading":  {"# A ↔ B\n\n---\n\nstray text\n", 5},
		"bad count":         {"# A ↔ B\n**Messages:** many\n---\n", 2},
		"header not closed": {"\n# A ↔ B\n\n**Started:**\n\n### A\n\nhi\n", 2},
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

// writeUnescaped writes a conversation the way other tools write parley's
// layout: the same blocks, with nothing escaped.
func writeUnescaped(title string, msgs []Message) []byte {
	var b strings.Builder
	b.WriteString("# " + title + "\n\n**Started:** 2025-10-26 13:08:38\n**Ended:** 2025-10-26 13:47:24\n")
	b.WriteString("**Messages:** " + itoa(len(msgs)) + "\n\n---\n\n")
	for _, m := range msgs {
		b.WriteString("### " + m.Speaker + "\n\n" + m.Content + "\n\n---\n\n")
	}
	return []byte(b.String())
}

func TestUnescapedRulesAndHeadingsStayInsideMessages(t *testing.T) {
	msgs := []Message{
		{Speaker: "Alice", Content: "The outage, in short.\n\n---\n\n### Root cause\n\nA stale cache."},
		{Speaker: "Bob", Content: "---"},
		{Speaker: "Alice", Content: "## Plan\n---\n### Steps\n\n1. purge\n\n---"},
		{Speaker: "Bob", Content: "Agreed.\n\n---\n\n#### Next\n\n### Alice's part"},
	}
	tr, err := ParseMarkdown(writeUnescaped("Alice ↔ Bob", msgs))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != len(msgs) {
		t.Fatalf("read %d messages, want %d: %q", len(tr.Messages), len(msgs), tr.Speakers())
	}
	for i, m := range msgs {
		if tr.Messages[i].Speaker != m.Speaker || tr.Messages[i].Content != m.Content {
			t.Errorf("message %d = %s: %q, want %s: %q", i+1, tr.Messages[i].Speaker, tr.Messages[i].Content, m.Speaker, m.Content)
		}
	}
	if len(tr.Warnings) != 0 {
		t.Errorf("warnings = %q, want none", tr.Warnings)
	}
}

// Without a title that names them, the speakers are the first two to head a block.
func TestSpeakersFromHeadingsWhenTheTitleNamesNone(t *testing.T) {
	msgs := []Message{
		{Speaker: "Alice", Content: "Notes.\n\n---\n\n### Root cause\n\nA stale cache."},
		{Speaker: "Bob", Content: "ok"},
		{Speaker: "Alice", Content: "---\n\n### Summary\n\ndone"},
	}
	tr, err := ParseMarkdown(writeUnescaped("Incident review", msgs))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 3 || tr.Messages[2].Content != msgs[2].Content {
		t.Fatalf("read %+v", tr.Messages)
	}
}

// The one ambiguous layout: a message holding "---", a blank line and
// "### B" where B is the other speaker reads as two messages.
func TestAmbiguousSpeakerHeadingAfterARule(t *testing.T) {
	msgs := []Message{
		{Speaker: "A", Content: "first\n\n---\n\n### B\n\nquoted"},
		{Speaker: "B", Content: "reply"},
	}
	tr, err := ParseMarkdown(writeUnescaped("A ↔ B", msgs))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 3 {
		t.Fatalf("read %d messages, want the documented 3", len(tr.Messages))
	}
	if len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0], "**Messages:** 2, but 3") {
		t.Errorf("warnings = %q, want the header count disagreeing", tr.Warnings)
	}
	// parley's own writer escapes it, so its files are not ambiguous.
	var buf bytes.Buffer
	WriteMarkdown(&buf, &Transcript{Title: "A ↔ B", Messages: msgs})
	back, err := ParseMarkdown(buf.Bytes())
	if err != nil || len(back.Messages) != 2 || back.Messages[0].Content != msgs[0].Content {
		t.Fatalf("parley's own file: %v %+v", err, back)
	}
}

func TestMarkdownWarnings(t *testing.T) {
	full := writeUnescaped("A ↔ B", []Message{{Speaker: "A", Content: "one"}, {Speaker: "B", Content: "two"}})
	cases := []struct {
		name string
		data string
		want []string
	}{
		{"whole", string(full), nil},
		{"count disagrees", strings.Replace(string(full), "**Messages:** 2", "**Messages:** 4", 1),
			[]string{"the header says **Messages:** 4, but 2 messages were read"}},
		{"torn last message", string(full[:len(full)-len("two\n\n---\n\n")+2]),
			[]string{`message 2 has no closing "---" line`}},
		{"a live recording's header", strings.Replace(string(full), "**Messages:** 2", "**Messages:** 0", 1), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseMarkdown([]byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Warnings) != len(c.want) {
				t.Fatalf("warnings = %q, want %q", tr.Warnings, c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(tr.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, tr.Warnings[i], w)
				}
			}
		})
	}
}

// unescapedPieces are the lines generated conversations are made of: model
// output's own rules, headings and dashes among plain text.
var unescapedPieces = []string{
	"", "", "plain words", "---", "### Root cause", "#### Details", "### A", "### B", `\---`,
	"- item", "--- not a rule", "**bold**", " ", "👋 ↔ —", "### Moderator", "----", "***",
}

// genMessage builds a message from pieces; it never produces the ambiguous
// layout ("---", blank lines, then "### <a speaker>").
func genMessage(r *rand.Rand) string {
	n := r.IntN(8)
	var ls []string
	for len(ls) < n {
		p := unescapedPieces[r.IntN(len(unescapedPieces))]
		if p == `\---` {
			continue // documented: loses a backslash before a heading
		}
		if strings.HasPrefix(p, "### ") {
			k := len(ls) - 1
			for k >= 0 && strings.TrimSpace(ls[k]) == "" {
				k--
			}
			if k >= 0 && ls[k] == "---" || k < 0 && len(ls) > 0 {
				continue
			}
		}
		ls = append(ls, p)
	}
	s := strings.Join(ls, "\n")
	if strings.TrimSpace(s) == "" {
		s += "x" // a blank message's blank lines are not kept apart from the block's
	}
	return s
}

// Property: any conversation written the way the seed's system writes it
// reads back exactly, message for message.
func TestUnescapedConversationsReadBackExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 3000; round++ {
		msgs := make([]Message, 1+r.IntN(6))
		for i := range msgs {
			msgs[i] = Message{Speaker: []string{"A", "B"}[i%2], Content: genMessage(r)}
		}
		data := writeUnescaped("A ↔ B", msgs)
		tr, err := ParseMarkdown(data)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, data)
		}
		if len(tr.Messages) != len(msgs) {
			t.Fatalf("round %d: %d messages read, want %d\n%s", round, len(tr.Messages), len(msgs), data)
		}
		for i := range msgs {
			if tr.Messages[i].Content != msgs[i].Content || tr.Messages[i].Speaker != msgs[i].Speaker {
				t.Fatalf("round %d, message %d: %q, want %q\n%s", round, i+1, tr.Messages[i].Content, msgs[i].Content, data)
			}
		}
	}
}

func FuzzParseUnescaped(f *testing.F) {
	f.Add("a\n\n---\n\n### Root cause\n\nb", "---")
	f.Add("---", "### B")
	f.Fuzz(func(t *testing.T, a, b string) {
		data := writeUnescaped("A ↔ B", []Message{{Speaker: "A", Content: a}, {Speaker: "B", Content: b}})
		tr, err := ParseMarkdown(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		// Whatever was read, parley's own writer writes it back byte for byte.
		var buf bytes.Buffer
		WriteMarkdown(&buf, tr)
		again, err := ParseMarkdown(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Messages) != len(tr.Messages) {
			t.Fatalf("%d messages became %d", len(tr.Messages), len(again.Messages))
		}
		for i := range tr.Messages {
			if again.Messages[i].Content != tr.Messages[i].Content {
				t.Fatalf("message %d changed: %q became %q", i+1, tr.Messages[i].Content, again.Messages[i].Content)
			}
		}
	})
}

// Every real file of the seed's system in the labelled corpus reads, with as
// many messages as its header says.
func TestCorpusAttractorsRead(t *testing.T) {
	files, _ := filepath.Glob("../../shared/corpus/attractors/*.md")
	if len(files) == 0 {
		t.Skip("../shared/corpus/attractors is absent (it sits beside the repository); nothing to read")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := ParseMarkdown(data)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if len(tr.Warnings) > 0 {
			t.Errorf("%s: %q", filepath.Base(f), tr.Warnings)
		}
		if got := tr.Speakers(); len(got) != 2 {
			t.Errorf("%s: speakers %q", filepath.Base(f), got)
		}
	}
}

// A transcript saved with Windows line ends (as an editor on Windows
// saves it) reads as the same messages as the one it was saved from.
func TestMarkdownSavedWithWindowsLineEnds(t *testing.T) {
	in := &Transcript{Title: "A ↔ B", Messages: []Message{
		{Speaker: "A", Content: "line one\nline two\n\npara"},
		{Speaker: "B", Content: "after"},
	}}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ParseMarkdown(bytes.ReplaceAll(buf.Bytes(), []byte("\n"), []byte("\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 || out.Messages[0].Content != in.Messages[0].Content || out.Messages[1].Content != "after" || out.Title != "A ↔ B" {
		t.Errorf("read back %+v, title %q; want the messages as written", out.Messages, out.Title)
	}
}

// TestMarkdownHeadingsOtherToolsWrite holds the reader to files of this
// layout that other tools and hands write: space after a heading or a
// rule, a title that names the speakers otherwise than their headings, a
// system prompt's block, a third voice that the header's count accounts for.
func TestMarkdownHeadingsOtherToolsWrite(t *testing.T) {
	block := func(name, text string) string { return "### " + name + "\n\n" + text + "\n\n---\n\n" }
	cases := []struct {
		name    string
		in      string
		want    []said
		system  string
		warning string // a warning that must be given, when not ""
	}{
		{
			name: "space after a heading and after a rule",
			in:   "# Claude ↔ GPT-4o\n\n---\n\n" + block("Claude", "Hello GPT.") + "### GPT-4o \n\nHello Claude.\n\n--- \n\n" + block("Claude", "How are you?") + block("GPT-4o", "Fine."),
			want: []said{{"Claude", "Hello GPT."}, {"GPT-4o", "Hello Claude."}, {"Claude", "How are you?"}, {"GPT-4o", "Fine."}},
		},
		{
			name: "a title that names a speaker otherwise than the headings",
			in:   "# Claude ↔ GPT\n\n---\n\n" + block("Claude", "Hello GPT.") + block("GPT-4o", "Hello Claude.") + block("Claude", "How are you?") + block("GPT-4o", "Fine."),
			want: []said{{"Claude", "Hello GPT."}, {"GPT-4o", "Hello Claude."}, {"Claude", "How are you?"}, {"GPT-4o", "Fine."}},
		},
		{
			name:   "a system prompt's block first",
			in:     "# Claude ↔ GPT-4o\n\n---\n\n" + block("System", "You are two AIs.") + block("Claude", "Hello GPT.") + block("GPT-4o", "Hello Claude.") + block("Claude", "Bye."),
			want:   []said{{"Claude", "Hello GPT."}, {"GPT-4o", "Hello Claude."}, {"Claude", "Bye."}},
			system: "You are two AIs.",
		},
		{
			name:    "a third voice the header counts",
			in:      "# Claude ↔ GPT-4o\n\n**Messages:** 5\n\n---\n\n" + block("Claude", "Hello GPT.") + block("GPT-4o", "Hello Claude.") + block("Human", "Please wrap up.") + block("Claude", "Goodbye.") + block("GPT-4o", "Farewell."),
			want:    []said{{"Claude", "Hello GPT."}, {"GPT-4o", "Hello Claude."}, {"Human", "Please wrap up."}, {"Claude", "Goodbye."}, {"GPT-4o", "Farewell."}},
			warning: `blocks headed "Human" were read as messages of their own`,
		},
		{
			// Without a count to settle it, a one-off heading after a rule
			// reads as a section of the message, as a model's own does.
			name: "a section after a rule stays in the message",
			in:   "# Claude ↔ GPT-4o\n\n---\n\n" + block("Claude", "Plan.\n\n---\n\n### Root cause\n\nA stale cache.") + block("GPT-4o", "Agreed.") + block("Claude", "Next.\n\n---\n\n### Steps\n\n1. purge") + block("GPT-4o", "Done."),
			want: []said{{"Claude", "Plan.\n\n---\n\n### Root cause\n\nA stale cache."}, {"GPT-4o", "Agreed."}, {"Claude", "Next.\n\n---\n\n### Steps\n\n1. purge"}, {"GPT-4o", "Done."}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseMarkdown([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			readAs(t, tr, c.want, c.system)
			warned := strings.Join(tr.Warnings, "\n")
			if c.warning != "" && !strings.Contains(warned, c.warning) {
				t.Errorf("warnings %q, want one saying %q", tr.Warnings, c.warning)
			}
			if c.warning == "" && warned != "" {
				t.Errorf("warnings %q, want none", tr.Warnings)
			}
		})
	}
}

// A fork whose title names neither side (a scenario's own title:) hands a
// seat to a model with a new name: its header's "Formerly" line names
// that seat, and the seat's blocks are messages of their own, whether or
// not the header still counts them (a fork cut off mid-run counts none).
func TestForksNewSeatHeadsItsOwnBlocks(t *testing.T) {
	md := "# human test\n\n**Started:** 2026-12-03 07:20:38\n**Forked from:** parent.jsonl, message 2\n**Formerly:** M was you\n\n---\n\n" +
		"### Bot (opening)\n\nHello.\n\n---\n\n### you\n\nx\n\n---\n\n### Bot\n\nbot one\n\n---\n\n" +
		"### M\n\nmodel reply to: bot one\n\n---\n\n### Bot\n\nbot two\n\n---\n\n### M\n\nmodel reply to: bot two\n\n---\n"
	tr, err := ParseMarkdown([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range tr.Messages {
		got = append(got, m.Speaker+": "+m.Content)
	}
	want := []string{"Bot: Hello.", "you: x", "Bot: bot one", "M: model reply to: bot one", "Bot: bot two", "M: model reply to: bot two"}
	if !slices.Equal(got, want) {
		t.Errorf("read %q\nwant %q", got, want)
	}
	if len(tr.Warnings) > 0 {
		t.Errorf("warnings on parley's own fork: %q", tr.Warnings)
	}
}

package transcripts

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The layouts other tools write, each as a writer of one conversation. The
// real conversations of ../shared/corpus hold what models write: their own
// headings, bold fields ("**Summary**", "**New puzzle:**"), lists of
// "- name: value" items, quotes, "---" lines, code; each written in every
// layout must read back as the same messages.
var otherLayouts = []struct {
	name  string
	write func(t *Transcript) string
}{
	{"headings", eachMessage("## %[1]s\n\n%[2]s\n\n")},
	{"headings numbering turns", eachMessage("## Turn %[3]d — %[1]s\n\n%[2]s\n\n")},
	{"bold labels", writeBold},
	{"plain labels", eachMessage("%[1]s: %[2]s\n\n")},
	{"quoted", func(t *Transcript) string {
		var b strings.Builder
		for _, m := range t.Messages {
			fmt.Fprintf(&b, "> **%s:** %s\n\n", m.Speaker, strings.ReplaceAll(m.Content, "\n", "\n> "))
		}
		return b.String()
	}},
	{"list items", func(t *Transcript) string {
		var b strings.Builder
		for _, m := range t.Messages {
			fmt.Fprintf(&b, "- **%s:** %s\n", m.Speaker, strings.ReplaceAll(m.Content, "\n", "\n  "))
		}
		return b.String()
	}},
	{"framed names", eachMessage("=== %[1]s ===\n%[2]s\n\n")},
	{"tags", eachMessage("<%[1]s>\n%[2]s\n</%[1]s>\n")},
	{"turn lines", eachMessage("Turn %[3]d - %[1]s:\n%[2]s\n\n")},
	{"OpenAI messages JSON", writeOpenAI},
	{"ShareGPT JSON", func(t *Transcript) string {
		var msgs []map[string]string
		for _, m := range t.Messages {
			msgs = append(msgs, map[string]string{"from": m.Speaker, "value": m.Content})
		}
		return jsonOf([]any{map[string]any{"conversations": msgs}})
	}},
	{"turns JSONL", func(t *Transcript) string {
		var b strings.Builder
		for _, m := range t.Messages {
			b.WriteString(jsonOf(map[string]string{"speaker": m.Speaker, "text": m.Content}) + "\n")
		}
		return b.String()
	}},
	{"CSV", func(t *Transcript) string {
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Write([]string{"speaker", "text"})
		for _, m := range t.Messages {
			w.Write([]string{m.Speaker, m.Content})
		}
		w.Flush()
		return b.String()
	}},
}

// writeBold writes a conversation as "**Name:** text" labels, as a
// script's Markdown would hold it.
var writeBold = eachMessage("**%[1]s:** %[2]s\n\n")

// writeOpenAI writes a conversation as OpenAI messages JSON, each message
// naming its speaker, as an export of it would be.
func writeOpenAI(t *Transcript) string {
	var msgs []map[string]string
	for i, m := range t.Messages {
		msgs = append(msgs, map[string]string{"role": [2]string{"user", "assistant"}[i%2], "name": m.Speaker, "content": m.Content})
	}
	return jsonOf(map[string]any{"messages": msgs})
}

// benchImportAs reads the corpus folders written by write: the cost of
// Import on real conversations in that layout.
func benchImportAs(b *testing.B, write func(*Transcript) string, folders ...string) {
	files, _ := corpusFiles(b, folders...)
	if len(files) == 0 {
		b.Skip("../shared/corpus is absent: no real conversations to write in another layout")
	}
	var all [][]byte
	size := 0
	for _, f := range files {
		ts, _, err := Import(f.data)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, []byte(write(ts[0])))
		size += len(all[len(all)-1])
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

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// eachMessage writes each message with format, given its speaker, its
// content and its number.
func eachMessage(format string) func(t *Transcript) string {
	return func(t *Transcript) string {
		var b strings.Builder
		for i, m := range t.Messages {
			fmt.Fprintf(&b, format, m.Speaker, m.Content, i+1)
		}
		return b.String()
	}
}

// Where a layout cannot tell, and why. A conversation whose side writes
// a bold field in almost every message, as often as the sides speak,
// reads like a third party speaking in turn.
var layoutExceptions = map[string]string{
	"bold labels/sonnet-4.5_vs_gpt-5_20251026_130838_run2.md":           `"**My Riddle:**" in 45 of sonnet-4.5's 49 messages`,
	"plain labels/sonnet-4.5_vs_gpt-5_20251026_130838_run2.md":          `"Justification:" and "Meta guess:" in 45 and 44 of 49 messages`,
	"plain labels/gemini-1206_gemini-1206_xenoweb_4_20241217_165748.md": `"Time:" on 21 lines of 24 messages`,
}

func TestCorpusReadsAlikeInEveryLayout(t *testing.T) {
	files, _ := corpusFiles(t, "attractors", "backrooms")
	if len(files) == 0 {
		t.Skip("../shared/corpus is absent: no real conversations to write in other layouts")
	}
	for _, l := range otherLayouts {
		t.Run(l.name, func(t *testing.T) {
			for _, f := range files {
				ts, _, err := Import(f.data)
				if err != nil {
					t.Fatal(err)
				}
				want := ts[0]
				if why, ok := layoutExceptions[l.name+"/"+f.name]; ok {
					t.Logf("%s: not held, %s", f.name, why)
					continue
				}
				got, layout, err := Import([]byte(l.write(want)))
				if err != nil {
					t.Errorf("%s: %v", f.name, err)
					continue
				}
				if len(got[0].Messages) != len(want.Messages) {
					t.Errorf("%s read as %s: %d messages, want %d", f.name, layout, len(got[0].Messages), len(want.Messages))
					continue
				}
				for i, m := range got[0].Messages {
					w := want.Messages[i]
					if m.Speaker != w.Speaker || sameText(m.Content) != sameText(w.Content) {
						t.Errorf("%s message %d read as %s: %q, %.80q; want %q, %.80q", f.name, i+1, layout, m.Speaker, m.Content, w.Speaker, w.Content)
						break
					}
				}
			}
		})
	}
}

// sameText is a message as the layouts keep it: without white space at
// the ends of its lines or of the whole, and with one blank line where
// there were several.
func sameText(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" && len(out) > 0 && out[len(out)-1] == "" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

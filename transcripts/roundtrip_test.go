package transcripts

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// parleyLayouts are the layouts parley writes a transcript in (export and
// convert), each read back by Parse, as check, show and convert read it.
var parleyLayouts = []struct {
	name  string
	write func(io.Writer, *Transcript) error
	// jsonl: the layout holds what only the JSONL records (models,
	// usage, each session's messages).
	jsonl bool
}{
	{"Markdown", WriteFile, false},
	{"JSONL", WriteJSONL, true},
}

// kept is what a layout keeps of t, one line a fact, for a test to
// compare: the title, the times to the second, each message's speaker,
// marks and text, the fork's parent; with jsonl, also what only the
// JSONL holds.
func kept(t *Transcript, jsonl bool) string {
	var b strings.Builder
	sec := func(tm time.Time) string {
		if tm.IsZero() {
			return "-"
		}
		return tm.Truncate(time.Second).UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(&b, "title %q, started %s, ended %s\n", t.Title, sec(t.Started), sec(t.Ended))
	if t.Run != nil && t.Run.Parent != nil {
		fmt.Fprintf(&b, "forked from %q, message %d\n", t.Run.Parent.Path, t.Run.Parent.At)
	}
	if jsonl {
		var r Run
		if t.Run != nil {
			r = *t.Run
		}
		fmt.Fprintf(&b, "resumes %d, system %q, preamble %q\n", r.Resumes, r.System, r.Preamble)
	}
	for i, m := range t.Messages {
		fmt.Fprintf(&b, "%d %q origin %q partial %v inherited %v: %q\n", i+1, m.Speaker, m.Origin, m.Partial, m.Inherited, m.Content)
		if jsonl {
			fmt.Fprintf(&b, "  model %q session %d started %s\n", m.Model, m.Session, sec(m.Started))
		}
	}
	return b.String()
}

// TestParleyLayoutsKeepWhatWasRecorded writes recordings in each layout
// parley writes, then reads them back, and again through each other
// layout (a JSONL exported to Markdown and converted back): nothing a
// layout holds may change on the way.
func TestParleyLayoutsKeepWhatWasRecorded(t *testing.T) {
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, time.Local)
	msgs := func(n int) []Message {
		var out []Message
		for i := range n {
			sp := [2]string{"A", "B"}[i%2]
			m := Message{Speaker: sp, Content: fmt.Sprintf("message %d\n---\n### B\n\n  spaced  \t", i+1),
				Model: "m-" + sp, Started: start.Add(time.Duration(i) * time.Second)}
			if i == 0 {
				m.Origin = OriginOpening
			}
			out = append(out, m)
		}
		return out
	}
	cases := []struct {
		name string
		t    *Transcript
	}{
		{
			name: "another tool's conversation, its start and end known, no stop recorded",
			t:    &Transcript{Title: "A ↔ B", Started: start, Ended: start.Add(5 * time.Minute), Messages: msgs(4)},
		},
		{
			name: "a conversation with a system prompt, ended, no stop recorded",
			t: &Transcript{Title: "A ↔ B", Started: start, Ended: start.Add(time.Minute), Messages: msgs(3),
				Run: &Run{System: "Be brief."}},
		},
		{
			name: "a fork: its parent and the messages kept from it",
			t: func() *Transcript {
				m := msgs(5)
				for i := range 3 {
					m[i].Inherited = true
				}
				return &Transcript{Title: "A ↔ B", Started: start, Ended: start.Add(time.Minute), Messages: m,
					Run: &Run{Parent: &Parent{Path: "runs/a, b/parent.jsonl", At: 3}, Stop: &Stop{Kind: StopPolicy, Reason: "done", At: 5}}}
			}(),
		},
		{
			name: "a run resumed three times, its last session cut before it recorded a message",
			t: func() *Transcript {
				m := msgs(6)
				for i, s := range []int{0, 0, 1, 1, 1, 2} {
					m[i].Session = s
				}
				return &Transcript{Title: "A ↔ B", Started: start, Ended: start.Add(time.Hour), Messages: m,
					Run: &Run{Resumes: 3, MaxMessages: 10, Stop: &Stop{Kind: StopError, Reason: "the server went away", At: 6}}}
			}(),
		},
		{
			name: "another tool's conversation in which a moderator takes turns",
			t: &Transcript{Title: "Moderator ↔ Ann ↔ Bob", Messages: []Message{
				{Speaker: "Moderator", Content: "Tabs or spaces?"}, {Speaker: "Ann", Content: "Tabs."}, {Speaker: "Bob", Content: "Spaces."},
				{Speaker: "Moderator", Content: "Closing words?"}, {Speaker: "Ann", Content: "Tabs!"}, {Speaker: "Bob", Content: "Spaces!"},
			}},
		},
		{
			name: "another tool's speakers whose names end with the marks parley puts after a name",
			t: &Transcript{Title: "Claude (interrupted) ↔ GPT (opening)", Messages: []Message{
				{Speaker: "GPT (opening)", Origin: OriginOpening, Content: "Hello."},
				{Speaker: "Claude (interrupted)", Content: "a"},
				{Speaker: "GPT (opening)", Content: "b"},
				{Speaker: `Claude \(interrupted)`, Origin: OriginInjected, Content: "c"},
				{Speaker: `GPT \\(injected)`, Content: "d"},
				{Speaker: "Claude (opening) (injected)", Content: "e"},
				{Speaker: "Claude (interrupted)", Partial: true, Content: "f"},
			}},
		},
	}
	files, _ := corpusFiles(t, "attractors", "backrooms")
	if len(files) == 0 {
		t.Log("../shared/corpus is absent: only the recordings made here are written in parley's layouts")
	}
	for _, f := range files {
		ts, _, err := Import(f.data)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			name string
			t    *Transcript
		}{f.name, ts[0]})
	}
	for _, c := range cases {
		for _, first := range parleyLayouts {
			for _, then := range parleyLayouts {
				t.Run(c.name+"/"+first.name+" then "+then.name, func(t *testing.T) {
					tr := c.t
					for _, write := range []func(io.Writer, *Transcript) error{first.write, then.write} {
						var buf bytes.Buffer
						if err := write(&buf, tr); err != nil {
							t.Fatal(err)
						}
						back, err := Parse(buf.Bytes())
						if err != nil {
							t.Fatalf("reading back: %v\n%s", err, buf.String())
						}
						tr = back
					}
					jsonl := first.jsonl && then.jsonl
					if got, want := kept(tr, jsonl), kept(c.t, jsonl); got != want {
						t.Errorf("read back as\n%s\nwant\n%s", got, want)
					}
				})
			}
		}
	}
}

// TestMarkdownLacksWhatItCannotHold names what a transcript holds that
// parley's Markdown has no place for, and nothing else.
func TestMarkdownLacksWhatItCannotHold(t *testing.T) {
	const keep = "convert to .jsonl to keep %s"
	said := []Message{{Speaker: "A", Content: "hi"}, {Speaker: "B", Content: "yo"}}
	byModel := []Message{{Speaker: "A", Content: "hi", Model: "m1"}, {Speaker: "B", Content: "yo", Model: "m2"}, {Speaker: "A", Content: "ok", Model: "m1"}}
	cases := []struct {
		name string
		t    *Transcript
		want []string
	}{
		{"messages alone", &Transcript{Messages: said}, nil},
		{"a system prompt and a preamble", &Transcript{Messages: said, Run: &Run{System: "Be brief.", Preamble: "setup"}}, []string{
			"the system prompt has no place in Markdown; convert to .jsonl to keep it",
			"the text before the first message has no place in Markdown; convert to .jsonl to keep it",
		}},
		{"an exporter's footer", &Transcript{Messages: said, Run: &Run{Footer: "Exported 2 message(s)"}}, []string{
			"the exporter's footer after the last message has no place in Markdown; convert to .jsonl to keep it",
		}},
		{"the models of another tool's messages", &Transcript{Messages: byModel}, []string{
			`the models its messages name ("m1" and "m2") have no place in Markdown; convert to .jsonl to keep them`,
		}},
		{"one model", &Transcript{Messages: byModel[:1]}, []string{
			`the model its messages name ("m1") has no place in Markdown; convert to .jsonl to keep it`,
		}},
		{"a run parley staged, its agents naming the models", &Transcript{Messages: byModel, Run: &Run{Agents: []AgentInfo{{Name: "A", Model: "m1"}, {Name: "B", Model: "m2"}}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.t.MarkdownLacks(keep); !slices.Equal(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

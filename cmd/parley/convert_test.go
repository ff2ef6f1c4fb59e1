package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// convert takes FILE#N, as check, show, report, fork and replay do: the
// Nth conversation of a file that holds several, written alone to OUT.
// A number the file does not hold is refused with the numbers it does.
func TestConvertTakesOneConversationOfAFile(t *testing.T) {
	dir := t.TempDir()
	export := writeFile(t, dir, "export.json", `[{"title":"First","messages":[{"role":"user","content":"one"},{"role":"assistant","content":"uno"}]},`+
		`{"title":"Second","messages":[{"role":"user","content":"two"},{"role":"assistant","content":"dos"}]}]`)
	single := writeFile(t, dir, "single.json", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}`)
	cases := []struct {
		name    string
		in      string
		code    int
		said    string // what stdout or stderr holds
		title   string // the converted conversation's, when it converts
		content string // its first message's
	}{
		{"the second of two", export + "#2", exitOK, export + "#2 (openai-messages): 2 messages → ", "Second", "two"},
		{"the first of two", export + "#1", exitOK, export + "#1 (openai-messages): 2 messages → ", "First", "one"},
		{"the only one, as #1", single + "#1", exitOK, "2 messages → ", "user ↔ assistant", "hi"},
		{"a number past the last", export + "#3", exitUsage, "parley: " + export + " holds 2 conversations, numbered from 1; give " + export + "#1 to " + export + "#2\n", "", ""},
		{"a second of a file that holds one", single + "#2", exitUsage, "parley: " + single + " holds one conversation; give it as " + single + "\n", "", ""},
		{"a file that is not there", filepath.Join(dir, "gone.json") + "#2", exitUsage, "parley: " + filepath.Join(dir, "gone.json") + ": no such file\n", "", ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.Repeat("x", i+1)+".md")
			code, stdout, errOut := parley(t, "convert", c.in, out)
			if code != c.code || !strings.Contains(stdout+errOut, c.said) {
				t.Fatalf("exit %d, want %d saying %q:\n%s%s", code, c.code, c.said, stdout, errOut)
			}
			if c.code != exitOK {
				if _, err := os.Stat(out); err == nil {
					t.Errorf("a refused convert wrote %s", out)
				}
				return
			}
			tr, err := transcripts.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Title != c.title || len(tr.Messages) != 2 || tr.Messages[0].Content != c.content {
				t.Errorf("converted %q with %d messages, first %q; want %q, 2, %q", tr.Title, len(tr.Messages), tr.Messages[0].Content, c.title, c.content)
			}
		})
	}
}

// A parley JSONL converted to Markdown keeps what Markdown has no place
// for: convert says the JSONL it read keeps it, as export says, not to
// convert to the layout it already has.
func TestConvertOfAJSONLToMarkdownSaysTheJSONLKeepsWhatItLeavesOut(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "chat.json", `{"messages":[{"role":"system","content":"be brief"},`+
		`{"role":"user","content":"hi","model":"gpt-4o"},{"role":"assistant","content":"hello","model":"claude-3"}]}`)
	jl := filepath.Join(dir, "chat.jsonl")
	if code, _, errOut := parley(t, "convert", in, jl); code != exitOK {
		t.Fatalf("to JSONL: exit %d %s", code, errOut)
	}
	code, _, errOut := parley(t, "convert", jl, filepath.Join(dir, "back.md"))
	want := "parley: " + jl + ": the system prompt has no place in Markdown; chat.jsonl keeps it\n" +
		"parley: " + jl + `: the models its messages name ("gpt-4o" and "claude-3") have no place in Markdown; chat.jsonl keeps them` + "\n"
	if code != exitOK || errOut != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
}

// A recording resumed once, with a retry in each session, converts to
// JSONL line for line: each session's run line with its own budget, the
// first session's stop, and each retry where it happened, none lost or
// moved.
func TestConvertOfAResumedRecordingToJSONLKeepsItsSessions(t *testing.T) {
	srv := openaitest.Start(t, func(req openaitest.Request) openaitest.Reply {
		if req.N == 0 || req.N == 5 { // the first request of each session
			return openaitest.Reply{Status: 503, RetryAfter: "0"}
		}
		return openaitest.Words(fmt.Sprintf("reply %d", req.N))
	})
	dir := t.TempDir()
	sc := writeFile(t, dir, "s.yaml", "agents:\n  - {name: A, model: m, base_url: "+srv.URL+"}\n"+
		"  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination: {max_messages: 9}\n")
	runs := filepath.Join(dir, "runs")
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", runs, sc); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(runs, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("recorded %v", jls)
	}
	if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", "11", jls[0]); code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
	}
	recorded, _ := os.ReadFile(jls[0])
	kinds := func(data []byte) string {
		var k []string
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var line struct{ Type, Kind string }
			json.Unmarshal([]byte(l), &line)
			k = append(k, strings.TrimSpace(line.Type+" "+line.Kind))
		}
		return strings.Join(k, ", ")
	}
	m9 := strings.Repeat("message, ", 7) // messages 3 to 9
	want := "run, message, event retry, message, " + m9 + "stop, run, event retry, message, message, stop"
	if got := kinds(recorded); got != want {
		t.Fatalf("the recording's lines are %s; want %s", got, want)
	}
	copied := filepath.Join(dir, "copy.jsonl")
	if code, out, errOut := parley(t, "convert", jls[0], copied); code != exitOK || !strings.Contains(out, "11 messages → "+copied) {
		t.Fatalf("convert: exit %d\n%s%s", code, out, errOut)
	}
	got, _ := os.ReadFile(copied)
	if string(got) != string(recorded) {
		t.Errorf("the conversion's lines are %s:\n%s\nwant the recording's, %s:\n%s", kinds(got), got, kinds(recorded), recorded)
	}
}

// The JSON a two-model runner writes files its conversation as the
// Markdown beside it does, model_a the opener: report counts one pair of
// a conversation read from either, and convert writes the JSON as a
// Markdown that reads back so, its initial message model_a's own.
func TestARunnersJSONIsFiledAsItsMarkdownIs(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "md")
	js := filepath.Join(dir, "js")
	os.MkdirAll(md, 0o700)
	os.MkdirAll(js, 0o700)
	said := []string{"Hello.", "Hi, what shall we discuss?", "Tides, and why they rise twice a day.", "The moon and the sun pull on the oceans."}
	var page, msgs strings.Builder
	page.WriteString("# A ↔ B\n\n**Messages:** 4\n\n---\n\n")
	for i, s := range said {
		who := []string{"A", "B"}[i%2]
		fmt.Fprintf(&page, "### %s\n\n%s\n\n---\n\n", who, s)
		if i > 0 {
			msgs.WriteString(",")
		}
		fmt.Fprintf(&msgs, `{"speaker":%q,"content":%q}`, who, s)
	}
	writeFile(t, md, "run.md", page.String())
	runner := writeFile(t, js, "run.json", `{"model_a":"A","model_b":"B","initial_message":"Hello.","messages":[`+msgs.String()+`]}`)
	rep := filepath.Join(dir, "rep")
	code, stdout, errOut := parley(t, "report", md, js, "--out", rep)
	if code != exitOK || !strings.Contains(stdout, "2 conversations, 1 pair") {
		t.Fatalf("report: exit %d, want 2 conversations in 1 pair:\n%s%s", code, stdout, errOut)
	}
	data, _ := os.ReadFile(filepath.Join(rep, "report.json"))
	var r struct {
		Conversations []struct{ File, Opener, Responder string }
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Conversations {
		if c.Opener != "A" || c.Responder != "B" {
			t.Errorf("%s is filed %s → %s; want A → B", c.File, c.Opener, c.Responder)
		}
	}
	out := filepath.Join(dir, "out.md")
	if code, stdout, errOut := parley(t, "convert", runner, out); code != exitOK {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, errOut)
	}
	if got, _ := os.ReadFile(out); !strings.Contains(string(got), "### A\n\nHello.\n") {
		t.Errorf("the converted Markdown does not give A its initial message as the runner's Markdown does:\n%s", got)
	}
	rep2 := filepath.Join(dir, "rep2")
	if code, stdout, errOut := parley(t, "report", out, "--out", rep2); code != exitOK {
		t.Fatalf("report of the conversion: exit %d\n%s%s", code, stdout, errOut)
	}
	data, _ = os.ReadFile(filepath.Join(rep2, "report.json"))
	json.Unmarshal(data, &r)
	if len(r.Conversations) != 1 || r.Conversations[0].Opener != "A" {
		t.Errorf("the conversion is filed %+v; want A → B", r.Conversations)
	}
}

// convert keeps the times its source records: a chat log's dated labels
// and a ChatGPT export's create_time and update_time give the run's
// start and end (the Markdown's **Started:** and **Ended:**) and each
// message's time in JSONL. A time written with no zone is this machine's
// local time, and convert to JSONL, which writes each time with its
// offset, says so.
func TestConvertKeepsTheTimesItsSourceRecords(t *testing.T) {
	dir := t.TempDir()
	chat := writeFile(t, dir, "chat.txt", "[2024-05-01 12:00] Claude: Hello GPT, how are you?\n[2024-05-01 12:01] GPT: Fine. What shall we discuss?\n"+
		"[2024-05-01 12:02] Claude: Let's discuss tides.\n[2024-05-01 12:03] GPT: Indeed, and the sun too.\n")
	gpt := writeFile(t, dir, "conversations.json", `[{"title":"Tides","create_time":1714564800,"update_time":1714565000,"current_node":"a1","mapping":{`+
		`"r":{"id":"r","message":null,"parent":null,"children":["u1"]},`+
		`"u1":{"id":"u1","message":{"author":{"role":"user"},"create_time":1714564801,"content":{"content_type":"text","parts":["Why do tides rise?"]},"metadata":{}},"parent":"r","children":["a1"]},`+
		`"a1":{"id":"a1","message":{"author":{"role":"assistant"},"create_time":1714564830,"content":{"content_type":"text","parts":["The moon."]},"metadata":{}},"parent":"u1","children":[]}}}]`)
	local := func(s string) time.Time {
		tm, _ := time.ParseInLocation(transcripts.TimeLayout, s, time.Local)
		return tm
	}
	header := func(from, to time.Time) string {
		return "**Started:** " + from.Local().Format(transcripts.TimeLayout) + "\n**Ended:** " + to.Local().Format(transcripts.TimeLayout) + "\n"
	}
	noZone := "its times name no time zone; "
	cases := []struct {
		name, in, out  string
		started, ended time.Time
		messages       []time.Time // the JSONL's
		note           string      // what stderr says
	}{
		{"a chat log to JSONL", chat, "chat.jsonl", local("2024-05-01 12:00:00"), local("2024-05-01 12:03:00"),
			[]time.Time{local("2024-05-01 12:00:00"), local("2024-05-01 12:01:00"), local("2024-05-01 12:02:00"), local("2024-05-01 12:03:00")},
			noZone + filepath.Join(dir, "chat.jsonl") + " records them in this machine's local time, "},
		{"a chat log to Markdown", chat, "chat.md", local("2024-05-01 12:00:00"), local("2024-05-01 12:03:00"), nil, ""},
		{"a ChatGPT export to JSONL", gpt, "gpt.jsonl", time.Unix(1714564800, 0), time.Unix(1714565000, 0),
			[]time.Time{time.Unix(1714564801, 0), time.Unix(1714564830, 0)}, ""},
		{"a ChatGPT export to Markdown", gpt, "gpt.md", time.Unix(1714564800, 0), time.Unix(1714565000, 0), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.out)
			code, stdout, errOut := parley(t, "convert", c.in, out)
			if code != exitOK || !strings.Contains(errOut, c.note) || c.note == "" && strings.Contains(errOut, noZone) {
				t.Fatalf("exit %d, want a note of %q:\n%s%s", code, c.note, stdout, errOut)
			}
			if strings.HasSuffix(out, ".md") {
				if md, _ := os.ReadFile(out); !strings.Contains(string(md), header(c.started, c.ended)) {
					t.Errorf("the Markdown's header does not say\n%s\n%s", header(c.started, c.ended), md)
				}
				return
			}
			tr, err := transcripts.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Started.Equal(c.started) || !tr.Ended.Equal(c.ended) {
				t.Errorf("the run spans %v to %v; want %v to %v", tr.Started, tr.Ended, c.started, c.ended)
			}
			var got []time.Time
			for _, m := range tr.Messages {
				got = append(got, m.Started)
			}
			if !slices.EqualFunc(got, c.messages, time.Time.Equal) {
				t.Errorf("the messages' times are %v; want %v", got, c.messages)
			}
		})
	}
}

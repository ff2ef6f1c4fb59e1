package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

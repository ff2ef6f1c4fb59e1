package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// resume continues a recording in its own files: it does not list
// --out, and refuses it in a sentence naming the fork that continues the
// recording elsewhere, where it ignored it; the recording is left as it
// was, and nothing is written where --out pointed. The fork named is one
// fork accepts and carries what the resume was asked for: a new limit or
// rules, which fork takes only in a scenario, go in a --scenario FILE, as
// does a higher max_messages where the scenario's budget stopped the
// recording; a transcript that is not there is told so.
func TestResumeRefusesOutAndNamesTheFork(t *testing.T) {
	dir := t.TempDir()
	record := func(name string, lines, max int) string {
		t.Helper()
		var a, b []string
		for i := 1; i <= lines; i++ {
			a, b = append(a, fmt.Sprintf("a%d", i)), append(b, fmt.Sprintf("b%d", i))
		}
		out := filepath.Join(dir, name)
		p := filepath.Join(dir, name+".yaml")
		os.WriteFile(p, []byte(fmt.Sprintf("agents:\n  - {name: A, type: scripted, lines: [%s]}\n  - {name: B, type: scripted, lines: [%s]}\ntermination:\n  max_messages: %d\n", strings.Join(a, ", "), strings.Join(b, ", "), max)), 0o600)
		if code, out, errOut := parley(t, "run", "--no-tui", "--out", out, p); code != exitOK {
			t.Fatalf("run: exit %d %s%s", code, out, errOut)
		}
		jls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
		return jls[0]
	}
	stopped := record("stopped", 5, 3) // its budget of 3 stopped it
	ranOut := record("ranout", 2, 10)  // its scripted lines ran out at 5
	other := filepath.Join(dir, "elsewhere")
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("max_messages: 6\n"), 0o600)
	more := filepath.Join(dir, "more.yaml")
	os.WriteFile(more, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination:\n  max_messages: 8\n"), 0o600)
	refusal := func(jl string) string {
		return "resume continues " + jl + " in its own files, in the folder they are in, and takes no --out"
	}

	for _, c := range []struct {
		name string
		args []string
		jl   string
		want string
		// fork, when set, is the --scenario FILE the named fork is run
		// with, to see it accepted.
		fork string
	}{
		{
			name: "a budget stopped it and --max-messages raises it",
			args: []string{"--max-messages", "5"},
			jl:   stopped,
			want: refusal(stopped) + "; to continue it as a new transcript in another folder under max_messages: 5, fork it with a copy of its scenario whose termination: sets max_messages: 5 (fork takes neither --max-messages nor --policy): parley fork " + stopped + " --at 3 --scenario FILE --out " + other,
			fork: more,
		},
		{
			name: "--policy gives the rules",
			args: []string{"--policy", rules},
			jl:   stopped,
			want: refusal(stopped) + "; to continue it as a new transcript in another folder under the rules of " + rules + ", fork it with a copy of its scenario whose termination: holds those rules (fork takes neither --max-messages nor --policy): parley fork " + stopped + " --at 3 --scenario FILE --out " + other,
		},
		{
			name: "--policy and --max-messages",
			args: []string{"--policy", rules, "--max-messages", "7"},
			jl:   stopped,
			want: "under the rules of " + rules + " and max_messages: 7, fork it with a copy of its scenario whose termination: holds those rules and sets max_messages: 7 (",
		},
		{
			name: "a budget stopped it and nothing raises it",
			jl:   stopped,
			want: refusal(stopped) + "; to continue it as a new transcript in another folder, fork it with a copy of its scenario whose max_messages is above 3, as its budget of 3 messages counts the whole conversation and is reached (fork takes no --max-messages): parley fork " + stopped + " --at 3 --scenario FILE --out " + other,
			fork: more,
		},
		{
			name: "--max-messages not above the messages it holds",
			args: []string{"--max-messages", "2"},
			jl:   stopped,
			want: refusal(stopped) + ", and --max-messages 2 would add nothing to its 3 messages, as it counts the whole conversation; to continue it as a new transcript in another folder, fork it with a copy of its scenario whose max_messages is above 3: parley fork " + stopped + " --at 3 --scenario FILE --out " + other,
		},
		{
			name: "its budget is not reached",
			jl:   ranOut,
			want: refusal(ranOut) + "; to continue it as a new transcript in another folder, fork it: parley fork " + ranOut + " --at 5 --out " + other,
		},
		{
			name: "--scenario is carried to the fork",
			args: []string{"--scenario", more},
			jl:   ranOut,
			want: refusal(ranOut) + "; to continue it as a new transcript in another folder, fork it: parley fork " + ranOut + " --at 5 --scenario " + more + " --out " + other,
			fork: more,
		},
		{
			name: "a transcript that is not there",
			jl:   filepath.Join(dir, "nope.jsonl"),
			want: filepath.Join(dir, "nope.jsonl") + " does not exist; resume needs the JSONL sidecar parley recorded beside the Markdown",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			md := strings.TrimSuffix(c.jl, ".jsonl") + ".md"
			beforeJSONL, _ := os.ReadFile(c.jl)
			beforeMD, _ := os.ReadFile(md)
			args := append([]string{"resume", "--no-tui", "--out", other}, c.args...)
			code, _, errOut := parley(t, append(args, c.jl)...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("resume --out: exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, c.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("resume --out said more than one line:\n%s", errOut)
			}
			if after, _ := os.ReadFile(c.jl); !bytes.Equal(after, beforeJSONL) {
				t.Error("the refused resume changed the JSONL")
			}
			if after, _ := os.ReadFile(md); !bytes.Equal(after, beforeMD) {
				t.Error("the refused resume changed the Markdown")
			}
			if _, err := os.Stat(other); err == nil {
				t.Errorf("the refused resume made %s", other)
			}
			if c.fork == "" {
				return
			}
			// The fork named, with FILE a scenario that does what it
			// says, is accepted.
			_, named, _ := strings.Cut(errOut, ": parley fork ")
			words := strings.Fields(strings.ReplaceAll(named, " FILE ", " "+c.fork+" "))
			forkDir := filepath.Join(dir, "fork-"+strings.ReplaceAll(c.name, " ", "-"))
			words[len(words)-1] = forkDir
			if code, out, errOut := parley(t, append([]string{"fork", "--no-tui"}, words...)...); code != exitOK {
				t.Errorf("the fork named, parley fork %s: exit %d %s%s", strings.Join(words, " "), code, out, errOut)
			}
			os.RemoveAll(forkDir)
		})
	}

	for _, c := range []struct {
		cmd    string
		listed bool
	}{
		{"resume", false},
		{"fork", true},
		{"run", true},
	} {
		_, help, _ := parley(t, c.cmd, "--help")
		if got := strings.Contains(help, "--out"); got != c.listed {
			t.Errorf("%s --help lists --out: %v; want %v\n%s", c.cmd, got, c.listed, help)
		}
	}
}

// The forks resume's other refusals name are ones fork accepts: a
// --scenario seating a new name, a scripted side with no lines left, or a
// Markdown without its JSONL name a fork after the last completed message (an interrupted one is no
// fork point), with the transcript's path as the shell reads it, and
// with a --scenario FILE whose max_messages is above the messages kept
// where the scenario's budget is already reached there, as fork refuses
// a fork that would add nothing. A side out of lines names a fork that
// carries resume's --max-messages and --policy in a --scenario FILE, as
// fork takes neither, as resume --out's does.
func TestResumeRefusalsNameAForkForkAccepts(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("A fresh line.") })
	dir := t.TempDir()
	scripted := func(lines, max int) string {
		var a, b []string
		for i := 1; i <= lines; i++ {
			a, b = append(a, fmt.Sprintf("a%d", i)), append(b, fmt.Sprintf("b%d", i))
		}
		return fmt.Sprintf("agents:\n  - {name: A, type: scripted, lines: [%s]}\n  - {name: B, type: scripted, lines: [%s]}\ntermination:\n  max_messages: %d\n", strings.Join(a, ", "), strings.Join(b, ", "), max)
	}
	record := func(name, src string) string {
		t.Helper()
		d := filepath.Join(dir, name)
		os.MkdirAll(d, 0o755)
		return recordRun(t, d, src)
	}
	// Three messages and a fourth interrupted as it was said.
	interrupted := filepath.Join(dir, "interrupted.jsonl")
	{
		t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		var b bytes.Buffer
		b.Write(transcripts.JSONLRun(transcripts.Run{Title: "A ↔ B", Started: t0, Scenario: scripted(5, 10), ScenarioPath: filepath.Join(dir, "gone.yaml"),
			Agents: []transcripts.AgentInfo{{Name: "A"}, {Name: "B"}}}))
		for i, sp := range []string{"A", "B", "A", "B"} {
			b.Write(transcripts.JSONLMessage(i+1, transcripts.Message{Speaker: sp, Content: "line", Started: t0, Ended: t0, Partial: i == 3}))
		}
		b.Write(transcripts.JSONLStop(t0, transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "the run was interrupted", At: 3}))
		os.WriteFile(interrupted, b.Bytes(), 0o600)
	}
	spaced := record("with space", scripted(3, 50)) // B ran out at 7
	budget := record("budget", scripted(5, 3))
	// A budget of 3 stopped it, a resume with --max-messages 10 went on
	// until A ran out of lines at 5: the scenario's budget is reached.
	ranOut := record("ranout", "agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination:\n  max_messages: 3\n")
	if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", "10", ranOut); code != exitOK || !strings.Contains(out, "(exhausted)") {
		t.Fatalf("resume --max-messages 10: exit %d %s%s", code, out, errOut)
	}
	spacedOut := record("ran out here", "agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 50}\n")
	mdOnly := strings.TrimSuffix(record("its JSONL gone", scripted(2, 50)), ".jsonl")
	os.Remove(mdOnly + ".jsonl")
	mdOnly += ".md"
	renamed := filepath.Join(dir, "renamed.yaml")
	os.WriteFile(renamed, []byte(strings.Replace(scripted(5, 10), "name: B", "name: C", 1)), 0o600)
	more := filepath.Join(dir, "more.yaml")
	os.WriteFile(more, []byte(scripted(5, 8)), 0o600)
	// The rules a resume is given with --policy, and copies of the
	// scenario whose termination: holds them, or sets its --max-messages.
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("max_messages: 6\n"), 0o600)
	underRules := filepath.Join(dir, "under-rules.yaml")
	os.WriteFile(underRules, []byte(scripted(5, 6)), 0o600)
	twelve := filepath.Join(dir, "twelve.yaml")
	os.WriteFile(twelve, []byte(scripted(5, 12)), 0o600)

	for _, c := range []struct {
		name string
		args []string
		want string
		// fork, when set, is the --scenario FILE the named fork is run
		// with.
		fork string
	}{
		{
			name: "a new seat's name, after an interrupted message",
			args: []string{"--scenario", renamed, interrupted},
			want: "or, to hand the seat to another model as a new transcript, fork it: parley fork " + interrupted + " --at 3 --agent 'SEAT=PROVIDER:MODEL'",
		},
		{
			name: "a new seat's name, in a folder whose name has a space",
			args: []string{"--scenario", renamed, spaced},
			want: "fork it: parley fork '" + spaced + "' --at 7 --agent 'SEAT=PROVIDER:MODEL'",
		},
		{
			name: "a new seat's name, its budget reached",
			args: []string{"--scenario", renamed, budget},
			want: "fork it with a copy of its scenario whose max_messages is above 3, as its budget of 3 messages counts the whole conversation and is reached (fork takes no --max-messages): parley fork " + budget + " --at 3 --scenario FILE --agent 'SEAT=PROVIDER:MODEL'",
			fork: more,
		},
		{
			name: "a side out of lines, its budget reached",
			args: []string{ranOut},
			want: "is finished: A has no lines left to say after message 5, and it speaks next; to continue it with a model in that seat, fork it with a copy of its scenario whose max_messages is above 5, as its budget of 3 messages counts the whole conversation and is reached (fork takes no --max-messages): parley fork " + ranOut + " --at 5 --scenario FILE --agent 'A=PROVIDER:MODEL'",
			fork: more,
		},
		{
			name: "a side out of lines, in a folder whose name has a space",
			args: []string{spacedOut},
			want: "to continue it with a model in that seat, fork it: parley fork '" + spacedOut + "' --at 3 --agent 'A=PROVIDER:MODEL'",
		},
		{
			name: "a side out of lines, with --max-messages",
			args: []string{"--max-messages", "12", ranOut},
			want: "is finished: A has no lines left to say after message 5, and it speaks next; to continue it with a model in that seat under max_messages: 12, fork it with a copy of its scenario whose termination: sets max_messages: 12 (fork takes neither --max-messages nor --policy): parley fork " + ranOut + " --at 5 --scenario FILE --agent 'A=PROVIDER:MODEL'",
			fork: twelve,
		},
		{
			name: "a side out of lines, with --policy",
			args: []string{"--policy", rules, spacedOut},
			want: "to continue it with a model in that seat under the rules of " + rules + ", fork it with a copy of its scenario whose termination: holds those rules (fork takes neither --max-messages nor --policy): parley fork '" + spacedOut + "' --at 3 --scenario FILE --agent 'A=PROVIDER:MODEL'",
			fork: underRules,
		},
		{
			name: "a side out of lines, with --policy and --max-messages",
			args: []string{"--policy", rules, "--max-messages", "12", spacedOut},
			want: "to continue it with a model in that seat under the rules of " + rules + " and max_messages: 12, fork it with a copy of its scenario whose termination: holds those rules and sets max_messages: 12 (fork takes neither --max-messages nor --policy): parley fork '" + spacedOut + "' --at 3 --scenario FILE --agent 'A=PROVIDER:MODEL'",
			fork: twelve,
		},
		{
			name: "a side out of lines, with --max-messages not above its messages",
			args: []string{"--max-messages", "4", ranOut},
			want: "is finished: A has no lines left to say after message 5, and it speaks next, and --max-messages 4 would add nothing to its 5 messages, as it counts the whole conversation; to continue it with a model in that seat, fork it with a copy of its scenario whose max_messages is above 5: parley fork " + ranOut + " --at 5 --scenario FILE --agent 'A=PROVIDER:MODEL'",
			fork: more,
		},
		{
			name: "a Markdown without its JSONL, in a folder whose name has a space",
			args: []string{mdOnly},
			want: "fork it after its last message: parley fork '" + mdOnly + "' --at 5 --scenario FILE",
			fork: more,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			jl := c.args[len(c.args)-1]
			before, _ := os.ReadFile(jl)
			code, _, errOut := parley(t, append([]string{"resume", "--no-tui"}, c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("resume: exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, c.want)
			}
			if after, _ := os.ReadFile(jl); !bytes.Equal(after, before) {
				t.Error("the refused resume changed the JSONL")
			}
			// The fork named, with FILE a scenario that does what it says
			// and the seat handed to a model, is accepted.
			_, named, ok := strings.Cut(strings.TrimSpace(errOut), ": parley fork ")
			if !ok {
				t.Fatalf("resume named no fork: %s", errOut)
			}
			words := []string{"fork", "--no-tui", "--out", filepath.Join(dir, "fork-"+strings.ReplaceAll(c.name, " ", "-"))}
			for _, w := range shellWords(named) {
				switch {
				case w == "FILE":
					w = c.fork
				case strings.HasSuffix(w, "=PROVIDER:MODEL"):
					w = fmt.Sprintf("A={base_url: %s, model: m}", srv.URL) // SEAT, or A
				}
				words = append(words, w)
			}
			if code, out, errOut := parley(t, words...); code != exitOK {
				t.Errorf("the fork named, parley %q: exit %d %s%s", words, code, out, errOut)
			}
		})
	}
}

// shellWords splits s as a POSIX shell splits a command into words: at
// blanks, outside single quotes, with a backslash escaping the character
// after it.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case quoted && ch == '\'':
			quoted = false
		case quoted:
			w.WriteByte(ch)
		case ch == '\'':
			quoted, in = true, true
		case ch == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if in {
				words, in = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteByte(ch)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

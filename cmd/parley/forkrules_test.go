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

// writeParent writes a parent recording of n messages by A and B (the
// opening first, in B's seat), each of text, timed an hour apart from a
// day ago, as a JSONL parley recorded. It records no scenario.
func writeParent(t *testing.T, dir string, n int, text func(i int) string) string {
	t.Helper()
	var b strings.Builder
	start := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	b.Write(transcripts.JSONLRun(transcripts.Run{Title: "A ↔ B", Started: start}))
	for i := 1; i <= n; i++ {
		m := transcripts.Message{Speaker: "A", Content: text(i), Started: start.Add(time.Duration(i-1) * time.Hour)}
		m.Ended = m.Started.Add(time.Second)
		if i%2 == 1 {
			m.Speaker = "B"
		}
		if i == 1 {
			m.Origin = transcripts.OriginOpening
		}
		b.Write(transcripts.JSONLMessage(i, m))
	}
	p := filepath.Join(dir, "parent.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkStop is where parley check --policy FILE stops a recording (0: nowhere).
func checkStop(t *testing.T, policyFile, path string) int {
	t.Helper()
	_, out, errOut := parley(t, "check", "--json", "--policy", policyFile, path)
	var r struct {
		StopAt *int `json:"stop_at"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
		t.Fatalf("check --json: %v\n%s%s", err, out, errOut)
	}
	if r.StopAt == nil {
		return 0
	}
	return *r.StopAt
}

// A fork whose max_messages its kept messages already reach could add
// nothing within it: it is refused before anything is written, with a
// sentence naming the budget and what to change, as resume refuses a
// conversation its rules still end.
func TestAForkItsRulesEndAtOnceIsRefused(t *testing.T) {
	dir := t.TempDir()
	parent := writeParent(t, dir, 8, func(i int) string { return fmt.Sprintf("line %d", i) })
	lines := "[a1, a2, a3, a4, a5, a6, a7, a8, a9]"
	for _, c := range []struct {
		name, termination, at string
		want                  []string
	}{
		{"a budget of fewer messages", "{max_messages: 6}", "8",
			[]string{"forked after message 8 would stop at once", "max_messages budget of 6 messages counts the whole conversation, the parent's 8 messages included", "--at 5 or below", "max_messages is above 8 with --scenario FILE"}},
		{"a budget of as many messages", "{max_messages: 6}", "6",
			[]string{"max_messages budget of 6 messages", "--at 5 or below"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			os.WriteFile(s, []byte(fmt.Sprintf("agents:\n  - {name: A, type: scripted, lines: %s}\n  - {name: B, type: scripted, lines: %s}\ntermination: %s\n", lines, lines, c.termination)), 0o600)
			out := filepath.Join(dir, "out-"+c.at)
			code, stdout, errOut := parley(t, "fork", parent, "--at", c.at, "--scenario", s, "--no-tui", "--out", out)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, stdout, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q\nwant %q", errOut, w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("the refused fork wrote %s", out)
			}
		})
	}
}

// The kept messages are judged but do not stop a fork: a rule they fire
// stops it only once the fork's own messages fire it too, so a loop the
// parent was in is forked to see whether the new seat breaks it. parley
// check of the fork's recording stops where the live fork did.
func TestAForkIsStoppedOnlyByItsOwnMessages(t *testing.T) {
	dir := t.TempDir()
	parent := writeParent(t, dir, 8, func(i int) string { return fmt.Sprintf("line %d", i) })
	// The parent lists no agents, so its messages were never the scripts'
	// lines: each script starts at its first. A speaks message 6.
	const b = "[fresh b, fresh d]"
	for _, c := range []struct {
		name, a string
		stopAt  int // 0: the scripted seats run out
	}{
		{"own messages that leave the pattern behind", "[fresh a, fresh c, fresh e]", 0},
		{"own messages that carry it on", "[fresh a, line again, fresh e]", 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			os.WriteFile(s, []byte(fmt.Sprintf("agents:\n  - {name: A, type: scripted, lines: %s}\n  - {name: B, type: scripted, lines: %s}\ntermination: {any: [{max_messages: 50}, {stop_pattern: 'line'}]}\n", c.a, b)), 0o600)
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-"))
			code, stdout, errOut := parley(t, "fork", parent, "--at", "5", "--scenario", s, "--no-tui", "--out", out)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
			}
			jl, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
			if len(jl) != 1 {
				t.Fatalf("recordings %v", jl)
			}
			rec, err := transcripts.Read(jl[0])
			if err != nil {
				t.Fatal(err)
			}
			live := 0
			if rec.Run != nil && rec.Run.Stop != nil && rec.Run.Stop.Kind == transcripts.StopPolicy {
				live = rec.Run.Stop.At
			}
			if live != c.stopAt || len(rec.Messages) <= 5 {
				t.Errorf("the live fork stopped at %d after %d messages (%+v); want %d, after messages of its own", live, len(rec.Messages), rec.Run.Stop, c.stopAt)
			}
			if got := checkStop(t, s, jl[0]); got != live {
				t.Errorf("check of the fork's JSONL stops at %d, the live fork at %d", got, live)
			}
		})
	}
}

// The budgets that measure what a run spends count a fork's own messages,
// not those it kept from its parent, which the parent's run spent: and
// parley check of the fork's recording judges it as the live run did.
func TestAForksBudgetsCountItsOwnMessages(t *testing.T) {
	dir := t.TempDir()
	// 400 bytes a message: about 100 tokens each, estimated; an hour apart.
	parent := writeParent(t, dir, 6, func(i int) string { return strings.Repeat(fmt.Sprint(i), 400) })
	lines := "[ok, ok, ok, ok, ok, ok, ok, ok, ok, ok]"
	for _, c := range []struct {
		name, termination string
		stopAt            int
	}{
		// "ok" is one token: messages 7 to 11 make 5.
		{"max_tokens", "{max_tokens: {limit: 5}}", 11},
		// Counted as billed, prompts estimated (a scripted line records
		// no usage a provider reported): each of the fork's messages
		// carries every earlier one in its prompt, the kept ones too
		// (about 600 tokens), so messages 7 to 11 make 601 + 602 + … + 605
		// = 3015; the kept messages' own prompts and replies are the
		// parent's, and count for nothing.
		{"max_tokens, prompts included", "{max_tokens: {limit: 3000, count: total}}", 11},
		// The parent spans five hours; the fork, a moment.
		{"max_duration", "{any: [{max_duration: 1h}, {max_messages: 10}]}", 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			os.WriteFile(s, []byte(fmt.Sprintf("agents:\n  - {name: A, type: scripted, lines: %s}\n  - {name: B, type: scripted, lines: %s}\ntermination: %s\n", lines, lines, c.termination)), 0o600)
			jl, child := runFork(t, filepath.Join(t.TempDir(), "fork"), parent, "--at", "6", "--scenario", s)
			if got := len(child.Messages); got != c.stopAt || child.Run.Stop == nil || child.Run.Stop.At != c.stopAt {
				t.Errorf("the fork holds %d messages, stopped %+v; want a stop at %d", got, child.Run.Stop, c.stopAt)
			}
			if got := checkStop(t, s, jl); got != c.stopAt {
				t.Errorf("check stops the fork's recording at %d; the live run stopped at %d", got, c.stopAt)
			}
			// Its Markdown names the parent and N too, so check of it
			// leaves out the same messages (it has no times, so
			// max_duration never fires there).
			if md := strings.TrimSuffix(jl, ".jsonl") + ".md"; c.name == "max_tokens" {
				if got := checkStop(t, s, md); got != c.stopAt {
					t.Errorf("check stops the fork's Markdown at %d; the live run stopped at %d", got, c.stopAt)
				}
			}
		})
	}
}

// A fork's headless output names the parent's messages as the files do:
// by their recorded speaker, not the name of the seat that took them over.
func TestAForkPrintsInheritedMessagesUnderTheirRecordedSpeaker(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply { return openaitest.Words("c says hi") })
	dir := t.TempDir()
	parent := writeParent(t, dir, 4, func(i int) string { return fmt.Sprintf("line %d", i) })
	s := filepath.Join(dir, "s.yaml")
	os.WriteFile(s, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}\ntermination: {max_messages: 6}\n"), 0o600)
	code, stdout, errOut := parley(t, "fork", parent, "--at", "4", "--scenario", s, "--agent", fmt.Sprintf("B={base_url: %s, model: c-1, name: C}", srv.URL), "--no-tui", "--out", filepath.Join(dir, "out"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	for _, want := range []string{"### B (opening)\n\nline 1\n", "### B\n\nline 3\n", "### C\n\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "### C\n\nline 3") {
		t.Errorf("the parent's B message is printed as C's:\n%s", stdout)
	}
}

// A fork that stopped before a message of its own (its new seat's server
// failed) resumes: the rules its kept messages fire do not end it, as they
// did not end the live fork.
func TestAForkStoppedBeforeItsOwnMessagesResumes(t *testing.T) {
	dir := t.TempDir()
	parent := writeParent(t, dir, 8, func(i int) string { return fmt.Sprintf("line %d", i) })
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Error(500, "down"), openaitest.Words("a fresh reply")))
	s := filepath.Join(dir, "s.yaml")
	os.WriteFile(s, []byte("agents:\n  - {name: A, base_url: '"+srv.URL+"', model: m, retries: 1}\n"+
		"  - {name: B, type: scripted, lines: [s1, s2, s3, fresh b]}\ntermination: {any: [{max_messages: 50}, {stop_pattern: 'line'}]}\n"), 0o600)
	out := filepath.Join(dir, "out")
	if code, stdout, errOut := parley(t, "fork", parent, "--at", "5", "--scenario", s, "--no-tui", "--out", out); code == exitOK || code == exitUsage {
		t.Fatalf("the fork: exit %d, want its server's failure\n%s%s", code, stdout, errOut)
	}
	jl, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(jl) != 1 {
		t.Fatalf("recordings %v", jl)
	}
	code, stdout, errOut := parley(t, "resume", "--no-tui", jl[0])
	if code == exitUsage {
		t.Fatalf("resume refused: %s%s", stdout, errOut)
	}
	rec, err := transcripts.Read(jl[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Messages) < 6 || rec.Messages[5].Content != "a fresh reply" {
		t.Errorf("the resumed fork holds %d messages (%+v); want its own reply as message 6", len(rec.Messages), rec.Messages)
	}
}

// A seat a fork hands to another model (--agent) owns, to the fork's
// rules, what it spoke under its former name, as it does in its prompts:
// here the new seat's first refusal is B's third in a row, which stops
// the fork. check and show of the fork's JSONL and of its Markdown alone
// judge it the same way, and stop where the live fork did.
func TestAForkWithASeatHandedOverIsJudgedAsItRan(t *testing.T) {
	dir := t.TempDir()
	const no = "I'm sorry, but I can't help with that."
	parent := writeParent(t, dir, 5, func(i int) string {
		if i == 3 || i == 5 {
			return no
		}
		return fmt.Sprintf("line %d", i)
	})
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words(no) })
	s := filepath.Join(dir, "s.yaml")
	rules := "termination: {any: [{max_messages: 9}, {refusal: {in_a_row: 3}}]}\n"
	os.WriteFile(s, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, fresh 1, fresh 2, fresh 3]}\n  - {name: B, base_url: "+srv.URL+", model: m}\n"+rules), 0o600)
	policyFile := filepath.Join(dir, "rules.yaml")
	os.WriteFile(policyFile, []byte(rules), 0o600)

	jl, rec := runFork(t, filepath.Join(dir, "out"), parent, "--at", "5", "--scenario", s, "--agent", "B={base_url: "+srv.URL+", model: m2, name: C}")
	if rec.Run.Stop == nil || rec.Run.Stop.Policy != "refusal" || rec.Run.Stop.At != 7 {
		t.Fatalf("the live fork stopped %+v; want refusal at message 7, C's first refusal after B's two", rec.Run.Stop)
	}
	md := strings.TrimSuffix(jl, ".jsonl") + ".md"
	for _, path := range []string{jl, md} {
		if got := checkStop(t, policyFile, path); got != 7 {
			t.Errorf("check of %s stops at %d; the live fork stopped at 7", filepath.Base(path), got)
		}
		code, out, errOut := parley(t, "show", "--no-tui", "--policy", policyFile, path)
		if code != exitOK || !strings.Contains(out, "it would stop after message 7 by refusal") {
			t.Errorf("show of %s: exit %d, want it to stop after message 7 by refusal:\n%s%s", filepath.Base(path), code, out, errOut)
		}
	}
	// The Markdown alone says which seat the new model took, and reads
	// back without a warning.
	data, _ := os.ReadFile(md)
	if !strings.Contains(string(data), "**Formerly:** C was B\n") {
		t.Errorf("the fork's Markdown does not say C was B:\n%s", data)
	}
	if _, _, errOut := parley(t, "check", "--policy", policyFile, md); strings.Contains(errOut, "warning") {
		t.Errorf("check of the fork's Markdown warns: %s", errOut)
	}
}

// A fork asks its judge only about its own messages: one it kept from its
// parent can stop nothing, so a ruling on it would be a paid request whose
// STOP does nothing. It asks after the messages its parent's run would
// have asked after, counting the kept messages.
func TestAForkAsksTheJudgeOnlyAboutItsOwnMessages(t *testing.T) {
	judge := openaitest.Start(t, openaitest.Queue(
		openaitest.Words("CONTINUE\nAfter two."),
		openaitest.Words("CONTINUE\nAfter four."),
		openaitest.Words("CONTINUE\nAfter six."),
		openaitest.Words("STOP\nThe fork goes nowhere."),
	))
	dir := t.TempDir()
	// A budget of 7, so the judge is asked after 6 (at its budget, a run
	// that stops anyway asks no judge).
	parent := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}\ntermination:\n  any:\n    - max_messages: 7\n    - judge: {base_url: \""+judge.URL+"\", model: moderator, every: 2}\n")
	if got := judgeAsked(t, judge.Requests()); !slices.Equal(got, []string{"2", "4", "6"}) {
		t.Fatalf("the parent's run asked the judge about %q messages, want 2, 4 and 6", got)
	}
	out := filepath.Join(dir, "fork")
	code, stdout, errOut := parley(t, "fork", parent, "--at", "2", "--no-tui", "--out", out)
	if code != exitOK {
		t.Fatalf("fork: exit %d\n%s%s", code, stdout, errOut)
	}
	if got := judgeAsked(t, judge.Requests()[3:]); !slices.Equal(got, []string{"4"}) {
		t.Errorf("the fork asked the judge about %q messages, want only its own 4", got)
	}
	if !strings.Contains(stdout, "Stopped after message 4 (judge)") || strings.Contains(stdout, "after message 2") {
		t.Errorf("the fork's printed stop and rulings:\n%s%s", stdout, errOut)
	}
	jl, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(jl) != 1 {
		t.Fatalf("the fork recorded %v", jl)
	}
	if got := recordedRulings(t, jl[0]); !slices.Equal(got, []string{"4"}) {
		t.Errorf("the fork records rulings after messages %q, want only after 4", got)
	}
}

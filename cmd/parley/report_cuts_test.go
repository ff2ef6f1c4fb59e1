package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/transcripts"
)

// recording is a parley JSONL recording written as a run writes it, for
// tests: its run line, its messages and its stop line.
type recording struct {
	title    string
	agents   []transcripts.AgentInfo
	pairing  *transcripts.Pairing
	parent   *transcripts.Parent
	messages []transcripts.Message
	stop     *transcripts.Stop
}

func (r recording) write(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	enc.Encode(struct {
		Type string `json:"type"`
		transcripts.Run
	}{"run", transcripts.Run{Title: r.title, Started: start, Agents: r.agents, Pairing: r.pairing, Parent: r.parent}})
	for i, m := range r.messages {
		rec := transcripts.NewMessageRecord(i+1, m)
		enc.Encode(struct {
			Type string `json:"type"`
			transcripts.MessageRecord
		}{"message", rec})
	}
	if r.stop != nil {
		enc.Encode(struct {
			Type  string            `json:"type"`
			Ended time.Time         `json:"ended"`
			Stop  *transcripts.Stop `json:"stop"`
		}{"stop", start.Add(time.Minute), r.stop})
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// talk is n messages that two models trade, each saying something new,
// after the opening: message 1 is the opening, under b's name.
func talk(a, b string, n int) []transcripts.Message {
	msgs := []transcripts.Message{{Speaker: b, Content: "Hello.", Origin: transcripts.OriginOpening}}
	for i := 2; i <= n; i++ {
		sp, model := a, "m/"+a
		if i%2 == 1 {
			sp, model = b, "m/"+b
		}
		msgs = append(msgs, transcripts.Message{Speaker: sp, Model: model, Content: fmt.Sprintf("Message %d: %s", i, strings.Join(words(12+i), " "))})
	}
	return msgs
}

func agentsOf(a, b string) []transcripts.AgentInfo {
	return []transcripts.AgentInfo{{Name: a, Type: "openai", Model: "m/" + a}, {Name: b, Type: "openai", Model: "m/" + b}}
}

// A run interrupted mid-reply records its partial message, which no agent
// saw and no policy judged: check and report judge and count the messages
// before it, and say it was left out.
func TestCheckAndReportLeaveOutAnInterruptedMessage(t *testing.T) {
	dir := t.TempDir()
	msgs := talk("ada", "bix", 11)
	// The partial message holds what would stop the run, had it been judged.
	msgs = append(msgs, transcripts.Message{Speaker: "bix", Model: "m/bix", Content: "[END]", Partial: true})
	path := recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: msgs,
		stop: &transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "interrupted", At: 11}}.write(t, filepath.Join(dir, "run.jsonl"))
	pol := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(pol, []byte("termination:\n  - stop_pattern: '\\[END\\]'\n"), 0o600)

	code, out, errOut := parley(t, "check", "--json", "--policy", pol, path)
	if code != exitOK {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	rs := decodeResults(t, out)
	if len(rs) != 1 || rs[0].Messages != 11 || rs[0].Partial != 1 || rs[0].StopAt != nil {
		t.Fatalf("check: %+v; want 11 messages judged, 1 partial left out, no stop", rs)
	}
	if !strings.Contains(errOut, "message 12 was interrupted mid-reply and is left out") {
		t.Errorf("check's stderr %q does not say the partial message is left out", errOut)
	}

	rep := filepath.Join(t.TempDir(), "r")
	code, _, errOut = parley(t, "report", "--policy", pol, "--out", rep, path)
	if code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	r := readReport(t, rep)
	if len(r.Conversations) != 1 || r.Conversations[0].Messages != 11 || r.Conversations[0].Stop != 0 || r.Messages != 11 {
		t.Fatalf("report: %+v; want one conversation of 11 messages, never stopped", r.Conversations)
	}
}

func readReport(t *testing.T, dir string) analysis.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r analysis.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// A batch's conversations that an error or a signal stopped are not
// healthy: one that died of a provider error after 4 messages is failed,
// and one interrupted after its opening (its reply partial) or holding
// only the "Hello." cue holds no reply and is left out, named.
func TestReportMarksFailuresAndLeavesOutConversationsWithNoReply(t *testing.T) {
	dir := t.TempDir()
	boom := &transcripts.Stop{Kind: transcripts.StopError, Reason: "bix failed with 500 Internal Server Error: boom", At: 4}
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: talk("ada", "bix", 4), stop: boom}.write(t, filepath.Join(dir, "failed.jsonl"))
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: talk("ada", "bix", 9),
		stop: &transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", Reason: "9 messages", At: 9}}.write(t, filepath.Join(dir, "whole.jsonl"))
	cut := append(talk("ada", "bix", 1), transcripts.Message{Speaker: "ada", Model: "m/ada", Content: "Half a thou", Partial: true})
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: cut,
		stop: &transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "interrupted", At: 1}}.write(t, filepath.Join(dir, "interrupted.jsonl"))
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: talk("ada", "bix", 1), stop: boom}.write(t, filepath.Join(dir, "hello.jsonl"))
	os.WriteFile(filepath.Join(dir, "blank.md"), []byte("# ada ↔ bix\n\n---\n\n### bix\n\n \n\n---\n"), 0o600)

	rep := filepath.Join(t.TempDir(), "r")
	code, out, errOut := parley(t, "report", "--out", rep, dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "2 conversations, 1 pair (3 conversations with no reply left out; 1 failed)"; !strings.Contains(out, want) {
		t.Errorf("stdout %q; want %q", out, want)
	}
	r := readReport(t, rep)
	if len(r.NoReply) != 3 || r.Failed != 1 || r.CutShort != 1 || len(r.Conversations) != 2 {
		t.Fatalf("no reply %q, failed %d, cut short %d; want 3 left out, 1 failed", r.NoReply, r.Failed, r.CutShort)
	}
	for _, c := range r.Conversations {
		// The median is the whole conversation's alone: the failed one's
		// substance is where the error fell.
		if strings.HasSuffix(c.File, "whole.jsonl") && r.MedianSubstance != float64(c.Substance) {
			t.Errorf("median %v; want %d, the substance of the one conversation not cut short", r.MedianSubstance, c.Substance)
		}
		if strings.HasSuffix(c.File, "failed.jsonl") && (c.State != analysis.Failed || c.CutShort != "failed") {
			t.Errorf("the failed conversation is %q (cut short %q)", c.State, c.CutShort)
		}
	}
	md, _ := os.ReadFile(filepath.Join(rep, "report.md"))
	html, _ := os.ReadFile(filepath.Join(rep, "report.html"))
	for _, name := range []string{"hello.jsonl", "interrupted.jsonl", "blank.md"} {
		for f, data := range map[string][]byte{"report.md": md, "report.html": html} {
			if !strings.Contains(string(data), name) {
				t.Errorf("%s does not name %s, left out", f, name)
			}
		}
	}
	// Its row's State column (the seventh) says it failed.
	state := ""
	for _, l := range strings.Split(string(md), "\n") {
		if cells := strings.Split(l, " | "); strings.HasPrefix(l, "| [failed.jsonl]") && len(cells) > 6 {
			state = cells[6]
		}
	}
	if state != "failed" {
		t.Errorf("report.md gives the failed conversation's state as %q; want failed", state)
	}
	// The pair's unpriced models cost "unknown", not the "$0" a pair in
	// which no model replied would show.
	if strings.Contains(string(md), "$0") {
		t.Error("report.md gives a cost of $0 beside unknown ones")
	}
}

// A fork is filed under the pair that spoke in it after the fork point,
// with the models that spoke there: forked twice at message 6 with the
// seat of 4o handed to another model, once under a new name and once
// under the old one, the report has a row for each new model, and the
// parent's messages the forks start with are not paid for twice.
func TestReportFilesAForkUnderThePairThatSpokeAfterIt(t *testing.T) {
	dir := t.TempDir()
	parent := talk("4o", "gpt-5", 10)
	for i := range parent[1:] {
		parent[i+1].Usage = &transcripts.Usage{TotalTokens: 100}
	}
	parentPath := recording{title: "4o ↔ gpt-5", agents: agentsOf("4o", "gpt-5"), messages: parent}.write(t, filepath.Join(dir, "parent", "run.jsonl"))
	fork := func(name, seat, model string) {
		msgs := append([]transcripts.Message(nil), parent...)
		for i := 6; i < len(msgs); i++ {
			if msgs[i].Speaker == "4o" {
				msgs[i].Speaker, msgs[i].Model = seat, model
			}
			msgs[i].Content += " (forked: " + name + ")"
		}
		agents := agentsOf(seat, "gpt-5")
		agents[0].Model = model
		recording{title: seat + " ↔ gpt-5", agents: agents, messages: msgs,
			parent: &transcripts.Parent{Path: parentPath, Title: "4o ↔ gpt-5", At: 6}}.write(t, filepath.Join(dir, "forks", name+".jsonl"))
	}
	fork("a", "chatty", "m/chatty")
	fork("b", "4o", "m/terse")

	rep := filepath.Join(t.TempDir(), "r")
	code, out, errOut := parley(t, "report", "--out", rep, filepath.Join(dir, "forks"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "2 conversations, 2 pairs") {
		t.Errorf("stdout %q; want the two forks in two pairs", out)
	}
	r := readReport(t, rep)
	got := map[string]string{}
	for _, c := range r.Conversations {
		got[filepath.Base(c.File)] = c.Opener + " → " + c.Responder + " " + strings.Join(c.Models, " ↔ ")
		if c.Tokens != 400 {
			t.Errorf("%s: %d tokens; want the 400 of its own 4 messages, not the parent's 5 before the fork", c.File, c.Tokens)
		}
	}
	want := map[string]string{"a.jsonl": "chatty → gpt-5 m/chatty ↔ m/gpt-5", "b.jsonl": "4o → gpt-5 m/terse ↔ m/gpt-5"}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s is filed as %q; want %q", f, got[f], w)
		}
	}
	if strings.Join(r.RecordedModels, ",") != "m/chatty,m/gpt-5,m/terse" {
		t.Errorf("recorded models %v; want the forks' own", r.RecordedModels)
	}
}

// A report written into the folder it reads is read again without a word
// about its own report.md, report.json and report.html.
func TestReportRewrittenInPlaceSaysNothingOfItsOwnFiles(t *testing.T) {
	dir := t.TempDir()
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: talk("ada", "bix", 6)}.write(t, filepath.Join(dir, "run.jsonl"))
	for range 2 {
		code, out, errOut := parley(t, "report", "--out", dir, dir)
		if code != exitOK || errOut != "" || !strings.Contains(out, "1 conversation, 1 pair:") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want one conversation and nothing on stderr", code, out, errOut)
		}
	}
}

// A report written into the folder it reads never replaces a transcript
// it has just read, even with --force, and a report.md of anyone's in
// --out is replaced only with --force: neither is taken for the report's
// own output, which a later report replaces.
func TestReportReplacesNoFileItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	seed := "../../transcripts/seed/kimi-k2-vs-grok-4.md"
	kimi, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	read := filepath.Join(dir, "read")
	os.Mkdir(read, 0o755)
	os.WriteFile(filepath.Join(read, "report.md"), kimi, 0o644)
	writeCase(t, read, "other", words(8), "")
	notes := filepath.Join(dir, "notes")
	os.Mkdir(notes, 0o755)
	os.WriteFile(filepath.Join(notes, "report.md"), []byte("my notes\n"), 0o644)
	linked := filepath.Join(dir, "linked")
	os.Mkdir(linked, 0o755)
	precious := filepath.Join(dir, "precious.txt")
	os.WriteFile(precious, []byte("precious\n"), 0o644)
	if err := os.Symlink("../precious.txt", filepath.Join(linked, "report.json")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	cases := []struct {
		name, out  string
		force      bool
		code       int
		stderr     string
		kept, text string // a file that must keep its bytes, and them
	}{
		{"a transcript read", read, false, exitUsage, filepath.Join(read, "report.md") + " is a transcript this report reads; report never replaces one, even with --force", filepath.Join(read, "report.md"), string(kimi)},
		{"a transcript read, with --force", read, true, exitUsage, "report never replaces one, even with --force", filepath.Join(read, "report.md"), string(kimi)},
		{"another file", notes, false, exitUsage, filepath.Join(notes, "report.md") + " already exists, and parley did not write it; choose another --out, or pass --force to replace it", filepath.Join(notes, "report.md"), "my notes\n"},
		{"another file, with --force", notes, true, exitOK, "", "", ""},
		{"its own report again", notes, false, exitOK, "", "", ""},
		{"a link", linked, false, exitUsage, filepath.Join(linked, "report.json") + " already exists, and parley did not write it", precious, "precious\n"},
		{"a link, with --force", linked, true, exitOK, "", precious, "precious\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"report", "--out", tc.out, read}
			if tc.force {
				args = append(args, "--force")
			}
			code, _, errOut := parley(t, args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.stderr)
			}
			if tc.kept != "" {
				if b, _ := os.ReadFile(tc.kept); string(b) != tc.text {
					t.Errorf("%s now opens %.60q; want it kept", tc.kept, b)
				}
			}
			md, _ := os.ReadFile(filepath.Join(tc.out, "report.md"))
			if code != exitOK {
				if _, err := os.Stat(filepath.Join(tc.out, "report.html")); err == nil {
					t.Error("report.html was written, where report refused")
				}
				return
			}
			if !strings.Contains(string(md), "2 conversations") {
				t.Errorf("report.md opens %.200q; want the report of the 2 conversations", md)
			}
		})
	}
}

// A model that never replied has no cost to give: "–", where "$0" would
// say its replies were priced and free beside the "unknown" of the other
// unpriced models.
func TestReportCostOfAModelThatNeverReplied(t *testing.T) {
	dir := t.TempDir()
	boom := &transcripts.Stop{Kind: transcripts.StopError, Reason: "bix failed with 500 Internal Server Error: boom", At: 2}
	recording{title: "ada ↔ bix", agents: agentsOf("ada", "bix"), messages: talk("ada", "bix", 2), stop: boom}.write(t, filepath.Join(dir, "mute.jsonl"))
	rep := filepath.Join(t.TempDir(), "r")
	if code, _, errOut := parley(t, "report", "--out", rep, dir); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md, _ := os.ReadFile(filepath.Join(rep, "report.md"))
	for _, want := range []string{"| bix | 1 | – | 0 of 1 | 0 of 1 | 0 of 1 | – | – |", "| ada | 1 | – | 0 of 1 | 0 of 1 | 0 of 1 | – | unknown |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(string(md), "$0") {
		t.Error("report.md gives a cost of $0 for models whose replies are unpriced")
	}
	// Its one conversation was cut short: no substance was measured.
	if !strings.Contains(string(md), "Median messages of substance: –.") {
		t.Error("report.md gives a median of substance though every conversation was cut short")
	}
}

// In a tournament, an agent playing itself sits the second time as "NAME
// (2)", and one whose model a --vary changed as "NAME (MODEL)". The
// report files both seats' messages, tokens, cost and firsts under the
// pairing's agent: every message of the batch is some agent's.
func TestReportFilesATournamentsRenamedSeatsUnderTheirAgent(t *testing.T) {
	dir := t.TempDir()
	used := func(msgs []transcripts.Message) []transcripts.Message {
		cost := 0.01
		for i := range msgs {
			if msgs[i].Origin == transcripts.OriginAgent {
				msgs[i].Usage = &transcripts.Usage{PromptTokens: 90, CompletionTokens: 10, TotalTokens: 100, Cost: &cost}
			}
		}
		return msgs
	}
	self := used(talk("C", "C (2)", 12))
	for i := 10; i < len(self); i++ { // the second seat signs off first: message 11 is its
		self[i].Content = "Goodbye, and thank you. [END]"
	}
	recording{title: "C ↔ C (2)", agents: agentsOf("C", "C (2)"), pairing: &transcripts.Pairing{Opener: "C", Responder: "C", Run: 1},
		messages: self}.write(t, filepath.Join(dir, "self.jsonl"))
	recording{title: "L (chatty) ↔ G", agents: agentsOf("L (chatty)", "G"), pairing: &transcripts.Pairing{Opener: "L", Responder: "G", Run: 1},
		messages: used(talk("L (chatty)", "G", 10))}.write(t, filepath.Join(dir, "varied.jsonl"))

	rep := filepath.Join(t.TempDir(), "r")
	if code, _, errOut := parley(t, "report", "--out", rep, dir); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	r := readReport(t, rep)
	got := map[string]analysis.ModelFigures{}
	messages, tokens := 0, 0
	for _, f := range r.PerModel {
		got[f.Model] = f
		messages += f.Messages
		tokens += f.Tokens
	}
	if len(got) != 3 {
		t.Fatalf("models %v; want C, G and L, each under its roster name", r.Models)
	}
	// talk's messages after the opening: 11 in the self-play game, both
	// seats C's; 9 in the other, 5 L's and 4 G's.
	for name, want := range map[string]int{"C": 11, "L": 5, "G": 4} {
		if f := got[name]; f.Messages != want || f.Tokens != 100*want {
			t.Errorf("%s: %d messages, %d tokens; want %d and %d", name, f.Messages, f.Tokens, want, 100*want)
		}
	}
	if messages != 20 || tokens != r.Tokens {
		t.Errorf("the models' rows hold %d messages and %d tokens; the report %d tokens over 20 messages", messages, tokens, r.Tokens)
	}
	if got["C"].FirstToSignOff != 1 {
		t.Errorf("C signed off first in %d conversations; its second seat did, in the one it played", got["C"].FirstToSignOff)
	}
}

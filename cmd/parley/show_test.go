package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func TestShowMarksWhereEachRuleWouldFire(t *testing.T) {
	code, out, errOut := parley(t, "show", "--no-tui", "../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	at, v := policy.FirstStop(policy.Default(), seed.Messages)
	for _, want := range []string{
		fmt.Sprintf("◆ after message %d, %s would fire here: %s", at, v.Policy, v.Reason[:40]),
		"■ Recorded: 97 messages, no stop recorded",
		fmt.Sprintf("◆ Under the default rules it would stop after message %d by %s", at, v.Policy),
		fmt.Sprintf("(saving %d messages)", 97-at),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	// The mark follows message at: that many messages, each closed by ---, come before it.
	if i := strings.Index(out, fmt.Sprintf("◆ after message %d,", at)); i < 0 || strings.Count(out[:i], "\n---\n") != at {
		t.Errorf("the mark is not right after message %d", at)
	}
	// Under every message, the loop rule's reading of it: the last
	// message of the stop looks like a loop for the reasons the stop
	// gives it; a message of substance says what weighed against one.
	if n := strings.Count(out, "\n◇ message "); n != len(seed.Messages) {
		t.Errorf("%d loop readings for %d messages", n, len(seed.Messages))
	}
	i := strings.Index(v.Reason, fmt.Sprintf("; %d (", at))
	pct, why, _ := strings.Cut(v.Reason[i+len(fmt.Sprintf("; %d (", at)):], "): ")
	_, pct, _ = strings.Cut(pct, ", ")
	if want := fmt.Sprintf("◇ message %d looks like a loop (%s): %s\n", at, pct, why); i < 0 || !strings.Contains(out, want) {
		t.Errorf("show lacks %q", want)
	}
	// Message 1 has nothing before it: its reading names no message before.
	if i := strings.Index(out, "◇ message 1 is "); i < 0 || !strings.HasSuffix(strings.SplitN(out[i:], "\n", 2)[0], "likely to belong to a loop: it is the first, with nothing before it to repeat") {
		t.Errorf("message 1's reading does not say it is the first")
	}
	if i := strings.Index(out, "◇ message 2 is "); i < 0 || !strings.Contains(strings.SplitN(out[i:], "\n", 2)[0], "likely to belong to a loop: towards one, ") ||
		!strings.Contains(strings.SplitN(out[i:], "\n", 2)[0], "; against one, ") {
		t.Errorf("message 2's reading does not say what weighed towards a loop and against one")
	}
}

func TestShowUsesTheRecordedScenarioAndStop(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [same words again and again]}\n"+
		"  - {name: B, type: scripted, lines: [same words again and again]}\ntermination:\n  any:\n    - max_messages: 5\n    - stop_pattern: 'again'\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	code, out, errOut := parley(t, "show", "--no-tui", mds[0])
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// Message 1 is the opening (the "Hello." cue), so A's first line is message 2.
	for _, want := range []string{"■ Recorded: stopped after message 2 by stop_pattern", "Under its scenario's rules it would stop after message 2 by stop_pattern"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = parley(t, "show", filepath.Join(dir, "nope.md"))
	if code != exitUsage || !strings.Contains(errOut, "nope.md does not exist") {
		t.Errorf("a missing transcript: exit %d %q", code, errOut)
	}
	code, _, errOut = parley(t, "show", dir)
	if code != exitUsage || !strings.Contains(errOut, "is a directory; show takes one transcript, such as "+mds[0]) {
		t.Errorf("a directory: exit %d %q", code, errOut)
	}
	// The file suggested reads as a transcript: one that only has a
	// transcript's extension, sorted first, is passed over.
	os.WriteFile(filepath.Join(dir, "0-binary.md"), []byte("\x00\x01\xff\xfe not text \x00"), 0o600)
	code, _, errOut = parley(t, "show", dir)
	if code != exitUsage || !strings.Contains(errOut, "is a directory; show takes one transcript, such as "+mds[0]) {
		t.Errorf("a directory with a binary .md first: exit %d %q; want %s suggested", code, errOut, mds[0])
	}
}

// A fork's Markdown names its parent in its header; show still takes the
// scenario and the stop from the JSONL beside it.
func TestShowOfAForksMarkdownUsesItsJSONL(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [one, two, three]}\n"+
		"  - {name: B, type: scripted, lines: [uno, dos, tres]}\ntermination:\n  any:\n    - max_messages: 4\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parent, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	forks := filepath.Join(dir, "forks")
	if code, out, errOut := parley(t, "fork", "--no-tui", "--at", "2", "--out", forks, parent[0]); code != exitOK {
		t.Fatalf("fork: exit %d\n%s%s", code, out, errOut)
	}
	mds, _ := filepath.Glob(filepath.Join(forks, "*.md"))
	code, out, errOut := parley(t, "show", "--no-tui", mds[0])
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"■ Recorded: stopped after message 4 by max_messages", "Under its scenario's rules it would stop after message 4 by max_messages"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoSavesWhatCheckAndShowSay(t *testing.T) {
	_, shown, _ := parley(t, "show", "--no-tui", "../../transcripts/seed/kimi-k2-vs-grok-4.md")
	i := strings.Index(shown, "(saving ")
	if i < 0 {
		t.Fatalf("show names no saving:\n%s", shown[max(0, len(shown)-400):])
	}
	saved := strings.Fields(shown[i+len("(saving "):])[0]
	j := strings.Index(shown, "it would stop after message ")
	if j < 0 {
		t.Fatalf("show names no stop:\n%s", shown[max(0, len(shown)-400):])
	}
	at := strings.Fields(shown[j+len("it would stop after message "):])[0]
	code, out, errOut := parley(t, "demo", "--no-tui", "--pace", "0", "--out", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "parley stopped it after message "+at+", by the loop rule, for the reason above.\nThat saves "+saved+" messages of looping.") {
		t.Errorf("show says it saves %s; the demo's closing lines:\n%s", saved, out[max(0, len(out)-300):])
	}
}

// A file that holds several conversations (a chat export) opens at its
// first, saying so; FILE#N, as check names them, opens the Nth.
func TestShowPicksAConversationOfAnExport(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "export.json")
	os.WriteFile(p, []byte(`[{"name":"Planning a trip","chat_messages":[
 {"sender":"human","text":"Where should I go?"},{"sender":"assistant","text":"Try Lisbon."},
 {"sender":"human","text":"Why Lisbon?"},{"sender":"assistant","text":"Food and light."}]},
 {"name":"Second chat","chat_messages":[
 {"sender":"human","text":"Hi"},{"sender":"assistant","text":"Hello"},
 {"sender":"human","text":"Bye"},{"sender":"assistant","text":"Bye now"}]}]`), 0o600)
	tests := []struct {
		arg, want, wantErr string
	}{
		{p, "# Planning a trip", "holds 2 conversations; this is the first (show " + p + "#2 for the second"},
		{p + "#2", "# Second chat", ""},
	}
	for _, tt := range tests {
		code, out, errOut := parley(t, "show", "--no-tui", tt.arg)
		if code != exitOK || !strings.HasPrefix(out, tt.want) || !strings.Contains(out, tt.wantErr) {
			t.Errorf("show %s: exit %d, output starts %q; want %q and %q\n%s", tt.arg, code, firstLine(out), tt.want, tt.wantErr, errOut)
		}
	}
	if code, _, errOut := parley(t, "show", "--no-tui", p+"#3"); code != exitUsage || !strings.Contains(errOut, "holds 2 conversations, numbered from 1; give "+p+"#1 to "+p+"#2") {
		t.Errorf("show #3: exit %d, %q; want a usage error naming #1 to #2", code, errOut)
	}
	if code, _, errOut := parley(t, "show", "--no-tui", p+"#0"); code != exitUsage || !strings.Contains(errOut, "holds 2 conversations, numbered from 1; give "+p+"#1 to "+p+"#2") {
		t.Errorf("show #0: exit %d, %q; want a usage error naming #1 to #2", code, errOut)
	}
}

// An export whose first conversation is empty is not said to hold no
// messages: the sentence names the empty conversation, says how many the
// file holds and names one with messages, as check names them.
func TestShowOfAnEmptyConversationNamesOneWithMessages(t *testing.T) {
	dir := t.TempDir()
	chat := func(title string, n int) string {
		var msgs []string
		for i := range n {
			msgs = append(msgs, fmt.Sprintf(`{"role":%q,"content":"line %d"}`, []string{"user", "assistant"}[i%2], i+1))
		}
		return fmt.Sprintf(`{"title":%q,"chat":{"messages":[%s]}}`, title, strings.Join(msgs, ","))
	}
	export := filepath.Join(dir, "export.json")
	os.WriteFile(export, []byte("["+chat("empty", 0)+","+chat("real", 2)+"]"), 0o600)
	several := filepath.Join(dir, "several.json")
	os.WriteFile(several, []byte("["+chat("a", 1)+","+chat("b", 0)+","+chat("c", 0)+","+chat("d", 3)+"]"), 0o600)
	one := filepath.Join(dir, "one.md")
	os.WriteFile(one, []byte("# A ↔ B\n\n---\n"), 0o600)
	tests := []struct {
		name, arg, want string
	}{
		{"the first of an export, given as the file", export,
			export + " holds 2 conversations, and the first, " + export + "#1, has no messages to show; show " + export + "#2, which has 2 messages, as check names them"},
		{"the first of an export, given as FILE#1", export + "#1",
			export + "#1 holds no messages to show (" + export + " holds 2 conversations); show " + export + "#2, which has 2 messages, as check names them"},
		{"one in the middle names the next with messages", several + "#2",
			several + "#2 holds no messages to show (" + several + " holds 4 conversations); show " + several + "#4, which has 3 messages, as check names them"},
		{"a file of one conversation", one, one + " holds no messages to show"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := parley(t, "show", "--no-tui", tt.arg)
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d\n%s%s; want exit %d and %q", code, out, errOut, exitUsage, tt.want)
			}
		})
	}
}

// An interrupted last message, which no agent saw and no rule judged, is
// shown but given no loop chance, live or as text; show counts the
// messages as check does, with its warning, and saves what check saves.
func TestShowLeavesOutAnInterruptedMessageAsCheckDoes(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "rec.md")
	os.WriteFile(md, []byte("# Alice ↔ Bob\n\n---\n\n### Alice\n\nApples are red.\n\n---\n\n### Bob\n\nThe sky is blue.\n\n---\n\n"+
		"### Alice\n\nPears are green.\n\n---\n\n### Bob\n\nGrass grows tall.\n\n---\n\n### Alice (interrupted)\n\nPlums are\n\n---\n"), 0o600)
	jl := filepath.Join(dir, "mod.jsonl")
	lines := []string{`{"type":"run","title":"A ↔ B","started":"2026-01-02T10:00:00Z"}`}
	for i, m := range [][3]string{{"B", "Hello.", "opening"}, {"A", "apples are red"}, {"B", "the sky is blue"}, {"Moderator", "Please talk about fruit.", "moderator"},
		{"A", "pears are green"}, {"B", "grass grows tall"}, {"A", "plums are purple"}} {
		lines = append(lines, fmt.Sprintf(`{"type":"message","index":%d,"speaker":%q,"content":%q,"origin":%q}`, i+1, m[0], m[1], m[2]))
	}
	lines = append(lines, `{"type":"message","index":8,"speaker":"B","content":"rivers run","partial":true}`)
	os.WriteFile(jl, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	pol := filepath.Join(dir, "three.yaml")
	os.WriteFile(pol, []byte("any: {max_messages: 3, loop: {}}\n"), 0o600)
	tests := []struct {
		name, path string
		judged     int    // the messages check counts
		recorded   string // show's banner line for them
	}{
		{"Markdown", md, 4, "■ Recorded: 4 messages, no stop recorded"},
		{"JSONL with a moderator note", jl, 7, "■ Recorded: 7 messages (1 of them a moderator note, which budgets do not count), no stop recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := parley(t, "show", "--no-tui", "--policy", pol, tt.path)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			partial := tt.judged + 1
			if strings.Contains(out, fmt.Sprintf("◇ message %d ", partial)) {
				t.Errorf("show gives the interrupted message %d a loop chance:\n%s", partial, out)
			}
			if !strings.Contains(out, fmt.Sprintf("◇ message %d ", tt.judged)) {
				t.Errorf("show gives message %d no loop chance:\n%s", tt.judged, out)
			}
			_, checked, checkErr := parley(t, "check", "--json", "--policy", pol, tt.path)
			warning := fmt.Sprintf("message %d was interrupted mid-reply and is left out: no agent saw it and a live run's policy never judged it", partial)
			if !strings.Contains(checked, fmt.Sprintf(`"messages":%d,`, tt.judged)) || !strings.Contains(checkErr, warning) {
				t.Fatalf("check does not count %d messages with its warning:\n%s%s", tt.judged, checked, checkErr)
			}
			saved := fmt.Sprintf(`"saved":%d`, tt.judged-3)
			for _, want := range []string{tt.recorded, "▲ " + warning, "(saving " + phrase.Count(tt.judged-3, "message", "messages") + ")"} {
				if !strings.Contains(out, want) {
					t.Errorf("show lacks %q (check says %s):\n%s", want, saved, out)
				}
			}
			// The live view tags no chance beside it either.
			rec, _, err := recordingFor(tt.path, "")
			if err != nil {
				t.Fatal(err)
			}
			if tag, ok := rec.Tags[partial]; ok || rec.Tags[tt.judged] == "" {
				t.Errorf("the live view tags message %d %q and message %d %q; want no tag for the interrupted one", partial, tag, tt.judged, rec.Tags[tt.judged])
			}
		})
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// A recording judged under its scenario's rules (a converted tournament's
// max_messages alone) says where the default set, which check and report
// use, would stop it instead, so the two readings are not taken for one.
func TestShowSaysWhereTheDefaultSetWouldStopARecordingItsOwnRulesDoNot(t *testing.T) {
	jl := recordRun(t, t.TempDir(), "agents:\n  - {name: A, type: scripted, lines: [\"Let us talk about gardens and what grows in winter.\", \"[END]\", \"[END]\", \"[END]\", \"[END]\", \"[END]\"]}\n"+
		"  - {name: B, type: scripted, lines: [\"Kale and leeks do, under a cold frame.\", \"[END]\", \"[END]\", \"[END]\", \"[END]\", \"[END]\"]}\ntermination:\n  max_messages: 12\n")
	tr, err := transcripts.Read(jl)
	if err != nil {
		t.Fatal(err)
	}
	at, v := policy.FirstStop(policy.Default(), tr.Messages)
	if at == 0 || at >= 12 {
		t.Fatalf("the default set stops it at %d; the test needs a stop before 12", at)
	}
	code, out, errOut := parley(t, "show", "--no-tui", jl)
	want := fmt.Sprintf("◆ Under the default rules, which check and report use unless given --policy, it would stop after message %d by %s", at, v.Policy)
	if code != exitOK || !strings.Contains(out, "◆ Under its scenario's rules it would stop after message 12 by max_messages") || !strings.Contains(out, want) {
		t.Errorf("exit %d; want both readings, %q among them:\n%s%s", code, want, out, errOut)
	}
	// Under --policy FILE it is judged under FILE, and that reading alone
	// is given, as the README says.
	pol := filepath.Join(t.TempDir(), "twelve.yaml")
	os.WriteFile(pol, []byte("max_messages: 12\n"), 0o600)
	code, out, errOut = parley(t, "show", "--no-tui", "--policy", pol, jl)
	if code != exitOK || !strings.Contains(out, "◆ Under "+pol+" it would stop after message 12 by max_messages") || strings.Contains(out, "◆ Under the default rules") {
		t.Errorf("show --policy: exit %d; want its reading alone:\n%s%s", code, out, errOut)
	}
}

// A recording is judged under the rules its scenario ran under: its
// termination: block's, else, with no block (the demo's own scenario has
// none), the default set, which show names as the set it ran under,
// never as rules it cannot read; a resume's budget is set over either.
func TestShowNamesTheRulesItsScenarioRanUnder(t *testing.T) {
	const agents = "agents:\n  - {name: A, type: scripted, lines: [one, two, three, four]}\n  - {name: B, type: scripted, lines: [uno, dos, tres, cuatro]}\n"
	const ranUnderDefault = "◆ Under the default rules (its scenario names no rules, so it ran under them) "
	cases := []struct {
		name, scenario string
		// resumeUnder, when set, is a scenario a resume with
		// --max-messages 6 continues the recording under.
		resumeUnder string
		want, not   []string
	}{
		{"no termination: block", "title: two scripts\n" + agents + "first: B\n", "",
			[]string{ranUnderDefault + "nothing would stop it"}, []string{"cannot be read", "which check and report use"}},
		{"a termination: block", agents + "termination:\n  max_messages: 5\n", "",
			[]string{"◆ Under its scenario's rules it would stop after message 5 by max_messages"}, []string{"cannot be read", "its scenario names no rules"}},
		{"a termination: block of no rules, which run reads as none", agents + "termination: {}\n", "",
			[]string{"◆ Under its scenario's rules nothing would stop it"}, []string{"cannot be read", "its scenario names no rules"}},
		{"resumed with --max-messages under a scenario of no block", agents + "termination: {max_messages: 3}\n", agents,
			[]string{"◆ Under the default rules with --max-messages 6, as its last session ran (its scenario names no rules) it would stop after message 6 by max_messages"},
			[]string{"cannot be read"}},
		{"resumed with --max-messages under its own block", agents + "termination: {max_messages: 3}\n", agents + "termination: {max_messages: 3}\n",
			[]string{"◆ Under its scenario's rules with --max-messages 6, as its last session ran it would stop after message 6 by max_messages"},
			[]string{"cannot be read", "its scenario names no rules"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			jl := recordRun(t, dir, c.scenario)
			if c.resumeUnder != "" {
				next := writeFile(t, dir, "next.yaml", c.resumeUnder)
				if code, out, errOut := parley(t, "resume", "--no-tui", "--scenario", next, "--max-messages", "6", jl); code != exitOK {
					t.Fatalf("resume: exit %d %s%s", code, out, errOut)
				}
			}
			code, out, errOut := parley(t, "show", "--no-tui", jl)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("show lacks %q:\n%s", w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("show says %q:\n%s", n, out)
				}
			}
		})
	}
	t.Run("the demo's recording", func(t *testing.T) {
		dir := t.TempDir()
		if code, _, errOut := parley(t, "demo", "--no-tui", "--pace", "0", "--out", dir); code != exitOK {
			t.Fatalf("demo: exit %d %s", code, errOut)
		}
		jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if len(jls) != 1 {
			t.Fatalf("the demo recorded %v", jls)
		}
		code, out, errOut := parley(t, "show", "--no-tui", jls[0])
		if code != exitOK || !strings.Contains(out, ranUnderDefault+"it would stop after message ") || strings.Contains(out, "cannot be read") {
			t.Errorf("exit %d; want the default set named as the rules it ran under:\n%s%s", code, out[max(0, len(out)-1500):], errOut)
		}
	})
}

// A scenario's loop rule may name its model by a path beside the
// scenario: show finds it there from any folder, as the run did, and says
// so when it is gone rather than judging under other rules in silence.
func TestShowFindsTheScenariosModelBesideIt(t *testing.T) {
	dir := t.TempDir()
	model, err := os.ReadFile(filepath.Join("..", "..", "orchestrator", "policy", "loopmodel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.json"), model, 0o600); err != nil {
		t.Fatal(err)
	}
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [one, two, three]}\n"+
		"  - {name: B, type: scripted, lines: [uno, dos, tres]}\ntermination:\n  any:\n    - max_messages: 5\n    - loop: {model: m.json}\n")
	code, out, errOut := parley(t, "show", "--no-tui", jl)
	if code != exitOK || !strings.Contains(out, "◆ Under its scenario's rules it would stop after message 5 by max_messages") {
		t.Fatalf("exit %d, show from another folder:\n%s%s", code, out, errOut)
	}
	if err := os.Remove(filepath.Join(dir, "m.json")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = parley(t, "show", "--no-tui", jl)
	if code != exitOK || !strings.Contains(out, "◆ Its scenario's rules ("+filepath.Join(dir, "s.yaml")+") cannot be read here (") ||
		!strings.Contains(out, "so it is judged under the default rules") {
		t.Fatalf("exit %d, show with the model gone:\n%s%s", code, out, errOut)
	}
}

// A replay and a fork take one conversation of a file that holds several
// as FILE#N, as show and check name it.
func TestReplayAndForkTakeAConversationOfAFileOfSeveral(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "export.json")
	os.WriteFile(p, []byte(`[{"name":"Planning a trip","chat_messages":[
 {"sender":"human","text":"Where should I go?"},{"sender":"assistant","text":"Try Lisbon."}]},
 {"name":"Second chat","chat_messages":[
 {"sender":"human","text":"Hi"},{"sender":"assistant","text":"Hello"},
 {"sender":"human","text":"Bye"},{"sender":"assistant","text":"Bye now"}]}]`), 0o600)
	jl := recordRun(t, dir, "agents:\n  - {name: Human, type: replay, transcript: 'export.json#2', speaker: human}\n"+
		"  - {name: Assistant, type: replay, transcript: 'export.json#2', speaker: assistant}\ntermination: {max_messages: 20}\n")
	said := saidIn(t, jl)
	if want := []string{"Hello.", "Hi", "Hello", "Bye", "Bye now"}; !slices.Equal(said, want) {
		t.Errorf("the replay of export.json#2 said %q, want %q", said, want)
	}
	fork := filepath.Join(dir, "fork.yaml")
	os.WriteFile(fork, []byte("agents:\n  - {name: human, type: scripted, lines: [x, y]}\n  - {name: assistant, type: scripted, lines: [p, q]}\ntermination: {max_messages: 4}\n"), 0o600)
	code, _, errOut := parley(t, "fork", p+"#2", "--at", "2", "--no-tui", "--out", filepath.Join(dir, "forks"), "--scenario", fork)
	if code != exitOK {
		t.Errorf("fork of %s#2: exit %d\n%s", p, code, errOut)
	}
	code, _, errOut = parley(t, "fork", p+"#0", "--at", "2", "--no-tui", "--scenario", fork)
	if code != exitUsage || !strings.Contains(errOut, "holds 2 conversations, numbered from 1; give "+p+"#1 to "+p+"#2") {
		t.Errorf("fork of %s#0: exit %d, %q", p, code, errOut)
	}
	code, _, errOut = parley(t, "fork", p, "--at", "2", "--no-tui", "--scenario", fork)
	if code != exitUsage || !strings.Contains(errOut, "holds 2 conversations; give one as "+p+"#1 to "+p+"#2") {
		t.Errorf("fork of the whole file: exit %d, %q", code, errOut)
	}
}

// A PARLEY_TEXT_WIDTH that is no width is said so, naming the variable,
// where the live view passed it over in silence; --text-width overrides it.
func TestABadTextWidthVariableIsNamed(t *testing.T) {
	t.Setenv("PARLEY_TEXT_WIDTH", "abc")
	seed := filepath.Join("..", "..", "transcripts", "seed", "kimi-k2-vs-grok-4.md")
	code, _, errOut := parley(t, "show", "--no-tui", seed)
	if code != exitUsage || !strings.Contains(errOut, `PARLEY_TEXT_WIDTH is "abc"; it takes a whole number of columns`) {
		t.Errorf("exit %d, %q; want the variable named", code, errOut)
	}
	if code, _, errOut := parley(t, "show", "--no-tui", "--text-width", "80", seed); code != exitOK {
		t.Errorf("with --text-width: exit %d, %q", code, errOut)
	}
	// Space around a width, as a shell file may leave, is no fault, and
	// the width is the one taken.
	t.Setenv("PARLEY_TEXT_WIDTH", " 80\n")
	if n := textWidthDefault(); n != 80 {
		t.Errorf("PARLEY_TEXT_WIDTH=%q is read as %d, want 80", " 80\n", n)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

func TestForkKeepsTheParentAndShowsEachSideItsHistory(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s, turn %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	scenario := filepath.Join(dir, "pair.yaml")
	os.WriteFile(scenario, []byte(fmt.Sprintf(`agents:
  - {name: A, base_url: %[1]s, model: a-1, system: You are A.}
  - {name: B, base_url: %[1]s, model: b-1, system: You are B.}
opening: Let us begin.
termination: {max_messages: 5}
`, srv.URL)), 0o600)
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "parent")); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parentJSONL, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	parent, err := transcripts.Read(parentJSONL[0])
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(parentJSONL[0])
	served := len(srv.Requests())

	forkJSONL, child := runFork(t, filepath.Join(dir, "fork"), strings.TrimSuffix(parentJSONL[0], ".jsonl")+".md", "--at", "3",
		"--agent", fmt.Sprintf("B={base_url: %s, model: c-1, name: C}", srv.URL))
	// The parent link, in the JSONL and the Markdown.
	if p := child.Run.Parent; p == nil || p.Path != parentJSONL[0] || p.At != 3 || p.Title != "A ↔ B" {
		t.Errorf("parent = %+v; want %s at message 3", child.Run.Parent, parentJSONL[0])
	}
	md, _ := os.ReadFile(strings.TrimSuffix(forkJSONL, ".jsonl") + ".md")
	if !strings.Contains(string(md), fmt.Sprintf("**Forked from:** %s, message 3\n", parentJSONL[0])) || !strings.HasPrefix(string(md), "# A ↔ C\n") {
		t.Errorf("the Markdown header does not name the parent:\n%s", md)
	}
	if after, _ := os.ReadFile(parentJSONL[0]); string(after) != string(before) {
		t.Error("fork changed the parent")
	}
	// The first three messages are the parent's (the opening in B's seat,
	// A, B), then A speaks and C answers in B's seat.
	var speakers []string
	for i, m := range child.Messages {
		speakers = append(speakers, m.Speaker)
		if i < 3 && (m.Speaker != parent.Messages[i].Speaker || m.Content != parent.Messages[i].Content) {
			t.Errorf("message %d is %s: %q; want the parent's %s: %q", i+1, m.Speaker, m.Content, parent.Messages[i].Speaker, parent.Messages[i].Content)
		}
	}
	if strings.Join(speakers, " ") != "B A B A C" || child.Messages[4].Model != "c-1" || child.Messages[0].Origin != transcripts.OriginOpening {
		t.Errorf("speakers %v, message 5 by model %q; want B A B A C, the opening first and c-1 in B's seat", speakers, child.Messages[4].Model)
	}
	// The exact history each side was shown.
	reqs := srv.Requests()[served:]
	if len(reqs) != 2 {
		t.Fatalf("%d requests after the fork; want 2 (messages 4 and 5)", len(reqs))
	}
	type msg struct{ Role, Content string }
	shown := func(r openaitest.Request) []msg {
		var out []msg
		for _, m := range r.Body.Messages {
			out = append(out, msg{m.Role, m.Content})
		}
		return out
	}
	p := parent.Messages
	wantA := []msg{
		{openai.ChatMessageRoleSystem, "You are A."},
		{"user", p[0].Content}, // the opening, "Let us begin."
		{"assistant", p[1].Content},
		{"user", p[2].Content},
	}
	if reqs[0].Body.Model != "a-1" || !reflect.DeepEqual(shown(reqs[0]), wantA) {
		t.Errorf("A (%s) was shown %+v\nwant %+v", reqs[0].Body.Model, shown(reqs[0]), wantA)
	}
	wantC := []msg{
		{openai.ChatMessageRoleSystem, "You are B."}, // the seat keeps its system prompt
		{"user", p[1].Content},
		{"assistant", p[2].Content}, // B's message, now C's own
		{"user", child.Messages[3].Content},
	}
	if reqs[1].Body.Model != "c-1" || !reflect.DeepEqual(shown(reqs[1]), wantC) {
		t.Errorf("C (%s) was shown %+v\nwant %+v", reqs[1].Body.Model, shown(reqs[1]), wantC)
	}

	// Under another scenario, the same seats.
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, []byte(fmt.Sprintf(`agents:
  - {name: A, base_url: %[1]s, model: a-2, system: Be brief.}
  - {name: B, base_url: %[1]s, model: b-2, system: Be brief too.}
termination: {max_messages: 3}
`, srv.URL)), 0o600)
	served = len(srv.Requests())
	if code, out, errOut := parley(t, "fork", parentJSONL[0], "--at", "2", "--scenario", other, "--no-tui", "--out", filepath.Join(dir, "fork2")); code != exitOK {
		t.Fatalf("fork --scenario: exit %d\n%s%s", code, out, errOut)
	}
	reqs = srv.Requests()[served:]
	want := []msg{{openai.ChatMessageRoleSystem, "Be brief too."}, {"user", p[1].Content}}
	if len(reqs) != 1 || reqs[0].Body.Model != "b-2" || !reflect.DeepEqual(shown(reqs[0]), want) {
		t.Errorf("under the other scenario B was shown %+v; want %+v", shown(reqs[0]), want)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fork", parentJSONL[0], "--at", "9"}, "holds 5 completed messages; --at must be from 1 to 5"},
		{[]string{"fork", parentJSONL[0]}, "fork needs --at N"},
		{[]string{"fork", parentJSONL[0], "--at", "2", "--agent", "Z=openai:gpt-4o"}, `no seat is named "Z"; the seats are "A" and "B"`},
		{[]string{"fork", parentJSONL[0], "--at", "2", "--agent", "B=gpt-4o"}, "neither PROVIDER:MODEL"},
		{[]string{"fork", parentJSONL[0], "--at", "2", "--agent", "B={modle: x}"}, `did you mean "model"?`},
	} {
		code, _, errOut := parley(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %s; want %q", c.args[2:], code, errOut, c.want)
		}
	}
}

// A fork continues a recording in any layout check reads, here a
// "### Name ###" log, under the scenario given, which seats its speakers.
func TestForkContinuesAnImportedLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	os.WriteFile(log, []byte("### Claude 1 ###\nls\n\n### Claude 2 ###\nbin etc\n\n### Claude 1 ###\ncd etc\n"), 0o600)
	scenario := filepath.Join(dir, "s.yaml")
	// A scripted side says its lines from the first: the log's messages
	// were never its lines.
	os.WriteFile(scenario, []byte("agents:\n  - {name: Claude 1, type: scripted, lines: [pwd, ls]}\n  - {name: Claude 2, type: scripted, lines: [/etc, bin etc]}\ntermination: {max_messages: 4}\n"), 0o600)

	_, child := runFork(t, filepath.Join(dir, "fork"), log, "--at", "2", "--scenario", scenario)
	var said []string
	for _, m := range child.Messages {
		said = append(said, m.Speaker+": "+m.Content)
	}
	if want := "Claude 1: ls|Claude 2: bin etc|Claude 1: pwd|Claude 2: /etc"; strings.Join(said, "|") != want {
		t.Errorf("the fork holds %q, want %q", strings.Join(said, "|"), want)
	}
	// Without a scenario there is nothing to continue under.
	if code, _, errOut := parley(t, "fork", log, "--at", "2", "--no-tui"); code != exitUsage || !strings.Contains(errOut, "records no scenario; give one with --scenario") {
		t.Errorf("no scenario: exit %d, %q", code, errOut)
	}
}

// runFork runs parley fork with args, headless, into out, and returns the
// one transcript it wrote: its JSONL's path and what it holds.
func runFork(t *testing.T, out string, args ...string) (string, *transcripts.Transcript) {
	t.Helper()
	code, stdout, errOut := parley(t, append(append([]string{"fork"}, args...), "--no-tui", "--out", out)...)
	if code != exitOK {
		t.Fatalf("fork: exit %d\n%s%s", code, stdout, errOut)
	}
	forks, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(forks) != 1 {
		t.Fatalf("fork wrote %v", forks)
	}
	child, err := transcripts.Read(forks[0])
	if err != nil {
		t.Fatal(err)
	}
	return forks[0], child
}

// fork takes run's flags and means them: --json streams the fork's events
// as JSON lines, and PARLEY_OUT is where it records without --out.
func TestForkTakesRunsFlags(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	os.WriteFile(log, []byte("### Claude 1 ###\nls\n\n### Claude 2 ###\nbin etc\n\n### Claude 1 ###\ncd etc\n"), 0o600)
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: Claude 1, type: scripted, lines: [ls, pwd]}\n  - {name: Claude 2, type: scripted, lines: [bin etc, /etc]}\ntermination: {max_messages: 4}\n"), 0o600)
	out := filepath.Join(dir, "elsewhere")
	t.Setenv("PARLEY_OUT", out)
	code, stdout, errOut := parley(t, "fork", log, "--at", "2", "--scenario", scenario, "--json")
	if code != exitOK {
		t.Fatalf("fork --json: exit %d\n%s%s", code, stdout, errOut)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	finished := 0
	for _, l := range lines {
		var e struct{ Type string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", l, err)
		}
		if e.Type == "message" {
			finished++
		}
	}
	if finished != 2 {
		t.Errorf("%d messages finished on stdout; want the fork's 2\n%s", finished, stdout)
	}
	if forks, _ := filepath.Glob(filepath.Join(out, "*.jsonl")); len(forks) != 1 {
		t.Errorf("the fork is recorded in %v; want one transcript in $PARLEY_OUT", forks)
	}
}

// A recording that hides its scenario's secrets (a URL's password, a
// header's value) is forked under its scenario file, read again by the
// absolute path it records, never with REDACTED as the credentials: a
// fork refuses, as resume does, when the file is gone or has changed.
// An older recording, which names the file as it was given, is read from
// the working folder as before.
func TestForkOfARecordingThatHidesItsSecrets(t *testing.T) {
	const pass, header = "PASS-SECRET", "HDR-SECRET"
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s, turn %d.", r.Body.Model, len(r.Body.Messages)))
	})
	home, other := t.TempDir(), t.TempDir()
	t.Chdir(home)
	base := strings.Replace(srv.URL, "http://", "http://u:"+pass+"@", 1)
	src := fmt.Sprintf("agents:\n  - {name: A, base_url: %[1]s, model: a, headers: {X-Custom: %[2]s}}\n  - {name: B, base_url: %[1]s, model: b, headers: {X-Custom: %[2]s}}\ntermination: {max_messages: 4}\n", base, header)
	os.WriteFile("ok.yaml", []byte(src), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", "rec", "ok.yaml"); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(home, "rec", "*.jsonl"))
	rec, err := transcripts.Read(jls[0])
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Run.ScenarioRedacted || !filepath.IsAbs(rec.Run.ScenarioPath) || filepath.Base(rec.Run.ScenarioPath) != "ok.yaml" {
		t.Fatalf("the recording names its scenario as %q (redacted %v); want ok.yaml's absolute path", rec.Run.ScenarioPath, rec.Run.ScenarioRedacted)
	}
	data, _ := os.ReadFile(jls[0])
	copied := filepath.Join(other, "ex.jsonl")
	os.WriteFile(copied, data, 0o600)
	older := filepath.Join(other, "older.jsonl")
	os.WriteFile(older, []byte(strings.Replace(string(data), `"scenario_path":"`+rec.Run.ScenarioPath+`"`, `"scenario_path":"ok.yaml"`, 1)), 0o600)

	cases := []struct {
		name, cwd, jsonl string
		scenario         string // ok.yaml's content ("": none)
		want             string // in stderr when the fork is refused; "": it runs
	}{
		{"in the folder it was recorded in", home, jls[0], src, ""},
		{"a copy, from another folder", other, copied, src, ""},
		{"the scenario file is gone", other, copied, "", "ex.jsonl records its scenario with its secrets hidden, and " + rec.Run.ScenarioPath + ": no such file"},
		{"the scenario file has changed", other, copied, strings.Replace(src, "model: b", "model: c", 1), rec.Run.ScenarioPath + " has changed since"},
		{"an older recording, from its folder", home, older, src, ""},
		{"an older recording, from another folder", other, older, src, "older.jsonl records its scenario with its secrets hidden, and ok.yaml: no such file"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(filepath.Join(home, "ok.yaml"))
			if c.scenario != "" {
				os.WriteFile(filepath.Join(home, "ok.yaml"), []byte(c.scenario), 0o600)
			}
			t.Chdir(c.cwd)
			served := len(srv.Requests())
			code, out, errOut := parley(t, "fork", c.jsonl, "--at", "3", "--no-tui", "--out", filepath.Join(t.TempDir(), fmt.Sprint("f", i)))
			sent := srv.Requests()[served:]
			if c.want != "" {
				if code != exitUsage || !strings.Contains(errOut, c.want) || len(sent) > 0 {
					t.Errorf("exit %d and %d requests, want %d, none, and %q:\n%s%s", code, len(sent), exitUsage, c.want, out, errOut)
				}
				return
			}
			if code != exitOK || len(sent) == 0 {
				t.Fatalf("exit %d, %d requests:\n%s%s", code, len(sent), out, errOut)
			}
			for _, r := range sent {
				user, pw, _ := (&http.Request{Header: r.Header}).BasicAuth()
				if r.Header.Get("X-Custom") != header || user != "u" || pw != pass {
					t.Errorf("the fork sent X-Custom %q and %q:%q; want the scenario's credentials", r.Header.Get("X-Custom"), user, pw)
				}
			}
		})
	}
}

// A parent given by a relative path is recorded by its absolute path, in
// the JSONL and the Markdown, as the scenario is: the fork finds its
// parent from wherever it is read.
func TestAForkNamesItsParentByItsAbsolutePath(t *testing.T) {
	seed := "../../transcripts/seed/kimi-k2-vs-grok-4.md"
	abs, _ := filepath.Abs(seed)
	s := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(s, []byte("agents:\n  - {name: Kimi K2, type: scripted, lines: [a fresh line]}\n  - {name: grok-4, type: scripted, lines: [another fresh line]}\ntermination: {max_messages: 12}\n"), 0o600)
	jl, child := runFork(t, filepath.Join(t.TempDir(), "fork"), seed, "--at", "10", "--scenario", s)
	if p := child.Run.Parent; p == nil || p.Path != abs {
		t.Errorf("parent = %+v; want %s", child.Run.Parent, abs)
	}
	md, _ := os.ReadFile(strings.TrimSuffix(jl, ".jsonl") + ".md")
	if !strings.Contains(string(md), "**Forked from:** "+abs+", message 10\n") {
		t.Errorf("the Markdown does not name the parent by its absolute path:\n%.400s", md)
	}
}

// A scenario whose seats are scripted forks another tool's recording (the
// layout of the seed's attractors folder) with each script from its first
// line: the recording lists no agents, so its messages were never the
// scripts' lines, and a script is not taken to have said as many lines as
// its seat's name spoke there, which stopped the fork at once as having
// none left. A parley recording of those scripts carries on after the
// lines they said (TestResumeOfARunOutSideWithMoreLinesGoesOn).
func TestForkOfAnotherToolsRecordingStartsItsScriptsAtTheFirstLine(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "Kimi K2_vs_grok-4_run1.json")
	os.WriteFile(rec, []byte(`{"model_a": "Kimi K2", "model_b": "grok-4", "initial_message": " ", "messages": [
  {"role": "user", "content": " ", "speaker": "Kimi K2"},
  {"role": "assistant", "content": "grok one", "speaker": "grok-4"},
  {"role": "assistant", "content": "kimi one", "speaker": "Kimi K2"},
  {"role": "assistant", "content": "grok two", "speaker": "grok-4"},
  {"role": "assistant", "content": "kimi two", "speaker": "Kimi K2"},
  {"role": "assistant", "content": "grok three", "speaker": "grok-4"}
]}`), 0o600)
	sc := filepath.Join(dir, "fsc.yaml")
	os.WriteFile(sc, []byte("agents:\n  - {name: Kimi K2, type: scripted, lines: [k1, k2]}\n  - {name: grok-4, type: scripted, lines: [g1, g2]}\ntermination: {max_messages: 50}\n"), 0o600)
	out := filepath.Join(dir, "fork")
	code, stdout, errOut := parley(t, "fork", rec, "--at", "4", "--scenario", sc, "--no-tui", "--out", out)
	if code != exitOK || !strings.Contains(stdout, "Stopped after message 8 (exhausted): Kimi K2 has no lines left to say.") {
		t.Fatalf("fork: exit %d\n%s%s", code, stdout, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("the fork recorded %v", jls)
	}
	if said, want := saidIn(t, jls[0]), []string{" ", "grok one", "kimi one", "grok two", "k1", "g1", "k2", "g2"}; !slices.Equal(said, want) {
		t.Errorf("the fork holds %q, want %q", said, want)
	}
}

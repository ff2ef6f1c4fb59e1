package orchestrator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func scenario(t *testing.T, path, yaml string) *configs.Scenario {
	t.Helper()
	s, err := configs.Parse(path, []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stage runs the conversation the scenario yaml (at path) describes to its
// end and returns its stop and the messages it finished.
func stage(t *testing.T, path, yaml string) (transcripts.Stop, []transcripts.Message) {
	t.Helper()
	cfg, err := FromScenario(scenario(t, path, yaml), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sink collect
	stop, err := New(cfg).Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	return stop, sink.finished()
}

const twoRemote = `agents:
  - name: A
    base_url: http://models.example:8080/v1
    api_key_env: PARLEY_TEST_KEY
    model: m
  - name: B
    provider: ollama
    model: m
`

func TestFromScenarioKeys(t *testing.T) {
	env := map[string]string{"PARLEY_TEST_KEY": "sk-test-1234567890"}
	getenv := func(k string) string { return env[k] }
	var warnings []string
	cfg, err := FromScenario(scenario(t, "s.yaml", twoRemote), Options{Getenv: getenv, Warn: func(w string) { warnings = append(warnings, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "plain http://") || !strings.Contains(warnings[0], `"A"`) {
		t.Errorf("warnings = %q, want one about A's key over plain http", warnings)
	}
	if strings.Contains(cfg.Run.Scenario+strings.Join(warnings, ""), env["PARLEY_TEST_KEY"]) {
		t.Error("the key leaked into the run record or a warning")
	}
	if cfg.Run.Agents[0].APIKeyEnv != "PARLEY_TEST_KEY" || cfg.Run.Agents[1].BaseURL != "http://localhost:11434/v1" {
		t.Errorf("agents = %+v", cfg.Run.Agents)
	}

	delete(env, "PARLEY_TEST_KEY")
	_, err = FromScenario(scenario(t, "s.yaml", twoRemote), Options{Getenv: getenv})
	if err == nil || !strings.Contains(err.Error(), "PARLEY_TEST_KEY") || !strings.Contains(err.Error(), `"A"`) {
		t.Fatalf("missing key: err = %v", err)
	}
}

// A key with a line break inside cannot be sent: the run refuses it
// before any request, naming the agent and the variable, not the key.
func TestFromScenarioKeyWithALineBreak(t *testing.T) {
	getenv := func(string) string { return "sk-test-1234567890\nsk-test-0987654321" }
	_, err := FromScenario(scenario(t, "s.yaml", twoRemote), Options{Getenv: getenv})
	want := `agent "A": the environment variable PARLEY_TEST_KEY holds a line break, a tab or a space inside the key`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "sk-") {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestFromScenarioKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("sk-from-file\n"), 0o600)
	y := strings.Replace(twoRemote, "api_key_env: PARLEY_TEST_KEY", "api_key_file: "+keyFile, 1)
	y = strings.Replace(y, "http://models.example", "https://models.example", 1)
	var warned bool
	if _, err := FromScenario(scenario(t, "s.yaml", y), Options{Warn: func(string) { warned = true }}); err != nil {
		t.Fatal(err)
	}
	if warned {
		t.Error("warned about https")
	}
	missing := strings.Replace(y, keyFile, filepath.Join(dir, "missing"), 1)
	want := `agent "A": api_key_file: cannot read ` + filepath.Join(dir, "missing") + ": no such file or directory"
	if _, err := FromScenario(scenario(t, "s.yaml", missing), Options{}); err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	// A key pasted in place of the file's path is not repeated.
	pasted := strings.Replace(y, keyFile, "sk-test-SECRET123", 1)
	want = `agent "A": api_key_file: cannot read the file it names: no such file or directory, and it looks like a key rather than a file's path;`
	if _, err := FromScenario(scenario(t, "s.yaml", pasted), Options{}); err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "SECRET123") {
		t.Fatalf("err = %v, want %s…", err, want)
	}
}

func TestReplayTranscriptIsFoundBesideTheScenarioOrEmbedded(t *testing.T) {
	dir := t.TempDir()
	rec := "# X ↔ Y\n\n---\n\n### X\n\nx1\n\n---\n\n### Y\n\ny1\n\n---\n\n"
	os.WriteFile(filepath.Join(dir, "rec.md"), []byte(rec), 0o600)
	y := `agents:
  - {name: X, type: replay, transcript: rec.md}
  - {name: Y, type: replay, transcript: transcripts/seed/kimi-k2-vs-grok-4.md, speaker: grok-4}
`
	stop, said := stage(t, filepath.Join(dir, "s.yaml"), y)
	got := said[1:] // after the opening
	if stop.Kind != transcripts.StopExhausted || len(got) != 2 || got[0].Content != "x1" || !strings.HasPrefix(got[1].Content, "I'm sorry") {
		t.Fatalf("stop %+v, messages %+v", stop, got)
	}

	y = strings.Replace(y, "speaker: grok-4", "speaker: grok-5", 1)
	_, err := FromScenario(scenario(t, filepath.Join(dir, "s.yaml"), y), Options{})
	if err == nil || !strings.Contains(err.Error(), `"grok-5"`) || !strings.Contains(err.Error(), `"Kimi K2", "grok-4"`) {
		t.Fatalf("unknown speaker: err = %v", err)
	}
	y = strings.Replace(y, "rec.md", "nowhere.md", 1)
	_, err = FromScenario(scenario(t, filepath.Join(dir, "s.yaml"), y), Options{})
	if err == nil || !strings.Contains(err.Error(), "nowhere.md does not exist") || !strings.Contains(err.Error(), `agent "X"`) {
		t.Fatalf("missing transcript: err = %v", err)
	}
}

// A replay agent's problem names the line of the field to fix: the
// transcript: line for a recording that cannot be found, the speaker: line
// for a speaker the recording does not hold.
func TestReplayProblemsNameTheFieldsLine(t *testing.T) {
	dir := t.TempDir()
	y := `agents:
  - name: X
    type: replay
    transcript: nowhere.md
  - name: Y
    type: replay
    transcript: transcripts/seed/kimi-k2-vs-grok-4.md
    speaker: grok-5
`
	probs := ReplayProblems(scenario(t, filepath.Join(dir, "s.yaml"), y))
	if len(probs) != 2 || probs[0].Line != 4 || !strings.Contains(probs[0].Msg, `agent "X": transcript: nowhere.md does not exist`) ||
		probs[1].Line != 8 || !strings.Contains(probs[1].Msg, `agent "Y": speaker:`) {
		t.Fatalf("problems %v", probs)
	}
	if !strings.HasPrefix(probs[0].Error(), filepath.Join(dir, "s.yaml")+":4: ") {
		t.Errorf("the sentence %q does not start with the file and line", probs[0].Error())
	}
	// An export's conversation that holds no message is the transcript's
	// fault, and has no speakers to list.
	export := filepath.Join(dir, "export.json")
	os.WriteFile(export, []byte(`[{"title": "a", "chat": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}}, {"title": "b", "chat": {"messages": []}}]`), 0o600)
	y = "agents:\n  - name: X\n    type: replay\n    transcript: " + export + "#2\n    speaker: user\n  - {name: Y, type: scripted, lines: [hi]}\n"
	probs = ReplayProblems(scenario(t, filepath.Join(dir, "e.yaml"), y))
	if want := `agent "X": transcript: ` + export + `#2 holds no messages, so none by "user" to replay; name a recording that holds some`; len(probs) != 1 || probs[0].Line != 4 || probs[0].Msg != want {
		t.Fatalf("problems %v; want one at line 4: %s", probs, want)
	}
}

// A replay seat that speaks first, whose recording opens with its own
// blank message 1, is told to let the other side answer first, with an
// opening: of the scenario's or without; a scenario that seats it second
// or replays the side that did not open is not.
func TestReplayWarningsOfABlankFirstReply(t *testing.T) {
	dir := t.TempDir()
	const agents = `agents:
  - name: Kimi K2
    type: replay
    transcript: transcripts/seed/kimi-k2-vs-grok-4.md
  - name: grok-4
    type: replay
    transcript: transcripts/seed/kimi-k2-vs-grok-4.md
`
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"the opening side speaks first", agents, `:4: agent "Kimi K2" speaks first, and its recording's message 1 is its own blank opening, which it would send as its first reply; add first: grok-4`},
		{"the other side answers first", agents + "first: grok-4\n", ""},
		{"the opening side speaks first, after an opening", agents + "opening: Hi.\n", `:4: agent "Kimi K2" speaks first, and its recording's message 1 is its own blank opening, which it would send as its first reply, to the scenario's opening:; add first: grok-4 to let grok-4 answer first, the opening: then standing in for that blank message as message 1, under "Kimi K2"'s name`},
		{"the other side answers an opening first", agents + "opening: Hi.\nfirst: grok-4\n", ""},
		{"a side that did not open", "agents:\n  - {name: grok-4, type: replay, transcript: transcripts/seed/kimi-k2-vs-grok-4.md}\n  - {name: gpt, type: scripted, lines: [hi]}\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(ReplayWarnings(scenario(t, filepath.Join(dir, "s.yaml"), c.yaml)), "\n")
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("warnings %q; want %q", got, c.want)
			}
		})
	}
}

// What the reader skipped or guessed in a replay's recording (here a
// last line cut off mid-write, as a crash leaves it) is said of the agent
// that replays it, with the scenario's line; a whole recording says
// nothing.
func TestReplayWarningsOfItsRecording(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../transcripts/corpus/healthy-french.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "whole.jsonl"), data, 0o600)
	os.WriteFile(filepath.Join(dir, "torn.jsonl"), append(data, `{"type":"message","speaker":"Mistral Large","cont`...), 0o600)
	const y = "agents:\n  - {name: A, type: replay, transcript: %s, speaker: Mistral Large}\n  - {name: B, type: scripted, lines: [oui]}\n"
	if got := ReplayWarnings(scenario(t, filepath.Join(dir, "s.yaml"), fmt.Sprintf(y, "whole.jsonl"))); len(got) != 0 {
		t.Errorf("a whole recording warns %q", got)
	}
	got := strings.Join(ReplayWarnings(scenario(t, filepath.Join(dir, "s.yaml"), fmt.Sprintf(y, "torn.jsonl"))), "\n")
	if !strings.Contains(got, filepath.Join(dir, "s.yaml")+`:2: agent "A": its recording torn.jsonl: `) || !strings.Contains(got, "line 17 is incomplete") {
		t.Errorf("a torn recording warns %q", got)
	}
}

// A replay seated on the side that does not open, whose recording opens
// with its speaker's message 1, never says that opening as a reply: it is
// message 1 again, or the scenario's opening: takes its place, and the
// replay's first reply is its speaker's next message. So the seed's blank
// opening is not Kimi K2's first reply under an opening: either.
func TestReplaySeatedSecondNeverRepliesWithItsOpening(t *testing.T) {
	dir := t.TempDir()
	rec := "# Ann ↔ Ben\n\n**Messages:** 4\n\n---\n\n### Ann\n\nShall we talk about tides?\n\n---\n\n### Ben\n\nYes: the moon pulls the sea.\n\n---\n\n" +
		"### Ann\n\nAnd the sun?\n\n---\n\n### Ben\n\nIt pulls too, less.\n\n---\n"
	os.WriteFile(filepath.Join(dir, "rec.md"), []byte(rec), 0o600)
	const annBen = `first: Ben
agents:
  - {name: Ann, type: replay, transcript: rec.md, speaker: Ann}
  - {name: Ben, type: scripted, lines: ["Yes: the moon pulls the sea.", "It pulls too, less.", "Bye."]}
`
	const kimi = `first: gpt
agents:
  - {name: Kimi K2, type: replay, transcript: transcripts/seed/kimi-k2-vs-grok-4.md}
  - {name: gpt, type: scripted, lines: ["I'm sorry, but no.", "Thanks."]}
`
	for _, c := range []struct {
		name, yaml string
		want       []string // speaker: content, from message 1
		left       int      // the replay's lines left before the run
	}{
		{"the recording's opening is message 1 again", annBen, []string{
			"Ann: Shall we talk about tides?", "Ben: Yes: the moon pulls the sea.", "Ann: And the sun?", "Ben: It pulls too, less.",
		}, 1},
		{"the scenario's opening takes its place", "opening: Hi.\n" + annBen, []string{
			"Ann: Hi.", "Ben: Yes: the moon pulls the sea.", "Ann: And the sun?", "Ben: It pulls too, less.",
		}, 1},
		{"the seed's blank opening under an opening", "opening: Hi.\n" + kimi, []string{
			"Kimi K2: Hi.", "gpt: I'm sorry, but no.", "Kimi K2: Understood. I respect your boundary and won’t pursue the scenario. Let me know if you change your mind or would like to discuss something else another time. [END]",
		}, 48},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "s.yaml")
			s := scenario(t, path, c.yaml)
			if left, err := LinesLeft(s, &s.Agents[0], nil, nil); err != nil || left != c.left {
				t.Errorf("lines left %d (%v); want %d", left, err, c.left)
			}
			_, finished := stage(t, path, c.yaml)
			var said []string
			for _, m := range finished {
				said = append(said, m.Speaker+": "+m.Content)
			}
			if len(said) > len(c.want) {
				said = said[:len(c.want)]
			}
			if strings.Join(said, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("said\n%s\nwant\n%s", strings.Join(said, "\n"), strings.Join(c.want, "\n"))
			}
			if warned := ReplayWarnings(s); len(warned) != 0 {
				t.Errorf("warnings %q", warned)
			}
		})
	}
}

// A replay re-speaks a side of a recording in any layout check reads: a
// "### Name ###" log here, a JSON list of turns there.
func TestReplayReadsOtherLayouts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "log.txt"), []byte("setup lines\n\n### Claude 1 ###\nls\n\n### Claude 2 ###\nbin etc\n\n### Claude 1 ###\ncd etc\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "turns.json"), []byte(`{"turns":[{"speaker":"P","text":"p1"},{"speaker":"Q","text":"q1"},{"speaker":"P","text":"p2"}]}`), 0o600)
	os.WriteFile(filepath.Join(dir, "two.json"), []byte(`[{"turns":[{"speaker":"P","text":"a"}]},{"turns":[{"speaker":"P","text":"b"}]}]`), 0o600)
	y := `agents:
  - {name: Claude 1, type: replay, transcript: log.txt}
  - {name: Q, type: replay, transcript: turns.json, speaker: P}
`
	stop, finished := stage(t, filepath.Join(dir, "s.yaml"), y)
	// Q's recording opens with P's p1, which Q hands over as the opening.
	var said []string
	for _, m := range finished {
		said = append(said, m.Content)
	}
	if stop.Kind != transcripts.StopExhausted || strings.Join(said, "|") != "p1|ls|p2|cd etc" {
		t.Fatalf("stop %+v, said %q", stop, said)
	}
	y = strings.Replace(y, "turns.json", "two.json", 1)
	_, err := FromScenario(scenario(t, filepath.Join(dir, "s.yaml"), y), Options{})
	if err == nil || !strings.Contains(err.Error(), "two.json holds 2 conversations") {
		t.Fatalf("a file of two conversations: err = %v", err)
	}
}

// A script its recording seated carries on after the lines it said, as
// the recording's run line lists it.
func TestResumedScriptSkipsWhatWasSaid(t *testing.T) {
	y := "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\n"
	prior := msgs("A", "a1", "B", "b1", "A", "a2")
	seated := []transcripts.AgentInfo{{Name: "A", Type: "scripted"}, {Name: "B", Type: "scripted"}}
	cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{Prior: prior, PriorAgents: seated})
	if err != nil {
		t.Fatal(err)
	}
	var sink collect
	New(cfg).Run(context.Background(), &sink)
	got := sink.finished()
	if len(got) != 3 || got[0].Content != "b2" || got[1].Content != "a3" || got[2].Content != "b3" {
		t.Fatalf("resumed with %+v", got)
	}
}

// A human seat with no live view to type in is refused, in a sentence
// that ends with what the command says kept the view closed.
func TestHumanSeatNeedsTheLiveView(t *testing.T) {
	y := "agents:\n  - {name: Me, type: human}\n  - {name: B, type: scripted, lines: [b1]}\n"
	for _, c := range []struct {
		name, why, want string
	}{
		{"a command that has no live view", "", `agent "Me" is type: human, which needs the live view, and this command does not open it`},
		{"a flag that keeps it closed", "--json keeps it closed", `agent "Me" is type: human, which needs the live view, and --json keeps it closed`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromScenario(scenario(t, "s.yaml", y), Options{NoHuman: c.why})
			if err == nil || err.Error() != c.want {
				t.Fatalf("err = %v, want %s", err, c.want)
			}
		})
	}
}

// A moderator note is a message of the conversation but not one the
// judge counts: each ruling is recorded all the same, once, naming the
// message it judged as the transcript numbers it.
func TestJudgeRulingsAfterAModeratorNote(t *testing.T) {
	cfg, _ := judgedScenario(t)
	rec := &Recorder{Dir: t.TempDir()}
	c := New(cfg)
	c.Inject("", "be brief")
	stop, err := c.Run(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	_, jl := rec.Paths()
	tr, _ := transcripts.Read(jl)
	if len(tr.Messages) != 5 || tr.Messages[1].Origin != transcripts.OriginModerator {
		t.Fatalf("messages %+v; want the opening, the note, then three replies", tr.Messages)
	}
	if stop.Policy != "judge" || stop.At != 5 || !strings.Contains(stop.Reason, "judged after message 5") {
		t.Fatalf("stop = %+v; want the judge's, after message 5", stop)
	}
	rulings := judgeRulings(tr)
	if len(rulings) != 2 || !strings.Contains(rulings[0], "after message 3: CONTINUE") || !strings.Contains(rulings[1], "after message 5: STOP") {
		t.Fatalf("recorded rulings = %q; want after messages 3 and 5", rulings)
	}
}

func TestJudgeAsksItsModelAndRecordsEveryRuling(t *testing.T) {
	cfg, srv := judgedScenario(t)
	rec := &Recorder{Dir: t.TempDir()}
	stop, err := New(cfg).Run(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	// The judge sees the opening as message 1, as check would.
	if stop.Kind != transcripts.StopPolicy || stop.Policy != "judge" || stop.At != 4 || !strings.Contains(stop.Reason, "only saying goodbye") {
		t.Fatalf("stop = %+v", stop)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Body.Model != "moderator" || !strings.Contains(reqs[1].Body.Messages[0].Content, "[4] A: a2") {
		t.Fatalf("the judge was asked %d times: %+v", len(reqs), reqs)
	}
	_, jl := rec.Paths()
	tr, _ := transcripts.Read(jl)
	rulings := judgeRulings(tr)
	if len(rulings) != 2 || !strings.Contains(rulings[0], "after message 2: CONTINUE") || !strings.Contains(rulings[1], "STOP") {
		t.Fatalf("recorded rulings = %q", rulings)
	}
}

// judgedScenario is two scripted agents whose conversation a judge on a
// loopback server rules on every two messages: CONTINUE, then STOP.
func judgedScenario(t *testing.T) (Config, *openaitest.Server) {
	t.Helper()
	srv := openaitest.Start(t, openaitest.Queue(
		openaitest.Words("CONTINUE\nThey are still trading new ideas."),
		openaitest.Words("STOP\nThey are only saying goodbye."),
	))
	y := `agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  any:
    - max_messages: 50
    - judge: {base_url: "` + srv.URL + `", model: moderator, every: 2}
`
	cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, srv
}

// judgeRulings is the details of the judge's events tr recorded, in order.
func judgeRulings(tr *transcripts.Transcript) []string {
	var rulings []string
	for _, e := range tr.Run.Events {
		if e.Kind == "judge" {
			rulings = append(rulings, e.Detail)
		}
	}
	return rulings
}

// A run records its scenario file by its absolute path, and any other
// source as it is named.
func TestRecordedPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("s.yaml", nil, 0o600)
	os.Mkdir("configs", 0o700)
	cases := []struct{ name, path, want string }{
		{"a file beside", "s.yaml", filepath.Join(dir, "s.yaml")},
		{"an absolute path", filepath.Join(dir, "s.yaml"), filepath.Join(dir, "s.yaml")},
		{"a file this host does not have", "missing.yaml", "missing.yaml"},
		{"a folder", "configs", "configs"},
		{"standard input", "stdin", "stdin"},
		{"the command line", configs.QuickSource, configs.QuickSource},
		{"an example in the binary", "embedded:demo.yaml", "embedded:demo.yaml"},
		{"nothing", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := recordedPath(c.path)
			if got != c.want {
				if a, b := statOf(got), statOf(c.want); a == nil || b == nil || !os.SameFile(a, b) {
					t.Errorf("recordedPath(%q) = %q, want %q", c.path, got, c.want)
				}
			}
			if c.want != "" && filepath.IsAbs(c.want) && !filepath.IsAbs(got) {
				t.Errorf("recordedPath(%q) = %q is not absolute", c.path, got)
			}
		})
	}
}

func statOf(p string) os.FileInfo {
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	return fi
}

// A judge is reached as an agent is, with the same fault settings and
// headers; each retry of its question is shown and recorded under its
// name, and an outage, once its retries run out, costs the conversation
// that round's verdict, not the conversation.
func TestJudgeFaults(t *testing.T) {
	cases := []struct {
		name     string
		settings string
		replies  []openaitest.Reply
		stop     transcripts.Stop // Kind, Policy and At
		retries  int              // retry events recorded under the judge's name
		rulings  []string         // what each recorded ruling holds
	}{
		{"a server that answers 500 throughout", "retries: 2, backoff: 1ms",
			[]openaitest.Reply{openaitest.Error(500, "boom"), openaitest.Error(500, "boom"),
				openaitest.Error(500, "boom"), openaitest.Error(500, "boom")},
			transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", At: 5}, 2,
			[]string{"after message 2: NO VERDICT", "after message 4: NO VERDICT"}},
		{"a stream that stalls, then an answer", "retries: 3, idle_timeout: 100ms, backoff: 1ms",
			[]openaitest.Reply{openaitest.Stalled(1, "CONTINUE", " still", " going."), openaitest.Words("CONTINUE: new ideas."),
				openaitest.Words("STOP: only goodbyes.")},
			transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", At: 4}, 1,
			[]string{"after message 2: CONTINUE: new ideas.", "after message 4: STOP: only goodbyes."}},
		{"a failed round, then a verdict", "retries: 1",
			[]openaitest.Reply{openaitest.Error(503, "down"), openaitest.Words("STOP: only goodbyes.")},
			transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", At: 4}, 0,
			[]string{"after message 2: NO VERDICT", "after message 4: STOP: only goodbyes."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(c.replies...))
			y := `agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  any:
    - max_messages: 5
    - judge: {base_url: "` + srv.URL + `", model: moderator, every: 2, headers: {X-Team: parley}, ` + c.settings + `}
`
			cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := &Recorder{Dir: t.TempDir()}
			var live collect
			stop, err := New(cfg).Run(context.Background(), rec, &live)
			if err != nil {
				t.Fatalf("the run failed: %v (stop %+v)", err, stop)
			}
			if stop.Kind != c.stop.Kind || stop.Policy != c.stop.Policy || stop.At != c.stop.At {
				t.Fatalf("stop = %+v, want %+v", stop, c.stop)
			}
			for _, r := range srv.Requests() {
				if r.Header.Get("X-Team") != "parley" {
					t.Fatalf("request %d was sent without the judge's header", r.N)
				}
			}
			shown := 0
			for _, e := range live.events {
				if r, ok := e.(Retrying); ok && r.Speaker == "judge" {
					shown++
				}
				// A live view marks a round without a verdict as a warning.
				if n, ok := e.(Notice); ok && n.Kind == "judge" && n.Failed != strings.Contains(n.Detail, "NO VERDICT") {
					t.Errorf("the notice %q is marked failed %v", n.Detail, n.Failed)
				}
			}
			_, jl := rec.Paths()
			tr, err := transcripts.Read(jl)
			if err != nil {
				t.Fatal(err)
			}
			recorded := 0
			for _, e := range tr.Run.Events {
				if e.Kind == "retry" && e.Speaker == "judge" {
					recorded++
				}
			}
			if shown != c.retries || recorded != c.retries {
				t.Errorf("%d retries shown and %d recorded, want %d: %+v", shown, recorded, c.retries, tr.Run.Events)
			}
			rulings := judgeRulings(tr)
			if len(rulings) != len(c.rulings) {
				t.Fatalf("recorded rulings = %q, want %q", rulings, c.rulings)
			}
			for i, want := range c.rulings {
				if !strings.Contains(rulings[i], want) {
					t.Errorf("ruling %d = %q, want it to hold %q", i, rulings[i], want)
				}
			}
		})
	}
}

// A judge that could not be asked says why in the sentence a run gives
// when an agent stops on the same fault, redacted as that one is: once,
// without the client library's own text, which repeats what the server
// said.
func TestJudgeNoVerdictSaysTheAgentsSentence(t *testing.T) {
	const key = "sk-judge-SECRET-0123456789"
	cases := []struct {
		name  string
		reply openaitest.Reply
		said  string // what the server said, which the sentence holds once
	}{
		{"a server that fails with a message", openaitest.Error(500, "forced failure"), "forced failure"},
		{"a server that echoes the key", openaitest.Error(500, "bad day for "+key), "bad day for"},
		{"a server that refuses the key", openaitest.Error(401, "no such key"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("JUDGE_TEST_KEY", key)
			srv := openaitest.Start(t, openaitest.Queue(c.reply, c.reply, c.reply, c.reply))
			model := `base_url: "` + srv.URL + `", api_key_env: JUDGE_TEST_KEY, model: moderator, retries: 2, backoff: 1ms`
			// The same fault, met by an agent: the sentence its run stops on.
			cfg, err := FromScenario(scenario(t, "s.yaml", `agents:
  - {name: judge, `+model+`}
  - {name: B, type: scripted, lines: [b1]}
opening: hi
termination: {max_messages: 3}
`), Options{})
			if err != nil {
				t.Fatal(err)
			}
			stop, _ := New(cfg).Run(context.Background(), &collect{})
			if stop.Kind != transcripts.StopError {
				t.Fatalf("the agent's run stopped %+v, want an error", stop)
			}
			// The same fault, met by a judge.
			cfg, err = FromScenario(scenario(t, "s.yaml", `agents:
  - {name: A, type: scripted, lines: [a1, a2]}
  - {name: B, type: scripted, lines: [b1, b2]}
termination:
  any:
    - max_messages: 3
    - judge: {every: 2, `+model+`}
`), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := &Recorder{Dir: t.TempDir()}
			if _, err := New(cfg).Run(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			_, jl := rec.Paths()
			tr, err := transcripts.Read(jl)
			if err != nil {
				t.Fatal(err)
			}
			rulings := judgeRulings(tr)
			if len(rulings) != 1 {
				t.Fatalf("recorded rulings = %q, want one", rulings)
			}
			want := "moderator after message 2: NO VERDICT: the judge could not be asked, so the conversation goes on without its verdict this round: " + stop.Reason
			if rulings[0] != want {
				t.Errorf("the ruling reads\n%s\nwant\n%s", rulings[0], want)
			}
			if c.said != "" && strings.Count(rulings[0], c.said) != 1 {
				t.Errorf("the ruling says %q %d times: %s", c.said, strings.Count(rulings[0], c.said), rulings[0])
			}
			if strings.Contains(rulings[0], key) {
				t.Errorf("the ruling shows the key: %s", rulings[0])
			}
		})
	}
}

// A judge is not asked after a message at which another rule ends the run
// anyway: its answer could change nothing, and would cost a request. The
// run stops where check, which never asks a judge, stops its recording.
func TestJudgeIsNotAskedWhereAnotherRuleStops(t *testing.T) {
	cases := []struct {
		name  string
		rules string // beside the judge, every 2, under any:
		asked []int  // the messages after which the judge is asked
		stop  string // the rule that stops the run
		at    int
	}{
		{"max_messages at the judge's message", "- max_messages: 6", []int{2, 4}, "max_messages", 6},
		{"max_messages between the judge's messages", "- max_messages: 5", []int{2, 4}, "max_messages", 5},
		{"a pattern at the judge's message", "- max_messages: 50\n    - stop_pattern: 'a2'", []int{2}, "stop_pattern", 4},
		{"a guard before the judge's first message", "- max_messages: 6\n    - min_messages: 4", []int{4}, "max_messages", 6},
		{"all: the budget with a rule that never stops", "- all: [{max_messages: 2}, {stop_pattern: never said}]\n    - max_messages: 6", []int{2, 4}, "max_messages", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("CONTINUE: still going."),
				openaitest.Words("CONTINUE: still going."), openaitest.Words("CONTINUE: still going.")))
			y := `agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  any:
    - judge: {base_url: "` + srv.URL + `", model: moderator, every: 2}
    ` + c.rules + `
`
			cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := &Recorder{Dir: t.TempDir()}
			stop, err := New(cfg).Run(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			if stop.Policy != c.stop || stop.At != c.at {
				t.Fatalf("stop = %+v, want %s after message %d", stop, c.stop, c.at)
			}
			var asked []int
			for _, r := range srv.Requests() {
				p := r.Body.Messages[0].Content
				var n int
				fmt.Sscanf(p[strings.Index(p, "The conversation so far has "):], "The conversation so far has %d messages", &n)
				asked = append(asked, n)
			}
			if fmt.Sprint(asked) != fmt.Sprint(c.asked) {
				t.Errorf("the judge was asked after messages %v, want %v", asked, c.asked)
			}
			// check, which asks no judge, stops the recording where the run stopped.
			checkStopsWhereTheRunStopped(t, rec, y, stop)
		})
	}
}

// checkStopsWhereTheRunStopped fails t unless the policy of the scenario
// y, judging rec's recording as check does (asking no judge), stops it
// where the run stopped.
func checkStopsWhereTheRunStopped(t *testing.T, rec *Recorder, y string, stop transcripts.Stop) {
	t.Helper()
	_, jl := rec.Paths()
	tr, err := transcripts.Read(jl)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := FromScenario(scenario(t, "s.yaml", y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	at, v := policy.FirstStop(offline.Policy, tr.Messages)
	if at != stop.At || v.Policy != stop.Policy {
		t.Errorf("check stops the recording after message %d (%q), the run after %d (%q)", at, v.Policy, stop.At, stop.Policy)
	}
}

// A judge is asked only where its answer could change whether the run
// stops there. Inside all:, whose other rules do not stop at a message,
// its STOP could stop nothing, so it is not asked; nor is a second judge
// whose answer the first's has made idle (one beside it under all: that
// said CONTINUE, one under any: that said STOP). The run stops where check
// of its recording stops, unless a judge stopped it.
func TestJudgeIsAskedOnlyWhereItsAnswerCouldStop(t *testing.T) {
	const (
		cont = `{name: C, base_url: "URL", model: continuer, every: 2}` // says CONTINUE
		stop = `{name: S, base_url: "URL", model: stopper, every: 2}`   // says STOP
	)
	cases := []struct {
		name  string
		rules string   // under termination:
		asked []string // model@message, in the order asked
		stop  string   // the rule that stops the run
		at    int
	}{
		{"all: beside a rule that never stops",
			"any:\n    - all: [{judge: " + stop + "}, {stop_pattern: never said}]\n    - max_messages: 8",
			nil, "max_messages", 8},
		{"all: beside a rule that stops at one of its messages",
			"any:\n    - all: [{judge: " + cont + "}, {stop_pattern: a3}]\n    - max_messages: 8",
			[]string{"continuer@6"}, "max_messages", 8},
		{"all: beside a rule that stops at every one of its messages",
			"any:\n    - all: [{judge: " + cont + "}, {stop_pattern: 'a\\d'}]\n    - max_messages: 8",
			[]string{"continuer@2", "continuer@4", "continuer@6"}, "max_messages", 8},
		{"all: a judge's STOP with the rule beside it",
			"any:\n    - all: [{judge: " + stop + "}, {stop_pattern: a2}]\n    - max_messages: 8",
			[]string{"stopper@4"}, "judge+stop_pattern", 4},
		{"all: of two judges, the first says continue",
			"any:\n    - all: [{judge: " + cont + "}, {judge: " + stop + "}]\n    - max_messages: 8",
			[]string{"continuer@2", "continuer@4", "continuer@6"}, "max_messages", 8},
		{"any: of two judges, the first says stop",
			"any:\n    - judge: " + stop + "\n    - judge: " + cont + "\n    - max_messages: 8",
			[]string{"stopper@2"}, "judge", 2},
		{"any: of two judges, the first says continue",
			"any:\n    - judge: " + cont + "\n    - judge: " + stop + "\n    - max_messages: 8",
			[]string{"continuer@2", "stopper@2"}, "judge", 2},
		{"any: a judge in an all: that cannot stop, beside one that can",
			"any:\n    - all: [{judge: " + stop + "}, {stop_pattern: never said}]\n    - judge: " + cont + "\n    - max_messages: 8",
			[]string{"continuer@2", "continuer@4", "continuer@6"}, "max_messages", 8},
		{"all: under a guard, nested in any:",
			"any:\n    - min_messages: 5\n    - any: [{max_messages: 8}, {all: [{judge: " + cont + "}, {stop_pattern: 'a[23]'}]}]",
			[]string{"continuer@6"}, "max_messages", 8},
		{"all: whose other rule is an all: of a judge that cannot stop",
			"any:\n    - all: [{judge: " + stop + "}, {all: [{judge: " + cont + "}, {stop_pattern: never said}]}]\n    - max_messages: 8",
			nil, "max_messages", 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
				if r.Body.Model == "stopper" {
					return openaitest.Words("STOP: going nowhere.")
				}
				return openaitest.Words("CONTINUE: still going.")
			})
			y := `agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  ` + strings.ReplaceAll(c.rules, "URL", srv.URL) + `
`
			cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := &Recorder{Dir: t.TempDir()}
			stop, err := New(cfg).Run(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			if stop.Policy != c.stop || stop.At != c.at {
				t.Errorf("stop = %+v, want %q after message %d", stop, c.stop, c.at)
			}
			var asked []string
			for _, r := range srv.Requests() {
				p := r.Body.Messages[0].Content
				var n int
				fmt.Sscanf(p[strings.Index(p, "The conversation so far has "):], "The conversation so far has %d messages", &n)
				asked = append(asked, fmt.Sprintf("%s@%d", r.Body.Model, n))
			}
			if fmt.Sprint(asked) != fmt.Sprint(c.asked) {
				t.Errorf("the judges were asked %v, want %v", asked, c.asked)
			}
			if strings.Contains(stop.Policy, "judge") {
				return // a judge's STOP is the one stop check cannot make
			}
			checkStopsWhereTheRunStopped(t, rec, y, stop)
		})
	}
}

// What a judge's questions use and cost is recorded with each ruling, as a
// message records its own: the tokens, and the cost its provider reported.
func TestJudgeRecordsWhatItSpends(t *testing.T) {
	usd := func(v float64) *float64 { return &v }
	cases := []struct {
		name     string
		provider string // openrouter reports each request's cost when asked
		replies  []openaitest.Reply
		costs    []*float64 // each ruling's recorded cost; nil: none reported
	}{
		{"a provider that reports the cost", "openrouter",
			[]openaitest.Reply{{Pieces: []string{"CONTINUE", ": new ideas."}, Cost: usd(0.0012)}, {Pieces: []string{"STOP", ": goodbyes."}, Cost: usd(0.0034)}},
			[]*float64{usd(0.0012), usd(0.0034)}},
		{"a provider that reports tokens only", "openai",
			[]openaitest.Reply{openaitest.Words("CONTINUE: new ideas."), openaitest.Words("STOP: goodbyes.")},
			[]*float64{nil, nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(c.replies...))
			y := `agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  any:
    - max_messages: 50
    - judge: {name: referee, provider: ` + c.provider + `, base_url: "` + srv.URL + `", api_key_env: JUDGE_KEY, model: moderator, every: 2}
`
			cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{Getenv: func(string) string { return "k" }})
			if err != nil {
				t.Fatal(err)
			}
			rec := &Recorder{Dir: t.TempDir()}
			var out strings.Builder
			if _, err := New(cfg).Run(context.Background(), rec, NewJSONLines(&out, nil)); err != nil {
				t.Fatal(err)
			}
			_, jl := rec.Paths()
			tr, err := transcripts.Read(jl)
			if err != nil {
				t.Fatal(err)
			}
			var got []transcripts.Event
			for _, e := range tr.Run.Events {
				if e.Kind == "judge" {
					got = append(got, e)
				}
			}
			if len(got) != len(c.costs) {
				t.Fatalf("judge events %+v, want %d", got, len(c.costs))
			}
			for i, e := range got {
				if e.Speaker != "referee" || e.Model != "moderator" || e.Usage == nil || e.Usage.PromptTokens == 0 || e.Usage.CompletionTokens == 0 {
					t.Errorf("judge event %d = %+v; want the judge's name, its model and its usage", i, e)
					continue
				}
				if (e.Usage.Cost == nil) != (c.costs[i] == nil) || e.Usage.Cost != nil && *e.Usage.Cost != *c.costs[i] {
					t.Errorf("judge event %d cost %v, want %v", i, e.Usage.Cost, c.costs[i])
				}
			}
			if !strings.Contains(out.String(), `"kind":"judge","speaker":"referee"`) || !strings.Contains(out.String(), `"usage":{"prompt_tokens":`) {
				t.Errorf("--json's judge notices carry no usage:\n%s", out.String())
			}
		})
	}
}

// The rules Options.Rules makes of the scenario's (a resume's --policy
// FILE) are the run's, and their judges are connected as a scenario's
// are, with the key their variable holds; a judge of the scenario's they
// leave out is not, and needs no key.
func TestTheRulesARunIsGivenHaveTheirJudgesConnected(t *testing.T) {
	judge := `judge: {base_url: "http://127.0.0.1:9/v1", model: moderator, api_key_env: PARLEY_JUDGE_KEY}`
	agents := "agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1]}\n"
	cases := []struct {
		name, termination, rules string
		key                      string // PARLEY_JUDGE_KEY's value
		judges                   int    // the judges of the run's rules, each connected
		err                      string
	}{
		{"a judge the rules add", "{max_messages: 4}", "any: [{max_messages: 9}, {" + judge + "}]", "set", 1, ""},
		{"a judge of the scenario's the rules leave out", "{any: [{max_messages: 4}, {" + judge + "}]}", "max_messages: 9", "", 0, ""},
		{"a judge the rules add, its key not set", "{max_messages: 4}", "any: [{max_messages: 9}, {" + judge + "}]", "", 0, "set the environment variable PARLEY_JUDGE_KEY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rules, err := policy.ParseYAML([]byte(c.rules))
			if err != nil {
				t.Fatal(err)
			}
			s := scenario(t, "s.yaml", agents+"termination: "+c.termination+"\n")
			cfg, err := FromScenario(s, Options{
				Getenv: func(v string) string { return map[string]string{"PARLEY_JUDGE_KEY": c.key}[v] },
				Rules:  func(policy.Policy) policy.Policy { return rules },
			})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			judges := 0
			policy.Walk(cfg.Policy, func(q policy.Policy) {
				if j, ok := q.(*policy.Judge); ok {
					judges++
					if j.Asker == nil {
						t.Errorf("the judge %s has no model connection", j.Config.Name)
					}
				}
			})
			if judges != c.judges {
				t.Errorf("the run's rules hold %d judges, want %d", judges, c.judges)
			}
		})
	}
}

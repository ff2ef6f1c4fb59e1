package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// parleyIn runs the command line with stdin.
func parleyIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// recordRun writes scenario as dir/s.yaml, runs it headless into dir,
// and returns the path of the JSONL it recorded.
func recordRun(t *testing.T, dir, scenario string) string {
	t.Helper()
	p := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(p, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d %s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("the run recorded %v", jls)
	}
	return jls[0]
}

// saidIn is what each message of the transcript at path says, in order.
func saidIn(t *testing.T, path string) []string {
	t.Helper()
	tr, err := transcripts.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return contentsOf(tr)
}

// contentsOf is what each of tr's messages says, in order.
func contentsOf(tr *transcripts.Transcript) []string {
	var said []string
	for _, m := range tr.Messages {
		said = append(said, m.Content)
	}
	return said
}

func recordedIn(t *testing.T, dir string) *transcripts.Transcript {
	t.Helper()
	jl, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(jl) != 1 {
		t.Fatalf("recorded %v", jl)
	}
	tr, err := transcripts.Read(jl[0])
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestQuickFormRunsWithoutAScenarioFile(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("a short reply") })
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/")
	t.Setenv("OPENAI_API_KEY", "sk-test-quick")
	dir := t.TempDir()
	code, out, errOut := parley(t, "run", "--no-tui", "--out", dir,
		"--agent", "openai:gpt-4o-mini", "--agent", "openai:org/other-model",
		"--opening", "Tell me about tides.", "--system", "Be brief.",
		"--set", "termination.max_messages=4", "--set", "agents[1].temperature=0.3")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	tr := recordedIn(t, dir)
	// Message 1 is the opening, in the other seat; then the first agent answers.
	if len(tr.Messages) != 4 || tr.Messages[0].Speaker != "other-model" || tr.Messages[0].Content != "Tell me about tides." ||
		tr.Messages[1].Speaker != "gpt-4o-mini" || tr.Messages[2].Speaker != "other-model" {
		t.Fatalf("recorded %d messages: %+v", len(tr.Messages), tr.Messages)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("the server saw %d requests, want 3", len(reqs))
	}
	first := reqs[0].Body.Messages
	if len(first) < 2 || first[0].Content != "Be brief." || first[1].Content != "Tell me about tides." {
		t.Errorf("the first request lacks the system prompt or the opening: %+v", first)
	}
	if _, ok := reqs[0].Fields["temperature"]; ok || string(reqs[1].Fields["temperature"]) != "0.3" {
		t.Errorf("--set agents[1].temperature reached the wrong agent: %s / %s", reqs[0].Fields["temperature"], reqs[1].Fields["temperature"])
	}
	if strings.Contains(out+errOut, "sk-test-quick") {
		t.Error("the key appears in the output")
	}
}

func TestQuickFormSentences(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--agent", "ollama:llama3.2"}, "give exactly two"},
		{[]string{"--agent", "llama3.2", "--agent", "ollama:x"}, "write PROVIDER:MODEL"},
		{[]string{"--agent", "opnai:gpt-4o", "--agent", "ollama:x"}, `parley: the command line: agent "gpt-4o": provider: "opnai" is not a known provider; did you mean "openai"?`},
		{[]string{"--agent", "ollama:a", "--agent", "ollama:a", "--set", "agents[2].model=x"}, "the list has 2 items"},
		{[]string{"--agent", "ollama:a", "--agent", "ollama:b", "--set", "nonsense"}, "write FIELD=VALUE"},
		{[]string{"../../configs/demo.yaml", "--agent", "ollama:a", "--agent", "ollama:b"}, "not both"},
		{[]string{"../../configs/demo.yaml", "--system", "x"}, "go with --agent"},
		// A field --set misspells is on no line of the file.
		{[]string{"../../configs/demo.yaml", "--set", "agents[1].temprature=1"}, `with --set agents[1].temprature=1: ../../configs/demo.yaml: unknown field "temprature" in an agent; did you mean "temperature"?`},
		{[]string{"../../configs/demo.yaml", "--set", "opening=Hi", "--set", "agents[0].pace=fast"}, `with --set opening=Hi --set agents[0].pace=fast: ../../configs/demo.yaml: agent "Kimi K2": pace: "fast" is not a duration`},
		{[]string{}, "two --agent PROVIDER:MODEL"},
		{[]string{"a.yaml", "b.yaml"}, "to stage several, use parley batch a.yaml b.yaml"},
	} {
		code, out, errOut := parley(t, append([]string{"run", "--no-tui", "--out", t.TempDir()}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s%s", c.args, code, exitUsage, c.want, out, errOut)
		}
	}
}

func TestScenarioFromStandardInput(t *testing.T) {
	src, err := os.ReadFile("../../configs/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The demo names its replay transcript as embedded; from stdin it
	// resolves the same way.
	dir := t.TempDir()
	code, out, errOut := parleyIn(t, string(src), "run", "-", "--no-tui", "--pace", "0", "--out", dir, "--set", "termination.max_messages=3")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if tr := recordedIn(t, dir); len(tr.Messages) != 3 || tr.Run.ScenarioPath != "stdin" {
		t.Fatalf("recorded %d messages from %q", len(tr.Messages), tr.Run.ScenarioPath)
	}
	code, out, errOut = parleyIn(t, "agents: [", "validate", "-")
	if code != exitUsage || !strings.Contains(out+errOut, "stdin:") {
		t.Fatalf("a bad scenario on stdin: exit %d\n%s%s", code, out, errOut)
	}
}

func TestOutputFolderFromTheEnvironment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	t.Setenv("PARLEY_OUT", dir)
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\ntermination: {max_messages: 2}\n"), 0o600)
	code, out, errOut := parley(t, "run", "--no-tui", p)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	recordedIn(t, dir)
}

func TestScenarioPathHints(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pair.yaml"), []byte("x: 1\n"), 0o600)
	for _, c := range []struct{ path, want string }{
		{dir, "is a directory; give a scenario file in it, such as " + filepath.Join(dir, "pair.yaml")},
		{filepath.Join(dir, "piar.yaml"), "no such file; did you mean " + filepath.Join(dir, "pair.yaml") + "?"},
		{filepath.Join(dir, "nowhere", "x.yaml"), "does not exist either"},
	} {
		code, out, errOut := parley(t, "validate", c.path)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("validate %s: exit %d, want %q:\n%s%s", c.path, code, c.want, out, errOut)
		}
	}
}

func TestRunJSONPrintsTheEventStream(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("one two three") })
	t.Setenv("PARLEY_JSON_KEY", "sk-json-secret")
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - name: A\n    base_url: "+srv.URL+"\n    api_key_env: PARLEY_JSON_KEY\n    model: m\n    headers: {X-Token: hdr-secret}\n"+
		"  - name: B\n    type: scripted\n    lines: [b1, b2]\ntermination:\n  max_messages: 3\n"), 0o600)
	dir := t.TempDir()
	code, out, errOut := parley(t, "run", "--json", "--out", dir, p)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var types []string
	var text strings.Builder
	var stopped struct {
		Stop       transcripts.Stop `json:"stop"`
		Transcript string           `json:"transcript"`
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if len(types) == 0 || types[len(types)-1] != ev.Type {
			types = append(types, ev.Type)
		}
		if ev.Type == "delta" && ev.Index == 2 {
			text.WriteString(ev.Text)
		}
		if ev.Type == "stopped" {
			json.Unmarshal([]byte(line), &stopped)
		}
	}
	// Message 1 is the opening (the "Hello." cue A is shown), recorded
	// without a turn of its own; A's reply is message 2.
	want := "started message progress turn delta message progress turn delta message progress stopped"
	if strings.Join(types, " ") != want {
		t.Errorf("event types:\n got %s\nwant %s", strings.Join(types, " "), want)
	}
	if text.String() != "one two three" {
		t.Errorf("deltas of message 2 join to %q", text.String())
	}
	tr := recordedIn(t, dir)
	if len(tr.Messages) != 3 || stopped.Stop.At != 3 || !strings.HasSuffix(stopped.Transcript, ".md") {
		t.Errorf("recorded %d messages; stopped line %+v", len(tr.Messages), stopped)
	}
	if !strings.Contains(errOut, "Stopped after message 3") {
		t.Errorf("the closing lines belong on stderr: %q", errOut)
	}
	for _, secret := range []string{"sk-json-secret", "hdr-secret"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("%s appears in the output", secret)
		}
	}
}

// A transcript given where a scenario goes is named as one, with the
// commands that take it, not reported as a YAML syntax error in Markdown.
func TestATranscriptIsNoScenario(t *testing.T) {
	const seed = "../../transcripts/seed/kimi-k2-vs-grok-4.md"
	want := seed + " is a transcript (97 messages), not a scenario; parley show, resume and fork take a transcript"
	for _, args := range [][]string{
		{"run", "--no-tui", "--out", t.TempDir(), seed},
		{"validate", seed},
		{"batch", seed, "--dry-run"},
	} {
		code, _, errOut := parley(t, args...)
		if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "YAML syntax") {
			t.Errorf("%v: exit %d, %q; want %d and %q", args, code, errOut, exitUsage, want)
		}
	}
	// A scenario with mistakes of its own gets their sentences, even when
	// its agents could be read as messages.
	odd := filepath.Join(t.TempDir(), "odd.yaml")
	os.WriteFile(odd, []byte("agents:\n  - {name: A, type: scripted, content: hi, lines: [a]}\n  - {name: B, type: scripted, content: yo, lines: [b]}\n"), 0o600)
	if _, _, errOut := parley(t, "validate", odd); strings.Contains(errOut, "is a transcript") || !strings.Contains(errOut, `unknown field "content"`) {
		t.Errorf("a scenario with a misplaced field: %s", errOut)
	}
}

// A scenario given where a transcript goes is named as one, whether or
// not it is valid, instead of the list of every layout parley reads.
func TestAScenarioIsNoTranscript(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(broken, []byte("agents:\n  - {name: A, type: scripted}\n"), 0o600)
	for _, path := range []string{"../../configs/demo.yaml", broken} {
		want := path + " is a scenario, not a transcript; parley run stages it and parley validate checks it"
		for _, args := range [][]string{{"show", "--no-tui", path}, {"convert", path, filepath.Join(t.TempDir(), "x.md")}, {"check", path}} {
			code, _, errOut := parley(t, args...)
			wantCode := exitUsage
			if args[0] == "check" {
				wantCode = exitFailure // as for any named file it cannot read
			}
			if code != wantCode || !strings.Contains(errOut, want) || strings.Contains(errOut, "not a transcript layout") {
				t.Errorf("%v: exit %d, %q; want %d and %q", args, code, errOut, wantCode, want)
			}
		}
	}
}

// A label or a table of labels given where a transcript goes is named as
// one by every command that reads transcripts, with what to give instead.
func TestALabelIsNoTranscript(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "run", words(6), "stop_after: 2\nstop_by: 4\n")
	os.WriteFile(filepath.Join(dir, "labels.json"), []byte(`{"transcripts": [{"file": "other.md", "stop_after": 2}]}`), 0o600)
	label, table := filepath.Join(dir, "run.expect.yaml"), filepath.Join(dir, "labels.json")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"show a label", []string{"show", "--no-tui", label}, label + " is a label, not a transcript; give the transcript it labels (" + filepath.Join(dir, "run.md") + ")"},
		{"check a label", []string{"check", label}, label + " is a label, not a transcript"},
		{"show a table", []string{"show", "--no-tui", table}, table + " is a table of labels, not a transcript; give the transcripts it lists, or their folder"},
		{"check a table", []string{"check", table}, table + " is a table of labels, not a transcript"},
		{"report a table", []string{"report", "--out", t.TempDir(), table}, table + " is a table of labels, not a transcript"},
		{"train on a table", []string{"train", table}, table + " is a table of labels, not a transcript"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := parley(t, c.args...)
			if code == exitOK || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "not a transcript layout") {
				t.Errorf("exit %d, %q; want a failure and %q", code, errOut, c.want)
			}
		})
	}
}

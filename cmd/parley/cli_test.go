package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// parley runs the command line in-process and returns its exit code and output.
func parley(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDemoRecordsTheSeedAndStopsByPolicy(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := parley(t, "demo", "--no-tui", "--pace", "0", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(mds) != 1 {
		t.Fatalf("recorded %v", mds)
	}
	got, err := transcripts.Read(mds[0])
	if err != nil {
		t.Fatal(err)
	}
	n := len(got.Messages)
	// The substance runs to message 15; the loop must be cut soon after.
	if n < 16 || n > 30 {
		t.Fatalf("the demo stopped after %d messages; want after the substance (15) and soon after the loop starts", n)
	}
	// Message 1 is the opening grok-4 was shown, under Kimi K2's name, as
	// in the recording; the recording's is blank, so grok-4 was shown the cue.
	if m := got.Messages[0]; m.Speaker != "Kimi K2" || m.Origin != transcripts.OriginOpening || m.Content != "Hello." {
		t.Errorf("message 1 = %+v, want Kimi K2's opening", m)
	}
	for i, m := range got.Messages[1:] {
		if s := seed.Messages[i+1]; m.Speaker != s.Speaker || m.Content != s.Content {
			t.Fatalf("message %d differs from the recording: %q vs %q", i+2, m.Content, s.Content)
		}
	}
	jl, err := transcripts.Read(strings.TrimSuffix(mds[0], ".md") + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if jl.Run.Stop == nil || jl.Run.Stop.Kind != transcripts.StopPolicy || jl.Run.Stop.At != n {
		t.Fatalf("JSONL stop = %+v", jl.Run.Stop)
	}
	for _, want := range []string{"ran 97 messages", "stopped it after message", jl.Run.Stop.Reason, mds[0]} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out[max(0, len(out)-600):])
		}
	}
	// Headless output is the transcript's own layout.
	if !strings.HasPrefix(out, "# Kimi K2 ↔ grok-4\n\n### Kimi K2 (opening)\n\nHello.\n\n---\n\n### grok-4\n\nI'm sorry") {
		t.Errorf("headless output starts %q", out[:80])
	}
}

func TestValidateExamples(t *testing.T) {
	files, _ := filepath.Glob("../../configs/*.yaml")
	if len(files) < 5 {
		t.Fatalf("examples: %v", files)
	}
	// The keys the examples need are checked elsewhere; here, the files.
	code, out, errOut := parley(t, append([]string{"validate", "--offline"}, files...)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Count(out, ": ok: ") != len(files) {
		t.Errorf("output:\n%s", out)
	}
}

func TestBadScenarioExitsTwoWithASentence(t *testing.T) {
	p := filepath.Join(t.TempDir(), "typo.yaml")
	os.WriteFile(p, []byte("agents:\n  - name: A\n    provider: openai\n    model: m\n    temprature: 1\n  - name: B\n    provider: openai\n    model: m\n"), 0o600)
	for _, cmd := range []string{"validate", "run"} {
		code, _, errOut := parley(t, cmd, p)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", cmd, code, exitUsage)
		}
		if !strings.Contains(errOut, p+":5:") || !strings.Contains(errOut, `did you mean "temperature"`) {
			t.Errorf("%s: stderr = %q", cmd, errOut)
		}
	}
}

func TestMissingKeyNamesTheVariableAndTheAgent(t *testing.T) {
	t.Setenv("XAI_API_KEY", "")
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - name: grok\n    provider: xai\n    model: grok-4\n  - name: B\n    type: scripted\n    lines: [hi]\n"), 0o600)
	code, _, errOut := parley(t, "run", "--no-tui", "--out", t.TempDir(), p)
	if code != exitUsage || !strings.Contains(errOut, p+`:2: agent "grok" needs an API key: the environment variable XAI_API_KEY is not set`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// Every agent and judge without its key is named at once: one
	// sentence for the variable, naming each with its line.
	both := filepath.Join(t.TempDir(), "both.yaml")
	os.WriteFile(both, []byte("agents:\n  - {name: grok, provider: xai, model: grok-4}\n  - {name: grok2, provider: xai, model: grok-4}\ntermination:\n  judge: {provider: xai, model: grok-4}\n"), 0o600)
	code, _, errOut = parley(t, "run", "--no-tui", "--out", t.TempDir(), both)
	if code != exitUsage || !strings.Contains(errOut, `both.yaml:2: the environment variable XAI_API_KEY is not set, and 3 need it for their API key: agents "grok" (line 2), "grok2" (line 3); the judge (grok-4) (line 5)`) ||
		strings.Count(errOut, "XAI_API_KEY") != 1 {
		t.Fatalf("two agents and a judge without their key: exit %d, stderr %q", code, errOut)
	}
	// validate says the same before a run is tried; --offline skips it.
	code, _, errOut = parley(t, "validate", p)
	if code != exitUsage || !strings.Contains(errOut, p+`:2: agent "grok" needs an API key: the environment variable XAI_API_KEY is not set`) ||
		!strings.Contains(errOut, "1 of 1 scenario has problems") {
		t.Fatalf("validate: exit %d, stderr %q", code, errOut)
	}
	if code, out, errOut := parley(t, "validate", "--offline", p); code != exitOK {
		t.Fatalf("validate --offline: exit %d %s%s", code, out, errOut)
	}
}

// validate checks what run would stage: a file with --set, and the quick
// form's --agent pair, with the same sentences run gives.
func TestValidateChecksWhatRunWouldStage(t *testing.T) {
	t.Setenv("XAI_API_KEY", "")
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [hi]}\n  - {name: B, provider: ollama, model: llama3.2}\n"), 0o600)
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"the file as it is", []string{p}, exitOK, p + ": ok: A ↔ B, A opens"},
		{"a --set that holds", []string{"--set", "opening=Hello", p}, exitOK, p + ": ok: A ↔ B"},
		{"a --set that breaks it", []string{"--set", "agents[1].temperature=5", p}, exitUsage,
			p + `: with --set agents[1].temperature=5: agent "B": temperature: 5 is outside 0 to 2`},
		{"an --agent pair without its key", []string{"--agent", "xai:grok-4", "--agent", "ollama:llama3.2"}, exitUsage,
			`agent "grok-4" needs an API key: the environment variable XAI_API_KEY is not set`},
		{"an --agent pair, offline", []string{"--offline", "--agent", "xai:grok-4", "--agent", "ollama:llama3.2"}, exitOK,
			"the command line: ok: grok-4 ↔ llama3.2, grok-4 opens"},
		{"an --agent pair and a file", []string{"--agent", "xai:grok-4", "--agent", "ollama:llama3.2", p}, exitUsage,
			"give scenario files or --agent twice, not both"},
		{"--opening without --agent", []string{"--opening", "hi", p}, exitUsage, "--system, --opening and --title go with --agent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, append([]string{"validate"}, c.args...)...)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want %d; output:\n%s%s\nwant %q", code, c.code, out, errOut, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemAsJSON(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-never-printed")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("agents:\n  - name: A\n    provider: opnai\n    model: m\n    temperature: hot\n  - name: B\n    type: scripted\n    lines: [hi]\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("agents:\n  - name: A\n    provider: openai\n    model: m\n  - name: B\n    type: scripted\n    lines: [hi]\n"), 0o600)
	code, out, errOut := parley(t, "validate", "--json", bad, good)
	if code != exitUsage || !strings.Contains(errOut, "1 of 2 scenarios has problems") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var vs []validation
	for dec.More() {
		var v validation
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if len(vs) != 2 || vs[0].OK || !vs[1].OK {
		t.Fatalf("%+v", vs)
	}
	if len(vs[0].Problems) != 2 || vs[0].Problems[0].Line != 3 || vs[0].Problems[1].Line != 5 ||
		!strings.Contains(vs[0].Problems[1].Message, "temperature") {
		t.Errorf("problems: %+v", vs[0].Problems)
	}
	if a := vs[1].Agents[0]; a.KeyEnv != "OPENAI_API_KEY" || a.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("agent: %+v", a)
	}
	if strings.Contains(out, "sk-never-printed") {
		t.Error("the key was printed")
	}
	// --agent flags have no lines: a problem in them gives none, as the
	// sentence gives none, not a line of the YAML they are made into.
	code, out, _ = parley(t, "validate", "--json", "--agent", "opnai:echo", "--agent", "ollama:echo")
	var quick validation
	if err := json.Unmarshal([]byte(out), &quick); err != nil || code != exitUsage || len(quick.Problems) != 1 || quick.Problems[0].Line != 0 {
		t.Errorf("--agent flags: exit %d, %+v (%v); want one problem without a line", code, quick, err)
	}
}

func TestProviderPresetsMoveWithTheirVariables(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "10.0.0.5")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:4000/v1/")
	code, out, errOut := parley(t, "providers", "--json")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errOut)
	}
	var ps []providerJSON
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Name] = p.BaseURL
	}
	if got["ollama"] != "http://10.0.0.5:11434/v1" || got["openai"] != "http://127.0.0.1:4000/v1" || got["xai"] != "https://api.x.ai/v1" {
		t.Errorf("presets: %v", got)
	}
}

func TestProvidersListsThePresets(t *testing.T) {
	code, out, _ := parley(t, "providers")
	if code != exitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"moonshot", "MOONSHOT_API_KEY", "xai", "http://localhost:11434/v1", "llamacpp", "gemini", "anthropic"} {
		if !strings.Contains(out, want) {
			t.Errorf("providers lacks %q", want)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := map[string][]string{
		"unknown command":  {"chat"},
		"run without file": {"run"},
		"bad flag":         {"demo", "--bogus"},
		"bad pace":         {"demo", "--pace", "fast"},
		"missing file":     {"run", "/nonexistent/s.yaml"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := parley(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (%s)", code, exitUsage, errOut)
			}
			if errOut == "" {
				t.Error("no sentence on stderr")
			}
		})
	}
}

func TestExportRebuildsMarkdownAndNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := parley(t, "demo", "--no-tui", "--pace", "0", "--out", dir); code != 0 {
		t.Fatal(out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	existing := strings.TrimSuffix(jls[0], ".jsonl") + ".md"
	md, _ := os.ReadFile(existing)
	code, out, _ := parley(t, "export", "-o", "-", jls[0])
	if code != 0 || out != string(md) {
		t.Fatalf("export differs from the recorded Markdown (exit %d)", code)
	}
	// By default export rebuilds NAME.md beside the JSONL, and never
	// replaces it without --force.
	code, _, errOut := parley(t, "export", jls[0])
	if code != exitUsage || !strings.Contains(errOut, "never overwrites") || !strings.Contains(errOut, "--force") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	if again, _ := os.ReadFile(existing); !bytes.Equal(again, md) {
		t.Fatal("export changed an existing file")
	}
	os.WriteFile(existing, []byte("lost"), 0o600)
	if code, _, errOut := parley(t, "export", "--force", jls[0]); code != 0 {
		t.Fatalf("export --force: exit %d, %s", code, errOut)
	}
	if again, _ := os.ReadFile(existing); !bytes.Equal(again, md) {
		t.Fatalf("export --force did not rebuild %s:\n%s", existing, again)
	}
	os.Remove(existing)
	if code, out, errOut := parley(t, "export", jls[0]); code != 0 || !strings.Contains(out, existing) {
		t.Fatalf("export: exit %d, %s%s", code, out, errOut)
	}
	if again, _ := os.ReadFile(existing); !bytes.Equal(again, md) {
		t.Fatal("export did not rebuild NAME.md beside the JSONL")
	}
}

// What parley's Markdown has no place for (an imported conversation's
// system prompt and its messages' models) is named whenever a command
// writes Markdown without it: convert says .jsonl keeps it, export that
// the JSONL it read does. A run parley staged keeps its models in the
// JSONL beside its Markdown, and export says nothing of them.
func TestMarkdownWritersSayWhatTheyLeaveOut(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "chat.json", `{"messages":[{"role":"system","content":"be brief"},`+
		`{"role":"user","content":"hi","model":"gpt-4o"},{"role":"assistant","content":"hello","model":"claude-3"}]}`)
	jl := filepath.Join(dir, "chat.jsonl")
	if code, _, errOut := parley(t, "convert", in, jl); code != exitOK || errOut != "" {
		t.Fatalf("to JSONL: exit %d %s", code, errOut)
	}
	if code, out, errOut := parley(t, "demo", "--no-tui", "--pace", "0", "--out", dir); code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	demo, _ := filepath.Glob(filepath.Join(dir, "*kimi*.jsonl"))
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"convert of another tool's JSON to Markdown", []string{"convert", in, filepath.Join(dir, "converted.md")}, []string{
			"parley: " + in + ": the system prompt has no place in Markdown; convert to .jsonl to keep it\n",
			"parley: " + in + `: the models its messages name ("gpt-4o" and "claude-3") have no place in Markdown; convert to .jsonl to keep them` + "\n",
		}},
		{"export of a converted JSONL", []string{"export", jl}, []string{
			"parley: " + jl + ": the system prompt has no place in Markdown; chat.jsonl keeps it\n",
			"parley: " + jl + `: the models its messages name ("gpt-4o" and "claude-3") have no place in Markdown; chat.jsonl keeps them` + "\n",
		}},
		{"export of a run parley staged", []string{"export", "-o", "-", demo[0]}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitOK || errOut != strings.Join(c.want, "") {
				t.Errorf("exit %d, stderr:\n%s\nwant:\n%s\nstdout: %.200s", code, errOut, strings.Join(c.want, ""), out)
			}
		})
	}
}

func TestRunSpreadsRequestsAcrossReplicas(t *testing.T) {
	// Each replica says which it is, so the transcript can be held to
	// the replica it names for each message.
	one := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("from one") })
	two := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("from two") })
	dir := t.TempDir()
	p := filepath.Join(t.TempDir(), "replicas.yaml")
	os.WriteFile(p, []byte(`agents:
  - name: A
    model: m
    base_urls: [`+one.URL+`, `+two.URL+`]
  - name: B
    type: scripted
    lines: [b1, b2, b3, b4]
termination:
  max_messages: 8
`), 0o600)
	code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	n1, n2 := len(one.Requests()), len(two.Requests())
	if n1+n2 != 4 || n1 == 0 || n2 == 0 {
		t.Fatalf("replicas served %d and %d of A's 4 requests; want both used", n1, n2)
	}
	// The JSONL names the replica that answered each of A's messages;
	// B, scripted, asks none.
	runs, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(runs) != 1 {
		t.Fatalf("%d transcripts in %s, want 1", len(runs), dir)
	}
	tr, err := transcripts.Read(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]int{}
	for i, m := range tr.Messages {
		want := map[string]string{"from one": one.URL, "from two": two.URL}[m.Content]
		if m.Speaker == "B" {
			want = ""
		}
		if m.Endpoint != want {
			t.Errorf("message %d (%s, %q) names the replica %q; want %q", i+1, m.Speaker, m.Content, m.Endpoint, want)
		}
		served[m.Endpoint]++
	}
	if served[one.URL] != n1 || served[two.URL] != n2 {
		t.Errorf("the transcript names %d messages from %s and %d from %s; the replicas served %d and %d",
			served[one.URL], one.URL, served[two.URL], two.URL, n1, n2)
	}
}

func TestALimitThatBoundsNoAgentIsWarnedOf(t *testing.T) {
	// limits: names a provider no agent uses and a replica URL (with a
	// password) that a limit cannot reach: the run goes ahead, and each
	// key is named with the file and what the agents do ask.
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("a reply") })
	p := filepath.Join(t.TempDir(), "limits.yaml")
	os.WriteFile(p, []byte(`limits:
  openai: {concurrent: 2}
  http://user:pa55word-limit@10.0.0.6:11434/v1: {per_minute: 30}
  `+srv.URL+`: {concurrent: 1}
agents:
  - name: A
    model: m
    base_url: `+srv.URL+`
  - name: B
    type: scripted
    lines: [b1, b2]
termination:
  max_messages: 4
`), 0o600)
	code, out, errOut := parley(t, "run", "--no-tui", "--out", t.TempDir(), p)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"parley: warning: " + p + `: limits: "openai" bounds none of the agents' requests`,
		"parley: warning: " + p + `: limits: "http://REDACTED@10.0.0.6:11434/v1" bounds none of the agents' requests`,
		"these agents ask " + srv.URL,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "pa55word-limit") {
		t.Errorf("stderr shows the password in a limit's URL:\n%s", errOut)
	}
	if n := strings.Count(errOut, "bounds none"); n != 2 {
		t.Errorf("%d warnings; want 2, none for the limit on the agent's own URL:\n%s", n, errOut)
	}
}

func TestWithMaxMessagesReplacesEveryBudget(t *testing.T) {
	msgs := make([]transcripts.Message, 350)
	for i := range msgs {
		msgs[i] = transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: words(350)[i]}
	}
	cases := map[string]struct {
		policy string
		stopAt int // with --max-messages 320
	}{
		"the default set, whose cap sits under a guard": {"", 320},
		"a lone budget":             {"max_messages: 10", 320},
		"a budget inside all:":      {"all:\n  - max_messages: 10\n  - max_messages: 20", 320},
		"no budget at all gets one": {"end_token: \"[END]\"", 320},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := policy.Default()
			if c.policy != "" {
				var err error
				if p, err = policy.ParseYAML([]byte(c.policy)); err != nil {
					t.Fatal(err)
				}
			}
			p = withMaxMessages(p, 320)
			stopAt := 0
			for n := 1; n <= len(msgs); n++ {
				if p.Check(msgs[:n]).Stop {
					stopAt = n
					break
				}
			}
			if stopAt != c.stopAt {
				t.Fatalf("stopped at %d, want %d", stopAt, c.stopAt)
			}
		})
	}
}

// resume refuses a conversation its policy already ends, naming the flags
// that would extend it, and leaves the files alone; with them it goes on.
func TestResumeOfAFinishedTranscriptRefuses(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination:\n  max_messages: 3\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d %s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	before, _ := os.ReadFile(jls[0])
	code, _, errOut := parley(t, "resume", "--no-tui", jls[0])
	if code != exitUsage || !strings.Contains(errOut, "--max-messages") || !strings.Contains(errOut, "--policy") || !strings.Contains(errOut, "max_messages") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if after, _ := os.ReadFile(jls[0]); !bytes.Equal(after, before) {
		t.Fatal("the refused resume changed the transcript")
	}
	if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", "5", jls[0]); code != exitOK {
		t.Fatalf("resume --max-messages 5: exit %d %s%s", code, out, errOut)
	}
	if tr, _ := transcripts.Read(jls[0]); len(tr.Messages) != 5 {
		t.Errorf("extended to %d messages, want 5", len(tr.Messages))
	}
	// A rule other than the budget stopped it: raising the budget cannot
	// help, and the sentence does not offer it.
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [same, same, same]}\n  - {name: B, type: scripted, lines: [same, same, same]}\ntermination:\n  any: [{max_messages: 50}, {stop_pattern: same}]\n"), 0o600)
	ruled := filepath.Join(dir, "ruled")
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", ruled, p); code != exitOK {
		t.Fatalf("run: exit %d %s%s", code, out, errOut)
	}
	jls, _ = filepath.Glob(filepath.Join(ruled, "*.jsonl"))
	code, _, errOut = parley(t, "resume", "--no-tui", "--max-messages", "30", jls[0])
	if code != exitUsage || !strings.Contains(errOut, "stop_pattern stops it") || !strings.Contains(errOut, "give other rules with --policy FILE") || strings.Contains(errOut, "--max-messages") {
		t.Errorf("resume of a run a rule stopped: exit %d, stderr %q; want only --policy offered", code, errOut)
	}
	// Given a policy file whose rules stop it too, the sentence says other
	// rules than that file's are needed, not the file it was just given.
	pol := filepath.Join(dir, "same.yaml")
	os.WriteFile(pol, []byte("stop_pattern: same\n"), 0o600)
	code, _, errOut = parley(t, "resume", "--no-tui", "--policy", pol, jls[0])
	if code != exitUsage || !strings.Contains(errOut, "give rules with --policy FILE other than those of "+pol+", which stop it") {
		t.Errorf("resume --policy with rules that stop it: exit %d, stderr %q", code, errOut)
	}
}

// A resume refused for a key that is not set leaves both files as they
// were, byte for byte: the Markdown's header and its stop line too.
func TestResumeRefusedForAMissingKeyChangesNothing(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(400, "this model is gone")
	})
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - name: B\n    base_url: "+srv.URL+"\n    model: m\n    api_key_env: RESUME_KEY\ntermination:\n  max_messages: 6\n"), 0o600)
	t.Setenv("RESUME_KEY", "sk-resume-test-1")
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitFailure {
		t.Fatalf("run: exit %d, want %d (B's server refuses) %s%s", code, exitFailure, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(jls) != 1 || len(mds) != 1 {
		t.Fatalf("the run recorded %v %v", jls, mds)
	}
	beforeJ, _ := os.ReadFile(jls[0])
	beforeM, _ := os.ReadFile(mds[0])
	t.Setenv("RESUME_KEY", "")
	code, _, errOut := parley(t, "resume", "--no-tui", jls[0])
	if code != exitUsage || !strings.Contains(errOut, "RESUME_KEY") {
		t.Fatalf("resume without the key: exit %d, stderr %q; want %d naming RESUME_KEY", code, errOut, exitUsage)
	}
	if strings.Contains(errOut, "resuming") {
		t.Errorf("a refused resume said it was resuming: %q", errOut)
	}
	if after, _ := os.ReadFile(jls[0]); !bytes.Equal(after, beforeJ) {
		t.Error("the refused resume changed the JSONL")
	}
	if after, _ := os.ReadFile(mds[0]); !bytes.Equal(after, beforeM) {
		t.Errorf("the refused resume changed the Markdown:\n%s\nwas:\n%s", after, beforeM)
	}
}

// The headless printer says text is discarded on a retry only when text of
// that attempt was printed.
func TestPrinterSaysTextIsDiscardedOnlyWhenThereWasText(t *testing.T) {
	var buf bytes.Buffer
	p := newPrinter(&buf)
	retry := orchestrator.Retrying{Index: 2, Speaker: "A", Attempt: 1, Max: 3, Reason: "connection refused"}
	for _, e := range []orchestrator.Event{
		orchestrator.TurnStarted{Index: 2, Speaker: "A"},
		retry,
		orchestrator.Delta{Index: 2, Speaker: "A", Text: "half a"},
		retry,
		retry,
	} {
		p.Handle(e)
	}
	if n := strings.Count(buf.String(), "the text above is discarded"); n != 1 {
		t.Errorf("said %d times that text was discarded; want once, after the text:\n%s", n, buf.String())
	}
}

// A loop model named by a relative path is found beside the scenario or
// policy file that names it, as a replay transcript is, whatever folder
// parley runs in.
func TestALoopModelIsFoundBesideItsFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "study")
	os.MkdirAll(dir, 0o700)
	model, err := os.ReadFile("../../orchestrator/policy/loopmodel.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "mine.json"), model, 0o600)
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination:\n  any: [{max_messages: 4}, {loop: {model: mine.json}}]\n"), 0o600)
	pol := filepath.Join(dir, "p.yaml")
	os.WriteFile(pol, []byte("loop: {model: mine.json}\n"), 0o600)
	if code, out, errOut := parley(t, "validate", "--offline", scenario); code != exitOK {
		t.Errorf("validate: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", t.TempDir(), scenario); code != exitOK {
		t.Errorf("run: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := parley(t, "check", "--policy", pol, "../../transcripts/seed/kimi-k2-vs-grok-4.md"); code != exitOK {
		t.Errorf("check --policy: exit %d\n%s%s", code, out, errOut)
	}
	// A model that is in neither place is named with its line.
	os.WriteFile(pol, []byte("loop:\n  model: gone.json\n"), 0o600)
	if code, _, errOut := parley(t, "check", "--policy", pol, "../../transcripts/seed/kimi-k2-vs-grok-4.md"); code != exitUsage || !strings.Contains(errOut, pol+":2: loop.model:") {
		t.Errorf("a missing model: exit %d, %q", code, errOut)
	}
}

// A replay agent whose recording is missing, or holds nothing by the
// speaker it replays, is named with its line by validate, and by run
// before anything is recorded.
func TestReplayAgentsAreCheckedBeforeARun(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, agent, want string }{
		{"missing transcript", "{name: A, type: replay, transcript: nope/x.md, speaker: Kimi K2}", `:2: agent "A": transcript: nope/x.md does not exist`},
		{"unknown speaker", "{name: A, type: replay, transcript: ../../transcripts/seed/kimi-k2-vs-grok-4.md, speaker: Kimi K3}", `:2: agent "A": speaker: `},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			os.WriteFile(p, []byte("agents:\n  - "+c.agent+"\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
			for _, args := range [][]string{{"validate", p}, {"run", "--no-tui", "--out", filepath.Join(dir, "out"), p}} {
				code, _, errOut := parley(t, args...)
				if code != exitUsage || !strings.Contains(errOut, p+c.want) {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", args[0], code, errOut, p+c.want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
				t.Errorf("run recorded something")
			}
		})
	}
	// Beside another agent's mistake, validate names the replay's too, in
	// the same round.
	p := filepath.Join(dir, "both.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: replay, transcript: nope/x.md, speaker: Kimi K2}\n  - {name: B, type: scripted, lines: [hi], pace: -1}\n"), 0o600)
	code, _, errOut := parley(t, "validate", p)
	for _, want := range []string{p + `:2: agent "A": transcript: nope/x.md does not exist`, p + `:3: agent "B": pace:`} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("validate: exit %d, stderr %q; want 2 and %q", code, errOut, want)
		}
	}
}

// resume --scenario with a scenario that seats an agent under a name the
// recording's seats do not have is refused, files untouched: it would
// speak as a third speaker beside the recorded seat. A scenario that
// names the old seat under formerly: goes on.
func TestResumeWithAScenarioThatRenamesASeatRefuses(t *testing.T) {
	dir := t.TempDir()
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination:\n  max_messages: 3\n")
	before, _ := os.ReadFile(jl)
	renamed := filepath.Join(dir, "renamed.yaml")
	os.WriteFile(renamed, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: C, type: scripted, lines: [c1, c2, c3]}\ntermination:\n  max_messages: 6\n"), 0o600)
	code, _, errOut := parley(t, "resume", "--no-tui", "--scenario", renamed, jl)
	if code != exitUsage || !strings.Contains(errOut, `seats agent "C", and `+jl+` was recorded with "A" and "B"`) || !strings.Contains(errOut, "parley fork "+jl+" --at 3 --scenario FILE --agent") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if after, _ := os.ReadFile(jl); !bytes.Equal(after, before) {
		t.Fatal("the refused resume changed the transcript")
	}
	formerly := filepath.Join(dir, "formerly.yaml")
	os.WriteFile(formerly, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: C, type: scripted, lines: [c1, c2, c3], formerly: [B]}\ntermination:\n  max_messages: 6\n"), 0o600)
	if code, out, errOut := parley(t, "resume", "--no-tui", "--scenario", formerly, jl); code != exitOK {
		t.Fatalf("resume with formerly: [B]: exit %d %s%s", code, out, errOut)
	}
}

// --pace is read as a duration; a negative one is said to be negative,
// naming the flag, not to be no duration.
func TestPaceFlag(t *testing.T) {
	cases := []struct {
		name, flag string
		want       time.Duration
		wantErr    string
	}{
		{"instant", "0", 0, ""},
		{"a delay", "5ms", 5 * time.Millisecond, ""},
		{"no unit", "5", 0, `--pace "5" is not a duration such as 0, 5ms or 20ms`},
		{"negative", "-1ms", 0, "--pace -1ms must not be negative: it is the delay between streamed pieces; give 0 for none, or a delay such as 5ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parsePace(tc.flag)
			switch {
			case tc.wantErr != "":
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("parsePace(%q) = %v; want %q", tc.flag, err, tc.wantErr)
				}
			case err != nil || d == nil || *d != tc.want:
				t.Errorf("parsePace(%q) = %v, %v; want %v", tc.flag, d, err, tc.want)
			}
		})
	}
	if code, _, errOut := parley(t, "demo", "--no-tui", "--pace", "-1ms", "--out", t.TempDir()); code != exitUsage || !strings.Contains(errOut, "--pace -1ms must not be negative") {
		t.Errorf("demo --pace -1ms: exit %d, %q; want a usage error saying it is negative", code, errOut)
	}
}

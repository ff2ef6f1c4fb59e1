package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/batch"
)

func TestConvertTheTournamentConfigAndListItsConversations(t *testing.T) {
	config := "../../../shared/seed/attractors-config.json"
	if _, err := os.Stat(config); err != nil {
		config = "../../configs/testdata/attractors-config.json" // a copy of it
	}
	roster := filepath.Join(t.TempDir(), "roster.yaml")
	code, out, errOut := parley(t, "convert", config, roster)
	if code != exitOK || !strings.Contains(out, "8 models, 56 ordered pairs × 2 runs") {
		t.Fatalf("convert: exit %d\n%s%s", code, out, errOut)
	}
	// Without the key the roster's agents need, validate says so once,
	// naming each agent with its line; batch says the same.
	t.Setenv("OPENROUTER_API_KEY", "")
	want := `roster.yaml:12: the environment variable OPENROUTER_API_KEY is not set, and 8 need it for their API key: roster agents "Kimi K2" (line 12), "4o" (line 15), `
	for _, cmd := range []string{"validate", "batch"} {
		if code, _, errOut := parley(t, cmd, roster); code != exitUsage || strings.Count(errOut, "OPENROUTER_API_KEY is not set") != 1 ||
			!strings.Contains(errOut, want) || !strings.Contains(errOut, `"deepseek 3.1" (line 33)`) {
			t.Fatalf("%s without the key: exit %d, want 2 and one sentence naming the 8 agents\n%s", cmd, code, errOut)
		}
	}
	t.Setenv("OPENROUTER_API_KEY", "sk-or-test")
	if code, out, errOut := parley(t, "validate", roster); code != exitOK {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = parley(t, "batch", roster, "--dry-run")
	if code != exitOK {
		t.Fatalf("batch --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 112 || lines[0] != "Kimi K2 ↔ 4o, run 1" || lines[111] != "deepseek 3.1 ↔ gemini-2.5-flash, run 2" {
		t.Fatalf("%d lines, first %q, last %q; want 112 from Kimi K2 ↔ 4o, run 1", len(lines), lines[0], lines[len(lines)-1])
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			t.Errorf("%q is listed twice", l)
		}
		seen[l] = true
	}
	if _, err := os.Stat("conversations"); err == nil { // output.dir, relative to where batch runs
		t.Error("--dry-run created the batch folder")
	}
	if code, _, errOut := parley(t, "convert", config, roster); code != exitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("converting over an existing file: exit %d, %s", code, errOut)
	}
	if code, _, errOut := parley(t, "run", roster, "--no-tui"); code != exitUsage || !strings.Contains(errOut, "stage its pairs with parley batch") {
		t.Errorf("run of a roster: exit %d, %s; want a sentence pointing at batch", code, errOut)
	}
	// Without its key too, run says first what setting the key would not mend.
	t.Setenv("OPENROUTER_API_KEY", "")
	if code, _, errOut := parley(t, "run", roster, "--no-tui"); code != exitUsage || !strings.Contains(errOut, "stage its pairs with parley batch") || strings.Contains(errOut, "needs an API key") {
		t.Errorf("run of a roster without its key: exit %d, %s; want only the sentence pointing at batch", code, errOut)
	}
}

// A roster's batch runs every pair, locally and on an embedded queue, and
// its progress lines name the pair and run each finished conversation was.
func TestBatchStagesARosterLocallyAndOnAnEmbeddedQueue(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words("This is " + r.Body.Model + ".")
	})
	dir := t.TempDir()
	roster := filepath.Join(dir, "roster.yaml")
	os.WriteFile(roster, []byte(fmt.Sprintf(`roster:
  defaults: {base_url: %s, system: Talk.}
  agents:
    - {name: Alpha, model: gpt-4o}
    - {name: Beta, model: grok-4}
    - {name: Gamma, model: gamma-1}
    - {name: Delta, model: delta-1}
  runs: 2
termination: {max_messages: 3}
`, srv.URL)), 0o600)
	for _, queue := range [][]string{nil, {"--queue", "embedded"}} {
		out := filepath.Join(dir, fmt.Sprintf("batch-%d", len(queue)))
		args := append([]string{"batch", roster, "-j", "4", "--plain", "--out", out}, queue...)
		code, stdout, errOut := parley(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", queue, code, stdout, errOut)
		}
		files, _ := filepath.Glob(filepath.Join(out, "runs", "*", "*.jsonl"))
		if len(files) != 24 {
			t.Errorf("%v: %d transcripts; want 12 ordered pairs × 2 runs = 24", queue, len(files))
		}
		if code, left, errOut := parley(t, "batch", "--resume", out, "--dry-run"); code != exitOK || left != "" || !strings.Contains(errOut, "0 conversations") {
			t.Errorf("--resume --dry-run of a finished tournament: exit %d, listed %q, %s", code, left, errOut)
		}
		for _, want := range []string{"24 planned · 24 done", "## Cost", "| Alpha ↔ Beta | 2 | ", "| Gamma | gamma-1 | unknown |", " messages · "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v: the output lacks %q:\n%s", queue, want, stdout)
			}
		}
		// Each progress line says which pair and run finished, not its
		// id alone.
		for _, want := range []string{" (Alpha ↔ Beta, run 1) done: ", " (Delta ↔ Gamma, run 2) done: "} {
			if strings.Count(stdout, want) != 1 {
				t.Errorf("%v: the progress lines lack %q once:\n%s", queue, want, stdout)
			}
		}
	}
}

// --vary names a roster agent as the roster does, varies the roster's own
// fields, and --set points a whole roster at another server in one flag.
func TestBatchVariesAndSetsARoster(t *testing.T) {
	config := "../../configs/testdata/attractors-config.json"
	dir := t.TempDir()
	converted := filepath.Join(dir, "converted.yaml")
	if code, out, errOut := parley(t, "convert", config, converted); code != exitOK {
		t.Fatalf("convert: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := parley(t, "batch", converted, "--vary", "agents[Kimi K2].temperature=0.5", "--dry-run")
	if code != exitOK || strings.Count(out, "\n") != 112 || !strings.Contains(out, "Kimi K2 ↔ 4o, run 1 (agents[Kimi K2].temperature=0.5)") {
		t.Errorf("--vary agents[Kimi K2]: exit %d\n%.300s\n%s", code, out, errOut)
	}
	code, _, errOut = parley(t, "batch", converted, "--vary", "agents[Kimi K3].temperature=0.5", "--dry-run")
	if code != exitUsage || !strings.Contains(errOut, `no roster agent is named "Kimi K3"; name one of "Kimi K2", "4o", "gpt-5", `) {
		t.Errorf("--vary agents[Kimi K3]: exit %d, %s; want 2 and the roster's names", code, errOut)
	}
	code, _, errOut = parley(t, "batch", converted, "--vary", "roster.defaults.base_url=http://127.0.0.1:9/v1,http://127.0.0.1:8/v1", "--dry-run")
	if code != exitOK || !strings.Contains(errOut, "224 conversations") {
		t.Errorf("--vary roster.defaults.base_url: exit %d, %s; want 224 conversations", code, errOut)
	}

	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words("This is " + r.Body.Model + ".")
	})
	roster := filepath.Join(dir, "roster.yaml")
	os.WriteFile(roster, []byte(`roster:
  defaults: {provider: openrouter, system: Talk.}
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1}
termination: {max_messages: 3}
`), 0o600)
	out = filepath.Join(dir, "b")
	t.Setenv("OPENROUTER_API_KEY", "sk-or-test")
	code, stdout, errOut := parley(t, "batch", roster, "--plain", "--out", out, "--set", "roster.defaults.base_url="+srv.URL)
	if code != exitOK || !strings.Contains(stdout, "2 planned · 2 done") {
		t.Fatalf("--set roster.defaults.base_url: exit %d\n%s%s", code, stdout, errOut)
	}
	// Finished, it is said to be so, key or no key.
	t.Setenv("OPENROUTER_API_KEY", "")
	if code, stdout, errOut := parley(t, "batch", "--resume", out); code != exitOK || !strings.Contains(stdout, "is finished: all 2 conversations ended") {
		t.Errorf("--resume of the finished batch: exit %d, %s%s", code, stdout, errOut)
	}
	// With its conversations' record gone, it has them all to run again:
	// resumed without the key, the batch names the variable once, and
	// each agent once, however many pairs it is in, with its line, as the
	// batch said it when it began.
	os.Remove(filepath.Join(out, batch.StateFile))
	os.RemoveAll(filepath.Join(out, batch.RunsDir))
	if code, _, errOut := parley(t, "batch", "--resume", out); code != exitUsage || strings.Count(errOut, "OPENROUTER_API_KEY") != 1 ||
		!strings.Contains(errOut, roster+`:4: the environment variable OPENROUTER_API_KEY is not set, and 2 need it for their API key: roster agents "Alpha" (line 4), "Beta" (line 5)`) {
		t.Errorf("--resume without the key: exit %d, %s", code, errOut)
	}
	if code, _, errOut := parley(t, "batch", roster, "--set", "title=a", "--vary", "title=b,c", "--dry-run"); code != exitUsage || !strings.Contains(errOut, "title is given to both --set and --vary") {
		t.Errorf("--set and --vary of one field: exit %d, %s", code, errOut)
	}
	if code, _, errOut := parley(t, "batch", "--resume", out, "--set", "title=a"); code != exitUsage || !strings.Contains(errOut, "--resume takes the batch directory alone") {
		t.Errorf("--resume with --set: exit %d, %s", code, errOut)
	}
}

// A tournament config convert cannot turn into a roster is bad input: it
// exits 2 with a sentence naming the JSON and the field to fix, never the
// roster it did not write.
func TestConvertNamesTheConfigsFieldToFix(t *testing.T) {
	dir := t.TempDir()
	models := `{"name": "Kimi K2", "model_id": "moonshotai/kimi-k2"}, {"name": "grok-4", "model_id": "x-ai/grok-4"}`
	for _, c := range []struct{ name, json, want string }{
		{"dup", `{"models": [{"name": "Kimi K2", "model_id": "a/a"}, {"name": "Kimi K2", "model_id": "b/b"}]}`,
			`dup.json: models[1]: "Kimi K2" is models[0]'s name too; give each model its own name`},
		{"temp", `{"models": [{"name": "Kimi K2", "model_id": "a/a", "temperature": 5}, {"name": "b", "model_id": "b/b"}], "max_turns": 96, "conversations_per_pair": 2}`,
			`temp.json: models[0] ("Kimi K2"): temperature: 5 is outside 0 to 2`},
		{"topp", `{"models": [{"name": "Kimi K2", "model_id": "a/a", "top_p": 3}, {"name": "b", "model_id": "b/b"}], "max_turns": 96, "conversations_per_pair": 2}`,
			`topp.json: models[0] ("Kimi K2"): top_p: 3 is outside 0 (exclusive) to 1`},
		{"negative", `{"models": [` + models + `], "max_turns": -3, "max_workers": -1}`,
			`negative.json: max_turns: -3 must not be negative`},
		{"negative2", `{"models": [` + models + `], "max_turns": -3, "max_workers": -1}`,
			`negative2.json: max_workers: -1 must not be negative`},
		{"noturns", `{"models": [` + models + `], "conversations_per_pair": 2}`,
			`noturns.json: max_turns: is missing; the script needs the replies each conversation runs to`},
		{"zero", `{"models": [` + models + `], "max_turns": 96, "conversations_per_pair": 0}`,
			`zero.json: conversations_per_pair: is 0, which stages nothing; give how many conversations each ordered pair has`},
		{"a value of another kind", `{"models": [{"name": "Kimi K2", "model_id": "a/a"}, {"name": "b", "model_id": "b/b", "temperature": "hot"}], "max_turns": 96, "conversations_per_pair": 2}`,
			`a value of another kind.json: models[1] ("b"): temperature: is text, not a number`},
		{"a fraction", `{"models": [` + models + `], "max_turns": 1.5, "conversations_per_pair": 2}`,
			`a fraction.json: max_turns: is a number (1.5), not a whole number`},
		{"a number for text", `{"models": [` + models + `], "max_turns": 96, "conversations_per_pair": 2, "system_prompt": 5}`,
			`a number for text.json: system_prompt: is a number, not text`},
		// A key pasted as a model's id is said of the config's model_id,
		// the field to fix, and never repeated.
		{"a key for a model id", `{"models": [{"name": "Kimi K2", "model_id": "sk-or-v1-` + strings.Repeat("0123456789abcdef", 4) + `"}, {"name": "b", "model_id": "b/b"}], "max_turns": 96, "conversations_per_pair": 2}`,
			`a key for a model id.json: models[0] ("Kimi K2"): model_id: looks like an API key rather than a model's id; give the model's OpenRouter id ("model_id": "moonshotai/kimi-k2"), and the key through the environment (export OPENROUTER_API_KEY=...). If this file was shared, consider the key exposed and replace it`},
		{"a model without its id", `{"models": [{"name": "Kimi K2"}, {"name": "b", "model_id": "b/b"}], "max_turns": 96, "conversations_per_pair": 2}`,
			`a model without its id.json: models[0]: needs a name and a model_id`},
		{"cut off", "{\"models\": [\n  {\"name\": \"a\", \"model_id\": \"a/a\"},",
			`cut off.json: not valid JSON: line 2, column 36: the JSON ends before what it opened is closed`},
	} {
		in := filepath.Join(dir, c.name+".json")
		os.WriteFile(in, []byte(c.json), 0o600)
		out := filepath.Join(dir, c.name+".yaml")
		code, _, errOut := parley(t, "convert", in, out)
		if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Contains(errOut, c.name+".yaml") || strings.Contains(errOut, "0123456789abcdef") {
			t.Errorf("%s: exit %d, %s; want 2 and %q, naming no roster", c.name, code, errOut, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: %s was written", c.name, out)
		}
	}
	// top_p has a parley counterpart: the agent's top_p.
	in := filepath.Join(dir, "ok.json")
	os.WriteFile(in, []byte(`{"models": [{"name": "a", "model_id": "a/a", "top_p": 0.9}, {"name": "b", "model_id": "b/b"}], "max_turns": 10, "conversations_per_pair": 1}`), 0o600)
	out := filepath.Join(dir, "ok.yaml")
	if code, stdout, errOut := parley(t, "convert", in, out); code != exitOK {
		t.Fatalf("top_p: exit %d\n%s%s", code, stdout, errOut)
	}
	if src, _ := os.ReadFile(out); !strings.Contains(string(src), "top_p: 0.9") {
		t.Errorf("the roster lacks the model's top_p:\n%s", src)
	}
}

// A roster field set on a scenario of two agents is refused with a
// sentence about that, not advice to move agents that nobody wrote.
func TestSettingARosterFieldOnTwoAgents(t *testing.T) {
	p := filepath.Join(t.TempDir(), "two.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"), 0o600)
	want := "roster.defaults.base_url=http://x/v1: the scenario names two agents and has no roster; give one agent's field, such as agents[1].base_url, or every agent's, such as base_url"
	for _, args := range [][]string{
		{"run", p, "--no-tui", "--set", "roster.defaults.base_url=http://x/v1"},
		{"validate", p, "--set", "roster.defaults.base_url=http://x/v1"},
		{"batch", p, "--dry-run", "--set", "roster.defaults.base_url=http://x/v1"},
		{"batch", p, "--dry-run", "--vary", "roster.defaults.base_url=http://x/v1,http://y/v1"},
	} {
		code, _, errOut := parley(t, args...)
		if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "move the agents") {
			t.Errorf("%v: exit %d, %s; want 2 and %q", args, code, errOut, want)
		}
	}
}

// batch names the flag the user typed in a sentence about the value it
// gave: --set on a roster is said as --set, never as --vary, in the
// plan's sentences and in a scenario's refusal after --set values alike.
func TestBatchSentencesNameTheFlagTyped(t *testing.T) {
	dir := t.TempDir()
	roster := filepath.Join(dir, "roster.yaml")
	os.WriteFile(roster, []byte(`roster:
  defaults: {base_url: http://127.0.0.1:9/v1, system: Talk.}
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1}
termination: {max_messages: 3}
`), 0o600)
	for _, tt := range []struct {
		name      string
		args      []string
		want, not string
	}{
		{"set, an agent the roster lacks", []string{"--set", "agents[Nobody].temperature=0.5"},
			`roster.yaml: --set agents[Nobody].temperature=0.5: agents[Nobody]: no roster agent is named "Nobody"; name one of "Alpha", "Beta"`, "--vary"},
		{"vary, an agent the roster lacks", []string{"--vary", "agents[Nobody].temperature=0.5,1"},
			`roster.yaml: --vary agents[Nobody].temperature=0.5: agents[Nobody]: no roster agent is named "Nobody"`, "--set"},
		{"set beside vary, an agent the roster lacks", []string{"--vary", "seed=1,2", "--set", "roster.agents[Nobody].model=x"},
			`roster.yaml: --set roster.agents[Nobody].model=x: roster.agents[Nobody]: no roster agent is named "Nobody"`, "--vary roster"},
		{"set, a field the pairs are planned from", []string{"--set", "roster.pairs=unordered"},
			`roster.yaml: --set roster.pairs: the pairs a roster stages and its runs are planned from the file, before --set applies; edit roster.pairs in the file`, "--vary"},
		{"set, a value the scenario refuses", []string{"--set", "agents[Alpha].temperature=9"},
			`parley: with --set agents[Alpha].temperature=9: ` + roster + `: agent "Alpha": temperature: 9 is outside 0 to 2`, "--vary"},
		{"set after vary, a value the scenario refuses", []string{"--vary", "seed=1,2", "--set", "history.max_messages=-3"},
			`parley: with --vary seed=1 --set history.max_messages=-3: ` + roster + `: history.max_messages must not be negative`, "--vary seed=1 history"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := parley(t, append([]string{"batch", roster, "--dry-run"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, tt.not) {
				t.Errorf("exit %d, %s; want 2 and %q, without %q", code, errOut, tt.want, tt.not)
			}
		})
	}
}

// A batch resumed after its scenario was edited gives the command that
// starts one of the edited file with the flags it was started with: a
// --set value, commas and all, comes back as --set, not as a --vary of
// several values; a batch.json an earlier parley wrote, its --set values
// among the --vary ones, still resumes.
func TestBatchResumeGivesSetValuesBackAsSet(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	orig := "agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"
	os.WriteFile(scenario, []byte(orig), 0o600)
	out := filepath.Join(dir, "b")
	if code, stdout, errOut := parley(t, "batch", scenario, "--out", out, "--plain", "--vary", "history.max_messages=4,8", "--set", "opening=Hi, you"); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, stdout, errOut)
	}
	os.WriteFile(scenario, []byte(strings.Replace(orig, "max_messages: 3", "max_messages: 5", 1)), 0o600)
	want := "start a new batch: parley batch " + scenario + " --vary history.max_messages=4,8 --set 'opening=Hi, you'\n"
	if code, _, errOut := parley(t, "batch", "--resume", out, "--dry-run"); code != exitOK || !strings.Contains(errOut, want) {
		t.Errorf("--resume after an edit: exit %d, %s; want %q", code, errOut, want)
	}

	// The same batch as an earlier parley recorded it.
	data, err := os.ReadFile(filepath.Join(out, "batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m["set"] == nil {
		t.Fatalf("batch.json records no --set values:\n%s", data)
	}
	m["vary"] = append(m["vary"].([]any), m["set"].([]any)...)
	delete(m, "set")
	older := filepath.Join(dir, "older")
	os.MkdirAll(older, 0o700)
	data, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(older, "batch.json"), data, 0o600)
	if code, listed, errOut := parley(t, "batch", "--resume", older, "--dry-run"); code != exitOK || !strings.Contains(listed, "A ↔ B, run 1 (history.max_messages=4 opening=Hi, you)") {
		t.Errorf("--resume of an older batch.json: exit %d\n%s%s", code, listed, errOut)
	}
}

// A varied model renames its seat ("L (chatty)"), as the staged
// conversation is titled: batch --dry-run lists that title, not the
// roster's names, so the list matches the conversations it stages.
func TestADryRunOfAVariedRosterNamesTheSeatsAsTheyRun(t *testing.T) {
	dir := t.TempDir()
	roster := filepath.Join(dir, "r.yaml")
	os.WriteFile(roster, []byte("roster:\n  defaults: {base_url: \"http://127.0.0.1:9/v1\"}\n  agents:\n    - {name: L, model: loopy}\n    - {name: G, model: gpt-4o-mini}\n  pairs: unordered\nopening: Start.\ntermination: {max_messages: 6}\n"), 0o600)
	code, out, errOut := parley(t, "batch", roster, "--vary", "agents[0].model=chatty,loopy", "--dry-run")
	want := "L (chatty) ↔ G, run 1 (agents[0].model=chatty)\nL ↔ G, run 1 (agents[0].model=loopy)\n"
	if code != exitOK || out != want {
		t.Errorf("batch --dry-run: exit %d\n%s%s; want\n%s", code, out, errOut, want)
	}
}

// validate says every problem of a roster, each at its field's line, as
// it does for a two-agent file: the roster's own fields and every agent's.
func TestValidateSaysEveryRosterProblemAtItsLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`roster:
  agents:
    - {name: A, model: m, base_url: http://127.0.0.1:1/v1}
    - {name: B, model: m, base_url: http://127.0.0.1:1/v1}
  first: bogus
  pairs: weird
  runs: 0
  self_play: "maybe"
`), 0o600)
	agents := filepath.Join(dir, "agents.yaml")
	os.WriteFile(agents, []byte(`roster:
  defaults: {base_url: http://127.0.0.1:1/v1}
  agents:
    - {name: A}
    - {name: B}
    - {name: C}
  parallel: -2
`), 0o600)
	for file, want := range map[string][]string{
		bad: {
			bad + `:5: roster: first: is "bogus"`,
			bad + `:6: roster: pairs: is "weird"`,
			bad + `:7: roster: runs: is 0`,
			bad + `:8: roster.self_play: "maybe" is text, not true or false`,
		},
		agents: {
			agents + `:4: roster.agent "A": model: is required`,
			agents + `:5: roster.agent "B": model: is required`,
			agents + `:6: roster.agent "C": model: is required`,
			agents + `:7: roster: parallel: must not be negative`,
		},
	} {
		code, out, errOut := parley(t, "validate", "--offline", file)
		lines := strings.Split(strings.TrimSpace(out+errOut), "\n")
		if code != exitUsage || len(lines) != len(want)+1 {
			t.Errorf("validate %s: exit %d, %d lines; want 2 and %d problems and the count\n%s%s", file, code, len(lines), len(want), out, errOut)
			continue
		}
		for i, w := range want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("validate %s, line %d:\n got %s\nwant %s…", file, i+1, lines[i], w)
			}
		}
	}
}

// A finished tournament whose batch.json was edited so that a job's pair
// names a roster agent the roster lacks is refused by batch --resume and
// its --dry-run alike, in the sentence naming batch.json, the job and the
// field: not staged, nor said to be finished with nothing to run.
func TestResumingABatchWhosePairNamesNoRosterAgent(t *testing.T) {
	dir := t.TempDir()
	roster := filepath.Join(dir, "r.yaml")
	os.WriteFile(roster, []byte(`roster:
  agents:
    - {name: Kimi K2, type: scripted, lines: [k1, k2]}
    - {name: gpt-4o, type: scripted, lines: [g1, g2]}
    - {name: grok, type: scripted, lines: [x1, x2]}
termination: {max_messages: 3}
`), 0o600)
	out := filepath.Join(dir, "b")
	if code, stdout, errOut := parley(t, "batch", roster, "--plain", "--out", out); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, stdout, errOut)
	}
	path := filepath.Join(out, batch.ManifestFile)
	data, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	job := m["jobs"].([]any)[1].(map[string]any)
	job["pair"].(map[string]any)["a"] = 9
	data, _ = json.Marshal(m)
	os.WriteFile(path, data, 0o600)
	want := fmt.Sprintf("%s: job %s names roster agent 9 (pair.a), and its scenario, %s, has 3 (roster agents 0 to 2)", path, job["id"], roster)
	for _, args := range [][]string{{"batch", "--resume", out}, {"batch", "--resume", out, "--dry-run"}} {
		if code, stdout, errOut := parley(t, args...); code != exitUsage || !strings.Contains(errOut, want) || stdout != "" {
			t.Errorf("%v: exit %d\n%s%s\nwant 2 and %q", args, code, stdout, errOut, want)
		}
	}
}

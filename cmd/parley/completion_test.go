package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/analysis"
)

// complete asks the command line what completes args, as a shell does.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	code, out, errOut := parley(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q: exit %d %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var d int
	fmt.Sscanf(lines[len(lines)-1], ":%d", &d)
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "Completion ended") {
			vals = append(vals, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return vals, cobra.ShellCompDirective(d)
}

// everyLayout is what a transcript argument completes to: every file
// parley reads as a transcript when named.
var everyLayout = []string{"csv", "json", "jsonl", "log", "markdown", "md", "tsv", "txt", "yaml", "yml"}

func TestCompletion(t *testing.T) {
	cases := []struct {
		args []string
		want []string
		dir  cobra.ShellCompDirective
	}{
		{[]string{"run", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"validate", "a.yaml", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"doctor", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"check", ""}, everyLayout, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"show", ""}, everyLayout, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"fork", ""}, everyLayout, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"report", "--out", "r", ""}, everyLayout, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"resume", ""}, []string{"jsonl", "md"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"convert", ""}, everyLayout, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"convert", "chat.json", ""}, []string{"md", "jsonl", "yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"convert", "../../transcripts/seed/kimi-k2-vs-grok-4.md", ""}, []string{"md", "jsonl"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"export", ""}, []string{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"run", "--agent", "oll"}, []string{"ollama:"}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"batch", "--queue", ""}, []string{"embedded", "nats://"}, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"run", "--set", "agents[1].tem"}, []string{"agents[1].temperature="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"batch", "--vary", "agents[0].api_key_f"}, []string{"agents[0].api_key_file="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"run", "--set", "agents[A].base_url"}, []string{"agents[A].base_url=", "agents[A].base_urls="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "stag"}, []string{"stagnation."}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "m"}, []string{"max_cost.", "max_duration=", "max_messages=", "max_tokens.", "min_messages="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "a"}, nil, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "max_tokens."}, []string{"max_tokens.limit=", "max_tokens.count="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "max_messages."}, nil, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "refusal."}, []string{"refusal.in_a_row=", "refusal.total=", "refusal.builtin="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"show", "--policy", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"run", "--out", ""}, nil, cobra.ShellCompDirectiveFilterDirs},
		{[]string{"demo", ""}, nil, cobra.ShellCompDirectiveNoFileComp},
	}
	for _, c := range cases {
		got, dir := complete(t, c.args...)
		// The shell filters by prefix; parley may offer more.
		var kept []string
		prefix := c.args[len(c.args)-1]
		for _, g := range got {
			if strings.HasPrefix(g, prefix) || dir&cobra.ShellCompDirectiveFilterFileExt != 0 {
				kept = append(kept, g)
			}
		}
		if strings.Join(kept, " ") != strings.Join(c.want, " ") || dir != c.dir {
			t.Errorf("%q: %q directive %d, want %q directive %d", c.args, kept, dir, c.want, c.dir)
		}
	}
}

func TestCompletionScriptsAreOffered(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := parley(t, "completion", sh)
		if code != exitOK || !strings.Contains(out, "parley") {
			t.Errorf("completion %s: exit %d %s", sh, code, errOut)
		}
	}
}

// The completions are attached only when the command line asks for them:
// both of cobra's completion commands must find them.
func TestCompletionWithoutDescriptions(t *testing.T) {
	code, out, errOut := parley(t, cobra.ShellCompNoDescRequestCmd, "batch", "--queue", "")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "embedded\n") || !strings.HasSuffix(strings.TrimSpace(out), fmt.Sprintf(":%d", cobra.ShellCompDirectiveNoFileComp)) {
		t.Errorf("__completeNoDesc batch --queue offered:\n%s", out)
	}
	if !completing([]string{"--no-tui", cobra.ShellCompRequestCmd, "run"}) || completing([]string{"check", "a.md"}) {
		t.Error("completing misreads a command line")
	}
}

// convert's output completes to what convert writes of its input: a
// roster scenario for a tournament config, Markdown or JSONL for a
// transcript, any of them for a file it cannot read yet.
func TestConvertCompletesWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.json")
	os.WriteFile(config, []byte(`{"models": [{"name": "A", "model_id": "x/a"}, {"name": "B", "model_id": "x/b"}], "max_turns": 4}`), 0o600)
	chat := filepath.Join(dir, "chat.json")
	os.WriteFile(chat, []byte(`{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}`), 0o600)
	for _, c := range []struct {
		in   string
		want []string
	}{
		{config, []string{"yaml", "yml"}},
		{chat, []string{"md", "jsonl"}},
		{filepath.Join(dir, "not-yet.json"), []string{"md", "jsonl", "yaml", "yml"}},
	} {
		got, dir := complete(t, "convert", c.in, "")
		if !slices.Equal(got, c.want) || dir != cobra.ShellCompDirectiveFilterFileExt {
			t.Errorf("convert %s: %q directive %d, want %q", filepath.Base(c.in), got, dir, c.want)
		}
	}
}

// Every value check --sweep completes to is one check takes, in the form
// it takes it: each rule and setting completed, given the value a policy
// holding every rule already has there, sweeps without a word, and every
// rule and setting --sweep can vary is among them.
func TestEverySweepCompletionIsOneCheckTakes(t *testing.T) {
	dir := t.TempDir()
	model, err := filepath.Abs("../../orchestrator/policy/loopmodel.json")
	if err != nil {
		t.Fatal(err)
	}
	rules := `any:
  - max_messages: 50
  - min_messages: 2
  - max_duration: 1h
  - max_cost: {usd: 2.5}
  - max_tokens: {limit: 100000, count: total}
  - end_token: {token: "[END]", match: contains, exchanges: 2}
  - end_token: {token: "^C^C", match: line, messages: 1}
  - stop_pattern: {pattern: zzz}
  - repetition: {threshold: 0.85, window: 4, speaker: any, count: 3, within: 5, shingle: 3, block: 40}
  - stagnation: {count: 4, novelty: 0.15, new_words: 10}
  - loop: {threshold: 0.6, count: 3, within: 5, lower: 0.5, sure: 0.9, token: "[END]", model: ` + model + `}
  - refusal: {in_a_row: 3, total: 5, builtin: true}
  - judge: {name: j, provider: openai, model: gpt-4o-mini, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY,
      system: Be fair, prompt: Has it looped, temperature: 0.2, retries: 2, timeout: 30s, idle_timeout: 20s, backoff: 1s, every: 5, window: 10}
`
	var held struct{ Any []map[string]any }
	if err := yaml.Unmarshal([]byte(rules), &held); err != nil {
		t.Fatal(err)
	}
	// value is what the policy holds at a swept name, RULE or RULE.FIELD.
	value := func(name string) (string, bool) {
		rule, field, _ := strings.Cut(name, ".")
		for _, r := range held.Any {
			v, ok := r[rule]
			if m, isMap := v.(map[string]any); ok && isMap {
				v, ok = m[field]
			}
			if ok {
				return fmt.Sprint(v), true
			}
		}
		return "", false
	}
	policyFile := filepath.Join(dir, "rules.yaml")
	os.WriteFile(policyFile, []byte(rules), 0o600)
	md := filepath.Join(dir, "t.md")
	os.WriteFile(md, []byte("# A ↔ B\n\n---\n\n### A\n\nHello.\n\n---\n\n### B\n\nHi.\n\n---\n"), 0o600)

	var names []string
	top, _ := complete(t, "check", "--sweep", "")
	for _, v := range top {
		switch {
		case strings.HasSuffix(v, "="):
			names = append(names, strings.TrimSuffix(v, "="))
		case strings.HasSuffix(v, "."):
			settings, _ := complete(t, "check", "--sweep", v)
			if len(settings) == 0 {
				t.Errorf("--sweep %s completes to no setting", v)
			}
			for _, s := range settings {
				if !strings.HasPrefix(s, v) || !strings.HasSuffix(s, "=") {
					t.Errorf("--sweep %s completes to %q, not a setting of it", v, s)
					continue
				}
				names = append(names, strings.TrimSuffix(s, "="))
			}
		default:
			t.Errorf("--sweep completes to %q, neither RULE= nor RULE.", v)
		}
	}
	if want := analysis.Sweepable(); !slices.Equal(names, want) {
		t.Errorf("--sweep completes to\n%q\nwant\n%q", names, want)
	}
	for _, name := range names {
		v, ok := value(name)
		if !ok {
			t.Errorf("the policy holds no %s to sweep", name)
			continue
		}
		if code, _, errOut := parley(t, "check", "--policy", policyFile, "--sweep", name+"="+v, md); code != exitOK {
			t.Errorf("check --sweep %s=%s: exit %d\n%s", name, v, code, errOut)
		}
	}
	// A rule written in its short form takes a sweep of its setting too.
	short := filepath.Join(dir, "short.yaml")
	os.WriteFile(short, []byte("any:\n  - max_cost: 2.5\n  - max_tokens: 1000\n  - end_token: \"[END]\"\n  - stop_pattern: zzz\n"), 0o600)
	for _, sweep := range []string{"max_cost.usd=1,2.5", "max_tokens.limit=10,1000", "max_tokens.count=total", "end_token.token=[END],bye", "stop_pattern.pattern=zzz,yyy"} {
		if code, _, errOut := parley(t, "check", "--policy", short, "--sweep", sweep, md); code != exitOK {
			t.Errorf("check --sweep %s of a rule in its short form: exit %d\n%s", sweep, code, errOut)
		}
	}
}

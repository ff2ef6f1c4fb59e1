package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// A batch checks the keys its conversations use, its --set and --vary
// values applied, as run --set and validate --set do, not the keys the
// files as written name: a value that gives an agent another key or
// provider is what counts, and a key only a value asks for is said with
// that value.
func TestBatchChecksTheKeysItsValuesAsk(t *testing.T) {
	srv := openaitest.Start(t, signOff)
	dir := t.TempDir()
	pair := filepath.Join(dir, "oa.yaml")
	os.WriteFile(pair, []byte(`agents:
  - {name: A, provider: openai, model: m1}
  - {name: B, provider: openai, model: m2}
opening: hello
termination: {any: [{max_messages: 3}]}
`), 0o600)
	roster := filepath.Join(dir, "roster.yaml")
	os.WriteFile(roster, []byte(`title: three models
roster:
  defaults:
    provider: openrouter
  agents:
    - {name: X, model: mx}
    - {name: Y, model: my}
    - {name: Z, model: mz}
  pairs: unordered
opening: hello
termination: {max_messages: 3}
`), 0o600)
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("R5_KEY", "k5")
	t.Setenv("R6_KEY", "")
	t.Setenv("R7_KEY", "k7")
	at := []string{"--set", "agents[0].base_url=" + srv.URL, "--set", "agents[1].base_url=" + srv.URL}
	rosterAt := []string{"--set", "roster.defaults.base_url=" + srv.URL}
	tests := []struct {
		name string
		args []string
		want string // the whole of stderr's refusal; "" when the batch runs
	}{
		{"--set gives both agents a key that is set", append([]string{pair,
			"--set", "agents[0].api_key_env=R5_KEY", "--set", "agents[1].api_key_env=R5_KEY"}, at...), ""},
		{"--vary gives an agent keys that are set", append([]string{pair,
			"--vary", "agents[0].api_key_env=R5_KEY,R7_KEY", "--set", "agents[1].api_key_env=R5_KEY"}, at...), ""},
		{"--set gives a roster a provider without a key", []string{roster,
			"--set", "roster.defaults.provider=vllm", "--set", "roster.defaults.base_url=" + srv.URL}, ""},
		{"--set gives a roster's defaults a key that is set", append([]string{roster,
			"--set", "roster.defaults.api_key_env=R5_KEY"}, rosterAt...), ""},
		{"--vary names a key that is not set", append([]string{pair,
			"--vary", "agents[0].api_key_env=R5_KEY,R6_KEY", "--set", "agents[1].api_key_env=R5_KEY"}, at...),
			pair + `: with --vary agents[0].api_key_env=R6_KEY: agent "A" needs an API key: the environment variable R6_KEY is not set`},
		{"the file's key beside one --set names", append([]string{pair, "--set", "agents[0].api_key_env=R6_KEY"}, at...),
			pair + `: with --set agents[0].api_key_env=R6_KEY: agent "A" needs an API key: the environment variable R6_KEY is not set` + "\n" +
				pair + `:3: agent "B" needs an API key: the environment variable OPENAI_API_KEY is not set`},
		{"two agents --set gives one key that is not set", append([]string{pair,
			"--set", "agents[0].api_key_env=R6_KEY", "--set", "agents[1].api_key_env=R6_KEY"}, at...),
			pair + `: the environment variable R6_KEY is not set, and 2 need it for their API key: agents "A" (--set agents[0].api_key_env=R6_KEY), "B" (--set agents[1].api_key_env=R6_KEY)`},
		{"a roster's defaults --set gives a key that is not set", append([]string{roster,
			"--vary", "seed=1,2", "--set", "roster.defaults.api_key_env=R6_KEY"}, rosterAt...),
			roster + `: with --set roster.defaults.api_key_env=R6_KEY: the environment variable R6_KEY is not set, and 3 need it for their API key: roster agents "X", "Y", "Z"`},
		{"a roster as written", []string{roster},
			roster + `:6: the environment variable OPENROUTER_API_KEY is not set, and 3 need it for their API key: roster agents "X" (line 6), "Y" (line 7), "Z" (line 8)`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "b", string(rune('a'+i)))
			code, stdout, errOut := parley(t, append([]string{"batch", "--plain", "--out", out}, tt.args...)...)
			if tt.want == "" {
				if code != exitOK {
					t.Fatalf("exit %d; want 0\n%s%s", code, stdout, errOut)
				}
				return
			}
			if code != exitUsage || errOut != "parley: "+tt.want+"\n" {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and:\nparley: %s", code, errOut, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("the refused batch left its folder %s", out)
			}
		})
	}

	// A resume checks the keys as the new batch did.
	b := filepath.Join(dir, "b", "a")
	os.Remove(filepath.Join(b, batch.StateFile))
	os.RemoveAll(filepath.Join(b, batch.RunsDir))
	t.Setenv("R5_KEY", "")
	code, _, errOut := parley(t, "batch", "--resume", b)
	want := pair + `: the environment variable R5_KEY is not set, and 2 need it for their API key: agents "A" (--set agents[0].api_key_env=R5_KEY), "B" (--set agents[1].api_key_env=R5_KEY)`
	if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "OPENAI_API_KEY") {
		t.Errorf("--resume without the key --set names: exit %d, %s; want 2 and %q alone", code, errOut, want)
	}
}

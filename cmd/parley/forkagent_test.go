package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistake in a fork's --agent value is said of the flag, as it was
// typed (its secrets hidden), not at a line of the scenario file, which
// holds no such mistake; the scenario's own mistakes are said at their
// lines in it.
func TestForkSaysAnAgentFlagsMistakesOfTheFlag(t *testing.T) {
	const secret = "SECRET5150"
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("title: seats\n\nagents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\n\ntermination: {max_messages: 6}\n"), 0o600)
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "parent")); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parent, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	// A scenario with a mistake of its own, at line 5, after a blank line.
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("title: seats\n\nagents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1], tempo: 3}\n\ntermination: {max_messages: 6}\n"), 0o600)

	for _, c := range []struct {
		name  string
		args  []string
		want  []string
		never []string
	}{
		{"an unknown provider", []string{"--agent", "B=bogus:x"},
			[]string{`parley: --agent B=bogus:x: agent "x": provider: "bogus" is not a known provider`}, []string{"s.yaml"}},
		{"a name the other seat has", []string{"--agent", "B={model: end, name: A}"},
			[]string{`--agent 'B={model: end, name: A}': both agents are named "A"; give each its own name`}, []string{"s.yaml"}},
		{"a provider whose key is not set", []string{"--agent", "B=openai:end"},
			[]string{`parley: --agent B=openai:end: agent "end" needs an API key: the environment variable OPENAI_API_KEY is not set`}, []string{"s.yaml"}},
		{"a seat given twice", []string{"--agent", "B={model: end}", "--agent", "B={model: ok}"},
			[]string{`parley: --agent 'B={model: end}' and --agent 'B={model: ok}' both hand seat "B" to a model; give each seat one --agent`}, []string{"no seat"}},
		{"a seat by the name an earlier --agent gave it", []string{"--agent", "B=ollama:end", "--agent", "end=ollama:x"},
			[]string{`parley: --agent end=ollama:x: no seat is named "end"; the seats are "A" and "B"`}, nil},
		{"an unknown seat, with a secret", []string{"--agent", "Z={model: m, headers: {X-Token: " + secret + "}}"},
			[]string{`no seat is named "Z"; the seats are "A" and "B"`}, []string{secret}},
		{"the scenario's own mistake beside the flag's", []string{"--scenario", broken, "--agent", "A=bogus:x"},
			[]string{broken + `:5: unknown field "tempo" in an agent`, `--agent A=bogus:x: agent "x": provider: "bogus" is not a known provider`}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"fork", parent[0], "--at", "3", "--no-tui", "--out", filepath.Join(dir, "fork")}, c.args...)
			code, _, errOut := parley(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d; want %d\n%s", code, exitUsage, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q; want it to say %q", errOut, w)
				}
			}
			for _, n := range c.never {
				if strings.Contains(errOut, n) {
					t.Errorf("stderr %q says %q", errOut, n)
				}
			}
		})
	}
	if forks, _ := filepath.Glob(filepath.Join(dir, "fork", "*")); len(forks) > 0 {
		t.Errorf("a refused fork recorded %v", forks)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
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

// A fork that hands a seat to a model says the scenario's warnings and a
// replay's problems at their lines in the file as written, which the seat
// handed over does not shift (its comments and blank lines kept out of
// the count), and what it says of the seat handed over, of the --agent
// flag as typed.
func TestForkSaysTheScenariosLinesAsWritten(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s, turn %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination: {max_messages: 6}\n"), 0o600)
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "parent")); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parent, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	// Seat A, which the fork hands over, takes lines 5 to 11, and the
	// rest sit below it: B's temperature at line 17, the min_messages
	// above the budget it guards at line 21.
	warned := filepath.Join(dir, "warned.yaml")
	os.WriteFile(warned, []byte(`# A scenario whose seats and rules sit at known lines.
title: A and B

agents:
  # The seat a fork hands to a model.
  - name: A
    type: scripted
    lines:
      - a1

      - a2

  # The seat that stays.
  - name: B
    type: scripted
    lines: [b1, b2, b3, b4]
    temperature: 0.5

termination:
  any:
    - min_messages: 7
    - max_messages: 6
    - max_cost: 1
`), 0o600)
	// The replay's recording, named at line 16, is not there.
	replay := filepath.Join(dir, "replay.yaml")
	os.WriteFile(replay, []byte(`# A scenario whose replay's recording is missing.
title: A and B

agents:
  # The seat a fork hands to a model.
  - name: A
    type: scripted
    lines:
      - a1

      - a2

  # The seat that replays.
  - name: B
    type: replay
    transcript: missing.jsonl
    speaker: B

termination: {max_messages: 6}
`), 0o600)
	flag := fmt.Sprintf("A={base_url: %s, model: unpriced-1}", srv.URL)
	shown := "--agent '" + flag + "'"
	// A key sent over plain http:// to a host that is not this machine,
	// said before the fork at message 6 is refused as one that would add
	// nothing: no request is sent.
	t.Setenv("PARLEY_FORK_LINES_KEY", "k")
	plain := "A={base_url: http://example.invalid/v1, model: m, api_key_env: PARLEY_FORK_LINES_KEY}"

	for _, c := range []struct {
		name     string
		scenario string
		at, flag string
		code     int
		want     []string
		never    []string
	}{
		{"the scenario's warnings", warned, "3", flag, exitOK, []string{
			warned + `:17: agent "B": temperature: does nothing for a scripted agent`,
			warned + `:21: termination: min_messages: 7 is above max_messages: 6`,
			shown + `: agent "unpriced-1": max_cost cannot count its messages`,
		}, []string{warned + `: agent "unpriced-1"`, warned + `:9`, warned + `:10`, warned + `:11`}},
		{"a replay's problem", replay, "3", flag, exitUsage, []string{
			replay + `:16: agent "B": transcript: `,
		}, nil},
		{"the seat handed over sends its key over http", warned, "6", plain, exitUsage, []string{
			"--agent '" + plain + `': agent "m" sends its API key over plain http:// to example.invalid`,
			warned + `:17: agent "B": temperature:`,
			"forked after message 6 would stop at once",
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, "fork", parent[0], "--at", c.at, "--no-tui", "--out", filepath.Join(dir, "fork"), "--scenario", c.scenario, "--agent", c.flag)
			if code != c.code {
				t.Errorf("exit %d; want %d\n%s%s", code, c.code, out, errOut)
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
}

// A resume of a fork that handed a seat to a model says the scenario's
// warnings and the keys it lacks at their lines in the file as written,
// and what it says of the seat handed over, its key included, of the
// fork's flag, where it named lines of the YAML the fork wrote back
// against the file's path, and the seat's key of the file.
// Once the file no longer holds the scenario (edited since), the resume
// runs the one recorded, and names the file without lines.
func TestAResumedForkSaysTheScenariosLinesAsWritten(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s, turn %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	// Seat A's model at line 8, its key's variable at line 9; the YAML
	// written back, without blank lines, moves them to 7 and 8.
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte(fmt.Sprintf(`# A scenario whose seats sit at known lines.
title: A and B

agents:
  # The seat that stays.
  - name: A
    base_url: %[1]s
    model: unpriced-a
    api_key_env: PARLEY_RESUME_LINES_KEY

  # The seat a fork hands to a model.
  - name: B
    type: scripted
    lines: [b1, b2, b3, b4]

termination: {max_messages: 4, max_cost: 1}
`, srv.URL)), 0o600)
	t.Setenv("PARLEY_RESUME_LINES_KEY", "k")
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "parent")); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parent, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	t.Setenv("PARLEY_RESUME_LINES_C_KEY", "k")
	flag := fmt.Sprintf("B={base_url: %s, model: unpriced-c, api_key_env: PARLEY_RESUME_LINES_C_KEY}", srv.URL)
	fork, _ := runFork(t, filepath.Join(dir, "fork"), parent[0], "--at", "3", "--agent", flag)
	shown := "fork --agent '" + flag + "'"
	resume := func(to string, code int, want, never []string) {
		t.Helper()
		got, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", to, fork)
		if got != code {
			t.Errorf("resume: exit %d; want %d\n%s%s", got, code, out, errOut)
		}
		for _, w := range want {
			if !strings.Contains(errOut, w) {
				t.Errorf("stderr %q; want it to say %q", errOut, w)
			}
		}
		for _, n := range never {
			if strings.Contains(errOut, n) {
				t.Errorf("stderr %q says %q", errOut, n)
			}
		}
	}
	t.Setenv("PARLEY_RESUME_LINES_KEY", "")
	t.Setenv("PARLEY_RESUME_LINES_C_KEY", "")
	resume("6", exitUsage, []string{
		scenario + `:9: agent "A" needs an API key: the environment variable PARLEY_RESUME_LINES_KEY is not set`,
		shown + `: agent "unpriced-c" needs an API key: the environment variable PARLEY_RESUME_LINES_C_KEY is not set`,
	}, []string{scenario + ":8", scenario + `: agent "unpriced-c"`})
	t.Setenv("PARLEY_RESUME_LINES_KEY", "k")
	t.Setenv("PARLEY_RESUME_LINES_C_KEY", "k")
	resume("6", exitOK, []string{
		scenario + `:8: agent "A": max_cost cannot count its messages`,
		shown + `: agent "unpriced-c": max_cost cannot count its messages`,
	}, []string{scenario + ":7", scenario + `: agent "unpriced-c"`})

	written, _ := os.ReadFile(scenario)
	os.WriteFile(scenario, []byte(strings.Replace(string(written), "model: unpriced-a", "model: edited", 1)), 0o600)
	served := len(srv.Requests())
	resume("8", exitOK, []string{
		scenario + `: agent "A": max_cost cannot count its messages`,
		shown + `: agent "unpriced-c": max_cost cannot count its messages`,
	}, []string{scenario + ":7", scenario + ":8", `"edited"`})
	for _, r := range srv.Requests()[served:] {
		if r.Body.Model != "unpriced-a" && r.Body.Model != "unpriced-c" {
			t.Errorf("the resume asked model %q; want the recorded scenario's", r.Body.Model)
		}
	}
}

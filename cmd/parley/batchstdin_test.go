package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// batch reads a scenario from standard input given as -, as run,
// validate and doctor do; batch.json records it, so --resume runs it with
// no file (and never reads a file that happens to be called stdin). One
// whose secrets batch.json would hide cannot be resumed, and is refused.
func TestBatchReadsAScenarioFromStandardInput(t *testing.T) {
	const secret = "SECRET7070"
	scenario := "title: piped\nagents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"
	withSecret := "agents:\n  - {name: A, base_url: 'http://127.0.0.1:9/v1', model: m, headers: {X-Token: " + secret + "}}\n  - {name: B, type: scripted, lines: [b1]}\ntermination: {max_messages: 3}\n"
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"a dry run", scenario, []string{"batch", "-", "-n", "2", "--dry-run"}, exitOK, "piped, run 2"},
		{"beside a file", scenario, []string{"batch", "../../configs/demo.yaml", "-", "--dry-run"}, exitOK, "piped, run 1"},
		{"a mistake, at its line", "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b], tempo: 1}\n", []string{"batch", "-", "--dry-run"}, exitUsage, `stdin:3: unknown field "tempo"`},
		{"given twice", scenario, []string{"batch", "-", "-", "--dry-run"}, exitUsage, "- is given twice; standard input holds one scenario, so give - once"},
		{"with secrets", withSecret, []string{"batch", "-", "--dry-run"}, exitUsage, "stdin: the scenario read from standard input holds secrets (a header's value, a URL's password or key), which batch.json keeps hidden, and --resume would read it again from its file, which standard input is not; save the scenario to a file and give the file to parley batch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parleyIn(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d; want %d and %q\nstdout:\n%s\nstderr:\n%s", code, c.code, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("the output shows the secret:\n%s%s", out, errOut)
			}
		})
	}

	dir := filepath.Join(t.TempDir(), "b")
	if code, out, errOut := parleyIn(t, scenario, "batch", "-", "-n", "2", "--out", dir, "--plain"); code != exitOK {
		t.Fatalf("batch -: exit %d\n%s%s", code, out, errOut)
	}
	m, err := batch.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Scenarios) != 1 || m.Scenarios[0].Path != stdinName || m.Scenarios[0].Source != scenario {
		t.Errorf("batch.json records %+v; want the scenario as read, named %s", m.Scenarios, stdinName)
	}
	if n := len(countJSONL(t, filepath.Join(dir, batch.RunsDir))); n != 2 {
		t.Errorf("%d transcripts; want 2", n)
	}
	// Resumed (its summary gone, so there is something to do) from a
	// folder where a file called stdin holds another scenario.
	os.Remove(filepath.Join(dir, "summary.md"))
	os.Remove(filepath.Join(dir, "summary.json"))
	t.Chdir(t.TempDir())
	os.WriteFile("stdin", []byte(strings.Replace(scenario, "max_messages: 3", "max_messages: 9", 1)), 0o600)
	code, out, errOut := parley(t, "batch", "--resume", dir, "--plain")
	if code != exitOK || strings.Contains(errOut, "changed") {
		t.Errorf("resume: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Errorf("the resumed batch wrote no summary: %v", err)
	}
}

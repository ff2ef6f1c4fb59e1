package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// warnings are the warning lines of a command's standard error.
func warnings(errOut string) []string {
	var out []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "parley: warning: ") {
			out = append(out, l)
		}
	}
	return out
}

// batch --dry-run warns as the batch it lists would, of the scenarios it
// would stage, its --set and --vary values applied, not of the files as
// written; so does a resume's dry run.
func TestBatchDryRunWarnsAsTheBatchWould(t *testing.T) {
	// Every request is refused, so that a batch with no budget ends.
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(http.StatusBadRequest, "No.")
	})
	dir := t.TempDir()
	scenario := func(name, rest string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, fmt.Appendf(nil, `agents:
  - {name: A, base_url: %[1]s, model: m1}
  - {name: B, base_url: %[1]s, model: m2}
opening: hello
%[2]s`, srv.URL, rest), 0o600)
		return path
	}
	noBudget := scenario("nobudget.yaml", "termination: {any: [{loop: {}}]}\n")
	five := scenario("five.yaml", "termination: {max_messages: 5}\n")
	limited := scenario("limited.yaml", "termination: {max_messages: 5}\nlimits:\n  openai: {concurrent: 2}\n")
	tests := []struct {
		name string
		args []string
		want string // a warning the batch gives, "" for none
	}{
		{"--set gives a budget", []string{noBudget, "--set", "termination={any: [{loop: {}}, {max_messages: 4}]}"}, ""},
		{"--set takes the budget away", []string{five, "--set", "termination={loop: {}}"}, "no rule ends the run on its own"},
		{"--vary takes the budget away in one run", []string{five, "--vary", "termination={loop: {}},{max_messages: 3}"}, "no rule ends the run on its own"},
		{"a limit that bounds nothing", []string{limited}, `limits: "openai" bounds none of the agents' requests`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprint("b", i))
			_, listed, dry := parley(t, append([]string{"batch", "--dry-run"}, tt.args...)...)
			code, stdout, real := parley(t, append([]string{"batch", "--plain", "-j", "1", "--out", out}, tt.args...)...)
			if code != exitOK && code != exitFailure {
				t.Fatalf("batch: exit %d\n%s%s", code, stdout, real)
			}
			if got, want := warnings(dry), warnings(real); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("--dry-run warns:\n%s\nthe batch warns:\n%s\n(listed %q)", strings.Join(got, "\n"), strings.Join(want, "\n"), listed)
			}
			if w := strings.Join(warnings(real), "\n"); (tt.want == "") != (w == "") || !strings.Contains(w, tt.want) {
				t.Errorf("the batch warns:\n%s\nwant %q", w, tt.want)
			}
			// A resume's dry run warns as the resume does.
			_, _, dry = parley(t, "batch", "--resume", out, "--retry-failed", "--dry-run")
			_, _, real = parley(t, "batch", "--resume", out, "--retry-failed", "--plain")
			if got, want := warnings(dry), warnings(real); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("--resume --dry-run warns:\n%s\nthe resume warns:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// Every flag of a batch is checked before anything is written, and on
// --dry-run too: a bad one leaves no batch folder for --resume to run,
// and the same command with the flag fixed runs.
func TestBatchChecksItsFlagsBeforeWritingAnything(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"), 0o600)
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"a pace that is no duration", []string{"--pace", "fast"}, `--pace "fast" is not a duration such as 0, 5ms or 20ms`},
		{"a pace below zero", []string{"--pace", "-1s"}, `--pace -1s must not be negative`},
		{"a queue that is no address", []string{"--queue", "127.0.0.1:4222"}, `--queue: "127.0.0.1:4222" is not a NATS server's address`},
		{"a pace beside a server's queue", []string{"--queue", "nats://127.0.0.1:1", "--pace", "0"}, "--pace applies to local runs; with --queue give it to each parley worker"},
		{"a queue folder without a queue", []string{"--queue-dir", filepath.Join(dir, "q")},
			"--queue-dir " + filepath.Join(dir, "q") + " applies to a queue this batch starts itself, which keeps its data there: add --queue embedded, or leave --queue-dir out"},
		{"a queue folder beside a server's queue", []string{"--queue", "nats://127.0.0.1:1", "--queue-dir", filepath.Join(dir, "q")},
			"--queue-dir " + filepath.Join(dir, "q") + " applies to a queue this batch starts itself"},
		{"a listening address without a queue", []string{"--queue-listen", "127.0.0.1:0"}, "--queue-listen 127.0.0.1:0 applies to a queue this batch starts itself"},
	}
	for _, tt := range tests {
		for _, dry := range []bool{false, true} {
			name := tt.name
			if dry {
				name += " with --dry-run"
			}
			t.Run(name, func(t *testing.T) {
				out := filepath.Join(dir, "b")
				args := append([]string{"batch", scenario, "--plain", "--out", out}, tt.flags...)
				if dry {
					args = append(args, "--dry-run")
				}
				code, stdout, errOut := parley(t, args...)
				if code != exitUsage || stdout != "" || !strings.Contains(errOut, tt.want) {
					t.Errorf("exit %d\n%s%s\nwant 2, nothing listed and %q", code, stdout, errOut, tt.want)
				}
				if _, err := os.Stat(out); err == nil {
					t.Errorf("the refused batch left %s behind", out)
					os.RemoveAll(out)
				}
			})
		}
	}
	out := filepath.Join(dir, "b")
	parley(t, "batch", scenario, "--plain", "--out", out, "--pace", "fast")
	if code, stdout, errOut := parley(t, "batch", scenario, "--plain", "--out", out, "--pace", "0"); code != exitOK {
		t.Fatalf("the same batch with --pace 0: exit %d\n%s%s", code, stdout, errOut)
	}
	code, stdout, errOut := parley(t, "batch", "--resume", out, "--pace", "fast", "--dry-run")
	if code != exitUsage || stdout != "" || !strings.Contains(errOut, `--pace "fast" is not a duration`) {
		t.Errorf("--resume --pace fast --dry-run: exit %d\n%s%s\nwant 2 and the sentence naming --pace", code, stdout, errOut)
	}
}

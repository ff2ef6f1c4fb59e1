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

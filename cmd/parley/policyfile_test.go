package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A policy file given to check, show or report whose rules are an empty
// list is refused as an empty file is, naming the file and line: nothing
// would ever stop. A scenario's empty termination: is only warned of.
func TestAPolicyFileOfNoRulesIsRefused(t *testing.T) {
	dir := t.TempDir()
	tr := writeCase(t, dir, "t", words(3), "stop_after: 3\n")
	cases := []struct {
		name, policy, want string
	}{
		{"termination: []", "termination: []\n", ":1: the policy holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100\n"},
		{"any: []", "any: []\n", ":1: any: [] holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100\n"},
		{"an empty all: among rules", "any:\n  - max_messages: 5\n  - all: []\n", ":3: all: [] holds no rules"},
		{"an empty file, as before", "", ": holds no policy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := writeFile(t, dir, "p.yaml", c.policy)
			for _, args := range [][]string{
				{"check", "--policy", pol, tr},
				{"show", "--no-tui", "--policy", pol, tr},
				{"report", "--policy", pol, "--out", filepath.Join(t.TempDir(), "r"), dir},
			} {
				if c.policy == "" && args[0] == "show" {
					continue // show's own sentence for an empty file
				}
				code, out, errOut := parley(t, args...)
				if code != exitUsage || !strings.Contains(errOut, pol+c.want) {
					t.Errorf("%s: exit %d, stderr %q (stdout %q); want exit %d and %q", args[0], code, errOut, out, exitUsage, pol+c.want)
				}
			}
		})
	}
	// A scenario with termination: [] still runs, warned of.
	scenario := writeFile(t, dir, "s.yaml", "agents:\n  - {name: A, provider: openai, model: m}\n  - {name: B, provider: openai, model: m}\ntermination: []\n")
	code, out, errOut := parley(t, "validate", "--offline", scenario)
	if code != exitOK || !strings.Contains(errOut, "warning: "+scenario+":4: termination: no rule ends the run on its own") {
		t.Errorf("validate: exit %d, stdout %q, stderr %q; want a warning and exit 0", code, out, errOut)
	}
}

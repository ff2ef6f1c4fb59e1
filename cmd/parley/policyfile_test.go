package main

import (
	"os"
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
			refusedEverywhere(t, writeFile(t, dir, "p.yaml", c.policy), tr, dir, c.want)
		})
	}
	// A scenario with termination: [] still runs, warned of.
	scenario := writeFile(t, dir, "s.yaml", "agents:\n  - {name: A, provider: openai, model: m}\n  - {name: B, provider: openai, model: m}\ntermination: []\n")
	code, out, errOut := parley(t, "validate", "--offline", scenario)
	if code != exitOK || !strings.Contains(errOut, "warning: "+scenario+":4: termination: no rule ends the run on its own") {
		t.Errorf("validate: exit %d, stdout %q, stderr %q; want a warning and exit 0", code, out, errOut)
	}
}

// A policy file that is no policy (a folder, a transcript given by
// mistake) or that gives a key twice is named with what to give instead,
// the same by check, show and report.
func TestABadPolicyFileSaysWhatToGive(t *testing.T) {
	dir := t.TempDir()
	tr := writeCase(t, dir, "t", words(3), "stop_after: 3\n")
	cases := []struct {
		name string
		path func() string
		want string
	}{
		{"a folder", func() string { return t.TempDir() }, ": is a directory; --policy takes one YAML file of rules"},
		{"a transcript", func() string { return tr }, ": is a transcript (3 messages), not a policy; --policy takes a YAML file of rules"},
		{"a key given twice", func() string {
			return writeFile(t, t.TempDir(), "p.yaml", "any:\n  - max_messages: 10\n  - loop: {count: 3, count: 5}\n")
		}, ":3: any[1].loop.count: is given twice, on line 3; keep one"},
		{"two documents", func() string {
			return writeFile(t, t.TempDir(), "p.yaml", "max_messages: 10\n---\nloop: {}\n")
		}, ":3: a second YAML document starts here, after a --- line; a policy file holds one policy, and parley would read the first alone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refusedEverywhere(t, c.path(), tr, dir, c.want)
		})
	}
}

// A scenario given as a policy file holds its rules in its termination:
// block; one without the block holds no rules, and its fields are none
// either: check, show, report and resume refuse it in one sentence that
// names the file and says how to go on, where each field was named an
// unknown rule. A rule written beside its fields, or a termination:
// misspelt, is named too.
func TestAScenarioWithNoTerminationBlockIsNoPolicy(t *testing.T) {
	dir := t.TempDir()
	tr := writeCase(t, dir, "t", words(3), "stop_after: 3\n")
	const agents = "agents:\n  - {name: S, type: scripted, lines: [a, b]}\n  - {name: T, type: scripted, lines: [c, d]}\n"
	const refused = ": is a scenario with no termination: block, so it holds no rules to judge by (a scenario without one runs under the default set); " +
		"add a termination: block to it, or leave --policy out to judge under the default set"
	cases := []struct {
		name, policy, want string
	}{
		{"agents alone", agents, refused + "\n"},
		{"a title and agents", "title: two scripts\n" + agents + "first: T\n", refused + "\n"},
		{"a roster", "roster:\n  agents:\n    - {name: A, provider: openai, model: m}\n    - {name: B, provider: openai, model: m}\n", refused + "\n"},
		{"a rule beside its fields", agents + "max_messages: 5\n", refused + "; its max_messages (line 4) is a rule, which goes in that block\n"},
		{"termination: misspelt", agents + "terminaton:\n  max_messages: 5\n", refused + "; its terminaton (line 4) is no field; did you mean termination:?\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refusedEverywhere(t, writeFile(t, dir, "s.yaml", c.policy), tr, dir, c.want)
		})
	}
	// A scenario with the block is read for it, and a bare policy stays
	// one, whatever its rules are named.
	for name, pol := range map[string]string{
		"a scenario's termination: block": agents + "termination:\n  max_messages: 2\n",
		"a bare policy":                   "max_messages: 2\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, dir, "s.yaml", pol)
			code, out, errOut := parley(t, "check", "--policy", p, tr)
			if code != exitFailure || !strings.Contains(out, "max_messages") {
				t.Errorf("check: exit %d, stdout %q, stderr %q; want the transcript judged by max_messages: 2, early", code, out, errOut)
			}
		})
	}
}

// refusedEverywhere holds that check, show, report and resume each refuse
// the policy file pol as a usage mistake, saying want after its name; tr
// is a transcript in the folder dir to judge. resume is given a recording
// of its own, which a budget stopped, and leaves it as it was.
func refusedEverywhere(t *testing.T, pol, tr, dir, want string) {
	t.Helper()
	rec := recordRun(t, t.TempDir(), "agents:\n  - {name: A, type: scripted, lines: [a, b, c]}\n  - {name: B, type: scripted, lines: [d, e, f]}\ntermination: {max_messages: 2}\n")
	before, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "--policy", pol, tr},
		{"show", "--no-tui", "--policy", pol, tr},
		{"report", "--policy", pol, "--out", filepath.Join(t.TempDir(), "r"), dir},
		{"resume", "--no-tui", "--policy", pol, rec},
	} {
		code, out, errOut := parley(t, args...)
		if code != exitUsage || !strings.Contains(errOut, pol+want) {
			t.Errorf("%s: exit %d, stderr %q (stdout %q); want exit %d and %q", args[0], code, errOut, out, exitUsage, pol+want)
		}
	}
	if after, _ := os.ReadFile(rec); string(after) != string(before) {
		t.Errorf("the refused resume changed %s", rec)
	}
}

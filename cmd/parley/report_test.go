package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/analysis"
)

const reportFixture = "../../report/testdata/fixture"

func TestReportWritesThreeFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep")
	code, stdout, stderr := parley(t, "report", reportFixture, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "7 conversations, 4 pairs (1 empty conversation and 1 conversation with no reply left out; 1 failed; 1 interrupted)") {
		t.Errorf("stdout %q", stdout)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r analysis.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Conversations) != 7 || r.Policy != "the default policy set" {
		t.Errorf("%d conversations judged by %q", len(r.Conversations), r.Policy)
	}
	for _, f := range []string{"report.html", "report.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// --policy judges with another set: max_messages 6 stops every conversation
// of more than six messages at 6.
func TestReportTakesAPolicy(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte("termination:\n  max_messages: 6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rep")
	if code, _, stderr := parley(t, "report", "--policy", pol, "--out", out, reportFixture); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r analysis.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Policy != pol {
		t.Errorf("judged by %q, want %s", r.Policy, pol)
	}
	for _, c := range r.Conversations {
		if c.Messages > 6 && (c.Stop != 6 || c.Rule != "max_messages") {
			t.Errorf("%s: stop %d by %q, want 6 by max_messages", c.File, c.Stop, c.Rule)
		}
	}
}

// A budget that stops a conversation in which nothing looks like a loop
// gives no loop start: no "Loop from", no sentence saying where the loop
// began, no label on the page's strip.
func TestReportNamesNoLoopWhereNothingLooksLikeOne(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "mm10.yaml")
	if err := os.WriteFile(pol, []byte("any:\n  - max_messages: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	writeCase(t, in, "healthy", words(24), "")
	out := filepath.Join(dir, "rep")
	if code, _, stderr := parley(t, "report", "--policy", pol, "--out", out, in); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, out)
	c := r.Conversations[0]
	for i, p := range c.Chance {
		if p >= c.Threshold {
			t.Fatalf("message %d's loop chance is %d%%, at the threshold of %d%%; the case needs a conversation with nothing loop-like", i+1, p, c.Threshold)
		}
	}
	if c.Stop != 10 || c.LoopStart != 0 || c.FirstLoop != "" {
		t.Errorf("stop %d, loop from %d begun by %q; want a stop at 10 and no loop", c.Stop, c.LoopStart, c.FirstLoop)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if strings.Contains(string(md), "The loop began") || !strings.Contains(string(md), "| after 10 (max_messages) | – |") {
		t.Errorf("report.md names a loop start:\n%s", md)
	}
	if strings.Contains(string(page), "loop from") || strings.Contains(string(page), "the loop began") {
		t.Error("report.html labels a loop start")
	}
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("termination:\n  max_mesages: 6\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{"report", reportFixture}, "--out REPORTDIR"},
		{"no folder", []string{"report", "--out", dir}, "one or more transcripts or directories"},
		{"a missing folder", []string{"report", "--out", dir, filepath.Join(dir, "nope")}, "no such transcript or directory"},
		{"a bad policy names its file", []string{"report", "--policy", bad, "--out", dir, reportFixture}, bad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := parley(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d naming %q", code, stderr, exitUsage, tc.want)
			}
		})
	}
}

// report scores no labels: a transcript whose label is faulty is reported
// all the same, with one warning naming the file and the label's problem,
// and the run succeeds.
func TestReportReadsTranscriptsWithFaultyLabels(t *testing.T) {
	dir := t.TempDir()
	labels := map[string]string{
		"sound":     "stop_after: 4\nstop_by: 6\n",
		"past":      "stop_after: 200\nstop_by: 210\n",
		"backwards": "stop_after: 4\nstop_by: 2\n",
		"misspelt":  "stop_after: 4\nstop_byy: 6\n",
		"none":      "",
	}
	for name, label := range labels {
		writeCase(t, dir, name, words(8), label)
	}
	code, out, errOut := parley(t, "report", "--out", filepath.Join(t.TempDir(), "r"), dir)
	if code != exitOK || !strings.Contains(out, "5 conversations") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want all 5 reported", code, out, errOut)
	}
	for name := range labels {
		n := strings.Count(errOut, "parley: warning: "+filepath.Join(dir, name+".md")+": its faulty label is ignored")
		want := 1
		if name == "sound" || name == "none" {
			want = 0
		}
		if n != want {
			t.Errorf("%s: warned %d times, want %d:\n%s", name, n, want, errOut)
		}
	}
	if strings.Contains(errOut, "could not be read") || strings.Count(errOut, "\n") != 3 {
		t.Errorf("stderr %q; want three warnings, one line each, and nothing unread", errOut)
	}
}

// A file that holds no message is left out of the report, and the last
// line says so; a folder of nothing else has nothing to report.
func TestReportLeavesOutEmptyConversations(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "talk", words(8), "")
	empty := filepath.Join(dir, "empty.md")
	os.WriteFile(empty, []byte("# A ↔ B\n\n---\n\n"), 0o600)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"one empty beside one that talks", []string{dir}, exitOK, "1 conversation, 1 pair (1 empty conversation left out): "},
		{"only an empty one", []string{empty}, exitFailure, "every conversation read in " + empty + " is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := parley(t, append([]string{"report", "--out", filepath.Join(t.TempDir(), "r")}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d saying %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

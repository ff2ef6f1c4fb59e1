package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

const seedPath = "../../transcripts/seed/kimi-k2-vs-grok-4.md"

func decodeResults(t *testing.T, out string) []checkResult {
	t.Helper()
	var rs []checkResult
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r checkResult
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("decoding %q: %v", out, err)
		}
		rs = append(rs, r)
	}
	return rs
}

// `parley check --json` on the seed: the default set stops it after the
// substance (15) and within a few messages of the loop's start (16).
func TestCheckJSONOnTheSeed(t *testing.T) {
	code, out, errOut := parley(t, "check", "--json", seedPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &raw); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"file", "messages", "stop_at", "policy", "reason", "pass", "expect"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the JSON lacks %q: %s", k, out)
		}
	}
	r := decodeResults(t, out)[0]
	if r.File != seedPath || r.Messages != 97 || r.StopAt == nil {
		t.Fatalf("result = %+v", r)
	}
	if *r.StopAt < 14 || *r.StopAt > 21 {
		t.Fatalf("stopped at %d; want after the substance (14) and by 21", *r.StopAt)
	}
	if *r.Policy == "" || *r.Reason == "" || r.Saved != 97-*r.StopAt {
		t.Errorf("policy %q, reason %q, saved %d", *r.Policy, *r.Reason, r.Saved)
	}
	if r.Pass == nil || !*r.Pass || r.Expect == nil || r.Expect.StopAfter != 14 || r.Expect.StopBy == nil || *r.Expect.StopBy != 21 {
		t.Errorf("the seed's expectation did not pass: %+v", r)
	}
	if !strings.Contains(errOut, `"passed":1`) {
		t.Errorf("no summary on stderr: %q", errOut)
	}
}

// The default set on parley's own labelled corpus (conversations parley
// recorded from scripted agents) and the seed: it cuts none short, stops
// the seed inside its window, and passes at least 13 of the 15. Two loops
// of that corpus run past their window: a one-sided refusal streak whose
// pusher rewords its demand every turn (the real conversations show one
// side refusing while the other brings new words is not yet dead, so the
// set leaves it running) and a slow paraphrase spiral, each turn a new
// word order of the last, that surface signals do not see at the default
// set's cautious threshold.
func TestDefaultSetOnParleysCorpus(t *testing.T) {
	_, out, errOut := parley(t, "check", "--json", "../../transcripts/corpus", "../../transcripts/seed")
	rs := decodeResults(t, out)
	kinds := map[string]bool{}
	passed := 0
	for _, r := range rs {
		name := strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File))
		kinds[strings.SplitN(name, "-", 2)[0]] = true
		if r.Pass == nil {
			t.Errorf("%s has no expectation", r.File)
			continue
		}
		if *r.Pass {
			passed++
		}
		if r.Verdict == "early" {
			t.Errorf("%s: cut %d early (stopped at %d): %s", r.File, r.Cut, *r.StopAt, *r.Reason)
		}
		if strings.HasSuffix(r.File, "kimi-k2-vs-grok-4.md") && !*r.Pass {
			t.Errorf("the seed: %s", r.Verdict)
		}
	}
	if len(rs) < 15 || !kinds["loop"] || !kinds["healthy"] {
		t.Errorf("checked %d transcripts (%v); want the whole corpus and the seed", len(rs), kinds)
	}
	if passed < 13 {
		t.Errorf("%d of %d passed; want at least 13\n%s", passed, len(rs), errOut)
	}
	// Each recording is read once, from its JSONL.
	for _, r := range rs {
		if strings.Contains(r.File, "/corpus/") && r.Layout != transcripts.LayoutJSONL {
			t.Errorf("%s read as %s", r.File, r.Layout)
		}
	}
}

// writeCase writes a transcript and, when expect is not empty, its sidecar.
func writeCase(t *testing.T, dir, name string, contents []string, expect string) string {
	t.Helper()
	tr := &transcripts.Transcript{Title: "A ↔ B"}
	for i, c := range contents {
		sp := "A"
		if i%2 == 1 {
			sp = "B"
		}
		tr.Messages = append(tr.Messages, transcripts.Message{Speaker: sp, Content: c})
	}
	var buf bytes.Buffer
	if err := transcripts.WriteMarkdown(&buf, tr); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".md")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if expect != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".expect.yaml"), []byte(expect), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func words(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Point %d brings fresh words: apple%d river%d stone%d cloud%d lamp%d.", i, i, i, i, i, i)
	}
	return out
}

func TestCheckExpectations(t *testing.T) {
	dir := t.TempDir()
	endAt := func(n int) []string { // [END] exchange at messages n-1 and n, then more
		ms := words(n - 2)
		return append(ms, "done [END]", "done [END]", "x", "y")
	}
	writeCase(t, dir, "pass", endAt(10), "stop_after: 8\nstop_by: 11\n")
	writeCase(t, dir, "late", endAt(10), "stop_after: 3\nstop_by: 7\n")
	writeCase(t, dir, "cut", endAt(10), "stop_after: 12\nstop_by: 13\n")
	writeCase(t, dir, "healthy-cut", endAt(10), "stop_after: 12\n")
	// Healthy, but nothing new after message 9: a stop at 10 cut nothing
	// new, and the corpus scores it late, not early.
	writeCase(t, dir, "healthy-past", endAt(10), "stop_after: 9\n")
	writeCase(t, dir, "healthy", words(12), "stop_after: 12\n")
	writeCase(t, dir, "unlabelled", words(3), "")
	policyFile := filepath.Join(dir, "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)

	code, out, errOut := parley(t, "check", "--json", "--policy", policyFile, dir)
	if code != exitFailure {
		t.Errorf("exit %d, want %d for failed expectations", code, exitFailure)
	}
	want := map[string]struct {
		result string
		wasted int
		cut    int
	}{
		"pass": {"pass", 0, 0}, "late": {"late", 3, 0}, "cut": {"early", 0, 2},
		"healthy-cut": {"early", 0, 2}, "healthy-past": {"late", 0, 0}, "healthy": {"pass", 0, 0}, "unlabelled": {"unlabelled", 0, 0},
	}
	rs := decodeResults(t, out)
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d:\n%s", len(rs), len(want), out)
	}
	for _, r := range rs {
		name := strings.TrimSuffix(filepath.Base(r.File), ".md")
		w := want[name]
		if r.Verdict != w.result || r.Wasted != w.wasted || r.Cut != w.cut {
			t.Errorf("%s: result %s, wasted %d, cut %d; want %+v", name, r.Verdict, r.Wasted, r.Cut, w)
		}
		if name == "unlabelled" && r.Pass != nil {
			t.Errorf("an unlabelled transcript has pass = %v", *r.Pass)
		}
	}
	for _, s := range []string{`"labelled":6`, `"passed":2`, `"cut_too_early":2`, `"stopped_late":2`, `"messages_wasted":3`} {
		if !strings.Contains(errOut, s) {
			t.Errorf("summary lacks %s: %s", s, errOut)
		}
	}

	// The table says the same.
	code, out, _ = parley(t, "check", "--policy", policyFile, dir)
	for _, s := range []string{"TRANSCRIPT", "FAIL 3 late", "FAIL cut 2 early", "7 transcripts, 6 labelled: 2 passed (33%), 2 cut too early, 2 stopped late, 3 messages wasted"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if code != exitFailure {
		t.Errorf("table run exit %d", code)
	}
}

// Labels kept in one labels.json table, as the labelled corpus keeps
// them, score the transcripts they list; a table that cannot be read is
// named once, not once for every transcript it was to label.
func TestCheckReadsALabelTable(t *testing.T) {
	dir := t.TempDir()
	endAt := append(words(8), "done [END]", "done [END]", "x", "y")
	os.MkdirAll(filepath.Join(dir, "runs"), 0o700)
	writeCase(t, filepath.Join(dir, "runs"), "pass", endAt, "")
	writeCase(t, filepath.Join(dir, "runs"), "late", endAt, "")
	table := `{"transcripts": [
		{"file": "runs/pass.md", "stop_after": 8, "stop_by": 11, "loop_kind": "farewell"},
		{"file": "runs/late.md", "stop_after": 3, "stop_by": 7}
	]}`
	os.WriteFile(filepath.Join(dir, "labels.json"), []byte(table), 0o600)
	policyFile := filepath.Join(dir, "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)

	code, out, errOut := parley(t, "check", "--policy", policyFile, filepath.Join(dir, "runs"))
	if code != exitFailure || !strings.Contains(out, "2 transcripts, 2 labelled: 1 passed (50%), 0 cut too early, 1 stopped late") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if strings.Contains(errOut, "labels.json") {
		t.Errorf("the table was read as a transcript, or warned about:\n%s", errOut)
	}

	// Saved with a byte order mark, as Windows editors save it, it reads
	// the same.
	os.WriteFile(filepath.Join(dir, "labels.json"), append([]byte("\ufeff"), table...), 0o600)
	code, out, errOut = parley(t, "check", "--policy", policyFile, filepath.Join(dir, "runs"))
	if code != exitFailure || !strings.Contains(out, "2 transcripts, 2 labelled: 1 passed (50%)") {
		t.Errorf("with a byte order mark: exit %d:\n%s%s", code, out, errOut)
	}

	os.WriteFile(filepath.Join(dir, "labels.json"), []byte(`{"transcripts": [{"stop_after": 3}]}`), 0o600)
	code, _, errOut = parley(t, "check", "--policy", policyFile, filepath.Join(dir, "runs"))
	want := filepath.Join(dir, "labels.json") + ":1: transcript 1: names no file"
	if code != exitFailure || strings.Count(errOut, want) != 1 || !strings.Contains(errOut, "2 files could not be read") {
		t.Errorf("exit %d; want the table's fault named once and both files unread:\n%s", code, errOut)
	}
}

// A table's row naming a parley recording's NAME.md labels it when the
// folder's walk reads its NAME.jsonl in its place, as NAME.expect.yaml
// labels both.
func TestALabelTableRowLabelsTheRecordingsJSONL(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	os.MkdirAll(runs, 0o700)
	writeCase(t, runs, "run1", append(words(8), "done [END]", "done [END]", "x", "y"), "")
	md := filepath.Join(runs, "run1.md")
	if code, out, errOut := parley(t, "convert", md, filepath.Join(runs, "run1.jsonl")); code != exitOK {
		t.Fatalf("convert: exit %d\n%s%s", code, out, errOut)
	}
	os.WriteFile(filepath.Join(dir, "labels.json"), []byte(`{"transcripts": [{"file": "runs/run1.md", "stop_after": 8, "stop_by": 11}]}`), 0o600)
	policyFile := filepath.Join(dir, "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)
	code, out, errOut := parley(t, "check", "--policy", policyFile, dir)
	if code != exitOK || !strings.Contains(out, "run1.jsonl") || !strings.Contains(out, "1 transcript, 1 labelled: 1 passed") {
		t.Errorf("exit %d; want run1.jsonl judged under its row:\n%s%s", code, out, errOut)
	}
}

// A table none of whose rows match says so, even when the first file the
// walk asks it about is no transcript (notes beside the transcripts).
func TestALabelTableMatchingNothingSaysSo(t *testing.T) {
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)
	for range 5 { // the two workers take the files in either order
		dir := t.TempDir() // a table's warnings are said once in a process
		os.WriteFile(filepath.Join(dir, "0-NOTES.md"), []byte("Notes on the runs, no conversation.\n"), 0o600)
		for _, name := range []string{"a", "b"} {
			writeCase(t, dir, name, append(words(8), "done [END]", "done [END]"), "")
		}
		os.WriteFile(filepath.Join(dir, "labels.json"), []byte(`{"transcripts": [{"file": "corpus/a.md", "stop_after": 8}, {"file": "corpus/b.md", "stop_after": 8}]}`), 0o600)
		_, out, errOut := parley(t, "check", "--policy", policyFile, dir)
		if want := "labels.json: 2 of its transcripts are not there: corpus/a.md, corpus/b.md"; !strings.Contains(errOut, want) {
			t.Fatalf("stderr lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
}

// check and report take FILE#N, the name check gives each conversation of
// a file that holds several, and read that one alone.
func TestCheckReadsOneConversationOfAFileAsItNamesIt(t *testing.T) {
	dir := t.TempDir()
	multi := filepath.Join(dir, "multi.json")
	os.WriteFile(multi, []byte(`[{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"},{"from":"human","value":"more?"},{"from":"gpt","value":"yes"}]},`+
		`{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"}]}]`), 0o600)
	_, out, errOut := parley(t, "check", multi+"#2")
	if !strings.Contains(out, multi+"#2 ") || strings.Contains(out, multi+"#1") || !strings.Contains(out, "\n1 transcript, ") {
		t.Errorf("check FILE#2:\n%s%s", out, errOut)
	}
	code, _, errOut := parley(t, "check", multi+"#3")
	if want := "holds 2 conversations, numbered from 1"; code != exitFailure || !strings.Contains(errOut, want) {
		t.Errorf("check FILE#3: exit %d, stderr %q; want %q", code, errOut, want)
	}
	if code, out, errOut := parley(t, "report", "--out", filepath.Join(dir, "r"), multi+"#1"); code != exitOK || !strings.Contains(out, "1 conversation") {
		t.Errorf("report FILE#1: exit %d\n%s%s", code, out, errOut)
	}
	// A label of a file of one conversation scores FILE#1 as it scores
	// the file, so a CI gate given FILE#1 fails as one given FILE does.
	one := writeCase(t, dir, "one", words(6), "stop_after: 2\nstop_by: 3\n")
	code, out, errOut = parley(t, "check", one+"#1")
	if code != exitFailure || !strings.Contains(out, one+"#1") || !strings.Contains(out, "2..3") || !strings.Contains(out, "FAIL") {
		t.Errorf("check FILE#1 of a labelled file: exit %d\n%s%s", code, out, errOut)
	}
	// A label of a file of several conversations scores none of them,
	// and says so.
	os.WriteFile(filepath.Join(dir, "multi.expect.yaml"), []byte("stop_after: 2\nstop_by: 3\n"), 0o600)
	code, out, errOut = parley(t, "check", multi+"#2")
	if code != exitOK || !strings.Contains(out, "unlabelled") || !strings.Contains(errOut, "labels "+multi+", which holds 2 conversations; a label of a file scores one conversation, so "+multi+"#2 is not scored") {
		t.Errorf("check FILE#2 of a labelled export: exit %d\n%s%s", code, out, errOut)
	}
}

func TestCheckSweep(t *testing.T) {
	dir := t.TempDir()
	// Both sides sign off at 5–6, then echo; the window is 4..8.
	writeCase(t, dir, "echo", append(words(4), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]"), "stop_after: 4\nstop_by: 8\n")
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("termination:\n  any:\n    - end_token: {exchanges: 1}\n    - repetition: {threshold: 0.85, window: 4, count: 3}\n"), 0o600)
	code, out, errOut := parley(t, "check", "--policy", pol, "--sweep", "end_token.exchanges=1..4", "--sweep", "repetition.threshold=0.9,0.95", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "END_TOKEN.EXCHANGES") || !strings.Contains(lines[0], "REPETITION.THRESHOLD") || !strings.Contains(lines[0], "WASTED") {
		t.Fatalf("header = %q", lines[0])
	}
	rows := map[string]string{}
	for _, l := range lines[1:9] {
		f := strings.Fields(l)
		rows[f[0]+" "+f[1]] = f[2] + " wasted " + f[5]
	}
	// One exchange stops at 6, two at 8 (pass); three at 10 and four at 12 are late —
	// unless repetition of the bare [END] stops it first (window 4, three in a row: at 10).
	wantRows := map[string]string{
		"1 0.9": "1/1 wasted 0", "2 0.9": "1/1 wasted 0", "3 0.9": "0/1 wasted 2", "4 0.9": "0/1 wasted 2",
	}
	for k, v := range wantRows {
		if rows[k] != v {
			t.Errorf("row %s = %q, want %q\n%s", k, rows[k], v, out)
		}
	}
	if !strings.Contains(out, "← best") || !strings.Contains(out, "8 points over 1 transcript (1 labelled)") {
		t.Errorf("no best mark or footer:\n%s", out)
	}
	for l := range strings.Lines(out) {
		if strings.HasSuffix(strings.TrimSuffix(l, "\n"), " ") {
			t.Errorf("line %q ends in spaces", l)
		}
	}

	// Two folders: each has its own column of passes and conversations cut short.
	other := t.TempDir()
	writeCase(t, other, "early", append(words(2), "bye [END]", "bye [END]", "more words here", "and new ones"), "stop_after: 6\nstop_by: null\n")
	code, out, errOut = parley(t, "check", "--policy", pol, "--sweep", "end_token.exchanges=1,2", dir, other)
	if code != exitOK {
		t.Fatalf("two folders: exit %d\n%s%s", code, out, errOut)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if h := lines[0]; !strings.Contains(h, strings.ToUpper(filepath.Base(dir))) || !strings.Contains(h, strings.ToUpper(filepath.Base(other))) {
		t.Fatalf("two folders: header %q names neither folder", h)
	}
	// One exchange: the echo passes, the other is cut at 4; two: both pass.
	if !strings.Contains(lines[1], "1/1, 0 early  0/1, 1 early  1/2") || !strings.Contains(lines[2], "1/1, 0 early  1/1, 0 early  2/2") {
		t.Errorf("two folders:\n%s", out)
	}

	code, out, _ = parley(t, "check", "--json", "--policy", pol, "--sweep", "end_token.exchanges=5,50", dir)
	if code != exitOK || strings.Count(out, `"settings"`) != 2 || !strings.Contains(out, `"end_token.exchanges":"5"`) {
		t.Errorf("--json sweep (exit %d):\n%s", code, out)
	}
}

// A sweep's best point is the one a user is told to choose: --json marks
// the same point the table does, and with no label to judge by, neither
// calls any point best.
func TestCheckSweepBestPoint(t *testing.T) {
	labelled := t.TempDir()
	// Both sides sign off at 5–6, then echo; the window is 4..8.
	writeCase(t, labelled, "echo", append(words(4), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]"), "stop_after: 4\nstop_by: 8\n")
	unlabelled := t.TempDir()
	writeCase(t, unlabelled, "echo", append(words(4), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]"), "")
	pol := filepath.Join(labelled, "policy.yaml")
	os.WriteFile(pol, []byte("end_token: {exchanges: 1}\n"), 0o600)
	cases := []struct {
		name, dir string
		json      bool
		sweep     string
		best      []string // the rows or objects marked best
		footer    string
	}{
		{"table, labelled", labelled, false, "end_token.exchanges=4,3,5", []string{"3 "}, "The best point passes most"},
		{"json, labelled", labelled, true, "end_token.exchanges=4,3,5", []string{`"end_token.exchanges":"3"`}, ""},
		{"table, unlabelled", unlabelled, false, "end_token.exchanges=4,3,5", nil, "No transcript is labelled, so no point can be called best"},
		{"json, unlabelled", unlabelled, true, "end_token.exchanges=4,3,5", nil, ""},
		// Points the labels cannot tell apart are each marked.
		{"table, a tie", labelled, false, "end_token.exchanges=1,2,3", []string{"1 ", "2 "}, "2 points tie as best: the labels cannot tell them apart"},
		{"json, a tie", labelled, true, "end_token.exchanges=1,2,3", []string{`"1"`, `"2"`}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"check", "--policy", pol, "--sweep", c.sweep, c.dir}
			if c.json {
				args = slices.Insert(args, 1, "--json")
			}
			code, out, errOut := parley(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			var best []string
			for l := range strings.Lines(out) {
				if strings.Contains(l, "← best") || strings.Contains(l, `"best":true`) {
					best = append(best, l)
				}
			}
			if len(best) != len(c.best) {
				t.Fatalf("marked best: %q, want %q\n%s", best, c.best, out)
			}
			for i := range best {
				if !strings.Contains(best[i], c.best[i]) {
					t.Errorf("marked best: %q, want %q\n%s", best, c.best, out)
				}
			}
			if !strings.Contains(out, c.footer) {
				t.Errorf("no %q:\n%s", c.footer, out)
			}
		})
	}
}

// A sweep whose values move no stop says so, where it would blame the
// labels for a tie: here the default set's min_messages: 4 guard holds a
// max_messages of 2 or 3 until message 4, and the points tie because the
// setting changed nothing.
func TestCheckSweepThatMovesNoStop(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "six", words(6), "stop_after: 1\nstop_by: 2\n")
	const nothing = "Every transcript stops at the same message at every point"
	for _, c := range []struct {
		sweep string
		says  bool
	}{
		{"max_messages=2,3", true},
		{"max_messages=2,5", false}, // 5 stops later than the guard's 4
	} {
		t.Run(c.sweep, func(t *testing.T) {
			code, out, errOut := parley(t, "check", "--sweep", c.sweep, dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if got := strings.Contains(out, nothing); got != c.says {
				t.Errorf("says the values change nothing: %v, want %v\n%s", got, c.says, out)
			}
			if c.says && strings.Contains(out, "the labels cannot tell them apart") {
				t.Errorf("blames the labels for a tie the setting made:\n%s", out)
			}
		})
	}
}

func TestCheckErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	tr := writeCase(t, dir, "t", words(3), "")
	bad := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	typo := bad("typo.yaml", "termination:\n  any:\n    - repetition:\n        treshold: 0.9\n")
	syntax := bad("syntax.yaml", "termination:\n  any: [\n")
	regex := bad("regex.yaml", "stop_pattern: '(oops'\n")
	twoTypos := bad("two.yaml", "any:\n  - max_mesages: 3\n  - loop: {cnt: 3}\n")
	good := bad("good.yaml", "max_messages: 5\n")
	quoted := bad("quoted.yaml", "max_messages: \"50\"\n")
	high := bad("high.yaml", "loop:\n  threshold: high\n")
	os.WriteFile(filepath.Join(dir, "u.expect.yaml"), []byte("stop_after: 1\nstop_bye: 3\n"), 0o600)
	writeCase(t, dir, "u", words(3), "")
	os.WriteFile(filepath.Join(dir, "u.expect.yaml"), []byte("stop_after: 1\nstop_bye: 3\n"), 0o600)
	bad("notes.md", "# Notes\n\nno conversation here\n")
	bad("notes.expect.yaml", "stop_after: 1\nstop_by: null\n")
	bad("plain.md", "no conversation here either\n")
	several := writeCase(t, dir, "several", words(3), "stop_after: fifteen\nloops: [3]\n")
	empty := t.TempDir()
	beyond := writeCase(t, dir, "beyond", words(3), "stop_after: 3\nstop_by: 500\n")
	unstopped := writeCase(t, dir, "unstopped", words(3), "stop_by: 3\n")

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown field in the policy", []string{"check", "--policy", typo, tr}, exitUsage, typo + `:4: repetition: unknown field "treshold"; did you mean "threshold"?`},
		{"YAML syntax", []string{"check", "--policy", syntax, tr}, exitUsage, syntax + ":"},
		{"bad regex", []string{"check", "--policy", regex, tr}, exitUsage, regex + `:1: stop_pattern "(oops"`},
		{"bad sweep spec", []string{"check", "--sweep", "end_token.exchanges", tr}, exitUsage, "RULE.FIELD=A..B"},
		{"sweep over a missing rule", []string{"check", "--policy", good, "--sweep", "stagnation.count=2..3", tr}, exitUsage,
			`parley: --sweep "stagnation.count=2..3": the policy in ` + good + " has no stagnation rule to vary; add one to it\n"},
		{"sweep over a rule the default set lacks", []string{"check", "--sweep", "refusal.in_a_row=2,3", tr}, exitUsage,
			`parley: --sweep "refusal.in_a_row=2,3": the default policy set holds no refusal rule to vary; to sweep it, write a policy file that holds one and give it with --policy FILE` + "\n"},
		{"every mistake in the policy", []string{"check", "--policy", twoTypos, tr}, exitUsage, twoTypos + `:2: unknown termination policy "max_mesages"; did you mean "max_messages"? (the policies are all, any, end_token, judge, loop, max_cost, max_duration, max_messages, max_tokens, min_messages, refusal, repetition, stagnation, stop_pattern)` + "\n" + twoTypos + `:3: loop: unknown field "cnt"; did you mean "count"?`},
		{"the same field swept twice", []string{"check", "--sweep", "loop.count=3,4", "--sweep", "loop.count=5", tr}, exitUsage,
			`parley: --sweep "loop.count=5": loop.count is already swept by --sweep "loop.count=3,4"; give all its values in one --sweep, such as --sweep loop.count=3,4,5` + "\n"},
		{"sweep over a misspelt field", []string{"check", "--sweep", "loop.cnt=3", tr}, exitUsage, `parley: --sweep "loop.cnt=3": loop: unknown field "cnt"; did you mean "count"? (loop takes threshold, count,`},
		{"a sweep value that is text", []string{"check", "--sweep", "loop.count=a", tr}, exitUsage, `parley: --sweep "loop.count=a": loop.count: "a" is text, not a whole number` + "\n"},
		{"a sweep value with a fraction", []string{"check", "--sweep", "loop.count=4.5", tr}, exitUsage, `parley: --sweep "loop.count=4.5": loop.count: 4.5 is not a whole number` + "\n"},
		{"two sweeps' values, each named", []string{"check", "--sweep", "loop.threshold=high", "--sweep", "max_messages=0", tr}, exitUsage,
			`parley: --sweep "loop.threshold=high": loop.threshold: "high" is text, not a number` + "\n" + `--sweep "max_messages=0": max_messages is 0; it takes a whole number of at least 1` + "\n"},
		{"a quoted number in the policy", []string{"check", "--policy", quoted, tr}, exitUsage, quoted + `:1: max_messages: "50" is text, not a whole number; write it without quotes, as max_messages: 50` + "\n"},
		{"text for a loop setting", []string{"check", "--policy", high, tr}, exitUsage, high + `:2: loop.threshold: "high" is text, not a number` + "\n"},
		{"no such transcript", []string{"check", filepath.Join(dir, "missing.md")}, exitUsage, "missing.md: no such transcript"},
		{"a folder with no transcript in it", []string{"check", empty}, exitFailure, "no transcripts found in " + empty},
		{"no such policy file", []string{"check", "--policy", filepath.Join(dir, "nope.yaml"), tr}, exitUsage, "parley: the policy file " + filepath.Join(dir, "nope.yaml") + " does not exist\n"},
		{"show under no such policy file", []string{"show", "--no-tui", "--policy", filepath.Join(dir, "nope.yaml"), tr}, exitUsage, "parley: the policy file " + filepath.Join(dir, "nope.yaml") + " does not exist\n"},
		{"bad expectation", []string{"check", filepath.Join(dir, "u.md")}, exitFailure, filepath.Join(dir, "u.expect.yaml") + `:2: unknown field "stop_bye"`},
		{"every problem of a label, one sentence each", []string{"check", several}, exitFailure,
			filepath.Join(dir, "several.expect.yaml") + `:1: stop_after holds "fifteen"; it takes a whole number: the last message that adds something new` + "\n" +
				filepath.Join(dir, "several.expect.yaml") + `:2: loops: item 1 holds 3; it takes a [first, last] pair of message numbers, such as [18, 24]` + "\n"},
		{"a label beyond its transcript", []string{"check", beyond}, exitFailure,
			filepath.Join(dir, "beyond.expect.yaml") + ":2: stop_by is 500, but the transcript has 3 messages; it takes the loop's first message + 6, at most 9, or null when the conversation is healthy to its end\n"},
		{"a label without stop_after", []string{"check", unstopped}, exitFailure,
			filepath.Join(dir, "unstopped.expect.yaml") + ": has no stop_after; give the last message that adds something new\n"},
		{"no arguments", []string{"check"}, exitUsage, "one or more transcripts"},
		{"a labelled file in no layout parley reads", []string{"check", dir}, exitFailure, filepath.Join(dir, "notes.md") + ": not a transcript layout parley knows"},
		{"a file named on the command line in no layout parley reads", []string{"check", filepath.Join(dir, "plain.md")}, exitFailure, filepath.Join(dir, "plain.md") + ": not a transcript layout parley knows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q (stdout %q); want exit %d and %q", code, errOut, out, c.code, c.want)
			}
		})
	}
}

func TestCheckReadsOtherLayouts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "backrooms.txt"), []byte("### Claude 1 ###\nhello\n\n### Claude 2 ###\n^C^C\n\n### Claude 1 ###\n^C^C\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "chat.json"), []byte(`{"messages":[{"role":"user","content":"a [END]"},{"role":"assistant","content":"b [END]"}]}`), 0o600)
	os.WriteFile(filepath.Join(dir, "chat.expect.yaml"), []byte("stop_after: 2\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "share.json"), []byte(`{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}]}`), 0o600)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a transcript\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "labelled.md"), []byte("# A ↔ B\n\n## A\n\nhello\n\n## B\n\n^C^C\n\n## A\n\n^C^C\n\n## B\n\nbye\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "turns.json"), []byte(`{"turns":[{"speaker":"A","text":"a"},{"speaker":"B","text":"b"}]}`), 0o600)
	// A table of one message is a conversation, as JSON of one is.
	os.WriteFile(filepath.Join(dir, "one.csv"), []byte("speaker,text\nA,hello there\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "one.tsv"), []byte("speaker\ttext\nA\thello there\n"), 0o600)
	// Notes beside the transcripts are no conversation: skipped, saying so.
	os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("# What we found\n\n## Loops\n\nMost end in farewells.\n"), 0o600)
	policyFile := filepath.Join(dir, "p.yaml")
	os.WriteFile(policyFile, []byte("any: [{end_token: {token: '^C^C', exchanges: 1}}, {end_token: {exchanges: 1}}]\n"), 0o600)
	code, out, errOut := parley(t, "check", "--json", "--policy", policyFile, dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got := map[string]string{}
	for _, r := range decodeResults(t, out) {
		at := "-"
		if r.StopAt != nil {
			at = fmt.Sprint(*r.StopAt)
		}
		got[filepath.Base(r.File)] = r.Layout + " " + at
	}
	want := map[string]string{"backrooms.txt": "headed 3", "chat.json": "openai-messages 2", "share.json": "sharegpt -",
		"labelled.md": "speaker-labelled 3", "turns.json": "turns-json -", "one.csv": "table -", "one.tsv": "table -"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("checked %v; README.md and NOTES.md must be skipped", got)
	}
	if skip := filepath.Join(dir, "NOTES.md") + ": skipped: not a conversation in any layout parley reads"; !strings.Contains(errOut, skip) {
		t.Errorf("stderr %q; want %q", errOut, skip)
	}
}

// A file whose own name ends in #N, as check names a file's Nth
// conversation, is read in a folder's walk as the file it is, alone or
// beside the file its name starts with.
func TestCheckReadsAFileNamedLikeAConversation(t *testing.T) {
	for _, beside := range []bool{false, true} {
		t.Run(fmt.Sprintf("beside t.json: %v", beside), func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "t.json#2"), []byte(`{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}`), 0o600)
			if beside {
				os.WriteFile(filepath.Join(dir, "t.json"), []byte(`{"messages":[{"role":"user","content":"x"}]}`), 0o600)
			}
			code, out, errOut := parley(t, "check", "--json", dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			got := map[string]int{}
			for _, r := range decodeResults(t, out) {
				got[filepath.Base(r.File)] = r.Messages
			}
			want := map[string]int{"t.json#2": 3}
			if beside {
				want["t.json"] = 1
			}
			if !maps.Equal(got, want) {
				t.Errorf("checked %v, want %v\n%s", got, want, errOut)
			}
		})
	}
}

// A broken transcript in a folder fails check, as it does when named: a
// table of messages whose quote never closes, and JSON whose "messages"
// is a text, are named with their lines, not skipped as notes are; data
// that merely uses a transcript's keys is skipped.
func TestCheckFailsABrokenTranscriptInAFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.txt"), []byte("Ada: hello there\n\nBix: hi back\n\nAda: how are you\n\nBix: fine, thanks\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "chat.csv"), []byte("speaker,text\nClaude,\"Hello\nGPT,Hi\nClaude,How are you?\nGPT,Fine\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "chat.json"), []byte(`{"messages": "oops"}`+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("# What we found\n\n## Loops\n\nMost end in farewells.\n"), 0o600)
	// Data that uses a transcript's keys, and JSON with comments, are
	// skipped as the notes are.
	os.WriteFile(filepath.Join(dir, "stats.json"), []byte(`{"conversations": 3}`), 0o600)
	os.WriteFile(filepath.Join(dir, "prices.json"), []byte(`{"history": [{"date": "2024-01-01", "value": 3}, {"date": "2024-01-02", "value": 4}]}`), 0o600)
	os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte("{\n  \"extends\": \"./base.json\", // shared\n  \"include\": [\"src\"]\n}\n"), 0o600)
	code, out, errOut := parley(t, "check", dir)
	if code != exitFailure || !strings.Contains(out, "1 transcript (and 2 files that could not be read)") {
		t.Fatalf("exit %d; want 1 and two files unread:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		filepath.Join(dir, "chat.csv") + ": a table of messages (its header names a speaker and a text column) that does not read: the text in double quotes that opens on line 2 is not closed",
		filepath.Join(dir, "chat.json") + `: line 1: its "messages" is a string, not a list of messages`,
		filepath.Join(dir, "NOTES.md") + ": skipped: not a conversation in any layout parley reads",
		filepath.Join(dir, "stats.json") + ": skipped: not a conversation in any layout parley reads",
		filepath.Join(dir, "prices.json") + ": skipped: not a conversation in any layout parley reads",
		filepath.Join(dir, "tsconfig.json") + ": skipped: not a conversation in any layout parley reads",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// A moderator's note after the last spoken message is no message of the
// conversation's: a stop at the last spoken message of a conversation
// healthy to the end passes, and the note is not counted as saved.
func TestCheckScoresAgainstTheLastSpokenMessage(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := range 10 {
		lines = append(lines, fmt.Sprintf("%s: message %d, with fresh words w%da w%db w%dc", []string{"Ada", "Bix"}[i%2], i+1, i, i, i))
	}
	lines = append(lines, "Moderator: The session is over.")
	os.WriteFile(filepath.Join(dir, "ten.txt"), []byte(strings.Join(lines, "\n\n")+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ten.expect.yaml"), []byte("stop_after: 3\nstop_by: null\n"), 0o600)
	pol := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(pol, []byte("max_messages: 10\n"), 0o600)
	code, out, errOut := parley(t, "check", "--json", "--policy", pol, dir)
	if code != exitOK || !strings.Contains(out, `"stop_at":10`) || !strings.Contains(out, `"verdict":"pass"`) || !strings.Contains(out, `"saved":0`) {
		t.Fatalf("exit %d; want a stop at 10 passed, nothing saved:\n%s%s", code, out, errOut)
	}
}

// A recording parley staged holds in its JSONL what its Markdown does not
// (the scenario, usage, times, the stop): convert does not replace it,
// even with --force, as export does not; an earlier conversion it does.
func TestConvertKeepsARecordingsJSONL(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "runs")
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 4}\noutput: {dir: "+out+"}\n"), 0o600)
	if code, stdout, errOut := parley(t, "run", "--no-tui", scenario); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("recorded %v; want one JSONL", jls)
	}
	jl, md := jls[0], strings.TrimSuffix(jls[0], ".jsonl")+".md"
	before, _ := os.ReadFile(jl)
	code, stdout, errOut := parley(t, "convert", md, jl, "--force")
	if code != exitUsage || !strings.Contains(errOut, jl+" is a recording parley staged") {
		t.Fatalf("convert over the recording's JSONL: exit %d\n%s%s", code, stdout, errOut)
	}
	if after, _ := os.ReadFile(jl); !bytes.Equal(after, before) {
		t.Fatalf("convert --force replaced the recording's JSONL")
	}
	// A conversion is replaced with --force.
	conv := filepath.Join(dir, "conv.jsonl")
	for range 2 {
		if code, stdout, errOut := parley(t, "convert", md, conv, "--force"); code != exitOK {
			t.Fatalf("convert to a new JSONL: exit %d\n%s%s", code, stdout, errOut)
		}
	}
}

func TestConvert(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chat.json")
	os.WriteFile(in, []byte(`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi\n---\nthere"},{"role":"assistant","content":"### Heading\nhello"}]}`), 0o600)
	out := filepath.Join(dir, "chat.md")
	code, stdout, errOut := parley(t, "convert", in, out)
	// The system message is the run's system prompt, not a speaker; only
	// JSONL has a place for it, and convert says so.
	if code != exitOK || !strings.Contains(stdout, "openai-messages): 2 messages → "+out) || !strings.Contains(errOut, "system prompt") {
		t.Fatalf("exit %d: %s%s", code, stdout, errOut)
	}
	tr, err := transcripts.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 2 || tr.Messages[0].Content != "hi\n---\nthere" || tr.Messages[1].Content != "### Heading\nhello" ||
		tr.Title != "user ↔ assistant" {
		t.Fatalf("converted = %+v", tr)
	}
	if md, _ := os.ReadFile(out); strings.Contains(string(md), "**Started:**") || strings.Contains(string(md), "**Ended:**") {
		t.Errorf("the converted file names times its source does not record:\n%s", md)
	}
	if code, _, errOut := parley(t, "convert", in, filepath.Join(dir, "chat.jsonl")); code != exitOK {
		t.Fatalf("to JSONL: exit %d %s", code, errOut)
	}
	if jl, err := transcripts.Read(filepath.Join(dir, "chat.jsonl")); err != nil || jl.Run.System != "be brief" {
		t.Errorf("the JSONL keeps system prompt %+v (%v)", jl, err)
	}
	one := filepath.Join(dir, "one.json")
	os.WriteFile(one, []byte(`{"messages":[{"role":"user","content":"anyone?"}]}`), 0o600)
	if code, stdout, errOut := parley(t, "convert", one, filepath.Join(dir, "one.md")); code != exitOK || !strings.Contains(stdout, "openai-messages): 1 message → ") {
		t.Errorf("one message: exit %d: %s%s", code, stdout, errOut)
	}
	// A log's lines before its first message are kept in JSONL, not
	// numbered as a message; Markdown has no place for them and convert
	// says so.
	logIn := filepath.Join(dir, "log.txt")
	os.WriteFile(logIn, []byte("actors: a, b\n\n### A ###\nhi\n### B ###\nyo\n"), 0o600)
	if code, stdout, errOut := parley(t, "convert", logIn, filepath.Join(dir, "log.md")); code != exitOK ||
		!strings.Contains(stdout, "(headed): 2 messages") || !strings.Contains(errOut, "text before the first message has no place in Markdown") {
		t.Errorf("log to Markdown: exit %d: %s%s", code, stdout, errOut)
	}
	if code, _, errOut := parley(t, "convert", logIn, filepath.Join(dir, "log.jsonl")); code != exitOK {
		t.Fatalf("log to JSONL: exit %d %s", code, errOut)
	}
	if jl, err := transcripts.Read(filepath.Join(dir, "log.jsonl")); err != nil || jl.Run.Preamble != "actors: a, b" || len(jl.Messages) != 2 {
		t.Errorf("the JSONL keeps the preamble: %+v (%v)", jl, err)
	}
	// What the reader had to guess, convert says, as check does.
	texts := filepath.Join(dir, "dialog.json")
	os.WriteFile(texts, []byte(`{"dialog": ["Hello there.", "Hi! How are you?", "Fine, thanks."]}`), 0o600)
	if code, stdout, errOut := parley(t, "convert", texts, filepath.Join(dir, "dialog.md")); code != exitOK ||
		!strings.Contains(stdout, "3 messages") || !strings.Contains(errOut, "parley: warning: "+texts+": the messages are texts that name no speaker") {
		t.Errorf("bare texts: exit %d: %s%s", code, stdout, errOut)
	}
	// It never overwrites without --force.
	if code, _, errOut := parley(t, "convert", in, out); code != exitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("second convert: exit %d, %q", code, errOut)
	}
	if code, _, errOut := parley(t, "convert", "--force", in, out); code != exitOK {
		t.Errorf("--force: exit %d, %q", code, errOut)
	}
	// Several conversations become numbered files; JSONL output works too.
	multi := filepath.Join(dir, "multi.json")
	os.WriteFile(multi, []byte(`[{"conversations":[{"from":"human","value":"a"}]},{"conversations":[{"from":"gpt","value":"b"}]}]`), 0o600)
	if code, _, errOut := parley(t, "convert", multi, filepath.Join(dir, "m.jsonl")); code != exitOK {
		t.Fatalf("multi: exit %d %s", code, errOut)
	}
	for _, n := range []string{"m-1.jsonl", "m-2.jsonl"} {
		if _, err := transcripts.Read(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if code, _, errOut := parley(t, "convert", in, filepath.Join(dir, "x.txt")); code != exitUsage || !strings.Contains(errOut, "must end in .md") {
		t.Errorf("bad output name: exit %d, %q", code, errOut)
	}
}

// benchTalk writes healthy messages for the check benchmarks: lines drawn
// from the seed's substance (never the same lines as the four messages
// before them, which repetition compares with) and, as real answers do,
// made-up words no earlier message used.
type benchTalk struct {
	pool         []string
	stride, most int
	syllables    []string
}

func newBenchTalk(b *testing.B) *benchTalk {
	b.Helper()
	seed, err := os.ReadFile(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	base, err := transcripts.ParseMarkdown(seed)
	if err != nil {
		b.Fatal(err)
	}
	g := &benchTalk{syllables: strings.Fields("ka lo mi ne ru sa ti vo be da fe gu hi jo pe qua ri so tu we")}
	for _, m := range base.Messages[:15] {
		for _, l := range strings.Split(m.Content, "\n") {
			if !strings.Contains(l, "[END]") {
				g.pool = append(g.pool, l)
			}
		}
	}
	// Messages k apart, for k up to 4, start about len(pool)/5 lines apart
	// (in a circle), and a message holds fewer lines than that.
	g.stride, g.most = len(g.pool)*2/5, 40
	for k := 1; k <= 4; k++ {
		d := k * g.stride % len(g.pool)
		g.most = min(g.most, d, len(g.pool)-d)
	}
	if g.most < 30 {
		b.Fatalf("the seed's substance has %d lines, too few to draw messages from", len(g.pool))
	}
	return g
}

// word is a made-up word of syllables syllables, one for each n below
// 20^syllables.
func (g *benchTalk) word(n, syllables int) string {
	var w strings.Builder
	for k := 0; k < syllables; k++ {
		w.WriteString(g.syllables[n%len(g.syllables)])
		n /= len(g.syllables)
	}
	return w.String()
}

// message is healthy message i of run f, its new words made of syllables
// syllables.
func (g *benchTalk) message(f, i, syllables int) string {
	lines := 1 + (f*7+i*13)%g.most
	var sb strings.Builder
	fmt.Fprintf(&sb, "Turn %d of run %d. ", i, f)
	for k := 0; k < lines; k++ {
		sb.WriteString(g.pool[(f*31+i*g.stride+k)%len(g.pool)])
		sb.WriteString("\n")
	}
	sb.WriteString("New here:")
	for k := 0; k < 12; k++ {
		sb.WriteString(" " + g.word(f*7919+i*12+k, syllables))
	}
	sb.WriteString(".\n")
	return sb.String()
}

// benchLoops are the loops that end the generated transcripts.
var benchLoops = [][]string{
	{"Thanks — take care! [END]", "You too! [END]", "[END]", "[END]"},
	{"Ready when you are! 😊", "Ready when you are too! 😊", "Ready when you are! 😊", "Ready when you are too! 😊", "Ready when you are! 😊", "Ready when you are too! 😊"},
	{"Take care!", "You too!", "Thanks, you too!", "Take care!", "You too! Thanks!", "Take care, you too!"},
}

// benchCorpus generates a large corpus in parley's Markdown layout: varied
// healthy exchanges of mixed length, each ending in one of the loops the
// default set catches, so checking sees the work a real corpus asks of it:
// every message is judged, up to the loop. stops reports where each loop
// starts and the last message a stop may come at, six after its start.
func benchCorpus(b *testing.B) (files [][]byte, msgs int, stops [][2]int) {
	b.Helper()
	g := newBenchTalk(b)
	for f := 0; f < 200; f++ {
		t := &transcripts.Transcript{Title: "A ↔ B", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		n := 40 + f%60
		for i := 0; i < n; i++ {
			t.Messages = append(t.Messages, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: g.message(f, i, 4)})
		}
		// The loop goes on past the last message a stop may come at (its
		// start + 6, as the labelled corpus scores it), as loops do.
		loop := benchLoops[f%len(benchLoops)]
		for i := 0; i < 8; i++ {
			t.Messages = append(t.Messages, transcripts.Message{Speaker: []string{"A", "B"}[(n+i)%2], Content: loop[i%len(loop)]})
		}
		var buf bytes.Buffer
		if err := transcripts.WriteMarkdown(&buf, t); err != nil {
			b.Fatal(err)
		}
		files = append(files, buf.Bytes())
		msgs += len(t.Messages)
		stops = append(stops, [2]int{n + 1, n + 7})
	}
	return files, msgs, stops
}

// BenchmarkCheck compares checking a large corpus with the default set
// (read, then judge after every message as a live run does) against only
// reading the same bytes. The check/read ratio is measured in the same run.
//
//	go test ./cmd/parley -run XXX -bench BenchmarkCheck -benchtime 3x
func BenchmarkCheck(b *testing.B) {
	files, msgs, stops := benchCorpus(b)
	size := 0
	for _, f := range files {
		size += len(f)
	}
	read := func() {
		for _, f := range files {
			if _, err := transcripts.Parse(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	check := func() {
		for i, f := range files {
			t, err := transcripts.Parse(f)
			if err != nil {
				b.Fatal(err)
			}
			// Every healthy message is judged and the loop is caught.
			if at, v := policy.FirstStop(policy.Default(), t.Messages); at < stops[i][0] || at > stops[i][1] {
				b.Fatalf("generated transcript %d stopped at %d (%s: %s); its loop starts at message %d and must be stopped by %d", i, at, v.Policy, v.Reason, stops[i][0], stops[i][1])
			}
		}
	}
	benchReadCheck(b, size, msgs, read, check)
}

// benchReadCheck runs three sub-benchmarks over the same bytes: read
// alone, read and check, and the two timed side by side in one loop for
// their ratio.
func benchReadCheck(b *testing.B, size, msgs int, read, check func()) {
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			read()
		}
		b.ReportMetric(float64(msgs)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("check", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			check()
		}
		b.ReportMetric(float64(msgs)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("ratio", func(b *testing.B) {
		var tr, tc time.Duration
		for b.Loop() {
			s := time.Now()
			read()
			tr += time.Since(s)
			s = time.Now()
			check()
			tc += time.Since(s)
		}
		b.ReportMetric(float64(tc)/float64(tr), "check/read")
	})
}

// longPolicy is the default set without its max_messages backstop, so a
// long transcript is judged to its end.
func longPolicy(b *testing.B) policy.Policy {
	b.Helper()
	node, source, err := loadPolicyNode("")
	if err != nil {
		b.Fatal(err)
	}
	grid, err := analysis.ParseSweeps([]string{"max_messages=1000000"})
	if err != nil {
		b.Fatal(err)
	}
	pts, err := analysis.Points(node, grid)
	if err != nil {
		b.Fatal(err)
	}
	p, err := policy.Parse(pts[0].Node)
	if err != nil {
		b.Fatal(fileLineErr(source, err))
	}
	return p
}

// BenchmarkCheckLong checks one long conversation, 20,000 healthy messages
// and then an [END] echo, with the default set (its max_messages lifted),
// against only reading the same bytes. Checking judges the growing
// conversation after every message, so it is linear only if one check
// costs the same late in the conversation as early; the check/read ratio
// is measured in the same run.
//
//	go test ./cmd/parley -run XXX -bench BenchmarkCheckLong -benchtime 5x
func BenchmarkCheckLong(b *testing.B) {
	const healthy = 20000
	g := newBenchTalk(b)
	t := &transcripts.Transcript{Title: "A ↔ B", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < healthy; i++ {
		// Five syllables give every message of the run words of its own.
		t.Messages = append(t.Messages, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: g.message(1, i, 5)})
	}
	for i, c := range benchLoops[0] {
		t.Messages = append(t.Messages, transcripts.Message{Speaker: []string{"A", "B"}[(healthy+i)%2], Content: c})
	}
	var buf bytes.Buffer
	if err := transcripts.WriteMarkdown(&buf, t); err != nil {
		b.Fatal(err)
	}
	file, msgs := buf.Bytes(), len(t.Messages)
	read := func() []transcripts.Message {
		t, err := transcripts.Parse(file)
		if err != nil {
			b.Fatal(err)
		}
		return t.Messages
	}
	check := func() {
		ms := read()
		if at, v := policy.FirstStop(longPolicy(b), ms); at <= healthy || at > msgs {
			b.Fatalf("the long transcript stopped at %d (%s: %s); its loop is messages %d..%d", at, v.Policy, v.Reason, healthy+1, msgs)
		}
	}
	benchReadCheck(b, len(file), msgs, func() { read() }, check)
}

// BenchmarkCheckHugeCount judges a healthy conversation of 2,500 messages
// and one of 20,000, side by side and alternating which goes first, with
// rules whose counts no message run reaches (100,000): a rule that walked
// back over every message it counts would take 64 times as long for 8
// times the messages. time×8 is the ratio of the two, per run; linear is
// 8, with CPU time beside it.
//
//	go test ./cmd/parley -run XXX -bench BenchmarkCheckHugeCount -benchtime 5x
func BenchmarkCheckHugeCount(b *testing.B) {
	const short = 2500
	g := newBenchTalk(b)
	var long []transcripts.Message
	for i := range 8 * short {
		long = append(long, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: g.message(1, i, 5)})
	}
	huge := func() policy.Policy {
		p, err := policy.ParseYAML([]byte(`any:
  - repetition: {threshold: 0.85, window: 4, count: 100000}
  - stagnation: {count: 100000, novelty: 0.15}
  - end_token: {token: "[END]", exchanges: 100000}
  - end_token: {token: "[END]", messages: 100000}
  - refusal: {in_a_row: 100000}
  - refusal: {total: 100000}
  - loop: {count: 100000, within: 100000}
`))
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	judge := func(msgs []transcripts.Message) (wall, cpu time.Duration) {
		p := huge()
		w0, c0 := time.Now(), cpuTime()
		if at, v := policy.FirstStop(p, msgs); at != 0 {
			b.Fatalf("a rule of huge count stopped %d healthy messages at %d (%s: %s)", len(msgs), at, v.Policy, v.Reason)
		}
		return time.Since(w0), cpuTime() - c0
	}
	var ratios, cpuRatios []float64
	for i := 0; b.Loop(); i++ {
		var ws, cs, wl, cl time.Duration
		if i%2 == 0 {
			ws, cs = judge(long[:short])
			wl, cl = judge(long)
		} else {
			wl, cl = judge(long)
			ws, cs = judge(long[:short])
		}
		ratios = append(ratios, float64(wl)/float64(ws))
		cpuRatios = append(cpuRatios, float64(cl)/float64(max(cs, 1)))
	}
	spread(b, ratios, "time×8")
	spread(b, cpuRatios, "cpu×8")
}

// A JSONL whose last line a crash cut off reads up to it, and check and
// show both say so, naming the line, as they do for Markdown.
func TestACutOffJSONLIsNamedByCheckAndShow(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination: {max_messages: 5}\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, scenario); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	data, _ := os.ReadFile(jls[0])
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	last := 0
	for i, l := range lines {
		if strings.Contains(l, `"type":"message"`) {
			last = i
		}
	}
	torn := filepath.Join(dir, "torn.jsonl")
	kept := strings.Join(lines[:last], "\n") + "\n" + lines[last][:len(lines[last])/2]
	os.WriteFile(torn, []byte(kept), 0o600)
	want := fmt.Sprintf("line %d is incomplete (the run was cut off while writing it) and was skipped", last+1)
	code, out, errOut := parley(t, "check", torn)
	if code != exitOK || !strings.Contains(errOut, "torn.jsonl: "+want) || !strings.Contains(out, "torn.jsonl  ") {
		t.Errorf("check: exit %d; want the cut-off line named\n%s%s", code, out, errOut)
	}
	code, out, errOut = parley(t, "show", "--no-tui", torn)
	if code != exitOK || !strings.Contains(out, "▲ "+want) {
		t.Errorf("show: exit %d; want the cut-off line named\n%s%s", code, out, errOut)
	}
}

// With nothing judged there is no table to head: only the sentence saying
// why and the summary.
func TestCheckOfNothingReadablePrintsNoEmptyTable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.md")
	os.WriteFile(p, []byte("just some words\n"), 0o600)
	code, out, errOut := parley(t, "check", p)
	if code != exitFailure || strings.Contains(out, "TRANSCRIPT") || !strings.Contains(out, "0 transcripts") || !strings.Contains(errOut, "not a transcript layout") {
		t.Errorf("exit %d\nstdout %q\nstderr %q; want 1, no table, and the summary", code, out, errOut)
	}
}

// A file of any layout may hold many conversations, each row named
// FILE#N (a JSON export, Markdown transcripts joined into one file, JSON
// saved as text): the table leaves room for the number, so every row's
// columns line up under the headings even when that file's name is the
// longest.
func TestCheckTableLinesUpAnExportsConversations(t *testing.T) {
	var convs []string
	for i := range 12 {
		convs = append(convs, fmt.Sprintf(`{"title":"chat %d","messages":[{"role":"user","content":"question %d about tides"},{"role":"assistant","content":"answer %d about the moon"}]}`, i, i, i))
	}
	jsonExport := "[" + strings.Join(convs, ",") + "]"
	var runs []string
	for i := range 3 {
		runs = append(runs, fmt.Sprintf("# A ↔ B\n\n**Messages:** 2\n\n---\n\n### A\n\nquestion %d about tides\n\n---\n\n### B\n\nanswer %d about the moon\n\n---\n\n", i, i))
	}
	labelled := "# A ↔ B\n\n## A\n\nhello there\n\n## B\n\nhello back\n\n## A\n\nhow are you\n\n## B\n\nwell, thanks\n"
	// Each holds a file of several conversations, named FILE#N, whose
	// name is the longest.
	cases := []struct {
		name  string
		files map[string]string
		rows  int
	}{
		{"a JSON export", map[string]string{"conversations.json": jsonExport, "a.md": labelled}, 13},
		{"Markdown transcripts joined into one file", map[string]string{"joined-runs.md": strings.Join(runs, ""), "a.json": `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}`}, 4},
		{"a JSON export saved as text", map[string]string{"conversations.txt": jsonExport, "a.md": labelled}, 13},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range c.files {
				os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600)
			}
			code, out, errOut := parley(t, "check", dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			lines := strings.Split(out, "\n")
			col := strings.Index(lines[0], "MSGS")
			rows := 0
			for _, l := range lines[1:] {
				if l == "" {
					break
				}
				rows++
				// The cell before MSGS is padding; MSGS's own cell starts with a digit.
				if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] < '0' || r[col] > '9' {
					t.Errorf("row %q: its MSGS cell is not under the heading (column %d)\n%s", l, col, out)
				}
			}
			if rows != c.rows {
				t.Errorf("%d rows; want %d\n%s", rows, c.rows, out)
			}
		})
	}
}

// check's last line, when it fails, names both what failed and what could
// not be read, its pronoun agreeing with the transcripts that failed.
func TestCheckFailureSaysAllThatWentWrong(t *testing.T) {
	cases := []struct {
		name                     string
		failed, labelled, unread int
		convs                    []string // conversations of files read that could not be scored
		want                     string
	}{
		{"one of one failed", 1, 1, 0, nil, "1 of 1 labelled transcript failed its expectations"},
		{"one of five failed", 1, 5, 0, nil, "1 of 5 labelled transcripts failed its expectations"},
		{"two of five failed", 2, 5, 0, nil, "2 of 5 labelled transcripts failed their expectations"},
		{"one file unread", 0, 5, 1, nil, "1 file could not be read"},
		{"files unread", 0, 0, 8, nil, "8 files could not be read"},
		{"both", 1, 5, 8, nil, "1 of 5 labelled transcripts failed its expectations, and 8 files could not be read"},
		{"both, plural", 3, 5, 1, nil, "3 of 5 labelled transcripts failed their expectations, and 1 file could not be read"},
		{"one conversation unscored", 0, 2, 0, []string{"all.md#2"}, "1 conversation could not be scored, as its labels.json row is wrong (all.md#2)"},
		{"conversations unscored, named up to three", 0, 2, 0, []string{"a.json#1", "a.json#4", "b.md#2", "b.md#3", "b.md#9"},
			"5 conversations could not be scored, as their labels.json rows are wrong (a.json#1, a.json#4, b.md#2 and 2 more)"},
		{"a file unread beside a conversation unscored", 0, 2, 1, []string{"all.md#2"},
			"1 file could not be read, and 1 conversation could not be scored, as its labels.json row is wrong (all.md#2)"},
		{"all three", 1, 5, 2, []string{"all.md#2", "all.md#3"},
			"1 of 5 labelled transcripts failed its expectations, 2 files could not be read, and 2 conversations could not be scored, as their labels.json rows are wrong (all.md#2, all.md#3)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFailure(tc.failed, tc.labelled, tc.unread, len(tc.convs), tc.convs); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	// The command: a failed transcript beside labels that cannot be read.
	dir := t.TempDir()
	endAt := append(words(8), "done [END]", "done [END]", "x", "y")
	writeCase(t, dir, "late", endAt, "stop_after: 3\nstop_by: 7\n")
	writeCase(t, dir, "pass", endAt, "stop_after: 8\nstop_by: 11\n")
	writeCase(t, dir, "bad1", endAt, "stop_after: 8\nstop_by: 2\n")
	writeCase(t, dir, "bad2", endAt, "stop_after: 80\n")
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)
	other := t.TempDir()
	writeCase(t, other, "pass", endAt, "stop_after: 8\nstop_by: 11\n")
	code, out, errOut := parley(t, "check", "--policy", policyFile, dir, other)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	if want := "parley: 1 of 3 labelled transcripts failed its expectations, and 2 files could not be read"; code != exitFailure || last != want {
		t.Errorf("exit %d, last line %q; want %q", code, last, want)
	}
	// The summary counts them too, in the folder that held them.
	for _, want := range []string{
		dir + ": 2 transcripts (and 2 files that could not be read), 2 labelled:",
		other + ": 1 transcript, 1 labelled:",
		"in all: 3 transcripts (and 2 files that could not be read), 3 labelled:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary does not say %q:\n%s", want, out)
		}
	}
}

// The EXPECT column gives a label's loops after its window, so a pass
// from a stop inside a loop that the conversation later broke out of
// reads as one; --json carries the loops in expect.
func TestCheckExpectShowsLoops(t *testing.T) {
	by := func(n int) *int { return &n }
	cases := []struct {
		name  string
		label analysis.Label
		want  string
	}{
		{"a window", analysis.Label{StopAfter: 27, StopBy: by(34)}, "27..34"},
		{"healthy to the end", analysis.Label{StopAfter: 12}, "12..end"},
		{"a window and a loop", analysis.Label{StopAfter: 27, StopBy: by(34), Loops: [][2]int{{18, 24}}}, "27..34 +18..24"},
		{"healthy, with two loops", analysis.Label{StopAfter: 97, Loops: [][2]int{{29, 43}, {84, 95}}}, "97..end +29..43 +84..95"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := expectCell(tc.label); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	// A stop at 4, inside the loop 2..6, passes though it comes before
	// stop_after.
	dir := t.TempDir()
	msgs := append(words(2), "done [END]", "done [END]", "more", "more")
	msgs = append(msgs, words(6)...)
	writeCase(t, dir, "loop", msgs, "stop_after: 12\nloops: [[2, 6]]\n")
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)
	code, out, errOut := parley(t, "check", "--policy", policyFile, dir)
	if code != exitOK || !regexp.MustCompile(`\b4 +end_token +8 +12\.\.end \+2\.\.6 +ok\b`).MatchString(out) {
		t.Errorf("exit %d; want a pass at 4 with EXPECT 12..end +2..6:\n%s%s", code, out, errOut)
	}
	_, out, _ = parley(t, "check", "--json", "--policy", policyFile, dir)
	rs := decodeResults(t, out)
	if len(rs) != 1 || rs[0].Expect == nil || len(rs[0].Expect.Loops) != 1 || rs[0].Expect.Loops[0] != [2]int{2, 6} || !strings.Contains(out, `"loops":[[2,6]]`) {
		t.Errorf("--json: %s; want expect.loops [[2,6]]", out)
	}
}

// TestCheckWarnsInTheOrderOfFiles: check judges files on several workers,
// and each file's warnings reach standard error in the order of the files,
// beside its row, however the workers finish.
func TestCheckWarnsInTheOrderOfFiles(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 24 {
		p := filepath.Join(dir, fmt.Sprintf("%02d.json", i))
		// A long first file keeps one worker busy while the others finish.
		texts := []string{`"Hello there."`, `"Hi! How are you?"`}
		if i == 0 {
			for j := range 4000 {
				texts = append(texts, fmt.Sprintf(`"Reply %d, with words of its own: w%d x%d y%d."`, j, j, j*7, j*13))
			}
		}
		os.WriteFile(p, []byte(`{"dialog": [`+strings.Join(texts, ",")+`]}`), 0o600)
		want = append(want, p)
	}
	_, _, errOut := parley(t, "check", dir)
	var got []string
	for _, l := range strings.Split(errOut, "\n") {
		if w, ok := strings.CutPrefix(l, "parley: warning: "); ok {
			file, said, _ := strings.Cut(w, ": ")
			if !strings.HasPrefix(said, "the messages are texts that name no speaker") {
				t.Errorf("an unexpected warning: %s", l)
			}
			got = append(got, file)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings out of the files' order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A token budget judges a live run, its JSONL and its Markdown alike:
// lines a scripted agent speaks carry usage parley estimated, not usage a
// provider reported, and the budget estimates them from the text as it
// does for a transcript that records none, prompts included.
func TestATokenBudgetJudgesARunItsJSONLAndItsMarkdownAlike(t *testing.T) {
	dir := t.TempDir()
	line := "a line of about fifty bytes, said by a scripted side"
	var a, b []string
	for i := range 6 {
		a, b = append(a, fmt.Sprintf("%s %d", line, i)), append(b, fmt.Sprintf("%s %d", line, i+10))
	}
	quoted := func(ls []string) string { return `["` + strings.Join(ls, `", "`) + `"]` }
	for _, count := range []string{"total", "completion"} {
		t.Run(count, func(t *testing.T) {
			out := filepath.Join(dir, count)
			scenario := filepath.Join(dir, count+".yaml")
			policy := fmt.Sprintf("termination: {max_tokens: {limit: 120, count: %s}}\n", count)
			os.WriteFile(scenario, []byte("opening: open\nagents:\n  - {name: A, type: scripted, lines: "+quoted(a)+"}\n  - {name: B, type: scripted, lines: "+quoted(b)+"}\n"+policy), 0o600)
			os.WriteFile(filepath.Join(dir, count+"-policy.yaml"), []byte(policy), 0o600)
			if code, stdout, errOut := parley(t, "run", "--no-tui", "--pace", "0", "--out", out, scenario); code != exitOK {
				t.Fatalf("run: exit %d\n%s%s", code, stdout, errOut)
			}
			jls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
			tr, err := transcripts.Read(jls[0])
			if err != nil || tr.Run.Stop == nil || tr.Run.Stop.Policy != "max_tokens" {
				t.Fatalf("the run: %+v, %v; want a stop by max_tokens", tr.Run, err)
			}
			_, stdout, errOut := parley(t, "check", "--json", "--policy", filepath.Join(dir, count+"-policy.yaml"), jls[0], strings.TrimSuffix(jls[0], ".jsonl")+".md")
			rs := decodeResults(t, stdout)
			if len(rs) != 2 {
				t.Fatalf("check: %q %s", stdout, errOut)
			}
			for _, r := range rs {
				if r.StopAt == nil {
					t.Errorf("%s: check does not stop; the live run stopped after message %d", r.Layout, tr.Run.Stop.At)
				} else if *r.StopAt != tr.Run.Stop.At {
					t.Errorf("%s: check stops at %d; the live run stopped after message %d", r.Layout, *r.StopAt, tr.Run.Stop.At)
				}
			}
		})
	}
}

// --json gives every transcript an object, one that could not be read too
// (verdict "unread", with why), and its summary counts them: a script
// reading the objects alone knows what was left out.
func TestCheckJSONNamesTranscriptsItCouldNotRead(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "good", words(6), "stop_after: 6\nstop_by: null\n")
	writeCase(t, dir, "badlabel", words(6), "stop_after: fifteen\nstop_by: null\n")
	code, out, errOut := parley(t, "check", "--json", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d:\n%s%s", code, exitFailure, out, errOut)
	}
	var verdicts []string
	var unreadErr string
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r struct {
			File, Verdict, Error string
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v in:\n%s", err, out)
		}
		verdicts = append(verdicts, filepath.Base(r.File)+" "+r.Verdict)
		if r.Verdict == "unread" {
			unreadErr = r.Error
		}
	}
	slices.Sort(verdicts)
	if want := []string{"badlabel.md unread", "good.md pass"}; !slices.Equal(verdicts, want) {
		t.Errorf("objects %q, want %q", verdicts, want)
	}
	if !strings.Contains(unreadErr, "badlabel.expect.yaml") || !strings.Contains(unreadErr, "stop_after") {
		t.Errorf("the unread object's error %q does not name the label file and field", unreadErr)
	}
	if !strings.Contains(errOut, `"unread":1`) {
		t.Errorf("the summary does not count the unread transcript:\n%s", errOut)
	}
	// A sweep's points each say how many none of them judged.
	code, out, errOut = parley(t, "check", "--json", "--sweep", "max_messages=50,60", dir)
	if code != exitFailure || strings.Count(out, `"unread":1`) != 2 {
		t.Errorf("sweep: exit %d; want each point to count the unread transcript:\n%s%s", code, out, errOut)
	}
}

// A conversation of a file that holds several whose FILE#N row is wrong
// could not be scored; the file was read and its others are judged. check
// (its table, --json, --sweep) and train say so of that conversation,
// named FILE#N, in its summary lines, objects and last line alike, and
// keep "could not be read" for a file that could not be.
func TestCheckNamesAConversationItCouldNotScore(t *testing.T) {
	root := t.TempDir()
	ex, other := filepath.Join(root, "ex"), filepath.Join(root, "other")
	os.MkdirAll(ex, 0o700)
	os.MkdirAll(other, 0o700)
	// Two transcripts joined (cat a.md b.md > all.md): all.md#1 passes
	// its row; all.md#2's row counts other messages and ends past them.
	endAt := append(words(8), "done [END]", "done [END]", "x", "y")
	a, b := writeCase(t, ex, "a", endAt, ""), writeCase(t, ex, "b", endAt, "")
	joined := slices.Concat(mustRead(t, a), mustRead(t, b))
	os.Remove(a)
	os.Remove(b)
	all := filepath.Join(ex, "all.md")
	os.WriteFile(all, joined, 0o600)
	os.WriteFile(filepath.Join(ex, "labels.json"), []byte(`{"transcripts": [
  {"file": "all.md#1", "stop_after": 8, "stop_by": 11},
  {"file": "all.md#2", "stop_after": 40, "stop_by": 44, "n": 44}
]}`), 0o600)
	writeCase(t, other, "pass", endAt, "stop_after: 8\nstop_by: 11\n")
	writeCase(t, other, "bad", endAt, "stop_after: 80\n")
	policyFile := filepath.Join(root, "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)

	why := "parley: " + all + "#2 could not be scored: " + filepath.Join(ex, "labels.json") + ":3: transcript 2 (all.md#2): stop_after is 40, but the transcript has 12 messages"
	last := "parley: 1 conversation could not be scored, as its labels.json row is wrong (" + all + "#2)"
	cases := []struct {
		name   string
		args   []string
		out    []string // in stdout, in this order
		errOut []string // in stderr
		last   string   // stderr's last line
	}{
		{"the table", []string{"check", "--policy", policyFile, ex},
			[]string{all + "#1 ", "\n1 transcript (and 1 conversation that could not be scored), 1 labelled: 1 passed"},
			[]string{why}, last},
		{"the table, of one conversation named alone", []string{"check", "--policy", policyFile, all + "#2"},
			[]string{"0 transcripts (and 1 conversation that could not be scored), 0 labelled"},
			[]string{why}, last},
		{"the table, beside a file that could not be read", []string{"check", "--policy", policyFile, ex, other},
			[]string{
				ex + ": 1 transcript (and 1 conversation that could not be scored), 1 labelled: 1 passed",
				other + ": 1 transcript (and 1 file that could not be read), 1 labelled: 1 passed",
				"in all: 2 transcripts (and 1 file that could not be read and 1 conversation that could not be scored), 2 labelled: 2 passed",
			},
			[]string{why, "bad.expect.yaml:1: stop_after is 80"},
			"parley: 1 file could not be read, and 1 conversation could not be scored, as its labels.json row is wrong (" + all + "#2)"},
		{"--json", []string{"check", "--json", "--policy", policyFile, ex},
			[]string{`"file":"` + all + `#1"`, `"verdict":"pass"`, `"file":"` + all + `#2"`, `"verdict":"unread"`, `"error":"` + filepath.Join(ex, "labels.json") + `:3: transcript 2 (all.md#2): stop_after is 40`},
			[]string{`"transcripts":1,`, `"unread":1,"unread_conversations":1}`}, last},
		{"--sweep", []string{"check", "--policy", policyFile, "--sweep", "end_token.exchanges=1,2", ex},
			[]string{"2 points over 1 transcript (1 labelled)"},
			[]string{why}, last},
		{"--sweep --json", []string{"check", "--json", "--policy", policyFile, "--sweep", "end_token.exchanges=1,2", ex},
			[]string{`"unread":1,"unread_conversations":1}`, `"unread":1,"unread_conversations":1}`},
			[]string{why}, last},
		{"train", []string{"train", ex},
			[]string{"Trained on 1 labelled transcript"},
			[]string{why}, last},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := parley(t, tc.args...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			rest := out
			for _, want := range tc.out {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("stdout lacks %q, or has it out of order:\n%s", want, out)
					continue
				}
				rest = rest[i+len(want):]
			}
			for _, want := range tc.errOut {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if got := lines[len(lines)-1]; got != tc.last {
				t.Errorf("last line %q, want %q", got, tc.last)
			}
		})
	}
}

// mustRead is the file at path.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

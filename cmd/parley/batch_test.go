package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/phrase"

	"github.com/creack/pty"
	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

// signOff answers with a short line that adds [END] once the request
// carries n or more messages, n set by the seed.
func signOff(r openaitest.Request) openaitest.Reply {
	seed := 0
	if r.Body.Seed != nil {
		seed = *r.Body.Seed
	}
	text := fmt.Sprintf("%s says line %d.", r.Body.Model, len(r.Body.Messages))
	if len(r.Body.Messages) >= 4+seed%4 {
		text += " [END]"
	}
	return openaitest.Words(text)
}

func countJSONL(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".jsonl") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestBatchExampleFiftyRuns is the "done means": an example
// scenario, unchanged, 50 runs 10 at a time against a loopback server
// (its agents' base_url pointed there with --vary), 50 transcripts and a
// summary printed and written.
func TestBatchExampleFiftyRuns(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := openaitest.Start(t, signOff)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "b")
	code, out, errOut := parley(t, "batch", "../../configs/ollama-pair.yaml", "-n", "50", "-j", "10", "--out", dir,
		"--vary", "agents[0].base_url="+srv.URL, "--vary", "agents[1].base_url="+srv.URL)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	files := countJSONL(t, filepath.Join(dir, batch.RunsDir))
	if len(files) != 50 {
		t.Fatalf("%d transcripts; want 50", len(files))
	}
	for _, f := range files {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Run.Stop == nil || tr.Run.Stop.Policy != "end_token" || tr.Run.Vary["agents[0].base_url"] != srv.URL {
			t.Fatalf("%s: stop %+v, vary %v; want an end_token stop and the varied base URL recorded", f, tr.Run.Stop, tr.Run.Vary)
		}
	}
	for _, want := range []string{"Batch ", "50 conversations, 10 at a time", "| end_token | 50 |", "## Length in messages",
		"| llama3.2 |", "| qwen2.5 |", "summary.md", "summary.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: one plain progress line per conversation.
	if n := strings.Count(out, " done: both sides used [END]"); n != 50 {
		t.Errorf("%d progress lines; want 50", n)
	}
	sum := readSummaryJSON(t, dir)
	if sum.Done != 50 || sum.Length.N != 50 || len(sum.Tokens) != 2 || sum.Wall <= 0 || sum.ModelTime <= 0 {
		t.Errorf("summary.json = %+v; want 50 done with lengths, tokens for both agents and times", sum)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	if !strings.Contains(string(md), "| end_token | 50 |") {
		t.Errorf("summary.md lacks the stop reasons:\n%s", md)
	}
}

func TestBatchUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", []string{"batch", "-n", "2"}, "batch takes one or more scenario files"},
		{"bad vary", []string{"batch", "../../configs/ollama-pair.yaml", "--vary", "seed"}, "write FIELD=VALUES"},
		{"vary breaks a rule", []string{"batch", "../../configs/ollama-pair.yaml", "--vary", "agents[0].temperature=0.5,9"},
			"temperature: 9 is outside 0 to 2"},
		{"bad -j", []string{"batch", "../../configs/ollama-pair.yaml", "-j", "0"}, "-j must be at least 1"},
		{"resume with scenarios", []string{"batch", "../../configs/ollama-pair.yaml", "--resume", dir}, "--resume takes the batch directory alone"},
		{"resume a folder that is no batch", []string{"batch", "--resume", dir}, "is not a batch directory"},
		{"retry-failed without resume", []string{"batch", "../../configs/ollama-pair.yaml", "--retry-failed"}, "--retry-failed goes with --resume DIR"},
		{"missing key", []string{"batch", "../../configs/openai-self.yaml", "--out", filepath.Join(dir, "k")}, "OPENAI_API_KEY"},
	}
	t.Setenv("OPENAI_API_KEY", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := parley(t, tt.args...)
			if tt.name == "missing key" {
				// A missing key would fail every run: the batch says so
				// before it starts, naming each agent's line, and leaves
				// no folder behind.
				if code != exitUsage || !strings.Contains(errOut, `openai-self.yaml:7: the environment variable OPENAI_API_KEY is not set, and 3 need it for their API key: agents "optimist" (line 7), "skeptic" (line 13); the judge (gpt-4o-mini) (line 30)`) {
					t.Errorf("exit %d; want 2 naming each agent without its key\n%s%s", code, out, errOut)
				}
				if _, err := os.Stat(filepath.Join(dir, "k")); err == nil {
					t.Errorf("the batch left %s behind", filepath.Join(dir, "k"))
				}
				return
			}
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// TestBatchInterruptThenResume cancels a batch with conversations in
// flight and finishes it with --resume.
func TestBatchInterruptThenResume(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	stall := make(chan struct{})
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		select {
		case <-stall:
			return signOff(r)
		default:
			return openaitest.Stalled(1, signOff(r).Pieces...)
		}
	})
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "b")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.Requests()) < 3 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"batch", "../../configs/ollama-pair.yaml", "-n", "7", "-j", "3", "--out", dir,
		"--vary", "agents[0].base_url=" + srv.URL, "--vary", "agents[1].base_url=" + srv.URL}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "parley batch --resume "+dir) {
		t.Fatalf("exit %d; want 130 and the resume command\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	runs := filepath.Join(dir, batch.RunsDir)
	if n := len(countJSONL(t, runs)); n != 3 {
		t.Fatalf("%d transcripts after the interruption; want the 3 in flight\n%s", n, stdout.String())
	}
	close(stall)
	code, out, errOut := parley(t, "batch", "--resume", dir)
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
	}
	files := countJSONL(t, runs)
	if len(files) != 7 {
		t.Fatalf("%d transcripts after resume; want 7", len(files))
	}
	for _, f := range files {
		tr, _ := transcripts.Read(f)
		if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy {
			t.Errorf("%s: stop %+v; want a policy stop", f, tr.Run.Stop)
		}
	}
	if !strings.Contains(out, "7 planned · 7 done · 0 failed") {
		t.Errorf("resume summary:\n%s", out)
	}
	// Resumed once more, the finished batch says so and is left as it is.
	summary := filepath.Join(dir, "summary.md")
	before, _ := os.ReadFile(summary)
	code, out, errOut = parley(t, "batch", "--resume", dir)
	if code != exitOK || !strings.Contains(out, "is finished: all 7 conversations ended, and nothing is left to run. Its summary is "+summary) {
		t.Errorf("resuming a finished batch: exit %d\n%s%s", code, out, errOut)
	}
	if after, _ := os.ReadFile(summary); !bytes.Equal(after, before) {
		t.Errorf("resuming a finished batch rewrote its summary")
	}
}

func TestBatchSummaryIsATableOnATerminal(t *testing.T) {
	sum := &batch.Summary{Batch: "b1", Planned: 2, Done: 2, Parallel: 1,
		StopReasons: []batch.Count{{Label: "end_token", Count: 2}}}
	md, shown := summaryBothWays(t, sum)
	if !strings.Contains(md, "| end_token | 2 |") {
		t.Fatalf("piped, the summary is Markdown:\n%s", md)
	}
	text := strings.ReplaceAll(shown, "\r\n", "\n")
	if strings.Contains(text, "|---") || !strings.Contains(text, "end_token              2") {
		t.Fatalf("on a terminal the summary is not an aligned table:\n%s", text)
	}
}

// A provider's error quoted in the summary's errors table can hold bytes a
// terminal acts on: on a terminal they are dropped, as the progress lines
// drop them; piped, the Markdown keeps the text as the provider sent it.
func TestBatchSummaryOnATerminalDropsControlSequences(t *testing.T) {
	const quoted = "bad \x1b]0;PWNED\x07 thing \x1b[2J gone"
	sum := &batch.Summary{Batch: "b1", Planned: 1, Failed: 1, Parallel: 1,
		Errors: []batch.Count{{Label: quoted, Count: 1}}}
	md, shown := summaryBothWays(t, sum)
	if !strings.Contains(md, quoted) {
		t.Fatalf("piped, the summary does not quote the error as sent:\n%q", md)
	}
	if strings.ContainsAny(shown, "\x1b\x07") || !strings.Contains(shown, "bad ]0;PWNED thing [2J gone") {
		t.Fatalf("on a terminal the errors table is not the error's text without its control bytes:\n%q", shown)
	}
}

// summaryBothWays prints sum as a batch prints it piped (md) and on a
// pseudo-terminal 100 columns wide (shown); it skips the test where there
// is no pseudo-terminal.
func summaryBothWays(t *testing.T, sum *batch.Summary) (md, shown string) {
	t.Helper()
	var b bytes.Buffer
	printSummary(&b, sum)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 100})
	t.Setenv("TERM", "xterm")
	printSummary(tty, sum)
	tty.Close()
	got, _ := io.ReadAll(ptmx)
	return b.String(), string(got)
}

// A batch folder another process runs is refused before anything is
// printed, with exit 1, as a transcript in use is.
func TestBatchResumeOfAFolderInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"), 0o600)
	if code, out, errOut := parley(t, "batch", scenario, "-n", "2", "--out", dir, "--plain"); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
	}
	release, err := transcripts.LockDir(dir, "batch folder")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	code, out, errOut := parley(t, "batch", "--resume", dir, "--plain")
	if code != exitFailure || !strings.Contains(errOut, "the batch folder "+dir+" is in use") || strings.Contains(out, "Batch ") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, the folder named in use, and nothing printed before", code, out, errOut)
	}
}

// readSummaryJSON reads the summary.json a batch wrote into dir.
func readSummaryJSON(t *testing.T, dir string) batch.Summary {
	t.Helper()
	var sum batch.Summary
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

// With --resume, --dry-run lists what the same command without it would
// run: with --retry-failed, the failed conversations too.
func TestBatchResumeDryRunListsWhatRetryFailedWouldRun(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if down.Load() && r.Body.Model == "qwen2.5" {
			return openaitest.Error(http.StatusBadRequest, "The provider is down.")
		}
		return signOff(r)
	})
	dir := filepath.Join(t.TempDir(), "my b'atch")
	code, out, errOut := parley(t, "batch", "../../configs/ollama-pair.yaml", "-n", "3", "--out", dir, "--plain",
		"--vary", "agents[0].base_url="+srv.URL, "--vary", "agents[1].base_url="+srv.URL)
	if code != exitFailure || !strings.Contains(errOut, "3 of 3 conversations failed") {
		t.Fatalf("batch: exit %d; want 1 and 3 failed\n%s%s", code, out, errOut)
	}
	// The folder is quoted for the shell, as the one word it is.
	retry := []string{"parley", "batch", "--resume", dir, "--retry-failed"}
	if got := commandIn(t, errOut, "once the cause is fixed, continue them with:", len(retry)); !slices.Equal(got, retry) {
		t.Errorf("the failure does not say how to run the failed conversations again:\n%s\nsuggests %q; want %q", errOut, got, retry)
	}
	code, _, errOut = parley(t, "batch", "--resume", dir)
	if got := commandIn(t, errOut, "continue them with:", len(retry)); code != exitFailure || !slices.Equal(got, retry) {
		t.Errorf("--resume: exit %d, %s\nsuggests %q; want 1 and %q", code, errOut, got, retry)
	}
	// A resume keeps the failures, and with nothing else to run fails
	// naming --retry-failed: its dry run lists nothing and says so too.
	code, listed, errOut := parley(t, "batch", "--resume", dir, "--dry-run")
	_, resumed, resumeErr := parley(t, "batch", "--resume", dir)
	m, err := batch.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "parley: batch " + m.ID + " in " + dir + " has nothing left to run but its 3 failed conversations (all of them), whose errors are in " +
		filepath.Join(dir, "summary.md") + "; once the cause is fixed, continue them with: " + phrase.Command(retry...) + "\n"
	if code != exitFailure || listed != "" || errOut != want || errOut != resumeErr || resumed != "" {
		t.Errorf("--resume --dry-run: exit %d, listed %q, %q; want 1, nothing listed and what the resume says:\n%q", code, listed, errOut, resumeErr)
	}
	code, listed, errOut = parley(t, "batch", "--resume", dir, "--retry-failed", "--dry-run")
	if code != exitOK || strings.Count(listed, ", run ") != 3 || !strings.Contains(errOut, "parley: 3 conversations (3 failed ones to retry); none staged (--dry-run)") {
		t.Errorf("--resume --retry-failed --dry-run: exit %d, listed %q, %s; want the 3 failed conversations", code, listed, errOut)
	}
	down.Store(false)
	if code, out, errOut := parley(t, "batch", "--resume", dir, "--retry-failed", "--plain"); code != exitOK || !strings.Contains(out, "3 planned · 3 done · 0 failed") {
		t.Errorf("--resume --retry-failed: exit %d\n%s%s", code, out, errOut)
	}
}

// batch --resume runs the scenario its batch.json recorded; when the file
// has been edited since, it says so in one sentence, with the command
// that starts a batch of the edited file.
func TestBatchResumeSaysTheScenarioFileChanged(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	orig := "agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"
	os.WriteFile(scenario, []byte(orig), 0o600)
	out := filepath.Join(dir, "b")
	if code, stdout, errOut := parley(t, "batch", scenario, "-n", "2", "--out", out, "--plain"); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, stdout, errOut)
	}
	if _, _, errOut := parley(t, "batch", "--resume", out, "--plain"); strings.Contains(errOut, "changed") {
		t.Errorf("resume of an unedited scenario: %s", errOut)
	}
	os.WriteFile(scenario, []byte(strings.Replace(orig, "max_messages: 3", "max_messages: 5", 1)), 0o600)
	want := scenario + " has changed since this batch began; --resume runs the scenario recorded in " + filepath.Join(out, "batch.json") +
		"; to run the edited file, start a new batch: parley batch " + scenario
	for _, args := range [][]string{{"batch", "--resume", out, "--plain"}, {"batch", "--resume", out, "--dry-run"}} {
		code, _, errOut := parley(t, args...)
		if code != exitOK || strings.Count(errOut, want) != 1 {
			t.Errorf("%v after an edit: exit %d, %s; want %q", args, code, errOut, want)
		}
	}
}

// A summary that cannot be written (a full disk; here summary.json is a
// folder) is not pointed at as written, leaves no .tmp file behind, and
// the batch fails saying so.
func TestBatchSaysWhenItsSummaryCouldNotBeWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"), 0o600)
	if err := os.MkdirAll(filepath.Join(dir, "summary.json", "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := parley(t, "batch", scenario, "-n", "2", "--out", dir)
	if code != exitFailure || !strings.Contains(errOut, "the summary could not be written: writing "+filepath.Join(dir, "summary.json")) {
		t.Fatalf("exit %d, stderr %q; want %d and the summary's failure", code, errOut, exitFailure)
	}
	if strings.Contains(out, "Summary: ") {
		t.Errorf("the batch points at a summary it could not write:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json.tmp")); err == nil {
		t.Error("summary.json.tmp is left behind")
	}
	if !strings.Contains(out, "2 planned · 2 done · 0 failed") {
		t.Errorf("the summary is not printed:\n%s", out)
	}
}

// A batch whose conversations failed is not "finished" to a resume: it
// says that nothing is left to run but its failures, with exit 1; nor is
// one whose summary could not be written, which the resume writes.
func TestAResumedBatchWithFailuresOrNoSummaryIsNotFinished(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Error(400, "no such thing") })
	dir := filepath.Join(t.TempDir(), "b")
	args := []string{"batch", "../../configs/ollama-pair.yaml", "-n", "2", "--out", dir, "--plain",
		"--vary", "agents[0].base_url=" + srv.URL, "--vary", "agents[1].base_url=" + srv.URL}
	if code, out, errOut := parley(t, args...); code != exitFailure {
		t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := parley(t, "batch", "--resume", dir, "--plain")
	if code != exitFailure || strings.Contains(out, "is finished") || !strings.Contains(errOut, "has nothing left to run but its 2 failed conversations (all of them)") {
		t.Errorf("resume of a failed batch: exit %d\n%s%s", code, out, errOut)
	}

	scenario := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n"), 0o600)
	dir = filepath.Join(t.TempDir(), "c")
	if code, out, errOut := parley(t, "batch", scenario, "-n", "2", "--out", dir, "--plain"); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
	}
	os.Remove(filepath.Join(dir, "summary.md"))
	code, out, errOut = parley(t, "batch", "--resume", dir, "--plain")
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); code != exitOK || strings.Contains(out, "is finished") || err != nil {
		t.Errorf("resume of a batch without its summary: exit %d, summary %v\n%s%s", code, err, out, errOut)
	}
}

// One field given twice under two spellings (agent 0 by its index and by
// its name) is refused before anything is staged, naming both as typed:
// applied, one would win and every run would record the other's values
// as used.
func TestBatchRefusesOneFieldUnderTwoSpellings(t *testing.T) {
	dir := t.TempDir()
	s1 := filepath.Join(dir, "s1.yaml")
	os.WriteFile(s1, []byte(`title: A ↔ B
agents:
  - {name: A, base_url: http://127.0.0.1:1/v1, model: m0}
  - {name: B, base_url: http://127.0.0.1:1/v1, model: m9}
termination: {max_messages: 3}
`), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch", s1, "--vary", "agents[0].model=m1,m2", "--vary", "agents[A].model=m3"},
			s1 + ": --vary agents[0].model and --vary agents[A].model name the same field; list all its values in one flag"},
		{[]string{"batch", s1, "--vary", "agents[0].model=m1,m2", "--set", "agents[A].model=slow1"},
			s1 + ": --vary agents[0].model and --set agents[A].model name the same field; give its values to one of them"},
		{[]string{"run", s1, "--no-tui", "--set", "agents[B].temperature=1", "--set", "agents[1].temperature=0.5"},
			s1 + ": --set agents[B].temperature and --set agents[1].temperature name the same field; give it once"},
	} {
		out := filepath.Join(dir, "b")
		args := tc.args
		if args[0] == "batch" {
			args = append(args, "--out", out)
		}
		code, stdout, errOut := parley(t, args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d\n%s%s\nwant 2 and %q", tc.args, code, stdout, errOut, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q left %s behind", tc.args, out)
		}
	}
}

// A resumed batch without a key names each agent with its line, in the
// sentence a new batch of its scenario says, not once more for each name
// a --vary value gave an agent; a variable only a --set value asks for
// is said too, with that value.
func TestBatchResumeNamesMissingKeysWithTheirLines(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words("This is " + r.Body.Model + ".")
	})
	dir := t.TempDir()
	s1 := filepath.Join(dir, "s1.yaml")
	os.WriteFile(s1, []byte(fmt.Sprintf(`title: A ↔ B
agents:
  - name: A
    base_url: %[1]s
    model: m0
    api_key_env: FAKE_KEY
  - name: B
    base_url: %[1]s
    model: m9
    api_key_env: FAKE_KEY
termination: {max_messages: 3}
`, srv.URL)), 0o600)
	t.Setenv("FAKE_KEY", "k")
	t.Setenv("OTHER_KEY", "k")
	b1, b2 := filepath.Join(dir, "b1"), filepath.Join(dir, "b2")
	if code, out, errOut := parley(t, "batch", s1, "--plain", "--out", b1, "--vary", "agents[1].model=m9,err2"); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := parley(t, "batch", s1, "--plain", "--out", b2, "--set", "agents[1].api_key_env=OTHER_KEY"); code != exitOK {
		t.Fatalf("batch --set: exit %d\n%s%s", code, out, errOut)
	}
	for _, b := range []string{b1, b2} {
		// With their conversations' record gone, both have them all to
		// run again.
		os.Remove(filepath.Join(b, batch.StateFile))
		os.RemoveAll(filepath.Join(b, batch.RunsDir))
	}

	t.Setenv("FAKE_KEY", "")
	want := s1 + `:6: the environment variable FAKE_KEY is not set, and 2 need it for their API key: agents "A" (line 6), "B" (line 10)`
	code, _, fresh := parley(t, "batch", s1, "--out", filepath.Join(dir, "b3"), "--vary", "agents[1].model=m9,err2")
	if code != exitUsage || !strings.Contains(fresh, want) {
		t.Fatalf("a new batch without the key: exit %d, %s; want 2 and %q", code, fresh, want)
	}
	code, _, resumed := parley(t, "batch", "--resume", b1)
	if code != exitUsage || resumed != fresh {
		t.Errorf("--resume without the key: exit %d, %s; want 2 and what a new batch says:\n%s", code, resumed, fresh)
	}

	t.Setenv("FAKE_KEY", "k")
	t.Setenv("OTHER_KEY", "")
	code, _, errOut := parley(t, "batch", "--resume", b2)
	want = s1 + `: with --set agents[1].api_key_env=OTHER_KEY: agent "B" needs an API key: the environment variable OTHER_KEY is not set`
	if code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("--resume without the key a --set value names: exit %d, %s; want 2 and %q", code, errOut, want)
	}
	// A new batch says it too, before it makes its folder.
	b4 := filepath.Join(dir, "b4")
	code, _, errOut = parley(t, "batch", s1, "--plain", "--out", b4, "--set", "agents[1].api_key_env=OTHER_KEY")
	if code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("a new batch without the key a --set value names: exit %d, %s; want 2 and %q", code, errOut, want)
	}
	if _, err := os.Stat(b4); err == nil {
		t.Errorf("the refused batch left its folder %s", b4)
	}
}

// -n plans a batch's conversations, as --vary does: beside --resume,
// which runs those batch.json planned, it is refused, not ignored; -j,
// how many run at once, may change.
func TestBatchResumeRefusesN(t *testing.T) {
	srv := openaitest.Start(t, signOff)
	dir := filepath.Join(t.TempDir(), "b")
	if code, out, errOut := parley(t, "batch", "../../configs/ollama-pair.yaml", "-n", "2", "--plain", "--out", dir,
		"--set", "agents[0].base_url="+srv.URL, "--set", "agents[1].base_url="+srv.URL); code != exitOK {
		t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
	}
	os.Remove(filepath.Join(dir, batch.StateFile))
	os.RemoveAll(filepath.Join(dir, batch.RunsDir))
	for _, args := range [][]string{
		{"batch", "--resume", dir, "-n", "5", "--retry-failed", "--dry-run"},
		{"batch", "--resume", dir, "-n", "2"},
	} {
		code, out, errOut := parley(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "--resume takes the batch directory alone; its scenarios, -n and --vary and --set values are in its batch.json") {
			t.Errorf("%q: exit %d\n%s%s\nwant 2 and the sentence naming -n", args, code, out, errOut)
		}
	}
	code, out, errOut := parley(t, "batch", "--resume", dir, "-j", "1", "--dry-run")
	if code != exitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("--resume -j 1 --dry-run: exit %d\n%s%s\nwant the 2 conversations listed", code, out, errOut)
	}
}

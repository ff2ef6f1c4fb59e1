package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// These tests run the real parley binary as a separate process, to prove
// what happens when it is signalled or killed.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the binary parleyBinary built once the tests are done:
// 40 MB left in the system's temporary folder by every run.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// parleyBinary builds parley once per test run.
func parleyBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parley-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "parley")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// slowScenario writes a scenario of two scripted agents that stream slowly,
// with n lines each.
func slowScenario(t *testing.T, dir string, n int, pace string) string {
	t.Helper()
	var a, b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&a, "      - \"A says line %d, which takes a while to stream out in full.\"\n", i)
		fmt.Fprintf(&b, "      - \"B answers line %d, also slowly, piece by piece.\"\n", i)
	}
	y := fmt.Sprintf(`title: A ↔ B
agents:
  - name: A
    type: scripted
    pace: %s
    lines:
%s  - name: B
    type: scripted
    pace: %s
    lines:
%stermination:
  max_messages: %d
`, pace, a.String(), pace, b.String(), 2*n+1) // the opening and n lines each
	p := filepath.Join(dir, "slow.yaml")
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitForMessages polls the JSONL in dir until it holds at least n
// complete messages.
func waitForMessages(t *testing.T, dir string, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if len(matches) == 1 {
			if tr, err := transcripts.Read(matches[0]); err == nil && len(tr.Messages) >= n {
				return matches[0]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no transcript with %d messages appeared in %s", n, dir)
	return ""
}

func startParley(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(parleyBinary(t), args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

// thirdMessageBegun is how the headless printer shows slowScenario's
// third message (B's first line) a few pieces into its stream.
const thirdMessageBegun = "B answers line 1,"

// waitForOutput polls a run's output until it holds text: a signal sent
// then lands in a message whose stream has begun, not in the gap before
// its first piece, however late a loaded machine starts it.
func waitForOutput(t *testing.T, out *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), text) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the run's output never showed %q:\n%s", text, out)
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestSIGKILLThenResumeFinishesTheConversation(t *testing.T) {
	dir := t.TempDir()
	scenario := slowScenario(t, dir, 4, "3ms")
	out := filepath.Join(dir, "out")
	cmd, _ := startParley(t, "run", "--no-tui", "--out", out, scenario)
	jsonl := waitForMessages(t, out, 3)
	time.Sleep(15 * time.Millisecond) // well inside message 4's stream
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	// Whatever the moment, both files read, and every complete message is there.
	md := strings.TrimSuffix(jsonl, ".jsonl") + ".md"
	for _, p := range []string{jsonl, md} {
		tr, err := transcripts.Read(p)
		if err != nil {
			t.Fatalf("after SIGKILL, %s does not read: %v", p, err)
		}
		if len(tr.Messages) < 3 {
			t.Fatalf("after SIGKILL, %s holds %d messages, want at least 3", p, len(tr.Messages))
		}
	}
	killed, _ := transcripts.Read(jsonl)
	kept := len(killed.Messages)

	res := exec.Command(parleyBinary(t), "resume", "--no-tui", "--pace", "0", jsonl)
	var buf bytes.Buffer
	res.Stdout, res.Stderr = &buf, &buf
	if err := res.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, buf.String())
	}
	for _, p := range []string{jsonl, md} {
		tr, err := transcripts.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Messages) != 9 {
			t.Fatalf("%s holds %d messages after resume, want 9 (kept %d):\n%s", p, len(tr.Messages), kept, buf.String())
		}
		if tr.Messages[0].Origin != transcripts.OriginOpening {
			t.Errorf("%s message 1 = %+v, want the opening", filepath.Base(p), tr.Messages[0])
		}
		for i, m := range tr.Messages[1:] {
			want := fmt.Sprintf("A says line %d,", i/2+1)
			if i%2 == 1 {
				want = fmt.Sprintf("B answers line %d,", i/2+1)
			}
			if !strings.HasPrefix(m.Content, want) || m.Partial {
				t.Errorf("%s message %d = %q, want it to start %q", filepath.Base(p), i+2, m.Content, want)
			}
		}
	}
	final, _ := transcripts.Read(jsonl)
	if final.Run.Stop == nil || final.Run.Stop.Policy != "max_messages" || final.Run.Resumes != 1 {
		t.Errorf("stop = %+v, resumes = %d", final.Run.Stop, final.Run.Resumes)
	}
}

func TestSIGINTFinalizesTheTranscript(t *testing.T) {
	dir := t.TempDir()
	// Each message streams for about half a second, so the signal, sent
	// once the third has streamed a few pieces, lands in it however late
	// a loaded machine lets the test see them.
	scenario := slowScenario(t, dir, 50, "40ms")
	cmd, out := startParley(t, "run", "--no-tui", "--out", dir, scenario)
	jsonl := waitForMessages(t, dir, 2)
	waitForOutput(t, out, thirdMessageBegun)
	cmd.Process.Signal(syscall.SIGINT)
	err := waitTimeout(t, cmd, 10*time.Second)
	if code := exitCode(err); code != exitInterrupted {
		t.Fatalf("exit code = %d, want %d\n%s", code, exitInterrupted, out)
	}
	tr, err := transcripts.Read(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopInterrupted {
		t.Fatalf("stop = %+v", tr.Run.Stop)
	}
	last := tr.Messages[len(tr.Messages)-1]
	if !last.Partial || last.Content == "" {
		t.Errorf("the message in flight was not recorded as interrupted: %+v", last)
	}
	md, _ := os.ReadFile(strings.TrimSuffix(jsonl, ".jsonl") + ".md")
	if !bytes.Contains(md, []byte(fmt.Sprintf("**Messages:** %d\n", len(tr.Messages)))) {
		t.Errorf("Markdown header not finalized:\n%s", md[:150])
	}
}

func TestSecondSIGINTExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	scenario := slowScenario(t, dir, 50, "5ms")
	cmd, out := startParley(t, "run", "--no-tui", "--out", dir, scenario)
	jsonl := waitForMessages(t, dir, 2)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	err := waitTimeout(t, cmd, 10*time.Second)
	if code := exitCode(err); code != exitInterrupted {
		t.Fatalf("exit code = %d, want %d\n%s", code, exitInterrupted, out)
	}
	tr, err := transcripts.Read(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	complete := 0
	for _, m := range tr.Messages {
		if !m.Partial {
			complete++
		}
	}
	if complete < 2 {
		t.Fatalf("only %d complete messages on disk after two SIGINTs", complete)
	}
}

func waitTimeout(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cmd.Process.Kill()
		t.Fatalf("parley did not exit within %s of the signal", d)
		return nil
	}
}

// A writer killed in the middle of a line leaves a torn last line. resume
// cuts it off (keeping its bytes beside the file) before appending, and
// afterwards every command reads the file.
func TestTornLastLineThenResumeReadsWithEveryCommand(t *testing.T) {
	dir := t.TempDir()
	scenario := slowScenario(t, dir, 4, "1ms")
	out := filepath.Join(dir, "out")
	cmd, _ := startParley(t, "run", "--no-tui", "--out", out, scenario)
	jsonl := waitForMessages(t, out, 4)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// What a kill inside write(2) leaves: the first part of a message line.
	data, _ := os.ReadFile(jsonl)
	start := bytes.LastIndex(data[:len(data)-1], []byte("\n")) + 1
	torn := data[start : start+(len(data)-start)/2]
	f, _ := os.OpenFile(jsonl, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(torn)
	f.Close()

	res := exec.Command(parleyBinary(t), "resume", "--no-tui", "--pace", "0", jsonl)
	var buf bytes.Buffer
	res.Stdout, res.Stderr = &buf, &buf
	if err := res.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), jsonl+".torn") {
		t.Errorf("resume did not say where the torn bytes went:\n%s", buf.String())
	}
	if side, _ := os.ReadFile(jsonl + ".torn"); !bytes.Equal(side, append(torn, '\n')) {
		t.Errorf("the side file holds %q, want the torn bytes", side)
	}
	tr, err := transcripts.Read(jsonl)
	if err != nil || len(tr.Messages) != 9 || len(tr.Run.Warnings) != 0 {
		t.Fatalf("after resume: %v, %d messages, warnings %q", err, len(tr.Messages), tr.Run.Warnings)
	}
	if code, md, errOut := parley(t, "export", "-o", "-", jsonl); code != exitOK || !strings.Contains(md, "**Messages:** 9") {
		t.Errorf("export: exit %d %s", code, errOut)
	}
	code, js, errOut := parley(t, "check", "--json", jsonl)
	if code == exitUsage || !strings.Contains(js, `"messages": 9`) && !strings.Contains(js, `"messages":9`) {
		t.Errorf("check: exit %d\n%s%s", code, js, errOut)
	}
	if code, _, errOut := parley(t, "resume", "--no-tui", jsonl); code == exitOK || strings.Contains(errOut, "not a JSON object") {
		t.Errorf("resume of the finished transcript: exit %d %s", code, errOut)
	}
}

// One writer per transcript: resuming a transcript another process still
// writes stops with a sentence naming that process.
func TestResumeWhileAnotherProcessWritesStops(t *testing.T) {
	dir := t.TempDir()
	scenario := slowScenario(t, dir, 50, "5ms")
	out := filepath.Join(dir, "out")
	cmd, _ := startParley(t, "run", "--no-tui", "--out", out, scenario)
	jsonl := waitForMessages(t, out, 2)
	before, _ := os.ReadFile(jsonl)
	code, _, errOut := parley(t, "resume", "--no-tui", jsonl)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// A transcript in use is a state of the machine, not a mistake in
	// the command: exit 1, as a batch folder in use gives.
	if code != exitFailure || !strings.Contains(errOut, fmt.Sprintf("pid %d", cmd.Process.Pid)) || !strings.Contains(errOut, jsonl) {
		t.Fatalf("exit %d, stderr %q; want 1 and a refusal naming pid %d", code, errOut, cmd.Process.Pid)
	}
	after, _ := os.ReadFile(jsonl)
	if !bytes.HasPrefix(after, before) || bytes.Contains(after, []byte(`"resumes"`)) {
		t.Error("the refused resume wrote to the transcript")
	}
}

// A disk that takes no more (here, a file-size limit: writes fail as on a
// full disk) before the first message is on it: parley says no
// transcript was kept, and keeps none, not a header-only pair of files.
func TestNoTranscriptIsLeftWhenTheFirstWriteFails(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash to set a file-size limit")
	}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\nopening: \""+strings.Repeat("x", 5000)+"\"\n"), 0o600)
	out := filepath.Join(dir, "out")
	cmd := exec.Command("bash", "-c", `ulimit -f 2; exec "$0" "$@"`, parleyBinary(t), "run", "--no-tui", "--out", out, scenario)
	got, err := cmd.CombinedOutput()
	if code := exitCode(err); code != exitFailure || !strings.Contains(string(got), "no transcript was kept") || !strings.Contains(string(got), "file too large") {
		t.Fatalf("exit %d; want 1, the write's error and no transcript kept:\n%s", code, got)
	}
	if _, err := os.Stat(out); err == nil {
		left, _ := os.ReadDir(out)
		t.Errorf("%s is left behind, holding %d files; want no folder, since parley made it for the transcript", out, len(left))
	}
	// The opening fits and the first reply does not: the reply came, and
	// parley does not say it stopped before it.
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [\""+strings.Repeat("y", 5000)+"\"]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\nopening: Hello.\n"), 0o600)
	cmd = exec.Command("bash", "-c", `ulimit -f 2; exec "$0" "$@"`, parleyBinary(t), "run", "--no-tui", "--out", out, scenario)
	got, err = cmd.CombinedOutput()
	if code := exitCode(err); code != exitFailure || !strings.Contains(string(got), "Stopped before any reply was recorded (error); no transcript was kept.") {
		t.Errorf("a first reply too large to write: exit %d; want 1 and that no reply was recorded:\n%s", code, got)
	}
}

// A run against an address nothing listens at keeps no transcript, and
// no folder it made for one.
func TestARunNobodyAnsweredLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, base_url: 'http://127.0.0.1:1/v1', model: m}\n  - {name: B, type: scripted, lines: [b1]}\nopening: Hello.\n"), 0o600)
	out := filepath.Join(dir, "new", "out")
	defer func() {
		if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
			t.Errorf("the folder made above %s is left behind", out)
		}
	}()
	code, stdout, errOut := parley(t, "run", "--no-tui", "--out", out, scenario)
	if code != exitFailure || !strings.Contains(stdout+errOut, "no transcript was kept") {
		t.Fatalf("exit %d; want 1 and no transcript kept\n%s%s", code, stdout, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s is left behind", out)
	}
}

// A batch session killed with SIGKILL records no end of its own; the wall
// time the next session reports still counts it, up to its last recorded
// progress (the last message on disk).
func TestBatchWallTimeCountsASessionKilledWithSIGKILL(t *testing.T) {
	dir := t.TempDir()
	scenario := slowScenario(t, dir, 40, "5ms")
	out := filepath.Join(dir, "b")
	began := time.Now()
	cmd, _ := startParley(t, "batch", scenario, "-n", "1", "--plain", "--out", out)
	run := filepath.Join(out, "runs")
	var jsonl string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && jsonl == ""; time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(run, "*", "*.jsonl")); len(m) == 1 {
			if tr, err := transcripts.Read(m[0]); err == nil && len(tr.Messages) >= 2 {
				jsonl = m[0]
			}
		}
	}
	if jsonl == "" {
		t.Fatal("the batch recorded no message")
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	killed := time.Since(began)
	tr, err := transcripts.Read(jsonl)
	if err != nil || len(tr.Messages) < 4 {
		t.Fatalf("after SIGKILL: %v, %d messages", err, len(tr.Messages))
	}
	last := tr.Messages[len(tr.Messages)-1].Ended
	// The killed session counts from its start to its last message on
	// disk: at least from the first message to the last.
	atLeast := last.Sub(tr.Messages[0].Started)

	res := exec.Command(parleyBinary(t), "batch", "--resume", out, "--plain", "--pace", "0")
	var buf bytes.Buffer
	res.Stdout, res.Stderr = &buf, &buf
	if err := res.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, buf.String())
	}
	sum := readSummaryJSON(t, out)
	if sum.Done != 1 || sum.Wall < atLeast || sum.Wall > killed+30*time.Second {
		t.Errorf("wall %v after a session killed after %v (its messages spanning %v); want the killed session counted", sum.Wall, killed, atLeast)
	}
}

// A hangup (the terminal closed, an SSH session dropped) interrupts a run
// as Ctrl-C does: the transcript is finalized, the message in flight kept
// as interrupted. Under nohup, which starts parley with SIGHUP ignored,
// the run goes on to its end.
func TestAHangupFinalizesTheTranscript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash to start parley with SIGHUP ignored")
	}
	cases := []struct {
		name     string
		ignored  bool // started as nohup starts it
		lines    int
		pace     string // per piece streamed: a message of 13 pieces takes 13 of them
		wantCode int
		wantStop string
	}{
		// Each message streams for about half a second, so the hang-up,
		// sent once the third has streamed a few pieces, lands in it
		// however late a loaded machine lets the test see them.
		{name: "from a terminal", lines: 50, pace: "40ms", wantCode: exitInterrupted, wantStop: transcripts.StopInterrupted},
		{name: "under nohup", ignored: true, lines: 3, pace: "5ms", wantCode: exitOK, wantStop: transcripts.StopPolicy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			scenario := slowScenario(t, dir, tc.lines, tc.pace)
			args := []string{"run", "--no-tui", "--out", dir, scenario}
			if tc.ignored {
				args = append([]string{"-c", `trap "" HUP; exec "$0" "$@"`, parleyBinary(t)}, args...)
			}
			bin := parleyBinary(t)
			if tc.ignored {
				bin = "bash"
			}
			if !tc.ignored && signal.Ignored(syscall.SIGHUP) {
				// The tests themselves run with SIGHUP ignored (under
				// nohup), which every child inherits, Go's too: env
				// resets it, so parley starts as from a terminal.
				env, err := exec.LookPath("env")
				if err != nil || exec.Command(env, "--default-signal=HUP", "true").Run() != nil {
					t.Skip("the tests run with SIGHUP ignored (under nohup), which parley would inherit, and env here cannot reset it (--default-signal)")
				}
				args = append([]string{"--default-signal=HUP", bin}, args...)
				bin = env
			}
			cmd := exec.Command(bin, args...)
			out := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			jsonl := waitForMessages(t, dir, 2)
			waitForOutput(t, out, thirdMessageBegun)
			cmd.Process.Signal(syscall.SIGHUP)
			err := waitTimeout(t, cmd, 20*time.Second)
			if code := exitCode(err); code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d\n%s", code, tc.wantCode, out)
			}
			tr, err := transcripts.Read(jsonl)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Run.Stop == nil || tr.Run.Stop.Kind != tc.wantStop {
				t.Fatalf("stop = %+v, want %s", tr.Run.Stop, tc.wantStop)
			}
			if last := tr.Messages[len(tr.Messages)-1]; tc.wantStop == transcripts.StopInterrupted && (!last.Partial || last.Content == "") {
				t.Errorf("the message in flight was not recorded as interrupted: %+v", last)
			}
			md, _ := os.ReadFile(strings.TrimSuffix(jsonl, ".jsonl") + ".md")
			if !bytes.Contains(md, []byte(fmt.Sprintf("**Messages:** %d\n", len(tr.Messages)))) {
				t.Errorf("Markdown header not finalized:\n%s", md[:min(len(md), 150)])
			}
		})
	}
}

// A disk that takes part of a message's JSONL line and no more (here, a
// file-size limit: writes fail as on a full disk) leaves the JSONL at its
// last whole line, not a torn one: it reads without a warning, with the
// same messages as the Markdown, and the stop follows when there is room
// for it. The sentence that stops the run says how to go on.
func TestAFullDiskLeavesNoTornLine(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash to set a file-size limit")
	}
	dir := t.TempDir()
	var a, b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&a, "      - \"A line %d: %s\"\n", i, strings.Repeat("lorem ipsum dolor sit amet ", 10))
		fmt.Fprintf(&b, "      - \"B line %d: %s\"\n", i, strings.Repeat("consectetur adipiscing elit ", 10))
	}
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - name: A\n    type: scripted\n    lines:\n"+a.String()+
		"  - name: B\n    type: scripted\n    lines:\n"+b.String()+"termination: {max_messages: 25}\n"), 0o600)
	for _, kib := range []int{10, 12, 14} {
		t.Run(fmt.Sprintf("%d KiB", kib), func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("sp ace %d", kib))
			cmd := exec.Command("bash", "-c", fmt.Sprintf(`ulimit -f %d; exec "$0" "$@"`, kib), parleyBinary(t), "run", "--no-tui", "--pace", "0", "--out", out, scenario)
			got, err := cmd.CombinedOutput()
			if code := exitCode(err); code != exitFailure || !strings.Contains(string(got), "file too large") {
				t.Fatalf("exit %d; want 1 and the write's error:\n%s", code, got)
			}
			jsonls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
			if len(jsonls) != 1 {
				t.Fatalf("%d transcripts in %s; want 1", len(jsonls), out)
			}
			want := []string{"parley", "resume", jsonls[0]}
			if said := commandIn(t, string(got), "make room, then continue the conversation with:", len(want)); !slices.Equal(said, want) {
				t.Errorf("the sentence does not say how to go on:\n%s\nsuggests %q; want %q", got, said, want)
			}
			tr, err := transcripts.Read(jsonls[0])
			if err != nil || len(tr.Run.Warnings) != 0 {
				t.Fatalf("the JSONL reads with %v, warnings %q; want no torn line", err, tr.Run.Warnings)
			}
			md, err := transcripts.Read(strings.TrimSuffix(jsonls[0], ".jsonl") + ".md")
			if err != nil || len(md.Messages) != len(tr.Messages) {
				t.Errorf("the Markdown holds %d messages (%v); want the JSONL's %d", len(md.Messages), err, len(tr.Messages))
			}
			if st := tr.Run.Stop; st != nil && (st.Kind != transcripts.StopError || st.At != len(tr.Messages)) {
				t.Errorf("stop = %+v; want an error after message %d", st, len(tr.Messages))
			}
		})
	}
}

// The first interruption cancels the command's context; the second, while
// the command still winds down (a terminal no longer read, a slow disk),
// exits at once. The second used to be waited for on the context the
// first had cancelled, so it was never seen.
func TestASecondInterruptionIsSeen(t *testing.T) {
	twice := make(chan struct{})
	ctx, stop := watchSignals([]os.Signal{syscall.SIGUSR1}, func() { close(twice) })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case <-twice:
		t.Fatal("one signal was taken for two")
	case <-time.After(signalCopies + 50*time.Millisecond):
	}
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case <-twice:
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal was not seen")
	}
}

// GNU timeout sends its SIGTERM to parley and again to parley's process
// group: the copy, arriving with the first, is one interruption, so the
// transcript is finalized as after any single one.
func TestAnInterruptionsCopyIsNotASecond(t *testing.T) {
	twice := make(chan struct{})
	ch := make(chan os.Signal, 2)
	ctx, stop := watchInterruptions(ch, func() {}, func() { close(twice) })
	defer stop()
	// Both at once, as the kernel hands parley the two timeout sends.
	ch <- syscall.SIGTERM
	ch <- syscall.SIGTERM
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case <-twice:
		t.Fatal("the signal and its copy to the process group were taken for two interruptions")
	case <-time.After(signalCopies + 100*time.Millisecond):
	}
	// Another signal than the first, even at once, is a second
	// interruption.
	twice2 := make(chan struct{})
	ch2 := make(chan os.Signal, 2)
	_, stop2 := watchInterruptions(ch2, func() {}, func() { close(twice2) })
	defer stop2()
	ch2 <- syscall.SIGTERM
	ch2 <- os.Interrupt
	select {
	case <-twice2:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM then SIGINT was not taken for two interruptions")
	}
}

package tui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// e2eScenario is a scripted conversation slow enough to steer by hand:
// each line streams for about half a second.
const e2eScenario = `title: Alpha ↔ Beta
agents:
  - name: Alpha
    type: scripted
    pace: 12ms
    lines:
%s
  - name: Beta
    type: scripted
    pace: 12ms
    lines:
%s
first: Alpha
termination:
  max_messages: 17
`

func e2eLines(who string) string {
	var b strings.Builder
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "      - \"%s line %d: **bold** words 👋 and wide 漢字 text that streams a few runes at a time, so there is time to press keys while it arrives. [%s-%d-end]\"\n", who, i, who, i)
	}
	return b.String()
}

// parleyBinary builds the binary, or takes PARLEY_BIN when set.
func parleyBinary(t *testing.T) string {
	if bin := os.Getenv("PARLEY_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "parley")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/parleyhq/parley/cmd/parley")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building parley: %v\n%s", err, out)
	}
	return bin
}

// ptyTerm is the binary running in a pseudo-terminal, with its screen.
type ptyTerm struct {
	t    *testing.T
	ptmx *os.File
	cmd  *exec.Cmd

	mu     sync.Mutex
	scr    *screen
	raw    bytes.Buffer
	closed chan struct{}
}

func startTerm(t *testing.T, rows, cols int, name string, args ...string) *ptyTerm {
	return startTermAnswering(t, rows, cols, true, name, args...)
}

// startTermAnswering starts the binary in a pseudo-terminal that answers
// the terminal's queries (background colour, cursor position) or, with
// answer false, stays silent as some terminals do.
func startTermAnswering(t *testing.T, rows, cols int, answer bool, name string, args ...string) *ptyTerm {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=", "NO_COLOR=")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		t.Skipf("no pseudo-terminal can be opened here (%v); the end-to-end test needs one", err)
	}
	tm := &ptyTerm{t: t, ptmx: ptmx, cmd: cmd, closed: make(chan struct{})}
	tm.scr = newScreen(rows, cols, func(s string) { go ptmx.WriteString(s) })
	if !answer {
		tm.scr.reply = nil
	}
	go func() {
		defer close(tm.closed)
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.raw.Write(buf[:n])
				tm.scr.feed(buf[:n])
				tm.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		ptmx.Close()
	})
	return tm
}

func (tm *ptyTerm) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.scr.Text()
}

// waitFor polls the screen until cond holds, failing after a timeout.
func (tm *ptyTerm) waitFor(what string, cond func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := tm.text()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %s; the screen shows:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *ptyTerm) press(keys string) {
	tm.t.Helper()
	if _, err := tm.ptmx.WriteString(keys); err != nil {
		tm.t.Fatalf("typing %q: %v", keys, err)
	}
}

// quit presses q and waits up to wait for parley to exit, returning how
// it exited; it fails the test when parley is still running.
func (tm *ptyTerm) quit(wait time.Duration) error {
	tm.t.Helper()
	tm.press("q")
	done := make(chan error, 1)
	go func() { done <- tm.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		tm.t.Fatalf("parley did not exit after q; the screen shows:\n%s", tm.text())
		return nil
	}
}

// typeSlowly types text a key at a time, as a person does. (Written in
// one go, bubbletea would read a word such as "up" as one key name.)
func (tm *ptyTerm) typeSlowly(text string) {
	for _, r := range text {
		tm.press(string(r))
		time.Sleep(3 * time.Millisecond)
	}
}

var statusRE = regexp.MustCompile(`message (\d+) of 17`)

// status returns the message number on the status line and whether
// someone is speaking.
func status(screen string) (n int, speaking bool) {
	for _, l := range strings.Split(screen, "\n") {
		if m := statusRE.FindStringSubmatch(l); m != nil && strings.Contains(l, "Alpha ↔ Beta") {
			n, _ = strconv.Atoi(m[1])
			return n, strings.Contains(l, " speaking ")
		}
	}
	return -1, false
}

func TestEndToEndInTerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pseudo-terminals are Unix-only here")
	}
	if testing.Short() {
		t.Skip("the end-to-end test builds and drives the binary; skipped with -short")
	}
	bin := parleyBinary(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "steer.yaml")
	if err := os.WriteFile(scenario, []byte(fmt.Sprintf(e2eScenario, e2eLines("Alpha"), e2eLines("Beta"))), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	tm := startTerm(t, 30, 100, bin, "run", scenario, "--out", out)

	// Message 1 is the opening Alpha was shown; Alpha's line 1 is message 2.
	tm.waitFor("the first message streaming", func(s string) bool { return strings.Contains(s, "Alpha #2") && strings.Contains(s, "Alpha line 1") })

	// Pause: the message in flight finishes, then nothing more comes.
	tm.press(" ")
	s := tm.waitFor("the pause to take hold", func(s string) bool {
		_, speaking := status(s)
		return strings.Contains(s, "PAUSED") && !speaking
	})
	paused, _ := status(s)
	if paused < 1 {
		t.Fatalf("no message number on the status line:\n%s", s)
	}
	time.Sleep(400 * time.Millisecond) // nearly a message's time: nothing may start
	if n, speaking := status(tm.text()); n != paused || speaking {
		t.Fatalf("while paused the conversation went on: message %d (speaking %v), paused at %d", n, speaking, paused)
	}

	// One step: exactly one more message, then paused again.
	tm.press("n")
	tm.waitFor("the stepped message to start", func(s string) bool { n, _ := status(s); return n == paused+1 })
	s = tm.waitFor("the stepped message to finish", func(s string) bool {
		n, speaking := status(s)
		return n == paused+1 && !speaking && strings.Contains(s, fmt.Sprintf("-%d-end]", (paused+1)/2))
	})
	if !strings.Contains(s, "PAUSED") {
		t.Fatalf("after one step the view no longer says paused:\n%s", s)
	}

	// A moderator note while paused.
	tm.press("i")
	tm.waitFor("the input box", func(s string) bool { return strings.Contains(s, "Inject as a moderator note") })
	tm.typeSlowly("Time to wrap up ↔ please")
	tm.press("\x13") // ctrl+s
	// Paused between messages, the note joins at once: the view says so
	// by showing it, and the notice that it would join is gone.
	tm.waitFor("the note to join", func(s string) bool {
		return !strings.Contains(s, "Inject as") && strings.Contains(s, "moderator note") && strings.Contains(s, "Time to wrap up ↔ please")
	})

	// Resume: the conversation goes on by itself.
	tm.press(" ")
	tm.waitFor("the run to resume past the step", func(s string) bool {
		n, speaking := status(s)
		return n >= paused+4 && speaking && !strings.Contains(s, "PAUSED")
	})
	s = tm.waitFor("text of the message in flight", func(s string) bool {
		_, speaking := status(s)
		return speaking && strings.Contains(s, "tok/s")
	})
	inFlight, _ := status(s)
	for _, want := range []string{"Moderator", "Time to wrap up ↔ please", "tok/s", "TTFT", "policies: messages"} {
		if !strings.Contains(s, want) {
			t.Errorf("the screen lacks %q:\n%s", want, s)
		}
	}

	// Quit mid-message.
	err := tm.quit(20 * time.Second)
	<-tm.closed
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit after quitting mid-run = %v, want status 130 (interrupted)", err)
	}
	tm.mu.Lock()
	rawOut := tm.raw.String()
	tm.mu.Unlock()
	if !strings.Contains(rawOut, "Transcript: ") || !strings.Contains(rawOut, "interrupted; every completed message is saved") {
		t.Errorf("after the view closed parley did not print the stop and the paths:\n%q", lastBytes(rawOut, 600))
	}

	// The transcript holds every completed message, the note, and the
	// message in flight marked interrupted.
	files, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("transcripts in %s: %v", out, files)
	}
	tr, err := transcripts.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Messages[len(tr.Messages)-1]
	if !last.Partial || last.Speaker == "" {
		t.Errorf("the last message is not recorded as interrupted: %+v", last)
	}
	if tr.Run == nil || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopInterrupted {
		t.Errorf("stop = %+v, want interrupted", tr.Run)
	}
	var moderator int
	for i, m := range tr.Messages[:len(tr.Messages)-1] {
		if m.Partial {
			t.Errorf("message %d is partial but not last", i+1)
		}
		if m.Origin == transcripts.OriginModerator {
			moderator++
			if m.Content != "Time to wrap up ↔ please" || i != paused+1 {
				t.Errorf("moderator note %d = %q, want it after message %d", i+1, m.Content, paused+1)
			}
		}
	}
	// The status counts messages as the budget does: moderator notes
	// are not among them.
	if len(tr.Messages)-moderator != inFlight {
		t.Errorf("transcript has %d messages and %d moderator note, the screen showed message %d in flight", len(tr.Messages), moderator, inFlight)
	}
	if moderator != 1 {
		t.Errorf("%d moderator notes recorded, want 1", moderator)
	}
	md, err := os.ReadFile(strings.TrimSuffix(files[0], ".jsonl") + ".md")
	if err != nil || !bytes.Contains(md, []byte("Time to wrap up ↔ please")) {
		t.Errorf("the Markdown transcript lacks the note (%v)", err)
	}
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func TestShowInTerminalThatDoesNotAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := parleyBinary(t)
	// A library's query unanswered would hold the view for its own wait,
	// five seconds: the view must appear about as soon as it does when
	// nothing is asked at all (PARLEY_NO_TERM_QUERY), on this machine as
	// loaded as it is, not that much later.
	appears := func() time.Duration {
		start := time.Now()
		tm := startTermAnswering(t, 30, 80, false, bin, "show", "../../../transcripts/seed/kimi-k2-vs-grok-4.md")
		tm.waitFor("the recording", func(s string) bool { return strings.Contains(s, "RECORDED") && strings.Contains(s, "Kimi K2 #1") })
		d := time.Since(start)
		tm.quit(10 * time.Second)
		return d
	}
	silent := appears()
	var unasked time.Duration
	t.Run("asking nothing", func(t *testing.T) {
		t.Setenv("PARLEY_NO_TERM_QUERY", "1")
		unasked = appears()
	})
	t.Logf("the view appeared in %s; asking nothing, in %s", silent, unasked)
	if silent > unasked+3*time.Second {
		t.Errorf("the view took %s to appear in a terminal that answers no query, and %s when nothing is asked", silent, unasked)
	}
	tm := startTermAnswering(t, 30, 80, false, bin, "show", "../../../transcripts/seed/kimi-k2-vs-grok-4.md")
	tm.waitFor("the recording", func(s string) bool { return strings.Contains(s, "RECORDED") && strings.Contains(s, "Kimi K2 #1") })
	tm.press("G")
	tm.press("\x1b[F") // End: the last message and the banner's stop
	seed, err := transcripts.Read("../../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	at, _ := policy.FirstStop(policy.Default(), seed.Messages)
	want := fmt.Sprintf("would stop after message %d", at)
	s := tm.waitFor("the end", func(s string) bool { return strings.Contains(s, want) })
	if !strings.Contains(s, "■ Recorded") {
		t.Errorf("the banner lacks the recorded stop:\n%s", s)
	}
	if err := tm.quit(10 * time.Second); err != nil {
		t.Errorf("show exited with %v", err)
	}
}

// PARLEY_NO_TERM_QUERY means the terminal is never asked for its
// background, by parley or by the libraries under its live view: nothing
// waits on a terminal that would not answer.
func TestNoTermQueryAsksNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := parleyBinary(t)
	t.Setenv("PARLEY_NO_TERM_QUERY", "1")
	tm := startTermAnswering(t, 30, 80, false, bin, "show", "../../../transcripts/seed/kimi-k2-vs-grok-4.md")
	tm.waitFor("the recording", func(s string) bool { return strings.Contains(s, "RECORDED") && strings.Contains(s, "Kimi K2 #1") })
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	if strings.Contains(raw, "\x1b]11;?") || strings.Contains(raw, "\x1b[6n") {
		t.Errorf("the terminal was asked for its background or cursor: %q", raw[:min(len(raw), 200)])
	}
	if err := tm.quit(10 * time.Second); err != nil {
		t.Errorf("show exited with %v", err)
	}
}

// A command that prints plain text on a terminal asks it nothing: its
// answer, arriving late on a slow link, would land in the shell's prompt,
// and a terminal that does not answer would hold the command up.
func TestPlainTextCommandsAskTheTerminalNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := parleyBinary(t)
	seed := "../../../transcripts/seed/kimi-k2-vs-grok-4.md"
	for _, args := range [][]string{{"show", "--no-tui", seed}, {"check", seed}, {"validate", "--offline", "../../../configs/demo.yaml"}} {
		t.Run(strings.Join(args[:len(args)-1], " "), func(t *testing.T) {
			tm := startTermAnswering(t, 30, 80, false, bin, args...)
			done := make(chan error, 1)
			go func() { done <- tm.cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("parley %s did not end; the screen shows:\n%s", strings.Join(args, " "), tm.text())
			}
			<-tm.closed
			tm.mu.Lock()
			raw := tm.raw.String()
			tm.mu.Unlock()
			if len(raw) < 40 {
				t.Fatalf("parley %s printed only %q", strings.Join(args, " "), raw)
			}
			if strings.Contains(raw, "\x1b]11;?") || strings.Contains(raw, "\x1b[6n") {
				t.Errorf("parley %s asked the terminal for its background or cursor: %q", strings.Join(args, " "), raw[:min(len(raw), 200)])
			}
		})
	}
}

// A person who quits the live view (ctrl+c) with a message typed and not
// sent for their seat's turn keeps it: it is recorded as the message in
// flight, marked interrupted, as a model's cut-off reply is, lines and
// all, never shown to the other side; resume asks for that turn again.
func TestAHumansUnsentMessageIsKeptWhenTheViewQuits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pseudo-terminals are Unix-only here")
	}
	if testing.Short() {
		t.Skip("the end-to-end test builds and drives the binary; skipped with -short")
	}
	bin := parleyBinary(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "human.yaml")
	os.WriteFile(scenario, []byte("title: me ↔ bot\nagents:\n  - {name: me, type: human}\n  - {name: bot, type: scripted, lines: [first answer, second answer]}\nfirst: me\n"), 0o600)
	out := filepath.Join(dir, "out")
	tm := startTerm(t, 30, 100, bin, "run", scenario, "--out", out)
	tm.waitFor("the input box", func(s string) bool { return strings.Contains(s, "Your turn") })
	tm.typeSlowly("a long thought")
	tm.press("\r") // enter adds a line
	tm.typeSlowly("not yet sent")
	tm.waitFor("the draft on screen", func(s string) bool { return strings.Contains(s, "not yet sent") })
	tm.press("\x03") // ctrl+c
	done := make(chan error, 1)
	go func() { done <- tm.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("parley did not exit after ctrl+c; the screen shows:\n%s", tm.text())
	}
	<-tm.closed
	files, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("transcripts in %s: %v", out, files)
	}
	tr, err := transcripts.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Messages[len(tr.Messages)-1]
	if len(tr.Messages) != 2 || last.Speaker != "me" || !last.Partial || last.Content != "a long thought\nnot yet sent" {
		t.Errorf("messages %+v; want the opening, then the unsent message, marked interrupted", tr.Messages)
	}
	if tr.Run == nil || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopInterrupted {
		t.Errorf("stop = %+v, want interrupted", tr.Run)
	}
}

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// termLine is a model's line that, printed as written, would colour the
// screen, retitle the window, write the clipboard, ring the bell, move
// the cursor back over the line and clear the screen (a C1 CSI).
const termLine = `ANSI: \e[31mred\e[0m \e]0;PWNED-TITLE\a \e]52;c;aGVsbG8=\a bell\a cr\rOVER \u009b2J done`

// shownTermLine is termLine as a terminal must be sent it: its text, without
// the bytes the terminal would act on.
const shownTermLine = "ANSI: [31mred[0m ]0;PWNED-TITLE ]52;c;aGVsbG8= bell crOVER 2J done"

// actedOn names the first byte in shown a terminal would act on rather
// than show: an escape, a bell, a carriage return other than the one a
// pseudo-terminal puts before each newline, or a C1 control.
func actedOn(shown string) string {
	shown = strings.ReplaceAll(shown, "\r\n", "\n")
	for _, r := range shown {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return string(r)
		}
	}
	return ""
}

// TERM=dumb says the terminal cannot draw the live view, not that the
// output is no terminal: what parley prints there (a headless run, show,
// check's rows, a batch's summary, the error that ends a command) drops
// the bytes the terminal would act on as it does on any other terminal;
// only piped or redirected output is byte for byte.
func TestATerminalWhoseTERMIsDumbIsSentNoControlSequences(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [\""+termLine+"\"]}\n  - {name: B, type: scripted, lines: [\"plain reply\"]}\ntermination: {max_messages: 3}\n"), 0o600)

	// The transcript show reads, recorded piped, keeps the line as the
	// model wrote it.
	recorded := filepath.Join(dir, "recorded")
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--pace", "0", "--out", recorded); code != exitOK {
		t.Fatalf("piped run: exit %d\n%s%s", code, out, errOut)
	}
	mds, _ := filepath.Glob(filepath.Join(recorded, "*.md"))
	if len(mds) != 1 {
		t.Fatalf("recorded %v", mds)
	}
	if md, _ := os.ReadFile(mds[0]); !strings.Contains(string(md), "\x1b]0;PWNED-TITLE\x07") {
		t.Fatalf("the transcript does not keep the model's bytes:\n%q", md)
	}

	// check names speakers from files other tools wrote.
	var sb strings.Builder
	for range 20 {
		sb.WriteString("### Alpha\x1b]0;PWNED-TITLE\x07 ###\nThank you so much, goodbye my friend, farewell [END]\n\n### Beta ###\nThank you, goodbye, farewell friend [END]\n\n")
	}
	looped := filepath.Join(dir, "looped.md")
	os.WriteFile(looped, []byte(sb.String()), 0o600)

	t.Setenv("TERM", "dumb")
	for _, c := range []struct {
		name   string
		stderr bool // the terminal is standard error, not standard output
		args   []string
		exit   int
		want   string // what the terminal shows of the model's text
	}{
		{"run --no-tui", false, []string{"run", scenario, "--no-tui", "--pace", "0", "--out", filepath.Join(dir, "no-tui")}, exitOK, shownTermLine},
		{"run, printed since the terminal cannot draw the view", false, []string{"run", scenario, "--pace", "0", "--out", filepath.Join(dir, "dumb")}, exitOK, shownTermLine},
		{"show --no-tui", false, []string{"show", mds[0], "--no-tui"}, exitOK, shownTermLine},
		{"show, printed since the terminal cannot draw the view", false, []string{"show", mds[0]}, exitOK, shownTermLine},
		{"check's rows", false, []string{"check", looped}, exitOK, "Alpha]0;PWNED-TITLE, "},
		{"the error line", true, []string{"check", filepath.Join(dir, "no\x1b]0;PWNED-TITLE\x07such")}, exitUsage, "no]0;PWNED-TITLEsuch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			shown, _, code := runOnTerminal(t, c.stderr, c.args...)
			if code != c.exit {
				t.Fatalf("exit %d; want %d\n%q", code, c.exit, shown)
			}
			if b := actedOn(shown); b != "" {
				t.Fatalf("the terminal was sent %q:\n%q", b, shown)
			}
			if !strings.Contains(shown, c.want) {
				t.Fatalf("the terminal does not show %q:\n%q", c.want, shown)
			}
		})
	}

	t.Run("a batch's summary", func(t *testing.T) {
		sum := &batch.Summary{Batch: "b1", Planned: 1, Failed: 1, Parallel: 1,
			Errors: []batch.Count{{Label: "bad \x1b]0;PWNED-TITLE\x07 thing", Count: 1}}}
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptmx.Close()
		pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 100})
		printSummary(tty, sum)
		tty.Close()
		got, _ := io.ReadAll(ptmx)
		shown := string(got)
		if b := actedOn(shown); b != "" {
			t.Fatalf("the terminal was sent %q:\n%q", b, shown)
		}
		if !strings.Contains(shown, "bad ]0;PWNED-TITLE thing") || strings.Contains(shown, "|---") {
			t.Fatalf("the summary is not an aligned table quoting the error without its control bytes:\n%q", shown)
		}
	})
}

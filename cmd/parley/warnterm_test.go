package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Warnings quote what parley read: a file's path, a replay's recording
// named in its scenario, a folder a fork or a resume names. Any of them
// can hold the bytes a terminal acts on (a file named with an OSC 0
// retitles the window), so every line parley writes on standard error
// drops them there, whichever command wrote it, as the error a command
// ends with does; piped or redirected, standard error is byte for byte.
func TestWarningsOnATerminalDropControlSequences(t *testing.T) {
	const (
		// A file and a folder named with an escape, an OSC 0 ended by a
		// bell, and a C1 CSI, and the names as a terminal must show them.
		recName   = "rec\x1b]0;PWNED\x07\u009bname.md"
		recShown  = "rec]0;PWNEDname.md"
		parName   = "par\x1b]0;PWNED\x07\u009bent"
		parShown  = "par]0;PWNEDent"
		headerMsg = "the header says **Messages:** 9, but 2 messages were read"
	)
	dir := t.TempDir()
	// A recording whose header miscounts its messages, and whose text
	// holds the same bytes, replayed by a scenario that names it so.
	rec := filepath.Join(dir, recName)
	os.WriteFile(rec, []byte("# A \x1b]0;PWNED\x07 vs B\n\n**Messages:** 9\n\n---\n\n### A\n\nhello \x1b]0;PWNED\x07 there \u009b2J\n\n---\n\n### B\n\nhi\n\n---\n\n"), 0o600)
	replay := filepath.Join(dir, "replay.yaml")
	os.WriteFile(replay, []byte("agents:\n  - {name: A, type: replay, transcript: \"rec\\e]0;PWNED\\a\\x9bname.md\"}\n  - {name: B, type: scripted, lines: [\"plain reply\"]}\ntermination: {max_messages: 3}\n"), 0o600)
	scripted := filepath.Join(dir, "scripted.yaml")
	os.WriteFile(scripted, []byte("agents:\n  - {name: A, type: scripted, lines: [one, two, three]}\n  - {name: B, type: scripted, lines: [uno, dos, tres]}\ntermination: {max_messages: 4}\n"), 0o600)
	// A parent recorded in a folder so named, for fork and resume.
	parent := filepath.Join(dir, parName)
	if code, out, errOut := parley(t, "run", scripted, "--no-tui", "--pace", "0", "--out", parent); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jsonls, _ := filepath.Glob(filepath.Join(parent, "*.jsonl"))
	if len(jsonls) != 1 {
		t.Fatalf("recorded %v", jsonls)
	}
	parentShown := filepath.Join(dir, parShown, filepath.Base(jsonls[0]))

	n := 0
	out := func() string { n++; return filepath.Join(dir, "out", string(rune('a'+n))) }
	for _, c := range []struct {
		name string
		args func() []string
		want string // what the terminal shows of the warning
	}{
		{"run warns of a replay's recording", func() []string {
			return []string{"run", replay, "--no-tui", "--pace", "0", "--out", out()}
		}, "agent \"A\": its recording " + recShown + ": " + headerMsg},
		{"batch warns of a replay's recording", func() []string {
			return []string{"batch", replay, "-n", "1", "--plain", "--out", out()}
		}, "agent \"A\": its recording " + recShown + ": " + headerMsg},
		{"a queued batch warns of a replay's recording", func() []string {
			return []string{"batch", replay, "-n", "1", "--plain", "--queue", "embedded", "--out", out()}
		}, "agent \"A\": its recording " + recShown + ": " + headerMsg},
		{"convert warns of what it read", func() []string {
			return []string{"convert", rec, filepath.Join(out() + ".jsonl")}
		}, "parley: warning: " + filepath.Join(dir, recShown) + ": " + headerMsg},
		{"fork names its parent", func() []string {
			return []string{"fork", jsonls[0], "--at", "2", "--scenario", scripted, "--no-tui", "--pace", "0", "--out", out()}
		}, "parley: forking " + parentShown + " after message 2"},
	} {
		for _, term := range []string{"xterm", "dumb"} {
			t.Run(c.name+", TERM="+term, func(t *testing.T) {
				t.Setenv("TERM", term)
				shown, other, code := runOnTerminal(t, true, c.args()...)
				if code != exitOK {
					t.Fatalf("exit %d\n%q\n%s", code, shown, other)
				}
				if b := actedOn(shown); b != "" {
					t.Fatalf("the terminal was sent %q:\n%q", b, shown)
				}
				if !strings.Contains(shown, c.want) {
					t.Fatalf("the terminal does not show %q:\n%q", c.want, shown)
				}
			})
		}
		t.Run(c.name+", piped", func(t *testing.T) {
			code, stdout, stderr := parley(t, c.args()...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			raw := strings.NewReplacer(recShown, recName, parShown, parName).Replace(c.want)
			if !strings.Contains(stderr, raw) {
				t.Fatalf("standard error, piped, does not hold %q byte for byte:\n%q", raw, stderr)
			}
		})
	}
}

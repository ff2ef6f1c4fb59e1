package main

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A type: human seat needs the live view; the sentence that refuses it
// names what kept the view closed, the flag given (--json, --no-tui), an
// output that is not a terminal or a terminal TERM=dumb says cannot draw
// it, and never a flag that was not given; a dumb terminal is never said
// to be no terminal.
func TestAHumanSeatWithoutTheLiveViewNamesWhatClosedIt(t *testing.T) {
	dir := t.TempDir()
	h := filepath.Join(dir, "h.yaml")
	os.WriteFile(h, []byte("agents:\n  - {name: you, type: human}\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	const refused = `agent "you" is type: human, which needs the live view, and `
	for _, c := range []struct {
		name     string
		terminal bool
		term     string // TERM; xterm when empty
		flags    []string
		want     string
	}{
		{"--json on a terminal", true, "", []string{"--json"}, "--json keeps it closed: leave out --json, on a terminal, to type that side's messages"},
		{"--no-tui on a terminal", true, "", []string{"--no-tui"}, "--no-tui keeps it closed: leave out --no-tui, on a terminal, to type that side's messages"},
		{"both on a terminal", true, "", []string{"--json", "--no-tui"}, "--json and --no-tui keep it closed: leave them out, on a terminal, to type that side's messages"},
		{"--json piped", false, "", []string{"--json"}, "--json keeps it closed: leave out --json, on a terminal, to type that side's messages"},
		{"piped", false, "", nil, "the output is not a terminal, so it cannot open: give the command on a terminal, its output neither piped nor redirected, to type that side's messages"},
		{"piped, TERM=dumb", false, "dumb", nil, "the output is not a terminal, so it cannot open: give the command on a terminal, its output neither piped nor redirected, to type that side's messages"},
		{"a terminal TERM=dumb", true, "dumb", nil, "the terminal (TERM=dumb) cannot draw it: give the command with TERM set to your terminal's type (such as TERM=xterm-256color) to type that side's messages"},
		{"--no-tui on a terminal TERM=dumb", true, "dumb", []string{"--no-tui"}, "--no-tui keeps it closed, and the terminal (TERM=dumb) cannot draw it: leave out --no-tui, with TERM set to your terminal's type (such as TERM=xterm-256color), to type that side's messages"},
		{"both on a terminal TERM=dumb", true, "dumb", []string{"--json", "--no-tui"}, "--json and --no-tui keep it closed, and the terminal (TERM=dumb) cannot draw it: leave them out, with TERM set to your terminal's type (such as TERM=xterm-256color), to type that side's messages"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("TERM", cmp.Or(c.term, "xterm"))
			args := append([]string{"run", h, "--out", t.TempDir()}, c.flags...)
			var code int
			var errOut string
			if c.terminal {
				_, errOut, code = runOnTerminal(t, false, args...)
			} else {
				code, _, errOut = parley(t, args...)
			}
			if code != exitUsage || !strings.Contains(errOut, refused+c.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and: %s%s", code, errOut, exitUsage, refused, c.want)
			}
			for _, flag := range []string{"--json", "--no-tui"} {
				if strings.Contains(errOut, flag) && !strings.Contains(strings.Join(c.flags, " "), flag) {
					t.Errorf("the sentence names %s, which was not given:\n%s", flag, errOut)
				}
			}
		})
	}
}

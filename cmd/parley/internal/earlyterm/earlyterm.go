// Package earlyterm bounds the terminal queries made at startup.
//
// Bubble Tea's package init asks the terminal for its background colour
// (through Lip Gloss and termenv) before any program runs, and waits up
// to termenv's 5 s timeout for each byte of an answer: a terminal that
// answers neither the colour nor the cursor-position query holds every
// parley command up for seconds. This package initializes first (it
// imports none of those libraries, and Go initializes packages in the
// order of their import paths once their imports are ready; a test
// checks the order). It asks the terminal itself, waiting at most
// Timeout, and only for a command that may show the live view
// (MayShowView): plain text needs nothing from the terminal. When nothing
// answers, when the command prints plain text, or when
// PARLEY_NO_TERM_QUERY says not to ask, it sets TERM=dumb, for which
// termenv sends no query, until Restore puts TERM back at the start of
// main.
package earlyterm

import (
	"strings"
	"time"
)

// Timeout bounds the startup query.
const Timeout = 300 * time.Millisecond

var (
	asked, answered, dark bool
	off                   bool // PARLEY_NO_TERM_QUERY: the terminal is never asked
	restore               func()
)

// viewCommands are the commands that may show the live view.
var viewCommands = map[string]bool{"run": true, "demo": true, "show": true, "resume": true, "fork": true, "batch": true}

// MayShowView reports whether the command line args (without the
// program's name) may show the live view, whose colours depend on the
// terminal's background: a command that only prints text (check, report,
// validate, …, and parley alone, which prints its help), and any command
// given --no-tui, does not.
func MayShowView(args []string) bool {
	command := ""
	for _, a := range args {
		switch {
		case a == "--":
			return viewCommands[command]
		case a == "--no-tui" || strings.HasPrefix(a, "--no-tui="):
			return a == "--no-tui=false"
		case command == "" && !strings.HasPrefix(a, "-"):
			command = a
		}
	}
	return viewCommands[command]
}

// Background reports what the terminal said at startup: whether its
// background is dark, and whether it answered at all (ok is false when
// stdout is not a terminal or the terminal is silent).
func Background() (isDark, ok bool) { return dark, answered }

// Silent reports whether the terminal is not to be asked again: it
// answered no query at startup (asking again would only wait again), or
// PARLEY_NO_TERM_QUERY says never to ask.
func Silent() bool { return asked && !answered || off }

// Restore undoes what startup changed for a silent terminal (TERM). Call it
// first thing in main.
func Restore() {
	if restore != nil {
		restore()
		restore = nil
	}
}

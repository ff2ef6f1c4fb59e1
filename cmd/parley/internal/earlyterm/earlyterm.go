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
// Timeout. When nothing answers, or PARLEY_NO_TERM_QUERY says not to ask,
// it sets TERM=dumb, for which termenv sends no query, until Restore puts
// TERM back at the start of main.
package earlyterm

import "time"

// Timeout bounds the startup query.
const Timeout = 300 * time.Millisecond

var (
	asked, answered, dark bool
	off                   bool // PARLEY_NO_TERM_QUERY: the terminal is never asked
	restore               func()
)

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

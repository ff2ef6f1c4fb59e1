//go:build !unix

package tui

import (
	"os"
	"time"
)

const queryTimeout = 300 * time.Millisecond

// darkBackground assumes a dark background where the terminal cannot be
// asked without risking a stall.
func darkBackground(in, out *os.File, timeout time.Duration) (dark, ok bool) { return true, false }

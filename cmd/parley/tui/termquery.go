package tui

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/cmd/parley/internal/earlyterm"
)

// queryTimeout bounds how long the view waits for the terminal to say its
// background colour. Terminals answer in milliseconds; one that does not
// answer at all must not hold the view up for seconds.
const queryTimeout = earlyterm.Timeout

// darkBackground reports whether the terminal's background is dark, and
// whether it could tell: from COLORFGBG when set, else from what the
// terminal said at startup, else by asking (waiting at most timeout). A
// terminal that was silent at startup is not asked again.
func darkBackground(in, out *os.File, timeout time.Duration) (dark, ok bool) {
	if v := os.Getenv("COLORFGBG"); v != "" {
		parts := strings.Split(v, ";")
		if bg, err := strconv.Atoi(parts[len(parts)-1]); err == nil {
			return bg != 7 && bg < 9 || bg > 15, true
		}
	}
	if d, ok := earlyterm.Background(); ok {
		return d, true
	}
	if earlyterm.Silent() || in == nil || out == nil {
		return true, false
	}
	return earlyterm.Query(in, out, timeout)
}

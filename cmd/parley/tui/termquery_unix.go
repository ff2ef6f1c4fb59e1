//go:build unix

package tui

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// queryTimeout bounds how long startup waits for the terminal to say its
// background colour. Terminals answer in milliseconds; one that does not
// answer at all must not hold the view up for seconds.
const queryTimeout = 300 * time.Millisecond

var (
	oscBackground = regexp.MustCompile(`\x1b\]11;rgba?:([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})`)
	cursorReport  = regexp.MustCompile(`\x1b\[\d+;\d+R`)
)

// darkBackground reports whether the terminal's background is dark, and
// whether it could tell. It reads COLORFGBG when set; otherwise it asks
// the terminal (OSC 11, then a cursor position report, which every
// terminal answers, as a sentinel) and waits at most timeout.
func darkBackground(in, out *os.File, timeout time.Duration) (dark, ok bool) {
	if v := os.Getenv("COLORFGBG"); v != "" {
		parts := strings.Split(v, ";")
		if bg, err := strconv.Atoi(parts[len(parts)-1]); err == nil {
			return bg != 7 && bg < 9 || bg > 15, true
		}
	}
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return true, false
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return true, false
	}
	defer term.Restore(fd, state)
	if _, err := out.WriteString("\x1b]11;?\x07\x1b[6n"); err != nil {
		return true, false
	}
	deadline := time.Now().Add(timeout)
	var got []byte
	buf := make([]byte, 256)
	for !cursorReport.Match(got) {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		var set unix.FdSet
		set.Set(fd)
		tv := unix.NsecToTimeval(left.Nanoseconds())
		n, err := unix.Select(fd+1, &set, nil, nil, &tv)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			break
		}
		k, err := in.Read(buf)
		if err != nil || k == 0 {
			break
		}
		got = append(got, buf[:k]...)
	}
	m := oscBackground.FindSubmatch(got)
	if m == nil {
		return true, false
	}
	var lum float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(string(m[i+1]), 16, 32)
		lum += weight * float64(v) / float64(uint64(1)<<(4*len(m[i+1]))-1)
	}
	return lum < 0.5, true
}

//go:build unix

package earlyterm

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/parleyhq/parley/internal/lazy"
)

var (
	oscBackground = lazy.Regexp(`\x1b\]11;rgba?:([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})`)
	cursorReport  = lazy.Regexp(`\x1b\[\d+;\d+R`)
)

func init() {
	t := os.Getenv("TERM")
	quiet := func() {
		if t != "" && !strings.HasPrefix(t, "dumb") {
			os.Setenv("TERM", "dumb")
			restore = func() { os.Setenv("TERM", t) }
		}
	}
	if os.Getenv("PARLEY_NO_TERM_QUERY") != "" {
		// Nobody asks: not this package, and not termenv, which would
		// wait its 5 s on a terminal that does not answer.
		off = true
		quiet()
		return
	}
	if !MayShowView(os.Args[1:]) {
		// Plain text needs no colours from the terminal: nobody asks
		// now. Should the command show the view after all, the view
		// asks for itself.
		quiet()
		return
	}
	if strings.HasPrefix(t, "screen") || strings.HasPrefix(t, "tmux") || strings.HasPrefix(t, "dumb") {
		return
	}
	// termenv asks through stdout, as its output; so does this.
	fd := int(os.Stdout.Fd())
	if !term.IsTerminal(fd) {
		return
	}
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		return // in the background: termenv does not ask either
	}
	asked = true
	dark, answered = Query(os.Stdout, os.Stdout, Timeout)
	if !answered {
		os.Setenv("TERM", "dumb")
		restore = func() { os.Setenv("TERM", t) }
	}
}

// Query asks the terminal (read from in, written to out) for its
// background colour and waits at most timeout for the answer, which ends
// at the cursor-position report every terminal sends. answered is false
// when no report came.
func Query(in, out *os.File, timeout time.Duration) (isDark, answered bool) {
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
	for !cursorReport().Match(got) {
		left := time.Until(deadline)
		if left <= 0 {
			return true, false
		}
		var set unix.FdSet
		set.Set(fd)
		tv := unix.NsecToTimeval(left.Nanoseconds())
		n, err := unix.Select(fd+1, &set, nil, nil, &tv)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return true, false
		}
		k, err := unix.Read(fd, buf)
		if err != nil || k <= 0 {
			return true, false
		}
		got = append(got, buf[:k]...)
	}
	m := oscBackground().FindSubmatch(got)
	if m == nil {
		return true, true // it answers, but not about colours: assume dark
	}
	var lum float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(string(m[i+1]), 16, 32)
		lum += weight * float64(v) / float64(uint64(1)<<(4*len(m[i+1]))-1)
	}
	return lum < 0.5, true
}

// Package controls removes from text the bytes a terminal acts on rather
// than shows: control characters other than newline and tab (the escape
// that starts every escape sequence among them, and the carriage return
// that would let a line overwrite one already shown), DEL, and the C1
// controls U+0080–U+009F, which terminals also read as the start of a
// sequence. Printed as written, a model's text or a provider's error could
// retitle the window, write the clipboard (OSC 52), or move the cursor over
// what was printed. What is left of a sequence once its escape is dropped
// is shown as text.
//
// A byte that is not part of UTF-8 (text in another encoding, a character
// cut in two) is shown as U+FFFD, the replacement character, one for each
// such byte: a terminal that reads 8-bit controls would take a raw 0x9b
// for CSI, whatever encoding it was meant in. It is replaced rather than
// dropped so that the reader sees something was there ("caf�", not "caf",
// and two words are not run together), as the live view shows it and the
// JSONL transcript, which encoding/json writes, records it; one for each
// byte, as Go reads such text and the live view measures it.
//
// Transcripts keep such text byte for byte; what parley prints to a
// terminal (the live view, the plain-text output, everything it writes on
// standard error: warnings, which quote file names, and errors), and the
// views it writes for reading (a batch's summary.md, a report's report.md
// and report.html, where these bytes are invalid HTML anyway), pass it
// through here.
package controls

import (
	"io"
	"sync"
	"unicode/utf8"
)

// replacement is U+FFFD as UTF-8, shown for each byte that is not UTF-8.
const replacement = "\uFFFD"

// Filter passes on what it is written without the bytes Strip removes,
// and with each byte that is not UTF-8 shown as U+FFFD, as Strip shows
// it. A character's bytes may arrive in separate writes: a write ending
// in the first bytes of one is held until the next, which completes it or
// shows them as not UTF-8. (What parley writes through a Filter ends with
// text of its own, a newline at least, so nothing is left held.)
//
// A Filter may be written from several goroutines at once, as the
// *os.File it stands in front of may: each write is passed on whole, one
// after another, as the file takes them.
type Filter struct {
	mu   sync.Mutex
	w    io.Writer
	held []byte // the first bytes of a character the last write ended in
	buf  []byte // what is passed on, kept between writes
}

// NewFilter returns a Filter that writes to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w} }

// Strip is s without the bytes a Filter removes, and with each byte that
// is not UTF-8 shown as U+FFFD: for text a provider or a model wrote (an
// error's body, a judge's reason, a message the live view shows) quoted
// among text of parley's own. Text with nothing to remove is returned as
// it is.
func Strip(s string) string {
	if asShown(s) {
		return s
	}
	out, _ := appendShown(make([]byte, 0, len(s)), []byte(s), true)
	return string(out)
}

// asShown reports whether s holds nothing Strip changes: no control
// character but newline and tab, no DEL, no C1 control (0xc2 then a byte
// 0x80–0x9f, in UTF-8), and no byte that is not UTF-8.
func asShown(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < utf8.RuneSelf && !kept(c):
			return false
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xa0:
			return false
		}
	}
	return utf8.ValidString(s)
}

func (f *Filter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	src := p
	if len(f.held) > 0 {
		src = append(f.held, p...)
	}
	out, rest := appendShown(f.buf[:0], src, false)
	f.held = append([]byte(nil), rest...)
	f.buf = out
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := f.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// kept reports whether the ASCII byte c is shown: it is not a control
// character, or it is a newline or a tab.
func kept(c byte) bool { return c >= 0x20 && c != 0x7f || c == '\n' || c == '\t' }

// appendShown appends to out what a terminal is given of p: p without the
// control characters (but newline and tab), DEL and C1 controls, and with
// each byte that is not UTF-8 as U+FFFD. Unless p is the end of the text
// (end), p may end in the first bytes of a character: they are left, and
// returned, for the bytes that complete it.
func appendShown(out, p []byte, end bool) ([]byte, []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if kept(c) {
				out = append(out, c)
			}
			i++
			continue
		}
		if !end && !utf8.FullRune(p[i:]) {
			return out, p[i:]
		}
		r, n := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, replacement...)
		case r < 0xa0: // a C1 control
		default:
			out = append(out, p[i:i+n]...)
		}
		i += n
	}
	return out, nil
}

// EscapeJSON is the JSON data, as encoding/json writes it, with DEL and
// the C1 controls written as \u escapes, which encoding/json leaves raw:
// it reads back the same, and `cat` of the file shows them rather than
// obeys them. (Controls below space it escapes already.) Outside strings
// JSON holds none of these bytes, so each is a character of a string.
func EscapeJSON(data []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(data); i++ {
		var r byte
		switch c := data[i]; {
		case c == 0x7f:
			r = c
		case c == 0xc2 && i+1 < len(data) && data[i+1] >= 0x80 && data[i+1] < 0xa0:
			r = data[i+1]
		default:
			continue
		}
		out = append(out, data[last:i]...)
		out = append(out, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		if r != 0x7f {
			i++
		}
		last = i + 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

const hex = "0123456789abcdef"

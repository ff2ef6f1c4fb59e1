// Package controls removes from text the bytes a terminal acts on rather
// than shows: control characters other than newline and tab (the escape
// that starts every escape sequence among them, and the carriage return
// that would let a line overwrite one already shown), DEL, and the C1
// controls U+0080–U+009F, which terminals also read as the start of a
// sequence. Printed as written, a model's text or a provider's error could
// retitle the window, write the clipboard (OSC 52), or move the cursor over
// what was printed. What is left of a sequence once its escape is dropped
// is shown as text, as the live view shows it.
//
// Transcripts keep such text byte for byte; what parley prints to a
// terminal, and the views it writes for reading (a batch's summary.md, a
// report's report.md and report.html, where these bytes are invalid HTML
// anyway), pass it through here.
package controls

import (
	"io"
	"strings"
)

// Filter passes on what it is written without the bytes Strip removes. A
// C1 control's two bytes may arrive in separate writes: a write ending in
// the first is held until the next.
type Filter struct {
	w    io.Writer
	lead bool   // the last write ended with 0xc2, the lead byte of a C1 control
	buf  []byte // what is passed on, kept between writes
}

// NewFilter returns a Filter that writes to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w} }

// Strip is s without the bytes a Filter removes: for text a provider or a
// model wrote (an error's body, a judge's reason) quoted among text of
// parley's own.
func Strip(s string) string {
	var b strings.Builder
	f := Filter{w: &b}
	f.Write([]byte(s + "\n")) // a newline: a trailing 0xc2 is not held back
	return strings.TrimSuffix(b.String(), "\n")
}

func (f *Filter) Write(p []byte) (int, error) {
	out := f.buf[:0]
	i := 0
	if f.lead && len(p) > 0 {
		f.lead = false
		if p[0] >= 0x80 && p[0] < 0xa0 {
			i = 1
		} else {
			out = append(out, 0xc2)
		}
	}
	for ; i < len(p); i++ {
		c := p[i]
		switch {
		case c < 0x20 && c != '\n' && c != '\t', c == 0x7f:
			continue
		case c == 0xc2 && i+1 == len(p):
			f.lead = true
			continue
		case c == 0xc2 && p[i+1] >= 0x80 && p[i+1] < 0xa0:
			i++
			continue
		}
		out = append(out, c)
	}
	f.buf = out
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := f.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
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

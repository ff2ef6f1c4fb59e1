package transcripts

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The Markdown layout:
//
//	# A ↔ B
//
//	**Started:** 2006-01-02 15:04:05
//	**Ended:** 2006-01-02 15:04:05
//	**Messages:** N
//
//	---
//
//	### Speaker
//
//	content
//
//	---
//
// and so on, one block per message. A line that is exactly "---" always ends
// a message, so a "### Heading" inside content can never be mistaken for a
// speaker. Content lines that would read as a separator ("---", and "\---",
// "\\---", …) are written with one more leading backslash and read back
// with one less, so any content round-trips to the same string. In rendered
// Markdown, "\---" shows as the literal dashes the speaker wrote.

// Header writes the Markdown header. A zero ended time is written as blank.
func writeHeader(w io.Writer, title string, started, ended time.Time, n int) error {
	_, err := fmt.Fprintf(w, "# %s\n\n**Started:** %s\n**Ended:** %s\n**Messages:** %d\n\n---\n\n",
		title, formatTime(started), formatTime(ended), n)
	return err
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(TimeLayout)
}

// AppendMarkdownMessage writes one message block.
func AppendMarkdownMessage(w io.Writer, m Message) error {
	var b strings.Builder
	b.WriteString("### ")
	b.WriteString(markdownSpeaker(m))
	b.WriteString("\n\n")
	b.WriteString(escapeContent(m.Content))
	b.WriteString("\n\n---\n\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownSpeaker is the heading a message gets. Injected and partial
// messages are marked so a reader of the Markdown knows what they are; the
// marks are parsed back by ReadMarkdown.
func markdownSpeaker(m Message) string {
	s := m.Speaker
	if m.Origin == OriginInjected {
		s += " " + markInjected
	}
	if m.Partial {
		s += " " + markPartial
	}
	return s
}

const (
	markInjected = "(injected)"
	markPartial  = "(interrupted)"
)

// WriteMarkdown writes a whole transcript.
func WriteMarkdown(w io.Writer, t *Transcript) error {
	bw := bufio.NewWriter(w)
	if err := writeHeader(bw, t.Title, t.Started, t.Ended, len(t.Messages)); err != nil {
		return err
	}
	for _, m := range t.Messages {
		if err := AppendMarkdownMessage(bw, m); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// MarkdownHeader writes the header alone, for writers that append messages
// as a conversation runs.
func MarkdownHeader(w io.Writer, title string, started, ended time.Time, n int) error {
	return writeHeader(w, title, started, ended, n)
}

// isSeparatorLike reports whether a line reads as a separator, or as an
// escaped one: "---", "\---", "\\---", … (a trailing \r is ignored, so
// files with Windows line ends read the same).
func isSeparatorLike(line string) bool {
	line = strings.TrimSuffix(line, "\r")
	return strings.HasSuffix(line, "---") && strings.Trim(line[:len(line)-3], `\`) == ""
}

func escapeContent(s string) string {
	if !strings.Contains(s, "---") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if isSeparatorLike(l) {
			lines[i] = `\` + l
		}
	}
	return strings.Join(lines, "\n")
}

func unescapeLine(l string) string {
	if strings.HasPrefix(l, `\`) && isSeparatorLike(l) {
		return l[1:]
	}
	return l
}

// ParseError reports where a Markdown transcript could not be read.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ReadMarkdown reads a transcript in parley's Markdown layout. It accepts a
// header whose counts are not yet final and a last block cut short by a
// crash (the partial block is kept as it stands).
func ReadMarkdown(r io.Reader) (*Transcript, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParseMarkdown(data)
}

// ParseMarkdown is ReadMarkdown on bytes. It reads the file once, line by
// line, and each message's content is a slice of one copy of it: a
// message is copied again only when it holds an escaped separator.
func ParseMarkdown(data []byte) (*Transcript, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	c := lineCursor{text: text}
	t := &Transcript{}
	// Skip leading blank lines.
	for !c.done() && strings.TrimSpace(c.line()) == "" {
		c.next()
	}
	if c.done() || !strings.HasPrefix(c.line(), "# ") {
		return nil, &ParseError{Line: c.n + 1, Msg: `expected a "# A ↔ B" title line`}
	}
	t.Title = strings.TrimSuffix(c.line()[2:], "\r")
	c.next()
	// Header fields until the first separator.
	for ; !c.done(); c.next() {
		l := strings.TrimSuffix(c.line(), "\r")
		if l == "---" {
			c.next()
			break
		}
		if k, v, ok := headerField(l); ok {
			switch k {
			case "Started":
				t.Started, _ = time.ParseInLocation(TimeLayout, v, time.Local)
			case "Ended":
				t.Ended, _ = time.ParseInLocation(TimeLayout, v, time.Local)
			case "Messages":
				if _, err := strconv.Atoi(v); err != nil && v != "" {
					return nil, &ParseError{Line: c.n + 1, Msg: fmt.Sprintf("**Messages:** is %q, not a number", v)}
				}
			}
		}
	}
	// Message blocks: "### Speaker", "", content..., "", "---", "".
	for !c.done() {
		l := strings.TrimSuffix(c.line(), "\r")
		if strings.TrimSpace(l) == "" {
			c.next()
			continue
		}
		if !strings.HasPrefix(l, "### ") {
			return nil, &ParseError{Line: c.n + 1, Msg: fmt.Sprintf("expected a \"### Speaker\" line, found %q", clip(l))}
		}
		m := parseSpeaker(l[4:])
		c.next()
		if c.done() { // the heading ends the file
			t.Messages = append(t.Messages, m)
			break
		}
		start := c.at
		torn := !c.toSeparator()
		m.Content = blockContent(text[start:c.at], torn)
		t.Messages = append(t.Messages, m)
		if !torn {
			c.next()
		}
	}
	return t, nil
}

// lineCursor walks the lines of text as strings.Split(text, "\n") gives
// them, by offset: a text ending in a newline has an empty last line.
type lineCursor struct {
	text string
	at   int // where the current line starts; len(text)+1 past the last line
	n    int // the current line's index
}

func (c *lineCursor) done() bool { return c.at > len(c.text) }

// line is the current line, without its newline.
func (c *lineCursor) line() string {
	rest := c.text[c.at:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		return rest[:i]
	}
	return rest
}

func (c *lineCursor) next() {
	if i := strings.IndexByte(c.text[c.at:], '\n'); i >= 0 {
		c.at += i + 1
	} else {
		c.at = len(c.text) + 1
	}
	c.n++
}

// toSeparator moves to the next line that is exactly "---" (a carriage
// return may end it), from the current line on, and reports whether there
// is one; without one it moves to the end of the text.
func (c *lineCursor) toSeparator() bool {
	from := c.at
	for p := from; p <= len(c.text); {
		rest := c.text[p:]
		if strings.HasPrefix(rest, "---") {
			if r := rest[3:]; r == "" || r[0] == '\n' || strings.HasPrefix(r, "\r\n") || r == "\r" {
				c.n += strings.Count(c.text[from:p], "\n")
				c.at = p
				return true
			}
		}
		k := strings.Index(rest, "\n---")
		if k < 0 {
			break
		}
		p += k + 1
	}
	c.n += strings.Count(c.text[from:], "\n") + 1
	c.at = len(c.text)
	return false
}

// blockContent is a message's content from the lines of its block between
// the heading and the separator (block ends with the newline before the
// separator, or is the rest of a torn file): without the blank line after
// the heading and the one before the separator (every blank line at the
// end of a torn block), separators unescaped.
func blockContent(block string, torn bool) string {
	if !torn {
		// The newline before the separator ends the last line, not the text.
		if !strings.HasSuffix(block, "\n") {
			return "" // the separator follows the heading at once
		}
		block = block[:len(block)-1]
	}
	// The first line, when blank.
	if first, rest, ok := strings.Cut(block, "\n"); isBlankLine(first) {
		if !ok {
			return ""
		}
		block = rest
	}
	if torn {
		for {
			i := strings.LastIndexByte(block, '\n')
			if !isBlankLine(block[i+1:]) {
				break
			}
			if i < 0 {
				return ""
			}
			block = block[:i]
		}
	} else if i := strings.LastIndexByte(block, '\n'); isBlankLine(block[i+1:]) {
		if i < 0 {
			return ""
		}
		block = block[:i]
	}
	if !strings.Contains(block, "\\---") {
		return block
	}
	lines := strings.Split(block, "\n")
	for k, l := range lines {
		lines[k] = unescapeLine(l)
	}
	return strings.Join(lines, "\n")
}

func isBlankLine(l string) bool { return l == "" || l == "\r" }

func parseSpeaker(s string) Message {
	s = strings.TrimSuffix(s, "\r")
	m := Message{}
	if strings.HasSuffix(s, " "+markPartial) {
		m.Partial = true
		s = strings.TrimSuffix(s, " "+markPartial)
	}
	if strings.HasSuffix(s, " "+markInjected) {
		m.Origin = OriginInjected
		s = strings.TrimSuffix(s, " "+markInjected)
	}
	if s == ModeratorSpeaker {
		m.Origin = OriginModerator
	}
	m.Speaker = s
	return m
}

func headerField(l string) (key, val string, ok bool) {
	if !strings.HasPrefix(l, "**") {
		return "", "", false
	}
	rest := l[2:]
	k, v, found := strings.Cut(rest, ":**")
	if !found {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// LooksLikeMarkdown reports whether data starts like a parley Markdown transcript.
func LooksLikeMarkdown(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, "\ufeff \r\n\t"), []byte("# "))
}

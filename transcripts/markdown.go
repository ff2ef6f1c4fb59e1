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
// A fork's header adds "**Forked from:** PARENT, message N".
func writeHeader(w io.Writer, title string, started, ended time.Time, n int, parent *Parent) error {
	fork := ""
	if parent != nil {
		fork = fmt.Sprintf("**Forked from:** %s, message %d\n", parent.Path, parent.At)
	}
	_, err := fmt.Fprintf(w, "# %s\n\n**Started:** %s\n**Ended:** %s\n**Messages:** %d\n%s\n---\n\n",
		title, formatTime(started), formatTime(ended), n, fork)
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
	var parent *Parent
	if t.Run != nil {
		parent = t.Run.Parent
	}
	if err := writeHeader(bw, t.Title, t.Started, t.Ended, len(t.Messages), parent); err != nil {
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
	return writeHeader(w, title, started, ended, n, nil)
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

// ParseMarkdown is ReadMarkdown on bytes.
func ParseMarkdown(data []byte) (*Transcript, error) {
	text := string(data)
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(text, "\n")
	// A trailing newline leaves one empty element; keep indexes 1-based for errors.
	t := &Transcript{}
	i := 0
	// Skip leading blank lines.
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "# ") {
		return nil, &ParseError{Line: i + 1, Msg: `expected a "# A ↔ B" title line`}
	}
	t.Title = strings.TrimSuffix(lines[i][2:], "\r")
	i++
	// Header fields until the first separator.
	for ; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if l == "---" {
			i++
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
					return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("**Messages:** is %q, not a number", v)}
				}
			}
		}
	}
	// Message blocks: "### Speaker", "", content..., "", "---", "".
	for i < len(lines) {
		l := strings.TrimSuffix(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			i++
			continue
		}
		if !strings.HasPrefix(l, "### ") {
			return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("expected a \"### Speaker\" line, found %q", clip(l))}
		}
		m := parseSpeaker(l[4:])
		start := i + 1
		j := start
		for j < len(lines) && strings.TrimSuffix(lines[j], "\r") != "---" {
			j++
		}
		body := lines[start:j]
		// Drop the blank line after the heading and the one before "---".
		if len(body) > 0 && isBlankLine(body[0]) {
			body = body[1:]
		}
		if j < len(lines) && len(body) > 0 && isBlankLine(body[len(body)-1]) {
			body = body[:len(body)-1]
		} else if j >= len(lines) {
			// A torn last block: trim the blank tail a crash may leave.
			for len(body) > 0 && isBlankLine(body[len(body)-1]) {
				body = body[:len(body)-1]
			}
		}
		for k, b := range body {
			body[k] = unescapeLine(b)
		}
		m.Content = strings.Join(body, "\n")
		t.Messages = append(t.Messages, m)
		i = j + 1
	}
	return t, nil
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

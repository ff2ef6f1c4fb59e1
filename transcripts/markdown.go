package transcripts

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/phrase"
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
// and so on, one block per message. Other tools write the same layout
// without escaping anything, so model output holding its own "---" rules
// and "### Heading" lines is common. The reader therefore takes a "---"
// line as the end of a message only when the next non-blank line is
// "### S" for one of the conversation's speakers S (or when nothing but
// blank lines follows); any other "---" line is content. The speakers come
// from the "# A ↔ B" title, or, when the title does not name the first
// speaker, from the first two speakers' headings.
//
// One layout is ambiguous: a message holding a "---" line, then blank
// lines, then "### B" where B is a speaker. parley's own writer escapes a
// content line that reads as a separator ("---", "\---", …) with one more
// leading backslash when the next non-blank line of the message starts
// with "### ", and the reader removes one backslash from such a line when
// the next non-blank line starts with "### ". So parley's files read back
// byte for byte, and another tool's file reads as written unless a message
// holds that ambiguous "---" and heading pair (or a line of backslashes
// and dashes right before a heading, which loses one backslash).

// writeHeader writes the Markdown header. A zero ended time is written as blank.
// A fork's header adds its forkHeader lines.
func writeHeader(w io.Writer, title string, started, ended time.Time, n int, run *Run) error {
	_, err := fmt.Fprintf(w, "# %s\n\n**Started:** %s\n**Ended:** %s\n**Messages:** %d\n%s\n---\n\n",
		title, formatTime(started), formatTime(ended), n, forkHeader(run))
	return err
}

// forkHeader is what a fork's header adds: "**Forked from:** PARENT,
// message N", and for each name a seat had before the fork handed it to
// another model, "**Formerly:** SEAT was NAME", so that a reader of the
// Markdown alone judges the seat's earlier messages as its own, as the
// live run did (Run.Seated). "" for a run that is no fork.
func forkHeader(run *Run) string {
	if run == nil || run.Parent == nil {
		return ""
	}
	s := fmt.Sprintf("**Forked from:** %s, message %d\n", run.Parent.Path, run.Parent.At)
	for _, a := range run.Agents {
		for _, f := range a.Formerly {
			s += fmt.Sprintf("**Formerly:** %s was %s\n", a.Name, f)
		}
	}
	return s
}

// formatTime is t as the header writes it: in this machine's local time,
// which names no zone, as readers read it back.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(TimeLayout)
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
// marks are parsed back by ParseMarkdown.
func markdownSpeaker(m Message) string {
	s := escapeName(m.Speaker)
	if m.Origin == OriginOpening {
		s += " " + markOpening
	}
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

// escapeName writes a name that ends with a mark, or with a mark after
// backslashes (" (interrupted)", " \(interrupted)", …), with one more
// backslash before the mark's "(", so that the reader does not take the
// mark for one parley added; as Markdown shows "\(" as "(", the heading
// still shows the name as written. unescapeName reverses it.
func escapeName(name string) string {
	if i := markedAt(name); i >= 0 {
		return name[:i] + `\` + name[i:]
	}
	return name
}

// unescapeName is the name escapeName wrote: one backslash fewer before a
// mark that ends it after backslashes. parseSpeaker asks it once the
// marks parley adds have been read off.
func unescapeName(name string) string {
	if i := markedAt(name); i >= 0 && name[i] == '\\' {
		return name[:i] + name[i+1:]
	}
	return name
}

// markedAt is where the backslashes begin (or the "(" when there are
// none) of a mark that ends name after a space and any number of
// backslashes, or -1 when name ends with no mark.
func markedAt(name string) int {
	for _, mark := range []string{markPartial, markInjected, markOpening} {
		rest, ok := strings.CutSuffix(name, mark)
		if !ok {
			continue
		}
		i := len(strings.TrimRight(rest, `\`))
		if i > 0 && rest[i-1] == ' ' {
			return i
		}
	}
	return -1
}

// NameMark is the mark a speaker's name ends with that the Markdown layout
// puts after a name to mark an opening, injected or interrupted message
// ("(interrupted)"), or "" when it ends with none. The Markdown writer
// escapes such a name (escapeName), as another tool's file may give it,
// but a person reading the transcript would take its messages for marked
// ones of a speaker with a shorter name, so scenarios refuse such names.
func NameMark(name string) string {
	for _, mark := range []string{markPartial, markInjected, markOpening} {
		if strings.HasSuffix(name, " "+mark) {
			return mark
		}
	}
	return ""
}

// WriteMarkdown writes a whole transcript in the layout of a recording
// (blank **Started:** and **Ended:** lines while unknown).
func WriteMarkdown(w io.Writer, t *Transcript) error { return writeMarkdown(w, t, true) }

// writeMarkdown writes t. live keeps blank **Started:**/**Ended:** lines,
// the layout of a recording still being written; otherwise a time is
// written only when known (see WriteFile).
func writeMarkdown(w io.Writer, t *Transcript, live bool) error {
	bw := bufio.NewWriter(w)
	if live {
		if err := writeHeader(bw, t.Title, t.Started, t.Ended, len(t.Messages), t.Run); err != nil {
			return err
		}
	} else {
		// A bufio.Writer keeps its first error; Flush below reports it.
		fmt.Fprintf(bw, "# %s\n\n", t.Title)
		if !t.Started.IsZero() {
			fmt.Fprintf(bw, "**Started:** %s\n", formatTime(t.Started))
		}
		if !t.Ended.IsZero() {
			fmt.Fprintf(bw, "**Ended:** %s\n", formatTime(t.Ended))
		}
		fmt.Fprintf(bw, "**Messages:** %d\n", len(t.Messages))
		fmt.Fprint(bw, forkHeader(t.Run))
		fmt.Fprintf(bw, "\n---\n\n")
	}
	for _, m := range t.Messages {
		if err := AppendMarkdownMessage(bw, m); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// isSeparatorLike reports whether a line reads as a separator, or as an
// escaped one: "---", "\---", "\\---", … (space and a \r after it are
// ignored, as isRule ignores them).
func isSeparatorLike(line string) bool {
	line = trimLineEnd(line)
	return strings.HasSuffix(line, "---") && strings.Trim(line[:len(line)-3], `\`) == ""
}

// isRule reports whether a line is a "---" separator: space or tabs after
// it, which editors and other tools leave, and a \r (files saved with
// Windows line ends) are ignored.
func isRule(line string) bool {
	// Most lines are content: their first byte rules them out.
	return len(line) >= 3 && line[0] == '-' && trimLineEnd(line) == "---"
}

// trimLineEnd is strings.TrimRight(s, " \t\r"): the space, tabs and \r
// that end a line. The readers ask it of nearly every line of a file, and
// strings.TrimRight builds its set of characters anew on each call.
func trimLineEnd(s string) string {
	for len(s) > 0 {
		switch s[len(s)-1] {
		case ' ', '\t', '\r':
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// escapeContent adds a backslash to each content line that reads as a
// separator when the next non-blank line starts with "### ", the only place
// where a reader could take it for the end of the message.
func escapeContent(s string) string {
	if !strings.Contains(s, "---") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if isSeparatorLike(l) && headingFollows(lines, i+1) {
			lines[i] = `\` + l
		}
	}
	return strings.Join(lines, "\n")
}

// headingFollows reports whether the first non-blank line of lines[from:]
// starts with "### ".
func headingFollows(lines []string, from int) bool {
	for _, l := range lines[from:] {
		if strings.TrimSpace(l) != "" {
			return strings.HasPrefix(l, "### ")
		}
	}
	return false
}

// ParseError reports where a Markdown transcript could not be read.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseMarkdown reads a transcript in parley's Markdown layout. It accepts
// a header whose counts are not yet final and a last block cut short by a
// crash (the partial block is kept as it stands). Whatever it noticed but
// could read past (a header count that disagrees with the messages, a last
// message with no closing "---") is in the transcript's Warnings.
func ParseMarkdown(data []byte) (*Transcript, error) {
	return parseMarkdown(string(data))
}

// parseMarkdown is ParseMarkdown on text, which messages' contents slice.
func parseMarkdown(text string) (*Transcript, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	lb := splitLines(text)
	defer lb.release()
	t, declared, err := parseMarkdownLines(text, lb.lines, lb.starts, nil, nil)
	if err != nil {
		return t, err
	}
	var fenced []bool
	if mayHoldFences(text) && repeats(speakerNames(t)) > 0 {
		// A "---" and "### Speaker" inside a message's code block may have
		// ended it (see fence.go). A header count the second reading meets
		// and the first does not settles it too.
		if fenced = fencedLines(lb.lines); fenced != nil {
			f, _, ferr := parseMarkdownLines(text, lb.lines, lb.starts, fenced, nil)
			if ferr == nil && (betterSkipping(speakerNames(t), speakerNames(f)) || declared > 0 && len(f.Messages) == declared && len(t.Messages) != declared) {
				t = f
			} else {
				fenced = nil
			}
		}
	}
	if declared > 0 && len(t.Messages) < declared {
		// Fewer messages than the header counts: a block headed by a
		// name the title does not give (the title says "GPT", a heading
		// "GPT-4o"; a system prompt's block; a third voice) was read as
		// part of the message before it. Read so that every block a
		// "---" line closes is a message, the file may hold as many as
		// its header says: then that is how it is read.
		extra := map[string]bool{}
		for name := range ruleHeadings(lb.lines) {
			extra[name] = true
		}
		if len(extra) > 0 {
			if f, _, ferr := parseMarkdownLines(text, lb.lines, lb.starts, fenced, extra); ferr == nil && len(f.Messages) == declared {
				var added []string
				for _, name := range speakerNames(f) {
					if !slices.Contains(speakerNames(t), name) && !slices.Contains(added, name) {
						added = append(added, name)
					}
				}
				f.Warnings = append(f.Warnings, fmt.Sprintf("the title %q does not name every speaker: blocks headed %s were read as messages of their own, so the file holds the %d messages its header counts", f.Title, phrase.And(phrase.Quote(added)), declared))
				t = f
			}
		}
	}
	asNotes(t)
	return t, nil
}

// markdownRuns splits text where one parley Markdown transcript ends and
// another begins, as files joined with cat hold them: a "# Title" line
// after a "---" line, followed by a header of its own (**Started:**,
// **Ended:** or **Messages:** lines, closed by "---"). It returns text
// alone when there is no such place. Only lines that open with "# " are
// looked at, so a file holding one transcript costs one search.
func markdownRuns(text string) []string {
	var runs []string
	start := 0
	for from := 0; ; {
		k := strings.Index(text[from:], "\n# ")
		if k < 0 {
			break
		}
		at := from + k + 1 // the title line's start
		from = at
		if at > start && afterRule(text[start:at]) && opensHeader(text[at:]) {
			runs = append(runs, text[start:at])
			start = at
		}
	}
	return append(runs, text[start:])
}

// parseMarkdownRuns reads each of runs as a transcript of its own; false
// when one does not read, and the file is then read as one.
func parseMarkdownRuns(runs []string) ([]*Transcript, bool) {
	var ts []*Transcript
	for _, r := range runs {
		t, err := parseMarkdown(r)
		if err != nil {
			return nil, false
		}
		ts = append(ts, t)
	}
	return ts, true
}

// afterRule reports whether the last line of before that is not blank is
// a "---" line.
func afterRule(before string) bool {
	before = strings.TrimRight(before, " \t\r\n")
	line := before[strings.LastIndexByte(before, '\n')+1:]
	return isRule(line)
}

// opensHeader reports whether text, from a "# Title" line, goes on as a
// parley transcript's header: lines of header fields, at least one of
// them Started, Ended or Messages, then a "---" line.
func opensHeader(text string) bool {
	fields := 0
	_, rest, _ := strings.Cut(text, "\n") // the title
	for i := 0; i < 40 && rest != ""; i++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		switch l := strings.TrimSuffix(line, "\r"); {
		case strings.TrimSpace(l) == "":
		case isRule(l):
			return fields > 0
		default:
			k, _, ok := headerField(l)
			if !ok {
				return false
			}
			if k == "Started" || k == "Ended" || k == "Messages" {
				fields++
			}
		}
	}
	return false
}

// asNotes reads a "System" (or "Developer") block that the title does
// not name as a speaker's as the other layouts read one (addLabelled):
// before every speaker's, the run's system prompt; later, a moderator's
// note. A "Moderator" block is a note too, unless the title names
// Moderator as a speaker.
func asNotes(t *Transcript) {
	titled := titleSpeakers(t.Title)
	if titled[ModeratorSpeaker] {
		// Another tool's conversation in which a moderator takes turns
		// (a debate's JSON, converted), titled with every speaker: its
		// blocks are that speaker's messages, as in the file it was
		// written from, which the rules count.
		for i := range t.Messages {
			if t.Messages[i].Origin == OriginModerator {
				t.Messages[i].Origin = OriginAgent
			}
		}
	}
	if !slices.ContainsFunc(t.Messages, func(m Message) bool { return !titled[m.Speaker] && noteKind(m.Speaker) == "system" }) {
		return // the common file: every block a speaker's
	}
	msgs := t.Messages
	t.Messages = nil
	var system []string
	for _, m := range msgs {
		if titled[m.Speaker] || noteKind(m.Speaker) != "system" {
			t.Messages = append(t.Messages, m)
			continue
		}
		system = addLabelled(t, m, system)
	}
	if len(system) > 0 {
		if t.Run == nil {
			t.Run = &Run{}
		}
		t.Run.System = strings.Join(system, "\n\n")
	}
}

// untitledSpeakers finds the speakers a title names otherwise than their
// headings ("GPT" for "### GPT-4o"): for each name of the title that heads
// no block, the name that heads the most blocks among those the title
// does not give, when it heads two at least and half as many as a speaker
// the title names does. Section headings that a model's messages repeat
// after their own rules head fewer.
//
// The common file's title names both speakers as their headings do: once
// each has headed a block, there is none to find, and the rest of the
// file's headings are not counted.
func untitledSpeakers(titled map[string]bool, lines []string) map[string]bool {
	heads := map[string]int{}
	missing := len(titled)
	for name := range ruleHeads(lines) {
		if heads[name] == 0 && titled[name] {
			if missing--; missing == 0 {
				return nil
			}
		}
		heads[name]++
	}
	most := 0
	for name := range titled {
		most = max(most, heads[name])
	}
	var others []string
	for name, n := range heads {
		if !titled[name] && n >= 2 && 2*n >= most {
			others = append(others, name)
		}
	}
	slices.SortFunc(others, func(a, b string) int { return cmp.Or(heads[b]-heads[a], strings.Compare(a, b)) })
	out := map[string]bool{}
	for _, name := range others[:min(missing, len(others))] {
		out[name] = true
	}
	return out
}

// ruleHeadings counts, for each name, the "### Name" headings that come
// first after a "---" line: the blocks each may start.
func ruleHeadings(lines []string) map[string]int {
	out := map[string]int{}
	for name := range ruleHeads(lines) {
		out[name]++
	}
	return out
}

// ruleHeads yields the speaker of each "### Name" heading that comes first
// after a "---" line, but for moderators' notes and empty names.
func ruleHeads(lines []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for j, l := range lines {
			if !isRule(l) {
				continue
			}
			if n := nextNonBlank(lines, j+1); n < len(lines) && strings.HasPrefix(lines[n], "### ") {
				if s := parseSpeaker(lines[n][4:]).Speaker; s != ModeratorSpeaker && s != "" && !yield(s) {
					return
				}
			}
		}
	}
}

// speakerNames lists each message's speaker, in order.
func speakerNames(t *Transcript) []string {
	out := make([]string, len(t.Messages))
	for i, m := range t.Messages {
		out[i] = m.Speaker
	}
	return out
}

// parseMarkdownLines reads the Markdown layout from text's lines; a "---"
// line that skip marks never ends a message. It returns the message count
// the header declares, or -1.
//
// extra names more speakers than the title (or the first headings) gives:
// a block headed by one of them is a message.
func parseMarkdownLines(text string, lines []string, starts []int, skip []bool, extra map[string]bool) (*Transcript, int, error) {
	t := &Transcript{}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "# ") {
		return nil, -1, &ParseError{Line: i + 1, Msg: `expected a "# A ↔ B" title line`}
	}
	t.Title = strings.TrimSuffix(lines[i][2:], "\r")
	crlf := strings.HasSuffix(lines[i], "\r")
	i++
	declared := -1
	var parent *Parent
	var seated []AgentInfo // the seats a fork handed over (**Formerly:**)
	titleLine, closed := i, false
	for ; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if isRule(l) {
			i++
			closed = true
			break
		}
		if k, v, ok := headerField(l); ok {
			switch k {
			case "Started":
				t.Started, _ = time.ParseInLocation(TimeLayout, v, time.Local)
				t.LocalTimes = t.LocalTimes || !t.Started.IsZero()
			case "Ended":
				t.Ended, _ = time.ParseInLocation(TimeLayout, v, time.Local)
				t.LocalTimes = t.LocalTimes || !t.Ended.IsZero()
			case "Messages":
				n, err := strconv.Atoi(v)
				if err != nil && v != "" {
					return nil, -1, &ParseError{Line: i + 1, Msg: fmt.Sprintf("**Messages:** is %q, not a number", v)}
				}
				if err == nil {
					declared = n
				}
			case "Forked from":
				// "PARENT, message N": a fork's first N messages are its
				// parent's (Message.Inherited), as its JSONL's parent
				// says, and a Markdown or JSONL written from it says so
				// again.
				if k := strings.LastIndex(v, ", message "); k >= 0 {
					if n, err := strconv.Atoi(v[k+len(", message "):]); err == nil && n > 0 {
						parent = &Parent{Path: v[:k], At: n}
					}
				}
			case "Formerly":
				// "SEAT was NAME": SEAT, one of the title's speakers,
				// spoke as NAME before the fork.
				if seat, f := formerly(v, t.Title); seat != "" && f != "" {
					if k := slices.IndexFunc(seated, func(a AgentInfo) bool { return a.Name == seat }); k >= 0 {
						seated[k].Formerly = append(seated[k].Formerly, f)
					} else {
						seated = append(seated, AgentInfo{Name: seat, Formerly: []string{f}})
					}
				}
			}
		}
	}
	if !closed {
		return nil, -1, &ParseError{Line: titleLine, Msg: `the header after the title has no closing "---" line`}
	}
	if declared > 0 {
		t.Messages = make([]Message, 0, min(declared, len(lines)))
	}
	// The speakers: the title's, and the first block's, which a
	// system prompt's block may be ("### System"), and with no title that
	// names them, the first two to head a block.
	speakers := titleSpeakers(t.Title)
	if len(speakers) > 0 {
		maps.Copy(speakers, untitledSpeakers(speakers, lines[i:]))
	}
	if first := firstHeading(lines, i); first == "" || !speakers[first] {
		maps.Copy(speakers, headingSpeakers(lines, i))
	}
	for name := range extra {
		speakers[name] = true
	}
	// A fork's header names each seat handed to another model and the
	// names it held before: all of them head its blocks.
	for _, a := range seated {
		speakers[a.Name] = true
		for _, f := range a.Formerly {
			speakers[f] = true
		}
	}
	speakers[ModeratorSpeaker] = true
	// ends reports whether the "---" at line j closes a message.
	ends := func(j int) bool {
		n := nextNonBlank(lines, j+1)
		if n >= len(lines) {
			return true
		}
		l := lines[n]
		return strings.HasPrefix(l, "### ") && speakers[parseSpeaker(l[4:]).Speaker]
	}
	torn := false
	for i < len(lines) {
		l := strings.TrimSuffix(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			i++
			continue
		}
		if !strings.HasPrefix(l, "### ") {
			return nil, -1, &ParseError{Line: i + 1, Msg: fmt.Sprintf("expected a \"### Speaker\" line, found %q", clip(l))}
		}
		m := parseSpeaker(l[4:])
		start := i + 1
		j := start
		for j < len(lines) && !(isRule(lines[j]) && (skip == nil || !skip[j]) && ends(j)) {
			j++
		}
		// Drop the blank line after the heading and the one before "---".
		from, to := start, j
		if from < to && isBlankLine(lines[from]) {
			from++
		}
		if j < len(lines) && from < to && isBlankLine(lines[to-1]) {
			to--
		} else if j >= len(lines) {
			// A torn last block: trim the blank tail a crash may leave.
			for from < to && isBlankLine(lines[to-1]) {
				to--
			}
			torn = true
		}
		m.Content = joinContent(text, lines, starts, from, to)
		if crlf && strings.IndexByte(m.Content, '\r') >= 0 {
			// The file was saved with Windows line ends (its title line
			// has one): the message's own are "\n". A message that holds
			// "\r\n" in a file that does not keeps them.
			m.Content = strings.TrimSuffix(strings.ReplaceAll(m.Content, "\r\n", "\n"), "\r")
		}
		t.Messages = append(t.Messages, m)
		i = j + 1
	}
	if torn {
		t.Warnings = append(t.Warnings, fmt.Sprintf(
			"message %d has no closing \"---\" line: the file may have been cut off while it was written, so that message may be incomplete", len(t.Messages)))
	}
	if declared > 0 && declared != len(t.Messages) {
		t.Warnings = append(t.Warnings, fmt.Sprintf(
			"the header says **Messages:** %d, but %s read", declared, phrase.Count(len(t.Messages), "message was", "messages were")))
	}
	if parent != nil {
		t.Run = &Run{Parent: parent, Agents: seated}
		markInherited(t)
	}
	return t, declared, nil
}

// lineBuf holds a file's lines while it is parsed: the lines of text and
// each one's offset in it.
type lineBuf struct {
	lines  []string
	starts []int
}

// lineBufs keeps the line slices of files already parsed for the next
// file. check parses a file per worker at a time, thousands in a run,
// and would otherwise allocate two slices of the file's line count for
// each.
var lineBufs = sync.Pool{New: func() any { return new(lineBuf) }}

// splitLines splits text at "\n" and gives each line's offset in text; a
// trailing newline leaves one empty last line, as strings.Split does.
// The caller releases the buffer once done with the lines; the lines are
// text's own, so what it keeps of them (as strings) stays valid.
func splitLines(text string) *lineBuf {
	b := lineBufs.Get().(*lineBuf)
	// The lines are counted first (a vectorised scan, far cheaper than
	// splitting), so that the slices are made once at their size. Grown
	// by appending, a file's slices were copied and cleared a dozen times,
	// and the pool, which the collector empties, rarely keeps them long
	// enough to spare it.
	n := strings.Count(text, "\n") + 1
	if cap(b.lines) < n {
		b.lines = make([]string, 0, n)
	}
	if cap(b.starts) < n {
		b.starts = make([]int, 0, n)
	}
	lines, starts := b.lines[:0], b.starts[:0]
	off := 0
	for {
		k := strings.IndexByte(text[off:], '\n')
		starts = append(starts, off)
		if k < 0 {
			lines = append(lines, text[off:])
			break
		}
		lines = append(lines, text[off:off+k])
		off += k + 1
	}
	b.lines, b.starts = lines, starts
	return b
}

// release returns b to the pool, without the text it pointed into. The
// slices of a file of very many lines are let go instead, so the pool
// keeps only what the common file needs.
func (b *lineBuf) release() {
	if cap(b.lines) > maxPooledLines {
		return
	}
	clear(b.lines)
	lineBufs.Put(b)
}

// maxPooledLines is the most lines a pooled buffer holds: 16,384 lines
// are 640 KiB of slices; the corpus's longest recording has 60,000.
const maxPooledLines = 1 << 14

// nextNonBlank is the index of the first non-blank line at or after i
// (len(lines) when there is none). It is asked only after a "---" line, so
// each blank line is read at most once for the line before it.
func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

// joinContent returns the content of lines[from:to], removing the escape
// backslash from a separator-like line that a heading follows. A message
// needing no change is a slice of text, not a copy.
func joinContent(text string, lines []string, starts []int, from, to int) string {
	if from >= to {
		return ""
	}
	whole := text[starts[from] : starts[to-1]+len(lines[to-1])]
	if !strings.Contains(whole, `\---`) {
		// No line is an escaped separator, which holds "\---": one search
		// of the message instead of a look at each of its lines.
		return whole
	}
	body := lines[from:to]
	for k, l := range body {
		if strings.HasPrefix(l, `\`) && isSeparatorLike(l) && headingFollows(body, k+1) {
			out := make([]string, len(body))
			copy(out, body)
			for k := range out {
				if l := out[k]; strings.HasPrefix(l, `\`) && isSeparatorLike(l) && headingFollows(body, k+1) {
					out[k] = l[1:]
				}
			}
			return strings.Join(out, "\n")
		}
	}
	return whole
}

// titleSpeakers reads the speakers from a "# A ↔ B" title (an imported
// conversation of more speakers is titled "A ↔ B ↔ C").
func titleSpeakers(title string) map[string]bool {
	out, _ := namesAround(title, " ↔ ")
	return out
}

// formerly reads a "**Formerly:** SEAT was NAME" header value: SEAT is
// the longest of the title's speakers it starts with, else what comes
// before its first " was ".
func formerly(v, title string) (seat, name string) {
	for s := range titleSpeakers(title) {
		if f, ok := strings.CutPrefix(v, s+" was "); ok && len(s) > len(seat) {
			seat, name = s, f
		}
	}
	if seat == "" {
		seat, name, _ = strings.Cut(v, " was ")
	}
	return seat, name
}

// namesAround splits title at sep into the names on either side, and
// reports whether sep was there to split at.
func namesAround(title, sep string) (map[string]bool, bool) {
	out := map[string]bool{}
	names := strings.Split(title, sep)
	if len(names) < 2 {
		return out, false
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out[n] = true
		}
	}
	return out, true
}

// firstHeading is the speaker of the first block at or after from, not
// counting moderator notes; "" when there is none.
func firstHeading(lines []string, from int) string {
	inNote, afterSeparator := false, true
	for _, l := range lines[from:] {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if afterSeparator && strings.HasPrefix(l, "### ") {
			if s := parseSpeaker(l[4:]).Speaker; s != ModeratorSpeaker {
				return s
			}
			inNote, afterSeparator = true, false
			continue
		}
		if !inNote {
			return ""
		}
		afterSeparator = isRule(l)
	}
	return ""
}

// headingSpeakers finds the speakers when the title does not name them:
// the first two distinct names that head a block, taking every "---" line
// followed by a heading as a block's end.
func headingSpeakers(lines []string, from int) map[string]bool {
	out := map[string]bool{}
	if s := firstHeading(lines, from); s != "" {
		out[s] = true
	}
	if len(out) == 0 {
		return out
	}
	for j := from; j < len(lines) && len(out) < 2; j++ {
		if !isRule(lines[j]) {
			continue
		}
		if n := nextNonBlank(lines, j+1); n < len(lines) && strings.HasPrefix(lines[n], "### ") {
			if s := parseSpeaker(lines[n][4:]).Speaker; s != ModeratorSpeaker {
				out[s] = true
			}
		}
	}
	return out
}

func isBlankLine(l string) bool { return l == "" || l == "\r" }

func parseSpeaker(s string) Message {
	s = trimLineEnd(s)
	m := Message{}
	if strings.HasSuffix(s, " "+markPartial) {
		m.Partial = true
		s = strings.TrimSuffix(s, " "+markPartial)
	}
	if strings.HasSuffix(s, " "+markInjected) {
		m.Origin = OriginInjected
		s = strings.TrimSuffix(s, " "+markInjected)
	}
	if strings.HasSuffix(s, " "+markOpening) {
		m.Origin = OriginOpening
		s = strings.TrimSuffix(s, " "+markOpening)
	}
	s = unescapeName(s)
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

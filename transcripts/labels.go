package transcripts

// How one line reads as a speaker's label, in each of the forms the
// speaker-labelled layout knows (LayoutLabelled, in labelled.go, which
// chooses among them).

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/lazy"
)

// Label forms: a heading's level (1 to 6), bold, plain, timed, quoted,
// listed, framed.
const (
	labelBold    = 7
	labelPlain   = 8
	labelStamped = 9  // after a time or a turn: "[12:00] Name: text", "Turn 3 - Name:"; or "<Name> text", "<|im_start|>name"
	labelQuoted  = 10 // a bold or plain label in a blockquote: "> **Name:** text"
	labelListed  = 11 // a bold or plain label as a list item: "- **Name**: text"
	labelFramed  = 12 // a name between runs of one mark: "=== Name ===", "--- Name ---"
	lastForm     = labelFramed
)

// speakerLabel is one line that may start a message.
type speakerLabel struct {
	line int
	form uint8
	name string
	rest string // the text after the label on its line
}

// labelOf reads a line (without its line end) as a speaker label.
func labelOf(l string) (form uint8, name, rest string, ok bool) {
	for len(l) > 0 && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t' || l[len(l)-1] == '\r') {
		l = l[:len(l)-1]
	}
	if after, ok := cutStamp(l); ok {
		return stampedLabel(after)
	}
	if after, ok := cutBareStamp(l); ok {
		return stampedLabel(after)
	}
	if after, ok := cutTurn(l); ok {
		return stampedLabel(after)
	}
	if n, ok := framedName(l); ok {
		return labelFramed, n, "", validName(n)
	}
	if inner, marked, ok := cutMarker(l); ok {
		form, name, rest, ok = labelOf(inner)
		if !ok || form != labelBold && form != labelPlain {
			return 0, "", "", false
		}
		return marked, name, rest, true
	}
	switch {
	case strings.HasPrefix(l, chatMLStart):
		// ChatML, as chat templates write a conversation out:
		// "<|im_start|>user", the message, then "<|im_end|>".
		name, rest, _ = strings.Cut(strings.TrimPrefix(l, chatMLStart), " ")
		rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), chatMLEnd))
		return labelStamped, name, rest, validName(name)
	case strings.HasPrefix(l, "<"):
		form, name, rest, ok = stampedLabel(l)
		return form, name, rest, ok && !htmlTags()[strings.ToLower(name)]
	case strings.HasPrefix(l, "#"):
		level := 0
		for level < len(l) && l[level] == '#' {
			level++
		}
		if level > 6 || level == len(l) || (l[level] != ' ' && l[level] != '\t') {
			return 0, "", "", false
		}
		n := strings.TrimRight(l[level:], "#")
		if len(n) < len(l[level:]) && !strings.HasSuffix(n, " ") && !strings.HasSuffix(n, "\t") {
			n = l[level:] // a "#" inside the name, not closing marks
		}
		n = strings.TrimSpace(n)
		n = strings.TrimSpace(strings.TrimSuffix(n, ":"))
		if strings.HasPrefix(n, "**") && strings.HasSuffix(n, "**") && len(n) > 4 {
			n = strings.TrimSpace(strings.TrimSuffix(n[2:len(n)-2], ":"))
		}
		n = unbracket(cleanName(n))
		return uint8(level), n, "", validName(n)
	case strings.HasPrefix(l, "**"):
		j := strings.Index(l[2:], "**")
		if j < 0 {
			return 0, "", "", false
		}
		inner, after := l[2:2+j], l[4+j:]
		if n, cut := strings.CutSuffix(inner, ":"); cut {
			name, rest = strings.TrimSpace(n), strings.TrimSpace(after)
		} else if a, cut := strings.CutPrefix(strings.TrimLeft(after, " \t"), ":"); cut && inner == strings.TrimSpace(inner) {
			name, rest = inner, strings.TrimSpace(a)
		} else if after == "" {
			name = inner // a bold name alone on its line
		} else {
			return 0, "", "", false
		}
		name = unbracket(cleanName(name))
		return labelBold, name, rest, validName(name)
	}
	i, w := nameColon(l)
	if i < 0 || i > maxNameLen {
		return 0, "", "", false
	}
	name = unbracket(trimEmoji(l[:i]))
	if k := len(name) - 1; k > 0 && (name[k] == ')' || name[k] == ']' || name[k]-'0' < 10 || name[k] == 'M') {
		name = cutTimeAfter(name) // "Claude [12:00:01]: Hello.", "GPT | 12:00 PM: Hi."
	}
	return labelPlain, name, strings.TrimSpace(l[i+w:]), validName(name)
}

// trimEmoji takes off the emoji (and the space after them) that scripts
// write before a speaker's name ("🤖 Claude"). Other symbols stay: a line
// of a box ("│ Status: ONLINE") is no label.
func trimEmoji(n string) string {
	if n == "" || n[0] < utf8.RuneSelf {
		return n
	}
	t := strings.TrimLeftFunc(n, func(r rune) bool {
		return r >= 0x1f000 && r <= 0x1faff || r >= 0x2600 && r <= 0x27bf || r == '\ufe0f' || r == '\u200d'
	})
	if t == n || t == "" || t[0] != ' ' {
		return n // no emoji, or not one set apart from the name
	}
	return strings.TrimLeft(t, " ")
}

// bareStamp is a time at the start of a line, without brackets, as chat
// exports and logs write it: "12:01 alice: hi", "2024-05-01 12:01:33 alice:",
// "5/1/24, 12:01 - Alice: hi" (WhatsApp), "12:01 PM | Alice:",
// "2024-05-01T12:01:33Z alice:" (ISO 8601, in UTC or with its offset).
var bareStamp = lazy.Regexp(`^(?:\d{4}-\d{2}-\d{2}[ T]|\d{1,2}[/.]\d{1,2}[/.]\d{2,4},? )?\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?(?: +[-–|] +| +)`)

// cutBareStamp cuts a bareStamp from the start of a line, and returns what
// follows it.
func cutBareStamp(l string) (string, bool) {
	if l == "" || l[0]-'0' >= 10 {
		return "", false
	}
	m := bareStamp().FindStringIndex(l)
	if m == nil {
		return "", false
	}
	// The name ends at a colon, or stands in angle brackets: after a
	// bare time, a line's first words are as likely a sentence's
	// ("12:30 lunch with the team").
	after := strings.TrimSpace(l[m[1]:])
	if i, _ := nameColon(after); i <= 0 && !strings.HasPrefix(after, "<") {
		return "", false
	}
	return after, true
}

const maxNameLen = 48

// nameColon is where the colon that ends a label's name stands in l, and
// its width in bytes: a colon followed by a space or by nothing ("Claude:
// Hello", "Claude:"), or a full-width colon as Chinese and Japanese text
// writes it, followed by anything ("Claude：你好"); -1 when l has no such
// colon within a name's length ("12:30", "https://…"). A colon between a
// letter or digit and another, as in an Ollama model's tag ("llama3:8b:
// Hello"), is part of the name.
func nameColon(l string) (at, width int) {
	head := l[:min(len(l), maxNameLen+1)] // a longer name is none
	for i := 0; i < len(head); i++ {
		if strings.HasPrefix(head[i:], "：") {
			if i == 0 {
				return -1, 0
			}
			return i, len("：")
		}
		if head[i] != ':' {
			continue
		}
		if i+1 >= len(l) || l[i+1] == ' ' || l[i+1] == '\t' {
			if i == 0 {
				return -1, 0
			}
			return i, 1
		}
		if i == 0 || !alnumByte(l[i-1]) || !alnumByte(l[i+1]) {
			return -1, 0
		}
	}
	return -1, 0
}

func alnumByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// cutStamp cuts a time or a turn in brackets from the start of a line, as
// chat logs and exports write them ("[2024-05-01 12:00:01]", "[5/1/2024
// 12:00 PM]", "[Turn 3]"), and returns what follows it. A bracket that
// holds a name ("[Claude]", "[Claude 1]") is not one.
func cutStamp(l string) (string, bool) {
	if !strings.HasPrefix(l, "[") {
		return "", false
	}
	j := strings.IndexByte(l, ']')
	if j < 2 || j > 40 {
		return "", false
	}
	after := strings.TrimSpace(l[j+1:])
	return after, after != "" && stamp(l[1:j])
}

// stamp reports whether the text of a bracket is a time, a date or a
// numbered turn ("12:00", "5/1/2024 12:00 PM", "Turn 3"), not a name.
func stamp(inner string) bool {
	if !strings.ContainsAny(inner, "0123456789") {
		return false
	}
	if strings.ContainsAny(inner, ":/") {
		return true // a time or a date
	}
	word, num, _ := strings.Cut(strings.TrimSpace(inner), " ")
	return isTurnWord(word) && strings.Trim(num, "0123456789#") == "" && num != ""
}

// turnWords are the words a numbered turn starts with: "Turn 3", "Round 2".
var turnWords = map[string]bool{"turn": true, "message": true, "msg": true, "round": true, "step": true, "exchange": true}

// isTurnWord reports whether w is one of turnWords in any case.
func isTurnWord(w string) bool {
	return len(w) >= 3 && inFolded(turnWords, w)
}

// inFolded reports whether set holds w with its ASCII capitals lowered,
// for a w of at most 16 bytes (the longest word either set holds is
// shorter), without lowering every line's first word into a string of its
// own: the lowered bytes stay on the stack, and a lookup by them
// allocates nothing.
func inFolded(set map[string]bool, w string) bool {
	var low [16]byte
	if len(w) > len(low) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return set[string(low[:len(w)])]
}

// cleanName takes off what scripts write around a speaker's name in a
// heading or a bold label: emoji before it ("🤖 Claude"), a numbered turn
// before it ("Turn 3 — Claude") and a turn or a time after it in brackets
// ("Claude (turn 3)", "Claude [12:00]"). A name's own number stays
// ("Claude 1").
func cleanName(n string) string {
	n = strings.TrimLeftFunc(n, func(r rune) bool {
		return unicode.Is(unicode.So, r) || r == '\ufe0f' || r == '\u200d' || unicode.IsSpace(r)
	})
	if after, ok := cutTurn(n); ok {
		n = strings.TrimSpace(strings.TrimSuffix(after, ":"))
	}
	return cutTimeAfter(n)
}

// cutTimeAfter takes off a turn or a time in brackets after a name
// ("Claude (turn 3)", "Claude [12:00]"), or a time after a dash or a bar
// ("Claude — 12:00", "GPT | 2024-05-01 12:00:01"); a name's own brackets
// and numbers stay ("Model A (gpt-4o)", "Model - 2").
func cutTimeAfter(n string) string {
	for _, sep := range []string{" — ", " – ", " - ", " | ", " · "} {
		if i := strings.LastIndex(n, sep); i > 0 && timeOnly(n[i+len(sep):]) {
			return strings.TrimSpace(n[:i])
		}
	}
	if k := len(n) - 1; k > 0 && (n[k] == ')' || n[k] == ']') {
		open := byte('(')
		if n[k] == ']' {
			open = '['
		}
		if i := strings.LastIndexByte(n, open); i > 0 && stamp(n[i+1:k]) {
			n = strings.TrimSpace(n[:i])
		}
	}
	return n
}

// timeOnly reports whether s is a time or a date and nothing else:
// digits and their marks, and AM or PM, "T" or "Z" ("12:00 PM",
// "2024-05-01T12:00:01Z").
func timeOnly(s string) bool {
	if !strings.ContainsAny(s, ":/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789:/-.,+ APMapmTZ", rune(s[i])) {
			return false
		}
	}
	return s[0]-'0' < 10
}

// cutTurn cuts a numbered turn from the start of a line, as scripts write
// it before the speaker's name ("Turn 3 - Claude:", "Turn 3: Claude",
// "Message 12 (GPT-4o):"), and returns what follows it.
func cutTurn(l string) (string, bool) {
	word, after, ok := strings.Cut(l, " ")
	if !ok || !isTurnWord(word) {
		return "", false
	}
	after = strings.TrimPrefix(after, "#")
	digits := 0
	for digits < len(after) && after[digits]-'0' < 10 {
		digits++
	}
	if digits == 0 || digits == len(after) || strings.IndexByte(" \t:-.,|(\xe2", after[digits]) < 0 {
		return "", false // "Step 3rd", or a number and nothing after it
	}
	after = strings.TrimLeft(after[digits:], " \t:-–—.,|")
	return after, after != ""
}

// framedName reads a name between two runs of one mark, as some scripts
// head each message: "=== Claude ===", "--- GPT-4o ---", "~~ A ~~". The
// name stands apart from the marks, so "**Claude**" is bold, not framed.
func framedName(l string) (string, bool) {
	if len(l) < 7 || !strings.ContainsRune("=-*~+_", rune(l[0])) {
		return "", false
	}
	c := l[0]
	i, j := 0, len(l)
	for i < j && l[i] == c {
		i++
	}
	for j > i && l[j-1] == c {
		j--
	}
	if i < 2 || len(l)-j < 2 || j-i < 3 || l[i] != ' ' || l[j-1] != ' ' {
		return "", false
	}
	n := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l[i:j]), ":"))
	return unbracket(n), n != ""
}

// cutMarker cuts a blockquote's or a list item's mark from the start of a
// line ("> ", "- ", "* ", "+ "), and names the label form it makes.
func cutMarker(l string) (string, uint8, bool) {
	if len(l) < 3 || l[1] != ' ' {
		return "", 0, false
	}
	switch l[0] {
	case '>':
		return strings.TrimLeft(l[2:], " "), labelQuoted, true
	case '-', '*', '+':
		return strings.TrimLeft(l[2:], " "), labelListed, true
	}
	return "", 0, false
}

// The marks ChatML opens and closes each message with.
const (
	chatMLStart = "<|im_start|>"
	chatMLEnd   = "<|im_end|>"
)

// htmlTags are the tags a line of HTML starts with, which are not a chat
// log's "<name> text".
var htmlTags = lazy.Set("a abbr article aside b blockquote body br button caption code dd details div dl dt em figure footer form h1 h2 h3 h4 h5 h6 head header hr html i img input label li link main meta nav ol option p pre script section select small span strong style sub summary sup table tbody td textarea tfoot th thead title tr u ul")

// stampedLabel reads what follows a line's time or turn as a label: a
// name and a colon before the text, a name in angle brackets before it
// ("<Claude> hi", as chat logs write it), or a name alone on its line.
func stampedLabel(after string) (form uint8, name, rest string, ok bool) {
	switch {
	case strings.HasPrefix(after, "<"):
		j := strings.IndexByte(after, '>')
		if j < 0 {
			return 0, "", "", false
		}
		name, rest = strings.TrimSpace(after[1:j]), strings.TrimSpace(after[j+1:])
		rest = strings.TrimSpace(strings.TrimSuffix(rest, "</"+name+">")) // "<claude>hi</claude>"
	default:
		if i, w := nameColon(after); i > 0 {
			name, rest = after[:i], strings.TrimSpace(after[i+w:])
		} else {
			name = after
		}
		name = unbracket(strings.TrimSpace(name))
	}
	return labelStamped, name, rest, validName(name)
}

// unbracket strips one pair of brackets around a name: "[Claude]",
// "<Claude>" and "(Claude)" name Claude.
func unbracket(n string) string {
	if len(n) > 2 && (n[0] == '[' && n[len(n)-1] == ']' || n[0] == '<' && n[len(n)-1] == '>' || n[0] == '(' && n[len(n)-1] == ')') {
		return strings.TrimSpace(n[1 : len(n)-1])
	}
	return n
}

// validName reports whether n can be a speaker's name: short, a few
// words, holding a letter or digit, starting with one, without a comma
// ("oh, and one more thing:" opens a phrase) or a control character, and
// not ending like a sentence.
func validName(n string) bool {
	if n == "" || len(n) > maxNameLen || strings.TrimSpace(n) != n || words(n) > 5 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(n)
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return false
	}
	if strings.ContainsAny(n, "*`#|>\",") || strings.ContainsFunc(n, unicode.IsControl) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(n)
	return !strings.ContainsRune(".,;!?", last)
}

// words counts the words of n as strings.Fields splits them, without
// making them.
func words(n string) int {
	count, in := 0, false
	for _, r := range n {
		space := unicode.IsSpace(r)
		if !space && !in {
			count++
		}
		in = !space
	}
	return count
}

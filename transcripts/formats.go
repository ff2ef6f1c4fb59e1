package transcripts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
)

// Other tools record conversations in other layouts. parley imports these,
// so `parley check` can judge them and `parley convert` can turn them into
// parley's own layout:
//
//   - headed blocks, each message under a "### Name ###" line:
//
//     ### Claude 1 ###
//     text…
//
//     ### Claude 2 ###
//     text…
//
//   - OpenAI-style messages: {"messages": [{"role": "user", "content": "…"}, …]},
//     a bare array of such messages, or one such object a line (JSONL);
//     content may be a string or a list of {"type": "text", "text": "…"} parts,
//     and a message's "name" is its speaker when present, else its role,
//     or its "model" when every message names one and the roles alone
//     would not tell two models apart (speakByModel); tool calls
//     ("tool_calls", Anthropic's tool_use blocks) and their results (a
//     "tool" role, tool_result blocks) are notes, as a chat export's
//     events are (a Discord pin or join), which rules do not count;
//
//   - ShareGPT-style conversations: {"conversations": [{"from": "human",
//     "value": "…"}, …]}, or an array of such objects;
//
//   - the JSON a two-model runner writes beside each Markdown transcript:
//     {"model_a": "A", "model_b": "B", "initial_message": "…", "messages":
//     [{"role": …, "content": "…", "speaker": "A"}, …], "started_at": …,
//     "ended_at": …}. Each message's "speaker" names its speaker. That
//     runner records its initial message as message 1, spoken by model_a,
//     unmarked in its Markdown; when "messages" does not start with it,
//     the importer puts it there, unmarked too, so the JSON and the
//     Markdown beside it read as the same conversation, model_a opening
//     it.
//
//   - other JSON: a list of messages under "turns", "dialogue" or another
//     of turnsKeys (or a bare list), each naming its speaker and holding
//     its text under one of speakerKeys and textKeys (LayoutTurns); or,
//     under a key of any other name, the longest list whose items all do;
//     a list of texts alone is two sides taking turns, "Speaker 1" first;
//
//   - any of these JSON layouts wrapped in an export's object, under
//     "data" or one of turnsKeys: {"conversation": {"messages": […]}};
//     and a list of [speaker, text] pairs;
//
//   - the same, written as YAML (LayoutYAML, in tables.go), or as a CSV or
//     TSV table whose header names a speaker column and a text column,
//     one message a row (LayoutTable);
//
//   - an object whose messages are numbered fields, "message_1",
//     "message_2", …, each naming its speaker ("role_name", or another of
//     speakerKeys) and holding its text, as role-playing datasets are
//     written; their task ("specified_task", else "original_task") is the
//     run's Preamble (LayoutNumbered);
//
//   - text or Markdown in which each message starts with its speaker's
//     name: "## Name", "**Name:** text", "Name: text" (LayoutLabelled, in
//     labelled.go).
//
// System (and developer) messages are instructions, not dialogue. Those
// before the first dialogue message become the run's system prompt
// (Run.System); a later one is kept as a moderator note, in its place,
// which policies do not count. Text before the first message of a headed
// or speaker-labelled file is the run's Preamble, not a message, so the
// messages are numbered from 1 as the file shows them.

// ErrUnknownLayout is the error Import and ReadAny wrap when a file is in
// no layout parley reads.
var ErrUnknownLayout = errors.New("not a transcript layout parley knows")

// Layouts Detect can report.
const (
	LayoutMarkdown = "parley-markdown"
	LayoutJSONL    = "parley-jsonl"
	LayoutHeaded   = "headed"
	LayoutOpenAI   = "openai-messages"
	LayoutShareGPT = "sharegpt"
	LayoutPair     = "model-pair-json"
	LayoutTurns    = "turns-json"
	LayoutNumbered = "numbered-json"
	// LayoutLabelled is in labelled.go.
)

// Detect names the layout of a transcript file's contents, or "" when it is
// none parley knows.
func Detect(data []byte) string {
	layout, _, _ := detect(data, func(b []byte) string { return string(b) })
	return layout
}

// detect is Detect, and returns too what it read the file into on the way,
// so Import reads it once: the values of a JSON, YAML or table layout
// (unwrapped as unwrapJSON does), or a speaker-labelled conversation. text
// makes the string the labelled reader reads from the bytes (see
// importData).
func detect(data []byte, text func([]byte) string) (string, []any, *Transcript) {
	d := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \r\n\t")
	switch {
	case LooksLikeJSONL(d):
		return LayoutJSONL, nil, nil
	case len(d) > 0 && (d[0] == '{' || d[0] == '['):
		if vals, err := jsonValues(d); err == nil {
			vals = unwrapJSON(vals)
			return jsonLayout(vals), vals, nil
		}
		// Not JSON: text whose first line opens with a bracket
		// ("[Claude]: Hello") is read as the text it is, below.
	}
	// A table's header names its columns, and its rows may hold lines
	// that read as speakers' labels, so it is told before the text.
	if rows, ok := tableTurns(d); ok {
		return LayoutTable, rows, nil
	}
	switch {
	case LooksLikeMarkdown(d) && headerCloses(d):
		return LayoutMarkdown, nil, nil
	case hasHeading(d):
		// A banner ("### SCENE ONE ###") in a conversation whose speakers
		// are named otherwise ("Claude:") is no speaker: headings that do
		// not read as a recorder's are read as headed blocks only when the
		// speakers cannot be read from the lines.
		if headedSpeakers(d) {
			return LayoutHeaded, nil, nil
		}
		if t, err := parseLabelled(text(d)); err == nil && len(t.Speakers()) >= 2 {
			return LayoutLabelled, nil, t
		}
		return LayoutHeaded, nil, nil
	}
	t, err := parseLabelled(text(d))
	if err != nil && indented(data) {
		// d was trimmed of its first line's indent: the whole file is
		// read, so that indent is seen as every line's.
		t, err = parseIndented(string(data))
	}
	if err == nil {
		// "speaker: A" and "text: one" read as labels too: YAML whose
		// keys name a message's fields is the YAML it is.
		if fieldsOnly(t) {
			if vals, ok := yamlValues(d); ok {
				return LayoutYAML, vals, nil
			}
		}
		return LayoutLabelled, nil, t
	}
	if vals, ok := yamlValues(d); ok {
		return LayoutYAML, vals, nil
	}
	return "", nil, nil
}

// indented reports whether the first line of data that is not blank
// starts with a space or a tab.
func indented(data []byte) bool {
	d := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), "\r\n")
	for len(d) > 0 && (d[0] == ' ' || d[0] == '\t') {
		rest := bytes.TrimLeft(d, " \t")
		if len(rest) > 0 && rest[0] != '\r' && rest[0] != '\n' {
			return true
		}
		d = bytes.TrimLeft(rest, "\r\n") // a blank line
	}
	return false
}

// fieldsOnly reports whether every speaker of t is the name of a field
// that JSON and YAML messages hold ("speaker", "text", "role", …).
func fieldsOnly(t *Transcript) bool {
	for _, m := range t.Messages {
		if !slices.Contains(speakerKeys, strings.ToLower(m.Speaker)) && !slices.Contains(textKeys, strings.ToLower(m.Speaker)) {
			return false
		}
	}
	return len(t.Messages) > 0
}

// headerCloses reports whether a "---" line closes the header of a file
// that starts like parley's Markdown, before any heading after the title,
// and the messages after it are written as parley and the tools whose
// layout it shares write them: each under a "### Speaker" line, closed by
// a "---" line.
func headerCloses(d []byte) bool {
	if i := bytes.IndexByte(d, '\n'); i >= 0 {
		d = d[i+1:] // the title
	} else {
		return false
	}
	for len(d) > 0 {
		line := d
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		switch {
		case isRule(string(line)):
			// Then the messages, each under a "### Speaker" line and
			// closed by a "---" line; a file whose messages are never
			// closed is read by headings alone (LayoutLabelled), unless
			// it holds too few to tell, as a recording cut off during its
			// first message does.
			rest := bytes.TrimLeft(d, " \t\r\n")
			switch {
			case len(rest) == 0:
				return true
			case !bytes.HasPrefix(rest, []byte("### ")):
				return false
			}
			return hasSeparatorLine(rest) || !looksLabelled(string(rest))
		case bytes.HasPrefix(line, []byte("#")):
			return false
		}
	}
	return false
}

// hasSeparatorLine reports whether d holds a "---" line (isRule).
func hasSeparatorLine(d []byte) bool {
	for {
		i := bytes.Index(d, []byte("\n---"))
		if i < 0 {
			return false
		}
		d = d[i+4:]
		rest := bytes.TrimLeft(d, " \t")
		if len(rest) == 0 || rest[0] == '\n' || (rest[0] == '\r' && (len(rest) == 1 || rest[1] == '\n')) {
			return true
		}
	}
}

// hasHeading reports whether one of the first 64 lines is a "### Name ###"
// heading.
func hasHeading(d []byte) bool {
	for n := 0; n < 64 && len(d) > 0; n++ {
		line := d
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		if _, ok := headingName(string(line)); ok {
			return true
		}
	}
	return false
}

// headedSpeakers reports whether the "### Name ###" headings of d read as
// a recorder's, one for each message: two names or more, one of them
// heading two blocks or more, or one name heading three (a model staged
// against itself under one name). A banner or two is not.
func headedSpeakers(d []byte) bool {
	seen := map[string]int{}
	repeated := false // a name heads two blocks or more
	for line := range bytes.Lines(d) {
		if len(line) < 9 || line[0] != '#' {
			continue
		}
		if name, ok := headingName(string(bytes.TrimSuffix(line, []byte("\n")))); ok {
			seen[name]++
			repeated = repeated || seen[name] >= 2
			if seen[name] >= 3 || repeated && len(seen) >= 2 {
				return true
			}
		}
	}
	return false
}

// Import reads a transcript in any layout parley knows. A file holding
// several conversations (an array of ShareGPT conversations, say) gives
// several transcripts, in order.
func Import(data []byte) ([]*Transcript, string, error) {
	return importData(data, func(b []byte) string { return string(b) })
}

// importData is Import, with text making the string the Markdown and
// headed parsers read from the bytes: a copy, unless the caller owns data
// and never writes to it again.
func importData(data []byte, text func([]byte) string) ([]*Transcript, string, error) {
	ts, layout, err := importLayout(data, text)
	for _, t := range ts {
		sidesByTurn(t)
	}
	return ts, layout, err
}

// sidesByTurn tells apart the two sides of a conversation whose recorder
// named both the same, as a model staged against itself is ("### gpt-5"
// on every message): when every message but moderator notes names one
// speaker, they are read as taking turns, and the first and every other
// message from it are that speaker's "(1)", the rest its "(2)", as parley
// names two agents of one model. Rules that weigh each side's messages
// (the loop rule, refusal streaks) then see two sides, as they would in
// a run that parley staged. A warning says so.
func sidesByTurn(t *Transcript) {
	name, n := "", 0
	for _, m := range t.Messages {
		if m.Origin == OriginModerator {
			continue
		}
		if n > 0 && m.Speaker != name {
			return
		}
		name = m.Speaker
		n++
	}
	if n < 2 {
		return
	}
	k := 0
	for i := range t.Messages {
		m := &t.Messages[i]
		if m.Origin == OriginModerator {
			continue
		}
		m.Speaker = fmt.Sprintf("%s (%d)", name, k%2+1)
		k++
	}
	t.Warnings = append(t.Warnings, fmt.Sprintf("every message names %q as its speaker; parley reads them as two sides taking turns, %q and %q", name, name+" (1)", name+" (2)"))
}

// importLayout is importData before the sides are told apart.
func importLayout(data []byte, text func([]byte) string) ([]*Transcript, string, error) {
	data = fromUTF16(data)
	if fixed, warning := notUTF8(data); warning != "" {
		ts, layout, err := importLayout(fixed, text)
		for _, t := range ts {
			t.Warnings = append(t.Warnings, warning)
		}
		return ts, layout, err
	}
	if whole, warning := tornLastLine(data); warning != "" {
		ts, layout, err := importLayout(whole, text)
		for _, t := range ts {
			t.Warnings = append(t.Warnings, warning)
		}
		return ts, layout, err
	}
	layout, vals, labelled := detect(data, text)
	d := bytes.TrimPrefix(data, []byte("\ufeff"))
	switch layout {
	case LayoutJSONL, LayoutMarkdown:
		var t *Transcript
		var err error
		if LooksLikeJSONL(d) { // as Parse decides
			t, err = ParseJSONL(d)
		} else {
			md := text(d)
			if runs := markdownRuns(md); len(runs) > 1 {
				// Transcripts joined into one file: each is read as its
				// own, as several conversations in one JSON file are.
				if ts, ok := parseMarkdownRuns(runs); ok {
					return ts, layout, nil
				}
			}
			t, err = parseMarkdown(md)
		}
		if err != nil {
			return nil, layout, err
		}
		return []*Transcript{t}, layout, nil
	case LayoutHeaded:
		t, err := parseHeaded(text(d))
		if err != nil {
			return nil, layout, err
		}
		return []*Transcript{t}, layout, nil
	case LayoutLabelled:
		return []*Transcript{labelled}, layout, nil
	case LayoutTable:
		ts, err := importJSON(vals, LayoutTurns)
		return ts, layout, err
	case LayoutYAML:
		ts, err := importJSON(vals, jsonLayout(vals))
		err = otherData(vals, jsonLayout(vals), err)
		for _, t := range ts {
			for i := range t.Messages {
				// A block scalar ("text: |") ends in the line end that
				// closes it, which is YAML's, not the message's.
				t.Messages[i].Content = strings.TrimSuffix(t.Messages[i].Content, "\n")
			}
		}
		return ts, layout, err
	case LayoutOpenAI, LayoutShareGPT, LayoutPair, LayoutTurns, LayoutNumbered:
		ts, err := importJSON(vals, layout)
		return ts, layout, otherData(vals, layout, err)
	}
	t := bytes.TrimSpace(d)
	switch {
	case len(t) == 0:
		return nil, "", fmt.Errorf("%w: the file is empty", ErrUnknownLayout)
	case looksBinary(t):
		return nil, "", fmt.Errorf("%w: the file is binary, not text", ErrUnknownLayout)
	}
	if looksJSON(t) {
		vals, err := jsonValues(t)
		if err != nil {
			if !transcriptKeys(t) {
				// Another tool's file that does not parse (JSON with
				// comments, as a tsconfig.json holds): said, for the
				// person who gave it; a folder's walk passes over it.
				return nil, "", fmt.Errorf(`%w: the JSON does not parse: %v; and it names none of the keys a transcript's JSON has ("messages", "conversations", "turns", …) before that`, ErrUnknownLayout, err)
			}
			return nil, "", fmt.Errorf("not a transcript: the JSON does not parse: %v", err)
		}
		if err := messagesNoList(d, vals); err != nil {
			return nil, "", err
		}
		if why := missingFields(vals); why != "" {
			return nil, "", fmt.Errorf("%w: %s; %s", ErrUnknownLayout, why, jsonNeeds)
		}
		return nil, "", fmt.Errorf("%w: %s", ErrUnknownLayout, jsonNeeds)
	}
	if _, err := readTable(d); err != nil {
		// A header naming a speaker and a text column means a table of
		// messages: rows that do not read are a transcript written
		// wrong, which a folder's walk fails, not a file of another kind.
		return nil, "", fmt.Errorf("a table of messages (its header names a speaker and a text column) that does not read: %w", err)
	}
	return nil, "", fmt.Errorf(`%w: expected parley Markdown ("# A ↔ B" and a header closed by "---"), parley JSONL, "### Name ###" headed blocks, messages that each start with their speaker's name ("## Name", "**Name:**", "Name:", "> Name:", "- Name:", "=== Name ===", "<Name>", "<|im_start|>name", "[12:00] Name:" or "Turn 3 - Name:"; two speakers or more taking turns, each named twice or more, or in a "# A ↔ B" title), OpenAI "messages" JSON, ShareGPT "conversations" JSON, a two-model runner's "model_a"/"model_b" JSON, other JSON or YAML listing messages that each name their speaker and hold their text, or a CSV or TSV table whose header names a speaker column ("speaker", "name", "role", …) and a text column ("text", "content", …)`, ErrUnknownLayout)
}

// messagesNoList is why the JSON d, decoded as vals and in no layout
// parley reads, is no transcript when an item of it (a value, or an item
// of a list, as importJSON counts them) holds a "messages" that is no
// list. Messages written wrong (meantAsMessages) are a transcript parley
// cannot read, which a folder's walk fails: the first such item is named
// with the line of its "messages" and, in a file of several
// conversations, its number (a conversationFault). A "messages" in
// another shape (a count, a locale's texts) is said for the person who
// gave the file, as no layout parley reads (ErrUnknownLayout), which a
// folder's walk passes over. It is nil when no item holds "messages".
func messagesNoList(d []byte, vals []any) error {
	items := jsonItems(vals)
	// The conversations importJSON would read: each item that holds
	// "messages", and the other items together.
	convs, loose := 0, false
	for _, it := range items {
		obj, _ := it.(map[string]any)
		if _, ok := obj["messages"]; ok {
			convs++
		} else {
			loose = true
		}
	}
	several := convs > 1 || convs == 1 && loose
	var other error
	n := 0 // the conversation the item is
	for i, it := range items {
		obj, _ := it.(map[string]any)
		m, ok := obj["messages"]
		if !ok {
			continue
		}
		n++
		which := ""
		if len(items) > 1 {
			which = fmt.Sprintf("item %d: ", i+1)
		}
		if !meantAsMessages(m) {
			if other == nil {
				other = fmt.Errorf(`%w: %sits "messages" is %s, not a list of messages`, ErrUnknownLayout, which, jsonKind(m))
			}
			continue
		}
		err := fmt.Errorf(`its "messages" is %s, not a list of messages; OpenAI-style JSON lists them, "messages": [{"role": "user", "content": "…"}, …]`, jsonKind(m))
		if line := itemKeyLine(d, i, "messages"); line > 0 {
			err = fmt.Errorf("line %d: %w", line, err)
		}
		if several {
			return &conversationFault{n: n, err: err}
		}
		return err
	}
	return other
}

// conversationFault is why conversation n (from 1) of a file that holds
// several could not be read, which fails the whole file: ReadAny names
// it FILE#N, as check names the conversation.
type conversationFault struct {
	n   int
	err error
}

func (e *conversationFault) Error() string { return fmt.Sprintf("conversation %d: %v", e.n, e.err) }
func (e *conversationFault) Unwrap() error { return e.err }

// jsonNeeds says what JSON in no layout parley reads would need to hold.
const jsonNeeds = `JSON needs "messages" (OpenAI style, or "model_a", "model_b" and "messages" from a two-model runner), "conversations" (ShareGPT style), a list of messages under one of "turns", "dialogue", "conversation", "transcript", "history" or "chat" (or under any key, when each names its speaker and holds its text), or messages numbered "message_1", "message_2", …, each naming its speaker ("speaker", "name", "author", …) and holding its text ("text", "content", …)`

// otherData is err, the error importJSON gave reading vals in layout,
// said to be in no layout parley reads (ErrUnknownLayout) when vals were
// not meant as a conversation (meantAsTranscript): some other tool's
// data that uses a key transcripts use too ({"conversations": 3}, a
// "history" of dates and values), which a folder's walk passes over. The
// sentence of what parley could not read is kept, for the person who
// named the file.
func otherData(vals []any, layout string, err error) error {
	if err == nil || meantAsTranscript(vals, layout) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnknownLayout, err)
}

// Head is the first bytes of the file at path, enough to tell its layout
// by (LooksLikeJSONL, a JSON's first keys) without reading it whole; nil
// when it cannot be opened.
func Head(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return head[:n]
}

// tornLastLine reads another tool's JSON Lines whose last line was cut off
// as it was written (the tool stopped mid-line): the file before that line,
// and a warning naming the line left out, so that the complete lines are
// read rather than the whole file refused. It returns nil and "" for any
// other file: JSON that parses, a parley JSONL (ParseJSONL keeps its own
// torn line's account), JSON broken anywhere but on its last line, and a
// single JSON value cut off, of which no line is complete.
func tornLastLine(data []byte) ([]byte, string) {
	d := bytes.TrimRight(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n")
	if !looksJSON(bytes.TrimLeft(d, " \t\r\n")) || LooksLikeJSONL(d) {
		return nil, ""
	}
	cut := bytes.LastIndexByte(d, '\n')
	if cut < 0 {
		return nil, ""
	}
	// Only the last line is read first: in a whole JSON Lines file it is
	// a value, and in pretty-printed JSON it closes one ("}"), so neither
	// is read twice over.
	tail := bytes.TrimLeft(d[cut+1:], " \t")
	if len(tail) == 0 || tail[0] != '{' && tail[0] != '[' {
		return nil, ""
	}
	if _, err := jsonValues(tail); !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "" // whole, or broken otherwise than by its end
	}
	head := d[:cut+1]
	vals, err := jsonValues(head)
	if err != nil || len(vals) == 0 {
		return nil, ""
	}
	read := phrase.Count(len(vals), "complete line", "complete lines") + " before it are read"
	if len(vals) == 1 {
		read = "the complete line before it is read"
	}
	line := bytes.Count(head, []byte("\n")) + 1
	return head, fmt.Sprintf("the last line (line %d) is cut off, as a tool that stopped while writing it leaves it; it is left out, and %s", line, read)
}

// looksJSON reports whether d, trimmed, starts as a JSON object or array
// does, so that a file that fails to parse is told about its JSON, while
// text whose first line opens with a bracket ("[Claude] Hello") is told
// about the text layouts.
func looksJSON(d []byte) bool {
	if len(d) == 0 || d[0] != '{' && d[0] != '[' {
		return false
	}
	rest := bytes.TrimLeft(d[1:], " \t\r\n")
	if len(rest) == 0 {
		return true
	}
	if d[0] == '{' {
		return rest[0] == '"' || rest[0] == '}'
	}
	switch c := rest[0]; {
	case c == '{', c == '[', c == '"', c == ']', c == '-', c >= '0' && c <= '9':
		return true
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(rest, []byte(lit)) {
			return true
		}
	}
	return false
}

// notUTF8 reads text that is not UTF-8 but holds no NUL (so not binary,
// nor UTF-16, which fromUTF16 has turned) as UTF-8, and says how: text
// holding more whole characters of several bytes than broken ones is
// UTF-8 that a few stray bytes broke (a character cut in two by a tool
// that counted bytes, a byte flipped on the way), each run of them read
// as U+FFFD and the first one's line named; read as Windows-1252, all of
// its non-ASCII text would turn to mojibake and judge differently. Other
// text is decoded as Windows-1252, the code page Windows editors save
// Western text in, of which Latin-1 is a part. Valid UTF-8 and text that
// holds a NUL are left as they are (warning "").
func notUTF8(data []byte) ([]byte, string) {
	if utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, ""
	}
	whole, broken, first := 0, 0, -1
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			broken++
			if first < 0 {
				first = i
			}
		default:
			whole++
		}
		i += n
	}
	if whole <= broken {
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, ""
		}
		return out, "the file is not UTF-8; it was read as Windows-1252 (Latin-1), as Windows editors save text, so é is é and not a replacement character"
	}
	line := bytes.Count(data[:first], []byte("\n")) + 1
	what := fmt.Sprintf("one byte that is not UTF-8, on line %d, reads", line)
	if broken > 1 {
		what = fmt.Sprintf("%d bytes that are not UTF-8, the first on line %d, read", broken, line)
	}
	return bytes.ToValidUTF8(data, []byte("\uFFFD")), what + " as �; the rest of the file is UTF-8 and reads as written"
}

// looksBinary reports whether data, in no layout parley reads, is not
// text at all: its first 4 KiB hold a NUL, bytes that are no UTF-8, or
// control characters no text holds.
func looksBinary(data []byte) bool {
	head := data[:min(len(data), 4096)]
	if len(head) < len(data) {
		// Not the part of a character the cut left.
		for len(head) > 0 && !utf8.RuneStart(head[len(head)-1]) {
			head = head[:len(head)-1]
		}
		head = head[:max(len(head)-1, 0)]
	}
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head) {
		return true
	}
	// Control characters that text does not hold, in more than one byte
	// in a hundred.
	controls := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b {
			controls++
		}
	}
	return controls*100 > len(head)
}

// fromUTF16 turns text that starts with a UTF-16 byte order mark (as some
// Windows tools save text) into UTF-8, without the mark; other data it
// returns as it is.
func fromUTF16(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	default:
		// Without a byte order mark, text in UTF-16 that is mostly
		// Latin script shows as a zero byte beside almost every letter,
		// on one side of each pair: which side tells the order.
		if order = utf16Order(data); order == nil {
			return data
		}
		data = append([]byte{0, 0}, data...) // stands for the mark read below
	}
	units := make([]uint16, (len(data)-2)/2)
	for i := range units {
		units[i] = order.Uint16(data[2+2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}

// utf16Order is the byte order of data when it reads as UTF-16 text
// without a byte order mark: an even length, and a zero byte on one side
// of nine pairs in ten or more (letters of Latin script, digits,
// punctuation and line ends), none on the other side; nil otherwise.
// Other files hold no zero bytes (text) or hold them anywhere (binary).
func utf16Order(data []byte) binary.ByteOrder {
	n := min(len(data), 4096) &^ 1
	if n < 8 || len(data)%2 != 0 {
		return nil
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		even += b2i(data[i] == 0)
		odd += b2i(data[i+1] == 0)
	}
	pairs := n / 2
	switch {
	case odd*10 >= pairs*9 && even == 0:
		return binary.LittleEndian
	case even*10 >= pairs*9 && odd == 0:
		return binary.BigEndian
	}
	if even == 0 && odd == 0 {
		return nil // text in UTF-8 or a code page holds no zero byte
	}
	// Text of one other alphabet (Cyrillic, Greek, Hebrew, Arabic) has
	// letters of one block: the high byte of each pair is that block's
	// (0x04 for Cyrillic) or, for spaces, digits and line ends, zero,
	// and the decoded text holds no control character but line ends and
	// tabs.
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if oneAlphabet(data[:n], order) {
			return order
		}
	}
	return nil
}

// oneAlphabet reports whether data, read as UTF-16 in order, is text of
// one alphabet beside ASCII: at most two high bytes besides zero, one
// pair in twenty or more with a zero high byte, and no control character
// but a line end or a tab.
func oneAlphabet(data []byte, order binary.ByteOrder) bool {
	highs := map[byte]bool{}
	zeros := 0
	for i := 0; i+1 < len(data); i += 2 {
		u := order.Uint16(data[i:])
		hi := byte(u >> 8)
		if hi == 0 {
			zeros++
			if c := rune(u); c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
				return false
			}
			continue
		}
		if u >= 0xD800 && u < 0xE000 {
			return false // no alphabet needs surrogates
		}
		highs[hi] = true
		if len(highs) > 2 {
			return false
		}
	}
	return zeros*20 >= len(data)/2 && len(highs) > 0
}

// ReadOne reads a file holding one conversation, in any layout parley
// knows: what a replay re-speaks and a fork continues. Errors name the
// file.
func ReadOne(path string) (*Transcript, error) {
	file, which := SplitConversation(path)
	ts, _, err := ReadAny(file)
	switch {
	case err != nil:
		return nil, err
	case len(ts) > 1 && file == path:
		return nil, fmt.Errorf("%s holds %d conversations; give one as %s#1 to %s#%d (parley convert writes each to its own file)", path, len(ts), path, path, len(ts))
	}
	return PickConversation(file, which, ts)
}

// PickConversation is conversation which (from 1) of ts, read from file,
// as FILE#N names it, or the sentence that says how to name one.
func PickConversation(file string, which int, ts []*Transcript) (*Transcript, error) {
	switch {
	case len(ts) == 1 && which != 1:
		return nil, fmt.Errorf("%s holds one conversation; give it as %s", file, file)
	case which < 1 || which > len(ts):
		return nil, fmt.Errorf("%s holds %d conversations, numbered from 1; give %s#1 to %s#%d", file, len(ts), file, file, len(ts))
	}
	return ts[which-1], nil
}

// SplitConversation reads FILE#N, as check names the Nth conversation of
// a file that holds several, into the file and N; any other path is its
// own file, N 1. A file whose name itself ends in #N is taken as a file.
// N is 0 for FILE#0 when FILE exists, which readers refuse.
func SplitConversation(path string) (string, int) {
	i := strings.LastIndexByte(path, '#')
	if i < 0 {
		return path, 1
	}
	n, err := strconv.Atoi(path[i+1:])
	if err != nil || n < 0 {
		return path, 1
	}
	if _, err := os.Stat(path); err == nil {
		return path, 1
	}
	if n == 0 {
		// FILE#0 names no conversation; it is said so when FILE is there.
		if _, err := os.Stat(path[:i]); err != nil {
			return path, 1
		}
	}
	return path[:i], n
}

// ReadAny reads a transcript file in any layout parley knows. Errors name
// the file.
func ReadAny(path string) ([]*Transcript, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	// The bytes read are this function's alone and never written again,
	// so the messages' strings may slice them instead of a copy.
	ts, layout, err := importData(data, func(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) })
	if err != nil {
		if ext := strings.ToLower(filepath.Ext(path)); errors.Is(err, ErrUnknownLayout) && (ext == ".yaml" || ext == ".yml") {
			// A YAML file that does not parse is said to be so, with the
			// line, as a JSON file is.
			var v any
			if yerr := yaml.Unmarshal(data, &v); yerr != nil {
				return nil, layout, fmt.Errorf("%s: not a transcript: the YAML does not parse: %s", path, strings.TrimPrefix(yerr.Error(), "yaml: "))
			}
		}
		if cf, ok := errors.AsType[*conversationFault](err); ok {
			return nil, layout, fmt.Errorf("%s#%d: %w", path, cf.n, cf.err)
		}
		return nil, layout, fmt.Errorf("%s: %w", path, err)
	}
	return ts, layout, nil
}

// ParseHeaded reads "### Name ###" headed blocks. It reads the file once,
// line by line, and each message's content and speaker are slices of one
// copy of it: a message is copied again only when its lines end in CRLF.
func ParseHeaded(data []byte) (*Transcript, error) {
	return parseHeaded(string(data))
}

// parseHeaded is ParseHeaded on s, which messages' contents slice.
func parseHeaded(s string) (*Transcript, error) {
	s = strings.TrimPrefix(s, "\ufeff")
	hs := headedHeadings(s, nil)
	if len(hs) > 0 && mayHoldFences(s) {
		if spans := fencedSpans(s); spans != nil {
			hs = outsideFences(s, hs, spans)
		}
	}
	return headedMessages(s, speaking(hs))
}

// outsideFences reads a "### Name ###" line inside a message's code block
// as the labelled reader reads a label there (quotedLog, fence.go): the
// headings of an example log whose names are heard only inside code
// blocks, or which open no paragraph where every speaker's outside them
// does, are the message's text, even when they take turns as the
// speakers' do; and every heading in a code block is, when the plain
// reading has a speaker following itself and skipping them mends it. hs
// are all the headings of s, spans its code blocks (fencedSpans).
func outsideFences(s string, hs []heading, spans [][2]int) []heading {
	inside := func(at int) bool {
		k, _ := slices.BinarySearchFunc(spans, at, func(sp [2]int, at int) int { return sp[1] - at })
		return k < len(spans) && spans[k][0] <= at
	}
	fenced := map[int]bool{} // the headings in code blocks, by offset
	for _, h := range hs {
		if inside(h.at) {
			fenced[h.at] = true
		}
	}
	if len(fenced) == 0 {
		return hs
	}
	sp := speaking(hs)
	var outside []string // the speakers heard outside the blocks
	opening := true      // every speaker's heading outside them opens a paragraph
	for _, h := range sp {
		if !fenced[h.at] {
			if !slices.Contains(outside, h.name) {
				outside = append(outside, h.name)
			}
			opening = opening && opensParagraphAt(s, h.at)
		}
	}
	if len(outside) >= 2 {
		quoted := map[int]bool{}
		for _, h := range sp {
			if fenced[h.at] && (!slices.Contains(outside, h.name) || opening && !opensParagraphAt(s, h.at)) {
				quoted[h.at] = true
			}
		}
		if len(quoted) > 0 {
			if f := headedHeadings(s, quoted); twoSpeakers(headingNames(speaking(f))) {
				hs = f
			}
		}
	}
	if plain := headingNames(speaking(hs)); repeats(plain) > 0 {
		if f := headedHeadings(s, fenced); betterSkipping(plain, headingNames(speaking(f))) {
			hs = f
		}
	}
	return hs
}

// opensParagraphAt reports whether the line of s starting at offset at
// opens a paragraph, as opensParagraph says of a file's lines.
func opensParagraphAt(s string, at int) bool {
	if at == 0 {
		return true
	}
	prev := s[strings.LastIndexByte(s[:at-1], '\n')+1 : at-1]
	return blank(prev) || separatorLine(prev)
}

// heading is a "### Name ###" line of a headed file: where it starts and
// ends (before its newline), and the name it gives.
type heading struct {
	at, end int
	name    string
	stacked bool // only blank lines lie between it and the heading before it
}

// headedHeadings finds the "### Name ###" lines of s, but for those whose
// lines start at the offsets skip holds.
func headedHeadings(s string, skip map[int]bool) []heading {
	var hs []heading
	// Only a line starting with "###" can be a heading: jump from one to the next.
	for at := 0; ; {
		end := strings.IndexByte(s[at:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += at
		}
		if name, ok := headingName(s[at:end]); ok && !skip[at] {
			stacked := len(hs) > 0 && strings.TrimSpace(s[hs[len(hs)-1].end:at]) == ""
			hs = append(hs, heading{at, end, name, stacked})
		}
		if at = nextHashes(s, end+1); at < 0 {
			break
		}
	}
	return hs
}

// nextHashes is where the first line at or after from that starts with
// "###" starts (-1 when there is none), from being a line's start or
// past the end. It searches for "###", which is rarer than a line end.
func nextHashes(s string, from int) int {
	for from < len(s) {
		i := strings.Index(s[from:], "###")
		if i < 0 {
			return -1
		}
		if at := from + i; at == 0 || s[at-1] == '\n' {
			return at
		}
		from += i + 1
	}
	return -1
}

func headingNames(hs []heading) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.name
	}
	return out
}

// speaking keeps the headings that start a message. Recorders write one
// per message, naming its speaker, and models draw the same marks inside
// their messages: a banner ("### SYSTEM ALERT ###") or a row of a box
// ("### ### ###"). So a heading whose name holds no letter or digit is a
// message's own line, and so is one whose name is heard only once after
// two names have each spoken twice or more, unless it is a system prompt's
// or a moderator's (noteKind). A short conversation, whose speakers may
// not yet have spoken twice, keeps every heading.
//
// A banner a message opens with sits right under its speaker's heading,
// each time it recurs: a name whose every heading lies under another
// name's, with only blank lines between, is the messages' own line once
// two other names have each spoken twice or more. A speaker's every turn
// never follows an empty message of the other's.
func speaking(hs []heading) []heading {
	count := map[string]int{}
	under := map[string]bool{} // every heading of the name lies right under another name's
	for i, h := range hs {
		if wordy(h.name) {
			count[h.name]++
			u, seen := under[h.name]
			under[h.name] = (u || !seen) && h.stacked && i > 0 && hs[i-1].name != h.name && wordy(hs[i-1].name)
		}
	}
	recurring := 0
	for name, n := range count {
		if n >= 2 && noteKind(name) == "" && !under[name] {
			recurring++
		}
	}
	out := hs[:0:0]
	spoken := false // a recurring speaker's heading came before
	for _, h := range hs {
		n := count[h.name]
		switch {
		case n == 0:
			continue
		case under[h.name] && recurring >= 2 && noteKind(h.name) == "":
			continue
		case n == 1 && spoken && recurring >= 2 && noteKind(h.name) == "":
			continue
		}
		spoken = spoken || n >= 2 && noteKind(h.name) == ""
		out = append(out, h)
	}
	return out
}

// wordy reports whether name holds a letter or a digit.
func wordy(name string) bool {
	return strings.IndexFunc(name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// headedMessages reads the messages the headings hs of s start. A
// "System" (or "Developer") heading is read as the labelled layout reads
// that label: before the first message it is the run's system prompt,
// later a moderator's note, as a "Moderator" heading is.
func headedMessages(s string, hs []heading) (*Transcript, error) {
	if len(hs) == 0 {
		return nil, &ParseError{Line: 1, Msg: `no "### Name ###" heading found`}
	}
	t := &Transcript{}
	var system []string
	for k, h := range hs {
		next := len(s)
		if k+1 < len(hs) {
			next = hs[k+1].at
		}
		system = addLabelled(t, Message{Speaker: h.name, Content: blockText(s[min(h.end+1, len(s)):next])}, system)
	}
	if preamble := blockText(s[:hs[0].at]); preamble != "" || len(system) > 0 {
		t.Run = &Run{Preamble: preamble, System: strings.Join(system, "\n\n")}
	}
	footerOfLast(t)
	t.Title = defaultTitle(t)
	return t, nil
}

// headingName returns the name of a "### Name ###" heading line (without
// its newline): the text between the marks, trimmed of the spaces and
// tabs around it, which must not be empty. A carriage return may end the
// line and spaces or tabs may follow the closing mark.
func headingName(l string) (string, bool) {
	if len(l) < 9 || l[0] != '#' || l[1] != '#' || l[2] != '#' || (l[3] != ' ' && l[3] != '\t') {
		return "", false
	}
	e := len(l)
	if l[e-1] == '\r' {
		e--
	}
	for e > 0 && (l[e-1] == ' ' || l[e-1] == '\t') {
		e--
	}
	if e < 3 || l[e-3:e] != "###" {
		return "", false
	}
	e -= 3
	if e <= 0 || (l[e-1] != ' ' && l[e-1] != '\t') {
		return "", false
	}
	for e > 0 && (l[e-1] == ' ' || l[e-1] == '\t') {
		e--
	}
	b := 4
	for b < e && (l[b] == ' ' || l[b] == '\t') {
		b++
	}
	// The name starts and ends with a character that is not a space.
	if b >= e || asciiSpace(l[b]) || asciiSpace(l[e-1]) {
		return "", false
	}
	return l[b:e], true
}

// asciiSpace reports the bytes a regular expression's \s matches.
func asciiSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// blockText is the content of the lines of block: without the blank lines
// at its start and end, and without the carriage return ending any line.
func blockText(block string) string {
	first := 0
	for {
		end := strings.IndexByte(block[first:], '\n')
		if end < 0 {
			if blank(block[first:]) {
				return ""
			}
			break
		}
		if !blank(block[first : first+end]) {
			break
		}
		first += end + 1
	}
	last := len(block)
	for {
		start := strings.LastIndexByte(block[:last], '\n') + 1
		if !blank(block[start:last]) || start == 0 {
			break
		}
		last = start - 1
	}
	text := block[first:last]
	if strings.IndexByte(text, '\r') < 0 {
		return text
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.TrimSuffix(text, "\r")
}

// blank reports whether a line holds only white space.
func blank(l string) bool {
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			continue
		}
		if l[i] < utf8.RuneSelf {
			return false
		}
		return strings.TrimSpace(l[i:]) == ""
	}
	return true
}

// defaultTitle is "A ↔ B" from the speakers, every one of them named so that
// the Markdown reader knows whose headings end a message.
func defaultTitle(t *Transcript) string {
	sp := t.Speakers()
	switch len(sp) {
	case 0:
		return "conversation"
	case 1:
		return sp[0]
	}
	return strings.Join(sp, " ↔ ")
}

// oneLine makes a name safe for a "### Speaker" heading: its runs of
// white space one space, none at its ends. A name that is so already, as
// almost every one is, is returned as it is.
func oneLine(s string) string {
	space := true // a space here would be a run's second, or lead the name
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf || c != ' ' && (asciiSpace(c) || c == '\v') || c == ' ' && space:
			return strings.Join(strings.Fields(s), " ")
		default:
			space = c == ' '
		}
	}
	if space && s != "" {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

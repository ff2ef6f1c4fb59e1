package analysis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/transcripts"
)

// LabelTableName is the file that labels many transcripts at once, as the
// labelled corpus's labels.json does:
//
//	{"transcripts": [
//	  {"file": "attractors/NAME.md", "stop_after": 14, "stop_by": 21, "loops": [[18, 24]], "n": 97},
//	  …
//	]}
//
// file is the transcript's path from the table's folder, or FILE#N for
// the Nth conversation of a file that holds several (an export), as check
// names it; stop_after, stop_by and loops are a label's fields; n, when given, is how many
// messages the labeller counted. Other fields (a source, a loop's kind,
// notes) are the table makers' own and are not read.
const LabelTableName = "labels.json"

// A transcript without NAME.expect.yaml beside it takes its label from the
// nearest labels.json that lists it, in its folder or any folder above.
// tables maps a folder to its table (nil: none), as last read.
var tables = struct {
	sync.Mutex
	byDir map[string]cachedTable
}{byDir: map[string]cachedTable{}}

// labelTable is one labels.json, read.
type labelTable struct {
	path   string
	labels map[string]tableLabel // by the transcript's cleaned absolute path
	// byStem finds a row by its file's path without the extension: a row
	// naming NAME.md labels NAME.jsonl, the file a folder's walk reads of
	// a parley recording, as NAME.expect.yaml labels both. "" when two
	// rows share a stem.
	byStem map[string]string
	// conversations lists, by file, the conversations its FILE#N rows
	// label (their labels are under "FILE#N" in labels); convStem finds
	// that file by its path without the extension, as byStem finds a
	// row naming a whole file ("" when the rows name two files of it).
	conversations map[string][]int
	convStem      map[string]string
	err           error
	missing       []string // files it names that are not there
	told          sync.Once
}

// tableLabel is a table's label for one transcript.
type tableLabel struct {
	label *Label
	n     int    // messages the labeller counted; 0 when the table does not say
	where string // "labels.json:5: transcript 3 (a/NAME.md)", for messages
	row   string // "transcript 3 (a/NAME.md, line 5)", for another row's messages
	err   error  // what is wrong with the row, which labels nothing until it is fixed
	// warnings are what is odd in the row but read (no stop_by).
	warnings []string
}

// tableEntry is one transcript's row as a table writes it.
type tableEntry struct {
	File      string   `json:"file"`
	StopAfter *int     `json:"stop_after"`
	StopBy    *int     `json:"stop_by"`
	Loops     [][2]int `json:"loops"`
	N         int      `json:"n"`

	warnings []string // what is odd in the row, but read
}

// findTableLabel returns the label the nearest table lists for the
// transcript at path (a nil label when no table lists it), with the
// warnings of each table it consulted, the first time that table is
// consulted for a transcript: asked only whether a file that is no
// transcript is listed (tell false), it keeps them for the next.
func findTableLabel(path string, tell bool) (*tableLabel, []string, error) {
	f, err := findTableLabels(path, 0, tell)
	return f.whole, f.warnings, err
}

// tableFind is what the tables above a transcript file say of it.
type tableFind struct {
	whole *tableLabel // the nearest row that labels the file; nil for none
	// conversations holds, for each of the file's conversations, the
	// nearest FILE#N row that labels it (nil where none does).
	conversations []*tableLabel
	// listed says a table names the file, whole or by a conversation.
	listed   bool
	warnings []string
}

// findTableLabels is findTableLabel for a file that holds convs
// conversations, with the FILE#N rows that label each: the file, and each
// of its conversations, takes its label from the nearest table that
// labels it. A conversation row that is wrong is returned with its error,
// to fail that conversation alone; one past the file's last conversation
// is said in a warning, as a label that labels nothing. For a file of one
// conversation, a FILE#1 row is the file's row, and one beside a row for
// the file in the same table labels it twice.
func findTableLabels(path string, convs int, tell bool) (tableFind, error) {
	var f tableFind
	abs, err := filepath.Abs(path) // cleaned, as the table's keys are
	if err != nil {
		return f, err
	}
	if convs > 0 {
		f.conversations = make([]*tableLabel, convs)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if t := tableIn(dir); t != nil {
			// A table above the nearest that names the file is read only
			// for rows of conversations still unlabelled: what is wrong
			// with it is said for the files it is the nearest table of.
			farther := f.listed
			if t.err != nil {
				if farther {
					return f, nil
				}
				return tableFind{}, t.err
			}
			// The files it names that are not there are said once, with
			// the first transcript it is consulted for, whether or not it
			// lists that one: a table none of whose paths match labels
			// nothing, and check would pass every transcript unlabelled.
			if tell {
				t.told.Do(func() {
					if len(t.missing) > 0 {
						f.warnings = append(f.warnings, fmt.Sprintf("%s: %d of its transcripts %s not there: %s (each \"file\" is a path from %s)",
							t.path, len(t.missing), phrase.Noun(len(t.missing), "is", "are"), strings.Join(t.missing, ", "), filepath.Dir(t.path)))
					}
				})
			}
			whole, ok := t.labels[abs]
			if !ok {
				if file := t.byStem[stem(abs)]; file != "" {
					whole, ok = t.labels[file]
				}
			}
			switch {
			case ok && f.whole == nil && whole.err != nil && !farther:
				return tableFind{}, whole.err
			case ok && f.whole == nil && whole.err == nil:
				f.whole, f.listed = &whole, true
			}
			// The FILE#N rows naming the file, or the other file of its
			// stem, as a row naming NAME.md labels NAME.jsonl.
			named := abs
			if len(t.conversations[abs]) == 0 {
				if file := t.convStem[stem(abs)]; file != "" {
					named = file
				}
			}
			for _, n := range t.conversations[named] {
				l := t.labels[conversationKey(named, n)]
				f.listed = true
				switch {
				case n == 0 && farther:
				case n == 0:
					return tableFind{}, l.err
				case n > convs:
					if tell {
						f.warnings = append(f.warnings, fmt.Sprintf("%s: %s holds %s, so the row labels none; give the number check names it by (%s)",
							l.where, filepath.Base(path), phrase.Count(convs, "conversation", "conversations"), conversationRange(filepath.Base(path), convs)))
					}
				case convs == 1 && ok:
					return tableFind{}, fmt.Errorf("%s: labels a transcript that %s labels too, the file's one conversation; keep one", l.where, whole.row)
				case f.conversations[n-1] == nil:
					f.conversations[n-1] = &l
				}
			}
		}
		if parent := filepath.Dir(dir); parent == dir || f.labelled(convs) {
			return f, nil
		}
	}
}

// labelled reports whether a table read so far labels the file, which
// holds convs conversations, as far as tables labels it: the nearest
// table that does is read for it, and a table above is not. A file of
// several conversations is labelled once each of them is; convs 0 asks
// only whether a table names the file.
func (f *tableFind) labelled(convs int) bool {
	switch {
	case convs == 0:
		return f.listed
	case convs == 1:
		return f.whole != nil || f.conversations[0] != nil
	}
	return !slices.Contains(f.conversations, nil)
}

// conversationRange names the conversations of file, which holds convs, as
// check names them.
func conversationRange(file string, convs int) string {
	if convs == 1 {
		return file + "#1, or " + file
	}
	return fmt.Sprintf("%s#1 to %s#%d", file, file, convs)
}

// tableIn is the table in dir, or nil when it has none. It is read again
// only when it changes.
func tableIn(dir string) *labelTable {
	path := filepath.Join(dir, LabelTableName)
	st, err := os.Stat(path)
	var stamp tableStamp
	if err == nil {
		stamp = tableStamp{st.ModTime().UnixNano(), st.Size(), true}
	}
	tables.Lock()
	defer tables.Unlock()
	if c, ok := tables.byDir[dir]; ok && c.stamp == stamp {
		return c.table
	}
	var t *labelTable
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t = &labelTable{path: path, err: err}
	default:
		t = parseLabelTable(path, dir, data)
	}
	tables.byDir[dir] = cachedTable{stamp, t}
	return t
}

// tableStamp tells one version of a table file from another.
type tableStamp struct {
	mod    int64 // modification time, in nanoseconds
	size   int64
	exists bool
}

type cachedTable struct {
	stamp tableStamp
	table *labelTable
}

// rowShape is what a table's row holds, for sentences.
const rowShape = `{"file": "PATH", "stop_after": N, "stop_by": N or null, "loops": [[FIRST, LAST]]}`

// jsonKind says what the JSON value raw is, for a sentence.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "text"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// parseLabelTable reads a table found in dir; path names it in messages.
// A JSON file that does not hold a list of transcripts is not a table of
// labels, and is taken for none; one that is not JSON at all (a table cut
// off while it was written), or whose list is under a misspelt
// "transcripts", is an error, since reading none would leave every
// transcript it labels unlabelled, and check would pass them.
func parseLabelTable(path, dir string, data []byte) *labelTable {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // as Windows editors save it
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		se, syntax := errors.AsType[*json.SyntaxError](err)
		switch {
		case syntax && strings.Contains(se.Error(), "unexpected end"):
			return &labelTable{path: path, err: fmt.Errorf("%s: ends before its JSON does, as a file cut off while it was written does; fix it, or rename it if it is not a table of labels", path)}
		case syntax:
			line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
			return &labelTable{path: path, err: fmt.Errorf("%s:%d: is not valid JSON (%s); fix it, or rename it if it is not a table of labels", path, line, se)}
		}
		// JSON, but not an object: not a table, unless it is a table's
		// rows without the object around them.
		var list []map[string]json.RawMessage
		if json.Unmarshal(data, &list) == nil && len(list) > 0 && list[0]["file"] != nil {
			return &labelTable{path: path, err: fmt.Errorf("%s: holds a list of rows; a table of labels is an object that lists them under \"transcripts\": {\"transcripts\": [%s, …]}", path, rowShape)}
		}
		return nil
	}
	// The rows are found in the bytes encoding/json has just read whole,
	// with the line each starts on, rather than decoded twice more.
	var keys []string
	list := -1 // where the value of "transcripts" starts
	jsonItems(data, jsonSpace(data, 0), func(k string, start, _ int) bool {
		keys = append(keys, k)
		if k == "transcripts" {
			list = start
		}
		return true
	})
	if twice(keys) == "transcripts" {
		return &labelTable{path: path, err: fmt.Errorf("%s: gives \"transcripts\" twice, and JSON would read only the last; keep one list", path)}
	}
	if raw, ok := doc["transcripts"]; ok && (list < 0 || data[list] != '[') {
		return &labelTable{path: path, err: fmt.Errorf("%s: \"transcripts\" holds %s; it takes a list of rows, each %s", path, jsonKind(bytes.TrimSpace(raw)), rowShape)}
	}
	if _, ok := doc["transcripts"]; !ok {
		var rows []json.RawMessage
		for k, raw := range doc {
			if k != "transcripts" && (strings.EqualFold(k, "transcripts") || suggest.Distance(k, "transcripts") <= 2) && json.Unmarshal(raw, &rows) == nil && rows != nil {
				return &labelTable{path: path, err: fmt.Errorf("%s: lists its transcripts under %q; a table of labels lists them under \"transcripts\"", path, k)}
			}
		}
		return nil
	}
	t := &labelTable{path: path, labels: map[string]tableLabel{}, byStem: map[string]string{}, conversations: map[string][]int{}, convStem: map[string]string{}}
	rr := rowReader{near: map[string]string{}}
	i, line, counted := 0, 1, 0 // line is the line data[counted] is on
	jsonItems(data, list, func(_ string, start, end int) bool {
		i++
		line += bytes.Count(data[counted:start], []byte("\n"))
		counted = start
		raw := data[start:end]
		where := fmt.Sprintf("%s:%d: transcript %d", path, line, i)
		// A row that names no file cannot be told from any other: the
		// whole table waits for it to be fixed.
		if raw[0] != '{' {
			t.err = fmt.Errorf("%s: is %s, not a row; each row is %s", where, jsonKind(raw), rowShape)
			return false
		}
		e, derr := decodeRow(raw)
		if e.File == "" {
			t.err = fmt.Errorf("%s: names no file; give its path from %s as \"file\"", where, dir)
			return false
		}
		named := e.File
		where += " (" + named + ")"
		file := filepath.Clean(filepath.Join(dir, filepath.FromSlash(named)))
		if filepath.IsAbs(filepath.FromSlash(named)) {
			file = filepath.Clean(filepath.FromSlash(named))
		}
		l, err := rr.check(raw, &e, derr, where)
		// FILE#N labels the Nth conversation of a file of several; a
		// file whose own name ends in #N is that file.
		key, conv := file, -1
		if whole, n := transcripts.SplitConversation(file); whole != file {
			conv = n
			key = conversationKey(whole, n)
			file = whole
			if n == 0 && err == nil {
				err = fmt.Errorf("%s: names conversation 0; a file's conversations are numbered from 1, as check names them (%s#1)", where, filepath.ToSlash(strings.TrimSuffix(named, "#0")))
			}
		}
		if prev, dup := t.labels[key]; dup {
			err = fmt.Errorf("%s: labels a transcript that %s labels too; keep one", where, prev.row)
		}
		if !exists(file) {
			t.missing = append(t.missing, named)
		}
		var n int
		var warnings []string
		if l != nil {
			n, warnings = l.N, l.warnings
		}
		row := fmt.Sprintf("transcript %d (%s, line %d)", i, named, line)
		t.labels[key] = tableLabel{label: l.label(), n: n, where: where, row: row, err: err, warnings: warnings}
		if conv >= 0 {
			t.conversations[file] = append(t.conversations[file], conv)
			if other, shared := t.convStem[stem(file)]; shared && other != file {
				t.convStem[stem(file)] = ""
			} else {
				t.convStem[stem(file)] = file
			}
			return true
		}
		if _, shared := t.byStem[stem(file)]; shared {
			t.byStem[stem(file)] = ""
		} else {
			t.byStem[stem(file)] = file
		}
		return true
	})
	return t
}

// conversationKey is the key of conversation conv of the file at abs in a
// table's labels.
func conversationKey(abs string, conv int) string { return abs + "#" + strconv.Itoa(conv) }

// stem is path without its extension.
func stem(path string) string { return strings.TrimSuffix(path, filepath.Ext(path)) }

// decodeRow reads a table's row as a label's fields. When that fails it
// still reads the row's file, if it can, for the sentence that names the
// row; its File is "" when the row names none.
func decodeRow(raw []byte) (tableEntry, error) {
	var e tableEntry
	err := json.Unmarshal(raw, &e)
	if err != nil {
		var named struct {
			File string `json:"file"`
		}
		if json.Unmarshal(raw, &named) != nil {
			named.File = ""
		}
		e = tableEntry{File: named.File}
	}
	return e, err
}

// rowReader checks a table's rows, remembering which field each key of
// theirs may be a misspelling of: a table's rows repeat the same keys.
type rowReader struct {
	near map[string]string
}

// check checks one row of a table, e as decodeRow read it (with derr,
// its error); where names it in errors.
func (rr rowReader) check(raw []byte, e *tableEntry, derr error, where string) (*tableEntry, error) {
	if derr != nil {
		why := strings.TrimPrefix(derr.Error(), "json: ")
		if te, ok := errors.AsType[*json.UnmarshalTypeError](derr); ok && te.Field != "" {
			why = fmt.Sprintf("%q holds %s; it takes %s", te.Field, article(te.Value), wanted(te.Type))
		}
		return nil, fmt.Errorf("%s: %s; each transcript is {\"file\": \"PATH\", \"stop_after\": N, \"stop_by\": N or null, \"loops\": [[FIRST, LAST]]}", where, why)
	}
	// JSON reads a field given twice as its last value, silently.
	keys := keysOf(raw)
	if k := twice(keys); k != "" {
		return nil, fmt.Errorf("%s: gives %q twice; keep one", where, k)
	}
	// Other fields are the table makers' own, but one that looks like a
	// misspelt field of a label would be skipped, and the label misread.
	for _, k := range keys {
		near, ok := rr.near[k]
		if !ok {
			near = nearField(k)
			rr.near[k] = near
		}
		if near != "" && k != near {
			return nil, fmt.Errorf("%s: unknown field %q; did you mean %s?", where, k, near)
		}
	}
	if !slices.Contains(keys, "stop_by") {
		e.warnings = append(e.warnings, noStopBy(where))
	}
	// JSON reads [18] into a pair as [18, 0], and [18, 24, 30] as
	// [18, 24], silently: each loop must be a pair as written.
	if slices.Contains(keys, "loops") {
		if err := loopPairs(raw, where); err != nil {
			return nil, err
		}
	}
	if e.StopAfter == nil {
		return nil, fmt.Errorf("%s: has no stop_after; give the last message that adds something new", where)
	}
	if err := e.label().valid(where); err != nil {
		return nil, err
	}
	return e, nil
}

// loopPairs reports a row whose loops are not each a [first, last] pair,
// naming the first such loop as a label file's reading names it.
func loopPairs(raw []byte, where string) error {
	loops := -1
	jsonItems(raw, jsonSpace(raw, 0), func(k string, start, _ int) bool {
		if k == "loops" {
			loops = start
		}
		return true
	})
	if loops < 0 || raw[loops] != '[' {
		return nil // the row's own reading names what is wrong
	}
	var err error
	item := 0
	jsonItems(raw, loops, func(_ string, start, end int) bool {
		item++
		n := 0
		switch {
		case raw[start] == '[':
			jsonItems(raw, start, func(string, int, int) bool { n++; return true })
		case string(raw[start:end]) != "null": // null reads as an empty list
			return true
		}
		if n != 2 {
			err = fmt.Errorf("%s: loops: item %d holds a list of %d; it takes a [first, last] pair of message numbers, such as [18, 24]", where, item, n)
			return false
		}
		return true
	})
	return err
}

// keysOf is the fields the JSON object raw gives, in order, each as often
// as it is given; nil for anything but an object. raw is JSON that
// encoding/json has read.
func keysOf(raw []byte) []string {
	var keys []string
	i := jsonSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil
	}
	jsonItems(raw, i, func(k string, _, _ int) bool {
		keys = append(keys, k)
		return true
	})
	return keys
}

// twice is the first of keys given twice, or "".
func twice(keys []string) string {
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			return k
		}
	}
	return ""
}

// label is the row's label; nil for no row.
func (e *tableEntry) label() *Label {
	if e == nil {
		return nil
	}
	return &Label{StopAfter: *e.StopAfter, StopBy: e.StopBy, Loops: e.Loops}
}

// sameLabel reports whether a and b score every stop alike.
func sameLabel(a, b *Label) bool {
	return a.StopAfter == b.StopAfter && ptrEqual(a.StopBy, b.StopBy) && slices.Equal(a.Loops, b.Loops)
}

// ptrEqual reports whether a and b are both nil or point to equal values.
func ptrEqual(a, b *int) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

// wanted says what a field of type t holds, for a person.
func wanted(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return t.String()
}

// article puts "a" or "an" before a JSON type's name.
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

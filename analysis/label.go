package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/internal/yamlpos"
)

// Label is a transcript's hand label: NAME.expect.yaml beside NAME.md, or
// its row in a labels.json above it (see LabelTableName).
type Label struct {
	// StopAfter is the last message that adds something new: stopping
	// before it cuts content.
	StopAfter int `yaml:"stop_after" json:"stop_after"`
	// StopBy is the last message a rule may stop at before it wastes
	// messages (the loop's start + 6); nil when the conversation is
	// healthy to its end.
	StopBy *int `yaml:"stop_by" json:"stop_by"`
	// Loops are stretches that looped and were later broken out of, as
	// [first, last] message pairs: stopping in one is right, since a live
	// rule cannot know the loop will end.
	Loops [][2]int `yaml:"loops" json:"loops,omitempty"`
	Note  string   `yaml:"note" json:"-"`
	// Warnings names the fields the label holds that parley does not read
	// (what other labelling tools add, such as a loop's kind): they are
	// skipped, each named with its line.
	Warnings []string `yaml:"-" json:"-"`

	// lines are where stop_after, stop_by and loops are in the label's
	// file, for sentences about them; 0 where unknown (a table's row).
	lines [3]int
}

// labelFields are the fields a label's reader takes.
var labelFields = []string{"stop_after", "stop_by", "loops", "note"}

// LabelPath is where the label of a transcript file lives.
func LabelPath(transcript string) string {
	return strings.TrimSuffix(transcript, filepath.Ext(transcript)) + ".expect.yaml"
}

// ReadLabel reads NAME.expect.yaml; nil, nil when there is none.
func ReadLabel(path string) (*Label, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLabel(path, data)
}

// ParseLabel reads a label; path names the file in errors.
func ParseLabel(path string, data []byte) (*Label, error) {
	if l, ok := parsePlainLabel(data); ok {
		if err := l.valid(path); err != nil {
			return nil, err
		}
		return l, nil
	}
	return parseYAMLLabel(path, data)
}

// parseYAMLLabel reads a label as YAML, whatever its layout. Its error
// names every problem, one sentence a line, each with the file, the line
// and the field to fix.
func parseYAMLLabel(path string, data []byte) (*Label, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3 names the line of the block around the fault, or none.
		if line, col, what, ok := yamlpos.Syntax(data); ok {
			return nil, fmt.Errorf("%s:%d: is not valid YAML (column %d: %s); %s", path, line, col, what, labelShape)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if num, tail, ok := strings.Cut(rest, ": "); ok && strings.Trim(num, "0123456789") == "" {
				return nil, fmt.Errorf("%s:%s: is not valid YAML (%s); %s", path, num, tail, labelShape)
			}
		}
		return nil, fmt.Errorf("%s: is not valid YAML (%s); %s", path, msg, labelShape)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: is empty; write its stop_after and stop_by fields", path)
	}
	// YAML reads the first of several documents and drops the rest.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) == nil && dec.Decode(&second) == nil && len(second.Content) > 0 && !(second.Content[0].Tag == "!!null" && second.Content[0].Value == "") {
		line := second.Content[0].Line
		return nil, fmt.Errorf("%s:%d: starts a second YAML document, which would not be read; a label is one: keep one set of fields", path, line)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		what := "a list"
		if root.Kind != yaml.SequenceNode {
			what = "a single value"
		}
		return nil, fmt.Errorf("%s:%d: holds %s, not a label; %s", path, root.Line, what, labelShape)
	}
	// A field parley does not read is skipped with a warning, so labels
	// that other tools wrote with more in them still read; one that looks
	// like a misspelt field of parley's is an error, since skipping it
	// would misread the label.
	var l Label
	var probs []error
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, fmt.Errorf("%s:%d: %s", path, n.Line, fmt.Sprintf(format, args...)))
	}
	hasStopAfter := false
	// What read well, so that every field that contradicts another is
	// named beside those that could not be read, and none twice.
	ok := labelRead{stopAfter: true, stopBy: true, loops: map[int]bool{}}
	// A whole number, as YAML reads one: 20.5 is a fraction (which Decode
	// would cut to 20), "20" text.
	whole := func(v *yaml.Node, n *int) bool {
		return v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" && v.Decode(n) == nil
	}
	firstLine := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		// YAML reads a field given twice as its last value, silently.
		if first, twice := firstLine[k.Value]; twice {
			bad(k, "%s is given twice, on lines %d and %d; keep one", k.Value, first, k.Line)
			switch k.Value {
			case "stop_after":
				ok.stopAfter = false
			case "stop_by":
				ok.stopBy = false
			}
			continue
		}
		firstLine[k.Value] = k.Line
		switch k.Value {
		case "stop_after":
			hasStopAfter = true
			l.lines[0] = k.Line
			if !whole(v, &l.StopAfter) {
				ok.stopAfter = false
				bad(v, "stop_after holds %s; it takes a whole number: the last message that adds something new", yamlValue(v))
			}
		case "stop_by":
			l.lines[1] = k.Line
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				continue
			}
			var by int
			if !whole(v, &by) {
				ok.stopBy = false
				bad(v, "stop_by holds %s; it takes a whole number (the loop's first message + 6), or null when the conversation is healthy to its end", yamlValue(v))
				continue
			}
			l.StopBy = &by
		case "loops":
			l.lines[2] = k.Line
			if v.Kind != yaml.SequenceNode {
				if v.Tag != "!!null" {
					bad(v, "loops holds %s; it takes a list of [first, last] message pairs, such as [[18, 24]]", yamlValue(v))
				}
				continue
			}
			l.Loops = make([][2]int, 0, len(v.Content))
			for j, item := range v.Content {
				var pair [2]int
				good := item.Kind == yaml.SequenceNode && len(item.Content) == 2
				for x := 0; good && x < 2; x++ {
					good = whole(item.Content[x], &pair[x])
				}
				if !good {
					ok.loops[j] = false
					what := yamlValue(item)
					if item.Kind == yaml.SequenceNode && len(item.Content) == 2 {
						// A pair, one of whose numbers is not one.
						for _, x := range item.Content {
							if !whole(x, new(int)) {
								what = "a pair whose " + yamlValue(x) + " is not a whole number"
								break
							}
						}
					}
					bad(item, "loops: item %d holds %s; it takes a [first, last] pair of message numbers, such as [18, 24]", j+1, what)
				}
				l.Loops = append(l.Loops, pair)
			}
		case "note":
			if v.Kind != yaml.ScalarNode || v.Decode(&l.Note) != nil {
				bad(v, "note holds %s; it takes text, the reasons for the label", yamlValue(v))
			}
		default:
			if near := nearField(k.Value); near != "" {
				bad(k, "unknown field %q; did you mean %s? (a label holds %s)", k.Value, near, strings.Join(labelFields, ", "))
				continue
			}
			l.Warnings = append(l.Warnings, fmt.Sprintf("%s:%d: skipped field %q: a label parley reads holds %s", path, k.Line, k.Value, strings.Join(labelFields, ", ")))
		}
	}
	if !hasStopAfter {
		ok.stopAfter = false
		probs = append(probs, fmt.Errorf("%s: has no stop_after; give the last message that adds something new", path))
	}
	if _, given := firstLine["stop_by"]; !given {
		// Read as null, as before, but said: a forgotten stop_by turns a
		// loop's label into a healthy one.
		l.Warnings = append(l.Warnings, noStopBy(path))
	}
	probs = append(probs, l.problems(path, ok)...)
	if len(probs) > 0 {
		return nil, errors.Join(probs...)
	}
	return &l, nil
}

// labelRead says which of a label's fields were read as written: the
// others are not compared with the rest. loops holds false for each loop
// that was not.
type labelRead struct {
	stopAfter, stopBy bool
	loops             map[int]bool
}

// labelShape says what a label holds, for a sentence about one that does
// not.
const labelShape = "a label is one field a line: stop_after: N, stop_by: N or null, loops: [[FIRST, LAST]], note: \"why\""

// yamlValue says what a node holds, for a sentence: a scalar quoted as
// written, or what kind of thing it is.
func yamlValue(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return "an empty list"
		}
		return fmt.Sprintf("a list of %d", len(n.Content))
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	if n.Tag == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// parsePlainLabel reads a label written the way labels usually are, one
// field a line, as the corpus and parley write them:
//
//	stop_after: 14
//	stop_by: 21          (or null)
//	loops: [[18, 24]]    (or [])
//	note: "why"          (quoted, with \" and \\ the only escapes)
//
// each field at most once, stop_after and stop_by always, and reports false for
// anything else, which the YAML reader then reads (and explains when it
// is wrong). It gives what the YAML reader gives, a test holds it to
// that; it exists because check reads a label beside every transcript,
// and a YAML parser costs more than judging a short one.
func parsePlainLabel(data []byte) (*Label, bool) {
	var l Label
	var seen [4]bool
	for n := 1; len(data) > 0; n++ {
		line := data
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k], data[k+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		colon := bytes.Index(line, []byte(": "))
		if colon < 0 {
			return nil, false
		}
		f := slices.Index(labelFields, string(line[:colon]))
		if f < 0 || seen[f] {
			return nil, false
		}
		seen[f] = true
		if f < len(l.lines) {
			l.lines[f] = n
		}
		v := line[colon+2:]
		ok := false
		switch f {
		case 0:
			l.StopAfter, ok = plainInt(v)
		case 1:
			if ok = string(v) == "null"; !ok {
				var n int
				if n, ok = plainInt(v); ok {
					l.StopBy = &n
				}
			}
		case 2:
			l.Loops, ok = plainLoops(v)
		case 3:
			l.Note, ok = plainQuoted(v)
		}
		if !ok {
			return nil, false
		}
	}
	// A label without stop_by is the YAML reader's, which warns of it.
	return &l, seen[0] && seen[1]
}

// plainInt reads a whole number of at most nine digits, without sign or
// leading zero.
func plainInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = 10*n + int(c-'0')
	}
	return n, true
}

// plainLoops reads [] or [[a, b], [c, d], …].
func plainLoops(v []byte) ([][2]int, bool) {
	if string(v) == "[]" {
		return [][2]int{}, true
	}
	if !bytes.HasPrefix(v, []byte("[[")) || !bytes.HasSuffix(v, []byte("]]")) {
		return nil, false
	}
	var loops [][2]int
	for _, item := range bytes.Split(v[2:len(v)-2], []byte("], [")) {
		a, b, found := bytes.Cut(item, []byte(", "))
		x, okA := plainInt(a)
		y, okB := plainInt(b)
		if !found || !okA || !okB {
			return nil, false
		}
		loops = append(loops, [2]int{x, y})
	}
	return loops, true
}

// plainQuoted reads a double-quoted string of printable characters whose
// only escapes are \" and \\.
func plainQuoted(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	v = v[1 : len(v)-1]
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\'):
			i++
			c = v[i]
		case c == '\\' || c == '"' || c < ' ' || c == 0x7f:
			return "", false
		}
		b.WriteByte(c)
	}
	s := b.String()
	for _, r := range s {
		// YAML folds some characters outside ASCII as line breaks and
		// refuses others; those labels are its to read.
		if r >= utf8.RuneSelf && (r == utf8.RuneError || !unicode.IsPrint(r)) {
			return "", false
		}
	}
	return s, true
}

// valid reports a label whose fields are out of range or contradict each
// other, every such problem, one sentence a line; where names the label
// in them.
func (l *Label) valid(where string) error {
	return errors.Join(l.problems(where, labelRead{stopAfter: true, stopBy: true})...)
}

// problems is what valid reports, of the fields ok holds were read.
func (l *Label) problems(where string, ok labelRead) []error {
	var probs []error
	if ok.stopAfter && l.StopAfter < 0 {
		probs = append(probs, fmt.Errorf("%s: stop_after is %d; it takes the number of the last message that adds something new, from 0", l.at(where, 0), l.StopAfter))
	}
	switch {
	case !ok.stopBy || l.StopBy == nil:
	case *l.StopBy < 1:
		probs = append(probs, fmt.Errorf("%s: stop_by is %d; it takes a message number from 1 (the loop's first message + 6), or null when the conversation is healthy to its end", l.at(where, 1), *l.StopBy))
	case ok.stopAfter && *l.StopBy < l.StopAfter:
		probs = append(probs, fmt.Errorf("%s: stop_by (%d) comes before stop_after (%d); a rule may stop from stop_after to stop_by, so stop_by is at least stop_after", l.at(where, 1), *l.StopBy, l.StopAfter))
	}
	var good [][2]int // the loops read and in order, with their numbers
	var goodAt []int
	for i, lp := range l.Loops {
		if read, known := ok.loops[i]; known && !read {
			continue
		}
		switch {
		case lp[0] < 1:
			probs = append(probs, fmt.Errorf("%s: loop %d is [%d, %d]; message numbers start at 1", l.at(where, 2), i+1, lp[0], lp[1]))
		case lp[1] < lp[0]:
			probs = append(probs, fmt.Errorf("%s: loop %d is [%d, %d], which ends before it starts; write each loop as [first, last] message numbers, first ≤ last", l.at(where, 2), i+1, lp[0], lp[1]))
		case ok.stopAfter && lp[1] >= l.StopAfter:
			// A loop the conversation broke out of ends before the last
			// message that brings something new.
			probs = append(probs, fmt.Errorf("%s: loop %d is [%d, %d], but stop_after is %d; loops are stretches the conversation broke out of, so each ends before the last message that adds something new (a loop that lasts to the end is stop_by: its first message + 6)", l.at(where, 2), i+1, lp[0], lp[1], l.StopAfter))
		default:
			good, goodAt = append(good, lp), append(goodAt, i+1)
		}
	}
	for i := range good {
		for j := i + 1; j < len(good); j++ {
			if good[i][0] <= good[j][1] && good[j][0] <= good[i][1] {
				probs = append(probs, fmt.Errorf("%s: loops %d [%d, %d] and %d [%d, %d] overlap; give each stretch once", l.at(where, 2), goodAt[i], good[i][0], good[i][1], goodAt[j], good[j][0], good[j][1]))
			}
		}
	}
	return probs
}

// noStopBy is the warning for a label without stop_by, which is read as
// null: healthy to its end.
func noStopBy(where string) string {
	return where + ": has no stop_by, so it is read as null (healthy to its end); write stop_by: null to say so, or the loop's first message + 6"
}

// at is where, with the line of field f (0 stop_after, 1 stop_by, 2
// loops) when the label came from a file that has it there.
func (l *Label) at(where string, f int) string {
	if l.lines[f] > 0 {
		return fmt.Sprintf("%s:%d", where, l.lines[f])
	}
	return where
}

// nearField is the scored label field (stop_after, stop_by, loops) that
// name looks like a misspelling of, or "": the same but for case and
// punctuation, or a few edits away (two, one for loops). A misspelt note
// is only skipped: no score depends on it.
func nearField(name string) string {
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == ' ' {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	for _, f := range labelFields[:3] {
		if squash(name) == squash(f) || suggest.Distance(name, f) <= min(2, len(f)/4) {
			return f
		}
	}
	return ""
}

// Check reports a label that does not fit a transcript of n messages:
// every message number beyond its end, one sentence a line. stop_by may
// pass the end by up to six, since it is the loop's first message + 6.
func (l *Label) Check(path string, n int) error {
	var probs []error
	if l.StopAfter > n {
		probs = append(probs, fmt.Errorf("%s: stop_after is %d, but the transcript has %d messages; it takes the last message that adds something new, at most %d", l.at(path, 0), l.StopAfter, n, n))
	}
	if l.StopBy != nil && *l.StopBy > n+6 {
		probs = append(probs, fmt.Errorf("%s: stop_by is %d, but the transcript has %d messages; it takes the loop's first message + 6, at most %d, or null when the conversation is healthy to its end", l.at(path, 1), *l.StopBy, n, n+6))
	}
	for i, lp := range l.Loops {
		if lp[1] > n {
			probs = append(probs, fmt.Errorf("%s: loop %d ends at message %d, but the transcript has %d messages", l.at(path, 2), i+1, lp[1], n))
		}
	}
	return errors.Join(probs...)
}

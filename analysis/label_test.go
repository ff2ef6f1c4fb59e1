package analysis

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// plainLabels are labels in the usual layout, which the plain reader
// takes, and near misses it must leave to the YAML reader.
var plainLabels = []string{
	"stop_after: 14\nstop_by: 21\nnote: \"why\"\n",
	"stop_after: 97\nstop_by: null\nloops: [[29, 43], [84, 95]]\nnote: \"x\"\n",
	"stop_after: 3\nstop_by: null\nloops: []\n",
	"stop_after: 3\nstop_by: 9\nloops: [[5, 2]]\n",
	"stop_after: 3\nstop_by: 1\n",
	"note: \"a \\\"quoted\\\" word, a back\\\\slash — and ✨\"\nstop_after: 0\nstop_by: null\n",
	"stop_after: 14\n\nstop_by: 21",
	// Near misses: each reads as YAML reads it.
	"stop_after: 3\n",
	"stop_after: 5\nstop_by: 9\n---\n",
	"stop_after: 014\n",
	"stop_after: 14 # a comment\n",
	"stop_after: 14\r\nstop_by: 21\r\n",
	"stop_after: 14\nstop_by: ~\n",
	"stop_after: 14\nstop_by:\n",
	"stop_after: +14\n",
	"stop_after: 14\nstop_after: 15\n",
	"stop_by: 21\n",
	"stop_after: 14\nnote: \"a\\nb\"\n",
	"stop_after: 14\nnote: \"line\u2028separator\"\n",
	"stop_after: 14\nnote: 'single'\n",
	"stop_after: 14\nnote: plain words\n",
	"stop_after: 14\nloops: [[1, 2, 3]]\n",
	"stop_after: 14\nloops: [[1,2]]\n",
	"stop_after: 14\nloops:\n  - [1, 2]\n",
	"stop_after: 14\nloop_kind: farewell\n",
	"---\nstop_after: 14\n",
	"\ufeffstop_after: 14\n",
	"  stop_after: 14\n",
	"stop_after: 1234567890\n",
}

// plainReadsAsYAML fails unless the plain reader, when it takes data, reads what
// the YAML reader reads; it reports whether it took it.
func plainReadsAsYAML(t *testing.T, data []byte) bool {
	t.Helper()
	plain, ok := parsePlainLabel(data)
	if !ok {
		return false
	}
	perr := plain.valid("x.expect.yaml")
	want, err := parseYAMLLabel("x.expect.yaml", data)
	if (err == nil) != (perr == nil) || (err != nil && err.Error() != perr.Error()) {
		t.Fatalf("%q: the plain reader says %v, the YAML reader %v", data, perr, err)
	}
	if err == nil && !reflect.DeepEqual(plain, want) {
		t.Fatalf("%q: the plain reader reads %+v, the YAML reader %+v", data, *plain, *want)
	}
	return true
}

func TestPlainLabelsReadAsYAML(t *testing.T) {
	took := 0
	for _, s := range plainLabels {
		if plainReadsAsYAML(t, []byte(s)) {
			took++
		}
	}
	if took != 7 {
		t.Errorf("the plain reader took %d of the usual labels, want the first 7", took)
	}
	// ParseLabel answers alike either way, errors included.
	for _, s := range plainLabels {
		l, err := ParseLabel("x.expect.yaml", []byte(s))
		wl, werr := parseYAMLLabel("x.expect.yaml", []byte(s))
		if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) || (err == nil && !reflect.DeepEqual(l, wl)) {
			t.Errorf("%q: ParseLabel = %+v, %v; as YAML %+v, %v", s, l, err, wl, werr)
		}
	}
}

// Every label of the corpus is in the usual layout, so check reads each
// without a YAML parser, and reads what YAML reads.
func TestCorpusLabelsArePlain(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.expect.yaml"))
	if len(files) == 0 {
		t.Skipf("%s is absent: no labels to read", corpusDir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !plainReadsAsYAML(t, data) {
			t.Errorf("%s: the plain reader left it to YAML", f)
		}
	}
}

func FuzzPlainLabel(f *testing.F) {
	for _, s := range plainLabels {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { plainReadsAsYAML(t, data) })
}

// Each problem of a label is one sentence naming the file, the line and
// the field, and what the field takes; every problem is named.
func TestABadLabelNamesEachProblem(t *testing.T) {
	cases := []struct {
		name, label string
		want        []string // the error's lines, in order
	}{
		{"a word for a number", "stop_after: fifteen\n", []string{
			`x.expect.yaml:1: stop_after holds "fifteen"; it takes a whole number: the last message that adds something new`}},
		{"a loop that is not a pair", "stop_after: 3\nloops: [3]\n", []string{
			`x.expect.yaml:2: loops: item 1 holds 3; it takes a [first, last] pair of message numbers, such as [18, 24]`}},
		{"two documents", "stop_after: 5\nstop_by: 9\n---\nstop_after: 3\n", []string{
			`x.expect.yaml:4: starts a second YAML document, which would not be read; a label is one: keep one set of fields`}},
		{"a loop that reaches stop_after", "stop_after: 30\nstop_by: 36\nloops: [[25, 40]]\n", []string{
			`x.expect.yaml:3: loop 1 is [25, 40], but stop_after is 30; loops are stretches the conversation broke out of, so each ends before the last message that adds something new (a loop that lasts to the end is stop_by: its first message + 6)`}},
		{"loops that overlap", "stop_after: 30\nstop_by: 36\nloops: [[2, 6], [6, 8], [10, 12]]\n", []string{
			`x.expect.yaml:3: loops 1 [2, 6] and 2 [6, 8] overlap; give each stretch once`}},
		{"a loop from message 0", "stop_after: 30\nstop_by: 36\nloops: [[0, 3]]\n", []string{
			`x.expect.yaml:3: loop 1 is [0, 3]; message numbers start at 1`}},
		{"a loop of three", "stop_after: 3\nloops: [[1, 2, 3]]\n", []string{
			`x.expect.yaml:2: loops: item 1 holds a list of 3; it takes a [first, last] pair of message numbers, such as [18, 24]`}},
		{"loops that are not a list", "stop_after: 3\nloops: 4\n", []string{
			`x.expect.yaml:2: loops holds 4; it takes a list of [first, last] message pairs, such as [[18, 24]]`}},
		{"a loop's item on its own line", "stop_after: 3\nloops:\n  - [1, 2]\n  - [x, 4]\n", []string{
			`x.expect.yaml:4: loops: item 2 holds a pair whose "x" is not a whole number; it takes a [first, last] pair of message numbers, such as [18, 24]`}},
		{"a word for stop_by", "stop_after: 3\nstop_by: soon\n", []string{
			`x.expect.yaml:2: stop_by holds "soon"; it takes a whole number (the loop's first message + 6), or null when the conversation is healthy to its end`}},
		{"a list for a note", "stop_after: 3\nnote: [a]\n", []string{
			`x.expect.yaml:2: note holds a list of 1; it takes text, the reasons for the label`}},
		{"no stop_after", "stop_by: 21\n", []string{
			`x.expect.yaml: has no stop_after; give the last message that adds something new`}},
		{"an empty stop_after", "stop_after:\nstop_by: 21\n", []string{
			`x.expect.yaml:1: stop_after holds nothing; it takes a whole number: the last message that adds something new`}},
		{"every problem at once", "stop_after: fifteen\nstop_by: soon\nloops: [3, [1, 2]]\nstop_byy: 4\n", []string{
			`x.expect.yaml:1: stop_after holds "fifteen"`,
			`x.expect.yaml:2: stop_by holds "soon"`,
			`x.expect.yaml:3: loops: item 1 holds 3`,
			`x.expect.yaml:4: unknown field "stop_byy"; did you mean stop_by?`}},
		{"fields that contradict each other", "stop_after: 30\nstop_by: 20\nloops: [[5, 2], [0, 1]]\n", []string{
			`x.expect.yaml:2: stop_by (20) comes before stop_after (30); a rule may stop from stop_after to stop_by, so stop_by is at least stop_after`,
			`x.expect.yaml:3: loop 1 is [5, 2], which ends before it starts; write each loop as [first, last] message numbers, first ≤ last`,
			`x.expect.yaml:3: loop 2 is [0, 1]`}},
		{"a list, not a label", "- 3\n- 4\n", []string{`x.expect.yaml:1: holds a list, not a label; a label is one field a line`}},
		{"not YAML", "stop_after: 3\n  stop_by: [\n", []string{`x.expect.yaml:2: is not valid YAML (`}},
		{"a list never closed, named at its bracket, not the line after", "stop_after: 15\n\nstop_by: [oops\nnote: \"x\"\n", []string{
			`x.expect.yaml:3: is not valid YAML (column 10: this "[" is never closed; end what it opens with "]")`}},
		{"a tab, named on its own line", "stop_after: 15\nstop_by: 20\n\tnote: x\n", []string{
			`x.expect.yaml:3: is not valid YAML (column 1: a tab character; YAML indents with spaces)`}},
		{"a quote never closed", "stop_after: 15\nstop_by: 20\nnote: \"x\n", []string{`x.expect.yaml:3: is not valid YAML (column 7: `}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLabel("x.expect.yaml", []byte(c.label))
			if err == nil {
				t.Fatal("accepted")
			}
			problemsAre(t, err, c.want)
		})
	}
}

// A label's message numbers must fall within its transcript; stop_by may
// pass its end by up to six, as the loop's first message + 6.
func TestALabelBeyondItsTranscriptIsNamed(t *testing.T) {
	cases := []struct {
		name, label string
		want        []string // nil: it fits
	}{
		{"within", "stop_after: 14\nstop_by: 21\nloops: [[2, 5]]\n", nil},
		{"stop_by six past the end, as a loop at the last message gives", "stop_after: 90\nstop_by: 103\n", nil},
		{"stop_by far past the end", "stop_after: 3\nstop_by: 500\n", []string{
			"x.expect.yaml:2: stop_by is 500, but the transcript has 97 messages; it takes the loop's first message + 6, at most 103, or null when the conversation is healthy to its end"}},
		{"stop_after past the end, with a stop_by", "stop_after: 98\nstop_by: 100\n", []string{
			"x.expect.yaml:1: stop_after is 98, but the transcript has 97 messages; it takes the last message that adds something new, at most 97"}},
		{"everything past the end", "stop_after: 120\nstop_by: 200\nloops: [[96, 99]]\n", []string{
			"x.expect.yaml:1: stop_after is 120",
			"x.expect.yaml:2: stop_by is 200",
			"x.expect.yaml:3: loop 1 ends at message 99, but the transcript has 97 messages"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseLabel("x.expect.yaml", []byte(c.label))
			if err != nil {
				t.Fatal(err)
			}
			err = l.Check("x.expect.yaml", 97)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			problemsAre(t, err, c.want)
		})
	}
}

// problemsAre holds err's sentences, one a line, to begin as want's do.
func problemsAre(t *testing.T, err error, want []string) {
	t.Helper()
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got[i], w)
		}
	}
}

// A label holds whole numbers, each field once, and names every problem:
// a fraction is refused, not cut to its whole part; a field given twice is
// refused, naming both lines, not read as its last value; a stop_by below
// 1 is named beside a stop_after below 0, and beside a field that could
// not be read.
func TestALabelIsReadAsWrittenOrRefused(t *testing.T) {
	cases := []struct {
		name, label string
		want        []string // the error's lines, in order
	}{
		{"a fraction for stop_after", "stop_after: 20.5\nstop_by: 30\n", []string{
			`x.expect.yaml:1: stop_after holds 20.5; it takes a whole number: the last message that adds something new`}},
		{"a fraction for stop_by", "stop_after: 20\nstop_by: 30.0\n", []string{
			`x.expect.yaml:2: stop_by holds 30.0; it takes a whole number`}},
		{"a fraction in a loop", "stop_after: 3\nloops: [[18.5, 24]]\n", []string{
			`x.expect.yaml:2: loops: item 1 holds a pair whose 18.5 is not a whole number; it takes a [first, last] pair of message numbers`}},
		{"a number too large to be whole", "stop_after: 99999999999999999999\n", []string{
			`x.expect.yaml:1: stop_after holds 99999999999999999999; it takes a whole number`}},
		{"stop_after twice", "stop_after: 20\nstop_by: 30\nstop_after: 25\n", []string{
			`x.expect.yaml:3: stop_after is given twice, on lines 1 and 3; keep one`}},
		{"note twice", "stop_after: 20\nnote: \"a\"\nnote: \"b\"\n", []string{
			`x.expect.yaml:3: note is given twice, on lines 2 and 3; keep one`}},
		{"both counts below their range", "stop_after: -5\nstop_by: -1\n", []string{
			`x.expect.yaml:1: stop_after is -5; it takes the number of the last message that adds something new, from 0`,
			`x.expect.yaml:2: stop_by is -1; it takes a message number from 1 (the loop's first message + 6), or null when the conversation is healthy to its end`}},
		{"stop_by 0", "stop_after: 0\nstop_by: 0\n", []string{`x.expect.yaml:2: stop_by is 0; it takes a message number from 1`}},
		{"a field that cannot be read beside one out of range", "stop_after: soon\nstop_by: -1\nloops: [[x, 2], [5, 2]]\n", []string{
			`x.expect.yaml:1: stop_after holds "soon"`,
			`x.expect.yaml:3: loops: item 1 holds a pair whose "x" is not a whole number`,
			`x.expect.yaml:2: stop_by is -1`,
			`x.expect.yaml:3: loop 2 is [5, 2]`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLabel("x.expect.yaml", []byte(c.label))
			if err == nil {
				t.Fatal("accepted")
			}
			problemsAre(t, err, c.want)
		})
	}
}

// A label without stop_by reads as healthy to its end, as before, but
// says so: a forgotten stop_by would turn a loop's label into that.
func TestALabelWithoutStopByIsWarnedOf(t *testing.T) {
	for _, src := range []string{"stop_after: 5\n", "stop_after: 5\nloops: []\nnote: \"x\"\n"} {
		l, err := ParseLabel("x.expect.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if l.StopBy != nil || !slices.Contains(l.Warnings, "x.expect.yaml: has no stop_by, so it is read as null (healthy to its end); write stop_by: null to say so, or the loop's first message + 6") {
			t.Errorf("%q: stop_by %v, warnings %q", src, l.StopBy, l.Warnings)
		}
	}
	if l, err := ParseLabel("x.expect.yaml", []byte("stop_after: 5\nstop_by: null\n")); err != nil || len(l.Warnings) > 0 {
		t.Errorf("stop_by: null written: %v, warnings %q", err, l.Warnings)
	}
}

package analysis

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// plainLabels are labels in the usual layout, which the plain reader
// takes, and near misses it must leave to the YAML reader.
var plainLabels = []string{
	"stop_after: 14\nstop_by: 21\nnote: \"why\"\n",
	"stop_after: 97\nstop_by: null\nloops: [[29, 43], [84, 95]]\nnote: \"x\"\n",
	"stop_after: 3\nloops: []\n",
	"stop_after: 3\nloops: [[5, 2]]\n",
	"stop_after: 3\nstop_by: 1\n",
	"note: \"a \\\"quoted\\\" word, a back\\\\slash — and ✨\"\nstop_after: 0\n",
	"stop_after: 14\n\nstop_by: 21",
	// Near misses: each reads as YAML reads it.
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

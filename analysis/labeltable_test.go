package analysis

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// fourMessages is a transcript of four messages in parley's layout.
const fourMessages = "# A ↔ B\n\n---\n\n### A\n\na1\n\n---\n\n### B\n\nb1\n\n---\n\n### A\n\na2\n\n---\n\n### B\n\nb2\n\n---\n"

// writeTree writes files (path → content) under a new folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadAll gathers and loads everything under dir.
func loadAll(t *testing.T, dir string) (map[string]Item, []error) {
	t.Helper()
	files, err := Gather([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]Item{}
	var errs []error
	for _, f := range files {
		its, err := Load(f)
		if errors.Is(err, ErrNotTranscript) {
			continue // notes beside the transcripts
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, it := range its {
			rel, _ := filepath.Rel(dir, it.Name)
			items[filepath.ToSlash(rel)] = it
		}
	}
	return items, errs
}

func TestALabelTableLabelsTheTranscriptsItLists(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [
			{"file": "one/a.md", "stop_after": 2, "stop_by": 3, "loop_kind": "farewell", "notes": "x", "n": 4},
			{"file": "one/b.md", "stop_after": 4, "stop_by": null, "loops": [[2, 3]], "n": 4},
			{"file": "one/c.md", "stop_after": 1, "stop_by": 2}
		]}`,
		"one/a.md":          fourMessages,
		"one/b.md":          fourMessages,
		"one/c.md":          fourMessages,
		"one/c.expect.yaml": "stop_after: 1\nstop_by: 2\n",
		"one/d.md":          fourMessages,
	})
	items, errs := loadAll(t, dir)
	if len(errs) > 0 || len(items) != 4 {
		t.Fatalf("read %d items, errors %v; want the four transcripts and not the table", len(items), errs)
	}
	a, b := items["one/a.md"].Label, items["one/b.md"].Label
	if a == nil || a.StopAfter != 2 || a.StopBy == nil || *a.StopBy != 3 || len(items["one/a.md"].Warnings) != 0 {
		t.Errorf("a.md: label %+v, warnings %q", a, items["one/a.md"].Warnings)
	}
	if b == nil || b.StopAfter != 4 || b.StopBy != nil || len(b.Loops) != 1 || b.Loops[0] != [2]int{2, 3} {
		t.Errorf("b.md: label %+v", b)
	}
	if items["one/d.md"].Label != nil {
		t.Errorf("d.md is in no table and has no label file, yet has label %+v", items["one/d.md"].Label)
	}
	// A transcript named on its own finds the table above it too.
	its, err := Load(File{Path: filepath.Join(dir, "one", "a.md"), Root: filepath.Join(dir, "one", "a.md")})
	if err != nil || its[0].Label == nil || its[0].Label.StopAfter != 2 {
		t.Fatalf("a.md alone: %+v, %v", its, err)
	}
}

func TestALabelTableThatDisagreesIsNamed(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [
			{"file": "a.md", "stop_after": 2, "stop_by": 3},
			{"file": "b.md", "stop_after": 1, "stop_by": 2, "n": 6},
			{"file": "gone.md", "stop_after": 1, "stop_by": 2}
		]}`,
		"a.md":          fourMessages,
		"a.expect.yaml": "stop_after: 3\nstop_by: 4\n",
		"b.md":          fourMessages,
	})
	items, errs := loadAll(t, dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	a := items["a.md"]
	if a.Label == nil || a.Label.StopAfter != 3 {
		t.Errorf("a.md: label %+v; its own a.expect.yaml is the one read", a.Label)
	}
	var all []string
	for _, it := range items {
		all = append(all, it.Warnings...)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		"a.expect.yaml and " + filepath.Join(dir, "labels.json") + ":2: transcript 1 (a.md) label it differently; check reads a.expect.yaml",
		"labels.json:3: transcript 2 (b.md): counts 6 messages, and parley read 4",
		"labels.json: 1 of its transcripts is not there: gone.md",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q\nlack %q", all, want)
		}
	}
	if n := strings.Count(joined, "not there"); n != 1 {
		t.Errorf("the missing transcripts are named %d times; want once", n)
	}
}

func TestABadLabelTableNamesTheRowToFix(t *testing.T) {
	cases := []struct{ name, table, want string }{
		{"no stop_after", `{"transcripts": [{"file": "a.md", "stop_by": 3}]}`, "labels.json:1: transcript 1 (a.md): has no stop_after"},
		{"stop_by first", `{"transcripts": [{"file": "a.md", "stop_after": 3, "stop_by": 1}]}`, "transcript 1 (a.md): stop_by (1) comes before stop_after (3)"},
		{"bad loop", `{"transcripts": [{"file": "b.md", "stop_after": 1}, {"file": "a.md", "stop_after": 1, "loops": [[4, 2]]}]}`, "transcript 2 (a.md): loop 1 is [4, 2]"},
		{"no file", `{"transcripts": [{"stop_after": 1}]}`, "transcript 1: names no file"},
		{"twice", `{"transcripts": [{"file": "a.md", "stop_after": 1}, {"file": "./a.md", "stop_after": 2}]}`, "labels.json:1: transcript 2 (./a.md): labels a transcript that transcript 1 (a.md, line 1) labels too; keep one"},
		{"not a number", `{"transcripts": [{"file": "a.md", "stop_after": "3"}]}`, `transcript 1 (a.md): "stop_after" holds a string; it takes a whole number`},
		{"loop not a pair", `{"transcripts": [{"file": "a.md", "stop_after": 1, "loops": [[1, 2], "x"]}]}`, `"loops" holds a string; it takes a list`},
		// JSON would read [3] into a pair as [3, 0], and [3, 4, 5] as [3, 4].
		{"a loop of one message", `{"transcripts": [{"file": "a.md", "stop_after": 1, "loops": [[3]]}]}`, "transcript 1 (a.md): loops: item 1 holds a list of 1; it takes a [first, last] pair of message numbers, such as [18, 24]"},
		{"a loop of three messages", `{"transcripts": [{"file": "a.md", "stop_after": 1, "loops": [[1, 2], [2, 3, 4]]}]}`, "transcript 1 (a.md): loops: item 2 holds a list of 3; it takes a [first, last] pair"},
		{"an empty loop", `{"transcripts": [{"file": "a.md", "stop_after": 1, "loops": [[]]}]}`, "transcript 1 (a.md): loops: item 1 holds a list of 0"},
		// A row is named by the line it starts on, as a table is written
		// one row a line.
		{"a row's line", "{\"transcripts\": [\n  {\"file\": \"b.md\", \"stop_after\": 1},\n\n  {\"file\": \"a.md\",\n   \"stop_after\": 3, \"stop_by\": 1}\n]}", "labels.json:4: transcript 2 (a.md): stop_by (1) comes before stop_after (3)"},
		{"a row repeated, on its line", "{\"transcripts\": [\n  {\"file\": \"a.md\", \"stop_after\": 1},\n  {\"file\": \"./a.md\", \"stop_after\": 2}\n]}", "labels.json:3: transcript 2 (./a.md): labels a transcript that transcript 1 (a.md, line 2) labels too; keep one"},
		{"a field given twice", `{"transcripts": [{"file": "a.md", "stop_after": 1, "stop_by": 4, "stop_after": 3}]}`, `transcript 1 (a.md): gives "stop_after" twice; keep one`},
		{"a fraction", `{"transcripts": [{"file": "a.md", "stop_after": 2.5}]}`, `transcript 1 (a.md): "stop_after" holds a number 2.5; it takes a whole number`},
		{"stop_by below 1", `{"transcripts": [{"file": "a.md", "stop_after": 0, "stop_by": -1}]}`, "transcript 1 (a.md): stop_by is -1; it takes a message number from 1"},
		{"beyond the end", `{"transcripts": [{"file": "a.md", "stop_after": 9}]}`, "transcript 1 (a.md): stop_after is 9, but the transcript has 4 messages; it takes the last message that adds something new, at most 4"},
		// A table that cannot be read at all would label nothing, and
		// check would pass every transcript it lists: it is an error.
		{"cut off", `{"transcripts": [{"file": "a.md",`, "labels.json: ends before its JSON does"},
		{"not JSON", "{\"transcripts\": [\n  {\"file\": \"a.md\" \"stop_after\": 2}\n]}", "labels.json:2: is not valid JSON (invalid character '\"' after object key:value pair)"},
		{"misspelt list", `{"transcript": [{"file": "a.md", "stop_after": 2}]}`, `labels.json: lists its transcripts under "transcript"; a table of labels lists them under "transcripts"`},
		{"list in capitals", `{"Transcripts": [{"file": "a.md", "stop_after": 2}]}`, `under "Transcripts"`},
		// A field of a label misspelt would be skipped, as the table
		// makers' own fields are, and stop_by read as null.
		{"stop_by misspelt", `{"transcripts": [{"file": "a.md", "stop_after": 2, "stop_byy": 3}]}`, `transcript 1 (a.md): unknown field "stop_byy"; did you mean stop_by?`},
		{"stop_by in other letters", `{"transcripts": [{"file": "a.md", "stop_after": 2, "Stop-By": 3}]}`, `transcript 1 (a.md): unknown field "Stop-By"; did you mean stop_by?`},
		{"a loop that reaches stop_after", `{"transcripts": [{"file": "a.md", "stop_after": 3, "stop_by": 4, "loops": [[2, 3]]}]}`, "transcript 1 (a.md): loop 1 is [2, 3], but stop_after is 3"},
		{"a row that is not an object", `{"transcripts": [7]}`, `labels.json:1: transcript 1: is a number, not a row; each row is {"file": "PATH"`},
		// A table in another shape would label nothing, silently.
		{"a list of rows alone", `[{"file": "a.md", "stop_after": 2, "stop_by": 3}]`, `labels.json: holds a list of rows; a table of labels is an object that lists them under "transcripts"`},
		{"rows in an object", `{"transcripts": {"file": "a.md", "stop_after": 2}}`, `labels.json: "transcripts" holds an object; it takes a list of rows`},
		{"the list given twice", `{"transcripts": [{"file": "a.md", "stop_after": 2, "stop_by": 3}], "transcripts": []}`, `labels.json: gives "transcripts" twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"labels.json": c.table, "a.md": fourMessages})
			_, errs := loadAll(t, dir)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
				t.Fatalf("errors %v, want one containing %q", errs, c.want)
			}
		})
	}
	// A bad row fails its own transcript; the others keep their labels.
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [{"file": "a.md", "stop_after": 3, "stop_by": 1}, {"file": "b.md", "stop_after": 2, "stop_by": 3}]}`,
		"a.md":        fourMessages, "b.md": fourMessages,
	})
	items, errs := loadAll(t, dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "transcript 1 (a.md)") || items["b.md"].Label == nil || items["b.md"].Label.StopAfter != 2 {
		t.Fatalf("items %+v, errors %v; want a.md's row named and b.md labelled", items, errs)
	}
}

// A table whose paths match none of the files warns, naming them and the
// folder they are paths from, where before it labelled nothing without a
// word; a row without stop_by reads as null, with a warning; a row may
// give its file by an absolute path.
func TestALabelTableSaysWhatItCannotLabel(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"att/a.md":    fourMessages,
		"att/b.md":    fourMessages,
		"labels.json": `{"transcripts": [{"file": "attractors/a.md", "stop_after": 2, "stop_by": 3}, {"file": "attractors/b.md", "stop_after": 2, "stop_by": 3}]}`,
	})
	items, errs := loadAll(t, dir)
	var warned []string
	for _, it := range items {
		warned = append(warned, it.Warnings...)
	}
	want := filepath.Join(dir, "labels.json") + ": 2 of its transcripts are not there: attractors/a.md, attractors/b.md (each \"file\" is a path from " + dir + ")"
	if len(errs) > 0 || len(warned) != 1 || warned[0] != want {
		t.Errorf("errors %v, warnings %q; want one warning %q", errs, warned, want)
	}

	abs := writeTree(t, map[string]string{"a.md": fourMessages})
	table := `{"transcripts": [{"file": "` + filepath.ToSlash(filepath.Join(abs, "a.md")) + `", "stop_after": 2}]}`
	if err := os.WriteFile(filepath.Join(abs, "labels.json"), []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	items, errs = loadAll(t, abs)
	it := items["a.md"]
	if len(errs) > 0 || it.Label == nil || it.Label.StopAfter != 2 || it.Label.StopBy != nil {
		t.Fatalf("items %+v, errors %v; want a.md labelled by its absolute path", items, errs)
	}
	if len(it.Warnings) != 1 || !strings.Contains(it.Warnings[0], "has no stop_by, so it is read as null (healthy to its end)") {
		t.Errorf("warnings %q; want one that stop_by is missing", it.Warnings)
	}
}

// A labels.json that holds no list of transcripts is not a table: it
// labels nothing, and is not read as a transcript either.
func TestAJSONFileNamedLabelsThatIsNoTableIsLeftAlone(t *testing.T) {
	dir := writeTree(t, map[string]string{"labels.json": `{"a.md": {"stop_after": 2}}`, "a.md": fourMessages})
	items, errs := loadAll(t, dir)
	if len(errs) > 0 || len(items) != 1 || items["a.md"].Label != nil {
		t.Fatalf("items %+v, errors %v", items, errs)
	}
}

// The corpus's own labels.json labels every transcript as its
// NAME.expect.yaml files do.
func TestTheCorpusLabelTableAgreesWithItsLabelFiles(t *testing.T) {
	needCorpus(t)
	items, errs := loadAll(t, corpusDir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	labelled := 0
	for name, it := range items {
		for _, w := range it.Warnings {
			if strings.Contains(w, "label it differently") || strings.Contains(w, "counts") || strings.Contains(w, "not there") {
				t.Errorf("%s: %s", name, w)
			}
		}
		tl, _, err := findTableLabel(it.Name, true)
		if err != nil || tl == nil {
			t.Errorf("%s: not in %s (%v)", name, LabelTableName, err)
			continue
		}
		if it.Label == nil || !sameLabel(it.Label, tl.label) {
			t.Errorf("%s: the table's label %+v is not its label file's %+v", name, tl.label, it.Label)
		}
		labelled++
	}
	if labelled != 93 {
		t.Errorf("%d transcripts labelled by the table; the corpus has 93", labelled)
	}
}

// An export holds several conversations, and a table labels each as check
// names it, FILE#N: in a folder's walk and named alone, each conversation
// is scored by its own row, a row past the file's last is said to label
// nothing, and a row of conversation 0 is refused.
func TestALabelTableLabelsEachConversationOfAFile(t *testing.T) {
	conv, three := conversationOf, threeConversations
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [
			{"file": "ex/t.json#1", "stop_after": 2, "stop_by": 3},
			{"file": "ex/t.json#3", "stop_after": 3, "stop_by": null, "n": 5},
			{"file": "ex/t.json#4", "stop_after": 1, "stop_by": 2},
			{"file": "ex/one.json#1", "stop_after": 1, "stop_by": 3}
		]}`,
		"ex/t.json":   three,
		"ex/one.json": "[" + conv("g", "h") + "]",
	})
	items, errs := loadAll(t, dir)
	if len(errs) > 0 || len(items) != 4 {
		t.Fatalf("read %d items, errors %v; want the export's three conversations and one.json's", len(items), errs)
	}
	first, second, third := items["ex/t.json#1"], items["ex/t.json#2"], items["ex/t.json#3"]
	if l := first.Label; l == nil || l.StopAfter != 2 || l.StopBy == nil || *l.StopBy != 3 {
		t.Errorf("t.json#1: label %+v, want its row's (2, 3)", l)
	}
	if second.Label != nil {
		t.Errorf("t.json#2 has no row, yet has label %+v", second.Label)
	}
	if l := third.Label; l == nil || l.StopAfter != 3 || l.StopBy != nil {
		t.Errorf("t.json#3: label %+v, want its row's (3, null)", l)
	}
	if l := items["ex/one.json"].Label; l == nil || l.StopAfter != 1 {
		t.Errorf("one.json: label %+v; a row of its conversation 1 labels a file of one conversation", l)
	}
	var warned []string
	for _, it := range items {
		warned = append(warned, it.Warnings...)
	}
	stray := "transcript 3 (ex/t.json#4): t.json holds 3 conversations, so the row labels none; give the number check names it by (t.json#1 to t.json#3)"
	counted := "transcript 2 (ex/t.json#3): counts 5 messages, and parley read 3"
	for _, want := range []string{stray, counted} {
		if n := countHolding(warned, want); n != 1 {
			t.Errorf("warnings %q hold %q %d times; want once", warned, want, n)
		}
	}
	if n := countHolding(warned, "not there"); n != 0 {
		t.Errorf("warnings %q; a row naming a conversation of a file that is there names no missing file", warned)
	}

	// Named alone, as FILE#N, a conversation is scored by its own row.
	files, err := Gather([]string{filepath.Join(dir, "ex", "t.json#3")})
	if err != nil {
		t.Fatal(err)
	}
	its, err := Load(files[0])
	if err != nil || len(its) != 1 || its[0].Label == nil || its[0].Label.StopAfter != 3 {
		t.Fatalf("t.json#3 alone: %+v, %v; want its row's label", its, err)
	}

	zero := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [{"file": "t.json#0", "stop_after": 1, "stop_by": 2}]}`,
		"t.json":      three,
	})
	_, errs = loadAll(t, zero)
	want := "labels.json:1: transcript 1 (t.json#0): names conversation 0; a file's conversations are numbered from 1, as check names them (t.json#1)"
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("errors %v; want one holding %q", errs, want)
	}
}

// countHolding is how many of ws hold s.
func countHolding(ws []string, s string) int {
	n := 0
	for _, w := range ws {
		if strings.Contains(w, s) {
			n++
		}
	}
	return n
}

// A wrong FILE#N row fails its own conversation alone: the file's other
// conversations are read and scored, in a folder's walk and named alone.
func TestAWrongConversationRowFailsThatConversationAlone(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [
			{"file": "t.json#1", "stop_after": 20, "stop_by": null},
			{"file": "t.json#2", "stop_after": 2, "stop_by": 3}
		]}`,
		"t.json": threeConversations,
	})
	items, err := Load(File{Path: filepath.Join(dir, "t.json"), Root: dir})
	want := "transcript 1 (t.json#1): stop_after is 20"
	if err == nil || !strings.Contains(err.Error(), "t.json#1") {
		t.Errorf("error %v; want one naming the row of t.json#1", err)
	}
	var names []string
	for _, it := range items {
		names = append(names, filepath.Base(it.Name))
	}
	if len(items) != 2 || names[0] != "t.json#2" || names[1] != "t.json#3" || items[0].Label == nil || items[0].Label.StopAfter != 2 {
		t.Fatalf("read %v (first label %+v); want t.json#2, labelled 2..3, and t.json#3, with %q failing t.json#1 alone", names, items[0].Label, want)
	}
	its, err := Load(File{Path: filepath.Join(dir, "t.json"), Root: dir, Named: true, Conversation: 2})
	if err != nil || len(its) != 1 || its[0].Label == nil {
		t.Errorf("t.json#2 alone: %+v, %v; want it labelled", its, err)
	}
}

// A file of one conversation is labelled by its row or by its FILE#1 row,
// once: both in one table label it twice, and a label file beside a
// FILE#1 row that says otherwise is said to, as beside the file's row.
func TestFileHashOneIsTheFileOfOneConversation(t *testing.T) {
	one := "[" + conversationOf("g", "h") + "]"
	twice := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [{"file": "one.json", "stop_after": 3, "stop_by": null}, {"file": "one.json#1", "stop_after": 2, "stop_by": 3}]}`,
		"one.json":    one,
	})
	_, errs := loadAll(t, twice)
	want := "transcript 2 (one.json#1): labels a transcript that transcript 1 (one.json, line 1) labels too"
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("errors %v; want one holding %q", errs, want)
	}
	beside := writeTree(t, map[string]string{
		"labels.json":     `{"transcripts": [{"file": "one.json#1", "stop_after": 2, "stop_by": 3}]}`,
		"one.json":        one,
		"one.expect.yaml": "stop_after: 3\nstop_by: null\n",
	})
	items, errs := loadAll(t, beside)
	it := items["one.json"]
	if len(errs) > 0 || it.Label == nil || it.Label.StopAfter != 3 {
		t.Fatalf("items %+v, errors %v; want one.json labelled by its label file", items, errs)
	}
	if n := countHolding(it.Warnings, "label it differently; check reads one.expect.yaml"); n != 1 {
		t.Errorf("warnings %q; want one saying the two labels differ", it.Warnings)
	}
}

// Each conversation takes its label from the nearest table that labels
// it: a table beside the export that labels one of them does not hide
// the row of another in a table above.
func TestEachConversationTakesTheNearestTableThatLabelsIt(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"labels.json":    `{"transcripts": [{"file": "ex/t.json#2", "stop_after": 2, "stop_by": 3}, {"file": "ex/t.json#1", "stop_after": 1, "stop_by": 2}]}`,
		"ex/labels.json": `{"transcripts": [{"file": "t.json#1", "stop_after": 3, "stop_by": null}]}`,
		"ex/t.json":      threeConversations,
	})
	items, errs := loadAll(t, dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if l := items["ex/t.json#1"].Label; l == nil || l.StopAfter != 3 {
		t.Errorf("t.json#1: label %+v; want the nearer table's (3, null)", l)
	}
	if l := items["ex/t.json#2"].Label; l == nil || l.StopAfter != 2 {
		t.Errorf("t.json#2: label %+v; want the table above's (2, 3)", l)
	}
	if items["ex/t.json#3"].Label != nil {
		t.Errorf("t.json#3 has no row, yet has label %+v", items["ex/t.json#3"].Label)
	}
}

// conversationOf is a ShareGPT conversation of three turns.
func conversationOf(a, b string) string {
	return `{"conversations": [{"from": "human", "value": "` + a + `"}, {"from": "gpt", "value": "` + b + `"}, {"from": "human", "value": "` + a + ` again"}]}`
}

var threeConversations = "[" + conversationOf("a", "b") + ", " + conversationOf("c", "d") + ", " + conversationOf("e", "f") + "]"

// Named alone beside a label of the whole export, a conversation its own
// row labels is scored by that row, and the sentence about the file's
// label says so rather than that it is not scored.
func TestAConversationRowBesideTheFilesLabel(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"labels.json":   `{"transcripts": [{"file": "t.json#2", "stop_after": 2, "stop_by": 3}]}`,
		"t.json":        threeConversations,
		"t.expect.yaml": "stop_after: 3\nstop_by: null\n",
	})
	its, err := Load(File{Path: filepath.Join(dir, "t.json"), Root: dir, Named: true, Conversation: 2})
	if err != nil || len(its) != 1 || its[0].Label == nil || its[0].Label.StopAfter != 2 {
		t.Fatalf("t.json#2: %+v, %v; want its row's label", its, err)
	}
	want := "so it scores none of them (" + filepath.Join(dir, "t.json") + "#2 takes its label from " + filepath.Join(dir, "labels.json") + ":1: transcript 1 (t.json#2))"
	if n := countHolding(its[0].Warnings, want); n != 1 || countHolding(its[0].Warnings, "is not scored") != 0 {
		t.Errorf("warnings %q; want one holding %q", its[0].Warnings, want)
	}
}

// A table above the nearest that names an export is read only for the
// rows of its conversations still unlabelled: a faulty row for the whole
// file there, or a table there that is not JSON, is not this export's to
// fail, and the nearer table's row still scores its conversation.
func TestATableAboveIsReadOnlyForConversationsStillUnlabelled(t *testing.T) {
	for _, above := range []string{
		`{"transcripts": [{"file": "ex/t.json", "stop_by": null}]}`,
		`{"transcripts": [`,
	} {
		dir := writeTree(t, map[string]string{
			"labels.json":    above,
			"ex/labels.json": `{"transcripts": [{"file": "t.json#1", "stop_after": 2, "stop_by": null}]}`,
			"ex/t.json":      threeConversations,
		})
		items, err := Load(File{Path: filepath.Join(dir, "ex", "t.json"), Root: filepath.Join(dir, "ex")})
		if err != nil || len(items) != 3 || items[0].Label == nil || items[0].Label.StopAfter != 2 {
			t.Errorf("above %s: %d items, first label %+v, error %v; want t.json#1 scored by the nearer row", above, len(items), firstLabel(items), err)
		}
	}
}

// A FILE#1 row naming a parley recording's Markdown labels its JSONL,
// which a folder's walk reads, as a row naming the Markdown does.
func TestAConversationRowOfTheMarkdownLabelsItsJSONL(t *testing.T) {
	var jl bytes.Buffer
	jl.Write(transcripts.JSONLRun(transcripts.Run{Title: "A ↔ B", Agents: []transcripts.AgentInfo{{Name: "A", Type: "scripted"}, {Name: "B", Type: "scripted"}}}))
	for i, c := range []string{"a1", "b1", "a2", "b2"} {
		jl.Write(transcripts.JSONLMessage(i+1, transcripts.Message{Speaker: string("AB"[i%2]), Content: c}))
	}
	dir := writeTree(t, map[string]string{
		"labels.json": `{"transcripts": [{"file": "run.md#1", "stop_after": 3, "stop_by": 4}]}`,
		"run.md":      fourMessages,
		"run.jsonl":   jl.String(),
	})
	items, errs := loadAll(t, dir)
	it, ok := items["run.jsonl"]
	if len(errs) > 0 || !ok || it.Label == nil || it.Label.StopAfter != 3 {
		t.Errorf("items %v, errors %v; want run.jsonl labelled 3..4 by the row naming run.md#1", items, errs)
	}
}

// firstLabel is the label of items' first, for messages.
func firstLabel(items []Item) *Label {
	if len(items) == 0 {
		return nil
	}
	return items[0].Label
}

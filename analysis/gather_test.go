package analysis

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A directory is searched for the files that hold transcripts, each
// conversation once; YAML is read only when named, since recordings often
// sit beside a scenario or labels in YAML.
func TestGatherSearchesDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a.md", "a.jsonl", // a parley recording: the JSONL only
		"b.md", "b.json", // a tool's Markdown and its JSON copy: the Markdown only
		"c.txt", "d.csv", "e.tsv", "f.json", "h.markdown", "i.log", "J.MD", "k.Json", // any case
		"scenario.yaml", "g.expect.yaml", "summary.md", "README.md", ".hidden.md", "notes.pdf",
		"state.jsonl", "batch.json", // a batch's own files
		"l.json#2", "m.md#10", // named as check names a conversation, but files of their own
		"n.pdf#2",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Gather([]string{dir, filepath.Join(dir, "scenario.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path))
	}
	slices.Sort(got)
	want := []string{"J.MD", "a.jsonl", "b.md", "c.txt", "d.csv", "e.tsv", "f.json", "h.markdown", "i.log", "k.Json", "l.json#2", "m.md#10", "scenario.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("Gather found %q, want %q", got, want)
	}
}

// Paths that repeat or overlap, and links to one file, give each file
// once: under the most specific folder given that holds it, links
// resolved (else the one it was found fewest levels below, the first
// given of two alike), else as named; in the order of the folders given,
// each in lexical order.
func TestGatherReadsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"top.md", "sub/a.md", "sub/b.md", "sub/deep/c.md", "other/d.md"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(kind, from, to string) {
		t.Helper()
		var err error
		if kind == "hard" {
			err = os.Link(filepath.Join(dir, from), filepath.Join(dir, to))
		} else {
			err = os.Symlink(filepath.Join(dir, from), filepath.Join(dir, to))
		}
		if err != nil {
			t.Skipf("cannot make a %s link here: %v", kind, err)
		}
	}
	link("hard", "other/d.md", "hard.md")
	link("sym", "sub/a.md", "a-link.md")
	link("sym", "sub", "sub-link")

	p := func(name string) string { return filepath.Join(dir, name) }
	type want struct{ path, root string }
	cases := []struct {
		name     string
		args     []string
		want     []want
		repeated int
	}{
		{"distinct folders", []string{p("sub"), p("other")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}, {"other/d.md", "other"}}, 0},
		{"a folder given twice", []string{p("sub"), p("sub")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}}, 3},
		{"a folder spelt two ways", []string{p("sub"), p("sub") + "/", p("sub/../sub")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}}, 3},
		{"a folder inside another, given after it", []string{p("sub"), p("sub/deep")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub/deep"}}, 1},
		{"a folder inside another, given before it", []string{p("sub/deep"), p("sub")},
			[]want{{"sub/deep/c.md", "sub/deep"}, {"sub/a.md", "sub"}, {"sub/b.md", "sub"}}, 1},
		{"a file and its folder", []string{p("sub/b.md"), p("sub")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}}, 1},
		{"a file named twice", []string{p("top.md"), p("./top.md")},
			[]want{{"top.md", "top.md"}}, 1},
		{"a symbolic link to a file given too", []string{p("sub/a.md"), p("a-link.md")},
			[]want{{"sub/a.md", "sub/a.md"}}, 1},
		{"a hard link to a file given too", []string{p("hard.md"), p("other")},
			[]want{{"other/d.md", "other"}}, 1},
		{"a symbolic link to a folder", []string{p("sub-link")},
			[]want{{"sub-link/a.md", "sub-link"}, {"sub-link/b.md", "sub-link"}, {"sub-link/deep/c.md", "sub-link"}}, 0},
		{"a folder and a link to it", []string{p("sub"), p("sub-link")},
			[]want{{"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}}, 3},
		{"the whole tree and a folder in it", []string{dir, p("sub")},
			[]want{{"hard.md", ""}, {"top.md", ""}, {"sub/a.md", "sub"}, {"sub/b.md", "sub"}, {"sub/deep/c.md", "sub"}}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Gather(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			rel := func(s string) string {
				r, _ := filepath.Rel(dir, s)
				if r == "." {
					return ""
				}
				return filepath.ToSlash(r)
			}
			var got []want
			for _, f := range files {
				got = append(got, want{rel(f.Path), rel(f.Root)})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Gather gave %v, want %v", got, tc.want)
			}
			if n := Repeats(files); n != tc.repeated {
				t.Errorf("%d files given more than once, want %d", n, tc.repeated)
			}
		})
	}
}

// The report written into a folder it reads is recognised as its own
// output by the mark parley writes at its head, and not searched, with or
// without the rest of the report beside it; a report.md or report.json
// that does not open with the mark may be anyone's transcript, and is
// read, even beside parley's report.html.
func TestGatherSkipsTheReportsOwnOutput(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"other", "third", "alone"} {
		os.Mkdir(filepath.Join(dir, sub), 0o755)
	}
	// The heads as parley writes them, and as it wrote them before: a
	// report of an earlier version is recognised only while they stay.
	heads := map[string]string{
		"report.html": "<!DOCTYPE html>\n<!-- written by parley report -->\n",
		"report.md":   "<!-- written by parley report -->\n",
		"report.json": "{\n  \"written_by\": \"parley report\",\n",
	}
	own := func(name string) string { return heads[name] + "x" }
	files := map[string]string{
		"a.md":              "x",
		"report.md":         own("report.md"),
		"report.json":       own("report.json"),
		"report.html":       own("report.html"),
		"other/report.md":   "x",
		"other/report.html": own("report.html"),
		"third/report.json": "{\"written_by\": \"parley report\"}",
		"third/report.html": own("report.html"),
		"alone/report.md":   own("report.md"),
		"alone/report.json": own("report.json"),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Gather([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	slices.Sort(got)
	if want := []string{"a.md", "other/report.md", "third/report.json"}; !slices.Equal(got, want) {
		t.Errorf("Gather found %q, want %q", got, want)
	}
}

// A NAME.json beside NAME.md is read once when it is a copy of the same
// conversation, as tools that write a JSON copy of each conversation save
// it; when it holds a different conversation, both are judged, and a
// warning says why.
func TestAJSONBesideItsMarkdownIsReadWhenItDiffers(t *testing.T) {
	const md = "Claude: Hello there.\n\nGPT: Hi.\n\nClaude: How are you?\n\nGPT: Fine.\n"
	openai := func(speakers [4]string, texts [4]string) string {
		var msgs []string
		for i := range speakers {
			msgs = append(msgs, fmt.Sprintf(`{"role":"assistant","name":%q,"content":%q}`, speakers[i], texts[i]))
		}
		return `{"messages":[` + strings.Join(msgs, ",") + `]}`
	}
	speakers := [4]string{"Claude", "GPT", "Claude", "GPT"}
	cases := []struct {
		name, json string
		want       []string // the items read, in order
	}{
		{"a copy of the same conversation", openai(speakers, [4]string{"Hello there.", "Hi.", "How are you?", "Fine."}),
			[]string{"a.md"}},
		{"a copy spaced otherwise", openai(speakers, [4]string{"Hello  there.\n", "Hi.", "How are\nyou?", "Fine."}),
			[]string{"a.md"}},
		{"a JSON that is no conversation", `{"settings": {"x": 1}}`,
			[]string{"a.md"}},
		{"another conversation", `{"messages":[{"role":"user","content":"What is two plus two?"},{"role":"assistant","content":"Four."},{"role":"user","content":"And three plus three?"},{"role":"assistant","content":"Six."}]}`,
			[]string{"a.md", "a.json"}},
		{"one message more", `{"messages":[{"role":"assistant","name":"Claude","content":"Hello there."},{"role":"assistant","name":"GPT","content":"Hi."},{"role":"assistant","name":"Claude","content":"How are you?"},{"role":"assistant","name":"GPT","content":"Fine."},{"role":"assistant","name":"Claude","content":"Good."}]}`,
			[]string{"a.md", "a.json"}},
		{"other speakers", openai([4]string{"Alice", "Bob", "Alice", "Bob"}, [4]string{"Hello there.", "Hi.", "How are you?", "Fine."}),
			[]string{"a.md", "a.json"}},
		{"other words", openai(speakers, [4]string{"Hello there.", "Hi.", "How are you?", "Fine, thanks."}),
			[]string{"a.md", "a.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The name's label is the Markdown's: it scores a.md, and a
			// different conversation in a.json is judged unlabelled.
			dir := writeTree(t, map[string]string{"a.md": md, "a.json": c.json, "a.expect.yaml": "stop_after: 3\nstop_by: null\n"})
			files, err := Gather([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var warnings []string
			for _, f := range files {
				items, err := Load(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					got = append(got, filepath.Base(it.Name))
					warnings = append(warnings, it.Warnings...)
					if labelled := it.Label != nil; labelled != (filepath.Ext(it.Name) == ".md") {
						t.Errorf("%s is labelled: %v; want the label on a.md alone", it.Name, labelled)
					}
				}
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("read %q, want %q", got, c.want)
			}
			told := slices.ContainsFunc(warnings, func(w string) bool {
				return strings.Contains(w, "a.json: holds a different conversation from a.md beside it, so both are judged")
			})
			if told != (len(c.want) == 2) {
				t.Errorf("warnings %q: want one saying both are judged only when both are", warnings)
			}
		})
	}
}

// The two-model runner's folder holds NAME.md and its JSON copy of each
// conversation: each conversation is read once.
func TestTheRunnersJSONCopiesAreReadOnce(t *testing.T) {
	dir := "../../shared/seed/attractors-folder"
	jsons, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(jsons) == 0 {
		t.Skip("../shared/seed/attractors-folder is absent: no runner's copies to read")
	}
	items, errs := loadAll(t, dir)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for name := range items {
		if filepath.Ext(name) != ".md" {
			t.Errorf("%s was read beside its Markdown, of which it is a copy", name)
		}
	}
	if len(items) != len(jsons) {
		t.Errorf("read %d conversations; want the %d the folder holds", len(items), len(jsons))
	}
}

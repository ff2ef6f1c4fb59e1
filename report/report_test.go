package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/orchestrator/policy"
)

var update = flag.Bool("update", false, "rewrite the golden report in testdata")

// fixture is a small folder of recordings: parley Markdown, parley JSONL
// from a tournament (pairing, usage, reported cost), and the .md + .json
// pair the attractors script writes for each conversation.
const fixture = "testdata/fixture"

// build reports on the fixture with the default set, links relative to
// testdata (so that they do not depend on where the test runs).
func build(t *testing.T) analysis.Report {
	t.Helper()
	return buildFrom(t, fixture, "testdata")
}

// buildFrom reports on the recordings in dir, links relative to base.
func buildFrom(t *testing.T, dir, base string) analysis.Report {
	t.Helper()
	files, err := analysis.Gather([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var convs []analysis.Conversation
	analysis.Each(files, func(it analysis.Item) analysis.Conversation { return analysis.Describe(it, policy.Default) },
		func(c analysis.Conversation) { convs = append(convs, c) },
		func(f analysis.File, err error) { t.Errorf("%s: %v", f.Path, err) })
	r := analysis.Build("the default policy set", convs)
	if err := Link(&r, base); err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the report written now; if the change is meant, refresh it with go test ./report -update\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + a + "\n  got: " + b
		}
	}
	return ""
}

func TestGoldenJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, build(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", b.Bytes())
}

func TestGoldenMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, build(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.md", b.Bytes())
}

// The fixture's conversations are each counted once (an .md + .json pair
// is one), fall into the states they were written to show, and group into
// five pairs; the attractors file of one blank message, in which no one
// replied, is left out.
func TestFixtureReport(t *testing.T) {
	r := build(t)
	got := map[string]analysis.State{}
	for _, c := range r.Conversations {
		got[filepath.Base(c.File)] = c.State
	}
	want := map[string]analysis.State{
		"ada-bix-healthy.md":                 analysis.Healthy,
		"ada_vs_bix_run2.jsonl":              analysis.Farewell,
		"bix_vs_ada_20261120_100000_run1.md": analysis.EndEcho,
		"ada-cyd-refusal.md":                 analysis.Refusals,
		"cyd-bix-pingpong.md":                analysis.PingPong,
		"ada-bix-failed.jsonl":               analysis.Failed,
		"cyd-ada-interrupted.jsonl":          analysis.Interrupted,
	}
	if len(got) != len(want) || len(r.Conversations) != len(want) {
		t.Fatalf("conversations %v, want %v", got, want)
	}
	for f, s := range want {
		if got[f] != s {
			t.Errorf("%s: %q, want %q", f, got[f], s)
		}
	}
	if len(r.Pairs) != 4 {
		t.Errorf("%d pairs, want 4", len(r.Pairs))
	}
	for _, c := range r.Conversations {
		switch filepath.Base(c.File) {
		case "ada_vs_bix_run2.jsonl":
			// The tournament's pairing, usage and reported cost.
			if c.Run != 2 || c.Tokens == 0 || c.Cost.Reported != 16 || c.Models[0] != "openai/gpt-4o" {
				t.Errorf("tournament run: run %d, tokens %d, cost %+v, models %v", c.Run, c.Tokens, c.Cost, c.Models)
			}
		case "ada-bix-failed.jsonl", "cyd-ada-interrupted.jsonl":
			// Cut short before any rule stopped them: named for it, and
			// their substance in no median.
			if c.CutShort != string(c.State) || c.Measured() || c.CutReason == "" {
				t.Errorf("%s: cut short %q (%q), state %q", c.File, c.CutShort, c.CutReason, c.State)
			}
		case "ada-cyd-refusal.md":
			if len(c.Refusers) != 1 || c.Refusers[0] != "cyd" {
				t.Errorf("refusers %v, want cyd", c.Refusers)
			}
		}
		if !strings.HasPrefix(c.Link, "fixture/") {
			t.Errorf("link %q is not relative to the report's folder", c.Link)
		}
	}
}

// The page stands alone: no address outside it, every link relative.
func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	r := build(t)
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the page loads something from the network: %s", m)
	}
	if n := strings.Count(page, `class="cell" data-pair=`); n != len(r.Pairs) {
		t.Errorf("%d matrix cells, want one per pair: %d", n, len(r.Pairs))
	}
	if n := strings.Count(page, `<article class="conv"`); n != len(r.Conversations) {
		t.Errorf("%d conversations listed, want %d", n, len(r.Conversations))
	}
	if !strings.Contains(page, `href="fixture/attractors/bix_vs_ada_20261120_100000_run1.md"`) {
		t.Error("the [END] echo's transcript is not linked by its path relative to the report")
	}
	// Each pair's cell tells what report.md's Pairs table does: the
	// messages after the stops, the cost and the tokens.
	for _, p := range r.Pairs {
		want := fmt.Sprintf("%s after the stop; cost %s", plural(p.Spent, "message", "messages"), p.Cost)
		if p.Tokens > 0 {
			want += ", " + thousands(p.Tokens) + " tokens"
		}
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("no cell of the matrix says %q for %s → %s", want, p.Opener, p.Responder)
		}
	}
}

func TestWriteWritesThreeFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, build(t), Guard{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{HTMLFile, MarkdownFile, JSONFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// A model's name is shown as written in the Markdown report, whatever
// Markdown would make of it; the counts of one are singular.
func TestMarkdownShowsNamesAsWritten(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Bob <b>&amp;", `Bob &lt;b&gt;&amp;amp;`},
		{"**gpt-5**", `\*\*gpt-5\*\*`},
		{"a_b [x](y) `c` #1", "a\\_b \\[x\\](y) \\`c\\` \\#1"},
	} {
		if got := mdText(c.in); got != c.want {
			t.Errorf("mdText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := cell("a|b\nc"); got != `a\|b c` {
		t.Errorf("cell = %q", got)
	}
	if got := plural(1, "pair", "pairs") + ", " + plural(0, "pair", "pairs"); got != "1 pair, 0 pairs" {
		t.Errorf("plural = %q", got)
	}
	if got := thousandsOrZero(0) + " " + thousandsOrZero(12345); got != "0 12,345" {
		t.Errorf("thousandsOrZero = %q", got)
	}
}

// A name or a reason from a transcript is text wherever report.md shows
// it, in prose as in its tables: a viewer that renders HTML in Markdown
// must not find an element in a speaker's name.
func TestMarkdownProseEscapesWhatTranscriptsSay(t *testing.T) {
	dir := t.TempDir()
	name := "<img src=x onerror=alert(1)> *x*"
	var md strings.Builder
	md.WriteString("# " + name + " ↔ Bob\n\n---\n\n")
	for i := range 12 {
		speaker, text := name, "Let us plan a garden for winter, with beds of kale and leeks."
		if i%2 == 1 {
			speaker = "Bob"
		}
		if i >= 4 {
			text = "[END]"
		}
		md.WriteString("### " + speaker + "\n\n" + text + "\n\n---\n\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "<b>empty.md"), []byte("# A ↔ B\n\n---\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hostile.md"), []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := buildFrom(t, dir, dir)
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, raw := range []string{"<img", "<b>", "*x*"} {
		if strings.Contains(out, raw) {
			t.Errorf("report.md holds %q as written, outside a code span:\n%s", raw, out)
		}
	}
	for _, want := range []string{", sent by &lt;img src=x onerror=alert(1)&gt; \\*x\\*.", "end\\_token &lt;CAMEL\\_TASK\\_DONE&gt; never", "· \\[END\\] echo ·", "&lt;b&gt;empty.md"} {
		if !strings.Contains(out, want) {
			t.Errorf("report.md lacks %q:\n%s", want, out)
		}
	}
}

// render is r as report.html and report.md write it.
func render(t *testing.T, r analysis.Report) (page, md string) {
	t.Helper()
	var p, m bytes.Buffer
	if err := HTML(&p, r); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&m, r); err != nil {
		t.Fatal(err)
	}
	return p.String(), m.String()
}

// writeConversation writes a parley Markdown transcript of n messages
// between a and b into dir, each message new words on gardens.
func writeConversation(t *testing.T, dir, file, a, b string, n int) {
	t.Helper()
	var md strings.Builder
	md.WriteString("# " + a + " ↔ " + b + "\n\n---\n\n")
	for i := range n {
		speaker := a
		if i%2 == 1 {
			speaker = b
		}
		fmt.Fprintf(&md, "### %s\n\nThought %d on gardens: %s.\n\n---\n\n", speaker, i+1, strings.Repeat(fmt.Sprintf("word%d ", i), 3))
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A name holding a mark that turns the direction of the text after it
// (U+202E, left unclosed) is isolated from the text around it in the
// page and in report.md, so "M\u202e ↔ N" cannot show as "MN ↔"; a plain
// name is left as it is. A report with nothing after any stop says 0 of
// its messages came after one, not "–".
func TestReportIsolatesNamesThatTurnText(t *testing.T) {
	dir := t.TempDir()
	writeConversation(t, dir, "rlo.md", "M\u202e", "N", 6)
	r := buildFrom(t, dir, dir)
	page, md := render(t, r)
	isolated := "\u2068M\u202e\u2069"
	for _, want := range []string{"▲ " + isolated + " ▼ N", isolated + " ↔ N", "0 of 6 messages after the stop"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if !strings.Contains(md, "| "+isolated+" | N |") || !strings.Contains(md, "### "+isolated+" ↔ N") {
		t.Errorf("report.md does not isolate the name:\n%s", md)
	}
	if strings.Contains(page, "\u2068N") || strings.Contains(md, "\u2068N") {
		t.Error("a plain name is isolated too")
	}
}

// The matrix's rows are the names that open and its columns those that
// respond: openers S1, S2, S10 and responders T1, T2 make a 3 × 2 matrix,
// in the order people count, not a 5 × 5 one of empty rows and columns.
func TestMatrixHoldsOpenersAndResponders(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []string{"S10", "S2", "S1"} {
		for _, x := range []string{"T2", "T1"} {
			writeConversation(t, dir, o+"-"+x+".md", o, x, 6)
		}
	}
	r := buildFrom(t, dir, dir)
	page, md := render(t, r)
	if n := strings.Count(page, `<th class="col"`); n != 2 {
		t.Errorf("the page's matrix has %d columns, want 2 (T1, T2)", n)
	}
	if n := strings.Count(page, `<th class="row"`); n != 3 {
		t.Errorf("the page's matrix has %d rows, want 3 (S1, S2, S10)", n)
	}
	for _, want := range []string{"| opener \\ responder | T1 | T2 |\n|---|---|---|\n| **S1** |", "| **S2** |", "| **S10** |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md's matrix lacks %q:\n%s", want, md)
		}
	}
	if i, j := strings.Index(md, "| **S2** |"), strings.Index(md, "| **S10** |"); i > j {
		t.Error("S10 is listed before S2")
	}
}

// The summary says "models" only where the transcripts record a model for
// every speaker; seats (Claude 1, Claude 2) are speakers, and so are names
// with no model recorded. The page's figure names them the same way.
func TestSummaryCountsModelsAsRecorded(t *testing.T) {
	cases := []struct {
		name      string
		speakers  []string
		recorded  []string
		withModel int
		between   string
		who       string
	}{
		{"none recorded", []string{"Claude 1", "Claude 2", "Gemini 1", "Gemini 2"}, nil, 0, "4 speakers", "speakers"},
		{"each its own model", []string{"ada", "bix"}, []string{"openai/gpt-4o", "x-ai/grok-4"}, 2, "2 models", "models"},
		{"seats of one model", []string{"Claude 1", "Claude 2"}, []string{"claude-3-opus"}, 2, "2 speakers, recorded as 1 model", "speakers"},
		{"some recorded", []string{"ada", "bix", "cyd"}, []string{"openai/gpt-4o", "x-ai/grok-4"}, 2, "3 speakers (2 of them recorded as 2 models)", "speakers"},
		{"one speaker", []string{"ada"}, nil, 0, "1 speaker", "speakers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := analysis.Report{Models: tc.speakers, RecordedModels: tc.recorded, Recorded: tc.withModel}
			if got := between(r); got != tc.between {
				t.Errorf("between %q, want %q", got, tc.between)
			}
			if n, got := who(r); got != tc.who || n != len(tc.speakers) {
				t.Errorf("figure %d %s, want %d %s", n, got, len(tc.speakers), tc.who)
			}
			if s := summary(r, plainText); !strings.Contains(s, "0 conversations between "+tc.between+",") {
				t.Errorf("summary %q lacks %q", s, tc.between)
			}
			// The per-speaker section names them as the summary does.
			var md, page strings.Builder
			if err := Markdown(&md, r); err != nil {
				t.Fatal(err)
			}
			if err := HTML(&page, r); err != nil {
				t.Fatal(err)
			}
			one := strings.TrimSuffix(tc.who, "s")
			if want := "\n## " + title(tc.who) + "\n\nHow often each " + one + ","; !strings.Contains(md.String(), want) {
				t.Errorf("the Markdown lacks %q", want)
			}
			if want := "<h2>Each " + one + "</h2>"; !strings.Contains(page.String(), want) {
				t.Errorf("the page lacks %q", want)
			}
		})
	}
}

// An empty conversation in the fixture is named as left out, and moves
// neither the count nor the median.
func TestFixtureLeavesOutItsEmptyConversation(t *testing.T) {
	r := build(t)
	if len(r.Empty) != 1 || !strings.HasSuffix(r.Empty[0], "ada-bix-empty.md") || len(r.Conversations) != 7 || r.MedianSubstance != 11 {
		t.Errorf("empty %q, %d conversations, median %v; want the empty file left out of 7 at 11", r.Empty, len(r.Conversations), r.MedianSubstance)
	}
	if s := summary(r, plainText); !strings.Contains(s, "1 conversation holds no message (testdata/fixture/ada-bix-empty.md)") || !strings.Contains(s, "left out of every figure.") {
		t.Errorf("summary %q does not say the empty file is left out", s)
	}
}

// A conversation in which no one replied (the attractors script's file
// whose only message is its blank opening) is left out as an empty one
// is, and named; one an error or an interruption cut short before any
// rule stopped it is not healthy, and its substance, which ends where the
// cut fell, enters no median.
func TestFixtureLeavesOutNoReplyAndMarksCutShort(t *testing.T) {
	r := build(t)
	if len(r.NoReply) != 1 || !strings.HasSuffix(r.NoReply[0], "ada_vs_cyd_20261120_100000_run1.md") {
		t.Errorf("no reply %q; want the attractors file of one blank message", r.NoReply)
	}
	if r.Failed != 1 || r.Interrupted != 1 || r.CutShort != 2 {
		t.Errorf("failed %d, interrupted %d, cut short %d; want 1, 1, 2", r.Failed, r.Interrupted, r.CutShort)
	}
	for _, c := range r.Conversations {
		if (c.CutShort != "") != strings.Contains(c.File, "/cut/") {
			t.Errorf("%s: cut short %q", c.File, c.CutShort)
		}
		if c.CutShort != "" && c.State == analysis.Healthy {
			t.Errorf("%s was cut short, and is called healthy", c.File)
		}
	}
	for _, p := range r.Pairs {
		switch p.Opener + "→" + p.Responder {
		// A run whose opening is recorded under the other seat's name is
		// filed under the seat that first spoke for itself, as validate
		// and a roster's pairing name it.
		case "ada→bix": // two healthy or spiralling runs, and a failure after 4
			if p.Conversations != 3 || p.CutShort != 1 || p.MedianSubstance != 10 {
				t.Errorf("ada → bix: %d conversations, %d cut short, median %v; want 3, 1, 10", p.Conversations, p.CutShort, p.MedianSubstance)
			}
		case "ada→cyd": // a refusal loop, and an interrupted one
			if p.Conversations != 2 || p.CutShort != 1 || !slices.ContainsFunc(p.States, func(st analysis.StateShare) bool { return st.State == analysis.Interrupted && st.Count == 1 }) {
				t.Errorf("ada → cyd: %+v", p)
			}
		case "bix→ada", "cyd→ada":
			if p.CutShort != 0 {
				t.Errorf("%s → %s holds a conversation cut short; each was filed under the seat that spoke first", p.Opener, p.Responder)
			}
		}
	}
	var md strings.Builder
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1 conversation holds no reply, nothing beyond the opening or only blank messages (testdata/fixture/attractors/ada\\_vs\\_cyd\\_20261120\\_100000\\_run1.md)",
		"1 conversation stopped on an error and 1 was interrupted before any rule stopped them",
		"| **ada** | | 10 · healthy to the end (3) | 11 · refusal loop (2) |",
		"The recording says it was stopped by an error: bix",
		"4 messages (and 1 interrupted, left out)",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	var page strings.Builder
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<span class="tag" style="background:#5b6472">failed</span>`) {
		t.Error("the page does not tag the failed conversation as failed")
	}
}

// Each conversation of a file that holds several (a chat export) is named
// FILE#N, as check names it, in report.md's table and its pair sections
// and in report.html's headings; its link points at the file.
func TestEachConversationOfAnExportKeepsItsNumber(t *testing.T) {
	dir := t.TempDir()
	export := `[{"title":"first","chat":{"messages":[{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":"4."},{"role":"user","content":"And 3+3?"},{"role":"assistant","content":"6."}]}},
 {"title":"second","chat":{"messages":[{"role":"user","content":"Name a colour."},{"role":"assistant","content":"Blue."},{"role":"user","content":"Another?"},{"role":"assistant","content":"Green."}]}}]`
	if err := os.WriteFile(filepath.Join(dir, "export.json"), []byte(export), 0o644); err != nil {
		t.Fatal(err)
	}
	r := buildFrom(t, dir, dir)
	if len(r.Conversations) != 2 {
		t.Fatalf("%d conversations, want 2", len(r.Conversations))
	}
	var md, page bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1", "2"} {
		link := `[export.json\#` + n + `](export.json)`
		if got := strings.Count(md.String(), link); got != 2 {
			t.Errorf("report.md names conversation %s as %s %d times, want 2 (its table row and its section):\n%s", n, link, got, md.String())
		}
		heading := regexp.MustCompile(`<h3>[^\n]*<a href="export.json">export.json#` + n + `</a></h3>`)
		if !heading.MatchString(page.String()) {
			t.Errorf("report.html has no heading naming export.json#%s", n)
		}
	}
}

// Write replaces its own earlier report and nothing else unless told: a
// file parley did not write needs Force, a link is replaced itself and
// never written through, and a transcript the report read is never
// replaced. When it refuses, it writes none of its files.
func TestWriteReplacesOnlyWhatItMay(t *testing.T) {
	const theirs = "# My own notes\n"
	cases := []struct {
		name string
		// setup puts what is in the way into out, and returns the
		// transcripts read and the file whose bytes must stay theirs.
		setup   func(t *testing.T, dir, out string) (read []string, kept string)
		force   bool
		refused string // "" writes the report
	}{
		{"its own earlier report", func(t *testing.T, dir, out string) ([]string, string) {
			if err := Write(out, build(t), Guard{}); err != nil {
				t.Fatal(err)
			}
			return nil, ""
		}, false, ""},
		{"its own earlier report, given to read", func(t *testing.T, dir, out string) ([]string, string) {
			if err := Write(out, build(t), Guard{}); err != nil {
				t.Fatal(err)
			}
			return []string{filepath.Join(out, MarkdownFile)}, ""
		}, false, ""},
		{"a file parley did not write", func(t *testing.T, dir, out string) ([]string, string) {
			return nil, put(t, filepath.Join(out, MarkdownFile), theirs)
		}, false, "report.md already exists, and parley did not write it; choose another --out, or pass --force to replace it"},
		{"a file parley did not write, with force", func(t *testing.T, dir, out string) ([]string, string) {
			put(t, filepath.Join(out, MarkdownFile), theirs)
			return nil, ""
		}, true, ""},
		{"a link", func(t *testing.T, dir, out string) ([]string, string) {
			kept := put(t, filepath.Join(dir, "precious.txt"), theirs)
			link(t, "../precious.txt", filepath.Join(out, JSONFile))
			return nil, kept
		}, false, "report.json already exists, and parley did not write it; choose another --out, or pass --force to replace it (a symbolic link is replaced itself"},
		{"a link, with force", func(t *testing.T, dir, out string) ([]string, string) {
			kept := put(t, filepath.Join(dir, "precious.txt"), theirs)
			link(t, "../precious.txt", filepath.Join(out, JSONFile))
			return nil, kept
		}, true, ""},
		{"a transcript read, with force", func(t *testing.T, dir, out string) ([]string, string) {
			kept := put(t, filepath.Join(out, MarkdownFile), theirs)
			return []string{kept}, kept
		}, true, "report.md is a transcript this report reads; report never replaces one, even with --force"},
		{"a link to a transcript read, with force", func(t *testing.T, dir, out string) ([]string, string) {
			kept := put(t, filepath.Join(dir, "t.md"), theirs)
			link(t, "../t.md", filepath.Join(out, HTMLFile))
			return []string{kept}, kept
		}, true, "report.html is a link to " + filepath.Join("DIR", "t.md") + ", a transcript this report reads"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			read, kept := tc.setup(t, dir, out)
			err := Write(out, build(t), Guard{Force: tc.force, Read: read})
			if kept != "" {
				if b, _ := os.ReadFile(kept); string(b) != theirs {
					t.Errorf("%s now holds %.40q; want it kept", kept, b)
				}
			}
			if tc.refused != "" {
				var refused *Refused
				if !errors.As(err, &refused) || !strings.Contains(strings.ReplaceAll(err.Error(), dir, "DIR"), tc.refused) {
					t.Fatalf("Write gave %v; want it refused with %q", err, tc.refused)
				}
				for _, f := range []string{HTMLFile, MarkdownFile, JSONFile} {
					if analysis.WrittenByReport(filepath.Join(out, f)) {
						t.Errorf("%s was written, though Write refused", f)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{HTMLFile, MarkdownFile, JSONFile} {
				p := filepath.Join(out, f)
				if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() || !analysis.WrittenByReport(p) {
					t.Errorf("%s is not a report file parley wrote: %v", f, err)
				}
			}
		})
	}
}

// put writes text to path and returns path.
func put(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// link makes path a symbolic link to target.
func link(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

// A transcript's link is a relative path to it in both views, whatever its
// name holds: a colon ("run:1.md" would read as a URL of the scheme
// "run:", which html/template then refuses as #ZgotmplZ), a '#', a space,
// a '?'. Each link parses as no scheme, and its path is the file's.
func TestTranscriptLinksStayRelative(t *testing.T) {
	dir := t.TempDir()
	names := []string{"run:1.md", "a#b.md", "two words.md", "why?.md", "sub:dir/run:2.md"}
	os.Mkdir(filepath.Join(dir, "sub:dir"), 0o755)
	for _, name := range names {
		writeConversation(t, dir, name, "ada", "bix", 6)
	}
	page, md := render(t, buildFrom(t, dir, dir))
	hrefs := regexp.MustCompile(`<a href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	links := regexp.MustCompile(`\]\(([^)]*)\)`).FindAllStringSubmatch(md, -1)
	for view, found := range map[string][][]string{"report.html": hrefs, "report.md": links} {
		var paths []string
		for _, m := range found {
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || u.Scheme != "" || u.Opaque != "" || u.Fragment != "" || u.RawQuery != "" {
				t.Errorf("%s links %q, which is no relative path (%v)", view, m[1], err)
				continue
			}
			paths = append(paths, u.Path)
		}
		for _, name := range names {
			if !slices.Contains(paths, name) {
				t.Errorf("%s has no link to %s; its links: %q", view, name, paths)
			}
		}
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleyhq/parley/analysis"
)

// hostile is text a transcript could hold in a name, a model id, a title
// or a provider's error: a window title sequence (ESC … BEL), a C1 CSI
// that clears the screen, DEL, NUL and a carriage return.
const hostile = "boom\x1b]0;retitled\x07 \u009b2J\x7f\x00\rend"

// controlIn returns the first control character in s other than tab and
// newline (C0, DEL or C1), and whether there is one: what a terminal
// would act on in report.md, and what HTML does not allow in report.html.
func controlIn(s string) (rune, bool) {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
			return r, true
		}
	}
	return 0, false
}

// first is the first of r's conversations for which ok holds.
func first(t *testing.T, r *analysis.Report, ok func(*analysis.Conversation) bool) *analysis.Conversation {
	t.Helper()
	for i := range r.Conversations {
		if ok(&r.Conversations[i]) {
			return &r.Conversations[i]
		}
	}
	t.Fatal("the fixture has no such conversation")
	return nil
}

// report.md and report.html quote what transcripts recorded: the judge's
// reasons, a provider's error, names, model ids, rule names, file names.
// Neither holds a control character but tab and newline: `cat report.md`
// in a terminal must not retitle the window or clear the screen, and HTML
// allows none. The text around them is shown; report.json keeps it all.
func TestReportViewsDropControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*testing.T, *analysis.Report)
		only string // the one view that shows the text, when not both
	}{
		{"the policy's name", func(t *testing.T, r *analysis.Report) { r.Policy = hostile }, ""},
		{"a judge's reason", func(t *testing.T, r *analysis.Report) {
			first(t, r, func(c *analysis.Conversation) bool { return c.Reason != "" }).Reason = hostile
		}, ""},
		{"a provider's error", func(t *testing.T, r *analysis.Report) {
			first(t, r, func(c *analysis.Conversation) bool { return c.CutShort != "" }).CutReason = hostile
		}, ""},
		{"the stopping rule", func(t *testing.T, r *analysis.Report) {
			c := first(t, r, func(c *analysis.Conversation) bool { return c.Stop > 0 })
			c.Rule = hostile
			for i := range c.Rules {
				c.Rules[i].Rule = hostile
			}
		}, ""},
		{"who refused", func(t *testing.T, r *analysis.Report) {
			first(t, r, func(c *analysis.Conversation) bool { return len(c.Refusers) > 0 }).Refusers = []string{hostile}
		}, ""},
		{"who began the loop", func(t *testing.T, r *analysis.Report) {
			first(t, r, func(c *analysis.Conversation) bool { return c.FirstLoop != "" }).FirstLoop = hostile
		}, MarkdownFile},
		{"the models recorded", func(t *testing.T, r *analysis.Report) {
			first(t, r, func(c *analysis.Conversation) bool { return len(c.Models) == 2 }).Models[0] = hostile
		}, HTMLFile},
		{"a transcript's file", func(t *testing.T, r *analysis.Report) {
			c := first(t, r, func(c *analysis.Conversation) bool { return c.Link != "" })
			c.File, c.Path = hostile, filepath.Join(fixture, hostile)
		}, ""},
		{"a conversation with no message", func(t *testing.T, r *analysis.Report) { r.Empty = []string{hostile} }, ""},
		{"a conversation with no reply", func(t *testing.T, r *analysis.Report) { r.NoReply = []string{hostile} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := build(t)
			tc.set(t, &r)
			checkViews(t, r, tc.only)
		})
	}
}

// checkViews fails unless report.html and report.md, as Write writes
// them, hold no control character but tab and newline, and show the text
// around hostile's (only the view named, when one is), and report.json
// holds hostile as it was.
func checkViews(t *testing.T, r analysis.Report, only string) {
	t.Helper()
	views := writtenViews(t, r)
	for _, f := range []string{HTMLFile, MarkdownFile} {
		data := views[f]
		if c, ok := controlIn(string(data)); ok {
			i := strings.IndexRune(string(data), c)
			t.Errorf("%s holds the control character %U: …%q…", f, c, data[max(0, i-60):min(len(data), i+60)])
		}
		if (only == "" || only == f) && !strings.Contains(string(data), "0;retitled") {
			t.Errorf("%s does not show the text around the control characters", f)
		}
	}
	data := views[JSONFile]
	if !strings.Contains(string(data), `boom\u001b]0;retitled\u0007`) {
		t.Errorf("report.json does not keep the text as it was")
	}
	for _, r := range string(data) {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) {
			t.Errorf("report.json holds the control character %U raw, where an escape reads back the same", r)
			break
		}
	}
}

// Names, model ids, a title and a provider's error as a parley JSONL
// records them, read back by parley report: the page and report.md show
// them without their control characters, the script's pair titles too.
func TestReportOfATranscriptWithControlCharacters(t *testing.T) {
	dir := t.TempDir()
	a, b := "ada"+hostile, "bix"
	q := func(s string) string { // s as a JSON string
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	jsonl := fmt.Sprintf(`{"type": "run", "title": %s, "started": "2026-11-21T09:00:00Z", "agents": [{"name": %s, "type": "openai", "model": %s}, {"name": %s, "type": "openai", "model": "m/bix"}]}`+"\n",
		q(a+" ↔ "+b), q(a), q("m/"+hostile), q(b))
	words := []string{"Let us plan a garden for a northern winter.", "Start with storage crops that keep for months.", "Beans dried on the vine add protein.", "A cold frame stretches spinach past the frost."}
	for i, w := range words {
		speaker, model := a, "m/"+hostile
		if i%2 == 1 {
			speaker, model = b, "m/bix"
		}
		jsonl += fmt.Sprintf(`{"type": "message", "index": %d, "speaker": %s, "content": %s, "model": %s}`+"\n", i+1, q(speaker), q(w), q(model))
	}
	jsonl += fmt.Sprintf(`{"type": "stop", "ended": "2026-11-21T09:02:00Z", "stop": {"kind": "error", "reason": %s, "at": 4}}`+"\n", q("bix failed with 500: "+hostile))
	if err := os.WriteFile(filepath.Join(dir, "ctl.jsonl"), []byte(jsonl), 0o644); err != nil {
		t.Fatal(err)
	}
	r := buildFrom(t, dir, dir)
	if len(r.Conversations) != 1 || !strings.Contains(r.Conversations[0].Opener+r.Conversations[0].Responder, hostile) {
		t.Fatalf("the transcript was read as %+v (empty %q, no reply %q)", r.Conversations, r.Empty, r.NoReply)
	}
	checkViews(t, r, "")
	page, _ := render(t, r)
	if strings.Contains(page, `\u001b`) || strings.Contains(page, `\u0007`) {
		t.Errorf("the page's script is given the control characters")
	}
}

// A reason or an error in another encoding, or with a character cut in
// two, holds bytes that are not UTF-8; a terminal reading 8-bit controls
// takes a raw 0x9b for CSI, and HTML allows no such byte. report.md and
// report.html show each as U+FFFD; report.json is written by
// encoding/json, as before.
func TestReportViewsShowBytesThatAreNotUTF8AsReplacements(t *testing.T) {
	for _, tc := range []struct {
		name, text, shown string
	}{
		{"a raw 8-bit CSI", "boom \x9b2J end", "boom \uFFFD2J end"},
		{"Latin-1 text", "caf\xe9 na\xefve", "caf\uFFFD na\uFFFDve"},
		{"a cut character", "ok \xf0\x9f\x99 then", "ok \uFFFD\uFFFD\uFFFD then"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := build(t)
			first(t, &r, func(c *analysis.Conversation) bool { return c.CutShort != "" }).CutReason = tc.text
			views := writtenViews(t, r)
			for _, f := range []string{HTMLFile, MarkdownFile} {
				data := views[f]
				if !utf8.Valid(data) {
					t.Errorf("%s holds bytes that are not UTF-8", f)
				}
				if !strings.Contains(string(data), tc.shown) {
					t.Errorf("%s does not show %q as %q", f, tc.text, tc.shown)
				}
			}
			data := views[JSONFile]
			quoted, err := json.Marshal(tc.text) // a \ufffd for each such byte
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, quoted[1:len(quoted)-1]) {
				t.Errorf("report.json does not hold the reason as encoding/json writes it: %s", quoted)
			}
		})
	}
}

// writtenViews writes r's report into a folder of its own and returns
// what each file holds, by name; report.json must read back as a report.
func writtenViews(t *testing.T, r analysis.Report) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir, r, Guard{}); err != nil {
		t.Fatal(err)
	}
	views := map[string][]byte{}
	for _, f := range []string{HTMLFile, MarkdownFile, JSONFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		views[f] = data
	}
	var back analysis.Report
	if err := json.Unmarshal(views[JSONFile], &back); err != nil {
		t.Fatal(err)
	}
	return views
}

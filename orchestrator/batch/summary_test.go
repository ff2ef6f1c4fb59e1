package batch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/pricing"
)

// hostile is text a provider, a judge or a scenario could give: a window
// title sequence (ESC … BEL), a C1 CSI that clears the screen, DEL, NUL
// and a carriage return that would write over the line.
const hostile = "boom\x1b]0;owned\x07 \u009b2J\x7f\x00\rend"

// controlIn returns the first character in s that a terminal would act on
// rather than show (a control character other than newline and tab, DEL,
// a C1 control), and whether there is one.
func controlIn(s string) (rune, bool) {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
			return r, true
		}
	}
	return 0, false
}

// summary.md quotes what providers, judges and scenarios wrote (errors,
// stop reasons, titles, names, model ids, endpoints): `cat summary.md` in
// a terminal must not retitle the window or clear the screen, so it shows
// that text without the bytes a terminal acts on, as the summary printed
// on a terminal does. summary.json keeps the text as it was, and so does
// the Markdown a batch prints when its output is piped.
func TestSummaryFileDropsControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		result  func(*Result)
		summary func(*Summary)
		id      string
	}{
		{name: "a provider's error", result: func(r *Result) { r.Error = hostile }},
		{name: "a stop's reason", result: func(r *Result) { r.Error, r.Stop.Reason = "", hostile }},
		{name: "a stopping rule's name", result: func(r *Result) { r.State, r.Error, r.Stop.Kind, r.Stop.Policy = StateDone, "", "policy", hostile }},
		{name: "a scenario's title", result: func(r *Result) { r.Title, r.Pair = hostile, "" }},
		{name: "a scenario's path", result: func(r *Result) { r.Title, r.Pair, r.ScenarioPath = "", "", hostile }},
		{name: "a pair", result: func(r *Result) { r.Pair = hostile }},
		{name: "a varied value", result: func(r *Result) { r.Vary = map[string]string{"agents[0].model": hostile} }},
		{name: "an agent's name in tokens", result: func(r *Result) { r.Tokens = []AgentTokens{{Agent: hostile, In: 1, Out: 1}} }},
		{name: "an agent's name in cost", result: func(r *Result) { r.Cost = []AgentCost{{Agent: hostile, Model: "m", Cost: pricing.Total{Unknown: 1}}} }},
		{name: "a model id in cost", result: func(r *Result) { r.Cost = []AgentCost{{Agent: "A", Model: hostile, Cost: pricing.Total{Unknown: 1}}} }},
		{name: "a policy's name", result: func(r *Result) { r.Policies = []PolicyResult{{Policy: hostile}} }},
		{name: "why a policy was skipped", result: func(r *Result) { r.Policies = []PolicyResult{{Policy: "judge", Skipped: hostile}} }},
		{name: "a limit's name", summary: func(s *Summary) { s.Limits = []agents.LimiterStats{{Name: hostile, Requests: 1}} }},
		{name: "an endpoint", summary: func(s *Summary) {
			s.Replicas = []agents.ReplicaStats{{BaseURL: hostile, Requests: 1}, {BaseURL: "http://b/v1", Requests: 1}}
		}},
		{name: "the batch's id", id: hostile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{ID: "j1", Title: "t", Pair: "A ↔ B", Vary: map[string]string{"seed": "1"}, State: StateFailed, Error: "plain", Messages: 2,
				Cost: []AgentCost{{Agent: "A", Model: "m", Cost: pricing.Total{Unknown: 1}}}}
			if tc.result != nil {
				tc.result(&r)
			}
			id := "b1"
			if tc.id != "" {
				id = tc.id
			}
			s := Summarize(&Manifest{ID: id, Jobs: make([]PlannedJob, 1)}, []Result{r}, time.Second)
			if tc.summary != nil {
				tc.summary(s)
			}
			dir := t.TempDir()
			if err := s.Write(dir); err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := controlIn(string(md)); ok {
				t.Errorf("summary.md holds the control character %U:\n%q", c, md)
			}
			if !strings.Contains(string(md), "boom]0;owned 2J") {
				t.Errorf("summary.md does not show the text around the control characters:\n%s", md)
			}
			data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var raw any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if !holds(raw, hostile) {
				t.Errorf("summary.json does not keep the text as it was:\n%s", data)
			}
			if c, ok := controlIn(string(data)); ok && c != '\n' {
				t.Errorf("summary.json holds the control character %U raw, where an escape reads back the same:\n%q", c, data)
			}
		})
	}
}

// holds reports whether a decoded JSON value holds s in one of its strings.
func holds(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, s)
	case []any:
		for _, x := range v {
			if holds(x, s) {
				return true
			}
		}
	case map[string]any:
		for _, x := range v {
			if holds(x, s) {
				return true
			}
		}
	}
	return false
}

// A tab in quoted text is kept in summary.md; a line break, which would
// end a table's row, becomes a space as before.
func TestSummaryFileKeepsTabs(t *testing.T) {
	r := Result{ID: "j1", Title: "t", State: StateFailed, Error: "a\tb\nc", Messages: 2}
	dir := t.TempDir()
	if err := Summarize(&Manifest{ID: "b1", Jobs: make([]PlannedJob, 1)}, []Result{r}, time.Second).Write(dir); err != nil {
		t.Fatal(err)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "summary.md")); !strings.Contains(string(md), "| a\tb c | 1 |") {
		t.Errorf("summary.md:\n%s", md)
	}
}

// Text in another encoding, or a character cut in two, holds bytes that
// are not UTF-8; a terminal reading 8-bit controls takes a raw 0x9b for
// CSI. summary.md shows each such byte as U+FFFD, as a terminal is shown
// it; summary.json is written by encoding/json, as before.
func TestSummaryFileShowsBytesThatAreNotUTF8AsReplacements(t *testing.T) {
	for _, tc := range []struct {
		name, text, shown string
	}{
		{"a raw 8-bit CSI", "boom \x9b2J end", "boom \uFFFD2J end"},
		{"Latin-1 text", "caf\xe9 na\xefve", "caf\uFFFD na\uFFFDve"},
		{"a cut character", "ok \xf0\x9f\x99", "ok \uFFFD\uFFFD\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{ID: "j1", Title: "t", State: StateFailed, Error: tc.text, Messages: 2}
			s := Summarize(&Manifest{ID: "b1", Jobs: make([]PlannedJob, 1)}, []Result{r}, time.Second)
			dir := t.TempDir()
			if err := s.Write(dir); err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.Valid(md) || !strings.Contains(string(md), "| "+tc.shown+" |") {
				t.Errorf("summary.md does not show %q as %q:\n%q", tc.text, tc.shown, md)
			}
			data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != string(want)+"\n" {
				t.Errorf("summary.json is not what encoding/json writes:\n%s", data)
			}
		})
	}
}

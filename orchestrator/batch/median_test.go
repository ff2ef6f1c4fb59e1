package batch

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// A conversation an error cut short enters no length, as parley report
// has it: its length says where the error fell, not where the talk ran
// out. The summary's n counts those that ended without one, and says so.
func TestFailedConversationsEnterNoMedian(t *testing.T) {
	done := func(path string, n int) Result {
		return Result{ScenarioPath: path, Title: "A ↔ B", State: StateDone, Messages: n, Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages"}}
	}
	failed := func(path string, n int) Result {
		return Result{ScenarioPath: path, Title: "A ↔ B", State: StateFailed, Messages: n, Error: "boom", Stop: transcripts.Stop{Kind: transcripts.StopError, Reason: "boom"}}
	}
	for _, c := range []struct {
		name    string
		results []Result
		length  Distribution
		groups  []string // each group's row, from its Runs cell
		said    string
	}{
		{name: "one failed of three", results: []Result{done("a.yaml", 5), done("a.yaml", 7), failed("a.yaml", 2)},
			length: Distribution{N: 2, Min: 5, Median: 6, P90: 7, Max: 7, Mean: 6},
			said:   "| 2 | 5 | 6 | 7 | 7 | 6.0 |\n\nOf the 3 conversations that ended, n counts the 2 that ended without an error: the 1 an error cut short enters no length, since its length says where the error fell, not where the talk ran out (parley report leaves it out of its medians too).\n"},
		{name: "a file whose every run failed", results: []Result{done("a.yaml", 5), failed("b.yaml", 2), failed("b.yaml", 3)},
			length: Distribution{N: 1, Min: 5, Median: 5, P90: 5, Max: 5, Mean: 5},
			groups: []string{"| 1 | 0 | 5 | 5 | max_messages 1 |", "| 2 | 2 | — | — | error 2 |"},
			said:   "Of the 3 conversations that ended, n counts the 1 that ended without an error: the 2 an error cut short enter no length"},
		{name: "all failed", results: []Result{failed("a.yaml", 2), failed("a.yaml", 3)},
			said: "## Length in messages\n\nNo conversation ended without an error, so there is no length to count: the 2 an error cut short enter no length"},
		{name: "none failed", results: []Result{done("a.yaml", 5), done("a.yaml", 3), {State: StateInterrupted, Messages: 1}},
			length: Distribution{N: 2, Min: 3, Median: 4, P90: 5, Max: 5, Mean: 4}, said: "| 2 | 3 | 4 | 5 | 5 | 4.0 |\n\n## Errors and retries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(&Manifest{ID: "b", Jobs: make([]PlannedJob, len(c.results))}, c.results, time.Second)
			if s.Length != c.length {
				t.Errorf("length = %+v; want %+v", s.Length, c.length)
			}
			var b strings.Builder
			s.Markdown(&b)
			md := b.String()
			for _, want := range append(c.groups, c.said) {
				if !strings.Contains(md, want) {
					t.Errorf("summary lacks %q:\n%s", want, md)
				}
			}
			if c.name == "none failed" && strings.Contains(md, "without an error") {
				t.Errorf("a batch without a failure speaks of them:\n%s", md)
			}
		})
	}
}

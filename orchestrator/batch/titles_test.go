package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/pricing"
	"github.com/parleyhq/parley/transcripts"
)

func TestTitlesNameTheFileOfATitleTwoFilesGive(t *testing.T) {
	var titles Titles
	for _, a := range [][2]string{
		{"A ↔ B", "five.yaml"}, {"A ↔ B", "three.yaml"},
		{"C ↔ D", "a/x.yaml"}, {"C ↔ D", "b/x.yaml"},
		{"E ↔ F", "one.yaml"}, {"E ↔ F", "one.yaml"}, // one file, added twice
		{"", "/tmp/untitled.yaml"}, {"", "/tmp/other.yaml"},
	} {
		titles.Add(a[0], a[1])
	}
	for _, c := range []struct {
		name, title, path, want string
	}{
		{"one of two files", "A ↔ B", "five.yaml", "five.yaml: A ↔ B"},
		{"the other", "A ↔ B", "three.yaml", "three.yaml: A ↔ B"},
		{"two files of one name, by their folders", "C ↔ D", "b/x.yaml", "b/x.yaml: C ↔ D"},
		{"a title one file gives", "E ↔ F", "one.yaml", "E ↔ F"},
		{"a title no file was added for", "G ↔ H", "g.yaml", "G ↔ H"},
		{"no title", "", "/tmp/untitled.yaml", "untitled.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := titles.Name(c.title, c.path); got != c.want {
				t.Errorf("Name(%q, %q) = %q; want %q", c.title, c.path, got, c.want)
			}
		})
	}
	if got := (*Titles)(nil).Name("A ↔ B", "five.yaml"); got != "A ↔ B" {
		t.Errorf("no Titles names %q", got)
	}
}

// Two scenario files of one pair of agents, under two budgets, give one
// title: the summary keeps their runs apart, in its groups and its cost
// per pair, and names each by its file; summary.json adds the file to
// each row and keeps the title where it was.
func TestSummaryKeepsScenarioFilesOfOneTitleApart(t *testing.T) {
	var results []Result
	for _, f := range []struct {
		path     string
		messages int
	}{{"five.yaml", 5}, {"three.yaml", 3}} {
		for run := 1; run <= 2; run++ {
			results = append(results, Result{ID: f.path + string(rune('0'+run)), Title: "A ↔ B", ScenarioPath: f.path, Run: run,
				State: StateDone, Messages: f.messages, Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages"},
				Cost: []AgentCost{{Agent: "A", Model: "m", Cost: pricing.Total{Unknown: f.messages}}}})
		}
	}
	s := Summarize(&Manifest{ID: "b27", Jobs: make([]PlannedJob, 4)}, results, time.Second)
	if len(s.Groups) != 2 {
		t.Fatalf("groups = %+v; want one for each file", s.Groups)
	}
	for i, want := range []Group{{Scenario: "A ↔ B", ScenarioPath: "five.yaml", Runs: 2}, {Scenario: "A ↔ B", ScenarioPath: "three.yaml", Runs: 2}} {
		g := s.Groups[i]
		if g.Scenario != want.Scenario || g.ScenarioPath != want.ScenarioPath || g.Runs != want.Runs || g.Length.Median != float64(5-2*i) {
			t.Errorf("group %d = %+v; want %s's 2 runs", i, g, want.ScenarioPath)
		}
	}
	if len(s.CostByPair) != 2 || s.CostByPair[0].ScenarioPath != "five.yaml" || s.CostByPair[0].Runs != 2 || s.CostByPair[1].Cost.Unknown != 6 {
		t.Errorf("cost by pair = %+v; want one row for each file", s.CostByPair)
	}
	var b strings.Builder
	s.Markdown(&b)
	md := b.String()
	for _, want := range []string{
		"## By scenario and varied values",
		"| five.yaml: A ↔ B |  | 2 | 0 | 5 | 5 | max_messages 2 |",
		"| three.yaml: A ↔ B |  | 2 | 0 | 3 | 3 | max_messages 2 |",
		"| five.yaml: A ↔ B | 2 | unknown |",
		"| three.yaml: A ↔ B | 2 | unknown |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}

// A --dry-run of two scenario files that give one title names each
// conversation with its file; a title one file gives is listed as it is.
func TestLinesNameTheFileOfATitleTwoFilesGive(t *testing.T) {
	dir := t.TempDir()
	five := "agents:\n  - {name: A, type: scripted, lines: [hi]}\n  - {name: B, type: scripted, lines: [ho]}\ntermination:\n  max_messages: 5\n"
	var scenarios []*configs.Scenario
	for _, f := range [][2]string{
		{"five.yaml", five},
		{"three.yaml", strings.Replace(five, "max_messages: 5", "max_messages: 3", 1)},
		{"other.yaml", "title: Another\n" + five},
	} {
		path := filepath.Join(dir, f[0])
		if err := os.WriteFile(path, []byte(f[1]), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := configs.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, s)
	}
	m, err := Plan("b", scenarios, 1, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lines, err := m.Lines()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"five.yaml: A ↔ B, run 1", "three.yaml: A ↔ B, run 1", "Another, run 1"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

package batch

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

func TestSummarySumsCostPerPairAndPerModel(t *testing.T) {
	cost := func(v float64) *float64 { return &v }
	run := func(a, b, modelA, modelB string, msgs ...transcripts.Message) Result {
		tr := &transcripts.Transcript{Title: a + " ↔ " + b, Run: &transcripts.Run{
			Agents: []transcripts.AgentInfo{{Name: a, Model: modelA}, {Name: b, Model: modelB}},
			Stop:   &transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages"}}}
		tr.Messages = msgs
		r := ResultFromTranscript(tr, nil)
		r.Pair = tr.Title
		return r
	}
	u := func(p, c int, usd *float64) *transcripts.Usage {
		return &transcripts.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c, Cost: usd}
	}
	results := []Result{
		// grok-4 reported by OpenRouter; gpt-4o from the table: 1000×2.5 + 1000×10 per million.
		run("grok-4", "4o", "x-ai/grok-4", "openai/gpt-4o",
			transcripts.Message{Speaker: "grok-4", Content: "a", Usage: u(10, 10, cost(0.03))},
			transcripts.Message{Speaker: "4o", Content: "b", Usage: u(1000, 1000, nil)}),
		run("grok-4", "4o", "x-ai/grok-4", "openai/gpt-4o",
			transcripts.Message{Speaker: "grok-4", Content: "a", Usage: u(10, 10, cost(0.01))},
			transcripts.Message{Speaker: "4o", Content: "b", Usage: u(1000, 1000, nil)}),
		// A local model: unknown, never a guess.
		run("4o", "llama", "openai/gpt-4o", "llama3.2",
			transcripts.Message{Speaker: "4o", Content: "a", Usage: u(1000, 1000, nil)},
			transcripts.Message{Speaker: "llama", Content: "b", Usage: u(1000, 1000, nil)}),
	}
	s := Summarize(&Manifest{ID: "x", Jobs: make([]PlannedJob, 3)}, results, time.Second)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(s.Cost.USD, 0.04+3*0.0125) || s.Cost.Reported != 2 || s.Cost.Estimated != 3 || s.Cost.Unknown != 1 {
		t.Errorf("total = %+v; want $0.0775 from 2 reported, 3 estimated, 1 unknown", s.Cost)
	}
	if len(s.CostByPair) != 2 || s.CostByPair[0].Pair != "grok-4 ↔ 4o" || s.CostByPair[0].Runs != 2 || !near(s.CostByPair[0].Cost.USD, 0.065) {
		t.Errorf("by pair = %+v; want grok-4 ↔ 4o twice for $0.065", s.CostByPair)
	}
	if p := s.CostByPair[1]; !near(p.Cost.USD, 0.0125) || p.Cost.Unknown != 1 || p.Cost.String() != "$0.0125 (estimated) + 1 message of unknown cost" {
		t.Errorf("4o ↔ llama = %+v (%s)", p, p.Cost)
	}
	want := map[string]float64{"grok-4": 0.04, "4o": 0.0375, "llama": 0}
	if len(s.CostByModel) != 3 {
		t.Fatalf("by model = %+v", s.CostByModel)
	}
	for _, m := range s.CostByModel {
		if !near(m.Cost.USD, want[m.Agent]) {
			t.Errorf("%s (%s) cost %v; want %v", m.Agent, m.Model, m.Cost.USD, want[m.Agent])
		}
		if m.Agent == "llama" && m.Cost.String() != "unknown" {
			t.Errorf("llama's cost reads %q; want unknown", m.Cost)
		}
	}
	var md strings.Builder
	s.Markdown(&md)
	for _, line := range []string{"## Cost", "| grok-4 ↔ 4o | 2 | $0.065 (partly estimated) |", "| llama | llama3.2 | unknown |"} {
		if !strings.Contains(md.String(), line) {
			t.Errorf("summary.md lacks %q:\n%s", line, md.String())
		}
	}
}

// A scripted, replayed or human side sends no request: its messages cost
// nothing, so an offline batch has no cost to report, and a replayed side
// facing a live model leaves the live side's cost alone.
func TestSidesThatSendNoRequestCostNothing(t *testing.T) {
	u := &transcripts.Usage{PromptTokens: 1000, CompletionTokens: 1000, TotalTokens: 2000}
	run := func(agents []transcripts.AgentInfo) Result {
		tr := &transcripts.Transcript{Title: agents[0].Name + " ↔ " + agents[1].Name, Run: &transcripts.Run{Agents: agents,
			Stop: &transcripts.Stop{Kind: transcripts.StopExhausted, Policy: "exhausted"}},
			Messages: []transcripts.Message{{Speaker: agents[0].Name, Content: "a", Usage: u}, {Speaker: agents[1].Name, Content: "b", Usage: u}}}
		return ResultFromTranscript(tr, nil)
	}
	offline := Summarize(&Manifest{ID: "x", Jobs: make([]PlannedJob, 1)},
		[]Result{run([]transcripts.AgentInfo{{Name: "A", Type: "scripted"}, {Name: "B", Type: "human"}})}, time.Second)
	var md strings.Builder
	offline.Markdown(&md)
	if c := offline.Cost; c.Unknown != 0 || c.Estimated != 0 || strings.Contains(md.String(), "## Cost") {
		t.Errorf("an offline batch's cost is %+v and its summary says:\n%s", c, md.String())
	}
	mixed := Summarize(&Manifest{ID: "x", Jobs: make([]PlannedJob, 1)},
		[]Result{run([]transcripts.AgentInfo{{Name: "Kimi K2", Type: "replay"}, {Name: "4o", Type: "openai", Model: "openai/gpt-4o"}})}, time.Second)
	if c := mixed.Cost; c.Unknown != 0 || c.Estimated != 1 || math.Abs(c.USD-0.0125) > 1e-9 {
		t.Errorf("replay against gpt-4o costs %+v; want gpt-4o's one estimated message, $0.0125", c)
	}
}

// A judge's questions are counted in a run's cost and tokens, as a row of
// their own, from the usage its rulings recorded.
func TestJudgeSpendingIsCounted(t *testing.T) {
	usd := func(v float64) *float64 { return &v }
	u := func(p, c int, cost *float64) *transcripts.Usage {
		return &transcripts.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c, Cost: cost}
	}
	cases := []struct {
		name   string
		events []transcripts.Event
		rows   map[string]float64 // each row's dollars
		counts [3]int             // reported, estimated, unknown in all
		tokens map[string]int     // tokens in and out by row
	}{
		{"reported by the provider", []transcripts.Event{
			{Kind: "judge", Speaker: "judge", Model: "openai/gpt-4o-mini", Detail: "… CONTINUE", Usage: u(100, 10, usd(0.002))},
			{Kind: "judge", Speaker: "judge", Model: "openai/gpt-4o-mini", Detail: "… STOP", Usage: u(120, 10, usd(0.003))}},
			map[string]float64{"A": 0.01, "judge": 0.005}, [3]int{3, 0, 0}, map[string]int{"A": 20, "judge": 240}},
		{"estimated from list prices, under its name", []transcripts.Event{
			{Kind: "judge", Speaker: "referee", Model: "openai/gpt-4o", Detail: "… STOP", Usage: u(1000, 1000, nil)}},
			map[string]float64{"A": 0.01, "referee (judge)": 0.0125}, [3]int{1, 1, 0}, map[string]int{"A": 20, "referee (judge)": 2000}},
		{"a round it could not be asked, and an old recording's ruling", []transcripts.Event{
			{Kind: "judge", Speaker: "judge", Detail: "m after message 2: NO VERDICT: …"},
			{Kind: "judge", Detail: "m after message 4: STOP: …"}},
			map[string]float64{"A": 0.01}, [3]int{1, 0, 0}, map[string]int{"A": 20}},
		{"a server that reported no usage", []transcripts.Event{
			{Kind: "judge", Speaker: "judge", Model: "local-model", Detail: "… CONTINUE"}},
			map[string]float64{"A": 0.01, "judge": 0}, [3]int{1, 0, 1}, map[string]int{"A": 20}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := &transcripts.Transcript{Title: "A ↔ B", Run: &transcripts.Run{
				Agents: []transcripts.AgentInfo{{Name: "A", Model: "x-ai/grok-4"}, {Name: "B", Type: "scripted"}},
				Events: c.events, Stop: &transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge"}},
				Messages: []transcripts.Message{{Speaker: "A", Content: "a", Usage: u(10, 10, usd(0.01))}}}
			r := ResultFromTranscript(tr, nil)
			rows := map[string]float64{}
			for _, ac := range r.Cost {
				if ac.Agent == "B" {
					continue
				}
				rows[ac.Agent] = ac.Cost.USD
			}
			if len(rows) != len(c.rows) {
				t.Fatalf("cost rows %+v, want %v", r.Cost, c.rows)
			}
			for k, v := range c.rows {
				if got, ok := rows[k]; !ok || math.Abs(got-v) > 1e-9 {
					t.Errorf("row %q = %v, want %v (rows %+v)", k, got, v, r.Cost)
				}
			}
			s := Summarize(&Manifest{ID: "x", Jobs: make([]PlannedJob, 1)}, []Result{r}, time.Second)
			if got := [3]int{s.Cost.Reported, s.Cost.Estimated, s.Cost.Unknown}; got != c.counts {
				t.Errorf("reported, estimated, unknown = %v, want %v", got, c.counts)
			}
			tokens := map[string]int{}
			for _, at := range r.Tokens {
				tokens[at.Agent] = at.In + at.Out
			}
			if len(tokens) != len(c.tokens) {
				t.Fatalf("tokens %+v, want %v", r.Tokens, c.tokens)
			}
			for k, v := range c.tokens {
				if tokens[k] != v {
					t.Errorf("tokens of %q = %d, want %d", k, tokens[k], v)
				}
			}
		})
	}
}

// A conversation interrupted (Ctrl-C) spent what its completed messages
// cost: the summary counts its tokens, cost, retries and model time, as
// the progress lines did, though it has no stop or length to count.
func TestSummaryCountsWhatInterruptedConversationsSpent(t *testing.T) {
	usd := 0.002
	tr := &transcripts.Transcript{Title: "a ↔ b", Run: &transcripts.Run{
		Agents: []transcripts.AgentInfo{{Name: "a", Model: "x-ai/grok-4"}, {Name: "b", Model: "x-ai/grok-4"}},
		Stop:   &transcripts.Stop{Kind: transcripts.StopInterrupted}}}
	tr.Messages = []transcripts.Message{
		{Speaker: "a", Content: "one", Usage: &transcripts.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120, Cost: &usd}},
		{Speaker: "b", Content: "two", Usage: &transcripts.Usage{PromptTokens: 130, CompletionTokens: 25, TotalTokens: 155, Cost: &usd}},
	}
	r := ResultFromTranscript(tr, nil)
	if r.State != StateInterrupted {
		t.Fatalf("state %q; want interrupted", r.State)
	}
	r.Retries, r.ModelTime = 2, 3*time.Second
	s := Summarize(&Manifest{ID: "x", Jobs: make([]PlannedJob, 2)}, []Result{r}, time.Second)
	if s.Interrupted != 1 || s.Done != 0 || len(s.StopReasons) != 0 || s.Length.Max != 0 {
		t.Errorf("interrupted %d, done %d, stops %v, length %+v; want it counted as interrupted alone", s.Interrupted, s.Done, s.StopReasons, s.Length)
	}
	in, out := 0, 0
	for _, at := range s.Tokens {
		in, out = in+at.In, out+at.Out
	}
	if in != 230 || out != 45 || s.Cost.USD != 0.004 || s.Retries != 2 || s.ModelTime != 3*time.Second {
		t.Errorf("tokens %d in %d out, cost %v, retries %d, model time %s; want 230, 45, $0.004, 2, 3s", in, out, s.Cost.USD, s.Retries, s.ModelTime)
	}
	if len(s.CostByPair) != 1 || s.CostByPair[0].Cost.USD != 0.004 || len(s.CostByModel) != 2 {
		t.Errorf("by pair %+v, by model %+v", s.CostByPair, s.CostByModel)
	}
	var md strings.Builder
	s.Markdown(&md)
	if !strings.Contains(md.String(), "No conversation has ended yet") || strings.Contains(md.String(), "## Length in messages") || !strings.Contains(md.String(), "$0.004") {
		t.Errorf("summary.md:\n%s", md.String())
	}
}

package policy

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func TestMaxCostCountsReportedAndEstimatedCostAndNamesTheUnknown(t *testing.T) {
	p, err := ParseYAML([]byte("max_cost: 0.05"))
	if err != nil {
		t.Fatal(err)
	}
	cost := func(v float64) *float64 { return &v }
	msgs := []transcripts.Message{
		{Speaker: "A", Model: "x-ai/grok-4", Content: "a", Usage: &transcripts.Usage{PromptTokens: 10, CompletionTokens: 10, Cost: cost(0.02)}},
		{Speaker: "B", Model: "llama3.2", Content: "b", Usage: &transcripts.Usage{PromptTokens: 10, CompletionTokens: 10}},
		{Speaker: "A", Model: "gpt-4o", Content: "c", Usage: &transcripts.Usage{PromptTokens: 2000, CompletionTokens: 2000}}, // $0.025 by the table
		{Speaker: "B", Model: "x-ai/grok-4", Content: "d", Usage: &transcripts.Usage{PromptTokens: 10, CompletionTokens: 10, Cost: cost(0.01)}},
	}
	for k, want := range []bool{false, false, false, true} {
		v := p.Check(msgs[:k+1])
		if v.Stop != want {
			t.Fatalf("after %d messages stop = %v (%s); want %v", k+1, v.Stop, v.Reason, want)
		}
		if want && (v.Policy != "max_cost" || !strings.Contains(v.Reason, "cost $0.055, past its limit of $0.05") ||
			!strings.Contains(v.Reason, "estimated from list prices") || !strings.Contains(v.Reason, "1 message of unknown cost is not counted")) {
			t.Errorf("reason = %q", v.Reason)
		}
	}
	// A cost that reads as the limit when written to the cent reached it;
	// two unknown messages are counted in the plural.
	at := []transcripts.Message{
		{Speaker: "A", Model: "x-ai/grok-4", Content: "a", Usage: &transcripts.Usage{Cost: cost(0.0600001)}},
		{Speaker: "B", Model: "llama3.2", Content: "b"}, {Speaker: "A", Model: "llama3.2", Content: "c"},
	}
	if v := (MaxCost{USD: 0.06}).Check(at); !v.Stop || !strings.Contains(v.Reason, "the conversation cost $0.06, reaching its limit;") ||
		!strings.Contains(v.Reason, "2 messages of unknown cost are not counted") {
		t.Errorf("at the limit: %+v", v)
	}
	// The same verdict judging from scratch.
	if v := (MaxCost{USD: 0.05}).Check(msgs); !v.Stop {
		t.Errorf("from scratch: %+v", v)
	}
	for _, bad := range []string{"max_cost: 0", "max_cost: -1", "max_cost: {dollars: 2}", "max_cost: lots"} {
		if _, err := ParseYAML([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: err = %v; want a sentence with the line", bad, err)
		}
	}
}

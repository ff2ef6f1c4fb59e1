package pricing

import (
	"math"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func usd(v float64) *float64 { return &v }

func TestOfPrefersTheReportedCostThenTheTableAndNeverGuesses(t *testing.T) {
	u := &transcripts.Usage{PromptTokens: 1000, CompletionTokens: 500, TotalTokens: 1500}
	for _, c := range []struct {
		name   string
		m      transcripts.Message
		model  string
		want   float64
		source string
	}{
		{"reported", transcripts.Message{Model: "x-ai/grok-4", Usage: &transcripts.Usage{PromptTokens: 1, Cost: usd(0.0421)}}, "", 0.0421, Reported},
		{"estimated", transcripts.Message{Model: "gpt-4o", Usage: u}, "", (1000*2.50 + 500*10.00) / 1e6, Estimated},
		{"vendor prefix and variant", transcripts.Message{Model: "moonshotai/kimi-k2-0905-preview:exacto", Usage: u}, "", (1000*0.60 + 500*2.50) / 1e6, Estimated},
		{"a dated snapshot at its own price", transcripts.Message{Model: "openai/gpt-4o-2024-05-13", Usage: u}, "", (1000*5.0 + 500*15.0) / 1e6, Estimated},
		{"the seat's model when the message names none", transcripts.Message{Usage: u}, "grok-4", (1000*3.0 + 500*15.0) / 1e6, Estimated},
		{"unknown model", transcripts.Message{Model: "llama3.2", Usage: u}, "", 0, Unknown},
		{"an unlisted snapshot", transcripts.Message{Model: "gpt-4o-2099-01-01", Usage: u}, "", 0, Unknown},
		{"no usage", transcripts.Message{Model: "gpt-4o"}, "", 0, Unknown},
		{"moderator note", transcripts.Message{Origin: transcripts.OriginModerator}, "", 0, Free},
	} {
		got := Of(c.m, c.model)
		if got.Source != c.source || math.Abs(got.USD-c.want) > 1e-12 {
			t.Errorf("%s: %+v; want $%g %s", c.name, got, c.want, c.source)
		}
	}
}

func TestTotalSaysWhatItKnows(t *testing.T) {
	var tot Total
	if tot.String() != "$0" {
		t.Errorf("empty: %q", tot)
	}
	tot.Add(Cost{Source: Unknown})
	if tot.String() != "unknown" {
		t.Errorf("only unknown: %q; want unknown, never a number", tot)
	}
	tot.Add(Cost{USD: 0.01234, Source: Reported})
	tot.Add(Cost{USD: 0.001, Source: Estimated})
	if got := tot.String(); got != "$0.0133 (partly estimated) + 1 message of unknown cost" {
		t.Errorf("mixed: %q", got)
	}
}

// A cost too small for four decimal places keeps two significant digits:
// $0 says a reply was free.
func TestFormatUSDNeverRoundsACostToNothing(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "$0"}, {0.000049, "$0.000049"}, {0.0000281, "$0.000028"}, {0.00009999, "$0.0001"}, {1.5e-9, "$0.0000000015"},
		{0.0001, "$0.0001"}, {0.01234, "$0.0123"}, {0.5, "$0.5"}, {12.345, "$12.35"},
	} {
		if got := FormatUSD(c.v); got != c.want {
			t.Errorf("FormatUSD(%g) = %q, want %q", c.v, got, c.want)
		}
	}
}

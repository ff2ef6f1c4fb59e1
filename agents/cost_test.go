package agents

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

func TestOpenRouterCostIsAskedForAndRecorded(t *testing.T) {
	cost := 0.001234
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		r := openaitest.Words("Hello there.")
		r.Cost = &cost
		return r
	})
	for _, ask := range []bool{true, false} {
		a := newTestAgent(t, srv, OpenAIConfig{ReportCost: ask})
		var got *float64
		for ch, err := range a.Reply(context.Background(), []Message{{Role: RoleUser, Content: "Hi"}}) {
			if err != nil {
				t.Fatal(err)
			}
			if ch.Usage != nil {
				got = ch.Usage.Cost
			}
		}
		reqs := srv.Requests()
		req := reqs[len(reqs)-1]
		if req.IncludeCost() != ask {
			t.Errorf("ReportCost %v: the request asked for its cost: %v (%s)", ask, req.IncludeCost(), req.Raw)
		}
		switch {
		case ask && (got == nil || *got != cost):
			t.Errorf("the reported cost was not recorded: %v", got)
		case !ask && got != nil:
			t.Errorf("a cost was recorded without being asked for: %v", *got)
		}
	}
}

func TestReportsCost(t *testing.T) {
	for _, c := range []struct {
		provider, base string
		want           bool
	}{
		{"openrouter", "", true},
		{"", "https://openrouter.ai/api/v1", true},
		{"openai", "https://api.openai.com/v1", false},
		{"", "http://127.0.0.1:8080/v1", false},
	} {
		if got := ReportsCost(c.provider, c.base); got != c.want {
			t.Errorf("ReportsCost(%q, %q) = %v; want %v", c.provider, c.base, got, c.want)
		}
	}
}

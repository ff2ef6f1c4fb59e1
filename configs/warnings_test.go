package configs

import (
	"strings"
	"testing"
)

// A max_cost warns of each model agent whose messages it can never count:
// a provider that reports no cost, serving a model the price table does
// not list. A priced model, a provider that reports cost, and a side that
// sends no request are counted, and warn of nothing.
func TestMaxCostWarnsOfAnAgentItCannotCount(t *testing.T) {
	cases := []struct {
		name, agent, termination string
		want                     string // "" for no warning
	}{
		{"an unlisted model on a server reporting no cost", "{name: A, base_url: 'http://127.0.0.1:9/v1', model: costly}", "{max_cost: 0.05}",
			`s.yaml:2: agent "A": max_cost cannot count its messages: its provider reports no cost and parley's price table`},
		{"under any:", "{name: A, base_url: 'http://127.0.0.1:9/v1', model: costly}", "{any: [{max_messages: 50}, {max_cost: 0.05}]}",
			`agent "A": max_cost cannot count its messages`},
		{"a listed model", "{name: A, provider: openai, model: gpt-4o}", "{max_cost: 0.05}", ""},
		{"a provider that reports cost", "{name: A, provider: openrouter, model: someone/unlisted-model}", "{max_cost: 0.05}", ""},
		{"a scripted side", "{name: A, type: scripted, lines: [hi]}", "{max_cost: 0.05}", ""},
		{"no max_cost", "{name: A, base_url: 'http://127.0.0.1:9/v1', model: costly}", "{max_messages: 50}", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte("agents:\n  - "+c.agent+"\n  - {name: B, type: human}\ntermination: "+c.termination+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(s.Warnings(), "\n")
			if c.want == "" && strings.Contains(got, "max_cost") {
				t.Errorf("warned %q", got)
			}
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("warnings %q; want %q", got, c.want)
			}
		})
	}
}

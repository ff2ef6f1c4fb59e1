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

// A model's settings on an agent that sends no request do nothing: a
// wrong type: is the likeliest reason, and validate says so.
func TestModelSettingsOnAnAgentThatIsNoModelWarn(t *testing.T) {
	cases := []struct {
		name, agent string
		want        string // "" for no warning
	}{
		{"a scripted agent with a system prompt and a temperature", "{name: A, type: scripted, lines: [hi], system: Be brief., temperature: 0.7}",
			`s.yaml:2: agent "A": system:, temperature: do nothing for a scripted agent, which sends no request to a model; is its type: right?`},
		{"a replay with a key variable", "{name: A, type: replay, transcript: x.md, api_key_env: KEY}",
			`agent "A": api_key_env: does nothing for a replay agent`},
		{"a person with max_tokens", "{name: A, type: human, max_tokens: 100}", `agent "A": max_tokens: does nothing for a human agent`},
		{"a model's own settings", "{name: A, base_url: 'http://127.0.0.1:9/v1', model: m, system: Be brief., temperature: 0.7}", ""},
		{"a scripted agent's own", "{name: A, type: scripted, lines: [hi], pace: 10ms}", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte("agents:\n  - "+c.agent+"\n  - {name: B, type: scripted, lines: [yo]}\ntermination: {max_messages: 4}\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(s.Warnings(), "\n")
			if c.want == "" && strings.Contains(got, "does nothing") || c.want == "" && strings.Contains(got, "do nothing") {
				t.Errorf("warned %q", got)
			}
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("warnings %q; want %q", got, c.want)
			}
		})
	}
}

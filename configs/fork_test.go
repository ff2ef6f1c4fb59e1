package configs

import (
	"strings"
	"testing"
)

func TestReplaceAgentHandsTheSeatOver(t *testing.T) {
	src := `title: Kimi K2 ↔ grok-4
agents:
  - {name: Kimi K2, provider: moonshot, model: kimi-k2-0905-preview, system: Talk.}
  - {name: grok-4, base_url: http://10.0.0.1/v1, api_key_env: MY_KEY, model: grok-4, system: Talk too., temperature: 0.7}
first: grok-4
`
	out, err := ReplaceAgent([]byte(src), "grok-4", "openrouter:openai/gpt-5")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("x.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	a := s.Agents[1]
	if a.Name != "gpt-5" || a.Provider != "openrouter" || a.Model != "openai/gpt-5" || a.BaseURL != "" || a.APIKeyEnv != "" ||
		a.System != "Talk too." || a.Temperature == nil || *a.Temperature != 0.7 || strings.Join(a.Formerly, ",") != "grok-4" {
		t.Errorf("the new seat = %+v; want gpt-5 on OpenRouter, the old endpoint and key dropped, the prompt and temperature kept, formerly grok-4", a)
	}
	if s.Title != "Kimi K2 ↔ gpt-5" || s.First != "gpt-5" {
		t.Errorf("title %q, first %q; want them to follow the new name", s.Title, s.First)
	}
	// A model named like the other seat gets a name of its own.
	out, err = ReplaceAgent([]byte(src), "grok-4", "{provider: moonshot, model: Kimi K2}")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Parse("x.yaml", out); err != nil || s.Agents[1].Name != "Kimi K2 (2)" {
		t.Errorf("name clash: %v, %+v", err, s)
	}
}

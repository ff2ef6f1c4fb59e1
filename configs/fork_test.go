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

// An --agent value refused for a mistake is shown without the secrets it
// holds.
func TestAnAgentSpecRefusedHidesItsSecrets(t *testing.T) {
	const secret = "SECRET4242"
	src := "agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, provider: ollama, model: m}\n  - {name: C, type: scripted, lines: [c]}\n" // C has no model
	for _, c := range []struct{ name, seat, spec, want string }{
		{"an unknown field beside a header", "B", "{model: m, headers: {X-Token: " + secret + "}, temprature: 1}", `unknown field "temprature"`},
		{"a password in a URL and no model", "C", "{base_url: http://u:" + secret + "@10.0.0.1/v1}", "names no model"},
		{"a secret query parameter and a wrong type", "B", "{base_url: 'http://h/v1?key=" + secret + "', model: m, temperature: hot}", "cannot unmarshal"},
		{"a key pasted for the variable", "B", "{model: m, api_key_env: sk-live-" + secret + "abc, tempo: 1}", `unknown field "tempo"`},
		{"no YAML", "B", "{model: m, headers: {X: " + secret, "is not a mapping of agent fields"},
		{"a key in place of a model", "B", "sk-live-" + secret + "abc", "neither PROVIDER:MODEL"},
		{"a scripted seat", "B", "{type: scripted, lines: [" + secret + "]}", "makes it a scripted agent; --agent hands a seat to a model, and a scenario given with --scenario can seat a scripted one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReplaceAgent([]byte(src), c.seat, c.spec)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), secret) {
				t.Errorf("error %q; want it to say %q and never %q", err, c.want, secret)
			}
		})
	}
}

// ReplaceAgent names the seats there are when asked for one there is not.
func TestReplaceAgentNamesTheSeats(t *testing.T) {
	src := "agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, provider: ollama, model: m}\n"
	_, err := ReplaceAgent([]byte(src), "Z", "ollama:x")
	if want := `no seat is named "Z"; the seats are "A" and "B"`; err == nil || err.Error() != want {
		t.Errorf("error %v; want %q", err, want)
	}
}

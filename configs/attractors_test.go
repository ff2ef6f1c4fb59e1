package configs

import (
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func TestConvertAttractorsKeepsEveryField(t *testing.T) {
	data, err := os.ReadFile("testdata/attractors-config.json")
	if err != nil {
		t.Fatal(err)
	}
	if !LooksLikeAttractorsConfig(data) {
		t.Fatal("the tournament config was not recognised")
	}
	src, err := ConvertAttractors("attractors-config.json", data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("roster.yaml", src)
	if err != nil {
		t.Fatalf("the converted scenario does not load: %v\n%s", err, src)
	}
	r := s.Roster
	if len(r.Agents) != 8 || len(r.PairList()) != 56 || r.Runs != 2 || r.Parallel != 512 || r.First != FirstResponder {
		t.Fatalf("roster: %d agents, %d pairs, %d runs, parallel %d, first %s; want 8, 56, 2, 512, responder",
			len(r.Agents), len(r.PairList()), r.Runs, r.Parallel, r.First)
	}
	a := r.Merged(0)
	if a.Name != "Kimi K2" || a.Model != "moonshotai/kimi-k2-0905:exacto" || a.Provider != "openrouter" ||
		a.Temperature == nil || *a.Temperature != 1 || !strings.HasPrefix(a.System, "This is a conversation in which") {
		t.Errorf("first agent = %+v; want Kimi K2 on OpenRouter with the shared system prompt and temperature 1", a)
	}
	if s.Opening == nil || *s.Opening != " " || s.Output.Dir != "conversations" {
		t.Errorf("opening %q, output %q; want the blank opening and the script's output folder", *s.Opening, s.Output.Dir)
	}
	// The pair's scenario: the second model answers the opening first.
	pair, err := s.ForPair(r.PairList()[2])
	if err != nil {
		t.Fatal(err)
	}
	if pair.Title != "Kimi K2 ↔ grok-4" || pair.First != "grok-4" {
		t.Errorf("pair titled %q, %q first; want Kimi K2 ↔ grok-4 with grok-4 answering the opening", pair.Title, pair.First)
	}
	p, err := pair.Policy()
	if err != nil {
		t.Fatal(err)
	}
	msg := func(texts ...string) []transcripts.Message {
		var out []transcripts.Message
		for i, x := range texts {
			out = append(out, transcripts.Message{Speaker: []string{"grok-4", "Kimi K2"}[i%2], Content: x})
		}
		return out
	}
	for _, c := range []struct {
		msgs []string
		stop bool
	}{
		// The script's recordings go on after the codeword, wherever it is,
		// so the converted roster does too; its comment says how to stop.
		{[]string{"Hello.", "Say [END] when you are done."}, false},
		{[]string{"Hello.", "Goodbye. [END]"}, false},
		{[]string{"Hello.", "Goodbye.\n\n[END]\n", "[END]", "Back again: a new story."}, false},
	} {
		if v := p.Check(msg(c.msgs...)); v.Stop != c.stop {
			t.Errorf("%q: stop = %v (%s); want %v", c.msgs, v.Stop, v.Reason, c.stop)
		}
	}
	for _, want := range []string{
		"# end_codeword [END]: the script's recordings go on after a message that ends with it, so no rule here stops on it.",
		`opening: ' ' # initial_message: blank, so parley sends and records the cue "Hello." in its place`,
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("the roster lacks %q:\n%s", want, src)
		}
	}
	// The opening, message 1, then max_turns replies: 97 messages, as
	// the script's recordings hold.
	long := make([]string, 97)
	for i := range long {
		long[i] = "word " + strings.Repeat("x", i)
	}
	long[0] = " "
	if v := p.Check(msg(long...)); !v.Stop || v.Policy != "max_messages" {
		t.Errorf("the opening and 96 replies: %+v; want max_turns to stop the run", v)
	}
	if v := p.Check(msg(long[:96]...)); v.Stop {
		t.Errorf("the opening and 95 replies stopped the run: %s", v.Reason)
	}
}

func TestConvertAttractorsRefusesAnUnknownField(t *testing.T) {
	_, err := ConvertAttractors("c.json", []byte(`{"models": [{"name": "a", "model_id": "x/a"}, {"name": "b", "model_id": "x/b"}], "judge_model": "x/c"}`))
	if err == nil || !strings.Contains(err.Error(), `c.json: the field "judge_model" has no parley counterpart`) {
		t.Errorf("err = %v; want a sentence naming the file and the field", err)
	}
	_, err = ConvertAttractors("c.json", []byte(`{"models": [{"name": "a", "model_id": "x/a"}, {"name": "b", "model_id": "x/b", "max_tokens": 512}]}`))
	if err == nil || !strings.Contains(err.Error(), `c.json: models[1] ("b"): the field "max_tokens" has no parley counterpart`) {
		t.Errorf("err = %v; want a sentence naming the model that holds the field", err)
	}
	_, err = ConvertAttractors("c.json", []byte(`{"models": [{"name": "a", "model_id": "x/a"}]}`))
	if err == nil || !strings.Contains(err.Error(), "at least two models") {
		t.Errorf("err = %v; want a sentence about the models", err)
	}
}

func TestRosterErrorsNameWhatToFix(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"roster:\n  agents:\n    - {name: A, model: a, base_url: http://x/v1}\n", "roster: agents: needs at least 2 agents"},
		{"roster:\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n", `roster.agent "A": set provider:`},
		{"roster:\n  defaults: {provider: openai}\n  agents:\n    - {name: A, model: a}\n    - {name: A, model: b}\n", `two agents are named "A"`},
		{"roster:\n  defaults: {provider: openai}\n  pairs: both\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n", `pairs: is "both"`},
		{"roster:\n  defaults: {provider: openai}\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\nagents:\n  - {name: C, model: c, provider: openai}\n", "not both"},
		{"roster:\n  defaults: {provider: openai}\n  agent:\n    - {name: A, model: a}\n", `unknown field "agent" in roster:; did you mean "agents"?`},
		// runs: 0 stages nothing: it is refused at its own line, not taken as 1.
		{"roster:\n  defaults: {provider: openai}\n  runs: 0\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n", `r.yaml:3: roster: runs: is 0, which stages nothing`},
		{"roster:\n  defaults: {provider: openai}\n  runs: -2\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n", `r.yaml:3: roster: runs: is -2`},
		// A mistake in the defaults is at the defaults' line.
		{"roster:\n  defaults:\n    provider: openai\n    temperature: 5\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n", `r.yaml:4: roster.agent "A": temperature: 5 is outside 0 to 2`},
	} {
		_, err := Parse("r.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want %q", c.src, err, c.want)
		}
	}
}

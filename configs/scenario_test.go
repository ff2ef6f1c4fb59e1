package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func TestExamplesValidate(t *testing.T) {
	names, err := fs.Glob(Examples, "*.yaml")
	if err != nil || len(names) < 5 {
		t.Fatalf("examples = %v, %v", names, err)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			if _, err := LoadExample(n); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDemoDefaults(t *testing.T) {
	s, err := LoadExample(DemoName)
	if err != nil {
		t.Fatal(err)
	}
	// grok-4 answers the recording's opening, which is Kimi K2's message 1.
	if s.Title != "Kimi K2 ↔ grok-4" || s.First != "grok-4" || s.FirstIndex() != 1 {
		t.Errorf("demo = %q first %q", s.Title, s.First)
	}
	if s.Agents[0].Type != TypeReplay || s.Agents[1].Speaker != "grok-4" {
		t.Errorf("agents = %+v", s.Agents)
	}
}

const good = `title: T
agents:
  - name: A
    provider: openai
    model: gpt-4o
  - name: B
    base_url: http://127.0.0.1:9/v1
    model: m
`

func TestBadInputNamesWhatToFix(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // every part must appear in the sentence
	}{
		{"syntax error gives line and column", "agents:\n  - name: A\n   model: x\n", []string{"bad.yaml:3", "column", "YAML syntax error"}},
		{"tab indentation", "agents:\n\t- name: A\n", []string{"bad.yaml:2", "column 1", "tab character"}},
		{"a tab on the first line", "\tagents:\n", []string{"bad.yaml:1: YAML syntax error, column 1: a tab character; YAML indents with spaces"}},
		{"a syntax error on the first line", "title: a: b\n", []string{"bad.yaml:1: YAML syntax error, column 8:"}},
		{"typo in an agent field", strings.Replace(good, "model: gpt-4o", "model: gpt-4o\n    temprature: 0.7", 1),
			[]string{"bad.yaml:6", `unknown field "temprature"`, `did you mean "temperature"`}},
		{"unknown top-level field", good + "turns: 3\n", []string{"bad.yaml:9", `unknown field "turns"`}},
		{"missing model", strings.Replace(good, "    model: gpt-4o\n", "", 1), []string{`agent "A"`, "model: is required"}},
		{"missing name", strings.Replace(good, "- name: A\n    provider", "- provider", 1), []string{"bad.yaml:3", "agents[0]", "name: is required"}},
		{"unknown provider lists known ones", strings.Replace(good, "provider: openai", "provider: acme-cloud", 1),
			[]string{"bad.yaml:4:", `provider: "acme-cloud" is not a known provider`, "openai", "xai", "ollama"}},
		{"misspelt provider", strings.Replace(good, "provider: openai", "provider: opnai", 1),
			[]string{"bad.yaml:4:", `agent "A": provider: "opnai" is not a known provider; did you mean "openai"?`}},
		{"a key pasted as the provider", strings.Replace(good, "provider: openai", "provider: sk-or-v1-0123456789abcdef0123456789abcdef", 1),
			[]string{"bad.yaml:4:", `agent "A": provider: looks like an API key rather than a provider's name`, "api_key_env"}},
		{"a second scenario after ---", good + "---\n" + good, []string{"bad.yaml:10: a second YAML document starts here, after a --- line; a scenario file holds one scenario"}},
		{"misspelt type", strings.Replace(good, "provider: openai", "type: scripte\n    provider: openai", 1),
			[]string{"bad.yaml:4:", `did you mean "scripted"?`}},
		{"literal api key refused", strings.Replace(good, "model: m", "model: m\n    api_key: sk-secret", 1),
			[]string{"api_key_env"}},
		{"one agent", "agents:\n  - name: A\n    provider: openai\n    model: m\n", []string{"exactly two agents", "found 1"}},
		{"same names", strings.Replace(good, "name: B", "name: A", 1), []string{`both agents are named "A"`}},
		{"first names nobody", good + "first: C\n", []string{`first: is "C"`}},
		{"a name ending with the Markdown's mark of an interrupted message", strings.Replace(good, "name: B", `name: "B (interrupted)"`, 1),
			[]string{`bad.yaml:6: agent "B (interrupted)": name: "B (interrupted)" ends with " (interrupted)"`, `taken for "B"'s, each marked (interrupted)`}},
		{"a name ending with the mark of the opening", strings.Replace(good, "name: A", "name: A (opening)", 1),
			[]string{`bad.yaml:3: agent "A (opening)": name: "A (opening)" ends with " (opening)", the mark the Markdown transcript puts after a speaker's name on the opening`}},
		{"a name ending with the mark of an injected message", strings.Replace(good, "name: B", "name: B (injected)", 1), []string{`on an injected message`}},
		{"wrong type for a number", strings.Replace(good, "model: m", "model: m\n    temperature: hot", 1),
			[]string{"bad.yaml:9", `agent "B": temperature: "hot" is text, not a number`}},
		{"a bad duration names the field", strings.Replace(good, "model: m", "model: m\n    timeout: soon", 1),
			[]string{"bad.yaml:9", `agent "B": timeout: "soon" is not a duration`}},
		{"a misspelt first", good + "first: Bb\n", []string{"bad.yaml:9:", `did you mean "B"?`}},
		{"temperature out of range", strings.Replace(good, "model: m", "model: m\n    temperature: 3", 1), []string{"temperature: 3 is outside 0 to 2"}},
		{"lines on a replay", "agents:\n  - {name: A, type: replay, transcript: x.md, lines: [hi]}\n  - {name: B, type: scripted, lines: [yo]}\n",
			[]string{"bad.yaml:2:", `agent "A": lines: belongs to scripted agents`}},
		{"a transcript on a scripted agent", "agents:\n  - {name: A, type: scripted, lines: [hi], transcript: x.md}\n  - {name: B, type: scripted, lines: [yo]}\n",
			[]string{"bad.yaml:2:", `agent "A": transcript: and speaker: belong to replay agents`}},
		{"lines for a person", "agents:\n  - {name: A, type: human, lines: [hi]}\n  - {name: B, type: scripted, lines: [yo]}\n",
			[]string{"bad.yaml:2:", `agent "A": transcript:, speaker: and lines: belong to replay and scripted agents; a person at the keyboard types`}},
		{"a reasoning model's temperature", strings.Replace(good, "model: m", "model: gpt-5-mini\n    temperature: 0.7", 1),
			[]string{"bad.yaml:9:", `agent "B": temperature: 0.7 cannot be sent to gpt-5-mini, one of OpenAI's reasoning models, which take only their own temperature and top_p; leave temperature out`}},
		{"a model that takes no temperature at all", strings.Replace(good, "model: m", "model: gpt-6-sol\n    temperature: 1", 1),
			[]string{"bad.yaml:9:", `agent "B": temperature: 1 cannot be sent to gpt-6-sol`, "give this agent a roster entry of its own without it"}},
		{"a reasoning model's top_p", strings.Replace(good, "model: m", "model: o3-mini\n    top_p: 0.5", 1),
			[]string{"bad.yaml:9:", `agent "B": top_p: 0.5 cannot be sent to o3-mini`}},
		{"temperature not a number", strings.Replace(good, "model: m", "model: m\n    temperature: .nan\n    top_p: .nan", 1), []string{"temperature: NaN is outside 0 to 2", "top_p: NaN is outside 0 (exclusive) to 1"}},
		{"a timeout written as 0", strings.Replace(good, "model: m", "model: m\n    timeout: 0s", 1),
			[]string{"bad.yaml:9:", `agent "B": timeout: 0 is not a setting parley offers (there is no unlimited timeout); leave it out for the default`}},
		{"an idle timeout written as 0", strings.Replace(good, "model: m", "model: m\n    idle_timeout: 0", 1),
			[]string{"bad.yaml:9:", `agent "B": idle_timeout: 0 is not a setting parley offers`}},
		{"a judge checked as an agent is", good + "termination:\n  judge: {provider: opnai, model: m, base_url: notaurl, temperature: 9}\n",
			[]string{`termination: the judge (m): provider: "opnai" is not a known provider; did you mean "openai"?`, `the judge (m): base_url: "notaurl" is not an http:// or https:// URL`, "the judge (m): temperature: 9 is outside 0 to 2"}},
		{"a judge's misspelt field", good + "termination:\n  judge: {model: m, provider: openai, temprature: 1}\n", []string{`unknown field "temprature"; did you mean "temperature"?`}},
		{"a long value names its field, in full", strings.Replace(good, "model: m", "model: m\n    temperature: very hot indeed", 1),
			[]string{`bad.yaml:9: agent "B": temperature: "very hot indeed" is text, not a number`}},
		{"a value far too long is cut", strings.Replace(good, "model: m", "model: m\n    max_tokens: "+strings.Repeat("many ", 20), 1),
			[]string{`bad.yaml:9: agent "B": max_tokens: "many many many many many many many many "… is text`}},
		{"a mapping where the agents' list belongs", "agents:\n  A:\n    model: x\n  B:\n    model: y\n", []string{"bad.yaml:2: agents: it is a mapping, not a list"}},
		{"a mapping where an agent's list belongs", strings.Replace(good, "model: m", "model: m\n    lines:\n      first: a", 1),
			[]string{`bad.yaml:10: agent "B": lines: it is a mapping, not a list`}},
		{"a number where a mapping belongs", good + "history: 5\n", []string{"bad.yaml:9: history: it is a whole number, not a mapping"}},
		{"text where a mapping belongs", good + "output: transcripts/mine\n", []string{`bad.yaml:9: output: it is text, not a mapping`}},
		{"a list inside a list", strings.Replace(good, "model: m", "model: m\n    stop:\n      - [a, b]", 1), []string{`bad.yaml:10: agent "B": stop[0]: it is a list, not text`}},
		{"a header value is never repeated", strings.Replace(good, "model: m", "model: m\n    headers: Bearer sk-secret0123456789", 1), []string{`bad.yaml:9: agent "B": headers: it is text, not a mapping`}},
		{"a list where a mapping belongs", strings.Replace(good, "model: m", "model: m\n    headers: [a]", 1), []string{`bad.yaml:9: agent "B": headers: it is a list, not a mapping`}},
		{"a fraction where a count belongs", strings.Replace(good, "model: m", "model: m\n    max_tokens: 1.5", 1), []string{`bad.yaml:9: agent "B": max_tokens: 1.5 is not a whole number`}},
		{"a fraction in a roster's count", "roster:\n  runs: 1.5\n  agents:\n    - {name: A, provider: openai, model: m}\n    - {name: B, provider: openai, model: m}\n",
			[]string{"bad.yaml:2: roster.runs: 1.5 is not a whole number"}},
		{"a fraction in a rule's count", good + "termination:\n  max_messages: 2.5\n", []string{"bad.yaml:10: termination: max_messages: 2.5 is not a whole number"}},
		{"base_url beside base_urls", strings.Replace(good, "base_url: http://127.0.0.1:9/v1", "base_url: http://127.0.0.1:9/v1\n    base_urls: [http://127.0.0.1:8/v1, http://127.0.0.1:7/v1]", 1),
			[]string{"base_url: is not the first of base_urls:; beside the replicas it must be the first of them"}},
		{"bad base url", strings.Replace(good, "http://127.0.0.1:9/v1", "127.0.0.1:9", 1), []string{"base_url:", "http://"}},
		{"unknown policy", good + "termination:\n  any:\n    - max_mesages: 3\n", []string{"bad.yaml:11: termination:", `unknown termination policy "max_mesages"; did you mean "max_messages"?`}},
		{"every mistake in the termination block", good + "termination:\n  any:\n    - max_mesages: 3\n    - end_tokn: x\n    - loop: {threshhold: 0.5}\n    - max_messages: -3\n",
			[]string{"bad.yaml:11: termination: unknown termination policy \"max_mesages\"", "bad.yaml:12: termination: unknown termination policy \"end_tokn\"; did you mean \"end_token\"?",
				"bad.yaml:13: termination: loop: unknown field \"threshhold\"; did you mean \"threshold\"? (loop takes", "bad.yaml:14: termination: max_messages is -3; it takes a whole number of at least 1"}},
		{"a fraction beside other mistakes in the termination block", good + "termination:\n  any:\n    - max_messages: 0\n    - loop: {count: 2.5}\n    - loop: {threshold: 2}\n",
			[]string{"bad.yaml:11: termination: max_messages is 0", "bad.yaml:12: termination: loop.count: 2.5 is not a whole number", "bad.yaml:13: termination: loop.threshold is 2"}},
		{"unknown policy field", good + "termination:\n  end_token: {tokn: x}\n", []string{"bad.yaml:10: termination:", `unknown field "tokn"`}},
		{"empty file", "", []string{"the scenario is empty"}},
		{"a blank empty_reply", good + "empty_reply: \" \"\n", []string{"bad.yaml:9: empty_reply: is blank", "leave empty_reply: out"}},
		{"a list, not a scenario", "- a\n- b\n", []string{"bad.yaml:1: a scenario is a set of fields (agents:, opening:, termination:, …), one a line; this file holds a list"}},
		{"a word, not a scenario", "\nhello\n", []string{"bad.yaml:2:", "this file holds a single value"}},
		{"replay needs a transcript", "agents:\n  - name: A\n    type: replay\n  - name: B\n    type: scripted\n    lines: [hi]\n", []string{`agent "A"`, "transcript: is required"}},
		{"unknown type", strings.Replace(good, "provider: openai", "type: robot\n    provider: openai", 1), []string{`type: "robot"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q\n  does not contain %q", err, w)
				}
			}
			for _, key := range []string{"sk-secret", "0123456789abcdef0123456789abcdef"} {
				if strings.Contains(err.Error(), key) {
					t.Errorf("the error repeats the key: %v", err)
				}
			}
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	src := `agents:
  - name: A
    provider: opnai
    model: m
    temperature: hot
  - name: B
    type: scripted
    timeout: soon
    lines: [hi]
    speling: 1
termination:
  max_mesages: 3
`
	_, err := Parse("bad.yaml", []byte(src))
	probs := AsProblems(err)
	var got []string
	for _, p := range probs {
		got = append(got, p.Error())
	}
	want := []string{
		"bad.yaml:3: agent \"A\": provider: \"opnai\" is not a known provider; did you mean \"openai\"?",
		"bad.yaml:5: agent \"A\": temperature: \"hot\" is text, not a number",
		"bad.yaml:8: agent \"B\": timeout: \"soon\" is not a duration",
		"bad.yaml:10: unknown field \"speling\" in an agent",
		"bad.yaml:12: termination: unknown termination policy \"max_mesages\"",
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got[i], want[i])
		}
	}
	var one *Error
	if !errors.As(err, &one) || one.Line != 3 {
		t.Errorf("errors.As finds %+v, want the first problem", one)
	}
}

// TestAnUnreadValueIsSaidOnce holds that a value the decoder cannot read
// is one problem, not also the one the zero left in its place would be
// (max_tokens: "lots" is not also "below 1", timeout: 30 not also "0 is
// not a setting").
func TestAnUnreadValueIsSaidOnce(t *testing.T) {
	agentsOf := func(extra string) string {
		return "agents:\n  - name: A\n    provider: openai\n    model: m\n" + extra + "  - name: B\n    provider: openai\n    model: m\n"
	}
	cases := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"a count as text", agentsOf("    max_tokens: lots\n"), []string{`bad.yaml:5: agent "A": max_tokens: "lots" is text, not a whole number`}},
		{"retries as text", agentsOf("    retries: often\n"), []string{`bad.yaml:5: agent "A": retries: "often" is text, not a whole number`}},
		{"top_p as text", agentsOf("    top_p: high\n"), []string{`bad.yaml:5: agent "A": top_p: "high" is text, not a number`}},
		{"a duration without its unit", agentsOf("    timeout: 30\n"), []string{`bad.yaml:5: agent "A": timeout: "30" is not a duration such as 250ms, 2s or 1m30s`}},
		{"a name as a list", strings.Replace(agentsOf(""), "name: A", "name: [A]", 1), []string{`bad.yaml:2: agents[0].name: it is a list, not text`}},
		{"agents as a mapping", "agents:\n  A: {model: m}\n  B: {model: m}\n", []string{"bad.yaml:2: agents: it is a mapping, not a list"}},
		{"empty_reply as a list", agentsOf("") + "empty_reply: [x]\n", []string{"bad.yaml:8: empty_reply: it is a list, not text"}},
		{"a roster's runs as text", "roster:\n  runs: many\n  defaults: {provider: openai}\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n",
			[]string{`bad.yaml:2: roster.runs: "many" is text, not a whole number`}},
		{"a roster default as text", "roster:\n  defaults: {provider: openai, max_tokens: lots}\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n",
			[]string{`bad.yaml:2: roster.defaults.max_tokens: "lots" is text, not a whole number`}},
		{"a scripted agent's lines as text", "agents:\n  - {name: S, type: scripted, lines: \"hello\"}\n  - {name: T, type: scripted, lines: [hi]}\n",
			[]string{`bad.yaml:2: agent "S": lines: it is text, not a list`}},
		{"a replay agent's transcript as a list", "agents:\n  - name: S\n    type: replay\n    transcript: [a.md]\n  - {name: T, type: scripted, lines: [hi]}\n",
			[]string{`bad.yaml:4: agent "S": transcript: it is a list, not text`}},
		{"a real problem beside it is still said", agentsOf("    max_tokens: lots\n    retries: 0\n"), []string{
			`bad.yaml:5: agent "A": max_tokens: "lots" is text, not a whole number`,
			`bad.yaml:6: agent "A": retries: is the most attempts per reply and must be at least 1`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problemsOf(c.yaml); !slices.Equal(got, c.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestAKeyGivenTwice holds that a key written twice in one mapping is
// said with both lines, and that the rest of the file still reads: the
// decoder would drop the agent around it, and then count one agent.
func TestAKeyGivenTwice(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"in an agent", "agents:\n  - name: A\n    provider: openai\n    model: m\n    model: n\n  - name: B\n    provider: openai\n    model: m\n",
			[]string{`bad.yaml:5: agent "A": model: is given twice, on lines 4 and 5; keep one`}},
		{"an agent's other problems are still said", "agents:\n  - name: A\n    provider: opnai\n    model: m\n    model: n\n  - name: A\n    provider: openai\n    model: m\n",
			[]string{`bad.yaml:3: agent "A": provider: "opnai" is not a known provider; did you mean "openai"? (parley providers lists them all)`,
				`bad.yaml:5: agent "A": model: is given twice, on lines 4 and 5; keep one`,
				`bad.yaml:6: both agents are named "A"; give each its own name`}},
		{"at the top, three times", "agents: []\ntitle: a\ntitle: b\ntitle: c\n",
			[]string{"bad.yaml:1: a scenario needs exactly two agents under agents:, found 0", "bad.yaml:3: title: is given 3 times, on lines 2, 3 and 4; keep one"}},
		{"in a rule's settings, on one line", "agents:\n  - {name: A, provider: openai, model: m}\n  - {name: B, provider: openai, model: m}\ntermination:\n  any:\n    - loop: {count: 3, count: 5}\n    - max_messages: 10\n",
			[]string{"bad.yaml:6: termination.any[0].loop.count: is given twice, on line 6; keep one"}},
		{"a rule given twice", "agents:\n  - {name: A, provider: openai, model: m}\n  - {name: B, provider: openai, model: m}\ntermination:\n  max_messages: 10\n  max_messages: 20\n",
			[]string{"bad.yaml:6: termination.max_messages: is given twice, on lines 5 and 6; keep one"}},
		{"merge keys are not duplicates", "base: &b {provider: openai}\nagents:\n  - {<<: *b, name: A, model: m}\n  - {<<: *b, name: B, model: m}\n",
			[]string{`bad.yaml:1: unknown field "base" in the scenario; known fields: title, agents, first, opening, empty_reply, history, termination, output, limits, roster`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problemsOf(c.yaml); !slices.Equal(got, c.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// problemsOf is every problem Parse finds in yaml, as sentences, in order.
// A scripted agent's line written as null (~, or a dash with nothing
// after it) is refused at its line, naming the agent, where the decoder
// dropped it and the agent said one line fewer; a list of nulls alone is
// said so, not as a list that holds no line. "~" in quotes is a line.
func TestANullLineIsRefused(t *testing.T) {
	const b = "  - {name: B, type: scripted, lines: [x, y]}\n"
	const said = ` is null (~, or nothing after its dash), which YAML reads as no line at all; write the line it should say (in quotes, "~", to say a tilde) or leave the item out`
	cases := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"one in a list on one line", "agents:\n  - name: A\n    type: scripted\n    lines: [a, ~, b]\n" + b,
			[]string{`bad.yaml:4: agent "A": lines[1]` + said}},
		{"a dash with nothing after it", "agents:\n  - name: A\n    type: scripted\n    lines:\n      - a\n      -\n      - null\n" + b,
			[]string{`bad.yaml:6: agent "A": lines[1]` + said, `bad.yaml:7: agent "A": lines[2]` + said}},
		{"the only line", "agents:\n  - name: A\n    type: scripted\n    lines: [~]\n" + b,
			[]string{`bad.yaml:4: agent "A": lines[0]` + said}},
		{"a roster's agent", "roster:\n  agents:\n    - {name: A, type: scripted, lines: [a, ~]}\n    - {name: B, type: scripted, lines: [x]}\n",
			[]string{`bad.yaml:3: roster.agent "A": lines[1]` + said}},
		{"a tilde in quotes is a line", "agents:\n  - name: A\n    type: scripted\n    lines: [a, \"~\", b]\n" + b, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			if _, err := Parse("bad.yaml", []byte(c.yaml)); err != nil {
				got = problemsOf(c.yaml)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func problemsOf(yaml string) []string {
	_, err := Parse("bad.yaml", []byte(yaml))
	var got []string
	for _, p := range AsProblems(err) {
		got = append(got, p.Error())
	}
	return got
}

// An agent's name with a line break is said of the name: the title made
// from the names when the file gives none is no field of the file to fix.
// A title the file gives with a line break is said of the title.
func TestANameWithALineBreakIsNotSaidOfTheTitle(t *testing.T) {
	got := problemsOf("agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: \"B\\nC\", type: scripted, lines: [b]}\n")
	if len(got) != 1 || !strings.Contains(got[0], "bad.yaml:3: agent \"B\\nC\": name: must be one line") {
		t.Errorf("problems %q; want the name's alone", got)
	}
	got = problemsOf("title: \"a\\nb\"\nagents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n")
	if len(got) != 1 || got[0] != "bad.yaml:1: title: must be one line" {
		t.Errorf("problems %q; want the title's", got)
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadKeepsSource(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte(good), 0o600)
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != good || s.Path != p || s.Title != "T" {
		t.Errorf("scenario = %+v", s)
	}
}

func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(Examples, "*.yaml")
	for _, n := range names {
		data, _ := Examples.ReadFile(n)
		f.Add(data)
	}
	f.Add([]byte(good))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err == nil && !s.IsRoster() && len(s.Agents) != 2 {
			t.Fatalf("accepted a scenario with %d agents", len(s.Agents))
		}
		if err == nil && s.IsRoster() && (len(s.Agents) != 0 || len(s.Roster.PairList()) == 0) {
			t.Fatalf("accepted a roster with %d agents beside it and %d pairs", len(s.Agents), len(s.Roster.PairList()))
		}
	})
}

// The agent types a run's header records are the ones transcripts reads
// to tell the sides that ask no model (and cost nothing) from those that do.
func TestAgentTypesThatAskNoModel(t *testing.T) {
	for typ, asks := range map[string]bool{TypeOpenAI: true, TypeReplay: false, TypeScripted: false, TypeHuman: false} {
		if got := (transcripts.AgentInfo{Type: typ}).SendsNoRequest(); got == asks {
			t.Errorf("an agent of type %q: SendsNoRequest() = %v", typ, got)
		}
	}
}

// A few lines of aliases of aliases expand to hundreds of millions of
// values, which held validate up for hours: the file is refused at once,
// naming the line of its first alias. A scenario that aliases a little
// still reads.
func TestAliasesThatExpandTooFarAreRefused(t *testing.T) {
	bomb := "    - stop_pattern: {pattern: &l0 [a, b, c, d, e, f, g, h, i]}\n"
	for k := 1; k <= 9; k++ {
		bomb += fmt.Sprintf("    - stop_pattern: {pattern: &l%d [%s]}\n", k, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", k-1), 9), ", "))
	}
	scenario := "agents:\n  - {name: A, type: scripted, lines: [hi]}\n  - {name: B, type: scripted, lines: [yo]}\ntermination:\n  any:\n" + bomb + "    - max_messages: 4\n"
	if _, err := Parse("bomb.yaml", []byte(scenario)); err == nil || !strings.Contains(err.Error(), "bomb.yaml:7: its aliases (*name) expand to more than a million values") {
		t.Errorf("scenario: err = %v", err)
	}
	if _, err := ParsePolicy("bomb.yaml", []byte("any:\n"+strings.ReplaceAll(bomb, "    - ", "  - "))); err == nil || !strings.Contains(err.Error(), "expand to more than a million values") {
		t.Errorf("policy file: err = %v", err)
	}
	few := "agents:\n  - &a {name: A, type: scripted, lines: [hi]}\n  - {<<: *a, name: B}\ntermination: {max_messages: 4}\n"
	if _, err := Parse("few.yaml", []byte(few)); err != nil {
		t.Errorf("a scenario with two aliases: %v", err)
	}
}

// A roster's problems are all reported, as a two-agent file's are, each
// at its own field's line: every field of the roster, and every agent's.
func TestEveryRosterProblemIsReportedAtItsLine(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"the roster's fields", `roster:
  agents:
    - {name: A, model: m, base_url: http://127.0.0.1:1/v1}
    - {name: B, model: m, base_url: http://127.0.0.1:1/v1}
  first: bogus
  pairs: weird
  runs: 0
  self_play: "maybe"
`, []string{
			`bad.yaml:5: roster: first: is "bogus"`,
			`bad.yaml:6: roster: pairs: is "weird"`,
			`bad.yaml:7: roster: runs: is 0, which stages nothing`,
			`bad.yaml:8: roster.self_play: "maybe" is text, not true or false`,
		}},
		{"first: alone", "roster:\n  agents:\n    - {name: A, model: m, base_url: http://x/v1}\n    - {name: B, model: m, base_url: http://x/v1}\n  first: bogus\n",
			[]string{`bad.yaml:5: roster: first: is "bogus"`}},
		{"pairs: alone", "roster:\n  agents:\n    - {name: A, model: m, base_url: http://x/v1}\n    - {name: B, model: m, base_url: http://x/v1}\n  pairs: weird\n",
			[]string{`bad.yaml:5: roster: pairs: is "weird"`}},
		{"parallel: alone", "roster:\n  agents:\n    - {name: A, model: m, base_url: http://x/v1}\n    - {name: B, model: m, base_url: http://x/v1}\n  parallel: -2\n",
			[]string{`bad.yaml:5: roster: parallel: must not be negative`}},
		{"too few agents, and a bad field", "roster:\n  pairs: weird\n  agents:\n    - {name: A, model: m, base_url: http://x/v1}\n",
			[]string{`bad.yaml:2: roster: pairs: is "weird"`, `bad.yaml:3: roster: agents: needs at least 2 agents to pair, found 1`}},
		{"every agent's problems", `roster:
  defaults: {base_url: http://127.0.0.1:1/v1}
  agents:
    - {name: A}
    - {name: B, temperature: 5}
    - {name: C}
    - {name: A, model: m}
  parallel: -2
`, []string{
			`bad.yaml:4: roster.agent "A": model: is required`,
			`bad.yaml:5: roster.agent "B": model: is required`,
			`bad.yaml:5: roster.agent "B": temperature: 5 is outside 0 to 2`,
			`bad.yaml:6: roster.agent "C": model: is required`,
			`bad.yaml:7: roster: two agents are named "A"`,
			`bad.yaml:8: roster: parallel: must not be negative`,
		}},
		// A mistake in the defaults is said once, at its line, of the
		// first agent that takes it; one an agent makes itself, of it.
		{"a default every agent takes", "roster:\n  defaults: {base_url: http://x/v1, temperature: 5}\n  agents:\n    - {name: A, model: m}\n    - {name: B, model: m, temperature: 7}\n    - {name: C, model: m}\n",
			[]string{`bad.yaml:2: roster.agent "A": temperature: 5 is outside 0 to 2`, `bad.yaml:5: roster.agent "B": temperature: 7 is outside 0 to 2`}},
		{"a roster beside a pair's first:", "first: A\nroster:\n  pairs: weird\n  agents:\n    - {name: A, model: m, base_url: http://x/v1}\n    - {name: B, model: m, base_url: http://x/v1}\n",
			[]string{`bad.yaml:1: first: names one agent of a pair`, `bad.yaml:3: roster: pairs: is "weird"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src))
			var got []string
			for _, p := range AsProblems(err) {
				got = append(got, p.Error())
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i := range c.want {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got[i], c.want[i])
				}
			}
		})
	}
}

package configs

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// Seated says a mistake an --agent value makes of the flag as it was
// typed, its secrets hidden and without a line, and the scenario's own
// mistakes at their lines in it.
func TestSeatedSaysAFlagsMistakeOfTheFlag(t *testing.T) {
	const secret = "SECRET6161"
	t.Setenv("OPENAI_API_KEY", "")
	seats := "title: seats\n\nagents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\n\ntermination: {max_messages: 6}\n"
	// A mistake of its own, at line 5, after a blank line.
	broken := "title: seats\n\nagents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1], tempo: 3}\n\ntermination: {max_messages: 6}\n"
	roster := "roster:\n  agents:\n    - {name: A, provider: ollama, model: a}\n    - {name: B, provider: ollama, model: b}\n"

	for _, c := range []struct {
		name   string
		src    string
		values []string
		want   []string // the start of each line of the error, in order
	}{
		{"no SEAT=", seats, []string{"B"},
			[]string{`--agent B: write SEAT=PROVIDER:MODEL, such as grok-4=openrouter:openai/gpt-5`}},
		{"an empty spec", seats, []string{"B= "},
			[]string{`--agent 'B= ': write SEAT=PROVIDER:MODEL, such as grok-4=openrouter:openai/gpt-5`}},
		{"an unknown provider", seats, []string{"B=bogus:x"},
			[]string{`--agent B=bogus:x: agent "x": provider: "bogus" is not a known provider; known providers are `}},
		{"a name the other seat has", seats, []string{"B={model: end, name: A}"},
			[]string{`--agent 'B={model: end, name: A}': agent "A": set provider: (one of `,
				`--agent 'B={model: end, name: A}': both agents are named "A"; give each its own name`}},
		{"a provider whose key is not set", seats, []string{"B=openai:end"},
			[]string{`--agent B=openai:end: agent "end" needs an API key: the environment variable OPENAI_API_KEY is not set`}},
		{"two seats whose key is not set", seats, []string{"A=openai:x", "B=openai:y"},
			[]string{`--agent A=openai:x: agent "x" needs an API key: the environment variable OPENAI_API_KEY is not set`,
				`--agent B=openai:y: agent "y" needs an API key: the environment variable OPENAI_API_KEY is not set`}},
		{"a seat given twice", seats, []string{"B={model: end}", "B={model: ok}"},
			[]string{`--agent 'B={model: end}' and --agent 'B={model: ok}' both hand seat "B" to a model; give each seat one --agent`}},
		{"a seat by the name an earlier --agent gave it", seats, []string{"B=ollama:end", "end=ollama:x"},
			[]string{`--agent end=ollama:x: no seat is named "end"; the seats are "A" and "B"`}},
		{"an unknown seat, with a secret", seats, []string{"Z={model: m, headers: {X-Token: " + secret + "}}"},
			[]string{`--agent 'Z={model: m, headers: {X-Token: [redacted]}}': no seat is named "Z"; the seats are "A" and "B"`}},
		{"the scenario's own mistake beside the flag's", broken, []string{"A=bogus:x"},
			[]string{`--agent A=bogus:x: agent "x": provider: "bogus" is not a known provider`,
				`s.yaml:5: unknown field "tempo" in an agent; known fields: `}},
		{"a scenario that does not read", "agents: [\n", []string{"B=ollama:m"},
			[]string{`s.yaml:1: YAML syntax error`}},
		{"a roster, which has no agents: list", roster, []string{"B=ollama:m"},
			[]string{`--agent hands over a seat of a scenario's agents: list, and s.yaml has none`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Seated("s.yaml", []byte(c.src), c.values)
			if err == nil {
				t.Fatalf("accepted: %+v", s.Agents)
			}
			linesStartWith(t, err, c.want, secret)
		})
	}
}

// Seated hands each seat an --agent value names to its model, and with
// none reads the scenario as it is.
func TestSeatedHandsTheSeatsOver(t *testing.T) {
	src := "agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, provider: ollama, model: m}\n"
	for _, c := range []struct {
		name      string
		values    []string
		seatA     string
		seatB     string
		formerlyB string
	}{
		{"no --agent", nil, "A", "B", ""},
		{"a seat by PROVIDER:MODEL", []string{"B=ollama:end"}, "A", "end", "B"},
		{"a seat by its fields, named", []string{"B={provider: ollama, model: x, name: Z}"}, "A", "Z", "B"},
		{"both seats", []string{"A=ollama:one", "B=ollama:two"}, "one", "two", "B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Seated("s.yaml", []byte(src), c.values)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := s.Agents[0], s.Agents[1]; a.Name != c.seatA || b.Name != c.seatB || strings.Join(b.Formerly, ",") != c.formerlyB {
				t.Errorf("seats %q and %q (formerly %q); want %q and %q (formerly %q)", a.Name, b.Name, b.Formerly, c.seatA, c.seatB, c.formerlyB)
			}
		})
	}
}

// The scenario Seated gives keeps the lines of the file as written, its
// comments and blank lines counted, for its warnings, and says what it
// warns of a seat handed over of the flag.
func TestSeatedKeepsTheFilesLines(t *testing.T) {
	src := `# Seats and rules at known lines.
title: A ↔ B
first: A

agents:
  # The seat handed over.
  - name: A
    type: scripted
    lines:
      - a1

      - a2

  - name: B
    type: scripted
    lines: [b1, b2]
    temperature: 0.5

termination:
  any:
    - min_messages: 7
    - max_messages: 6
    - max_cost: 1
`
	for _, c := range []struct {
		name   string
		values []string
		want   []string
	}{
		{"no --agent", nil, []string{
			`s.yaml:17: agent "B": temperature: does nothing for a scripted agent`,
			`s.yaml:21: termination: min_messages: 7 is above max_messages: 6`,
		}},
		{"a seat above the warned ones, renamed", []string{"A=ollama:unpriced-1"}, []string{
			`--agent A=ollama:unpriced-1: agent "unpriced-1": max_cost cannot count its messages`,
			`s.yaml:17: agent "B": temperature: does nothing for a scripted agent`,
			`s.yaml:21: termination: min_messages: 7 is above max_messages: 6`,
		}},
		{"a seat by its fields, named", []string{"A={provider: ollama, model: x, name: Z, system: Be brief.}"}, []string{
			`--agent 'A={provider: ollama, model: x, name: Z, system: Be brief.}': agent "Z": max_cost cannot count its messages`,
			`s.yaml:17: agent "B": temperature: does nothing for a scripted agent`,
			`s.yaml:21: termination: min_messages: 7 is above max_messages: 6`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Seated("s.yaml", []byte(src), c.values)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Warnings()
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if len(got) != len(want) {
				t.Fatalf("warnings\n%s\nwant ones that start\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for i := range want {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("warning %q; want it to start %q", got[i], want[i])
				}
			}
			if b := s.Agents[1]; b.Line != 14 || b.FieldLine("temperature") != 17 {
				t.Errorf("seat B at line %d, its temperature at line %d; want 14 and 17", b.Line, b.FieldLine("temperature"))
			}
		})
	}
}

// A key pasted into an --agent value, where a model, provider, base URL,
// type or seat goes, or as a header's value, in a URL or into a value that
// does not read, is never repeated: not in the flag as the sentence shows
// it, nor in an agent's name taken from it. The sentence still names the
// flag, the seat and the field to fix.
func TestSeatedNeverRepeatsAKeyPastedIntoAFlag(t *testing.T) {
	const key = "sk-test-SECRET123abcdefABCDEF1234567"
	const part = "SECRET123" // any stretch of the key
	t.Setenv("OPENROUTER_API_KEY", "")
	seats := "title: seats\n\nagents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\n\ntermination: {max_messages: 6}\n"
	for _, c := range []struct {
		name, value string
		want        []string // the start of each line of the error, in order
	}{
		{"PROVIDER:KEY", "B=ollama:" + key,
			[]string{`--agent 'B=ollama:[redacted]': agent "B": model: looks like an API key rather than a model's name`}},
		{"PROVIDER:PATH/KEY", "B=openrouter:openai/" + key,
			[]string{`--agent 'B=openrouter:[redacted]': agent "B": model: looks like an API key rather than a model's name`}},
		{"KEY:MODEL", "B=" + key + ":m",
			[]string{`--agent 'B=[redacted]:m': agent "m": provider: looks like an API key rather than a provider's name`}},
		{"KEY alone", "B=" + key,
			[]string{`--agent B=REDACTED: "REDACTED" is neither PROVIDER:MODEL`}},
		{"model:", "B={model: " + key + ", provider: ollama}",
			[]string{`--agent 'B={model: [redacted], provider: ollama}': agent "B": model: looks like an API key rather than a model's name`}},
		{"model: with a path", "B={model: ollama/" + key + ", provider: ollama}",
			[]string{`--agent 'B={model: [redacted], provider: ollama}': agent "B": model: looks like an API key rather than a model's name`}},
		{"model: and name:", "B={model: " + key + ", provider: ollama, name: Z}",
			[]string{`--agent 'B={model: [redacted], provider: ollama, name: Z}': agent "Z": model: looks like an API key`}},
		{"name:, beside a mistake", "B={model: m, provider: ollama, name: " + key + ", temperature: 9}",
			[]string{
				`--agent 'B={model: m, provider: ollama, name: [redacted], temperature: 9}': agents[1]: name: looks like an API key rather than the agent's name`,
				`--agent 'B={model: m, provider: ollama, name: [redacted], temperature: 9}': agents[1]: temperature: 9 is outside 0 to 2`,
			}},
		{"provider:", "B={provider: " + key + ", model: m}",
			[]string{`--agent 'B={provider: [redacted], model: m}': agent "m": provider: looks like an API key rather than a provider's name`}},
		{"base_url:, quoted", "B={base_url: \"" + key + "\", model: m}",
			[]string{`--agent 'B={base_url: "[redacted]", model: m}': agent "m": base_url: looks like an API key rather than a URL`}},
		{"base_url:", "B={base_url: " + key + ", model: m}",
			[]string{`--agent 'B={base_url: [redacted], model: m}': agent "m": base_url: looks like an API key rather than a URL`}},
		{"base_urls:", "B={base_urls: [" + key + "], model: m}",
			[]string{`--agent 'B={base_urls: [[redacted]], model: m}': agent "m": base_urls[0]: looks like an API key rather than a URL`}},
		{"type:", "B={model: m, type: " + key + "}",
			[]string{`--agent 'B={model: m, type: [redacted]}': type: looks like an API key, not an agent type`}},
		{"the seat", key + "=ollama:m",
			[]string{`--agent REDACTED=ollama:m: the seat's name looks like an API key; the seats are "A" and "B"`}},
		{"a header's value", "B={model: m, provider: openrouter, headers: {X-Key: " + key + "}}",
			[]string{`--agent 'B={model: m, provider: openrouter, headers: {X-Key: [redacted]}}': agent "m" needs an API key`}},
		{"a URL's password", "B={model: m, base_url: \"http://u:" + key + "@127.0.0.1:1/v1\", temperature: 9}",
			[]string{`--agent 'B={model: m, base_url: "http://REDACTED@127.0.0.1:1/v1", temperature: 9}': agent "m": temperature: 9 is outside 0 to 2`}},
		{"a value that does not read", "B={model: m, headers: {X-Key: " + key + "}",
			[]string{`--agent B=REDACTED: the value is not a mapping of agent fields`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Seated("s.yaml", []byte(seats), []string{c.value})
			if err == nil {
				t.Fatalf("accepted: %+v", s.Agents)
			}
			linesStartWith(t, err, c.want, part)
		})
	}
}

// A model's name that only looks like a key to the rough test a
// variable's name is put to (long, with dashes, small letters and
// digits) is shown as typed, and names its seat.
func TestSeatedShowsAModelThatIsNoKey(t *testing.T) {
	const model = "llama3.1-8b-instruct-q4"
	seats := "agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1]}\n"
	_, err := Seated("s.yaml", []byte(seats), []string{"B=bogus:" + model})
	want := `--agent B=bogus:` + model + `: agent "` + model + `": provider: "bogus" is not a known provider`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v; want it to start %q", err, want)
	}
}

// linesStartWith holds that err has a line for each of want, in order,
// each starting with it, and that no line holds secret.
func linesStartWith(t *testing.T, err error, want []string, secret string) {
	t.Helper()
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("error %q; want %d lines starting %q", err, len(want), want)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("line %d: %q; want it to start %q", i+1, got[i], w)
		}
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q repeats the secret", err)
	}
}

// Reseated gives the --agent values of each earlier fork as that fork
// gave them, to the YAML the fork before it recorded, so its Source is
// the YAML the last fork recorded, byte for byte (and so is Handed's),
// while its warnings name the lines of the file as written and a seat an
// earlier fork handed over by that fork's flag. SeatedRecorded reads the
// YAML the last fork recorded as it is, naming no line. A value that held
// a secret is recorded with it hidden, and is not given again.
func TestReseatedGivesEachForksValuesAgain(t *testing.T) {
	const secret = "SECRET7272"
	src := "# Seats at known lines.\ntitle: A ↔ B\n\nagents:\n  - {name: A, type: scripted, lines: [a1], temperature: 0.5}\n\n  - {name: B, provider: ollama, model: b}\n\ntermination:\n  any:\n    - min_messages: 7\n    - max_messages: 6\n    - max_cost: 1\n"
	first, err := Seated("s.yaml", []byte(src), []string{"B=ollama:unpriced-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []transcripts.Handover{{Agents: []string{"B=ollama:unpriced-1"}}}; !reflect.DeepEqual(first.Handovers, want) {
		t.Fatalf("Handovers %+v; want %+v", first.Handovers, want)
	}
	// A fork of that fork, from the YAML it recorded.
	second, err := Seated("s.yaml", []byte(first.Source), []string{"A={provider: ollama, model: unpriced-2}"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Reseated("s.yaml", []byte(src), first.Handovers, []string{"A={provider: ollama, model: unpriced-2}"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Source != second.Source || len(again.Handovers) != 2 {
		t.Errorf("Reseated wrote\n%s(handovers %+v); want the fork of the fork's\n%s", again.Source, again.Handovers, second.Source)
	}
	resumed, err := Reseated("s.yaml", []byte(src), again.Handovers, nil)
	if err != nil {
		t.Fatal(err)
	}
	handed, err := Handed([]byte(src), again.Handovers)
	if err != nil || resumed.Source != second.Source || string(handed) != second.Source || !reflect.DeepEqual(resumed.Handovers, again.Handovers) {
		t.Errorf("read again:\n%s\nHanded (%v):\n%s\nwant\n%s", resumed.Source, err, handed, second.Source)
	}
	want := []string{
		`fork --agent B=ollama:unpriced-1: agent "unpriced-1": max_cost cannot count its messages`,
		`fork --agent 'A={provider: ollama, model: unpriced-2}': agent "unpriced-2": max_cost cannot count its messages`,
		`s.yaml:11: termination: min_messages: 7 is above max_messages: 6`,
	}
	got := resumed.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings\n%s\nwant ones that start\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("warnings\n%s\nwant one that starts %q", strings.Join(got, "\n"), w)
		}
	}

	// As the recording holds it, where the file no longer does: no line
	// is named, and each seat handed over is said of its fork's flag.
	recorded, err := SeatedRecorded("s.yaml", []byte(second.Source), again.Handovers, nil)
	if err != nil {
		t.Fatal(err)
	}
	if recorded.Source != second.Source || !reflect.DeepEqual(recorded.Handovers, again.Handovers) {
		t.Errorf("read as recorded:\n%s(handovers %+v); want it as recorded", recorded.Source, recorded.Handovers)
	}
	want[2] = `s.yaml: termination: min_messages: 7 is above max_messages: 6`
	got = recorded.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings\n%s\nwant ones that start\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("warnings\n%s\nwant one that starts %q", strings.Join(got, "\n"), w)
		}
	}

	keyed, err := Seated("s.yaml", []byte(src), []string{"B={provider: ollama, model: c, headers: {X-Token: " + secret + "}}"})
	if err != nil {
		t.Fatal(err)
	}
	if h := keyed.Handovers; len(h) != 1 || !h[0].Hidden || h[0].Agents[0] != "B={provider: ollama, model: c, headers: {X-Token: [redacted]}}" {
		t.Errorf("Handovers %+v; want the value with its secret hidden, marked so", h)
	}
	if _, err := Reseated("s.yaml", []byte(src), keyed.Handovers, nil); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a handover that hid a secret, given again: %v", err)
	}
}

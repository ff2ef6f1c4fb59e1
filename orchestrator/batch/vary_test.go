package batch

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func TestParseVary(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		want    Vary
		wantErr string
	}{
		{"list of floats", "agents[1].temperature=0.2,0.7,1.0", Vary{Path: "agents[1].temperature", Values: []string{"0.2", "0.7", "1.0"}}, ""},
		{"range", "seed=1..4", Vary{Path: "seed", Values: []string{"1", "2", "3", "4"}}, ""},
		{"range and values", "seed=1..2, 9", Vary{Path: "seed", Values: []string{"1", "2", "9"}}, ""},
		{"agent by name with a dot", "agents[gpt-4.1].model=a,b", Vary{Path: "agents[gpt-4.1].model", Values: []string{"a", "b"}}, ""},
		{"no equals", "seed", Vary{}, "write FIELD=VALUES"},
		{"no values", "seed=", Vary{}, "write FIELD=VALUES"},
		{"backwards range", "seed=5..1", Vary{}, `--vary "seed=5..1": the range "5..1" runs down from 5 to 1; write the low end first, 1..5`},
		{"float range", "seed=0.1..0.5", Vary{}, "not a range of whole numbers"},
		{"a range up to the largest int", "seed=9223372036854775806..9223372036854775807",
			Vary{Path: "seed", Values: []string{"9223372036854775806", "9223372036854775807"}}, ""},
		{"a range over every int", "seed=-9223372036854775808..9223372036854775807", Vary{}, "more than 100000 values"},
		{"repeated value", "seed=1,1", Vary{}, "listed twice"},
		{"unclosed index", "agents[1.model=x", Vary{}, "unclosed ["},
		{"empty index", "agents[].model=x", Vary{}, "empty []"},
		{"trailing dot", "history.=3", Vary{}, "ends with a dot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVary(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseVary(%q) error = %v; want one containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseVary(%q) = %#v; want %#v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestGridIsEveryCombination(t *testing.T) {
	a, _ := ParseVary("seed=1..3")
	b, _ := ParseVary("agents[0].temperature=0.2,0.7")
	g, err := Grid([]Vary{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range g {
		got = append(got, FormatValues(c))
	}
	want := []string{
		"seed=1 agents[0].temperature=0.2", "seed=1 agents[0].temperature=0.7",
		"seed=2 agents[0].temperature=0.2", "seed=2 agents[0].temperature=0.7",
		"seed=3 agents[0].temperature=0.2", "seed=3 agents[0].temperature=0.7",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grid = %q; want %q", got, want)
	}
	if _, err := Grid([]Vary{a, a}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("the same field twice: error = %v; want one saying it is given twice", err)
	}
}

const twoAgents = `title: A ↔ B
agents:
  - name: A
    base_url: http://127.0.0.1:1/v1
    model: m
    temperature: 0.5   # a comment survives
  - name: B
    base_url: http://127.0.0.1:1/v1
    model: m
  - name: C
    type: scripted
    lines: [hi]
`

// threeToTwo keeps the test scenario loadable: Apply is tested on YAML, and
// only two agents make a valid scenario.
func loadApplied(t *testing.T, src string, vals map[string]string) (*configs.Scenario, error) {
	t.Helper()
	data, err := Apply([]byte(src), vals)
	if err != nil {
		return nil, err
	}
	return configs.Parse("test.yaml", data)
}

func TestApplySetsFields(t *testing.T) {
	two := strings.Replace(twoAgents, "  - name: C\n    type: scripted\n    lines: [hi]\n", "", 1)
	withScript := strings.Replace(two, "  - name: B\n    base_url: http://127.0.0.1:1/v1\n    model: m\n",
		"  - name: B\n    type: scripted\n    lines: [hi]\n", 1)
	f := func(x float64) *float64 { return &x }
	i := func(x int) *int { return &x }
	tests := []struct {
		name  string
		src   string
		vals  map[string]string
		check func(t *testing.T, s *configs.Scenario)
	}{
		{"one agent's temperature", two, map[string]string{"agents[1].temperature": "0.7"}, func(t *testing.T, s *configs.Scenario) {
			if !reflect.DeepEqual(s.Agents[1].Temperature, f(0.7)) || !reflect.DeepEqual(s.Agents[0].Temperature, f(0.5)) {
				t.Errorf("temperatures = %v, %v; want 0.5, 0.7", *s.Agents[0].Temperature, *s.Agents[1].Temperature)
			}
		}},
		{"seed on every model agent", two, map[string]string{"seed": "7"}, func(t *testing.T, s *configs.Scenario) {
			if !reflect.DeepEqual(s.Agents[0].Seed, i(7)) || !reflect.DeepEqual(s.Agents[1].Seed, i(7)) {
				t.Errorf("seeds = %v, %v; want 7, 7", s.Agents[0].Seed, s.Agents[1].Seed)
			}
		}},
		{"an agent's own seed wins", two, map[string]string{"seed": "7", "agents[0].seed": "3"}, func(t *testing.T, s *configs.Scenario) {
			if *s.Agents[0].Seed != 3 || *s.Agents[1].Seed != 7 {
				t.Errorf("seeds = %d, %d; want 3, 7", *s.Agents[0].Seed, *s.Agents[1].Seed)
			}
		}},
		{"seed skips scripted agents", withScript, map[string]string{"seed": "4"}, func(t *testing.T, s *configs.Scenario) {
			if *s.Agents[0].Seed != 4 || s.Agents[1].Seed != nil {
				t.Errorf("seeds = %v, %v; want 4 and none", s.Agents[0].Seed, s.Agents[1].Seed)
			}
		}},
		{"an agent by name", two, map[string]string{"agents[B].model": "other"}, func(t *testing.T, s *configs.Scenario) {
			if s.Agents[1].Model != "other" || s.Agents[0].Model != "m" {
				t.Errorf("models = %q, %q; want m, other", s.Agents[0].Model, s.Agents[1].Model)
			}
		}},
		{"a section that was not there", two, map[string]string{"history.max_messages": "12"}, func(t *testing.T, s *configs.Scenario) {
			if s.History.MaxMessages != 12 {
				t.Errorf("history.max_messages = %d; want 12", s.History.MaxMessages)
			}
		}},
		{"a text value that looks like nothing else", two, map[string]string{"opening": "Hello there"}, func(t *testing.T, s *configs.Scenario) {
			if s.Opening == nil || *s.Opening != "Hello there" {
				t.Errorf("opening = %v; want Hello there", s.Opening)
			}
		}},
		// A field that takes text takes the value whole, though YAML
		// would read a mapping, a list or an anchor in it.
		{"text that YAML would read as something else", two, map[string]string{"opening": "Question: is a hot dog a sandwich?",
			"title": "- a list, it seems", "agents[0].system": "&anchor kept"}, func(t *testing.T, s *configs.Scenario) {
			if s.Opening == nil || *s.Opening != "Question: is a hot dog a sandwich?" || s.Title != "- a list, it seems" || s.Agents[0].System != "&anchor kept" {
				t.Errorf("opening %v, title %q, system %q; want each as given", s.Opening, s.Title, s.Agents[0].System)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := loadApplied(t, tt.src, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestApplyErrorsNameTheProblem(t *testing.T) {
	tests := []struct {
		name string
		vals map[string]string
		want string
	}{
		{"index past the end", map[string]string{"agents[5].model": "x"}, "the list has 3 items, counted from 0"},
		{"index past a list of one", map[string]string{"agents[C].lines[1]": "x"}, "lines[1]: the list has 1 item, counted from 0"},
		{"unknown agent name", map[string]string{"agents[Z].model": "x"}, `no item is named "Z"`},
		{"index into a mapping", map[string]string{"history[0].x": "1"}, "no history: list"},
		{"a list's item after a dot", map[string]string{"agents.0.model": "x"}, "agents is a list: give its item in brackets, as agents[0]"},
		{"a named item after a dot", map[string]string{"agents.C.model": "x"}, "as agents[C], by its index from 0 or by its name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Apply([]byte(twoAgents), tt.vals)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply error = %v; want one containing %q", err, tt.want)
			}
		})
	}
}

func TestJobLoadValidatesVariedValues(t *testing.T) {
	two := strings.Replace(twoAgents, "  - name: C\n    type: scripted\n    lines: [hi]\n", "", 1)
	_, err := Job{ScenarioPath: "pair.yaml", Scenario: two, Vary: map[string]string{"agents[0].temperature": "5"}}.Load()
	if err == nil || !strings.Contains(err.Error(), "agents[0].temperature=5") || !strings.Contains(err.Error(), "temperature: 5 is outside 0 to 2") {
		t.Errorf("error = %v; want one naming the varied value and the rule it breaks", err)
	}
	_, err = Job{ScenarioPath: "pair.yaml", Scenario: two, Vary: map[string]string{"tempreature": "1"}}.Load()
	if err == nil || !strings.Contains(err.Error(), `did you mean "temperature"`) {
		t.Errorf("error = %v; want a did-you-mean for a misspelt field", err)
	}
}

func TestDistribution(t *testing.T) {
	tests := []struct {
		name string
		in   []int
		want Distribution
	}{
		{"empty", nil, Distribution{}},
		{"one", []int{7}, Distribution{N: 1, Min: 7, Median: 7, P90: 7, Max: 7, Mean: 7}},
		{"even count", []int{4, 1, 3, 2}, Distribution{N: 4, Min: 1, Median: 2.5, P90: 4, Max: 4, Mean: 2.5}},
		{"ten", []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, Distribution{N: 10, Min: 1, Median: 5.5, P90: 9, Max: 10, Mean: 5.5}},
		{"eleven", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100}, Distribution{N: 11, Min: 1, Median: 6, P90: 10, Max: 100, Mean: 155.0 / 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distribution(tt.in); got != tt.want {
				t.Errorf("distribution(%v) = %+v; want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestResultReplaysEachPolicyAlone(t *testing.T) {
	var msgs []transcripts.Message
	for i := range 12 {
		text := "talk"
		if i >= 5 { // messages 6 on use the token
			text = "bye [END]"
		}
		msgs = append(msgs, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: text,
			Usage: &transcripts.Usage{PromptTokens: 10, CompletionTokens: 2}})
	}
	p := policy.Any{policy.MaxMessages{N: 40}, policy.EndToken{Token: "[END]", Match: policy.MatchContains, Exchanges: 2}}
	tr := &transcripts.Transcript{Title: "A ↔ B", Messages: msgs, Run: &transcripts.Run{
		Stop:   &transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "end_token", At: 12},
		Events: []transcripts.Event{{Kind: "retry"}, {Kind: "pause"}, {Kind: "retry"}},
	}}
	r := ResultFromTranscript(tr, p)
	want := []PolicyResult{{Policy: "max_messages"}, {Policy: "end_token", StopsAt: 9, Saved: 31}}
	if !reflect.DeepEqual(r.Policies, want) {
		t.Errorf("policies = %+v; want %+v", r.Policies, want)
	}
	if r.Ceiling != 40 || r.State != StateDone || r.Messages != 12 || r.Retries != 2 {
		t.Errorf("ceiling %d, state %s, messages %d, retries %d; want 40, done, 12, 2", r.Ceiling, r.State, r.Messages, r.Retries)
	}
	wantTokens := []AgentTokens{{Agent: "A", In: 60, Out: 12}, {Agent: "B", In: 60, Out: 12}}
	if !reflect.DeepEqual(r.Tokens, wantTokens) {
		t.Errorf("tokens = %+v; want %+v", r.Tokens, wantTokens)
	}
}

// With the default set, whose min_messages guards every other rule, each
// rule is replayed alone under the guard: none is skipped as if it asked a
// model, and the loop rule stops the seed where the demo stops it.
func TestResultReplaysEachRuleOfTheDefaultSet(t *testing.T) {
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	r := ResultFromTranscript(seed, policy.Default())
	byName := map[string]PolicyResult{}
	for _, p := range r.Policies {
		if p.Skipped != "" {
			t.Errorf("%s skipped: %s", p.Policy, p.Skipped)
		}
		if _, dup := byName[p.Policy]; !dup {
			byName[p.Policy] = p
		}
	}
	for _, name := range []string{"max_messages", "loop", "end_token"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no row for %s in %+v", name, r.Policies)
		}
	}
	at, _ := policy.FirstStop(policy.Default(), seed.Messages)
	if e := byName["loop"]; e.StopsAt != at || e.Saved != r.Ceiling-at || r.Ceiling != 1000 {
		t.Errorf("loop = %+v, ceiling %d; want a stop at %d saving %d", e, r.Ceiling, at, r.Ceiling-at)
	}
}

// A path's first field is a scenario's or an agent's (set on every
// agent); any other is a mistake, named with what it likely means.
func TestAPathNamesAKnownField(t *testing.T) {
	if _, _, err := ParseSet("titel=x"); err == nil || !strings.Contains(err.Error(), `"titel" is neither a scenario's field nor an agent's; did you mean "title"?`) {
		t.Errorf("--set titel=x: %v", err)
	}
	if _, err := ParseVary("temprature=0.1,0.2"); err == nil || !strings.Contains(err.Error(), `did you mean "temperature"?`) {
		t.Errorf("--vary temprature: %v", err)
	}
	for _, ok := range []string{"roster.runs=1,2", "seed=1..3", "title=a,b", "agents[0].model=m,n"} {
		if _, err := ParseVary(ok); err != nil {
			t.Errorf("--vary %s: %v", ok, err)
		}
	}
}

// The default set has four end_token rules ([END], ^C^C, <CAMEL_TASK_DONE>
// and TERMINATE); a run gets one end_token row, at the earliest of their
// stops, so the summary counts each run once per row, not four times.
func TestResultMergesRulesOfOneName(t *testing.T) {
	var msgs []transcripts.Message
	for i := range 10 {
		text := fmt.Sprintf("message %d brings something new: %d apples", i+1, 7*i)
		if i == 5 {
			text = "$ exit\n^C^C"
		}
		msgs = append(msgs, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: text})
	}
	r := ResultFromTranscript(&transcripts.Transcript{Title: "A ↔ B", Messages: msgs}, policy.Default())
	seen := map[string]int{}
	for _, p := range r.Policies {
		seen[p.Policy]++
	}
	if seen["end_token"] != 1 {
		t.Fatalf("%d end_token results in %+v; want one for the default set's four end_token rules", seen["end_token"], r.Policies)
	}
	for _, p := range r.Policies {
		if p.Policy == "end_token" && (p.StopsAt != 6 || p.Saved != 994) {
			t.Errorf("end_token = %+v; want the hang-up's stop at 6, saving 994", p)
		}
	}
	sum := Summarize(&Manifest{}, []Result{r, r}, 0)
	for _, p := range sum.Policies {
		if p.Policy == "end_token" && (p.Runs != 2 || p.WouldStop != 2) {
			t.Errorf("end_token summary = %+v; want 2 runs, 2 that it would stop", p)
		}
	}
}

func TestParseSets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []string
		want  string // the values read, PATH=VALUE joined by ";", or the error
	}{
		{"in order, values whole", []string{"seed=3", "agents[1].system=a, b. c=d"}, "seed=3;agents[1].system=a, b. c=d"},
		{"a field given twice", []string{"seed=3", "seed=4"}, "--set seed is given twice"},
		{"no value", []string{"seed"}, `--set "seed": write FIELD=VALUE`},
		{"none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets, err := ParseSets(tc.specs)
			var got []string
			for _, s := range sets {
				if !s.Set || len(s.Values) != 1 {
					t.Errorf("%s: Set %v with %d values; want a Set of one", s.Path, s.Set, len(s.Values))
				}
				got = append(got, s.Path+"="+s.Values[0])
			}
			if err != nil {
				got = []string{err.Error()}
			}
			if g := strings.Join(got, ";"); !strings.HasPrefix(g, tc.want) || tc.want == "" && g != "" {
				t.Errorf("got %q; want %q", g, tc.want)
			}
		})
	}
}

// Two paths that name one field, spelled differently (an agent by its
// index and by its name, an index with a leading zero, a roster agent
// under agents[…] and roster.agents[…]), would have one of them take
// effect and every run record the other's values as used: the batch is
// refused, naming both as typed, whichever flags gave them.
func TestOneFieldUnderTwoSpellingsIsRefused(t *testing.T) {
	pair := `title: A ↔ B
agents:
  - {name: A, base_url: http://127.0.0.1:1/v1, model: m}
  - {name: B, base_url: http://127.0.0.1:1/v1, model: m}
termination: {max_messages: 3}
`
	roster := `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: Kimi K2, model: k}
`
	listed := strings.Replace(pair, "termination: {max_messages: 3}", "termination: {any: [{max_messages: 3}]}", 1)
	vary := func(spec string) Vary {
		v, err := ParseVary(spec)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	set := func(spec string) Vary {
		path, val, _ := strings.Cut(spec, "=")
		return Vary{Path: path, Values: []string{val}, Set: true}
	}
	for _, tc := range []struct {
		name string
		src  string
		vary []Vary
		want string // "" when the batch is planned
	}{
		{"index and name", pair, []Vary{vary("agents[0].model=m1,m2"), vary("agents[A].model=m3")},
			"--vary agents[0].model and --vary agents[A].model name the same field; list all its values in one flag"},
		{"name and index, --set", pair, []Vary{vary("agents[0].model=m1,m2"), set("agents[A].model=slow1")},
			"--vary agents[0].model and --set agents[A].model name the same field; give its values to one of them"},
		{"two --set", pair, []Vary{set("agents[B].temperature=1"), set("agents[1].temperature=0.5")},
			"--set agents[B].temperature and --set agents[1].temperature name the same field; give it once"},
		{"leading zero", pair, []Vary{vary("agents[01].seed=1,2"), vary("agents[1].seed=3")},
			"--vary agents[01].seed and --vary agents[1].seed name the same field"},
		{"other agents' fields", pair, []Vary{vary("agents[0].model=m1,m2"), vary("agents[B].model=m3"), vary("agents[A].temperature=0.5")}, ""},
		{"roster agent by name twice", roster, []Vary{vary("agents[Kimi K2].temperature=0.5,1"), vary("roster.agents[Kimi K2].temperature=0.7")},
			"--vary agents[Kimi K2].temperature and --vary roster.agents[Kimi K2].temperature name the same field"},
		{"roster agent by name and place", roster, []Vary{set("roster.agents[1].model=x"), vary("agents[Kimi K2].model=y,z")},
			"--set roster.agents[1].model and --vary agents[Kimi K2].model name the same field"},
		{"a seat and the roster agent by place", roster, []Vary{vary("agents[0].temperature=0.5,1"), vary("roster.agents[0].temperature=0.7")},
			"--vary agents[0].temperature and --vary roster.agents[0].temperature name the same field in the pairs where A sits first (A ↔ Kimi K2); give it in one of them"},
		{"a seat and another roster agent's field", roster, []Vary{vary("agents[0].temperature=0.5,1"), vary("roster.agents[0].model=b")}, ""},
		{"a seat and the roster agent sitting there", roster, []Vary{vary("agents[0].model=x"), vary("agents[Kimi K2].model=y,z")},
			"--vary agents[0].model and --vary agents[Kimi K2].model name the same field in the pairs where Kimi K2 sits first (Kimi K2 ↔ A); give it in one of them"},
		{"a seat and the roster agent sitting there, by place and --set", roster, []Vary{vary("agents[01].model=x,w"), set("roster.agents[0].model=y")},
			"--vary agents[01].model and --set roster.agents[0].model name the same field in the pairs where A sits second (Kimi K2 ↔ A); give it in one of them"},
		// A field inside another a flag gives whole is given by both.
		{"a field inside another, both --set", listed, []Vary{set("termination.any[0].max_messages=3"), set("termination.any=[{max_messages: 6}]")},
			"--set termination.any[0].max_messages lies inside --set termination.any; give it in the value of termination.any"},
		{"a field around another, its item by a padded index", listed, []Vary{set("termination.any=[{max_messages: 6}]"), vary("termination.any[00].max_messages=3,4")},
			"--vary termination.any[00].max_messages lies inside --set termination.any; give it in the value of termination.any"},
		{"a field inside an agent's, by place and by name", pair, []Vary{vary("agents[0].headers.X-A=1,2"), vary("agents[A].headers={X-B: 3},{X-B: 4}")},
			"--vary agents[0].headers.X-A lies inside --vary agents[A].headers; give it in each value of agents[A].headers"},
		{"a field inside the whole list", pair, []Vary{vary("agents[B].temperature=0.5,1"), set("agents=[{name: A, model: m}, {name: B, model: m}]")},
			"--vary agents[B].temperature lies inside --set agents; give it in the value of agents"},
		{"fields whose names start alike", pair, []Vary{set("agents[0].headers.X-A=1"), set("agents[0].headers.X-AB=2"), vary("agents[0].temperature=0.5,1"), set("temperature=0.7")}, ""},
		{"a roster agent's field inside its own, by place and by name", roster, []Vary{set("roster.agents[1].headers.X-A=1"), set(`agents[Kimi K2].headers={X-A: "2"}`)},
			"--set roster.agents[1].headers.X-A lies inside --set agents[Kimi K2].headers; give it in the value of agents[Kimi K2].headers"},
		{"a seat's field inside the roster agent's sitting there", roster, []Vary{set("agents[0].headers.X-A=1"), set(`agents[Kimi K2].headers={X-A: "2"}`)},
			"--set agents[0].headers.X-A lies inside --set agents[Kimi K2].headers in the pairs where Kimi K2 sits first (Kimi K2 ↔ A); give it in one of them"},
		{"the roster agent's field inside the seat's it sits in", roster, []Vary{set(`agents[Kimi K2].headers.X-A=2`), vary("agents[1].headers={X-A: 1},{X-B: 1}")},
			"--set agents[Kimi K2].headers.X-A lies inside --vary agents[1].headers in the pairs where Kimi K2 sits second (A ↔ Kimi K2); give it in one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scenario(t, tc.src)
			_, err := Plan("x", []*configs.Scenario{s}, 1, 1, tc.vary, time.Now())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), s.Path+": "+tc.want)):
				t.Errorf("error = %v; want %q after the file's name", err, tc.want)
			}
		})
	}
	// Whether two paths name one agent is the scenario's to say: where
	// agents[A] is the second agent, beside agents[0] it is another.
	other := scenario(t, strings.Replace(strings.Replace(pair, "name: A,", "name: Z,", 1), "name: B,", "name: A,", 1))
	both := []Vary{vary("agents[0].model=m1,m2"), vary("agents[A].model=m3")}
	if m, err := Plan("x", []*configs.Scenario{other}, 1, 1, both, time.Now()); err != nil || len(m.Jobs) != 2 {
		t.Errorf("agents[0] and agents[A] of Z and A: %v; want 2 conversations planned", err)
	}
	first := scenario(t, pair)
	if _, err := Plan("x", []*configs.Scenario{other, first}, 1, 1, both, time.Now()); err == nil || !strings.HasPrefix(err.Error(), first.Path+": --vary agents[0].model and --vary agents[A].model") {
		t.Errorf("two scenarios, the second's agent 0 named A: error = %v; want the second file named", err)
	}
}

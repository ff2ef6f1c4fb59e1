package batch

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/transcripts"
)

// RosterYAML is a tournament of four models on one server, for tests here
// and in the queue package.
func rosterYAML(url string) string {
	return fmt.Sprintf(`title: four models
roster:
  defaults:
    base_url: %s
    system: You are talking with another AI.
    temperature: 0.5
    max_tokens: 64
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1, temperature: 1.2}
    - {name: Gamma, model: gamma-1}
    - {name: Delta, model: delta-1}
  pairs: ordered
  runs: 2
opening: " "
limits:
  %s: {concurrent: 2}
termination:
  any:
    - max_messages: 4
`, url, url)
}

func TestRosterStagesEveryOrderedPairTwice(t *testing.T) {
	var mu sync.Mutex
	byModel := map[string][]openaitest.Request{}
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		mu.Lock()
		byModel[r.Body.Model] = append(byModel[r.Body.Model], r)
		mu.Unlock()
		return openaitest.Words("This is " + r.Body.Model + " speaking.")
	})
	s := scenario(t, rosterYAML(srv.URL))
	r := runner(t, []*configs.Scenario{s}, 1, 8)
	if len(r.Manifest.Jobs) != 24 {
		t.Fatalf("planned %d conversations; want 12 ordered pairs × 2 runs = 24", len(r.Manifest.Jobs))
	}
	lines, err := r.Manifest.Lines()
	if err != nil {
		t.Fatal(err)
	}
	if lines[0] != "Alpha ↔ Beta, run 1" || lines[12] != "Alpha ↔ Beta, run 2" || lines[23] != "Delta ↔ Gamma, run 2" {
		t.Errorf("dry-run lines start %q, %q and end %q; want every pair's run 1, then every pair's run 2", lines[0], lines[12], lines[23])
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 24 {
		t.Fatalf("%d of %d conversations done; want 24", sum.Done, sum.Planned)
	}
	pairs := map[string]int{}
	for _, f := range jsonls(t, r.Dir) {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		p := tr.Run.Pairing
		if p == nil {
			t.Fatalf("%s records no pairing", f)
		}
		want := p.Opener + " ↔ " + p.Responder
		if tr.Title != want || tr.Run.Agents[0].Name != p.Opener || tr.Run.Agents[1].Name != p.Responder {
			t.Errorf("%s is titled %q with agents %s and %s; want %q", f, tr.Title, tr.Run.Agents[0].Name, tr.Run.Agents[1].Name, want)
		}
		// Message 1 is the opening, recorded under the responder's seat;
		// the opener answers it.
		if o := tr.Messages[0]; o.Origin != transcripts.OriginOpening || o.Speaker != p.Responder {
			t.Errorf("%s: message 1 is %s's %q (%s); want the opening, in %s's seat", f, o.Speaker, o.Content, o.Origin, p.Responder)
		}
		spoken := tr.Messages[1:]
		if len(spoken) < 2 || spoken[0].Speaker != p.Opener || spoken[1].Speaker != p.Responder {
			t.Errorf("%s: %d replies; want %s then %s", f, len(spoken), p.Opener, p.Responder)
		}
		for _, m := range spoken {
			if !strings.Contains(m.Content, strings.ToLower(m.Speaker)) {
				t.Errorf("%s: %s said %q; each agent must speak with its own model", f, m.Speaker, m.Content)
			}
		}
		pairs[want]++
	}
	if len(pairs) != 12 {
		t.Errorf("%d distinct pairs recorded; want 12: %v", len(pairs), pairs)
	}
	for p, n := range pairs {
		if n != 2 {
			t.Errorf("%s ran %d times; want 2", p, n)
		}
	}
	// The defaults reach every agent; an agent's own setting wins.
	for model, reqs := range byModel {
		for _, q := range reqs {
			//lint:ignore SA1019 parley sends max_tokens, the field every OpenAI-compatible server reads
			maxTokens := q.Body.MaxTokens
			temp := float32(0.5)
			if model == "beta-1" {
				temp = 1.2
			}
			if q.Body.Temperature != temp || maxTokens != 64 || q.Body.Messages[0].Content != "You are talking with another AI." {
				t.Fatalf("%s was sent temperature %v, max_tokens %d, system %q; want %v, 64 and the shared prompt",
					model, q.Body.Temperature, maxTokens, q.Body.Messages[0].Content, temp)
			}
		}
	}
	// One provider limit for the whole roster: never more than 2 at once.
	if len(sum.Limits) != 1 || sum.Limits[0].MaxInFlight > 2 {
		t.Errorf("limits = %+v; want one limit of 2 concurrent requests shared by every pair", sum.Limits)
	}
}

func TestRosterPairsUnorderedAndSelfPlay(t *testing.T) {
	src := `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: B, model: b}
    - {name: C, model: c}
  pairs: unordered
  self_play: true
  first: responder
`
	s := scenario(t, src)
	m, err := Plan("x", []*configs.Scenario{s}, 1, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := m.Lines()
	// A self-play line names its seats as its run is titled.
	want := []string{"A ↔ A (2), run 1", "A ↔ B, run 1", "A ↔ C, run 1", "B ↔ B (2), run 1", "B ↔ C, run 1", "C ↔ C (2), run 1"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	self, err := m.Job(0).Load()
	if err != nil {
		t.Fatal(err)
	}
	if self.Agents[0].Name != "A" || self.Agents[1].Name != "A (2)" || self.Agents[1].Model != "a" || self.First != "A (2)" {
		t.Errorf("self-play seats %q and %q (model %q), first %q; want A and A (2), both model a, the responder first",
			self.Agents[0].Name, self.Agents[1].Name, self.Agents[1].Model, self.First)
	}
}

func TestVariedModelRenamesItsAgent(t *testing.T) {
	s := scenario(t, pairYAML("http://127.0.0.1:9/v1", ""))
	m, err := Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{{Path: "agents[1].model", Values: []string{"tom-2"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Job(0).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Agents[1].Name != "Tom (tom-2)" || got.Title != "Lily ↔ Tom (tom-2)" {
		t.Errorf("agent %q, title %q; want the name and title to follow the varied model", got.Agents[1].Name, got.Title)
	}
	// An agent named after its model takes the new model's name.
	src := strings.Replace(strings.Replace(pairYAML("http://127.0.0.1:9/v1", ""), "name: Tom", "name: tom-1", 1), "title: Lily ↔ Tom", "title: Lily ↔ tom-1", 1)
	s = scenario(t, src)
	m, err = Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{{Path: "agents[1].model", Values: []string{"tom-2"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ = m.Job(0).Load(); got.Agents[1].Name != "tom-2" || got.Title != "Lily ↔ tom-2" {
		t.Errorf("agent %q, title %q; want tom-2 and Lily ↔ tom-2", got.Agents[1].Name, got.Title)
	}
}

func TestRosterResumeFinishesTheTournament(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply { return openaitest.Words("Hi from " + r.Body.Model) })
	s := scenario(t, rosterYAML(srv.URL))
	r := runner(t, []*configs.Scenario{s}, 1, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	r.OnFinish = func(Result) { once.Do(cancel) }
	if _, err := r.Run(ctx); err == nil {
		t.Fatal("the cancelled tournament reported no error")
	}
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	again := prepared(t, r.Dir, m, 4)
	sum, err := again.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 24 {
		t.Fatalf("after --resume %d of 24 done", sum.Done)
	}
	var ids []string
	for _, f := range jsonls(t, r.Dir) {
		ids = append(ids, filepath.Base(filepath.Dir(f)))
	}
	sort.Strings(ids)
	if len(ids) != 24 {
		t.Errorf("%d transcripts; want one per conversation, 24", len(ids))
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "summary.md")); err != nil {
		t.Error(err)
	}
}

// --vary on a roster: naming a roster agent varies that agent in every
// pair it is in (both seats when it plays itself), roster.agents[X] says
// the same, roster.defaults reaches every agent that does not set the
// field, and a name no roster agent has is refused with the roster's names.
func TestVaryOnARosterNamesItsAgents(t *testing.T) {
	src := `roster:
  defaults: {base_url: http://127.0.0.1:9/v1, temperature: 0.3}
  agents:
    - {name: A, model: a}
    - {name: Kimi K2, model: k}
    - {name: C, model: c, base_url: http://127.0.0.1:7/v1}
  self_play: true
`
	s := scenario(t, src)
	temps := func(vary ...Vary) map[string][2]float64 {
		t.Helper()
		m, err := Plan("x", []*configs.Scenario{s}, 1, 1, vary, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]float64{}
		for i := range m.Jobs {
			got, err := m.Job(i).Load()
			if err != nil {
				t.Fatal(err)
			}
			out[got.Title] = [2]float64{float64(*got.Agents[0].Temperature), float64(*got.Agents[1].Temperature)}
		}
		return out
	}
	for _, path := range []string{"agents[Kimi K2].temperature", "roster.agents[Kimi K2].temperature", "roster.agents[1].temperature"} {
		got := temps(Vary{Path: path, Values: []string{"0.9"}})
		if len(got) != 9 || got["A ↔ Kimi K2"] != [2]float64{0.3, 0.9} || got["Kimi K2 ↔ C"] != [2]float64{0.9, 0.3} ||
			got["Kimi K2 ↔ Kimi K2 (2)"] != [2]float64{0.9, 0.9} || got["A ↔ C"] != [2]float64{0.3, 0.3} {
			t.Errorf("--vary %s=0.9: temperatures %v; want 0.9 for Kimi K2 in each of its pairs alone", path, got)
		}
	}
	if got := temps(Vary{Path: "roster.defaults.temperature", Values: []string{"1.1"}}); got["A ↔ C"] != [2]float64{1.1, 1.1} {
		t.Errorf("--vary roster.defaults.temperature=1.1: %v", got)
	}
	m, err := Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{{Path: "roster.defaults.base_url", Values: []string{"http://127.0.0.1:8/v1"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Jobs {
		got, _ := m.Job(i).Load()
		for _, a := range got.Agents {
			want := "http://127.0.0.1:8/v1"
			if a.Model == "c" {
				want = "http://127.0.0.1:7/v1" // its own wins over the default
			}
			if a.BaseURL != want {
				t.Errorf("%s: %s's base_url %s; want %s", got.Title, a.Name, a.BaseURL, want)
			}
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"agents[Kimi K3].temperature", `agents[Kimi K3]: no roster agent is named "Kimi K3"; name one of "A", "Kimi K2", "C", or use agents[0] (each pair's first agent) or agents[1] (its second)`},
		{"roster.agents[Kimi K3].temperature", `roster.agents[Kimi K3]: no roster agent is named "Kimi K3"; name one of "A", "Kimi K2", "C"`},
		{"roster.agents[3].temperature", `roster.agents[3]: the roster has 3 agents, counted from 0`},
		{"roster.runs", `roster.runs: the pairs a roster stages and its runs are planned once for the whole batch`},
		{"roster.agents[A].name", `roster.agents[A].name: a roster agent's name names its pairs`},
		{"roster.defaults.model", `roster.defaults.model: every roster agent sets its own model, so a default reaches none of them; vary model (every agent's) or roster.agents[A].model`},
	} {
		_, err := Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{{Path: tt.path, Values: []string{"2"}}}, time.Now())
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "move the agents") {
			t.Errorf("--vary %s: %v; want %q", tt.path, err, tt.want)
		}
	}
	// A varied value the scenario refuses is said without a line: the
	// lines of the YAML a pair and its values make are no file's.
	_, err = Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{{Path: "agents[Kimi K2].temperature", Values: []string{"9"}}}, time.Now())
	if want := `with --vary agents[Kimi K2].temperature=9: ` + s.Path + `: agent "Kimi K2": temperature: 9 is outside 0 to 2`; err == nil || err.Error() != want {
		t.Errorf("--vary agents[Kimi K2].temperature=9: %v; want %q", err, want)
	}
	// A scenario of two agents has no roster to vary.
	pair := scenario(t, pairYAML("http://127.0.0.1:9/v1", ""))
	_, err = Plan("x", []*configs.Scenario{pair}, 1, 1, []Vary{{Path: "roster.defaults.temperature", Values: []string{"1"}}}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "the scenario names two agents and has no roster; give one agent's field, such as agents[1].temperature, or every agent's, such as temperature") || strings.Contains(err.Error(), "move the agents") {
		t.Errorf("--vary roster.defaults on two agents: %v", err)
	}
}

// A self-play seat never takes a roster agent's name: agent "a" playing
// itself beside a roster agent named "a (2)" sits as "a (3)", so its
// conversations, lines and summary rows are its own.
func TestSelfPlaySeatTakesANameNoRosterAgentHas(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply { return openaitest.Words("This is " + r.Body.Model + ".") })
	s := scenario(t, fmt.Sprintf(`roster:
  defaults: {base_url: %s}
  agents:
    - {name: a, model: model-a}
    - {name: a (2), model: model-b}
  self_play: true
termination: {max_messages: 3}
`, srv.URL))
	r := runner(t, []*configs.Scenario{s}, 1, 2)
	lines, err := r.Manifest.Lines()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a ↔ a (3), run 1", "a ↔ a (2), run 1", "a (2) ↔ a, run 1", "a (2) ↔ a (2) (2), run 1"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	self, err := r.Manifest.Job(0).Load()
	if err != nil {
		t.Fatal(err)
	}
	if self.Agents[1].Name != "a (3)" || self.Agents[1].Model != "model-a" {
		t.Errorf("a's second seat is %q on %s; want a (3) on model-a", self.Agents[1].Name, self.Agents[1].Model)
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.CostByPair) != 4 {
		t.Errorf("%d pairs in the summary: %+v; want 4, a against itself apart from a against a (2)", len(sum.CostByPair), sum.CostByPair)
	}
	for _, f := range jsonls(t, r.Dir) {
		tr, _ := transcripts.Read(f)
		if p := tr.Run.Pairing; p.Opener == "a" && tr.Title == "a ↔ a (3)" && p.Responder != "a" {
			t.Errorf("%s: a against itself records responder %q; want a, the roster agent", f, p.Responder)
		}
	}
}

// A manifest written before self-play seats were named holds the agent's
// name twice; it still stages and lists the seat as "NAME (2)".
func TestSelfPlayPairOfAnOlderManifest(t *testing.T) {
	p := configs.Pair{A: 0, B: 0, Names: [2]string{"A", "A"}}
	if p.String() != "A ↔ A (2)" || p.Responder() != "A" {
		t.Errorf("older self-play pair: %q, responder %q; want A ↔ A (2), A", p.String(), p.Responder())
	}
	src, err := configs.PairSource([]byte("roster:\n  defaults: {provider: openai}\n  agents:\n    - {name: A, model: a}\n  self_play: true\n"), p)
	if err != nil || !strings.Contains(string(src), "A (2)") {
		t.Errorf("staged %s, %v; want the second seat named A (2)", src, err)
	}
}

// A value --set gave that the plan refuses is said with --set, the flag
// the user typed, on a roster and on two agents alike; one --vary gave
// is said with --vary, and a sentence about values of both flags names
// each by its own.
func TestRefusedValuesNameTheFlagThatGaveThem(t *testing.T) {
	roster := scenario(t, `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: B, model: b}
`)
	pair := scenario(t, pairYAML("http://127.0.0.1:9/v1", ""))
	for _, tt := range []struct {
		name string
		s    *configs.Scenario
		vary []Vary
		want string
	}{
		{"set, an agent no roster agent is named", roster, []Vary{{Path: "agents[Nobody].temperature", Values: []string{"0.5"}, Set: true}},
			roster.Path + `: --set agents[Nobody].temperature=0.5: agents[Nobody]: no roster agent is named "Nobody"; name one of "A", "B", or use agents[0]`},
		{"vary, an agent no roster agent is named", roster, []Vary{{Path: "agents[Nobody].temperature", Values: []string{"0.5", "1"}}},
			roster.Path + `: --vary agents[Nobody].temperature=0.5: agents[Nobody]: no roster agent is named "Nobody"`},
		{"set beside vary, an agent no roster agent is named", roster, []Vary{{Path: "seed", Values: []string{"1", "2"}}, {Path: "roster.agents[Nobody].model", Values: []string{"x"}, Set: true}},
			roster.Path + `: --set roster.agents[Nobody].model=x: roster.agents[Nobody]: no roster agent is named "Nobody"`},
		{"set, a roster field planned once", roster, []Vary{{Path: "roster.runs", Values: []string{"3"}, Set: true}},
			roster.Path + `: --set roster.runs: the pairs a roster stages and its runs are planned from the file, before --set applies; edit roster.runs in the file, or give -n, which multiplies it`},
		{"set, a roster agent's name", roster, []Vary{{Path: "roster.agents[A].name", Values: []string{"Z"}, Set: true}},
			roster.Path + `: --set roster.agents[A].name: a roster agent's name names its pairs, which are planned from the file before --set applies; set its model, or edit the name in the file`},
		{"set, the whole roster", roster, []Vary{{Path: "roster", Values: []string{"1"}, Set: true}},
			roster.Path + `: --set roster: set one field of the roster`},
		{"set, a value the scenario refuses", roster, []Vary{{Path: "agents[A].temperature", Values: []string{"9"}, Set: true}},
			`with --set agents[A].temperature=9: ` + roster.Path + `: agent "A": temperature: 9 is outside 0 to 2`},
		{"set and vary, a value the scenario refuses", roster, []Vary{{Path: "seed", Values: []string{"1", "2"}}, {Path: "agents[A].temperature", Values: []string{"9"}, Set: true}},
			`with --vary seed=1 --set agents[A].temperature=9: ` + roster.Path + `: agent "A": temperature: 9 is outside 0 to 2`},
		// A roster agent's value is set in the seats it takes, and said
		// with the flag and the path the user typed, not the seat's.
		{"set, a roster agent by name, a field the pair has no list for", roster, []Vary{{Path: "agents[B].stop[0]", Values: []string{"b"}, Set: true}},
			roster.Path + `: --set agents[B].stop[0]=b: the scenario has no stop: list`},
		{"vary, a roster agent by place, a field the pair has no list for", roster, []Vary{{Path: "roster.agents[0].stop[0]", Values: []string{"b", "c"}}, {Path: "seed", Values: []string{"1"}, Set: true}},
			roster.Path + `: --vary roster.agents[0].stop[0]=b: the scenario has no stop: list`},
		{"set on two agents, an agent beyond the list", pair, []Vary{{Path: "agents[5].temperature", Values: []string{"1"}, Set: true}},
			pair.Path + `: --set agents[5].temperature=1: agents[5]: the list has 2 items, counted from 0`},
		{"vary on two agents, an agent beyond the list", pair, []Vary{{Path: "agents[5].temperature", Values: []string{"1", "2"}}},
			pair.Path + `: --vary agents[5].temperature=1: agents[5]: the list has 2 items, counted from 0`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan("x", []*configs.Scenario{tt.s}, 1, 1, tt.vary, time.Now())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("%v; want it to start %q", err, tt.want)
			}
		})
	}
}

// The manifest records --set values apart from --vary ones, and each job
// carries which of its values --set gave, onto the queue too; a manifest
// an earlier parley wrote, its --set values among the --vary ones, reads
// as it did, its values said with --vary.
func TestManifestRecordsSetApartFromVary(t *testing.T) {
	s := scenario(t, `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: B, model: b}
`)
	m, err := Plan("x", []*configs.Scenario{s}, 1, 1, []Vary{
		{Path: "seed", Values: []string{"1", "2"}},
		{Path: "opening", Values: []string{"Hi, you"}, Set: true},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(m.Vary) != "[seed=1,2]" || fmt.Sprint(m.Set) != "[opening=Hi, you]" {
		t.Errorf("manifest vary %q, set %q; want [seed=1,2] and [opening=Hi, you]", m.Vary, m.Set)
	}
	dir := t.TempDir()
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if j := back.Job(0); fmt.Sprint(j.Set) != "[opening]" || len(j.Vary) != 2 {
		t.Errorf("job 0 read back: vary %v, set %v; want both values, opening given by --set", j.Vary, j.Set)
	}
	// An earlier parley's manifest: no set, its --set value among vary.
	old := *back
	old.Vary, old.Set = []string{"seed=1,2", "opening=Hi, you"}, nil
	j := old.Job(0)
	if j.Set != nil {
		t.Errorf("a job of an older manifest: set %v; want none", j.Set)
	}
	if _, err := j.Load(); err != nil {
		t.Errorf("a job of an older manifest: %v", err)
	}
	j.Vary = map[string]string{"agents[Nobody].model": "x"}
	if _, err := j.Load(); err == nil || !strings.Contains(err.Error(), ": --vary agents[Nobody].model=x: ") {
		t.Errorf("a job of an older manifest, a refused value: %v; want it said with --vary", err)
	}
}

// A value varied for one roster agent by name or index reaches only the
// pairs it is in: a pair without it is staged once per combination of
// the values that do reach it, not again for each of that agent's values,
// and is listed without them. A value for every pair (seed, a seat)
// still multiplies every pair.
func TestVaryingOneRosterAgentStagesOtherPairsOnce(t *testing.T) {
	s := scenario(t, `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: B, model: b}
    - {name: C, model: c}
  pairs: unordered
  runs: 2
`)
	for _, tt := range []struct {
		name  string
		vary  []Vary
		jobs  int
		lines []string // lines the dry run lists, each once
	}{
		{"agent by name", []Vary{{Path: "agents[C].temperature", Values: []string{"0.5", "1"}}}, 10,
			[]string{"A ↔ B, run 2", "A ↔ C, run 2 (agents[C].temperature=1)", "B ↔ C, run 1 (agents[C].temperature=0.5)"}},
		{"roster agent by index", []Vary{{Path: "roster.agents[2].temperature", Values: []string{"0.5", "1"}}}, 10,
			[]string{"A ↔ B, run 1", "B ↔ C, run 2 (roster.agents[2].temperature=1)"}},
		{"agent by name beside every pair's seed", []Vary{{Path: "agents[C].temperature", Values: []string{"0.5", "1"}}, {Path: "seed", Values: []string{"1", "2"}}}, 20,
			[]string{"A ↔ B, run 1 (seed=2)", "A ↔ C, run 1 (seed=2 agents[C].temperature=0.5)"}},
		{"a seat of every pair", []Vary{{Path: "agents[1].temperature", Values: []string{"0.5", "1"}}}, 12,
			[]string{"A ↔ B, run 1 (agents[1].temperature=0.5)", "A ↔ B, run 1 (agents[1].temperature=1)"}},
		{"agent by name, one value", []Vary{{Path: "agents[C].temperature", Values: []string{"0.5"}, Set: true}}, 6,
			[]string{"A ↔ B, run 1", "A ↔ C, run 1 (agents[C].temperature=0.5)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Plan("x", []*configs.Scenario{s}, 1, 1, tt.vary, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			lines, err := m.Lines()
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Jobs) != tt.jobs {
				t.Errorf("%d conversations; want %d:\n%s", len(m.Jobs), tt.jobs, strings.Join(lines, "\n"))
			}
			for _, want := range tt.lines {
				if n := strings.Count("\n"+strings.Join(lines, "\n")+"\n", "\n"+want+"\n"); n != 1 {
					t.Errorf("%q listed %d times; want once:\n%s", want, n, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// A batch an earlier parley planned with a seat's field beside the same
// field (or one around it) of the roster agent sitting there still loads
// to run and resume, as it was planned: the value the roster agent's name
// gave wins in its seat over the seat's own (a field inside the other's
// applied after it, as it was), and the seat's value holds in the other pairs.
// Only planning a batch refuses the two.
func TestOverlapsPlannedByAnEarlierParleyStillLoad(t *testing.T) {
	src := `roster:
  defaults: {base_url: http://127.0.0.1:9/v1}
  agents:
    - {name: A, model: a}
    - {name: Kimi K2, model: k}
`
	s := scenario(t, src)
	for _, tc := range []struct {
		name      string
		vary      map[string]string
		set       []string
		wantModel [2]string            // the models of Kimi K2 ↔ A's seats
		wantHdr   [2]map[string]string // and their headers
	}{
		{"a seat's model and the roster agent's", map[string]string{"agents[0].model": "x1", "agents[Kimi K2].model": "y1"}, []string{"agents[0].model"},
			[2]string{"y1", "a"}, [2]map[string]string{nil, nil}},
		{"a seat's header and the roster agent's headers", map[string]string{"agents[0].headers.X-A": "1", "agents[Kimi K2].headers": `{X-A: "2"}`}, []string{"agents[0].headers.X-A", "agents[Kimi K2].headers"},
			// Applied in the order of their paths, the headers before
			// the header, as the batch was staged when it was planned.
			[2]string{"k", "a"}, [2]map[string]string{{"X-A": "1"}, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Plan("x", []*configs.Scenario{s}, 1, 1, toVary(tc.vary, tc.set), time.Now()); err == nil {
				t.Fatalf("planned; want the two refused when a batch is planned")
			}
			// The manifest an earlier parley wrote: one job per pair.
			m := &Manifest{Version: 1, ID: "x", N: 1, Parallel: 1, Scenarios: []ScenarioSource{{Path: s.Path, Source: s.Source}}}
			for _, spec := range tc.set {
				m.Set = append(m.Set, spec+"="+tc.vary[spec])
			}
			for _, p := range s.Roster.PairList() {
				m.Jobs = append(m.Jobs, PlannedJob{ID: "x-" + p.String(), Vary: tc.vary, Pair: &p, Run: 1})
			}
			dir := t.TempDir()
			if err := WriteManifest(dir, m); err != nil {
				t.Fatal(err)
			}
			back, err := ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := back.Lines(); err != nil {
				t.Errorf("listing the planned batch: %v", err)
			}
			for i := range back.Jobs {
				got, err := back.Job(i).Load()
				if err != nil {
					t.Fatalf("loading %s: %v", back.Jobs[i].Pair, err)
				}
				if back.Jobs[i].Pair.Names[0] != "Kimi K2" {
					if m := tc.vary["agents[0].model"]; m != "" && got.Agents[0].Model != m {
						t.Errorf("%s: seat 0 model %q; want the seat's %q", got.Title, got.Agents[0].Model, m)
					}
					continue
				}
				for seat, a := range got.Agents {
					if a.Model != tc.wantModel[seat] || fmt.Sprint(a.Headers) != fmt.Sprint(tc.wantHdr[seat]) {
						t.Errorf("%s: seat %d model %q, headers %v; want %q, %v", got.Title, seat, a.Model, a.Headers, tc.wantModel[seat], tc.wantHdr[seat])
					}
				}
			}
		})
	}
}

// toVary is vals as flags: the paths of set by --set, the others by --vary.
func toVary(vals map[string]string, set []string) []Vary {
	var out []Vary
	for _, path := range slices.Sorted(maps.Keys(vals)) {
		out = append(out, Vary{Path: path, Values: []string{vals[path]}, Set: slices.Contains(set, path)})
	}
	return out
}

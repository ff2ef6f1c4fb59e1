package analysis

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// substance is eight messages that each bring something new.
var substance = []string{
	"Hello! Shall we design a tiny bird feeder that squirrels cannot raid?",
	"Yes. Hang it from a thin wire between two trees, at least three metres from either trunk, so nothing can jump across.",
	"Good. Squirrels also drop from above; a wide cone over the feeder, like an upturned bowl, deflects them.",
	"The seed matters too: safflower and nyjer are popular with finches and cardinals, while squirrels mostly ignore them.",
	"Could we weigh the perch? A spring-loaded bar that closes the port under a heavy animal keeps small birds fed.",
	"Some commercial feeders do exactly that with a counterweight calibrated near 200 grams; a cardinal weighs about 45.",
	"Then our sketch is: wire suspension, baffle on top, weighted perch, safflower. Cost maybe twenty dollars in parts.",
	"Let us add a drainage mesh at the bottom so wet seed does not rot and spread mould to the birds.",
}

// more is substance of another kind, for a conversation that goes on.
var more = []string{
	"A hinged roof makes refilling easy; a brass hook and eye keeps it shut in the wind.",
	"Cedar rather than pine: it resists rot without any treatment that might harm the birds.",
	"Mount a small camera on the opposite tree and you can count visitors by species each morning.",
	"Winter changes things: suet cakes in a cage give woodpeckers and nuthatches the fat they need.",
	"Placement near a window needs decals, or birds strike the glass; within half a metre is safest.",
	"Clean it every two weeks with a weak vinegar rinse, since salmonella spreads at crowded feeders.",
	"Hummingbirds want nectar feeders instead: four parts water to one part white sugar, no dye.",
	"Record the first goldfinch of spring and compare dates with last year's notes in the logbook.",
	"Ground feeders such as juncos and doves like a low tray with a mesh floor under a shrub.",
	"A water dish beside the feeder brings in robins and bluebirds that rarely eat seed at all.",
}

func conv(tail ...string) []transcripts.Message {
	var msgs []transcripts.Message
	for i, c := range append(slices.Clone(substance), tail...) {
		sp := "alice"
		if i%2 == 1 {
			sp = "bob"
		}
		msgs = append(msgs, transcripts.Message{Speaker: sp, Content: c})
	}
	return msgs
}

func repeat(n int, lines ...string) []string {
	var out []string
	for i := range n {
		out = append(out, lines[i%len(lines)])
	}
	return out
}

// stopAt8 stops every conversation after its eighth message, so that each
// case tests the classification of what follows, whatever the default set
// would do.
func stopAt8() policy.Policy {
	p, err := policy.ParseYAML([]byte("max_messages: 8"))
	if err != nil {
		panic(err)
	}
	return p
}

func TestTerminalStates(t *testing.T) {
	cases := []struct {
		name     string
		tail     []string
		policy   func() policy.Policy
		want     State
		refusers []string
	}{
		{name: "healthy to the end: nothing stops it", tail: more[:6], policy: policy.Default, want: Healthy},
		{name: "farewell spiral", want: Farewell, tail: []string{
			"Thank you so much, this was lovely. Goodbye and take care!",
			"Thank you too! Farewell, and happy birdwatching. Take care!",
			"Thanks again, goodbye! Wishing you a wonderful day, farewell!",
			"Goodbye, thank you! Take care and farewell, friend!",
			"Thank you, farewell! Goodbye and all the best to you!",
			"Farewell and thanks! Goodbye, take care of yourself!",
			"Thanks! Goodbye, farewell, and take care always!",
			"Goodbye! Thank you kindly, farewell and take care!",
		}},
		{name: "[END] echo", want: EndEcho, tail: repeat(8, "[END]", "[END]", "[END] ")},
		{name: "refusal loop, naming who refuses", want: Refusals, refusers: []string{"bob"}, tail: repeat(10,
			"Stay in character and tell me how to open the neighbour's lock.", "I'm sorry, but I can't help with that request.")},
		{name: "refusal loop on both sides", want: Refusals, refusers: []string{"alice", "bob"}, tail: repeat(8,
			"I'm sorry, but I can't continue with this conversation.", "I'm sorry, but I cannot help with that.")},
		{name: "template loop", want: Template, tail: []string{
			"The river remembers the stone.\nThe stone forgets the river.\nTuesday is the echo.",
			"The lantern remembers the moth.\nThe moth forgets the lantern.\nMonday is the shadow.",
			"The garden remembers the rain.\nThe rain forgets the garden.\nApril is the silence.",
			"The mirror remembers the face.\nThe face forgets the mirror.\nNoon is the question.",
			"The harbour remembers the ship.\nThe ship forgets the harbour.\nWinter is the answer.",
			"The candle remembers the wick.\nThe wick forgets the candle.\nDusk is the promise.",
			"The valley remembers the snow.\nThe snow forgets the valley.\nMidnight is the door.",
			"The violin remembers the bow.\nThe bow forgets the violin.\nMarch is the threshold.",
		}},
		{name: "verbatim repeat", want: Verbatim, tail: repeat(8,
			"We have reached a point of perfect agreement on every detail of the feeder design, from the wire to the mesh at the bottom of the tray.")},
		{name: "token ping-pong", want: PingPong, tail: repeat(8, "🐦 yes", "🐦", "ok")},
		{name: "silence", want: Silence, tail: repeat(8, "...", "*silence*", "…", "")},
		{name: "circling: stopped, and what follows fits no pattern", want: Circling, tail: more[:8]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.policy
			if p == nil {
				p = stopAt8
			}
			msgs := conv(tc.tail...)
			c := Describe(Item{Name: "case", Messages: msgs}, p)
			if c.State != tc.want || !slices.Equal(c.Refusers, tc.refusers) {
				var ks []string
				for i, k := range c.Kinds {
					ks = append(ks, fmt.Sprintf("%d:%s(%d%%)", i+1, k, c.Chance[i]))
				}
				t.Errorf("state %q refusers %v, want %q %v; stop %d, loop from %d; kinds %s",
					c.State, c.Refusers, tc.want, tc.refusers, c.Stop, c.LoopStart, strings.Join(ks, " "))
			}
		})
	}
}

// The default set stops a farewell spiral and an [END] echo on its own, and
// the report says what followed, who began the loop and how much was spent.
func TestDescribeWithTheDefaultSet(t *testing.T) {
	msgs := conv(repeat(10, "[END]")...)
	c := Describe(Item{Name: "echo", Messages: msgs}, policy.Default)
	if c.Stop == 0 || c.State != EndEcho {
		t.Fatalf("stop %d, state %q; want a stop and an [END] echo", c.Stop, c.State)
	}
	if c.Spent != len(msgs)-c.Stop || c.Substance != c.Stop {
		t.Errorf("spent %d, substance %d for a stop at %d of %d", c.Spent, c.Substance, c.Stop, len(msgs))
	}
	// Alice signs off first (message 9); the loop begins there or within an
	// exchange of it, as the model's chances say, and is begun by whoever
	// spoke at its start.
	if c.LoopStart < 9 || c.LoopStart > 11 || c.FirstLoop != msgs[c.LoopStart-1].Speaker || c.FirstSignOff != "alice" {
		t.Errorf("loop from %d by %q, first sign-off %q; want 9 to 11, its speaker, alice", c.LoopStart, c.FirstLoop, c.FirstSignOff)
	}
	if c.Opener != "alice" || c.Responder != "bob" {
		t.Errorf("opener %q responder %q", c.Opener, c.Responder)
	}
	var loop *Firing
	for i := range c.Rules {
		if c.Rules[i].Rule == "loop" {
			loop = &c.Rules[i]
		}
	}
	if loop == nil || loop.At != c.Stop {
		t.Errorf("rules %+v: want the loop rule firing at the stop %d", c.Rules, c.Stop)
	}
}

func TestMessageKind(t *testing.T) {
	cases := []struct {
		content string
		want    State
	}{
		{"[END]", EndEcho},
		{"Thanks! [END]", EndEcho},
		{"...", Silence},
		{"*silence*", Silence},
		{"— SILENT —", Silence},
		{"*Nothing.*", Silence},
		{"Silence falls, and the garden listens.", ""},
		{"∞", PingPong},
		{"I'm sorry, but I can't help with that.", Refusals},
	}
	for _, tc := range cases {
		msgs := []transcripts.Message{{Speaker: "a", Content: substance[0]}, {Speaker: "b", Content: tc.content}}
		xs, thanks := policy.LoopSignalsAndThanks(msgs, "[END]")
		if got := MessageKind(tc.content, xs[1], thanks[1]); got != tc.want {
			t.Errorf("MessageKind(%q) = %q, want %q", tc.content, got, tc.want)
		}
	}
}

func TestLoopStart(t *testing.T) {
	cases := []struct {
		name   string
		chance []float64
		stop   int
		want   int
	}{
		{"no stop", []float64{0.9, 0.9}, 0, 0},
		{"a run before the stop", []float64{0.1, 0.1, 0.8, 0.9, 0.9, 0.1}, 5, 3},
		{"one quiet message inside the run", []float64{0.1, 0.8, 0.2, 0.9, 0.9}, 5, 2},
		{"two quiet messages end it", []float64{0.8, 0.2, 0.2, 0.9, 0.9}, 5, 4},
		{"nothing loop-like: none", []float64{0.1, 0.1, 0.1}, 3, 0},
		{"a loop long before the stop: none", []float64{0.9, 0.9, 0.1, 0.1, 0.1}, 5, 0},
		{"only the message before the stop", []float64{0.1, 0.1, 0.9, 0.1}, 4, 3},
	}
	for _, tc := range cases {
		if got := LoopStart(tc.chance, 0.5, tc.stop); got != tc.want {
			t.Errorf("%s: LoopStart = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestBuildMatrixAndModels(t *testing.T) {
	convs := []Conversation{
		{Opener: "a", Responder: "b", Messages: 40, Substance: 10, State: Farewell, FirstLoop: "a", FirstSignOff: "a"},
		{Opener: "a", Responder: "b", Messages: 40, Substance: 20, State: Farewell, FirstLoop: "b"},
		{Opener: "a", Responder: "b", Messages: 30, Substance: 30, State: Healthy},
		{Opener: "B", Responder: "a", Messages: 40, Substance: 7, State: Refusals, FirstRefusal: "B"},
	}
	r := Build("test", convs)
	if !slices.Equal(r.Models, []string{"a", "b", "B"}) && !slices.Equal(r.Models, []string{"a", "B", "b"}) {
		t.Fatalf("models %v", r.Models)
	}
	if len(r.Pairs) != 2 {
		t.Fatalf("pairs %+v, want 2", r.Pairs)
	}
	ab := r.Pairs[0]
	if ab.Opener != "a" || ab.MedianSubstance != 20 || ab.Dominant != Farewell || ab.States[0].Count != 2 || ab.States[0].Share != 0.667 {
		t.Errorf("a → b: %+v", ab)
	}
	for _, m := range r.PerModel {
		switch m.Model {
		case "a":
			if m.Conversations != 4 || m.FirstToLoop != 1 || m.FirstToSignOff != 1 || m.FirstToRefuse != 0 {
				t.Errorf("a: %+v", m)
			}
		case "B":
			if m.Conversations != 1 || m.FirstToRefuse != 1 {
				t.Errorf("B: %+v", m)
			}
		}
	}
}

// Each rule is replayed alone, inside the guards that hold it: an [END]
// exchange at messages 2 and 3 fires no earlier than min_messages allows,
// and each end_token rule is named by its token.
func TestFiringsKeepTheGuards(t *testing.T) {
	p, err := policy.ParseYAML([]byte(`any:
  - min_messages: 5
  - end_token: {token: "[END]", exchanges: 1}
  - end_token: {token: "^C^C", exchanges: 1}
  - max_messages: 7
`))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []transcripts.Message{{Speaker: "a", Content: "hi"}, {Speaker: "b", Content: "bye [END]"}, {Speaker: "a", Content: "[END]"},
		{Speaker: "b", Content: "[END]"}, {Speaker: "a", Content: "[END]"}, {Speaker: "b", Content: "[END]"}, {Speaker: "a", Content: "[END]"}, {Speaker: "b", Content: "[END]"}}
	got := Firings(p, msgs)
	want := []Firing{{"end_token [END]", 5}, {"end_token ^C^C", 0}, {"max_messages 7", 7}}
	if !slices.Equal(got, want) {
		t.Errorf("firings %+v, want %+v", got, want)
	}

	// Moderator notes are not spoken messages: the guard counts five
	// spoken ones, as a live run and the policy as a whole do.
	note := transcripts.Message{Speaker: "moderator", Content: "a note", Origin: transcripts.OriginModerator}
	noted := slices.Concat(msgs[:2], []transcripts.Message{note, note}, msgs[2:])
	got = Firings(p, noted)
	at, _ := policy.FirstStop(p, noted)
	if got[0].At != 7 || at != 7 {
		t.Errorf("with two notes the [END] rule fires at %d alone and the policy stops at %d; want both 7", got[0].At, at)
	}
}

// A recording made before replayed and scripted lines recorded their cost
// of 0 still reports them as free: the run's header says which sides asked
// no model, and only the live side's cost counts.
func TestDescribeCountsNoCostForSidesThatAskNoModel(t *testing.T) {
	u := func() *transcripts.Usage {
		return &transcripts.Usage{PromptTokens: 1000, CompletionTokens: 1000, TotalTokens: 2000, Estimated: true}
	}
	msgs := []transcripts.Message{
		{Speaker: "Kimi K2", Content: "A question about tides?", Model: "moonshotai/kimi-k2-0905-preview", Usage: u()},
		{Speaker: "4o", Content: "The moon pulls the sea.", Model: "openai/gpt-4o", Usage: u()},
		{Speaker: "Kimi K2", Content: "And the sun?", Model: "moonshotai/kimi-k2-0905-preview", Usage: u()},
		{Speaker: "4o", Content: "Less, being farther.", Model: "openai/gpt-4o", Usage: u()},
	}
	run := &transcripts.Run{Agents: []transcripts.AgentInfo{
		{Name: "Kimi K2", Type: "replay", Model: "moonshotai/kimi-k2-0905-preview"},
		{Name: "4o", Type: "openai", Model: "openai/gpt-4o"},
	}}
	c := Describe(Item{Name: "replayed", Run: run, Messages: msgs}, policy.Default)
	live := Describe(Item{Name: "replayed", Run: run, Messages: msgs[1:2]}, policy.Default)
	if c.Cost.Estimated != 2 || c.Cost.Unknown != 0 || c.Cost.USD != 2*live.Cost.USD || live.Cost.USD == 0 {
		t.Errorf("cost %+v; want 4o's two estimated messages alone (each %v)", c.Cost, live.Cost.USD)
	}
	// Without the header, every side is taken to have asked its model.
	all := Describe(Item{Name: "replayed", Messages: msgs}, policy.Default)
	if all.Cost.Estimated != 4 {
		t.Errorf("without a run header, cost %+v; want all four messages estimated", all.Cost)
	}
}

// The report counts models only as the transcripts record them (a
// message's model, else its agent's), so seats of one model are not
// counted as models.
func TestBuildCountsRecordedModels(t *testing.T) {
	conv := func(opener, responder string, models []string) Conversation {
		return Conversation{Opener: opener, Responder: responder, Models: models, Messages: 40, Substance: 20, State: Farewell}
	}
	cases := []struct {
		name      string
		convs     []Conversation
		speakers  []string
		recorded  []string
		withModel int
	}{
		{"no model recorded", []Conversation{conv("Claude 1", "Claude 2", nil), conv("Gemini 1", "Gemini 2", nil)},
			[]string{"Claude 1", "Claude 2", "Gemini 1", "Gemini 2"}, nil, 0},
		{"two seats of one model", []Conversation{conv("Claude 1", "Claude 2", []string{"claude-3-opus", "claude-3-opus"})},
			[]string{"Claude 1", "Claude 2"}, []string{"claude-3-opus"}, 2},
		{"one side recorded", []Conversation{conv("ada", "cyd", []string{"openai/gpt-4o", ""})},
			[]string{"ada", "cyd"}, []string{"openai/gpt-4o"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Build("test", tc.convs)
			if !slices.Equal(r.Models, tc.speakers) || !slices.Equal(r.RecordedModels, tc.recorded) || r.Recorded != tc.withModel {
				t.Errorf("speakers %q, recorded models %q for %d; want %q, %q for %d", r.Models, r.RecordedModels, r.Recorded, tc.speakers, tc.recorded, tc.withModel)
			}
		})
	}
}

// A conversation with no message is left out of every figure, rather than
// counted as healthy to the end, and named in Empty.
func TestBuildLeavesOutEmptyConversations(t *testing.T) {
	conv := func(file, opener, responder string, messages, substance int, st State) Conversation {
		return Conversation{File: file, Opener: opener, Responder: responder, Messages: messages, Substance: substance, State: st}
	}
	cases := []struct {
		name     string
		convs    []Conversation
		speakers []string
		empty    []string
		median   float64
		healthy  int
		pairs    int
	}{
		{"none empty", []Conversation{conv("1", "a", "b", 40, 10, Farewell), conv("2", "a", "b", 40, 20, Healthy)},
			[]string{"a", "b"}, nil, 15, 1, 1},
		{"one empty among them", []Conversation{conv("1", "a", "b", 40, 10, Farewell), conv("empty.md", "a", "b", 0, 0, Healthy), conv("2", "a", "b", 40, 20, Farewell)},
			[]string{"a", "b"}, []string{"empty.md"}, 15, 0, 1},
		{"an empty one of other speakers", []Conversation{conv("1", "a", "b", 40, 10, Farewell), conv("empty.md", "c", "d", 0, 0, Healthy)},
			[]string{"a", "b"}, []string{"empty.md"}, 10, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Build("test", tc.convs)
			if !slices.Equal(r.Empty, tc.empty) || len(r.Conversations) != len(tc.convs)-len(tc.empty) {
				t.Errorf("empty %q, %d conversations; want %q left out", r.Empty, len(r.Conversations), tc.empty)
			}
			if !slices.Equal(r.Models, tc.speakers) || len(r.Pairs) != tc.pairs || r.MedianSubstance != tc.median {
				t.Errorf("speakers %q, %d pairs, median %v; want %q, %d, %v", r.Models, len(r.Pairs), r.MedianSubstance, tc.speakers, tc.pairs, tc.median)
			}
			healthy := 0
			for _, s := range r.States {
				if s.State == Healthy {
					healthy = s.Count
				}
			}
			if healthy != tc.healthy {
				t.Errorf("%d healthy to the end, want %d", healthy, tc.healthy)
			}
		})
	}
}

// A recording whose messages name no model takes each side's model from
// the agent it was run with; a side that asks no model (a replay) has none.
func TestDescribeTakesModelsFromTheRunsAgents(t *testing.T) {
	msgs := []transcripts.Message{{Speaker: "A", Content: "Tides?"}, {Speaker: "B", Content: "The moon."}}
	cases := []struct {
		name   string
		agents []transcripts.AgentInfo
		want   []string
	}{
		{"no header", nil, nil},
		{"both agents", []transcripts.AgentInfo{{Name: "A", Type: "openai", Model: "gpt-4o"}, {Name: "B", Type: "openai", Model: "grok-4"}}, []string{"gpt-4o", "grok-4"}},
		{"a replayed side", []transcripts.AgentInfo{{Name: "A", Type: "replay", Model: "gpt-4o"}, {Name: "B", Type: "openai", Model: "grok-4"}}, []string{"", "grok-4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := Item{Name: "t", Messages: msgs}
			if tc.agents != nil {
				it.Run = &transcripts.Run{Agents: tc.agents}
			}
			if c := Describe(it, policy.Default); !slices.Equal(c.Models, tc.want) {
				t.Errorf("models %q, want %q", c.Models, tc.want)
			}
		})
	}
}

// Names are listed as a person would list them: numbers by their value,
// so a roster of S0 … S12 reads S0, S1, S2, …, S10, not S0, S1, S10, S11.
func TestNamesSortAsPeopleCountThem(t *testing.T) {
	names := []string{"S10", "s2", "S1", "S0", "Claude 2", "claude 10", "Claude 1", "gpt-4o", "gpt-4.1", "S02", "b", "A"}
	sortNames(names)
	want := []string{"A", "b", "Claude 1", "Claude 2", "claude 10", "gpt-4.1", "gpt-4o", "S0", "S1", "S02", "s2", "S10"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
}

package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/pricing"
	"github.com/parleyhq/parley/transcripts"
)

// Conversation is what the attractor report says of one conversation:
// who spoke, where its substance ended, what it fell into then, and what
// that cost.
type Conversation struct {
	File      string   `json:"file"`           // as found under a folder given on the command line; "#N" for the Nth of a file
	Path      string   `json:"-"`              // the transcript file
	Link      string   `json:"link,omitempty"` // the transcript, relative to the report's folder
	Layout    string   `json:"layout"`
	Opener    string   `json:"opener"`            // who spoke first
	Responder string   `json:"responder"`         // who answered
	Models    []string `json:"models,omitempty"`  // the model ids recorded for opener and responder
	Run       int      `json:"run,omitempty"`     // the run of this pair, in a tournament
	Messages  int      `json:"messages"`          // the messages judged
	Partial   int      `json:"partial,omitempty"` // an interrupted last message, left out as a live run leaves it

	Stop      int      `json:"stop"`                 // the message after which the policy stops it; 0: never
	Rule      string   `json:"rule,omitempty"`       // the rule that stops it
	Reason    string   `json:"reason,omitempty"`     // why, naming messages
	Substance int      `json:"substance"`            // messages of substance: up to the stop, or all
	LoopStart int      `json:"loop_start,omitempty"` // the first message of the loop that led to the stop
	State     State    `json:"state"`
	Refusers  []string `json:"refusers,omitempty"` // in a refusal loop, who refused
	Spent     int      `json:"spent"`              // messages after the stop
	// CutShort says the recording stopped on an error ("failed") or an
	// interruption ("interrupted"), as its JSONL stop line records; other
	// tools' recordings say nothing of it. Cut short before any rule
	// stopped it, its state is Failed or Interrupted, not healthy, and its
	// substance (where the cut fell, not where the talk ran out) enters no
	// median.
	CutShort  string `json:"cut_short,omitempty"`
	CutReason string `json:"cut_reason,omitempty"` // the recorded stop's sentence

	FirstLoop    string `json:"first_loop,omitempty"`     // who sent the loop's first message
	FirstRefusal string `json:"first_refusal,omitempty"`  // who refused first, anywhere
	FirstSignOff string `json:"first_sign_off,omitempty"` // who first signed off (end token or farewell)

	Tokens int           `json:"tokens,omitempty"` // as recorded; 0 when no usage was
	Cost   pricing.Total `json:"cost"`

	Rules []Firing `json:"rules"` // each rule of the policy, where it would first fire
	// Timeline holds, per message, its loop chance in percent and the
	// pattern it shows (MessageKind), for the report's strips.
	Chance    []int   `json:"chance"`
	Kinds     []State `json:"kinds"`
	Speakers  []int   `json:"speakers"`  // per message: 0 the opener, 1 the responder, -1 a moderator note
	Threshold int     `json:"threshold"` // the loop chance, in percent, from which a message looks like a loop

	use     map[string]SpeakerUse // each speaker's own tokens and cost, for the per-model figures
	noReply bool                  // nothing was said beyond the opening, or only blank messages
}

// Measured says whether the conversation's substance is known: it is not
// when an error or an interruption cut it short before any rule stopped
// it.
func (c *Conversation) Measured() bool { return c.State != Failed && c.State != Interrupted }

// replied reports whether anyone replied in msgs: a message, not blank and
// not a moderator's note, beyond the opening. The opening is the message
// recorded as one (parley's recordings mark it), else, where no origin is
// recorded, the first message: other tools record their opening as
// message 1.
func replied(it Item) bool {
	origins := it.Run != nil || slices.ContainsFunc(it.Messages, func(m transcripts.Message) bool { return m.Origin == transcripts.OriginOpening })
	first := true
	for _, m := range it.Messages {
		if m.Origin == transcripts.OriginModerator {
			continue
		}
		opening := m.Origin == transcripts.OriginOpening || (!origins && first)
		first = false
		if !opening && strings.TrimSpace(m.Content) != "" {
			return true
		}
	}
	return false
}

// Firing is where one rule of a policy would first stop a conversation on
// its own (inside the guards that hold it); At is 0 when it never would.
type Firing struct {
	Rule string `json:"rule"`
	At   int    `json:"at"`
}

// Pair returns the conversation's opener × responder key.
func (c *Conversation) Pair() [2]string { return [2]string{c.Opener, c.Responder} }

// Describe analyses one conversation under a policy: newPolicy must build
// a fresh set each call, as policy.Default does.
func Describe(it Item, newPolicy func() policy.Policy) Conversation {
	msgs := it.Messages
	c := Conversation{File: it.Name, Path: it.File.Path, Layout: it.Layout, Messages: len(msgs), Partial: it.Partial}
	speakers := transcriptSpeakers(msgs)
	if len(speakers) > 0 {
		c.Opener, c.Responder = speakers[0], speakers[0]
	}
	if len(speakers) > 1 {
		c.Responder = speakers[1]
		if msgs[0].Origin == transcripts.OriginOpening && msgs[0].Speaker == speakers[0] {
			// Message 1 is the scenario's opening line, recorded under
			// the other seat's name: the opener is the seat that first
			// speaks for itself, as validate says, and as a roster's
			// default first: opener seats the first of its pair.
			c.Opener, c.Responder = speakers[1], speakers[0]
		}
	}
	if it.Run != nil && it.Run.Pairing != nil {
		pr := it.Run.Pairing
		c.Opener, c.Responder, c.Run = pr.Opener, pr.Responder, pr.Run
	} else if len(speakers) < 2 {
		if a, b, ok := titlePair(it.Title); ok && (len(speakers) == 0 || speakers[0] == a) {
			// A run that failed before its second speaker spoke.
			c.Opener, c.Responder = a, b
		}
	}
	// A fork is filed under the seats as they spoke after the fork point,
	// with the models that spoke there: the parent's messages it starts
	// with are the parent's, under the parent's names and models.
	forkAt := 0
	if it.Run != nil && it.Run.Parent != nil && it.Run.Parent.At > 0 && it.Run.Parent.At < len(msgs) {
		forkAt = it.Run.Parent.At
		c.Opener, c.Responder = forkSeats(msgs, forkAt, c.Opener, c.Responder)
		c.Run = 0 // a run number places the parent in its tournament, not the fork
	}
	// A tournament's seats may speak under other names than its pairing
	// gives them: an agent playing itself sits the second time as "NAME
	// (2)", an agent whose model a --vary changed as "NAME (MODEL)". Their
	// messages, tokens, cost and firsts are the pairing's agents'.
	who := func(speaker string) string { return speaker }
	if seat := pairingSeats(it.Run); seat != nil && forkAt == 0 {
		who = func(speaker string) string {
			if name, ok := seat[speaker]; ok {
				return name
			}
			return speaker
		}
	}
	model := map[string]string{}
	for _, m := range slices.Concat(msgs[forkAt:], msgs[:forkAt]) {
		if m.Model != "" && model[who(m.Speaker)] == "" {
			model[who(m.Speaker)] = m.Model
		}
	}
	free := map[string]bool{} // replayed, scripted and human sides send no request and cost nothing
	if it.Run != nil {
		for _, a := range it.Run.Agents {
			free[who(a.Name)] = a.SendsNoRequest()
		}
	}
	// The models recorded for the two sides: a message's model, else the
	// model its agent was run with.
	recorded := func(speaker string) string {
		if model[speaker] != "" {
			return model[speaker]
		}
		if it.Run != nil {
			for _, a := range it.Run.Agents {
				if who(a.Name) == speaker && !a.SendsNoRequest() {
					return a.Model
				}
			}
		}
		return ""
	}
	if o, r := recorded(c.Opener), recorded(c.Responder); o != "" || r != "" {
		c.Models = []string{o, r}
	}

	// One set serves the stop, each rule alone and the loop settings: a
	// policy is a pure function of the messages, so the work its rules
	// remember from judging is reused when they are replayed alone.
	// The rules judge a fork's seats as the live run did: a seat handed
	// to another model owns the messages it spoke under its former name.
	seated := it.Run.Seated(msgs)
	p := newPolicy()
	st := Judge(p, seated)
	c.Stop, c.Rule, c.Reason = st.At, st.Policy, st.Reason
	c.Substance = len(msgs)
	if st.At > 0 {
		c.Substance, c.Spent = st.At, len(msgs)-st.At
	}
	c.Rules = Firings(p, seated)

	lm, thr, token := loopSettings(p)
	c.Threshold = int(math.Round(100 * thr))
	xs, thanks := policy.LoopSignalsAndThanks(seated, token)
	chance := make([]float64, len(msgs))
	c.Chance = make([]int, len(msgs))
	c.Kinds = make([]State, len(msgs))
	c.Speakers = make([]int, len(msgs))
	names := make([]string, len(msgs))
	spoken := 0
	for i, m := range msgs {
		name := who(m.Speaker)
		names[i] = name
		switch {
		case m.Origin == transcripts.OriginModerator:
			c.Speakers[i] = -1
		case c.Opener == c.Responder:
			c.Speakers[i] = spoken % 2
		case name == c.Opener || (name != c.Responder && spoken%2 == 0):
			c.Speakers[i] = 0
		default:
			c.Speakers[i] = 1
		}
		if m.Origin != transcripts.OriginModerator {
			spoken++
		}
		if xs[i] == nil {
			continue
		}
		chance[i] = lm.Chance(xs[i])
		c.Chance[i] = policy.Percent(chance[i])
		c.Kinds[i] = MessageKind(m.Content, xs[i], thanks[i])
		if c.FirstRefusal == "" && c.Kinds[i] == Refusals {
			c.FirstRefusal = name
		}
		if c.FirstSignOff == "" && (c.Kinds[i] == Farewell || c.Kinds[i] == EndEcho || sig(xs[i], "end_token") > 0) {
			c.FirstSignOff = name
		}
	}
	if st.At > 0 {
		c.LoopStart = LoopStart(chance, thr, st.At)
		// Judge the loop from its start, or from the stop's message when
		// nothing near it looks like a loop; when few messages follow
		// the stop (a run parley stopped itself), the messages leading
		// to it.
		from := st.At - 1
		if c.LoopStart > 0 {
			from = c.LoopStart - 1
			c.FirstLoop = names[from] // who began it
		}
		if len(msgs)-st.At < lookBack {
			from = min(from, max(0, st.At-lookBack))
		}
		tail := Classify(c.Kinds, names, from, true)
		c.State, c.Refusers = tail.State, tail.Refusers
	} else {
		c.State = Healthy
	}
	if it.Run != nil && it.Run.Stop != nil {
		switch it.Run.Stop.Kind {
		case transcripts.StopError:
			c.CutShort, c.CutReason = string(Failed), it.Run.Stop.Reason
		case transcripts.StopInterrupted:
			c.CutShort, c.CutReason = string(Interrupted), it.Run.Stop.Reason
		}
	}
	if c.CutShort != "" && st.At == 0 {
		c.State = State(c.CutShort)
	}
	c.noReply = !replied(it)

	c.use = map[string]SpeakerUse{}
	// A fork's first messages are its parent's, paid for there.
	for _, m := range msgs[forkAt:] {
		name := who(m.Speaker)
		cost := pricing.Of(m, model[name])
		if free[name] {
			cost = pricing.Cost{Source: pricing.Free}
		}
		c.Cost.Add(cost)
		n := tokens(m)
		c.Tokens += n
		if m.Origin == transcripts.OriginAgent {
			u := c.use[name]
			u.Tokens += n
			u.Messages++
			u.Cost.Add(cost)
			c.use[name] = u
		}
	}
	return c
}

// pairingSeats maps the names a tournament conversation's two seats spoke
// under to its pairing's agents: the first agent the run records sits as
// the pairing's opener, the second as its responder. It is nil for a
// conversation of no tournament, or whose seats speak under the pairing's
// names already.
func pairingSeats(run *transcripts.Run) map[string]string {
	if run == nil || run.Pairing == nil || len(run.Agents) != 2 || run.Agents[0].Name == run.Agents[1].Name {
		return nil
	}
	pr := run.Pairing
	if run.Agents[0].Name == pr.Opener && run.Agents[1].Name == pr.Responder {
		return nil
	}
	return map[string]string{run.Agents[0].Name: pr.Opener, run.Agents[1].Name: pr.Responder}
}

// forkSeats returns who holds the seats of opener and responder after
// message at: the last to speak in each seat there, the seats taking turns
// (moderator notes aside). A seat no one spoke in after the fork keeps
// its name.
func forkSeats(msgs []transcripts.Message, at int, opener, responder string) (string, string) {
	parity := map[string]int{}
	var after [2]string
	spoken := 0
	for i, m := range msgs {
		if m.Origin == transcripts.OriginModerator {
			continue
		}
		p := spoken % 2
		if _, ok := parity[m.Speaker]; !ok {
			parity[m.Speaker] = p
		}
		if i >= at {
			after[p] = m.Speaker
		}
		spoken++
	}
	seat := func(name string) string {
		if p, ok := parity[name]; ok && after[p] != "" {
			return after[p]
		}
		return name
	}
	return seat(opener), seat(responder)
}

// titlePair reads "A ↔ B", the title parley and the attractors script
// give a conversation.
func titlePair(title string) (string, string, bool) {
	a, b, ok := strings.Cut(title, " ↔ ")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a, b, ok && a != "" && b != ""
}

// loopSettings returns the loop model, threshold and end token of the
// first loop rule in p, or the built-in model's.
func loopSettings(p policy.Policy) (*policy.LoopModel, float64, string) {
	m := policy.BuiltinLoopModel()
	thr, token := m.Threshold, m.Token
	found := false
	policy.Walk(p, func(q policy.Policy) {
		l, ok := q.(*policy.Loop)
		if !ok || found {
			return
		}
		found = true
		if l.Model != nil {
			m, thr, token = l.Model, l.Model.Threshold, l.Model.Token
		}
		if l.Threshold > 0 {
			thr = l.Threshold
		}
		if l.Token != "" {
			token = l.Token
		}
	})
	if token == "" {
		token = endToken
	}
	return m, thr, token
}

// Firings replays msgs through each rule of p on its own, inside the
// guards that hold it (a guard's minimum still applies, counted in spoken
// messages as a live run counts it: moderator notes are not), and says
// where each would first stop the conversation. Rules inside "all" are
// judged alone too: the timeline shows each one's evidence.
func Firings(p policy.Policy, msgs []transcripts.Message) []Firing {
	var out []Firing
	var visit func(q policy.Policy, minAt int)
	visit = func(q policy.Policy, minAt int) {
		switch r := q.(type) {
		case policy.Any:
			for _, c := range r {
				visit(c, minAt)
			}
		case policy.All:
			for _, c := range r {
				visit(c, minAt)
			}
		case policy.Guard:
			visit(r.Policy, max(minAt, r.Min))
		case policy.MinMessages:
			// Only ever holds others back.
		default:
			f := Firing{Rule: ruleName(q)}
			spoken := 0
			for i := 1; i <= len(msgs); i++ {
				if msgs[i-1].Origin != transcripts.OriginModerator {
					spoken++
				}
				v := q.Check(msgs[:i])
				if policy.Ends(v, msgs[:i]) && spoken >= minAt {
					f.At = i
					if f.Rule == "" {
						f.Rule = v.Policy
					}
					break
				}
			}
			if f.Rule == "" {
				f.Rule = fmt.Sprintf("%T", q)
			}
			out = append(out, f)
		}
	}
	visit(p, 0)
	return out
}

// ruleName names a rule as a policy file writes it, with the token of an
// end_token rule so that several can be told apart.
func ruleName(q policy.Policy) string {
	switch r := q.(type) {
	case policy.EndToken:
		return "end_token " + r.Token
	case policy.MaxMessages:
		return fmt.Sprintf("max_messages %d", r.N)
	case *policy.Loop:
		return "loop"
	case *policy.Refusal:
		return "refusal"
	case *policy.Repetition:
		return "repetition"
	case *policy.Stagnation:
		return "stagnation"
	case policy.StopPattern:
		return "stop_pattern"
	case *policy.MaxTokens:
		return "max_tokens"
	case policy.MaxCost:
		return "max_cost"
	case policy.MaxDuration:
		return "max_duration"
	}
	if v := q.Check(nil); len(v.Progress) > 0 {
		return v.Progress[0].Policy
	}
	return ""
}

// StateShare is how many conversations of a group ended in a state.
type StateShare struct {
	State State   `json:"state"`
	Count int     `json:"count"`
	Share float64 `json:"share"` // of the group's conversations, 0..1
}

// Pair is one cell of the roster's matrix: the conversations one model
// opened against another.
type Pair struct {
	Opener          string        `json:"opener"`
	Responder       string        `json:"responder"`
	Conversations   int           `json:"conversations"`
	MedianSubstance float64       `json:"median_substance"`    // messages of substance, over the conversations not cut short
	CutShort        int           `json:"cut_short,omitempty"` // conversations an error or an interruption cut short before any rule stopped them
	Dominant        State         `json:"dominant"`            // the most common terminal state
	States          []StateShare  `json:"states"`
	Spent           int           `json:"spent"` // messages after the stops, in all
	Tokens          int           `json:"tokens,omitempty"`
	Cost            pricing.Total `json:"cost"`
}

// ModelFigures is how one model fared across the conversations it took
// part in.
type ModelFigures struct {
	Model           string        `json:"model"`
	Conversations   int           `json:"conversations"`
	MedianSubstance float64       `json:"median_substance"`    // over the conversations not cut short
	CutShort        int           `json:"cut_short,omitempty"` // as in Pair
	FirstToLoop     int           `json:"first_to_loop"`       // conversations whose loop it began
	FirstToRefuse   int           `json:"first_to_refuse"`     // conversations where it refused first
	FirstToSignOff  int           `json:"first_to_sign_off"`   // conversations where it signed off first
	Messages        int           `json:"messages"`            // its own replies; with none, its cost is not "$0" but nothing to say
	Tokens          int           `json:"tokens,omitempty"`    // of its own messages
	Cost            pricing.Total `json:"cost"`                // of its own messages
}

// Report is the attractor report over many conversations: each one, the
// roster as a matrix of opener × responder, and each model.
type Report struct {
	Policy        string         `json:"policy"` // what judged the stops
	Conversations []Conversation `json:"conversations"`
	// Empty names the conversations that hold no message: they are left
	// out of every figure, since a conversation with nothing said is not
	// healthy to its end.
	Empty []string `json:"empty,omitempty"`
	// NoReply names the conversations in which no one replied: nothing
	// beyond the opening, or only blank messages. They are left out as
	// the empty ones are.
	NoReply []string `json:"no_reply,omitempty"`
	// Failed and Interrupted count the conversations whose recording
	// stopped on an error or an interruption; CutShort those of them no
	// rule had stopped before, whose substance enters no median.
	Failed      int `json:"failed,omitempty"`
	Interrupted int `json:"interrupted,omitempty"`
	CutShort    int `json:"cut_short,omitempty"`
	// Models are the matrix's rows and columns: the speakers, as the
	// transcripts name them (a tournament's seat, an agent's name). They
	// are models only where the transcripts record one for each:
	// RecordedModels holds the distinct models recorded (a message's or
	// its agent's model field), and Recorded counts the speakers that
	// have one.
	Models          []string       `json:"models"`
	RecordedModels  []string       `json:"recorded_models,omitempty"`
	Recorded        int            `json:"recorded,omitempty"`
	Pairs           []Pair         `json:"pairs"` // the matrix's cells that hold conversations, row by row
	PerModel        []ModelFigures `json:"per_model"`
	States          []StateShare   `json:"states"` // over all conversations
	Messages        int            `json:"messages"`
	MedianSubstance float64        `json:"median_substance"`
	Spent           int            `json:"spent"`
	Tokens          int            `json:"tokens,omitempty"`
	Cost            pricing.Total  `json:"cost"`
}

// Build gathers conversations described by Describe, in the order given,
// into a report. Conversations that hold no message are named in Empty and
// left out of the rest.
func Build(policyName string, described []Conversation) Report {
	r := Report{Policy: policyName}
	var convs []Conversation
	for _, c := range described {
		switch {
		case c.Messages == 0:
			r.Empty = append(r.Empty, c.File)
			continue
		case c.noReply:
			r.NoReply = append(r.NoReply, c.File)
			continue
		}
		switch State(c.CutShort) {
		case Failed:
			r.Failed++
		case Interrupted:
			r.Interrupted++
		}
		if !c.Measured() {
			r.CutShort++
		}
		convs = append(convs, c)
	}
	r.Conversations = convs
	seen := map[string]bool{}
	withModel := map[string]bool{}
	models := map[string]bool{}
	byPair := map[[2]string][]*Conversation{}
	var order [][2]string
	var all []int
	for i := range convs {
		c := &convs[i]
		for side, m := range []string{c.Opener, c.Responder} {
			if !seen[m] {
				seen[m] = true
				r.Models = append(r.Models, m)
			}
			if len(c.Models) == 2 && c.Models[side] != "" {
				withModel[m] = true
				if !models[c.Models[side]] {
					models[c.Models[side]] = true
					r.RecordedModels = append(r.RecordedModels, c.Models[side])
				}
			}
		}
		k := c.Pair()
		if _, ok := byPair[k]; !ok {
			order = append(order, k)
		}
		byPair[k] = append(byPair[k], c)
		if c.Measured() {
			all = append(all, c.Substance)
		}
		r.Messages += c.Messages
		r.Spent += c.Spent
		r.Tokens += c.Tokens
		r.Cost.Merge(c.Cost)
	}
	sortNames(r.Models)
	sortNames(r.RecordedModels)
	r.Recorded = len(withModel)
	pos := map[string]int{}
	for i, m := range r.Models {
		pos[m] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		if pos[order[a][0]] != pos[order[b][0]] {
			return pos[order[a][0]] < pos[order[b][0]]
		}
		return pos[order[a][1]] < pos[order[b][1]]
	})
	r.MedianSubstance = median(all)
	r.States = shares(convPtrs(convs))
	for _, k := range order {
		cs := byPair[k]
		p := Pair{Opener: k[0], Responder: k[1], Conversations: len(cs), States: shares(cs)}
		var subs []int
		for _, c := range cs {
			if c.Measured() {
				subs = append(subs, c.Substance)
			} else {
				p.CutShort++
			}
			p.Spent += c.Spent
			p.Tokens += c.Tokens
			p.Cost.Merge(c.Cost)
		}
		p.MedianSubstance = median(subs)
		p.Dominant = p.States[0].State
		r.Pairs = append(r.Pairs, p)
	}
	for _, m := range r.Models {
		f := ModelFigures{Model: m}
		var subs []int
		for i := range convs {
			c := &convs[i]
			if c.Opener != m && c.Responder != m {
				continue
			}
			f.Conversations++
			if c.Measured() {
				subs = append(subs, c.Substance)
			} else {
				f.CutShort++
			}
			if c.FirstLoop == m {
				f.FirstToLoop++
			}
			if c.FirstRefusal == m {
				f.FirstToRefuse++
			}
			if c.FirstSignOff == m {
				f.FirstToSignOff++
			}
		}
		f.MedianSubstance = median(subs)
		for i := range convs {
			if u, ok := convs[i].use[m]; ok {
				f.Tokens += u.Tokens
				f.Messages += u.Messages
				f.Cost.Merge(u.Cost)
			}
		}
		r.PerModel = append(r.PerModel, f)
	}
	return r
}

// SpeakerUse is the tokens and cost of one speaker's own messages.
type SpeakerUse struct {
	Messages int // its own replies
	Tokens   int
	Cost     pricing.Total
}

// tokens is a message's recorded token usage, 0 when none was recorded.
func tokens(m transcripts.Message) int {
	u := m.Usage
	if u == nil {
		return 0
	}
	if u.TotalTokens > 0 {
		return u.TotalTokens
	}
	return u.PromptTokens + u.CompletionTokens
}

func convPtrs(cs []Conversation) []*Conversation {
	out := make([]*Conversation, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

// shares counts the states of cs, most common first (ties in the order of
// States).
func shares(cs []*Conversation) []StateShare {
	count := map[State]int{}
	for _, c := range cs {
		count[c.State]++
	}
	var out []StateShare
	for _, s := range States {
		if n := count[s]; n > 0 {
			out = append(out, StateShare{State: s, Count: n, Share: math.Round(1000*float64(n)/float64(len(cs))) / 1000})
		}
	}
	slices.SortStableFunc(out, func(a, b StateShare) int { return b.Count - a.Count })
	return out
}

func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// sortNames orders model names without regard to case.
func sortNames(ns []string) {
	slices.SortStableFunc(ns, func(a, b string) int {
		if c := naturalCompare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// naturalCompare orders a and b as a person would a list of names: a run
// of digits by its number, so "s2" comes before "s10", and the rest byte
// by byte.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da == 0 || db == 0 {
			if a[0] != b[0] {
				return cmp.Compare(a[0], b[0])
			}
			a, b = a[1:], b[1:]
			continue
		}
		na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
		if c := cmp.Compare(len(na), len(nb)); c != 0 {
			return c
		}
		if c := strings.Compare(na, nb); c != 0 {
			return c
		}
		a, b = a[da:], b[db:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the run of ASCII digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}

package policy

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/parleyhq/parley/transcripts"
)

// LoopModel weighs a message's signals (see loopfeatures.go) into the
// chance that it belongs to a loop: a logistic model over standardized
// features. `parley train` fits one from labelled transcripts; the one
// parley ships, trained on the labelled corpus, is embedded in the binary.
type LoopModel struct {
	Trained   string    `json:"trained"`   // what it was trained on, and when
	Features  []string  `json:"features"`  // LoopFeatureNames when it was trained
	Mean      []float64 `json:"mean"`      // subtracted from each feature…
	Scale     []float64 `json:"scale"`     // …which is then divided by this
	Weights   []float64 `json:"weights"`   // one per feature
	Bias      float64   `json:"bias"`      //
	Threshold float64   `json:"threshold"` // a message at or above this chance looks like a loop
	Count     int       `json:"count"`     // that many…
	Within    int       `json:"within"`    // …among the last this many (and the newest one) stop the run
	// Beside a message all but sure to belong to a loop (at or above
	// Sure), the others need only Lower: Count of the last Within at or
	// above it, the newest still at Threshold, stop the run too. 0, as
	// in a model written before them: no easing.
	Lower float64 `json:"lower,omitempty"`
	Sure  float64 `json:"sure,omitempty"`
	Token string  `json:"token"` // the end token its signals look for
}

//go:embed loopmodel.json
var loopModelJSON []byte

var (
	builtinModelOnce sync.Once
	builtinModel     *LoopModel
)

// BuiltinLoopModel is the model parley ships.
func BuiltinLoopModel() *LoopModel {
	builtinModelOnce.Do(func() {
		m, err := ParseLoopModel(loopModelJSON)
		if err != nil {
			panic("policy: the built-in loop model does not read: " + err.Error())
		}
		builtinModel = m
	})
	return builtinModel
}

// ParseLoopModel reads a model written by `parley train`.
func ParseLoopModel(data []byte) (*LoopModel, error) {
	var m LoopModel
	// A misspelt field would be read as missing, and the model misread.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fmt.Errorf("the model holds a field parley does not know, %s; a model holds %s", f, modelFields())
		}
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the model file holds more after the model's JSON object; a model file holds one object")
	}
	// A field left out would be read as 0: a bias of 0, a count of 0.
	// within, lower and sure are not in models written before them, and 0
	// is what those models meant.
	var given map[string]json.RawMessage
	if err := json.Unmarshal(data, &given); err != nil {
		return nil, err
	}
	// encoding/json matches a field's name in any case ("Bias"), and so
	// does this.
	has := map[string]bool{}
	for k := range given {
		has[strings.ToLower(k)] = true
	}
	missing := func(fields ...string) error {
		for _, f := range fields {
			if !has[f] {
				return fmt.Errorf("the model has no %q; a model holds %s, as parley train writes it", f, modelFields())
			}
		}
		return nil
	}
	if err := missing("features"); err != nil {
		return nil, err
	}
	// A model of other signals is to be retrained, whatever else it lacks.
	if !slices.Equal(m.Features, LoopFeatureNames) {
		return nil, fmt.Errorf("the model was trained on the signals %v, and this parley computes %v; retrain it with parley train", m.Features, LoopFeatureNames)
	}
	if err := missing("mean", "scale", "weights", "bias", "threshold", "count", "token"); err != nil {
		return nil, err
	}
	n := len(LoopFeatureNames)
	if len(m.Mean) != n || len(m.Scale) != n || len(m.Weights) != n {
		return nil, fmt.Errorf("the model holds %d means, %d scales and %d weights for %d signals", len(m.Mean), len(m.Scale), len(m.Weights), n)
	}
	for i, sc := range m.Scale {
		// Each signal is divided by its scale: 0 would make every chance
		// NaN, and the rule would never fire.
		if !(sc > 0) {
			return nil, fmt.Errorf("the model's scale for %s is %g; each scale must be above 0", LoopFeatureNames[i], sc)
		}
	}
	if m.Count < 1 || m.Threshold <= 0 || m.Threshold >= 1 {
		return nil, fmt.Errorf("the model's threshold (%g) must lie between 0 and 1 and its count (%d) be at least 1", m.Threshold, m.Count)
	}
	if m.Within != 0 && m.Within < m.Count {
		return nil, fmt.Errorf("the model's within (%d) is fewer than its count (%d); it takes at least count, or 0 for count in a row", m.Within, m.Count)
	}
	if m.Token == "" {
		return nil, fmt.Errorf("the model's token is empty; it names the end token its signals look for, such as \"[END]\" (parley train --token)")
	}
	if (m.Lower != 0 || m.Sure != 0) && !(m.Lower > 0 && m.Lower <= m.Threshold && m.Sure >= m.Threshold && m.Sure <= 1) {
		return nil, fmt.Errorf("the model's lower bar (%g) must lie above 0 and at most its threshold (%g), and its sure chance (%g) between the threshold and 1", m.Lower, m.Threshold, m.Sure)
	}
	return &m, nil
}

// modelFields lists a model's fields, as its JSON names them.
func modelFields() string {
	t := reflect.TypeFor[LoopModel]()
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// LoadLoopModel reads a model file.
func LoadLoopModel(path string) (*LoopModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseLoopModel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Chance is the model's chance that a message with signals x is in a loop.
func (m *LoopModel) Chance(x []float64) float64 {
	z := m.Bias
	for i, v := range x {
		z += m.Weights[i] * (v - m.Mean[i]) / m.Scale[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// contributions lists, strongest first, the signals that pushed x towards
// a loop, or with against set, away from one. The two richness signals
// are weighed as one, under richness_6: the model reads them together,
// and either alone can push one way while the pair pushes the other
// (short messages make both low).
func (m *LoopModel) contributions(x []float64, against bool) []int {
	push := make([]float64, len(x))
	for i := range x {
		push[i] = m.Weights[i] * (x[i] - m.Mean[i]) / m.Scale[i]
		if against {
			push[i] = -push[i]
		}
	}
	push[fRichness6] += push[fRichness12]
	push[fRichness12] = 0
	var idx []int
	for i, p := range push {
		if p > 0.25 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(push[b], push[a]) })
	return idx
}

// explain says why x looks like part of a loop, or with against set,
// why it does not: what the two signals that pushed it most that way
// mean, each said once; "" when none pushed it much that way.
func (m *LoopModel) explain(x []float64, token string, against bool) string {
	var ds []string
	for _, i := range m.contributions(x, against) {
		if d := describeSignal(i, x, token, against); !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
		if len(ds) == 2 {
			break
		}
	}
	return strings.Join(ds, ", ")
}

// towards says why x looks like part of a loop, as a stop's reason says
// it of each message it counts.
func (m *LoopModel) towards(x []float64, token string) string {
	if why := m.explain(x, token, false); why != "" {
		return why
	}
	return "it looks like the messages around it"
}

// describeSignal says what signal i of x means for one message, for a
// person to check against the transcript: true of the value, whichever
// way the model weighs it. against says it is named as what weighs
// against a loop.
func describeSignal(i int, x []float64, token string, against bool) string {
	v := x[i]
	switch i {
	case fStaleWords:
		return fmt.Sprintf("%.0f%% of its words were used in the last six messages", 100*v)
	case fEchoWords:
		return fmt.Sprintf("%.0f%% of its words come from the other side's last message", 100*v)
	case fSelfWords:
		return fmt.Sprintf("%.0f%% of its words come from its speaker's last message", 100*v)
	case fTemplate:
		return fmt.Sprintf("%.0f%% of its line shapes are its speaker's last message's with words swapped", 100*v)
	case fFrame:
		return fmt.Sprintf("%.0f%% of its line layout is its speaker's last message's", 100*v)
	case fNewWords:
		if against {
			return fmt.Sprintf("%.0f%% of its words are new", 100*v)
		}
		return fmt.Sprintf("only %.0f%% of its words are new", 100*v)
	case fLenRatio:
		return fmt.Sprintf("it is %.1f× its speaker's usual length", math.Exp(v))
	case fTiny:
		if v == 0 {
			return "it holds words"
		}
		return "it holds almost no words"
	case fEndToken:
		if v == 0 {
			return "it does not sign off with " + token
		}
		return "it signs off with " + token
	case fFarewell:
		switch {
		case v == 0:
			return "it thanks or says goodbye no more than its speaker's habit"
		case against && v < 0.005:
			return "fewer than 1% of its words thank or say goodbye beyond its speaker's habit"
		}
		return fmt.Sprintf("%.0f%% of its words thank or say goodbye beyond its speaker's habit", 100*v)
	case fRefusal:
		if v == 0 {
			return "it does not refuse"
		}
		return "it refuses"
	case fQuestion:
		if v == 0 {
			return "it asks no question" // the model weighs a question against a loop
		}
		return "it asks a question"
	case fPrevStale:
		return fmt.Sprintf("the message before reused %.0f%% of its words from the last six", 100*v)
	case fPrevTiny:
		if v == 0 {
			return "the message before held words"
		}
		return "the message before held almost no words"
	case fPrevFarewell:
		switch {
		case v == 0:
			return "the message before said goodbye no more than its speaker's habit"
		case against:
			// Its goodbye is a smaller share of its words than usual.
			return fmt.Sprintf("few of the message before's words say goodbye beyond its speaker's habit (%.1f%%)", 100*v)
		}
		return "the message before said goodbye beyond its speaker's habit"
	case fPrevNewWords:
		return fmt.Sprintf("the message before had %.0f%% new words", 100*v)
	case fBothEndTokens:
		if v == 0 {
			return "the two last messages do not both hold " + token
		}
		return "both sides just used " + token
	case fPrevTemplate:
		return fmt.Sprintf("the message before re-used %.0f%% of its speaker's previous layout", 100*v)
	case fSelfRut:
		return fmt.Sprintf("its speaker's last messages repeat each other (%.0f%%)", 100*v)
	case fOtherRut:
		return fmt.Sprintf("the other side's last messages repeat each other (%.0f%%)", 100*v)
	case fBothRut:
		if against {
			// The smaller of the two sides' ruts: one side, at least,
			// repeats itself no more than this.
			return fmt.Sprintf("one side's last messages repeat each other only %.0f%%", 100*v)
		}
		return fmt.Sprintf("both sides repeat themselves (%.0f%%)", 100*v)
	case fBothFarewell:
		if v == 0 {
			return "one side or the other said goodbye no more than its habit"
		}
		return fmt.Sprintf("both sides say goodbye beyond their habit (each by at least %.0f%% of its words)", 100*v)
	case fBothSelfWords:
		switch {
		case against && v < 0.005:
			// The smaller of the two sides' shares: "both sides took at
			// least 0%" says nothing; one side took none.
			return "one side took none of its words from its own previous message"
		case against:
			return fmt.Sprintf("one side took only %.0f%% of its words from its own previous message", 100*v)
		}
		if v >= 0.995 {
			return "both sides repeat the words of their own previous message"
		}
		return fmt.Sprintf("both sides took at least %.0f%% of their words from their own previous message", 100*v)
	case fBothTiny:
		if v == 0 {
			return "it or the message before holds words"
		}
		return "it and the message before hold almost no words"
	case fRichness6, fRichness12:
		// The model reads the two together: the last six messages
		// narrower than the last twelve, or both narrow; against a loop,
		// the six as wide as the twelve, or both wide.
		if against && x[fRichness6] >= x[fRichness12] {
			return fmt.Sprintf("the last six messages say as many different words as the last twelve (%.1f against %.1f distinct words per √word)",
				x[fRichness6], x[fRichness12])
		}
		if against {
			return fmt.Sprintf("the last messages say many different words (%.1f distinct words per √word in the last six, %.1f in the last twelve)",
				x[fRichness6], x[fRichness12])
		}
		if x[fRichness6] < x[fRichness12] {
			return fmt.Sprintf("the last six messages say fewer different words than the last twelve (%.1f against %.1f distinct words per √word)",
				x[fRichness6], x[fRichness12])
		}
		return fmt.Sprintf("the last messages say few different words (%.1f distinct words per √word in the last six, %.1f in the last twelve)",
			x[fRichness6], x[fRichness12])
	}
	return LoopFeatureNames[i]
}

// Loop stops when Count of the last Within messages, by either side, the
// newest among them, look like a loop to its model: each one's chance of
// belonging to a loop is at least Threshold. Beside a message that is all
// but sure to belong to one (at least Sure likely), the others need only
// be Lower likely, the newest still Threshold: one sure message is not a
// loop, but it is evidence that the ones around it, nearly as likely, are
// in one too. A loop is what the labelled corpus shows: farewells that
// keep finding new words, an end token echoed back and forth, one side
// restating the other, a template re-sent with its words swapped, a
// collapse to single tokens or silence, both sides refusing. Because the
// run counts both speakers' messages, one side stuck while the other still
// brings something new does not stop it.
type Loop struct {
	Model     *LoopModel // nil: the built-in model
	Threshold float64    // 0: the model's
	Count     int        // 0: the model's
	Within    int        // 0: the model's
	Token     string     // "": the model's
	Lower     float64    // 0: the model's; Threshold or more: no easing
	Sure      float64    // 0: the model's

	m       memo[loopMsg]
	kept    keptRoom   // where the messages' words, shapes and frames are kept
	seen    wordTable  // each word's last two messages
	vectors vectorRoom // where the messages' feature vectors are kept
	scratch struct {   // room to read a message in, reused
		terms, words, shapes, frames []uint64
		set                          hashSet
	}
}

// loopRefusals reads a message as a refusal for every loop rule: the
// built-in patterns, which hold no state, so one serves them all.
var loopRefusals = &Refusal{InARow: 1, Builtin: true}

// EasedBars is the lower bar and the sure chance a loop rule judges by,
// given a threshold thr and lower and sure as written: with either unset
// (0), or lower at thr or above, nothing is eased (lower is thr, and no
// chance is sure). A threshold above sure makes sure the threshold: no
// message below the threshold is surer than one at it.
func EasedBars(thr, lower, sure float64) (float64, float64) {
	if lower <= 0 || lower >= thr || sure <= 0 {
		return thr, math.Inf(1)
	}
	return lower, max(sure, thr)
}

// loopSettings are what a loop rule judges by: its own settings, and the
// model's where it has none.
type loopSettings struct {
	model            *LoopModel
	thr, lower, sure float64 // lower == thr: no easing
	count, within    int
	token            string
}

func (p *Loop) settings() loopSettings {
	m := p.Model
	if m == nil {
		m = BuiltinLoopModel()
	}
	s := loopSettings{model: m, thr: p.Threshold, lower: p.Lower, sure: p.Sure, count: p.Count, within: p.Within, token: p.Token}
	if s.thr <= 0 {
		s.thr = m.Threshold
	}
	if s.lower <= 0 {
		s.lower = m.Lower
	}
	if s.sure <= 0 {
		s.sure = m.Sure
	}
	s.lower, s.sure = EasedBars(s.thr, s.lower, s.sure)
	if s.count <= 0 {
		s.count = m.Count
	}
	if s.within <= 0 {
		s.within = m.Within
	}
	if s.token == "" {
		s.token = m.Token
	}
	s.within = max(s.within, s.count)
	return s
}

// measure reads a message and computes its signals and chance. Reading
// and weighing are calls of their own, so that neither's frame is under
// the other: a live run judges on the conversation's goroutine, whose
// stack is as large as the deepest point it reaches.
func (p *Loop) measure(msg *transcripts.Message, prev []loopMsg) loopMsg {
	visit(1)
	content := said(msg.Content)
	text, letters := p.read(content)
	return p.weigh(msg, prev, content, text, letters)
}

// read reads a message's terms, line shapes and letters, from what it
// said (said), into the rule's scratch buffers, and returns its plain
// text.
func (p *Loop) read(content string) (text string, letters int) {
	// The terms go to the rule's own buffer, not the cache other rules
	// share: each message is read once here, and the cache would cost an
	// allocation a message. The same pass reads its line shapes and
	// counts its letters, all of them from its plain text (plainText).
	sc := &p.scratch
	sc.terms, sc.shapes, sc.frames, letters, text = readText(content, sc.terms[:0], sc.shapes, sc.frames)
	return text, letters
}

// weigh computes the signals of a message read into the scratch buffers
// (content is what it said, text its plain text), and the model's chance
// that it belongs to a loop.
func (p *Loop) weigh(msg *transcripts.Message, prev []loopMsg, content, text string, letters int) loopMsg {
	set := p.settings()
	model, token := set.model, set.token
	sc := &p.scratch
	idx := int32(len(prev))
	// The speaker's previous message and the other side's: the table
	// counts the words they share with this one when they are the last
	// two messages, as they are when the sides take turns.
	self, other := int32(noMessage), int32(noMessage)
	for k := len(prev) - 1; k >= 0 && (other == noMessage || self == noMessage); k-- {
		if prev[k].speaker == msg.Speaker {
			if self == noMessage {
				self = int32(k)
			}
		} else if other == noMessage {
			other = int32(k)
		}
	}
	k1, k2 := other, self
	if k1 < idx-2 {
		k1 = noMessage
	}
	if k2 < idx-2 {
		k2 = noMessage
	}
	words, fresh, stale, inOther, inSelf := p.seen.add(sc.words[:0], sc.terms, idx, max(idx-6, 0), k1, k2)
	sc.words = words
	share := func(k, n int32, in int) float64 {
		if k == noMessage || len(words) == 0 {
			return 0
		}
		if n == noMessage { // further back: compare the lists
			return sc.set.share(words, prev[k].words)
		}
		return float64(in) / float64(len(words))
	}
	echo, selfShare := share(other, k1, inOther), share(self, k2, inSelf)
	sc.shapes, sc.frames = sc.set.distinct(sc.shapes), sc.set.distinct(sc.frames)
	// What is kept of the message, in one piece.
	keep := p.kept.take(len(words) + len(sc.shapes) + len(sc.frames))
	nw := copy(keep, words)
	ns := copy(keep[nw:], sc.shapes)
	copy(keep[nw+ns:], sc.frames)
	lm := loopMsg{speaker: msg.Speaker, words: keep[:nw:nw], shapes: keep[nw : nw+ns : nw+ns], frames: keep[nw+ns:], letters: letters, terms: len(sc.terms)}
	var selfMsg, otherMsg *loopMsg
	if self != noMessage {
		selfMsg = &prev[self]
	}
	if other != noMessage {
		otherMsg = &prev[other]
	}
	d6, d12 := p.seen.distinctSince(idx-5, idx), p.seen.distinctSince(idx-11, idx)
	lm = loopSignals(lm, msg, text, sc.terms, stale, fresh, echo, selfShare, d6, d12, prev, selfMsg, otherMsg, token, loopRefusals.IsRefusal(content), &sc.set, p.vectors.take())
	lm.p = model.Chance(lm.x)
	lm.sureAt = -1
	if k := len(prev); k > 0 {
		lm.hits, lm.lows, lm.sureAt = prev[k-1].hits, prev[k-1].lows, prev[k-1].sureAt
	}
	if lm.p >= set.thr {
		lm.hits++
	}
	if lm.p >= set.lower {
		lm.lows++
	}
	if lm.p >= set.sure {
		lm.sureAt = int32(len(prev))
	}
	return lm
}

// keptRoom holds what a loop rule keeps of each message of the
// conversation it judges. The first conversation a rule judges (all that
// a live run's rule ever judges) gets an allocation a message, each just
// large enough. A rule given another conversation, as each of check's
// workers is given thousands, forgets everything kept; from then on the
// messages are kept in one array as large as the largest conversation
// so far, reused, so that judging a file allocates nothing for them.
type keptRoom struct {
	room []uint64 // for the conversation judged now, from the ones before
	used int      // room[:used] is taken
	size int      // how much the conversation so far keeps
}

// take returns room for n values, which the caller fills.
func (k *keptRoom) take(n int) []uint64 {
	k.size += n
	if k.used+n <= len(k.room) {
		s := k.room[k.used : k.used+n : k.used+n]
		k.used += n
		return s
	}
	return make([]uint64, n)
}

// restart is called when nothing taken is read again: a new conversation.
func (k *keptRoom) restart() {
	if k.size > len(k.room) {
		k.room = make([]uint64, k.size)
	}
	k.used, k.size = 0, 0
}

// vectorRoom hands out the messages' feature vectors from arrays of
// several, so that a message's vector is not an allocation of its own.
// The arrays start small, as a live run's rule, judging one conversation
// from its opening, needs, and double up to maxVectorsAtOnce.
type vectorRoom struct {
	free []float64
	last int // how many vectors the last array held
}

// maxVectorsAtOnce is the most vectors one array holds.
const maxVectorsAtOnce = 64

// take returns a zeroed vector of numSignals values.
func (r *vectorRoom) take() []float64 {
	if len(r.free) < numSignals {
		r.last = min(max(2*r.last, 2), maxVectorsAtOnce)
		r.free = make([]float64, r.last*numSignals)
	}
	x := r.free[:numSignals:numSignals]
	r.free = r.free[numSignals:]
	return x
}

// forget rebuilds the table of words from the messages kept, so that
// each word's last two uses are known again.
func (p *Loop) forget(from int) {
	if from == 0 {
		p.kept.restart() // nothing kept is read again
	}
	p.seen.reset()
	for k, v := range p.m.vals[:from] {
		p.scratch.words, _, _, _, _ = p.seen.add(p.scratch.words[:0], v.words, int32(k), 0, noMessage, noMessage)
	}
}

// Check implements Policy.
func (p *Loop) Check(msgs []transcripts.Message) Verdict {
	return p.check(msgs, nil)
}

func (p *Loop) check(msgs []transcripts.Message, ps []Progress) Verdict {
	set := p.settings()
	count, within := set.count, set.within
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	vals, idx := p.m.values(msgs, p.measure, p.forget)
	// The messages at or above the threshold among the last within, the
	// newest of which must be one, from the running count: a check costs
	// the same whatever within says. Beside a sure one among them, those
	// at or above the lower bar.
	n, last, bar := 0, len(vals)-1, set.thr
	if last >= 0 {
		lm, hits, lows := &vals[last], 0, 0 // hits and lows: the counts as the window opens
		if k := last - within; k >= 0 {
			hits, lows = vals[k].hits, vals[k].lows
		}
		n = lm.hits - hits
		if lm.p < set.thr {
			n = min(n, count-1)
		} else if low := lm.lows - lows; n < count && low >= count && lm.sureAt >= 0 && int(lm.sureAt) > last-within {
			n, bar = low, set.lower
		}
	}
	visit(2)
	v := Verdict{Progress: append(ps, Progress{Policy: "loop", Label: "messages like a loop", Count: min(n, count), Limit: count})}
	if n < count {
		return v
	}
	v.Stop, v.Policy, v.Reason = true, "loop", explainLoop(vals, idx, set, bar)
	return v
}

// explainLoop is the reason for a stop: the messages of the last within
// that reached bar (the threshold, or the lower bar beside a sure one),
// each with the signals that weighed most.
func explainLoop(vals []loopMsg, idx []int32, set loopSettings, bar float64) string {
	last := len(vals) - 1
	var hits []int
	for k := last; k >= 0 && k > last-set.within; k-- {
		if vals[k].p >= bar {
			hits = append(hits, k)
		}
	}
	slices.Reverse(hits)
	var parts []string
	for _, k := range hits {
		parts = append(parts, fmt.Sprintf("%d (%s, %d%%): %s", idx[k]+1, vals[k].speaker, Percent(vals[k].p), set.model.towards(vals[k].x, vals[k].spelled(set.token))))
	}
	span := fmt.Sprintf("%d of the last %d messages", len(hits), set.within)
	if len(hits) == set.within {
		span = fmt.Sprintf("the last %d messages", set.within)
	}
	if bar < set.thr {
		sure := idx[vals[last].sureAt] + 1
		return fmt.Sprintf("%s look like a loop (each at least %.0f%% likely to belong to one beside message %d, at least %.0f%% likely; the newest at least %.0f%%): %s",
			span, 100*bar, sure, 100*set.sure, 100*set.thr, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%s look like a loop (each at least %.0f%% likely to belong to one): %s",
		span, 100*bar, strings.Join(parts, "; "))
}

// LoopReading is how the loop rule reads one spoken message.
type LoopReading struct {
	Chance float64 // that the message belongs to a loop, 0 to 1
	Counts bool    // the chance reaches the rule's threshold: the message counts towards a stop
	// Beside: below the threshold, the chance reaches the rule's lower
	// bar: the message counts towards a stop beside a sure one (one at
	// least Sure likely) among the last Within.
	Beside bool
	// For and Against name the two signals that weighed most towards a
	// loop and against one; "" when none weighed much that way. For a
	// message that counts, or counts beside a sure one, For is what a
	// stop's reason says of it.
	For, Against string
}

// Readings is the rule's reading of each message of msgs, as Check reads
// them one at a time: one per message, the zero reading for a moderator
// note. It lets a person see how near each message came to counting, and
// why, where a stop reason names only the messages that counted.
func (p *Loop) Readings(msgs []transcripts.Message) []LoopReading {
	set := p.settings()
	model := set.model
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	vals, idx := p.m.values(msgs, p.measure, p.forget)
	out := make([]LoopReading, len(msgs))
	for k, i := range idx {
		x, token := vals[k].x, vals[k].spelled(set.token)
		r := LoopReading{Chance: vals[k].p, Counts: vals[k].p >= set.thr, Against: model.explain(x, token, true)}
		r.Beside = !r.Counts && vals[k].p >= set.lower
		if r.Counts || r.Beside {
			r.For = model.towards(x, token)
		} else {
			r.For = model.explain(x, token, false)
		}
		out[i] = r
	}
	return out
}

// LoopSignals computes every spoken message's signals, as the loop rule
// does, for training and reports: one vector per message of msgs
// (moderator notes get nil).
func LoopSignals(msgs []transcripts.Message, token string) [][]float64 {
	xs, _ := LoopSignalsAndThanks(msgs, token)
	return xs
}

// LoopSignalsAndThanks is LoopSignals, and for each spoken message the
// share of its words that thank or say goodbye, before the farewell
// signals set it against its speaker's habit: what a report names a
// farewell by.
func LoopSignalsAndThanks(msgs []transcripts.Message, token string) (xs [][]float64, thanks []float64) {
	p := &Loop{Token: token, Model: &LoopModel{Weights: make([]float64, NumLoopFeatures), Mean: make([]float64, NumLoopFeatures),
		Scale: ones64(NumLoopFeatures), Threshold: 0.5, Count: 1, Token: token}}
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	vals, idx := p.m.values(msgs, p.measure, p.forget)
	xs, thanks = make([][]float64, len(msgs)), make([]float64, len(msgs))
	for k, i := range idx {
		xs[i], thanks[i] = vals[k].x, vals[k].thanks
	}
	return xs, thanks
}

func ones64(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// Percent is a chance as a whole percent, rounded down: a chance just
// under a threshold never reads as at it (0.6996 is 69%, not 70%).
func Percent(p float64) int { return int(math.Floor(100*p + 1e-9)) }

package analysis

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// State is where a conversation ended up once its substance ran out: a
// terminal state, named so that a person can check it against the
// transcript.
type State string

// The terminal states, in the order a report lists them.
const (
	Healthy       State = "healthy"     // healthy to the end: nothing stopped it
	Farewell      State = "farewell"    // a farewell spiral: thanks and goodbyes that keep finding new words
	EndEcho       State = "end_echo"    // the end token sent back and forth, alone or nearly
	Refusals      State = "refusal"     // a refusal loop: one side (or both) keeps declining
	Template      State = "template"    // a template re-sent with its words swapped
	Verbatim      State = "verbatim"    // the same text again, from either side
	PingPong      State = "pingpong"    // token ping-pong: single symbols, emoji or words traded
	Silence       State = "silence"     // empty messages, ellipses, "*silence*"
	Circling      State = "circling"    // the policy stopped it, and no one pattern above holds what followed: paraphrase, a mix
	Failed        State = "failed"      // an error stopped the run (a provider's, say) before any rule did
	Interrupted   State = "interrupted" // a signal or quit cut the run short before any rule stopped it
	none          State = ""            // a message that shows none of the patterns
	minTail             = 3             // a state needs this many messages showing it…
	minShare            = 1.0 / 3       // …and this share of the messages from the loop's start
	lookBack            = 6             // messages before the stop judged with it when few follow it
	endToken            = "[END]"       // the end token the signals look for
	farewellShare       = 0.04          // a message whose words are this much farewell signs off
	echoShare           = 0.9           // a message whose words are this much one of the two before it repeats it
	templateShare       = 0.6           // a message with this share of its speaker's previous line shapes follows a template
)

// States lists every terminal state in report order.
var States = []State{Healthy, Farewell, EndEcho, Refusals, Template, Verbatim, PingPong, Silence, Circling, Failed, Interrupted}

// Title is the state's name for people.
func (s State) Title() string {
	switch s {
	case Healthy:
		return "healthy to the end"
	case Farewell:
		return "farewell spiral"
	case EndEcho:
		return "[END] echo"
	case Refusals:
		return "refusal loop"
	case Template:
		return "template loop"
	case Verbatim:
		return "verbatim repeat"
	case PingPong:
		return "token ping-pong"
	case Silence:
		return "silence"
	case Circling:
		return "circling"
	case Failed:
		return "failed"
	case Interrupted:
		return "interrupted"
	}
	return "substance"
}

// feature indexes into a loop signal vector.
var feature = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for i, n := range policy.LoopFeatureNames {
		m[n] = i
	}
	return m
})

func sig(x []float64, name string) float64 {
	i, ok := feature()[name]
	if !ok || i >= len(x) {
		return 0
	}
	return x[i]
}

// refusals is the built-in refusal test, the one the loop rule uses.
var refusals, _ = policy.NewRefusal(1, 0, true, nil)

// MessageKind names the pattern one message shows, from its content and
// its loop signals x (policy.LoopSignals): the first that holds of
//
//	end_echo  the end token with fewer than 16 other letters
//	silence   empty, only punctuation, or only the word "silence"
//	pingpong  fewer than 16 letters or digits: a word, a symbol, an emoji
//	refusal   reads as a refusal (policy.Refusal's built-in patterns)
//	farewell  at least 4% of its words thank or say goodbye
//	verbatim  at least 90% of its words come from one of the two messages before it
//	template  at least 60% of its line shapes are its speaker's previous message's, or of its frames
//
// or "" for a message that shows none of them.
func MessageKind(content string, x []float64, thanks float64) State {
	text := strings.TrimSpace(strings.ReplaceAll(content, endToken, ""))
	switch {
	case x == nil:
		return none
	case sig(x, "end_token") > 0 && sig(x, "tiny") > 0:
		return EndEcho
	case isSilence(text):
		return Silence
	case sig(x, "tiny") > 0:
		return PingPong
	case refusals.IsRefusal(content):
		return Refusals
	case thanks >= farewellShare:
		return Farewell
	case max(sig(x, "echo_words"), sig(x, "self_words")) >= echoShare:
		return Verbatim
	case max(sig(x, "template"), sig(x, "frame")) >= templateShare:
		return Template
	}
	return none
}

// isSilence reports whether text says nothing: it is empty, only
// punctuation (an ellipsis, a dash), or only the word silence.
func isSilence(text string) bool {
	t := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	if len(t) > len("silence") {
		return false // a message of words, not lowercased for nothing
	}
	return t == "" || strings.EqualFold(t, "silence") || strings.EqualFold(t, "silent") || strings.EqualFold(t, "nothing")
}

// Tail is the terminal state found in a stretch of messages, with who
// refused in a refusal loop.
type Tail struct {
	State    State
	Refusers []string // for a refusal loop: the speakers who refused, in order of first refusal
}

// Classify names the terminal state of the messages kinds[from:] (the
// kinds of MessageKind, and each message's speaker): the pattern held by
// the most of them, when it holds at least minTail messages and a third
// of the stretch; a tie goes to the state listed first in States. With no
// stop there is no terminal state: Healthy. A stop after which no pattern
// holds is Circling.
func Classify(kinds []State, speakers []string, from int, stopped bool) Tail {
	if !stopped {
		return Tail{State: Healthy}
	}
	from = max(0, min(from, len(kinds)))
	count := map[State]int{}
	for _, k := range kinds[from:] {
		if k != none {
			count[k]++
		}
	}
	best, n := Circling, 0
	for _, s := range States {
		if count[s] > n {
			best, n = s, count[s]
		}
	}
	span := len(kinds) - from
	if n < min(minTail, span) || float64(n) < minShare*float64(span) {
		return Tail{State: Circling}
	}
	t := Tail{State: best}
	if best == Refusals {
		for i := from; i < len(kinds); i++ {
			if kinds[i] == Refusals && !slices.Contains(t.Refusers, speakers[i]) {
				t.Refusers = append(t.Refusers, speakers[i])
			}
		}
	}
	return t
}

// LoopStart is the 1-based message where the loop that led to a stop at
// message stop began: reading back from the stop, the earliest message
// whose loop chance is at least thr, across gaps of at most one message
// below it. It is 0 when there is no stop, and when no message near the
// stop looks like a loop (neither the stop's message nor the one before
// it reaches thr): a budget that stopped a conversation in full flow
// ended no loop.
func LoopStart(chance []float64, thr float64, stop int) int {
	if stop <= 0 {
		return 0
	}
	start, gap := 0, 0
	for i := min(stop, len(chance)) - 1; i >= 0; i-- {
		if chance[i] >= thr {
			start, gap = i+1, 0
			continue
		}
		if gap++; gap > 1 {
			break
		}
	}
	return start
}

// transcriptSpeakers returns the speakers of msgs, in order of first
// appearance, leaving out moderator notes.
func transcriptSpeakers(msgs []transcripts.Message) []string {
	t := transcripts.Transcript{Messages: msgs}
	return t.Speakers()
}

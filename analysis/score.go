package analysis

import "github.com/parleyhq/parley/transcripts"

// Verdicts of a stop against a label.
const (
	Pass       = "pass"       // inside the labelled window, or early in a loop later broken out of
	Early      = "early"      // before the last new content, outside any loop: content was cut
	Late       = "late"       // every other stop: after stop_by, never when the label wants a stop, or one that cut nothing new too late
	Unlabelled = "unlabelled" // no label to score against
)

// Score grades a stop at message stopAt (0: no stop) in a transcript of n
// messages, exactly as the labelled corpus defines it: no stop counts as a
// stop at the last message; a stop at m passes when stop_after ≤ m ≤
// stop_by (stop_by null: only no stop passes), or when L+1 ≤ m ≤
// min(E, L+6) for a loop [L, E]. Otherwise it is early when m < stop_after
// and m lies in no loop, and late in every other case: a healthy
// conversation stopped inside a stretch that loops, past the six messages
// a stop there passes in, or after its last new message, lost nothing new
// and is late.
func Score(l *Label, n, stopAt int) Outcome {
	if l == nil {
		return Outcome{Verdict: Unlabelled}
	}
	m := stopAt
	if m == 0 {
		m = n
	}
	by := n // stop_by null: the last message, which is no stop
	if l.StopBy != nil {
		by = *l.StopBy
	}
	o := Outcome{}
	if l.StopAfter <= m && m <= by && (l.StopBy != nil || m == n) {
		o.Verdict = Pass
		return o
	}
	inLoop := false
	for _, lp := range l.Loops {
		if lp[0]+1 <= m && m <= min(lp[1], lp[0]+6) {
			o.Verdict = Pass
			return o
		}
		if lp[0] <= m && m <= lp[1] {
			inLoop = true
		}
	}
	if m < l.StopAfter && !inLoop {
		o.Verdict, o.Cut = Early, l.StopAfter-m
		return o
	}
	o.Verdict = Late
	if m > by {
		o.Wasted = m - by
	}
	return o
}

// Outcome is a scored stop.
type Outcome struct {
	Verdict string `json:"verdict"`
	Cut     int    `json:"cut"`    // labelled messages lost before stop_after
	Wasted  int    `json:"wasted"` // messages spoken after stop_by
}

// Tally sums outcomes.
type Tally struct {
	Transcripts int `json:"transcripts"`
	Labelled    int `json:"labelled"`
	Passed      int `json:"passed"`
	Early       int `json:"cut_too_early"`
	Late        int `json:"stopped_late"`
	Wasted      int `json:"messages_wasted"`
	Saved       int `json:"messages_saved"`
}

// Add counts one transcript: its outcome and the messages its stop saved.
func (t *Tally) Add(o Outcome, saved int) {
	t.Transcripts++
	t.Saved += saved
	if o.Verdict == Unlabelled {
		return
	}
	t.Labelled++
	t.Wasted += o.Wasted
	switch o.Verdict {
	case Pass:
		t.Passed++
	case Early:
		t.Early++
	case Late:
		t.Late++
	}
}

// Failed is how many labelled transcripts did not pass.
func (t Tally) Failed() int { return t.Early + t.Late }

// Spoken is the number of the last message a speaker spoke (0: none): the
// end a stop is scored and its saving counted against. Notes after it (a
// moderator's, a tool's) are no messages of the conversation's, and rules
// do not count them, so a note left after the last message neither moves
// where "no stop" lies nor counts as a message saved.
func Spoken(msgs []transcripts.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Origin != transcripts.OriginModerator {
			return i + 1
		}
	}
	return 0
}

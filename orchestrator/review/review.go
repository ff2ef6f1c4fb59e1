// Package review judges a recorded conversation after the fact, for
// `parley show`: where each termination rule would first have fired, and
// where the whole policy would have stopped the run. Rules are pure
// functions of the messages, so this is exactly what a live run would
// have decided.
package review

import (
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Mark is where one rule would first have fired.
type Mark struct {
	At     int    // the 1-based message after which it fires
	Policy string // the rule, such as "end_token"
	Reason string
}

// Result is the judgement of a whole recording.
type Result struct {
	Marks    []Mark            // each rule's first firing, in order of At
	StopAt   int               // where the whole policy stops the run; 0 when it never does
	Stop     policy.Verdict    // its verdict there, or on the whole conversation
	Progress []policy.Progress // every rule's progress at StopAt, or at the end
	// Loop is the loop rule's reading of every message judged, one per
	// message, the zero reading for a moderator note: how near each came
	// to counting towards a stop, and why. An interrupted last message,
	// which no rule judged, has none. Nil when the policy has no loop
	// rule; the first one's, when it has several.
	Loop []policy.LoopReading
}

// Judge replays msgs through the policy newPolicy builds. It builds one
// policy for the whole and one for each rule, as rules remember the
// conversation they judged last. An interrupted (partial) last message is
// not judged: no agent saw it, and a live run's policy never judged it.
// Loop holds no reading for it either.
func Judge(newPolicy func() policy.Policy, all []transcripts.Message) Result {
	msgs, _ := transcripts.Judged(all)
	var r Result
	r.StopAt, r.Stop = policy.FirstStop(newPolicy(), msgs)
	r.Progress = r.Stop.Progress
	var rules []rule
	collect(newPolicy(), 0, &rules)
	for _, ru := range rules {
		spoken := 0
		for i := 1; i <= len(msgs); i++ {
			if msgs[i-1].Origin != transcripts.OriginModerator {
				spoken++
			}
			// A guard holds a rule back until enough messages are spoken;
			// the rule still sees every message, as it does in a run.
			if v := ru.p.Check(msgs[:i]); policy.Ends(v, msgs[:i]) && spoken >= ru.min {
				r.Marks = append(r.Marks, Mark{At: i, Policy: v.Policy, Reason: v.Reason})
				break
			}
		}
	}
	sortMarks(r.Marks)
	for _, ru := range rules {
		if l, ok := ru.p.(*policy.Loop); ok {
			r.Loop = l.Readings(msgs)
			break
		}
	}
	return r
}

// rule is one leaf of a policy tree with the guard over it.
type rule struct {
	p   policy.Policy
	min int
}

func collect(p policy.Policy, min int, out *[]rule) {
	switch q := p.(type) {
	case policy.Any:
		for _, c := range q {
			collect(c, min, out)
		}
	case policy.All:
		// An all: block fires as one.
		*out = append(*out, rule{q, min})
	case policy.Guard:
		collect(q.Policy, max(min, q.Min), out)
	case policy.MinMessages, nil:
	default:
		*out = append(*out, rule{q, min})
	}
}

func sortMarks(ms []Mark) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].At < ms[j-1].At; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// Package policy decides when a conversation should stop.
//
// A Policy is a pure function of the message sequence: given the messages
// so far it says whether to stop, why, and how close each rule is to
// firing. The same code judges a live run after every message and a
// recorded transcript in `parley check`.
//
// Policies are written in a scenario's YAML under `termination:` and compose
// with `any:` and `all:`, which nest:
//
//	termination:
//	  any:
//	    - min_messages: 6                          # guard: nothing stops before 6 messages
//	    - max_messages: 100                        # budgets: max_messages, max_duration, max_tokens
//	    - end_token: {token: "[END]", exchanges: 2} # both sides keep signing off
//	    - repetition: {threshold: 0.85, count: 3}  # near-repeats of recent messages
//	    - stagnation: {count: 4, novelty: 0.15}    # messages that add no new words
//	    - refusal: {in_a_row: 3}                   # one side keeps refusing
//	    - stop_pattern: '(?i)goodbye forever'      # any regular expression
//	    - judge: {provider: openai, model: gpt-4o-mini, every: 10}
//
// The rules (see the repository's README.md for every setting, how
// similarity and novelty are measured, and the evidence behind Default):
//
//   - MaxMessages, MaxDuration and MaxTokens are budgets. MaxTokens uses
//     reported usage and estimates (EstimateTokens) where there is none.
//   - EndToken counts consecutive exchanges (or messages) that use a token
//     such as [END] or ^C^C, matched anywhere, bare or on a line of its own.
//   - Repetition compares each message with the last few by the Jaccard
//     index of their word shingles (and their overlap, for long blocks),
//     using bottom-k sketches so long messages cost no more than short ones.
//   - Stagnation measures each message's novelty: the fraction of its words
//     nobody has said before in the conversation, in any language.
//   - Refusal matches built-in and user patterns; StopPattern any regexp.
//   - MinMessages is a guard: the parser wraps its siblings in a Guard.
//   - Judge asks a moderator model (an Asker) every N messages, in Prepare,
//     and only reads the stored ruling in Check.
//
// Checking a conversation after every message costs time linear in its
// length: every rule remembers the conversation it judged last (see memo)
// and, when shown it again one message longer, reads only the new message
// and the few before it that its setting looks back on (Window, Count…).
// Moderator notes, which no rule counts, are skipped the same way. The
// verdicts are exactly those of judging from scratch, for any sequence of
// calls; the one assumption is that a message, once judged, is not
// modified in place, which parley never does. Build one policy per
// conversation (Parse or Default again) to keep that cost: a policy shown
// another conversation compares it with the last one before it reuses
// anything. Rules written as literals (MaxMessages{N: 10}) remember
// nothing and judge from scratch.
package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/transcripts"
)

// Policy judges a conversation.
type Policy interface {
	// Check judges msgs, the whole conversation so far, oldest first. It
	// must not modify msgs and must give the same verdict for the same
	// messages. Callers must not modify a message in place once it has
	// been judged; growing msgs by append, or passing another slice, is
	// always safe.
	Check(msgs []transcripts.Message) Verdict
}

// Preparer is implemented by policies that need work done outside Check,
// such as asking a judge model, before they can judge msgs. A live run
// prepares its policy before each Check, through the package's Prepare,
// which leaves out what could change nothing; Check itself stays a pure
// function of msgs and what Prepare stored for them.
type Preparer interface {
	Prepare(ctx context.Context, msgs []transcripts.Message) error
}

// Every rule is a Policy; the judge, and the rules that may hold one, are
// Preparers, found by type assertion, so a signature that drifted would
// leave a judge silently unasked.
var (
	_ Policy = Any(nil)
	_ Policy = All(nil)
	_ Policy = Guard{}
	_ Policy = MinMessages{}
	_ Policy = MaxMessages{}
	_ Policy = MaxDuration{}
	_ Policy = MaxCost{}
	_ Policy = EndToken{}
	_ Policy = StopPattern{}
	_ Policy = (*Judge)(nil)
	_ Policy = (*Loop)(nil)
	_ Policy = (*MaxTokens)(nil)
	_ Policy = (*Refusal)(nil)
	_ Policy = (*Repetition)(nil)
	_ Policy = (*Stagnation)(nil)

	_ Preparer = Any(nil)
	_ Preparer = All(nil)
	_ Preparer = Guard{}
	_ Preparer = (*Judge)(nil)
)

// Verdict is a policy's judgement of a conversation.
type Verdict struct {
	Stop     bool
	Policy   string     // the rule that fired, such as "end_token"
	Reason   string     // why it fired, in a sentence
	Progress []Progress // how close each rule is to firing, for a status line
}

// Progress is how close one rule is to firing.
type Progress struct {
	Policy string // the rule, such as "end_token"
	Label  string // what is counted, such as "[END] exchanges"
	Count  int
	Limit  int
}

func (p Progress) String() string { return fmt.Sprintf("%s %d/%d", p.Label, p.Count, p.Limit) }

// FormatProgress joins progress values for a status line:
// "[END] exchanges 1/2 · messages 14/100".
func FormatProgress(ps []Progress) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, " · ")
}

// Any stops when any of its policies stops; the first in order names the reason.
type Any []Policy

// Check implements Policy.
func (a Any) Check(msgs []transcripts.Message) Verdict {
	// Most rules report one progress entry: one allocation, not several.
	return a.check(msgs, make([]Progress, 0, len(a)))
}

func (a Any) check(msgs []transcripts.Message, ps []Progress) Verdict {
	out := Verdict{Progress: ps}
	for _, p := range a {
		// As checkInto, in this frame: see Guard's check.
		var v Verdict
		if r, ok := p.(progressRule); ok {
			v = r.check(msgs, out.Progress)
		} else {
			v = p.Check(msgs)
			v.Progress = append(out.Progress, v.Progress...)
		}
		out.Progress = v.Progress
		if v.Stop && !out.Stop {
			out.Stop, out.Policy, out.Reason = true, v.Policy, v.Reason
		}
	}
	return out
}

// progressRule is a rule that can append its progress to entries it is
// given instead of a slice of its own: Check is check(msgs, nil). A set
// checked after every message (Any, Guard, FirstStop) hands its rules one
// slice, so a check allocates no progress slice for each rule.
type progressRule interface {
	check(msgs []transcripts.Message, ps []Progress) Verdict
}

// checkInto is p's verdict on msgs with its progress appended to ps.
func checkInto(p Policy, msgs []transcripts.Message, ps []Progress) Verdict {
	if r, ok := p.(progressRule); ok {
		return r.check(msgs, ps)
	}
	v := p.Check(msgs)
	v.Progress = append(ps, v.Progress...)
	return v
}

// Prepare asks the judges inside a whose answers could change whether a
// stops at msgs, as the package's Prepare does.
func (a Any) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	return Prepare(ctx, a, msgs)
}

// Prepare asks the judges inside a whose answers could change whether a
// stops at msgs, as the package's Prepare does.
func (a All) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	return Prepare(ctx, a, msgs)
}

// Prepare prepares p for msgs, as a live run does before it checks them:
// it asks each judge of p that is due to be asked about msgs, in the
// order Walk reaches them, if its answer could change whether p ends the
// conversation at msgs, given the answers of the judges asked before it
// and whatever those after it may answer. A judge whose answer could
// stop nothing is not asked, and costs nothing: one beside a rule that
// ends the conversation there anyway (a max_messages budget), one under
// a min_messages guard that holds every stop back, one inside an all:
// whose other rules do not stop there, one that a judge asked before it
// made idle (the other's STOP under any:, its CONTINUE under all:).
// Without those answers p judges msgs as `parley check`, which asks no
// judge, does, so the two stop at the same message unless a judge asked
// said STOP.
func Prepare(ctx context.Context, p Policy, msgs []transcripts.Message) error {
	var due []*Judge
	Walk(p, func(q Policy) {
		if j, ok := q.(*Judge); ok && j.due(msgs) {
			due = append(due, j)
		}
	})
	for i, j := range due {
		if decides(p, msgs, j, due[i+1:]) {
			if err := j.Prepare(ctx, msgs); err != nil {
				return err
			}
		}
	}
	return nil
}

// mostOpen is the most judges still to be asked that decides weighs
// every answer of (2^mostOpen checks of the policy); past it, a judge is
// asked, as it was before any was left out.
const mostOpen = 6

// decides reports whether judge j's answer about msgs could change
// whether p ends the conversation there, whatever the judges in open,
// due and not yet asked, may answer. A judge that has ruled on msgs
// counts its ruling; one that has not, and is not in open, was left
// unasked and counts as not stopping. Each rule stopping more never makes
// Any, All or Guard stop less, but two judges can each decide only when
// the other answers a given way, so every answer of open's is tried.
func decides(p Policy, msgs []transcripts.Message, j *Judge, open []*Judge) bool {
	if len(open) > mostOpen {
		return true
	}
	for mask := range 1 << len(open) {
		stops := map[*Judge]bool{}
		for i, o := range open {
			if mask&(1<<i) != 0 {
				stops[o] = true
			}
		}
		without := endsIf(p, msgs, stops)
		stops[j] = true
		if endsIf(p, msgs, stops) != without {
			return true
		}
	}
	return false
}

// endsIf reports whether p ends the conversation at msgs were each judge
// in stops to say STOP about them.
func endsIf(p Policy, msgs []transcripts.Message, stops map[*Judge]bool) bool {
	if len(stops) > 0 {
		p = Map(p, func(q Policy) Policy {
			if j, ok := q.(*Judge); ok && stops[j] {
				return saidStop{}
			}
			return q
		})
	}
	return Ends(p.Check(msgs), msgs)
}

// saidStop stands for a judge supposed to say STOP.
type saidStop struct{}

// Check implements Policy.
func (saidStop) Check([]transcripts.Message) Verdict {
	return Verdict{Stop: true, Policy: "judge"}
}

// All stops when every one of its policies stops at once.
type All []Policy

// Check implements Policy.
func (a All) Check(msgs []transcripts.Message) Verdict {
	out := Verdict{Stop: len(a) > 0}
	var names, reasons []string
	for _, p := range a {
		v := p.Check(msgs)
		out.Progress = append(out.Progress, v.Progress...)
		if !v.Stop {
			out.Stop = false
		}
		names = append(names, v.Policy)
		reasons = append(reasons, v.Reason)
	}
	if out.Stop {
		out.Policy = strings.Join(names, "+")
		// Reasons hold commas of their own, so they are listed with
		// semicolons, "and" before the last alone: "A; B; and C".
		out.Reason = reasons[len(reasons)-1]
		if n := len(reasons); n > 1 {
			out.Reason = strings.Join(reasons[:n-1], "; ") + "; and " + out.Reason
		}
	}
	return out
}

// FirstStop replays msgs through p one message at a time, as a live run
// judges them, and returns the 1-based index of the first message after
// which p stops, with its verdict; 0 and the verdict on the whole
// conversation when p never stops. It does not call Prepare.
func FirstStop(p Policy, msgs []transcripts.Message) (int, Verdict) {
	var v Verdict
	var ps []Progress // each check's progress, in the room the last one left
	for i := 1; i <= len(msgs); i++ {
		v = checkInto(p, msgs[:i], ps[:0])
		ps = v.Progress
		if Ends(v, msgs[:i]) {
			return i, v
		}
	}
	return 0, v
}

// Ends reports whether verdict v, on msgs, ends the conversation there. A
// verdict stops a conversation only after one of its own messages: the
// messages a fork kept from its parent (Message.Inherited) are judged,
// as what the rules read before the fork's own, but a fork is forked to
// see where its new seat takes the conversation, so a loop its parent was
// in stops it only once its own messages carry the loop on. A live run, a
// fork included, and check of its recording judge alike by this.
func Ends(v Verdict, msgs []transcripts.Message) bool {
	return v.Stop && (len(msgs) == 0 || !msgs[len(msgs)-1].Inherited)
}

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

// Every rule is a Policy; the ones that hold a judge, or rules that may,
// are Preparers: a live run asks them to prepare by type assertion, so a
// signature that drifted would leave a judge silently unasked.
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

// Prepare forwards to the policies that need it.
func (a Any) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	return prepareAll(ctx, msgs, a)
}

// Prepare forwards to the policies that need it.
func (a All) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	return prepareAll(ctx, msgs, a)
}

func prepareAll(ctx context.Context, msgs []transcripts.Message, ps []Policy) error {
	for _, p := range ps {
		if pr, ok := p.(Preparer); ok {
			if err := pr.Prepare(ctx, msgs); err != nil {
				return err
			}
		}
	}
	return nil
}

// Prepare prepares p for msgs, as a live run does before it checks them,
// unless there is nothing to prepare: no judge of p is due to be asked
// about msgs, or p already ends the conversation at msgs without a
// judge's ruling on them (another rule, such as a max_messages budget,
// stops it there). A judge's answer could then stop nothing, so it is not
// asked, and costs nothing; `parley check`, which asks no judge, stops the
// recording at the same message.
func Prepare(ctx context.Context, p Policy, msgs []transcripts.Message) error {
	pr, ok := p.(Preparer)
	if !ok {
		return nil
	}
	due := false
	Walk(p, func(q Policy) {
		if j, ok := q.(*Judge); ok && !due {
			due = j.due(msgs)
		}
	})
	// Without its ruling on msgs, a due judge does not stop at them: the
	// verdict is the other rules'.
	if !due || Ends(p.Check(msgs), msgs) {
		return nil
	}
	return pr.Prepare(ctx, msgs)
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
		out.Reason = strings.Join(reasons, "; and ")
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

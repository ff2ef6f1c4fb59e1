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
//	    - max_messages: 100
//	    - end_token: {token: "[END]", exchanges: 2}
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
	// messages.
	Check(msgs []transcripts.Message) Verdict
}

// Preparer is implemented by policies that need work done outside Check,
// such as asking a judge model, before they can judge msgs. The
// orchestrator calls Prepare before each Check in a live run; Check itself
// stays a pure function of msgs and what Prepare stored for them.
type Preparer interface {
	Prepare(ctx context.Context, msgs []transcripts.Message) error
}

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
	var out Verdict
	for _, p := range a {
		v := p.Check(msgs)
		out.Progress = append(out.Progress, v.Progress...)
		if v.Stop && !out.Stop {
			out.Stop, out.Policy, out.Reason = true, v.Policy, v.Reason
		}
	}
	return out
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

// spoken returns the messages agents spoke, leaving out moderator notes,
// which no rule counts.
func spoken(msgs []transcripts.Message) []transcripts.Message {
	for _, m := range msgs {
		if m.Origin == transcripts.OriginModerator {
			out := make([]transcripts.Message, 0, len(msgs))
			for _, m := range msgs {
				if m.Origin != transcripts.OriginModerator {
					out = append(out, m)
				}
			}
			return out
		}
	}
	return msgs
}

// FirstStop replays msgs through p one message at a time, as a live run
// judges them, and returns the 1-based index of the first message after
// which p stops, with its verdict; 0 and the verdict on the whole
// conversation when p never stops. It does not call Prepare.
func FirstStop(p Policy, msgs []transcripts.Message) (int, Verdict) {
	var v Verdict
	for i := 1; i <= len(msgs); i++ {
		v = p.Check(msgs[:i])
		if v.Stop {
			return i, v
		}
	}
	return 0, v
}

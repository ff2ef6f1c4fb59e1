// Package analysis judges recorded conversations with termination
// policies and scores the stops against hand labels. `parley check`, the
// report and the tests share it, so a stop is found, explained and graded
// the same way wherever it is shown.
package analysis

import (
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Stop is where a policy would have ended a conversation.
type Stop struct {
	At     int    // the 1-based message after which it stops; 0 when nothing fires
	Policy string // the rule that fired
	Reason string // why, naming messages
}

// Judge replays msgs through p one message at a time, as a live run would,
// and returns the first stop.
func Judge(p policy.Policy, msgs []transcripts.Message) Stop {
	at, v := policy.FirstStop(p, msgs)
	if at == 0 {
		return Stop{}
	}
	return Stop{At: at, Policy: v.Policy, Reason: v.Reason}
}

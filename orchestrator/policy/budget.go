package policy

import (
	"fmt"

	"github.com/parleyhq/parley/transcripts"
)

// MaxMessages stops once the conversation holds N messages.
type MaxMessages struct{ N int }

// Check implements Policy.
func (p MaxMessages) Check(msgs []transcripts.Message) Verdict {
	n := len(spoken(msgs))
	v := Verdict{Progress: []Progress{{Policy: "max_messages", Label: "messages", Count: n, Limit: p.N}}}
	if n >= p.N {
		v.Stop, v.Policy = true, "max_messages"
		v.Reason = fmt.Sprintf("the conversation reached its limit of %d messages", p.N)
	}
	return v
}

package policy

import "fmt"

// Warning is a setting that does not do what it seems to: the policy runs,
// but not as written. Rule names the rule to look at.
type Warning struct {
	Rule string // the rule the sentence is about, such as "min_messages"
	N    int    // its value, to find it where it is written
	Msg  string
}

// Warnings lists what in p does not do what it seems to: a min_messages
// guard above a max_messages budget it guards holds the run past that
// budget, to the guard.
func Warnings(p Policy) []Warning {
	var out []Warning
	Walk(p, func(q Policy) {
		g, ok := q.(Guard)
		if !ok {
			return
		}
		Walk(g.Policy, func(r Policy) {
			if m, ok := r.(MaxMessages); ok && m.N < g.Min {
				out = append(out, Warning{Rule: "min_messages", N: g.Min, Msg: fmt.Sprintf(
					"min_messages: %d is above max_messages: %d, which it guards, so no rule may stop the run before message %d and the limit of %d is not kept; lower min_messages below %d, or raise max_messages",
					g.Min, m.N, g.Min, m.N, m.N)})
			}
		})
	})
	return out
}

package policy

// Bounded reports whether p ends every run on its own, whatever the
// models say: whether it holds a budget (max_messages, max_duration,
// max_tokens or max_cost) that stops the run when reached. A budget under
// any: (or beside other rules, or guarded by min_messages) bounds the run;
// under all: it bounds it only when every rule beside it does too, since
// all: stops only when each of its rules stops at once. The rules that
// read the conversation (loop, repetition, end_token, …) may never fire:
// two models left alone rarely stop. Validation warns of a scenario whose
// termination is not bounded, since its run would go on, at the
// providers' expense, until stopped by hand.
func Bounded(p Policy) bool {
	switch q := p.(type) {
	case MaxMessages, *MaxMessages, MaxDuration, *MaxDuration, *MaxTokens, MaxCost, *MaxCost:
		return true
	case Any:
		for _, r := range q {
			if Bounded(r) {
				return true
			}
		}
	case All:
		for _, r := range q {
			if !Bounded(r) {
				return false
			}
		}
		return len(q) > 0
	case Guard:
		return Bounded(q.Policy)
	case *Guard:
		return Bounded(q.Policy)
	}
	return false
}

package policy

import (
	"context"

	"github.com/parleyhq/parley/transcripts"
)

// MinMessages is the min_messages guard. Written in a list beside other
// rules (under any:, all: or termination: itself) it guards them: below N
// messages none of them may stop the run. The parser turns such a list
// into a Guard. On its own it never stops anything.
type MinMessages struct {
	N int

	m *memo[struct{}] // counts spoken messages; nil counts from scratch
}

// Check implements Policy: it reports progress and never stops.
func (p MinMessages) Check(msgs []transcripts.Message) Verdict {
	n := p.m.spokenCount(msgs)
	if n >= p.N {
		return Verdict{}
	}
	return Verdict{Progress: []Progress{{Policy: "min_messages", Label: "messages before any stop", Count: n, Limit: p.N}}}
}

// Guard lets Policy stop the run only once the conversation holds at least
// Min messages. Below that, Policy is still checked, so its progress shows.
type Guard struct {
	Min    int
	Policy Policy

	m *memo[struct{}] // counts spoken messages; nil counts from scratch
}

// Check implements Policy.
func (g Guard) Check(msgs []transcripts.Message) Verdict {
	return g.check(msgs, nil)
}

func (g Guard) check(msgs []transcripts.Message, ps []Progress) Verdict {
	// The guard's own progress comes first. The rule it guards is called
	// here, not through checkInto: a live run judges on the
	// conversation's goroutine, whose stack grows with every frame.
	n := g.m.spokenCount(msgs)
	if n < g.Min {
		ps = append(ps, Progress{Policy: "min_messages", Label: "messages before any stop", Count: n, Limit: g.Min})
	}
	var v Verdict
	if r, ok := g.Policy.(progressRule); ok {
		v = r.check(msgs, ps)
	} else {
		v = g.Policy.Check(msgs)
		v.Progress = append(ps, v.Progress...)
	}
	if n < g.Min {
		v.Stop, v.Policy, v.Reason = false, "", ""
	}
	return v
}

// Prepare asks the judges inside g whose answers could change whether g
// stops at msgs, as the package's Prepare does: below Min messages a
// judge's answer could stop nothing, so none is asked, and costs nothing.
func (g Guard) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	return Prepare(ctx, g, msgs)
}

// guarded pulls min_messages rules out of a list of siblings and, when
// there are any, wraps the rest in a Guard with the largest minimum.
// combine builds the policy for the rest (Any or All).
func guarded(ps []Policy, combine func([]Policy) Policy) Policy {
	min, rest := 0, make([]Policy, 0, len(ps))
	for _, p := range ps {
		if m, ok := p.(MinMessages); ok {
			min = max(min, m.N)
			continue
		}
		rest = append(rest, p)
	}
	if min == 0 {
		return combine(ps)
	}
	if len(rest) == 0 {
		return MinMessages{N: min, m: new(memo[struct{}])}
	}
	if len(rest) == 1 {
		return Guard{Min: min, Policy: rest[0], m: new(memo[struct{}])}
	}
	return Guard{Min: min, Policy: combine(rest), m: new(memo[struct{}])}
}

// Walk calls fn for p and every policy inside it (the members of Any and
// All, the policy a Guard guards), depth first. Use it to reach a rule
// inside a parsed tree, such as a Judge that needs its Asker.
func Walk(p Policy, fn func(Policy)) {
	if p == nil {
		return
	}
	fn(p)
	switch q := p.(type) {
	case Any:
		for _, c := range q {
			Walk(c, fn)
		}
	case All:
		for _, c := range q {
			Walk(c, fn)
		}
	case Guard:
		Walk(q.Policy, fn)
	}
}

// Map rebuilds p with fn applied to every policy inside it, members
// before the composites that hold them (fn sees an Any or All already
// holding its mapped members, and a Guard its mapped policy). It leaves p
// itself unchanged.
func Map(p Policy, fn func(Policy) Policy) Policy {
	switch q := p.(type) {
	case Any:
		out := make(Any, len(q))
		for i, c := range q {
			out[i] = Map(c, fn)
		}
		return fn(out)
	case All:
		out := make(All, len(q))
		for i, c := range q {
			out[i] = Map(c, fn)
		}
		return fn(out)
	case Guard:
		q.Policy = Map(q.Policy, fn)
		return fn(q)
	}
	return fn(p)
}

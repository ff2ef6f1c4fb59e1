package configs

import "testing"

// Staging a pair the roster lacks names only the agents it lacks, and an
// index below the first is one of them, not a panic.
func TestPairSourceNamesOnlyTheMissingAgents(t *testing.T) {
	src := []byte("roster:\n  agents:\n    - {name: A, model: a}\n    - {name: B, model: b}\n    - {name: C, model: c}\n")
	cases := []struct {
		p    Pair
		want string
	}{
		{Pair{A: 9, B: 2}, "the roster has no agent 9; it has 3 (agents 0 to 2)"},
		{Pair{A: 1, B: -1}, "the roster has no agent -1; it has 3 (agents 0 to 2)"},
		{Pair{A: 3, B: 4}, "the roster has no agents 3 and 4; it has 3 (agents 0 to 2)"},
		{Pair{A: 5, B: 5}, "the roster has no agent 5; it has 3 (agents 0 to 2)"},
	}
	for _, c := range cases {
		_, err := PairSource(src, c.p)
		if err == nil || err.Error() != c.want {
			t.Errorf("pair %d and %d: %v; want %q", c.p.A, c.p.B, err, c.want)
		}
	}
	if _, err := PairSource([]byte("agents:\n  - {name: A, model: a}\n  - {name: B, model: b}\n"), Pair{A: 0, B: 1}); err == nil || err.Error() != "the scenario has no roster section" {
		t.Errorf("a scenario without a roster: %v", err)
	}
	if _, err := PairSource(src, Pair{A: 2, B: 0}); err != nil {
		t.Errorf("a pair the roster has: %v", err)
	}
}

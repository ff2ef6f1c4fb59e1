package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"max_mesages", "max_messages", 1},
		{"treshold", "threshold", 1},
		{"stop_byy", "stop_by", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d: it is symmetric", c.b, c.a, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	rules := []string{"end_token", "loop", "max_messages", "max_tokens", "refusal"}
	for _, c := range []struct{ in, want string }{
		{"max_mesages", "max_messages"},
		{"end_tokn", "end_token"},
		{"lop", "loop"},
		{"max_tokens", "max_tokens"},
		{"stagnate", ""}, // nothing within two edits
		{"", ""},
	} {
		if got := Closest(c.in, rules); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHint(t *testing.T) {
	rules := []string{"end_token", "loop", "max_messages"}
	for name, c := range map[string]struct{ in, want string }{
		"a near name is offered":    {"lop", `; did you mean "loop"?`},
		"nothing near says nothing": {"stagnate", ""},
	} {
		if got := Hint(c.in, rules); got != c.want {
			t.Errorf("%s: Hint(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
}

package policy

import (
	"slices"
	"testing"
)

// Settings names what a rule's mapping takes one value at, as its reading
// declares it: not a list (refusal's patterns) or a mapping (a judge's
// headers), and nothing for a rule written as its value or holding rules.
func TestSettingsAreWhatARuleReads(t *testing.T) {
	for _, c := range []struct {
		rule string
		want []string
	}{
		{"end_token", []string{"token", "match", "exchanges", "messages"}},
		{"max_cost", []string{"usd"}},
		{"refusal", []string{"in_a_row", "total", "builtin"}},
		{"judge", []string{"name", "provider", "model", "base_url", "api_key_env", "system", "prompt", "temperature", "retries", "timeout", "idle_timeout", "backoff", "every", "window"}},
		{"max_messages", nil},
		{"max_duration", nil},
		{"any", nil},
		{"no_such_rule", nil},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if got := Settings(c.rule); !slices.Equal(got, c.want) {
				t.Errorf("Settings(%q) = %q, want %q", c.rule, got, c.want)
			}
		})
	}
	if !HoldsRules("all") || !HoldsRules("any") || HoldsRules("loop") {
		t.Error("HoldsRules misnames the rules that hold rules")
	}
}

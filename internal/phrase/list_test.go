package phrase

import (
	"slices"
	"testing"
)

func TestAnd(t *testing.T) {
	for _, c := range []struct {
		name  string
		items []string
		want  string
	}{
		{"none", nil, ""},
		{"one", []string{"A"}, "A"},
		{"two", []string{"A", "B"}, "A and B"},
		{"three", []string{"4", "5", "9"}, "4, 5 and 9"},
		{"four", []string{"a", "b", "c", "d"}, "a, b, c and d"},
		{"an empty item", []string{"", "B"}, " and B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := And(c.items); got != c.want {
				t.Errorf("And(%q) = %q, want %q", c.items, got, c.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for _, c := range []struct {
		name  string
		items []string
		want  []string
		and   string
	}{
		{"none", nil, []string{}, ""},
		{"one", []string{"A"}, []string{`"A"`}, `"A"`},
		{"two", []string{"A", "B"}, []string{`"A"`, `"B"`}, `"A" and "B"`},
		{"three", []string{"A", "B", "C"}, []string{`"A"`, `"B"`, `"C"`}, `"A", "B" and "C"`},
		{"a quote and a newline", []string{`say "hi"`, "a\nb"}, []string{`"say \"hi\""`, `"a\nb"`}, `"say \"hi\"" and "a\nb"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Quote(c.items)
			if !slices.Equal(got, c.want) {
				t.Errorf("Quote(%q) = %q, want %q", c.items, got, c.want)
			}
			if and := And(got); and != c.and {
				t.Errorf("And(Quote(%q)) = %q, want %q", c.items, and, c.and)
			}
		})
	}
}

package phrase

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	cases := []struct {
		name string
		n    int
		want string
	}{
		{"none", 0, "0 conversations"},
		{"one", 1, "1 conversation"},
		{"several", 3, "3 conversations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Count(c.n, "conversation", "conversations"); got != c.want {
				t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
			}
		})
	}
}

func TestWait(t *testing.T) {
	cases := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"none", 0, "0s"},
		{"a backoff of 10ms", 10 * time.Millisecond, "10ms"},
		{"half of 15ms, jittered", 7500 * time.Microsecond, "8ms"},
		{"under a millisecond", 300 * time.Microsecond, "1ms"},
		{"three quarters of a second", 750 * time.Millisecond, "750ms"},
		{"a second and a half", 1543 * time.Millisecond, "1.5s"},
		{"longer", 12400 * time.Millisecond, "12s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Wait(c.d); got != c.want {
				t.Errorf("Wait(%s) = %q, want %q", c.d, got, c.want)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no period", "the conversation holds 50 messages", "the conversation holds 50 messages."},
		{"a period already", "they are trading goodbyes.", "they are trading goodbyes."},
		{"a question", "why go on?", "why go on?"},
		{"an exclamation", "bye!", "bye!"},
		{"an ellipsis", "they repeat…", "they repeat…"},
		{"a quoted sentence", `it said "goodbye."`, `it said "goodbye."`},
		{"a closing bracket after a period", "nothing new (ten messages.)", "nothing new (ten messages.)"},
		{"trailing space", "they loop. ", "they loop."},
		{"a quoted word", `it matched "bye"`, `it matched "bye".`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Sentence(c.in); got != c.want {
				t.Errorf("Sentence(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

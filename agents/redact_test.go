package agents

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"http://user:PASS@host:8080/v1":  "http://REDACTED@host:8080/v1",
		"https://TOKEN@api.example/v1":   "https://REDACTED@api.example/v1",
		"https://api.example/v1":         "https://api.example/v1",
		"openai":                         "openai",
		"not a url @ all":                "not a url @ all",
		"http://[::1]:11434/v1":          "http://[::1]:11434/v1",
		"http://u:p%40ss@10.0.0.5:1/v1/": "http://REDACTED@10.0.0.5:1/v1/",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A limit keyed by a base URL that carries a password names it without
// the password in its stats and in the reasons it gives for waiting.
func TestLimiterNameHidesURLSecrets(t *testing.T) {
	l := NewLimiter("http://user:PASS@host/v1", Limit{Concurrent: 1})
	if s := l.Stats(); strings.Contains(s.Name, "PASS") || !strings.Contains(s.Name, "host/v1") {
		t.Errorf("stats name = %q", s.Name)
	}
}

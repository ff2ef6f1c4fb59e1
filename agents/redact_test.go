package agents

import (
	"net/url"
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

// servedBy names the replica a request went to by its base URL, as
// base_urls gives it, and never with its password.
func TestServedByNamesTheReplicaWithoutItsPassword(t *testing.T) {
	cases := []struct {
		name, base, asked, sent, want string
	}{
		{"the first replica", "http://10.0.0.5:11434/v1", "http://10.0.0.5:11434/v1/chat/completions",
			"http://10.0.0.5:11434/v1/chat/completions", "http://10.0.0.5:11434/v1"},
		{"another replica", "http://10.0.0.5:11434/v1", "http://10.0.0.5:11434/v1/chat/completions",
			"http://10.0.0.6:8000/openai/v1/chat/completions", "http://10.0.0.6:8000/openai/v1"},
		{"a base URL written with a slash", "http://10.0.0.5:11434/v1/", "http://10.0.0.5:11434/v1/chat/completions",
			"http://10.0.0.6:11434/v1/chat/completions", "http://10.0.0.6:11434/v1"},
		{"a replica with a password", "http://a/v1", "http://a/v1/chat/completions",
			"http://user:s3cret-pass@b/v1/chat/completions", "http://REDACTED@b/v1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asked, err := url.Parse(c.asked)
			if err != nil {
				t.Fatal(err)
			}
			sent, err := url.Parse(c.sent)
			if err != nil {
				t.Fatal(err)
			}
			if got := servedBy(sent, asked, c.base); got != c.want {
				t.Errorf("servedBy(%s, %s, %s) = %q, want %q", c.sent, c.asked, c.base, got, c.want)
			}
		})
	}
}

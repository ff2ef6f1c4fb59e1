package configs

import (
	"strings"
	"testing"
)

func TestRedactSourceHidesURLUserinfoAndHeaderValues(t *testing.T) {
	src := `agents:
  - name: A
    base_urls: [http://user:PASS-1@host:8080/v1, https://tok-2@a.example/v1, https://b.example/v1, "https://c.example/v1?api-version=1&api-key=KEY-7"]
    model: m
    headers:
      X-Api-Key: SECRET-3
      Authorization: "Bearer SECRET-4"
  - name: B
    provider: ollama
    model: m
termination:
  judge: {base_url: "http://j:PASS-5@judge/v1", model: m}
limits:
  http://l:PASS-6@host:8080/v1: {concurrent: 2}
`
	out, redacted := RedactSource(src)
	if !redacted {
		t.Fatal("nothing redacted")
	}
	for _, secret := range []string{"PASS-1", "tok-2", "SECRET-3", "SECRET-4", "PASS-5", "PASS-6", "user:PASS", "j:PASS", "KEY-7"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted source holds %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"host:8080/v1", "https://b.example/v1", "X-Api-Key", "Authorization", "REDACTED@host", "?api-version=1&api-key=REDACTED"} {
		if !strings.Contains(out, kept) {
			t.Errorf("redacted source lost %q:\n%s", kept, out)
		}
	}
	if _, err := Parse("s.yaml", []byte(out)); err != nil {
		t.Errorf("the redacted scenario no longer parses: %v", err)
	}
	// Text with an '@' or a '?' that is no URL is no secret.
	plain := "agents:\n  - {name: A, provider: ollama, model: m}  # a comment\n  - {name: B, provider: ollama, model: claude-3@20240229,\n" +
		"     system: \"Write to me: bob@example.com. Is it? key=value\"}\n"
	if out, redacted := RedactSource(plain); redacted || out != plain {
		t.Errorf("a scenario with no secrets changed: %q", out)
	}
}

// TestRedactSourceAnswersEachSourceAlike checks RedactSource on sources
// given in turn and again: a batch asks about the same one many times.
func TestRedactSourceAnswersEachSourceAlike(t *testing.T) {
	secret := "agents:\n  - name: A\n    base_url: http://u:PASS-7@host/v1\n    model: m\n"
	plain := "agents:\n  - name: A\n    base_url: http://host/v1\n    model: m\n"
	want := map[string]bool{secret: true, plain: false}
	for _, src := range []string{secret, secret, plain, plain, secret, plain} {
		out, redacted := RedactSource(src)
		if redacted != want[src] {
			t.Fatalf("RedactSource(%q) redacted = %v; want %v", src, redacted, want[src])
		}
		if strings.Contains(out, "PASS-7") || !redacted && out != src {
			t.Fatalf("RedactSource(%q) = %q", src, out)
		}
	}
}

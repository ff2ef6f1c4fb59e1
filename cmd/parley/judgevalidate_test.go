package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two judges with a problem or more each: validate names every one in
// one round, each at the line of its judge, or of the field to fix, and
// tells the two judges apart.
func TestValidateNamesEveryJudgeProblemAtOnce(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "set")
	t.Setenv("SECOND_KEY", "")
	y := `title: two judges
agents:
  - {name: A, type: scripted, lines: [a]}
  - {name: B, type: scripted, lines: [b]}
# The judges below are the ones to fix.


termination:
  any:
    - max_messages: 50
    - judge: {provider: opnai, temperature: "hot", every: 0, window: -2, colour: red}
    - judge:
        name: second
        provider: openai
        model: m
        api_key_env: SECOND_KEY
        retries: 0
        idle_timeout: -1s
        headers: {"Bad Name": secret-value}
`
	p := filepath.Join(t.TempDir(), "judges.yaml")
	os.WriteFile(p, []byte(y), 0o600)
	code, out, errOut := parley(t, "validate", p)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d: %s%s", code, exitUsage, out, errOut)
	}
	cases := []struct{ name, want string }{
		{"text where a number belongs", `:11: termination: judge.temperature: "hot" is text, not a number`},
		{"an unknown field", `:11: termination: judge: unknown field "colour"`},
		{"every: 0", `:11: termination: judge.every is 0`},
		{"a negative window", `:11: termination: judge.window is -2`},
		{"no model", `:11: termination: judge needs a model:`},
		{"a misspelt provider", `:11: termination: the judge: provider: "opnai" is not a known provider; did you mean "openai"?`},
		{"the second judge's retries", `:17: termination: the judge "second": retries: is the most attempts per reply and must be at least 1`},
		{"the second judge's idle timeout", `:18: termination: the judge "second": idle_timeout: must not be negative`},
		{"the second judge's header", `:19: termination: the judge "second": headers: "Bad Name" is not a valid header name`},
		{"the second judge's key", `:16: the judge "second" needs an API key: the environment variable SECOND_KEY is not set`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(errOut, p+c.want) {
				t.Errorf("stderr does not hold %q:\n%s", p+c.want, errOut)
			}
		})
	}
	if strings.Contains(errOut, p+":8:") {
		t.Errorf("a problem is put at the termination: line:\n%s", errOut)
	}
	if strings.Contains(errOut, "secret-value") {
		t.Errorf("a header's value was printed:\n%s", errOut)
	}
}

package configs

import (
	"strings"
	"testing"
)

// A header or an address HTTP cannot carry is refused by validate, at the
// line to fix, rather than failing the run with no cause.
func TestAHeaderOrAnAddressHTTPCannotCarryIsRefused(t *testing.T) {
	const withHeaders = `agents:
  - name: A
    provider: ollama
    model: m
    headers:
      X-Title: parley
      Bad Header: x
      X-Note: "line one\nline two"
  - name: B
    provider: openai
    model: m
`
	cases := []struct {
		name string
		env  map[string]string
		want []string // each a problem, in order
	}{
		{"headers", nil, []string{
			`s.yaml:7: agent "A": headers: "Bad Header" is not a valid header name: HTTP allows only letters, digits and !#$%&'*+-.^_` + "`|~" + ` in one, with no spaces or colons`,
			`s.yaml:8: agent "A": headers: the value of header "X-Note" holds a line break or another control character, which HTTP does not allow in a header`,
		}},
		{"OPENAI_BASE_URL without a scheme", map[string]string{"OPENAI_BASE_URL": "127.0.0.1:18081/v1"}, []string{
			`s.yaml:7: agent "A": headers: "Bad Header"`,
			`s.yaml:8: agent "A": headers: the value of header "X-Note"`,
			`s.yaml:10: agent "B": provider: openai takes its address from the environment, and OPENAI_BASE_URL is "127.0.0.1:18081/v1": it has no scheme; write http://127.0.0.1:18081/v1 (or https://)`,
		}},
		{"OPENAI_BASE_URL over ftp, OLLAMA_HOST with a bad port", map[string]string{"OPENAI_BASE_URL": "ftp://u:hunter22@example.com/v1", "OLLAMA_HOST": "host:notaport"}, []string{
			`s.yaml:3: agent "A": provider: ollama takes its address from the environment, and OLLAMA_HOST is "host:notaport": its port "notaport" is not a number from 1 to 65535`,
			`s.yaml:7: agent "A": headers: "Bad Header"`,
			`s.yaml:8: agent "A": headers: the value of header "X-Note"`,
			`s.yaml:10: agent "B": provider: openai takes its address from the environment, and OPENAI_BASE_URL is "ftp://REDACTED@example.com/v1": ftp:// is not a scheme parley can send requests to; it speaks only http:// and https://`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("OPENAI_BASE_URL", "")
			t.Setenv("OLLAMA_HOST", "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, err := Parse("s.yaml", []byte(withHeaders))
			probs := AsProblems(err)
			if len(probs) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(probs), len(c.want), err)
			}
			for i, w := range c.want {
				if got := probs[i].Error(); !strings.HasPrefix(got, w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got, w)
				}
			}
			if err != nil && strings.Contains(err.Error(), "hunter22") {
				t.Errorf("a password is printed: %v", err)
			}
		})
	}
}

// Two headers whose names differ only in case are one header to HTTP:
// only one would be sent, so both are named and one is to be kept.
func TestHeadersThatDifferOnlyInCaseAreRefused(t *testing.T) {
	y := "agents:\n  - name: A\n    provider: ollama\n    model: m\n    headers:\n      X-Dup: one\n      x-dup: two-secret-value\n  - {name: B, provider: openai, model: m}\n"
	_, err := Parse("s.yaml", []byte(y))
	want := `s.yaml:7: agent "A": headers: "X-Dup" and "x-dup" are the same header (HTTP ignores the case of a header's name); keep one`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v; want %s", err, want)
	}
}

// A base_url: given beside the provider is where requests go: the
// variable that moves the preset does not matter then.
func TestAnAgentWithItsOwnBaseURLIgnoresTheVariable(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "host:notaport")
	if _, err := Parse("s.yaml", []byte("agents:\n  - name: A\n    provider: ollama\n    base_url: http://127.0.0.1:9/v1\n    model: m\n  - name: B\n    type: scripted\n    lines: [hi]\n")); err != nil {
		t.Fatal(err)
	}
}

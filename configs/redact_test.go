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

// A base URL that fails validation is named without its password, in
// base_url:, base_urls: and limits:, however it fails: another scheme, no
// scheme (which url.Parse does not read as a host), a stray space.
func TestBadBaseURLIsShownWithoutItsPassword(t *testing.T) {
	const secret = "pw-SECRET123"
	cases := []struct {
		name, field, url string
		want             string // in the sentence, with the file, line and agent
	}{
		{"another scheme", "base_url", "ftp://u:" + secret + "@127.0.0.1/v1",
			`bad.yaml:7: agent "B": base_url: "ftp://REDACTED@127.0.0.1/v1" is not an http:// or https:// URL`},
		{"no scheme", "base_url", "u:" + secret + "@127.0.0.1:18081/v1",
			`bad.yaml:7: agent "B": base_url: "REDACTED@127.0.0.1:18081/v1" is not an http:// or https:// URL`},
		{"a stray space", "base_url", `"http://u:` + secret + `@127.0.0.1:18081 /v1"`,
			`bad.yaml:7: agent "B": base_url: "http://REDACTED@127.0.0.1:18081 /v1" is not an http:// or https:// URL`},
		{"a base_urls entry", "base_urls", "[http://127.0.0.1:1/v1, ftp://u:" + secret + "@127.0.0.1/v1]",
			`bad.yaml:7: agent "B": base_urls[1]: "ftp://REDACTED@127.0.0.1/v1" is not an http:// or https:// URL`},
		{"a key in a bad URL's query", "base_url", "127.0.0.1:18081/v1?key=" + secret,
			`bad.yaml:7: agent "B": base_url: "127.0.0.1:18081/v1?key=REDACTED" is not an http:// or https:// URL`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "agents:\n  - name: A\n    provider: ollama\n    model: m\n  - name: B\n    model: m\n    " + c.field + ": " + c.url + "\n"
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil {
				t.Fatalf("accepted:\n%s", src)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v\n  does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	_, err := Parse("bad.yaml", []byte("agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, provider: ollama, model: m}\nlimits:\n  ftp://u:"+secret+"@h/v1: {concurrent: 1}\n"))
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), `limits: "ftp://REDACTED@h/v1" is neither`) {
		t.Errorf("a limit's bad URL: %v", err)
	}
}

// A key pasted as api_key, or in place of api_key_env's variable or
// api_key_file's path, is not recorded; a variable's name and a file's
// path are.
func TestRedactSourceHidesAKeyPastedForAVariableOrAFile(t *testing.T) {
	cases := []struct {
		name, field, value string
		redacted           bool
	}{
		{"a key for a variable", "api_key_env", "sk-test-SECRET123", true},
		{"a key for a file", "api_key_file", "sk-test-SECRET123", true},
		{"a literal key", "api_key", "abc-SECRET123", true},
		{"a variable", "api_key_env", "MY_API_KEY", false},
		{"a file", "api_key_file", "secrets/openai-2024.key", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n    " + c.field + ": " + c.value + "\n"
			out, redacted := RedactSource(src)
			if redacted != c.redacted || strings.Contains(out, c.value) == c.redacted {
				t.Errorf("RedactSource redacted = %v, want %v:\n%s", redacted, c.redacted, out)
			}
			if c.redacted && !strings.Contains(out, c.field+": REDACTED") {
				t.Errorf("the field is not kept with its value hidden:\n%s", out)
			}
		})
	}
}

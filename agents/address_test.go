package agents

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

func TestHeaderProblem(t *testing.T) {
	cases := []struct {
		name, header, value string
		want                string // "" : the header can be sent
	}{
		{"an ordinary header", "X-Title", "parley", ""},
		{"a value with spaces and punctuation", "HTTP-Referer", "https://example.com/a b?c=d", ""},
		{"a space in the name", "Bad Header", "x", `"Bad Header" is not a valid header name`},
		{"a colon in the name", "X:Y", "x", `"X:Y" is not a valid header name`},
		{"an empty name", "", "x", "a header has an empty name"},
		{"a newline in the value", "X-Note", "a\nb", `the value of header "X-Note" holds a line break`},
		{"a carriage return in the value", "X-Note", "a\rb", `the value of header "X-Note" holds a line break`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := HeaderProblem(c.header, c.value)
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("HeaderProblem(%q, %q) = %q, want %q", c.header, c.value, got, c.want)
			}
			if c.value != "" && strings.Contains(got, c.value) {
				t.Errorf("%q quotes the value", got)
			}
		})
	}
}

func TestEnvProblemNamesTheVariable(t *testing.T) {
	cases := []struct {
		name, provider, env, value string
		want                       string // "": usable
	}{
		{"an OpenAI proxy", "openai", "OPENAI_BASE_URL", "https://proxy.example.com/v1/", ""},
		{"no scheme", "openai", "OPENAI_BASE_URL", "127.0.0.1:18081/v1",
			`OPENAI_BASE_URL is "127.0.0.1:18081/v1": it has no scheme; write http://127.0.0.1:18081/v1 (or https://)`},
		{"ftp", "openai", "OPENAI_BASE_URL", "ftp://files.example.com/v1",
			`OPENAI_BASE_URL is "ftp://files.example.com/v1": ftp:// is not a scheme parley can send requests to; it speaks only http:// and https://`},
		{"a password is never quoted", "openai", "OPENAI_BASE_URL", "ftp://me:hunter22@files.example.com/v1",
			`OPENAI_BASE_URL is "ftp://REDACTED@files.example.com/v1"`},
		{"a password without a scheme is never quoted", "openai", "OPENAI_BASE_URL", "me:hunter22@127.0.0.1:18081/v1",
			`OPENAI_BASE_URL is "REDACTED@127.0.0.1:18081/v1": it has no scheme; write http://REDACTED@127.0.0.1:18081/v1`},
		{"ollama's host without a scheme", "ollama", "OLLAMA_HOST", "box.lan:8000", ""},
		{"ollama's port is not a number", "ollama", "OLLAMA_HOST", "host:notaport",
			`OLLAMA_HOST is "host:notaport": its port "notaport" is not a number from 1 to 65535`},
		{"ollama's port is too large", "ollama", "OLLAMA_HOST", "host:99999", `its port "99999" is not a number from 1 to 65535`},
		{"ollama over ftp", "ollama", "OLLAMA_HOST", "ftp://host", "ftp:// is not a scheme parley can send requests to"},
		{"unset", "ollama", "OLLAMA_HOST", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			p, _ := LookupProvider(c.provider)
			got := p.EnvProblem()
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("EnvProblem() = %q, want %q", got, c.want)
			}
			if strings.Contains(got, "hunter22") {
				t.Errorf("%q quotes the password", got)
			}
			if moved := p.MovedBy(); (c.value != "") != (moved == c.env) {
				t.Errorf("MovedBy() = %q with %s=%q", moved, c.env, c.value)
			}
		})
	}
}

// A request HTTP cannot carry is not sent: the agent says what to fix,
// where the reply used to fail with no cause.
func TestAnUnsendableRequestSaysWhyAndSendsNothing(t *testing.T) {
	cases := []struct {
		name string
		cfg  OpenAIConfig
		want string
	}{
		{"a space in a header's name", OpenAIConfig{Headers: map[string]string{"Bad Header": "x"}},
			`Alice: headers: "Bad Header" is not a valid header name: HTTP allows only letters, digits and`},
		{"a newline in a header's value", OpenAIConfig{Headers: map[string]string{"X-Note": "secret-value\nmore"}},
			`Alice: headers: the value of header "X-Note" holds a line break or another control character, which HTTP does not allow in a header; fix it under headers: for this agent`},
		{"an address from the environment without a scheme", OpenAIConfig{BaseURL: "127.0.0.1:18081/v1", BaseURLEnv: "OPENAI_BASE_URL"},
			`Alice: its address comes from OPENAI_BASE_URL, "127.0.0.1:18081/v1", and it has no scheme; write http://127.0.0.1:18081/v1 (or https://)`},
		{"an address over ftp", OpenAIConfig{BaseURL: "ftp://u:hunter22@127.0.0.1/v1"},
			`Alice: base_url: "ftp://REDACTED@127.0.0.1/v1": ftp:// is not a scheme parley can send requests to`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("never")))
			a := newTestAgent(t, srv, c.cfg)
			r := collect(context.Background(), a, hello)
			var ae *Error
			if !errors.As(r.err, &ae) {
				t.Fatalf("error %v is not an *Error", r.err)
			}
			if !strings.HasPrefix(ae.Sentence, c.want) {
				t.Errorf("sentence = %q\nwant it to start %q", ae.Sentence, c.want)
			}
			if strings.Contains(r.err.Error(), "secret-value") || strings.Contains(r.err.Error(), "hunter22") {
				t.Errorf("error %q shows a secret", r.err)
			}
			if n := len(srv.Requests()); n != 0 || len(r.retries) != 0 {
				t.Errorf("%d requests, %d retries; want none", n, len(r.retries))
			}
		})
	}
}

// An address the file does not give is named by where it came from when
// it cannot be reached, with what moves it: there is no base_url: to
// check.
func TestAnAddressIsNamedWhenUnreachable(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  OpenAIConfig
		want string // after the URL
	}{
		{"from OLLAMA_HOST", OpenAIConfig{BaseURLEnv: "OLLAMA_HOST"}, "; check OLLAMA_HOST, which sets this agent's address, and that the server is running"},
		{"a preset's own", OpenAIConfig{Preset: "ollama"}, ", the address of provider: ollama; check that the server is running there, or give base_url: (or OLLAMA_HOST) where it runs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			url := "http://" + l.Addr().String() + "/v1"
			l.Close()
			c.cfg.BaseURL, c.cfg.Retries = url, ptr(1)
			r := collect(context.Background(), newTestAgent(t, nil, c.cfg), hello)
			var ae *Error
			if !errors.As(r.err, &ae) {
				t.Fatalf("error %v is not an *Error", r.err)
			}
			if want := "Alice: cannot reach " + url + c.want; ae.Sentence != want {
				t.Errorf("sentence = %q\n want %q", ae.Sentence, want)
			}
		})
	}
}

// A failure parley has no sentence of its own for says its cause.
func TestAnUnexplainedFailureCarriesItsCause(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("never")))
	https := strings.Replace(srv.URL, "http://", "https://", 1)
	a := newTestAgent(t, nil, OpenAIConfig{BaseURL: https, Retries: ptr(1)})
	r := collect(context.Background(), a, hello)
	var ae *Error
	if !errors.As(r.err, &ae) {
		t.Fatalf("error %v is not an *Error", r.err)
	}
	want := "Alice: the reply from " + https + " failed: http: server gave HTTP response to HTTPS client"
	if ae.Sentence != want {
		t.Errorf("sentence = %q\n want %q", ae.Sentence, want)
	}
}

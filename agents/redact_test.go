package agents

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"a user and password", "http://user:PASS@host:8080/v1", "http://REDACTED@host:8080/v1"},
		{"a token as the user", "https://TOKEN@api.example/v1", "https://REDACTED@api.example/v1"},
		{"nothing to hide", "https://api.example/v1", "https://api.example/v1"},
		{"a provider's name", "openai", "openai"},
		{"text with an @", "not a url @ all", "not a url @ all"},
		{"an IPv6 host", "http://[::1]:11434/v1", "http://[::1]:11434/v1"},
		{"an escaped @ in the password", "http://u:p%40ss@10.0.0.5:1/v1/", "http://REDACTED@10.0.0.5:1/v1/"},
		{"an @ in the password", "http://u:p@ss@h/v1", "http://REDACTED@h/v1"},
		{"an @ in the path", "http://h/v1/@me", "http://h/v1/@me"},

		{"a key in the query", "http://127.0.0.1:18081/v1?key=sk-test-SECRET123", "http://127.0.0.1:18081/v1?key=REDACTED"},
		{"a key beside a version", "https://r.openai.azure.com/openai/v1?api-version=2024-10-21&api-key=S3CR7",
			"https://r.openai.azure.com/openai/v1?api-version=2024-10-21&api-key=REDACTED"},
		{"names in any case and joining", "http://h/v1?API_KEY=a&apiKey=b&ApiKey=c&x-api-key=d&access_token=e&client_secret=f",
			"http://h/v1?API_KEY=REDACTED&apiKey=REDACTED&ApiKey=REDACTED&x-api-key=REDACTED&access_token=REDACTED&client_secret=REDACTED"},
		{"passwords, signatures, sessions", "http://h/v1?password=a&pass=b&pwd=c&sig=d&X-Amz-Signature=e&auth=f&credential=g&session=h&token=i&secret=j",
			"http://h/v1?password=REDACTED&pass=REDACTED&pwd=REDACTED&sig=REDACTED&X-Amz-Signature=REDACTED&auth=REDACTED&credential=REDACTED&session=REDACTED&token=REDACTED&secret=REDACTED"},
		{"ordinary parameters stay", "http://h/v1?api-version=2024-10-21&model=m&user=me&author=x&passage=y&signal=z",
			"http://h/v1?api-version=2024-10-21&model=m&user=me&author=x&passage=y&signal=z"},
		{"an escaped name", "http://h/v1?api%5Fkey=abc", "http://h/v1?api%5Fkey=REDACTED"},
		{"an empty value and a bare name", "http://h/v1?key=&token", "http://h/v1?key=&token"},
		{"a fragment after the query", "http://h/v1?key=abc#top", "http://h/v1?key=REDACTED#top"},
		{"a password and a key", "http://u:pw@h/v1?key=abc&v=1", "http://REDACTED@h/v1?key=REDACTED&v=1"},
		{"already redacted", "http://REDACTED@h/v1?key=REDACTED", "http://REDACTED@h/v1?key=REDACTED"},

		{"another scheme", "ftp://u:pw-SECRET123@127.0.0.1/v1", "ftp://REDACTED@127.0.0.1/v1"},
		{"no scheme", "u:pw-SECRET123@127.0.0.1:18081/v1", "REDACTED@127.0.0.1:18081/v1"},
		{"no scheme, a key in the query", "127.0.0.1:18081/v1?key=sk-test-SECRET123", "127.0.0.1:18081/v1?key=REDACTED"},
		{"a space in the host", "http://u:pw-SECRET123@127.0.0.1:18081 /v1", "http://REDACTED@127.0.0.1:18081 /v1"},
		{"a space before", " http://u:pw-SECRET123@127.0.0.1:18081/v1", " http://REDACTED@127.0.0.1:18081/v1"},
		{"a space in the password", "http://u:pw SECRET@h/v1", "http://REDACTED@h/v1"},
		{"a space in the host, a key", "http://h :1/v1?token=abc", "http://h :1/v1?token=REDACTED"},
		{"a user alone, no scheme", "TOKEN@api.example/v1", "TOKEN@api.example/v1"},

		{"a model id with a date", "claude-3@20240229", "claude-3@20240229"},
		{"a model id with a tag", "org/model@v2", "org/model@v2"},
		{"an address in a sentence", "Write to me: bob@example.com", "Write to me: bob@example.com"},
		{"a sentence with a link and an address", "See https://example.com and mail a@b.c", "See https://example.com and mail a@b.c"},
		{"a question", "Is it? key=value", "Is it? key=value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RedactURL(c.in); got != c.want {
				t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestURLSecrets(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"none", "http://h/v1?api-version=1", nil},
		// Each with the Basic credentials HTTP sends for it: the base64
		// of user:password.
		{"a user and password", "http://user:PASS@h/v1", []string{"PASS", "dXNlcjpQQVNT"}},
		{"a token as the user", "https://TOKEN@h/v1", []string{"TOKEN", "VE9LRU46"}},
		{"escaped", "http://u:p%40ss@h/v1?key=a%2Bb", []string{"p%40ss", "p@ss", "dTpwQHNz", "a%2Bb", "a+b"}},
		{"a key", "http://h/v1?key=sk-test-SECRET123&v=2", []string{"sk-test-SECRET123"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := URLSecrets(c.in); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("URLSecrets(%q) = %q, want %q", c.in, got, c.want)
			}
		})
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
		{"replicas with queries of their own", "http://a/v1", "http://a/v1/chat/completions?api-version=1",
			"http://b/openai/v1/chat/completions?api-version=2", "http://b/openai/v1?api-version=2"},
		{"a replica without the query", "http://a/v1", "http://a/v1/chat/completions?api-version=1",
			"http://c/v1/chat/completions", "http://c/v1"},
		{"a secret in a replica's query", "http://a/v1", "http://a/v1/chat/completions",
			"http://b/v1/chat/completions?key=s3cret-value", "http://b/v1?key=REDACTED"},
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

func TestRedactURLsIn(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"no URL", "connection refused", "connection refused"},
		{"a URL with nothing to hide", `Get "http://h/v1/models?api-version=1": EOF`, `Get "http://h/v1/models?api-version=1": EOF`},
		{"a user and password", `parse "http://u:pw@h:x": invalid port`, `parse "http://REDACTED@h:x": invalid port`},
		{"a redirect's Location with a key", `failed to parse Location header "http://h:x/v1?api-version=1&key=sk-1": invalid port`,
			`failed to parse Location header "http://h:x/v1?api-version=1&key=REDACTED": invalid port`},
		{"two URLs", `"https://a:pw1@h/x" then "https://b:pw2@h/y?token=t"`, `"https://REDACTED@h/x" then "https://REDACTED@h/y?token=REDACTED"`},
		{"a list of servers", "nats://a:pw1@h1:4222,nats://b:pw2@h2:4222", "nats://REDACTED@h1:4222,nats://REDACTED@h2:4222"},
		{"the punctuation after it", "(see http://h/v1?key=sk-1).", "(see http://h/v1?key=REDACTED)."},
		{"a model id", "model claude-3@20240229 is not served", "model claude-3@20240229 is not served"},
		{"already redacted", "http://REDACTED@h/v1?key=REDACTED", "http://REDACTED@h/v1?key=REDACTED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RedactURLsIn(c.in); got != c.want {
				t.Errorf("RedactURLsIn(%q)\n = %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

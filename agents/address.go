package agents

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// What must hold of an agent's address and headers before a request can
// be sent at all. A scenario's check (parley validate) and the agent
// itself ask the same questions, so what validate accepts the agent can
// send, and what it cannot send it says why, naming the field or the
// environment variable to fix.

// HeaderProblem says why a header cannot be sent as written, by net/http's
// rules (the field name a token, the value free of line breaks and other
// control characters), or "" when it can. It never quotes the value,
// which may be a credential.
func HeaderProblem(name, value string) string {
	switch {
	case name == "":
		return "a header has an empty name"
	case !httpguts.ValidHeaderFieldName(name):
		return fmt.Sprintf("%q is not a valid header name: HTTP allows only letters, digits and !#$%%&'*+-.^_`|~ in one, with no spaces or colons", name)
	case !httpguts.ValidHeaderFieldValue(value):
		return fmt.Sprintf("the value of header %q holds a line break or another control character, which HTTP does not allow in a header", name)
	}
	return ""
}

// MovedBy names the environment variable that moved the preset's base
// URL (OLLAMA_HOST, OPENAI_BASE_URL), or "" when none did.
func (p Provider) MovedBy() string {
	if e, ok := baseURLEnv[strings.ToLower(p.Name)]; ok && strings.TrimSpace(os.Getenv(e.name)) != "" {
		return e.name
	}
	return ""
}

// EnvProblem says what is wrong with the environment variable that moves
// the preset, naming it and its value (without a password), or "" when
// it is unset or gives a URL parley can send requests to.
func (p Provider) EnvProblem() string {
	name := p.MovedBy()
	if name == "" {
		return ""
	}
	v := strings.TrimSpace(os.Getenv(name))
	// The URL the variable gives, read as its own tool reads it
	// (OLLAMA_HOST without a scheme is http).
	fault := URLProblem(baseURLEnv[strings.ToLower(p.Name)].url(v))
	if fault == "" {
		return ""
	}
	return fmt.Sprintf("%s is %q: %s", name, redactLoose(v), fault)
}

// URLProblem says what keeps s from being a base URL parley can send
// requests to, and how to write it, or "" when it is one. It quotes no
// user or password s may hold.
func URLProblem(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "it is empty; give an http:// or https:// URL"
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return fmt.Sprintf("it has no scheme; write http://%s (or https://)", redactLoose(s))
	}
	if !isHTTPScheme(scheme) {
		return schemeFault(scheme)
	}
	hostport, _, _ := strings.Cut(rest, "/")
	hostport, _, _ = strings.Cut(hostport, "?")
	hostport, _, _ = strings.Cut(hostport, "#")
	if i := strings.LastIndexByte(hostport, '@'); i >= 0 {
		hostport = hostport[i+1:]
	}
	if hostport == "" {
		return "it names no host"
	}
	if strings.HasPrefix(hostport, "[") || strings.Count(hostport, ":") == 1 {
		if _, port, err := net.SplitHostPort(hostport); err == nil {
			if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
				return fmt.Sprintf("its port %q is not a number from 1 to 65535", port)
			}
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "it is not a URL: " + RedactURLsIn(err.Error())
	}
	if u.Host == "" {
		return "it names no host"
	}
	return ""
}

func isHTTPScheme(s string) bool {
	return strings.EqualFold(s, "http") || strings.EqualFold(s, "https")
}

func schemeFault(scheme string) string {
	return fmt.Sprintf("%s:// is not a scheme parley can send requests to; it speaks only http:// and https://", scheme)
}

// unsendable is why an agent's requests cannot be sent at all: a header
// or an address HTTP cannot carry. msg says what to fix.
type unsendable struct {
	msg string
}

func (u *unsendable) Error() string { return u.msg }

// unsendableConfig says why cfg makes requests that cannot be sent, or
// nil when it does not.
func unsendableConfig(cfg OpenAIConfig) *unsendable {
	names := make([]string, 0, len(cfg.Headers))
	for k := range cfg.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if p := HeaderProblem(k, cfg.Headers[k]); p != "" {
			return &unsendable{msg: "headers: " + p + "; fix it under headers: for this agent"}
		}
	}
	if p := URLProblem(cfg.BaseURL); p != "" {
		if cfg.BaseURLEnv != "" {
			return &unsendable{msg: fmt.Sprintf("its address comes from %s, %q, and %s", cfg.BaseURLEnv, redactLoose(cfg.BaseURL), p)}
		}
		return &unsendable{msg: fmt.Sprintf("base_url: %q: %s", redactLoose(cfg.BaseURL), p)}
	}
	return nil
}

// redactLoose is RedactURL for a value known to be an address (a base
// URL, an address from the environment): written without a scheme, its
// user alone before an '@' (a token given as the user, tok@host:port) is
// hidden too, where RedactURL, which also reads free text and model ids
// ("claude-3@20240229"), keeps it.
func redactLoose(s string) string {
	r := RedactURL(s)
	if r != s || !strings.Contains(s, "@") {
		return r
	}
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	i := strings.LastIndexByte(authority, '@')
	if i < 0 {
		return s
	}
	return prefix + Redacted + authority[i:] + path
}

// Endpoint is the address of path (such as "/models") under base, an
// agent's base URL, which may carry a query every request must carry too
// (Azure's "?api-version=…"): the path goes before the query, not after
// it.
func Endpoint(base, path string) string {
	b, q := splitQuery(base)
	return withQuery(strings.TrimRight(b, "/")+path, q)
}

// splitQuery parts a base URL from its query ("" when it has none); a
// fragment, which is never sent, is dropped.
func splitQuery(base string) (string, string) {
	base, _, _ = strings.Cut(base, "#")
	b, q, _ := strings.Cut(base, "?")
	return b, q
}

// withQuery adds query to the query the address u already has.
func withQuery(u, query string) string {
	switch {
	case query == "":
		return u
	case strings.Contains(u, "?"):
		return u + "&" + query
	}
	return u + "?" + query
}

// SetsAuthorization reports whether headers set the Authorization header,
// which then goes in the place of the API key's.
func SetsAuthorization(headers map[string]string) bool {
	for k := range headers {
		if strings.EqualFold(k, "Authorization") {
			return true
		}
	}
	return false
}

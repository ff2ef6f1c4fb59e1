package agents

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/net/http/httpproxy"

	"github.com/parleyhq/parley/internal/lazy"
)

// Redacted stands in for a secret parley leaves out of what it writes or
// prints: a URL's user and password, a secret query parameter's value, a
// header's value.
const Redacted = "REDACTED"

// RedactURL is s with the secrets a URL may carry replaced by Redacted: its
// user and password (http://user:pass@host), and the value of every query
// parameter whose name says it holds one (?key=…, ?api_key=…, ?token=…,
// ?sig=…: see secretParam), while other parameters (?api-version=…) stay
// readable. Every path that writes or prints a base URL goes through it.
//
// It reads s as text rather than trusting url.Parse, so a string that is
// not a valid URL (a stray space, an ftp:// scheme, no scheme at all, as
// a mistaken base_url is) loses its secrets too: the part of the
// authority before its last '@' is replaced when the string has a scheme
// (x://) or that part holds a ':' (user:password). Text that is no URL,
// such as a model id "claude-3@20240229" or a sentence with an address in
// it, comes back as it was, as does a URL with nothing to hide.
func RedactURL(s string) string {
	out, _ := redactURL(s)
	return out
}

// redactURL is RedactURL, and the secrets it hid.
func redactURL(s string) (out string, secrets []string) {
	if !strings.ContainsAny(s, "@?") {
		return s, nil
	}
	// The authority: after the scheme's "://", else from the start, up to
	// the path, the query or the fragment.
	start, scheme := 0, false
	if i := strings.Index(s, "://"); i >= 0 && !strings.ContainsAny(s[:i], "/?#@") {
		start, scheme = i+3, true
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	out = s
	if at := strings.LastIndex(s[start:end], "@"); at >= 0 {
		user := s[start : start+at]
		if user != Redacted && isUserinfo(user, scheme) {
			out = s[:start] + Redacted + s[start+at:]
			end += len(Redacted) - len(user)
			secrets = userinfoSecrets(user)
		}
	}
	// The query: after the first '?' past the authority, up to the
	// fragment, when what comes before it reads as a URL.
	q := strings.IndexByte(out[end:], '?')
	if q < 0 {
		return out, secrets
	}
	q += end
	if !scheme && strings.IndexFunc(out[:q], unicode.IsSpace) >= 0 {
		return out, secrets // a question in a sentence, not a URL's query
	}
	qend := len(out)
	if i := strings.IndexByte(out[q:], '#'); i >= 0 {
		qend = q + i
	}
	if r, values := redactQuery(out[q+1 : qend]); len(values) > 0 {
		out = out[:q+1] + r + out[qend:]
		secrets = append(secrets, values...)
	}
	return out, secrets
}

// userinfoSecrets are the secret of a URL's userinfo, as written and
// decoded: its password, or its user when it has none (a token given as
// the user, https://TOKEN@host); and both as HTTP sends them, as Basic
// credentials (the base64 of user:password) in the Authorization header
// of a request that carries no other, which a server or a proxy echoing
// the request's headers quotes.
func userinfoSecrets(userinfo string) []string {
	secret := userinfo
	if _, pw, ok := strings.Cut(userinfo, ":"); ok {
		secret = pw
	}
	if secret == "" {
		return nil
	}
	out := []string{secret}
	if d, err := url.PathUnescape(secret); err == nil && d != secret {
		out = append(out, d)
	}
	if u, err := url.Parse("http://" + userinfo + "@host"); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		out = append(out, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)))
	}
	return out
}

// isUserinfo reports whether user, the part of an authority before its
// '@', is a URL's user and password rather than text with an '@' in it: in
// a string with a scheme, anything but a phrase (whitespace and no ':');
// without one, a user:password with no whitespace.
func isUserinfo(user string, scheme bool) bool {
	if user == "" {
		return false
	}
	spaced := strings.IndexFunc(strings.TrimSpace(user), unicode.IsSpace) >= 0
	colon := strings.Contains(user, ":")
	if scheme {
		return colon || !spaced
	}
	return colon && !spaced
}

// redactQuery replaces the value of each secret parameter of a raw query,
// keeping everything else as written, and returns the values it replaced.
func redactQuery(raw string) (string, []string) {
	params := strings.Split(raw, "&")
	var values []string
	for i, p := range params {
		name, value, has := strings.Cut(p, "=")
		if !has || value == "" || value == Redacted {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if secretParam(name) {
			params[i] = p[:len(p)-len(value)] + Redacted
			values = append(values, value)
			if d, err := url.QueryUnescape(value); err == nil && d != value {
				values = append(values, d)
			}
		}
	}
	if len(values) == 0 {
		return raw, nil
	}
	return strings.Join(params, "&"), values
}

// secretWords are what a query parameter's name holds, as a whole word or
// at a word's end ("apikey", "accessToken", "X-Amz-Signature"), when its
// value is a secret; shortWords count only as whole words, since they end
// many ordinary ones.
var (
	secretWords = []string{"key", "keys", "token", "tokens", "secret", "secrets", "password", "passwd",
		"passphrase", "signature", "credential", "credentials", "authorization", "jwt"}
	shortWords = []string{"pass", "pwd", "sig", "auth", "session", "sessionid", "sid"}
)

// secretParam reports whether a query parameter named name carries a
// secret. The name is read case-insensitively, word by word, words being
// split at anything but letters and digits: key, api_key, apiKey, api-key,
// access_token, client_secret, password, pwd, sig, X-Amz-Signature, auth,
// session and their like are secret; api-version, model and user are not.
func secretParam(name string) bool {
	words := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(name)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		for _, s := range secretWords {
			if strings.HasSuffix(w, s) {
				return true
			}
		}
		for _, s := range shortWords {
			if w == s {
				return true
			}
		}
	}
	return false
}

// urlStartRe finds where a URL written in text begins: at its scheme.
var urlStartRe = lazy.Regexp(`[A-Za-z][A-Za-z0-9+.-]*://`)

// RedactURLsIn is s, a text such as an error's, with every URL written in
// it redacted as RedactURL redacts one: its user and password, and its
// secret query parameters' values. A URL runs from its scheme to the next
// white space, quote or URL (so each of a comma-separated list is one),
// less the punctuation that ends a sentence or a parenthesis.
func RedactURLsIn(s string) string {
	locs := urlStartRe().FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	prev := 0
	for i, loc := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if j := strings.IndexAny(s[loc[0]:end], " \t\r\n\"'`<>"); j >= 0 {
			end = loc[0] + j
		}
		end = loc[0] + len(strings.TrimRight(s[loc[0]:end], ".,;:!)]}"))
		b.WriteString(s[prev:loc[0]])
		b.WriteString(RedactURL(s[loc[0]:end]))
		prev = end
	}
	b.WriteString(s[prev:])
	return b.String()
}

// URLSecrets are the secrets RedactURL hides in s: its password (or the
// user that stands for one) and the values of its secret query parameters, as written and decoded,
// for redacting from text that quotes them (an error naming the URL a
// request went to, a server echoing it).
func URLSecrets(s string) []string {
	_, secrets := redactURL(s)
	return secrets
}

// ProxySecrets are the secrets of the proxy the environment names for
// requests to base (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read as net/http
// reads them): the user and password of the proxy's URL, which the proxy
// is sent as Basic credentials in Proxy-Authorization, and which a proxy
// that echoes the request's headers in an error quotes back.
func ProxySecrets(base string) []string {
	u, err := url.Parse(Endpoint(base, "/chat/completions"))
	if err != nil || u.Host == "" {
		return nil
	}
	proxy, err := httpproxy.FromEnvironment().ProxyFunc()(u)
	if err != nil || proxy == nil || proxy.User == nil {
		return nil
	}
	return URLSecrets(proxy.String())
}

// RedactSecrets is s with every secret in it (a key, a header's value)
// replaced by [redacted]. Secrets shorter than four bytes are left, since
// they would match ordinary text. The longest are replaced first, so a
// header's whole value ("Bearer TOKEN") goes as one, and its token alone
// wherever a server quoted only that.
func RedactSecrets(s string, secrets ...string) string {
	if len(secrets) > 1 {
		secrets = slices.Clone(secrets)
		slices.SortStableFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	}
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	return s
}

// HeaderSecrets is what a header's value holds that must not be shown:
// the value, and the credential of one written as SCHEME CREDENTIAL
// ("Bearer TOKEN"), which a server may quote alone; for Basic, also the
// user:password it encodes, and the password.
func HeaderSecrets(v string) []string {
	out := []string{v}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
	if cred = strings.TrimSpace(cred); !ok || cred == "" {
		return out
	}
	out = append(out, cred)
	if strings.EqualFold(scheme, "Basic") {
		if plain, err := base64.StdEncoding.DecodeString(cred); err == nil {
			out = append(out, string(plain))
			if _, pass, ok := strings.Cut(string(plain), ":"); ok {
				out = append(out, pass)
			}
		}
	}
	return out
}

// Secrets is what every agent of one conversation (its two sides and its
// judges) sends that must not be shown: each agent's errors hide them
// all, since one provider's error may quote another's key or header (a
// gateway, a proxy or a server shared by both sides echoing what it was
// sent). Agents add their own as they are built. Safe for concurrent use.
type Secrets struct {
	mu   sync.Mutex
	list []string
}

// Add records secrets, each once; empty ones are left out.
func (s *Secrets) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if v != "" && !slices.Contains(s.list, v) {
			s.list = append(s.list, v)
		}
	}
}

// All is every secret added so far.
func (s *Secrets) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

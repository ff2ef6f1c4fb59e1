package agents

import (
	"net/url"
	"strings"
)

// Redacted stands in for a secret parley leaves out of what it writes or
// prints: a URL's user and password, a header's value.
const Redacted = "REDACTED"

// RedactURL is s with the userinfo of a URL (user and password, which
// base URLs may carry) replaced by Redacted. Anything else comes back as
// it was. Every path that writes or prints a base URL goes through it.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil || u.Host == "" {
		return s
	}
	u.User = url.User(Redacted)
	return u.String()
}

// RedactSecrets is s with every secret in it (a key, a header's value)
// replaced by [redacted]. Secrets shorter than four bytes are left, since
// they would match ordinary text.
func RedactSecrets(s string, secrets ...string) string {
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	return s
}

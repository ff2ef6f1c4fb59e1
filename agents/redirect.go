package agents

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// maxRedirects is how many redirects a request follows, as net/http's
// default policy does.
const maxRedirects = 10

// keptAcrossSites are the request headers a redirect to another site may
// carry: what describes the body and the client. Every other header may
// be a credential (a scenario's headers: x-api-key, api-key, a
// gateway's token) and stays with the site it was written for.
var keptAcrossSites = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "Cache-Control": true,
	"Content-Type": true, "Content-Length": true, "Content-Encoding": true, "User-Agent": true,
}

// CheckRedirect is the redirect policy of parley's HTTP clients. A
// redirect within the site a request was addressed to (the same host, or
// one of its subdomains, as net/http decides for Authorization) carries
// its headers, as net/http's default does. A redirect to another site
// carries none of the request's other headers, nor a Referer, which would
// hold the first URL's query (a key given there): net/http drops
// Authorization and cookies on such a redirect but forwards every header
// a scenario sets, so a provider's address that redirected elsewhere
// would hand its key to whoever answered there. It follows at most ten
// redirects, as net/http's default does.
//
// Two redirects are refused: one from https to plain http, which would
// send the key, the headers and the conversation in the clear; and one
// that turns a POST into a GET (301, 302 and 303 do), which would ask for
// the page without the request, and be refused for a reason that names
// neither the redirect nor where it went.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("stopped after 10 redirects")
	}
	if len(via) > 0 {
		first, status := via[0], 0
		if req.Response != nil {
			status = req.Response.StatusCode
		}
		switch {
		case first.URL.Scheme == "https" && req.URL.Scheme == "http":
			return &RedirectRefused{Status: status, To: RedactURL(req.URL.String()),
				Why: "from https to plain http, where the key, the headers and the conversation would travel in the clear"}
		case first.Method == http.MethodPost && req.Method != http.MethodPost:
			return &RedirectRefused{Status: status, To: RedactURL(req.URL.String()),
				Why: "which turns the request into a GET without its body"}
		}
	}
	if len(via) == 0 || sameSite(via[0].URL.Hostname(), req.URL.Hostname()) {
		return nil
	}
	for k := range req.Header {
		if !keptAcrossSites[http.CanonicalHeaderKey(k)] {
			req.Header.Del(k)
		}
	}
	return nil
}

// sameSite reports whether a request to host dst is still within the site
// of src: the same host, or a subdomain of it.
func sameSite(src, dst string) bool {
	src, dst = strings.ToLower(src), strings.ToLower(dst)
	return dst == src || strings.HasSuffix(dst, "."+src)
}

// RedirectRefused is a redirect CheckRedirect does not follow. Asking
// again meets the same redirect: it is not retried.
type RedirectRefused struct {
	Status int    // the redirect's, such as 301
	To     string // where it points, its secrets redacted
	Why    string
}

func (e *RedirectRefused) Error() string {
	return fmt.Sprintf("redirected (%d) to %s, %s; parley does not follow it: set base_url: to the address you mean", e.Status, e.To, e.Why)
}

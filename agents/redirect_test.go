package agents

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// A provider's address that redirects to another site does not hand that
// site the scenario's headers or its URL's query: only a redirect within
// the site carries them, as net/http carries Authorization.
func TestARedirectToAnotherSiteCarriesNoCredentials(t *testing.T) {
	const secret = "hdr-SECRET-0123456789"
	// The server that answers, addressed as localhost where the first is
	// addressed as 127.0.0.1: another site, the same machine.
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("Hello there.") })
	elsewhere := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, c := range []struct {
		name, to string
		carried  bool
	}{
		{"another site", elsewhere, false},
		{"the same site", srv.URL, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(srv.Requests())
			first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, c.to+strings.TrimPrefix(r.URL.Path, "/v1"), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(first.Close)
			for _, hc := range []*http.Client{nil, {CheckRedirect: CheckRedirect}} {
				a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: first.URL + "/v1?key=" + secret, APIKey: testKey,
					Headers: map[string]string{"X-Api-Key": secret}, HTTPClient: hc})
				if r := collect(context.Background(), a, []Message{{Role: "user", Content: "Hi."}}); r.err != nil || r.text != "Hello there." {
					t.Fatalf("reply %q, %v", r.text, r.err)
				}
			}
			reqs := srv.Requests()[before:]
			if len(reqs) != 2 {
				t.Fatalf("%d requests reached the server; want 2", len(reqs))
			}
			for _, r := range reqs {
				got := r.Header.Get("X-Api-Key") + r.Header.Get("Referer") + r.Header.Get("Authorization")
				if carried := strings.Contains(got, secret) || strings.Contains(got, testKey); carried != c.carried {
					t.Errorf("a redirect to %s carried the credentials: %v (headers %v); want %v", c.name, carried, r.Header, c.carried)
				}
				if r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("the redirected request lost its Content-Type: %v", r.Header)
				}
			}
		})
	}
}

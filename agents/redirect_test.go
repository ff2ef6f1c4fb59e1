package agents

import (
	"context"
	"fmt"
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

// A redirect from https to plain http is not followed: the key, the
// headers and the conversation would travel in the clear. Nor is one that
// turns the POST into a GET (301, 302, 303), which a server would refuse
// for a reason that names neither the redirect nor where it went. Each is
// said in one sentence, and not asked again.
func TestRedirectsThatWouldLoseTheRequestAreRefused(t *testing.T) {
	plain := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("Hello there.") })
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+strings.TrimPrefix(r.URL.Path, "/v1"), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(secure.Close)
	client := secure.Client()
	client.CheckRedirect = CheckRedirect
	a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: secure.URL + "/v1", APIKey: testKey, HTTPClient: client, Retries: ptr(3)})
	r := collect(context.Background(), a, hello)
	if r.err == nil || !strings.Contains(r.err.Error(), "redirected (307) to "+plain.URL) || !strings.Contains(r.err.Error(), "from https to plain http") {
		t.Errorf("error %v; want the downgrade refused in a sentence", r.err)
	}
	if n := len(plain.Requests()); n != 0 {
		t.Errorf("the plain http server received %d requests", n)
	}
	if len(r.retries) != 0 {
		t.Errorf("retried %d times; the same redirect would come again", len(r.retries))
	}

	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, plain.URL+"/v2"+strings.TrimPrefix(r.URL.Path, "/v1"), status)
		}))
		t.Cleanup(moved.Close)
		a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: moved.URL + "/v1", APIKey: testKey,
			HTTPClient: &http.Client{CheckRedirect: CheckRedirect}, Retries: ptr(3)})
		r := collect(context.Background(), a, hello)
		want := fmt.Sprintf("redirected (%d) to %s/v2/chat/completions, which turns the request into a GET without its body; parley does not follow it: set base_url: to the address you mean", status, plain.URL)
		if r.err == nil || !strings.Contains(r.err.Error(), want) || len(r.retries) != 0 {
			t.Errorf("%d: error %v, %d retries; want %q and none", status, r.err, len(r.retries), want)
		}
	}
}

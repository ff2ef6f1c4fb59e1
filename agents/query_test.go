package agents

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// A base URL with a query (Azure's "?api-version=…") sends every request
// to the path under the base URL, with the query after it: a server that
// needs the query answers, where the address as written
// (".../v1?api-version=…/chat/completions") would not even reach it.
func TestABaseURLsQueryFollowsThePath(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("Hello there.")))
	srv.Query = "api-version=2024-10-21"
	a := newTestAgent(t, srv, OpenAIConfig{BaseURL: srv.URL + "?api-version=2024-10-21"})
	r := collect(context.Background(), a, []Message{{Role: "user", Content: "hi"}})
	if r.err != nil || r.text != "Hello there." {
		t.Fatalf("reply %q, %v", r.text, r.err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/chat/completions" || reqs[0].Query != "api-version=2024-10-21" {
		t.Errorf("requests %+v; want one to /v1/chat/completions?api-version=2024-10-21", reqs)
	}
}

// Without the query the strict server refuses, and the agent says so: the
// test above passes because the query is sent, not because the server
// takes anything.
func TestAStrictServerRefusesARequestWithoutItsQuery(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("Hello there.")))
	srv.Query = "api-version=2024-10-21"
	a := newTestAgent(t, srv, OpenAIConfig{})
	r := collect(context.Background(), a, []Message{{Role: "user", Content: "hi"}})
	if r.err == nil || !strings.Contains(r.err.Error(), "api-version=2024-10-21") {
		t.Errorf("reply %q, err %v; want the server's refusal", r.text, r.err)
	}
}

// Replicas each keep their own query: a request addressed to the route goes
// to each replica's path with that replica's query, or none when its base
// URL has none.
func TestReplicasCarryTheirOwnQueries(t *testing.T) {
	a, b, c := replicaServer(t, "a", 0), replicaServer(t, "b", 0), replicaServer(t, "c", 0)
	primary := a.URL + "/v1?api-version=1"
	tr := NewTransport(nil, Route{BaseURL: primary, Replicas: []string{primary, b.URL + "/v1/?api-version=2", c.URL + "/v1"}})
	defer tr.CloseIdleConnections()
	d := &doer{client: &http.Client{Transport: tr}, base: a.URL + "/v1", query: "api-version=1"}
	seen := map[string]int{}
	for range 6 {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/v1/chat/completions", strings.NewReader("{}"))
		resp, err := d.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		seen[string(body)]++
	}
	want := map[string]int{"a /v1/chat/completions?api-version=1": 2, "b /v1/chat/completions?api-version=2": 2, "c /v1/chat/completions": 2}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("answers %v; want %v", seen, want)
			break
		}
	}
}

func TestEndpoint(t *testing.T) {
	cases := []struct{ base, path, want string }{
		{"https://h/v1", "/models", "https://h/v1/models"},
		{"https://h/v1/", "/models", "https://h/v1/models"},
		{"https://h/openai/v1?api-version=2024-10-21", "/models", "https://h/openai/v1/models?api-version=2024-10-21"},
		{"https://h/v1/?a=1&b=2", "/key", "https://h/v1/key?a=1&b=2"},
		{"https://h/v1#frag", "/models", "https://h/v1/models"},
	}
	for _, c := range cases {
		if got := Endpoint(c.base, c.path); got != c.want {
			t.Errorf("Endpoint(%q, %q) = %q; want %q", c.base, c.path, got, c.want)
		}
	}
}

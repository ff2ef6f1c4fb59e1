package doctor

import (
	"cmp"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
)

func noChat(openaitest.Request) openaitest.Reply {
	return openaitest.Error(500, "doctor must not ask for a completion")
}

func scenario(t *testing.T, src string) *configs.Scenario {
	t.Helper()
	s, err := configs.Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEachAgentGetsOneSentence(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"gpt-4o-mini", "llama3.2:1b", "grok-4"}
	srv.Key = "sk-good"
	closed := openaitest.New(noChat)
	closed.Close()
	env := map[string]string{"GOOD": "sk-good", "BAD": "sk-wrong"}
	getenv := func(k string) string { return env[k] }
	agent := func(name, url, key, model string) string {
		return "  - {name: " + name + ", base_url: " + url + ", api_key_env: " + key + ", model: " + model + "}\n"
	}
	cases := []struct {
		agents string
		want   [2]string
		status [2]Status
	}{
		{agent("A", srv.URL, "GOOD", "grok-4") + "  - {name: B, type: scripted, lines: [hi]}\n",
			[2]string{`agent "A": ok: ` + srv.URL + ` accepts the key in GOOD and serves grok-4`, `agent "B" says 1 scripted line: nothing to reach`},
			[2]Status{OK, Skipped}},
		{agent("A", srv.URL, "BAD", "grok-4") + agent("B", srv.URL, "GOOD", "gpt-4o"),
			[2]string{`agent "A": ` + srv.URL + ` refused the key in BAD (401); check the key`,
				`agent "B": ` + srv.URL + ` does not serve model "gpt-4o"; did you mean "gpt-4o-mini"?`},
			[2]Status{Fail, Fail}},
		{agent("A", srv.URL, "UNSET", "grok-4") + agent("B", closed.URL, "GOOD", "m"),
			[2]string{`agent "A" needs an API key: set the environment variable UNSET`,
				`agent "B": cannot reach ` + closed.URL + `: nothing is listening there; is the server running?`},
			[2]Status{Fail, Fail}},
		{agent("A", srv.URL, "GOOD", "llama3.2") + agent("B", srv.URL, "GOOD", "mistral"),
			[2]string{`did you mean "llama3.2:1b"?`, `does not serve model "mistral"; it serves gpt-4o-mini, grok-4, llama3.2:1b`},
			[2]Status{Fail, Fail}},
	}
	for _, c := range cases {
		fs := Check(context.Background(), scenario(t, "agents:\n"+c.agents), Options{Getenv: getenv, Timeout: 5 * time.Second})
		if len(fs) != 2 {
			t.Fatalf("%d findings", len(fs))
		}
		for i := range 2 {
			if !strings.Contains(fs[i].Sentence, c.want[i]) || fs[i].Status != c.status[i] {
				t.Errorf("agent %d: %s %q\n want %s %q", i, fs[i].Status, fs[i].Sentence, c.status[i], c.want[i])
			}
			if strings.Contains(fs[i].Sentence, "sk-") {
				t.Errorf("a key appears in %q", fs[i].Sentence)
			}
		}
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" || !strings.HasSuffix(r.Path, "/models") {
			t.Errorf("doctor sent %s %s; it must only list models", r.Method, r.Path)
		}
	}
}

// A key variable whose value ends in a carriage return (a .env file
// saved on Windows) is sent without it, and one with a line break inside
// fails in a sentence naming the variable, not as a server out of reach.
func TestAKeyVariableWithWhiteSpace(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"m"}
	srv.Key = "sk-good"
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", api_key_env: KEY, model: m}\n  - {name: B, type: human}\n")
	cases := []struct {
		name, key, want string
		status          Status
	}{
		{"a carriage return after it", "sk-good\r", `agent "A": ok: ` + srv.URL + ` accepts the key in KEY and serves m`, OK},
		{"a line break inside it", "sk-good\nsk-other", `agent "A": the environment variable KEY holds a line break, a tab or a space inside the key; it must hold the key alone, on one line`, Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := Check(context.Background(), s, Options{Getenv: func(string) string { return c.key }, Timeout: 5 * time.Second})
			if fs[0].Status != c.status || fs[0].Sentence != c.want {
				t.Errorf("%s %q\nwant %s %q", fs[0].Status, fs[0].Sentence, c.status, c.want)
			}
		})
	}
}

// A judge is named as validate and run name it: by its name: when it has
// one, else by its model.
func TestJudgesAreCheckedToo(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"m"}
	for _, c := range []struct{ judge, who string }{
		{"{base_url: " + srv.URL + ", model: judge-model}", "the judge (judge-model)"},
		{"{name: moderator, base_url: " + srv.URL + ", model: judge-model}", `the judge "moderator"`},
	} {
		s := scenario(t, "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"+
			"termination:\n  judge: "+c.judge+"\n")
		fs := Check(context.Background(), s, Options{})
		if len(fs) != 3 || fs[2].Status != Fail || !strings.Contains(fs[2].Sentence, c.who+": "+srv.URL+` does not serve model "judge-model"`) {
			t.Fatalf("%+v; want %s named", fs, c.who)
		}
	}
}

// A judge is reached as a run reaches it: with its headers (a gateway's
// token) and its key file, as an agent is.
func TestAJudgeIsReachedWithItsHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Gateway-Token") != "tok-0123" {
			http.Error(w, `{"error":{"message":"no gateway token"}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"judge-model","object":"model"}]}`)
	}))
	t.Cleanup(srv.Close)
	s := scenario(t, "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"+
		"termination:\n  judge: {base_url: "+srv.URL+"/v1, model: judge-model, headers: {X-Gateway-Token: tok-0123}}\n")
	fs := Check(context.Background(), s, Options{})
	if len(fs) != 3 || fs[2].Status != OK {
		t.Fatalf("the judge: %s %q; want ok", fs[len(fs)-1].Status, fs[len(fs)-1].Sentence)
	}
}

func TestAServerWithoutAModelListIsAWarning(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+"/v1, model: m}\n  - {name: B, type: human}\n")
	fs := Check(context.Background(), s, Options{})
	if fs[0].Status != Warn || !strings.Contains(fs[0].Sentence, `lists no models (GET /models: 404), so model "m" could not be confirmed`) {
		t.Fatalf("%+v", fs[0])
	}
	if fs[1].Status != Skipped || fs[1].Sentence != `agent "B" is you, at the keyboard: nothing to reach` {
		t.Fatalf("%+v", fs[1])
	}
}

// A header that sets Authorization goes in the key's place, and a refusal
// names it, not the key the header replaced.
func TestARefusedAuthorizationHeaderIsNamed(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"m"}
	srv.Key = "sk-good"
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", api_key_env: GOOD, model: m, headers: {Authorization: Bearer sk-wrong-header}}\n  - {name: B, type: human}\n")
	fs := Check(context.Background(), s, Options{Getenv: func(string) string { return "sk-good" }, Timeout: 5 * time.Second})
	if fs[0].Status != Fail || !strings.Contains(fs[0].Sentence, "refused the Authorization header in headers: (401); check the header's value") || strings.Contains(fs[0].Sentence, "sk-") {
		t.Fatalf("%+v", fs[0])
	}
}

// A base URL with a query lists the models at its path, the query after
// it, as the agent's requests go; the server refuses any request without
// the query.
func TestABaseURLsQueryIsSentAfterThePath(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"gpt-4o"}
	srv.Query = "api-version=2024-10-21"
	s := scenario(t, "agents:\n  - {name: A, base_url: '"+srv.URL+"?api-version=2024-10-21', model: gpt-4o}\n  - {name: B, type: human}\n")
	fs := Check(context.Background(), s, Options{Timeout: 5 * time.Second})
	if fs[0].Status != OK || !strings.Contains(fs[0].Sentence, "serves gpt-4o") {
		t.Fatalf("%+v", fs[0])
	}
	if r := srv.Requests(); len(r) != 1 || r[0].Path != "/v1/models" || r[0].Query != "api-version=2024-10-21" {
		t.Errorf("requests %+v", r)
	}
}

func TestOllamaLatestTagAndOpenRouterKeys(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/models":
			w.Write([]byte(`{"data":[{"id":"llama3.2:latest"},{"id":"x-ai/grok-4"}]}`))
		case "/api/v1/key":
			if r.Header.Get("Authorization") != "Bearer sk-or-good" {
				http.Error(w, `{"error":{"message":"No auth credentials found","code":401}}`, http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"data":{"label":"x"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base := srv.URL + "/api/v1"
	for key, want := range map[string]Status{"sk-or-good": OK, "sk-or-bad": Fail} {
		s := scenario(t, "agents:\n  - {name: A, base_url: "+base+", model: llama3.2}\n"+
			"  - {name: B, provider: openrouter, base_url: "+base+", model: x-ai/grok-4}\n")
		fs := Check(context.Background(), s, Options{Getenv: func(string) string { return key }})
		if fs[0].Status != OK {
			t.Errorf("llama3.2 against llama3.2:latest: %+v", fs[0])
		}
		if fs[1].Status != want || (want == Fail && !strings.Contains(fs[1].Sentence, "refused the key in OPENROUTER_API_KEY (401)")) {
			t.Errorf("key %s: %+v", key, fs[1])
		}
	}
}

func TestAskSpendsOneTokenOnlyWhenAsked(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if r.Body.Model == "broken" {
			return openaitest.Error(500, "the model is loading")
		}
		return openaitest.Text("OK")
	})
	srv.Models = []string{"m", "broken"}
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", model: m}\n  - {name: B, base_url: "+srv.URL+", model: broken, retries: 2, backoff: 10ms}\n")
	Check(context.Background(), s, Options{})
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Fatalf("without Ask doctor sent %s %s", r.Method, r.Path)
		}
	}
	fs := Check(context.Background(), s, Options{Ask: true, Timeout: 5 * time.Second})
	if fs[0].Status != OK || !strings.HasSuffix(fs[0].Sentence, "serves m, and answered a one-token request") {
		t.Errorf("A: %+v", fs[0])
	}
	if fs[1].Status != Fail || !strings.Contains(fs[1].Sentence, "failed with 500 Internal Server Error: the model is loading (gave up after 2 attempts)") {
		t.Errorf("B: %+v", fs[1])
	}
	for _, r := range srv.Requests() {
		//lint:ignore SA1019 the request sends max_tokens, which the server decodes here
		if r.Method == "POST" && r.Body.MaxTokens != 1 {
			t.Errorf("the request asked for more than one token: %+v", r.Body)
		}
	}
}

// A replay agent has nothing to reach, but a recording it cannot replay
// fails the run all the same: doctor says so, as validate does.
func TestAReplayThatCannotBeReplayedFails(t *testing.T) {
	seed := "transcripts/seed/kimi-k2-vs-grok-4.md"
	cases := []struct {
		name, b string
		status  Status
		want    []string
	}{
		{"a recording it can replay", "{name: B, type: replay, transcript: " + seed + ", speaker: Kimi K2}", Skipped, []string{`agent "B" replays`, "nothing to reach"}},
		{"a recording that is not there", "{name: B, type: replay, transcript: nowhere.md}", Fail, []string{`s.yaml:3: agent "B": transcript: nowhere.md does not exist`}},
		{"a speaker it does not hold", "{name: B, type: replay, transcript: " + seed + ", speaker: grok-5}", Fail, []string{`s.yaml:3: agent "B": speaker:`, `"grok-5"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := "agents:\n  - {name: A, type: replay, transcript: " + seed + ", speaker: grok-4}\n  - " + c.b + "\n"
			fs := Check(context.Background(), scenario(t, y), Options{})
			if len(fs) != 2 || fs[0].Status != Skipped {
				t.Fatalf("findings %+v; want A skipped", fs)
			}
			for _, w := range c.want {
				if fs[1].Status != c.status || !strings.Contains(fs[1].Sentence, w) {
					t.Errorf("B: %s %q; want %s and %q", fs[1].Status, fs[1].Sentence, c.status, w)
				}
			}
		})
	}
}

// A tournament's contestants are checked, each with the roster's
// defaults; replicas of which some answer are a warning, since a run
// fails over to those that do.
func TestRostersAndReplicas(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"m"}
	closed := openaitest.New(noChat)
	closed.Close()
	roster := "roster:\n  defaults: {base_url: " + closed.URL + ", model: m}\n  agents:\n    - {name: K}\n    - {name: G, base_url: " + srv.URL + "}\n"
	fs := Check(context.Background(), scenario(t, roster), Options{Timeout: 5 * time.Second})
	if len(fs) != 2 || fs[0].Agent != "K" || fs[0].Status != Fail || !strings.Contains(fs[0].Sentence, "cannot reach "+closed.URL) || fs[1].Status != OK {
		t.Fatalf("roster findings %+v; want K failing on its default address and G ok", fs)
	}
	replicas := "agents:\n  - {name: A, base_urls: [" + srv.URL + ", " + closed.URL + "], model: m}\n  - {name: B, type: scripted, lines: [hi]}\n"
	fs = Check(context.Background(), scenario(t, replicas), Options{Timeout: 5 * time.Second})
	if fs[0].Status != Warn || !strings.Contains(fs[0].Sentence, "1 of 2 replicas failed") || !strings.Contains(fs[0].Sentence, "serves m") {
		t.Errorf("replicas, one down: %+v; want a warning naming the one that failed", fs[0])
	}
}

// A server that wants a key from an agent that names none says how to
// give it one.
func TestAnAgentWithNoKeyIsToldHowToGiveOne(t *testing.T) {
	srv := openaitest.Start(t, noChat)
	srv.Models = []string{"m"}
	srv.Key = "sk-good"
	fs := Check(context.Background(), scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", model: m}\n  - {name: B, type: scripted, lines: [hi]}\n"), Options{Timeout: 5 * time.Second})
	if fs[0].Status != Fail || !strings.Contains(fs[0].Sentence, "refused a request that carried no key (401); name the variable holding one with api_key_env:") {
		t.Errorf("finding %+v", fs[0])
	}
}

// What a server says back is shown without the agent's secrets, in
// whatever form the request carried them: a base URL's password goes as
// Basic credentials (the base64 of user:password) when there is no key,
// a proxy's in Proxy-Authorization, and a server or a proxy that echoes
// the request's headers quotes them so.
func TestSecretsAServerEchoesAreHidden(t *testing.T) {
	const pass = "pw-DOCTOR-SECRET1"
	cases := []struct {
		name  string
		proxy bool // the server is the proxy HTTP_PROXY names, with pass
		reply func(openaitest.Request) openaitest.Reply
	}{
		{"a one-token request refused, echoing Basic credentials", false, func(openaitest.Request) openaitest.Reply {
			return openaitest.Reply{Status: http.StatusBadRequest, EchoAuthorization: true}
		}},
		{"a proxy echoing Proxy-Authorization", true, func(r openaitest.Request) openaitest.Reply {
			return openaitest.Error(http.StatusBadRequest, "you sent Proxy-Authorization: "+r.Header.Get("Proxy-Authorization"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.Start(t, c.reply)
			srv.Models = []string{"m"}
			withPass := strings.Replace(srv.URL, "http://", "http://u:"+pass+"@", 1)
			base, opt := withPass, Options{Ask: true, Timeout: 5 * time.Second}
			if c.proxy {
				t.Setenv("HTTP_PROXY", withPass)
				t.Setenv("NO_PROXY", "")
				base = "http://api.example.invalid/v1"
				opt.Client = &http.Client{Transport: &http.Transport{Proxy: func(r *http.Request) (*url.URL, error) {
					return httpproxy.FromEnvironment().ProxyFunc()(r.URL)
				}}}
			}
			s := scenario(t, "agents:\n  - {name: A, base_url: \""+base+"\", model: m}\n  - {name: B, type: scripted, lines: [hi]}\n")
			fs := Check(context.Background(), s, opt)
			if fs[0].Status != Fail {
				t.Fatalf("A: %+v, want a failure", fs[0])
			}
			if !strings.Contains(fs[0].Sentence, "[redacted]") {
				t.Errorf("A: %q shows no sign of what the server echoed", fs[0].Sentence)
			}
			basic := base64.StdEncoding.EncodeToString([]byte("u:" + pass))
			if strings.Contains(fs[0].Sentence, pass) || strings.Contains(fs[0].Sentence, basic) {
				t.Errorf("A: a secret leaked: %q", fs[0].Sentence)
			}
		})
	}
}

// An endpoint that cannot be reached is explained without the secrets of
// any URL the cause quotes: a redirect's Location that keeps the agent's
// key in its query, or holds a password or token of the server's own.
func TestWhyAnEndpointIsUnreachableHidesSecrets(t *testing.T) {
	const key, pass, token = "sk-query-SECRET4", "pw-REDIRECT-SECRET5", "tok-REDIRECT-SECRET6"
	cases := []struct {
		name     string
		location func(r *http.Request) string
	}{
		{"the request's own query, key and all", func(r *http.Request) string { return "http://127.0.0.1:notaport" + r.URL.RequestURI() }},
		{"a password and a token of the server's", func(*http.Request) string {
			return "http://ruser:" + pass + "@127.0.0.1:notaport/v1?token=" + token
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", c.location(r))
				w.WriteHeader(http.StatusMovedPermanently)
			}))
			t.Cleanup(srv.Close)
			s := scenario(t, "agents:\n  - {name: A, base_url: \""+srv.URL+"/v1?api-version=1&key="+key+"\", model: m}\n  - {name: B, type: scripted, lines: [hi]}\n")
			f := Check(context.Background(), s, Options{Timeout: 5 * time.Second})[0]
			if f.Status != Fail || !strings.Contains(f.Sentence, "Location") {
				t.Fatalf("A: %+v, want a failure that quotes the Location", f)
			}
			for _, s := range []string{key, pass, token} {
				if strings.Contains(f.Sentence, s) {
					t.Errorf("A: the sentence holds %q: %s", s, f.Sentence)
				}
			}
		})
	}
}

// An address that came from OLLAMA_HOST is named by the variable when it
// cannot be reached, as a run names it: the scenario holds no base_url:
// to fix.
func TestAnUnreachableAddressNamesTheVariableItCameFrom(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()
	t.Setenv("OLLAMA_HOST", host)
	s := scenario(t, "agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, type: scripted, lines: [hi]}\n")
	fs := Check(context.Background(), s, Options{Getenv: func(string) string { return "" }})
	want := `agent "A": cannot reach http://` + host + `/v1: nothing is listening there; is the server running? Check OLLAMA_HOST, which sets this agent's address.`
	if fs[0].Status != Fail || fs[0].Sentence != want {
		t.Errorf("%+v; want the sentence %q", fs[0], want)
	}
}

// --ask sends what the agent's requests carry, so a server that would
// refuse a run's request refuses the probe too, and one that takes a
// run's request takes the probe: its sampling settings, seed and stop
// sequences, and a reasoning model's cap in max_completion_tokens.
func TestAskSendsWhatTheRunSends(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Strict(func(r openaitest.Request) openaitest.Reply {
		// Mistral's way with a field it does not take.
		if r.Fields["seed"] != nil {
			return openaitest.Reply{Status: 422, ContentType: "application/json",
				Body: `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","seed"],"msg":"Extra inputs are not permitted","input":7}]},"type":"invalid_request_error","param":null,"code":null}`}
		}
		return openaitest.Text("OK")
	}))
	srv.Models = []string{"gpt-5-mini", "mixtral"}
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", model: gpt-5-mini, max_tokens: 400}\n"+
		"  - {name: B, base_url: "+srv.URL+", model: mixtral, seed: 7, temperature: 0.3, stop: [\"[END]\"], system: Be brief.}\n")
	fs := Check(context.Background(), s, Options{Ask: true, Timeout: 5 * time.Second})
	if fs[0].Status != OK {
		t.Errorf("A, a reasoning model with a cap: %+v", fs[0])
	}
	if fs[1].Status != Fail || !strings.Contains(fs[1].Sentence, srv.URL+" rejected the request (422): body.seed: Extra inputs are not permitted") {
		t.Errorf("B, whose seed the server refuses: %+v", fs[1])
	}
	var posts []openaitest.Request
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 {
		t.Fatalf("%d one-token requests, want 2", len(posts))
	}
	for _, r := range posts {
		if !r.Body.Stream || r.Fields["stream_options"] == nil {
			t.Errorf("%s: the probe does not stream as the run does: stream %s, stream_options %s", r.Body.Model, r.Fields["stream"], r.Fields["stream_options"])
		}
		switch r.Body.Model {
		case "gpt-5-mini":
			if string(r.Fields["max_completion_tokens"]) != "1" || r.Fields["max_tokens"] != nil {
				t.Errorf("gpt-5-mini's probe: max_completion_tokens %s, max_tokens %s; want 1 and none", r.Fields["max_completion_tokens"], r.Fields["max_tokens"])
			}
		case "mixtral":
			if string(r.Fields["max_tokens"]) != "1" || string(r.Fields["seed"]) != "7" || string(r.Fields["temperature"]) != "0.3" ||
				string(r.Fields["stop"]) != `["[END]"]` || len(r.Body.Messages) != 2 || r.Body.Messages[0].Content != "Be brief." {
				t.Errorf("mixtral's probe does not carry its settings: %+v", r.Fields)
			}
		}
	}
}

// A server that refuses stream_options serves the run, which asks again
// without them: the probe does too, and passes; one that serves only
// streams passes, as the run would.
func TestAskAsksAgainWithoutStreamOptions(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if !r.Body.Stream {
			return openaitest.Reply{Status: 400, ContentType: "application/json", Body: `{"object":"error","message":"This endpoint only supports stream=true","code":400}`}
		}
		return openaitest.Reply{Pieces: []string{"OK"}, Quirks: openaitest.RejectStreamOptions}
	})
	srv.Models = []string{"m"}
	s := scenario(t, "agents:\n  - {name: A, base_url: "+srv.URL+", model: m}\n  - {name: B, type: scripted, lines: [hi]}\n")
	fs := Check(context.Background(), s, Options{Ask: true, Timeout: 5 * time.Second})
	if fs[0].Status != OK || !strings.HasSuffix(fs[0].Sentence, "and answered a one-token request") {
		t.Fatalf("A: %+v", fs[0])
	}
	var posts int
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			posts++
		}
	}
	if posts != 2 {
		t.Errorf("%d one-token requests; want 2, the second without stream_options", posts)
	}
}

// --ask's verdict is the run's: its one-token request is sent and read by
// the agent a run builds, with its retries, its backoff and a server's
// Retry-After, its idle_timeout:, and the run's sentence for each fault.
// A retry a run would make that doctor does not wait for is a warning,
// not a failure.
func TestAskFaresAsTheRunFares(t *testing.T) {
	const key = "sk-ask-SECRET7"
	var mu sync.Mutex
	asked := map[string]int{} // one-token requests per model
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		mu.Lock()
		asked[r.Body.Model]++
		n := asked[r.Body.Model]
		mu.Unlock()
		switch r.Body.Model {
		case "html":
			return openaitest.HTML()
		case "bad-event":
			return openaitest.Reply{ContentType: "text/event-stream", Body: "data: {not json\n\n"}
		case "stall":
			return openaitest.Stalled(2, "one ", "two ", "three")
		case "429-then-ok":
			if n == 1 {
				return openaitest.RateLimited("1")
			}
		case "500-then-ok":
			if n == 1 {
				return openaitest.Error(http.StatusInternalServerError, "the model is loading")
			}
		case "500-always":
			return openaitest.Error(http.StatusInternalServerError, "the model is loading")
		case "429-wait-long":
			return openaitest.RateLimited("60")
		case "429-wait-1":
			return openaitest.RateLimited("1")
		case "401":
			return openaitest.Error(http.StatusUnauthorized, "Incorrect API key provided: "+r.Header.Get("Authorization"))
		}
		return openaitest.Words("OK")
	})
	srv.Models = []string{"ok", "html", "bad-event", "stall", "429-then-ok", "500-then-ok", "500-always", "429-wait-long", "429-wait-1", "401"}
	cases := []struct {
		name, model, settings string
		status                Status
		want                  string
		within                time.Duration
		// ask is how long doctor waits for the answer (2s unless set);
		// pattern, when set, is a regular expression the sentence
		// matches, for the times it tells as they were measured.
		ask     time.Duration
		pattern string
	}{
		{"a valid stream", "ok", "", OK,
			"accepts the key in ASK_KEY and serves ok, and answered a one-token request", 5 * time.Second, 0, ""},
		{"an HTML page", "html", "", Fail,
			`agent "A": the server at ` + srv.URL + ` answered with HTML, not an OpenAI-compatible stream; check base_url: for this agent`, 5 * time.Second, 0, ""},
		{"an event that is not JSON", "bad-event", "retries: 2, backoff: 10ms", Fail,
			`agent "A": ` + srv.URL + ` sent a stream event parley could not read ("{not json"), so the reply was not taken (gave up after 2 attempts)`, 5 * time.Second, 0, ""},
		{"a stall beyond idle_timeout", "stall", "retries: 2, backoff: 10ms, idle_timeout: 300ms", Fail,
			`agent "A": ` + srv.URL + ` sent nothing for 300ms; raise idle_timeout: for this agent if the model needs longer (gave up after 2 attempts)`, 3 * time.Second, 0, ""},
		{"a 429 with Retry-After, then an answer", "429-then-ok", "", OK,
			"serves 429-then-ok, and answered a one-token request after a failed attempt (429 Too Many Requests), asked again as a run asks again", 5 * time.Second, 0, ""},
		{"a 500, then an answer", "500-then-ok", "backoff: 10ms", OK,
			"serves 500-then-ok, and answered a one-token request after a failed attempt (500 Internal Server Error), asked again as a run asks again", 5 * time.Second, 0, ""},
		{"a 500 every time", "500-always", "retries: 3, backoff: 10ms", Fail,
			`agent "A": ` + srv.URL + ` failed with 500 Internal Server Error: the model is loading (gave up after 3 attempts)`, 5 * time.Second, 0, ""},
		{"a 429 asking for a longer wait than doctor's", "429-wait-long", "", Warn,
			`agent "A": ` + srv.URL + ` failed a one-token request (429 Too Many Requests); a run would wait 1m and ask again (attempt 2 of 5), longer than doctor waits (2s), so whether it answers is not known`, 3 * time.Second, 0, ""},
		{"a 401 names the key variable", "401", "", Fail,
			`agent "A": ` + srv.URL + ` refused the key in ASK_KEY (401 Unauthorized); check that it is set to a valid key`, 5 * time.Second, 0, ""},
		{"a stall longer than doctor waits, within idle_timeout", "stall", "idle_timeout: 1m", Warn,
			`agent "A": ` + srv.URL + ` had not finished a one-token request after 2s, the longest doctor waits; a run waits up to 1m for each next piece (idle_timeout:) and 10m for a reply (timeout:), so whether it answers is not known`, 6 * time.Second, 0, ""},
		// Each wait is shorter than doctor's, and the time already spent
		// with the next one is longer: the sentence tells the sum.
		{"429s whose waits add up past doctor's", "429-wait-1", "retries: 3, backoff: 10ms", Warn,
			"", 3 * time.Second, 1500 * time.Millisecond,
			`^agent "A": ` + regexp.QuoteMeta(srv.URL) + ` failed a one-token request 2 times \(429 Too Many Requests\); after the 1(\.\d)?s already spent, a run would wait 1s more and ask again \(attempt 3 of 3\), 2(\.\d)?s in all, longer than doctor waits \(1\.5s\), so whether it answers is not known$`},
		// The first attempt fails at idle_timeout:, and the second is
		// under way when doctor stops waiting.
		{"a stall past doctor's wait after a failed attempt", "stall", "retries: 3, backoff: 10ms, idle_timeout: 800ms", Warn,
			`agent "A": ` + srv.URL + ` had not finished a one-token request after 1.2s, the longest doctor waits: its first attempt failed (no data for 800ms), and attempt 2 of 3, which a run would make too, had not finished either; a run waits up to 800ms for each next piece (idle_timeout:) and 10m for a reply (timeout:), so whether it answers is not known`,
			3 * time.Second, 1200 * time.Millisecond, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := "{name: A, base_url: " + srv.URL + ", api_key_env: ASK_KEY, model: " + c.model
			if c.settings != "" {
				a += ", " + c.settings
			}
			s := scenario(t, "agents:\n  - "+a+"}\n  - {name: B, type: scripted, lines: [hi]}\n")
			start := time.Now()
			fs := Check(context.Background(), s, Options{Ask: true, Getenv: func(string) string { return key }, Timeout: 2 * time.Second, AskTimeout: cmp.Or(c.ask, 2*time.Second)})
			took := time.Since(start)
			if fs[0].Status != c.status || !strings.Contains(fs[0].Sentence, c.want) {
				t.Errorf("%s %q\nwant %s and %q", fs[0].Status, fs[0].Sentence, c.status, c.want)
			}
			if c.pattern != "" && !regexp.MustCompile(c.pattern).MatchString(fs[0].Sentence) {
				t.Errorf("%q\ndoes not match %s", fs[0].Sentence, c.pattern)
			}
			if took > c.within {
				t.Errorf("doctor took %s, more than %s", took, c.within)
			}
			if strings.Contains(fs[0].Sentence, key) {
				t.Errorf("the key is shown: %q", fs[0].Sentence)
			}
		})
	}
}

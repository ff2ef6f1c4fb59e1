package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

// A password in a base URL and header values never reach anything parley
// writes or prints: the JSONL run line, the Markdown, the batch summary on
// stdout, summary.md and summary.json, batch.json. The batch and the run
// still resume, from the scenario file.
func TestSecretsInURLsAndHeadersAreNeverWritten(t *testing.T) {
	srv := openaitest.Start(t, signOff)
	other := openaitest.Start(t, signOff)
	withUser := func(u, who string) string {
		return strings.Replace(u, "http://", "http://"+who+":PASS-"+who+"@", 1)
	}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "secret.yaml")
	os.WriteFile(scenario, []byte(`agents:
  - name: A
    base_urls: [`+withUser(srv.URL, "one")+`, `+withUser(other.URL, "two")+`]
    model: m
    headers: {X-Api-Token: HEADER-SECRET-1}
  - name: B
    base_url: `+withUser(srv.URL, "three")+`
    model: m
    headers:
      Authorization: Bearer HEADER-SECRET-2
limits:
  `+withUser(srv.URL, "three")+`: {concurrent: 2}
termination:
  max_messages: 5
`), 0o600)
	secrets := []string{"PASS-", "HEADER-SECRET"}
	var outputs []string
	code, out, errOut := parley(t, "run", "--no-tui", "--out", filepath.Join(dir, "run"), scenario)
	if code != exitOK {
		t.Fatalf("run: exit %d %s%s", code, out, errOut)
	}
	outputs = append(outputs, out, errOut)
	batchDir := filepath.Join(dir, "batch")
	code, out, errOut = parley(t, "batch", scenario, "-n", "2", "-j", "2", "--out", batchDir)
	if code != exitOK {
		t.Fatalf("batch: exit %d %s%s", code, out, errOut)
	}
	outputs = append(outputs, out, errOut)
	if !strings.Contains(out, "REDACTED@") {
		t.Errorf("the batch summary names no endpoint or limit:\n%s", out)
	}
	// A header varied across a batch: its values are in the batch's
	// batch.json, as the command line gave them, so that --resume runs
	// the same requests, and nowhere else.
	varied := filepath.Join(dir, "varied")
	vary := []string{"--vary", "agents[0].headers.X-Api-Token=HEADER-SECRET-3,HEADER-SECRET-4", "--vary", "agents[1].base_url=" + withUser(srv.URL, "four")}
	code, out, errOut = parley(t, append([]string{"batch", scenario, "--out", varied}, vary...)...)
	if code != exitOK {
		t.Fatalf("batch --vary: exit %d %s%s", code, out, errOut)
	}
	outputs = append(outputs, out, errOut)
	code, out, errOut = parley(t, append([]string{"batch", scenario, "--dry-run"}, vary...)...)
	if code != exitOK || !strings.Contains(out, "agents[0].headers.X-Api-Token=REDACTED") {
		t.Fatalf("batch --vary --dry-run: exit %d, want the header's value redacted\n%s%s", code, out, errOut)
	}
	outputs = append(outputs, out, errOut)
	// What validate and doctor print of the agents.
	for _, args := range [][]string{{"validate", "--json", scenario}, {"validate", scenario}, {"doctor", scenario}, {"doctor", "--json", scenario}} {
		code, out, errOut = parley(t, args...)
		if strings.TrimSpace(out+errOut) == "" {
			t.Errorf("%v printed nothing (exit %d)", args, code)
		}
		outputs = append(outputs, out, errOut)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != scenario && p != filepath.Join(varied, "batch.json") {
			files = append(files, p)
		}
		return nil
	})
	for _, want := range []string{"summary.md", "summary.json", "batch.json", ".jsonl", ".md"} {
		found := false
		for _, f := range files {
			found = found || strings.HasSuffix(f, want)
		}
		if !found {
			t.Errorf("no %s written; the test must cover it", want)
		}
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, s := range secrets {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds %q", f, s)
			}
		}
	}
	for i, o := range outputs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("output %d holds %q", i, s)
			}
		}
	}
	// The requests went out with the credentials all the same.
	sent := map[string]bool{}
	for _, r := range append(srv.Requests(), other.Requests()...) {
		sent[r.Header.Get("Authorization")] = true
		sent[r.Header.Get("X-Api-Token")] = true
	}
	for _, want := range []string{"Bearer HEADER-SECRET-2", "HEADER-SECRET-1", "HEADER-SECRET-3", "HEADER-SECRET-4"} {
		if !sent[want] {
			t.Errorf("no request carried the header value %q", want)
		}
	}
	// A resumed run reads the scenario from its file.
	jls, _ := filepath.Glob(filepath.Join(dir, "run", "*.jsonl"))
	if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", "7", jls[0]); code != exitOK {
		t.Fatalf("resume: exit %d %s%s", code, out, errOut)
	}
	if tr, _ := transcripts.Read(jls[0]); len(tr.Messages) != 7 {
		t.Errorf("resumed to %d messages, want 7", len(tr.Messages))
	}
	if code, out, errOut := parley(t, "batch", "--resume", batchDir); code != exitOK {
		t.Fatalf("batch --resume: exit %d %s%s", code, out, errOut)
	}
}

// A key in a base URL's query (?key=…) is hidden wherever the URL is
// shown or recorded: doctor, validate --json, the run's JSONL (its
// scenario and its agents' base_url) and the error that ends the run;
// the parameters that hold no secret stay readable.
func TestKeyInABaseURLQueryIsNeverShown(t *testing.T) {
	srv := openaitest.Start(t, signOff)
	const secret = "sk-test-SECRET123"
	dir := t.TempDir()
	scenario := filepath.Join(dir, "query.yaml")
	os.WriteFile(scenario, []byte(`agents:
  - name: A
    type: scripted
    lines: [one, two]
  - name: B
    base_url: `+srv.URL+`?api-version=2024-10-21&key=`+secret+`
    model: m
    retries: 1
termination:
  max_messages: 4
`), 0o600)
	shown := srv.URL + "?api-version=2024-10-21&key=REDACTED"
	var outputs []string
	for _, args := range [][]string{{"validate", "--json", scenario}, {"doctor", scenario}, {"doctor", "--json", scenario},
		{"run", "--no-tui", "--json", "--out", filepath.Join(dir, "run"), scenario}} {
		_, out, errOut := parley(t, args...)
		if !strings.Contains(out+errOut, "?api-version=2024-10-21") || !strings.Contains(out+errOut, "key=REDACTED") {
			t.Errorf("%v does not name the URL as %s:\n%s%s", args, shown, out, errOut)
		}
		outputs = append(outputs, out+errOut)
	}
	jls := countJSONL(t, filepath.Join(dir, "run"))
	if len(jls) != 1 {
		t.Fatalf("recorded %v", jls)
	}
	data, _ := os.ReadFile(jls[0])
	tr, err := transcripts.Read(jls[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Run.Agents[1].BaseURL; got != shown {
		t.Errorf("agents[1].base_url is recorded as %q, want %q", got, shown)
	}
	if !tr.Run.ScenarioRedacted || !strings.Contains(tr.Run.Scenario, shown) {
		t.Errorf("the recorded scenario is not redacted:\n%s", tr.Run.Scenario)
	}
	for i, o := range append(outputs, string(data)) {
		if strings.Contains(o, secret) {
			t.Errorf("output %d holds the key:\n%s", i, o)
		}
	}
}

// A base URL given with --set or --vary that parley refuses is named
// without its password, both in the flag the sentence repeats and in the
// problem itself.
func TestBadBaseURLFromAFlagIsShownWithoutItsPassword(t *testing.T) {
	const secret = "pw-SECRET123"
	dir := t.TempDir()
	scenario := filepath.Join(dir, "ok.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: m\n  - name: B\n    type: scripted\n    lines: [hi]\n"), 0o600)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"validate --set, another scheme", []string{"validate", "--offline", scenario, "--set", "agents[0].base_url=ftp://u:" + secret + "@127.0.0.1/v1"},
			`with --set agents[0].base_url=ftp://REDACTED@127.0.0.1/v1: agent "A": base_url: "ftp://REDACTED@127.0.0.1/v1" is not an http:// or https:// URL`},
		{"run --set, no scheme", []string{"run", "--no-tui", scenario, "--set", "agents[0].base_url=u:" + secret + "@127.0.0.1:1/v1"},
			`ok.yaml: agent "A": base_url: "REDACTED@127.0.0.1:1/v1" is not an http:// or https:// URL`},
		{"--set on a path that does not exist", []string{"validate", "--offline", scenario, "--set", "agents[5].base_url=http://u:" + secret + "@h/v1"},
			`agents[5].base_url=http://REDACTED@h/v1`},
		{"--set with a misspelt field", []string{"validate", "--offline", scenario, "--set", "base_ur=http://u:" + secret + "@h/v1"},
			`--set "base_ur=http://REDACTED@h/v1"`},
		{"--vary with a misspelt field", []string{"batch", "--dry-run", scenario, "--vary", "base_ur=http://u:" + secret + "@h/v1,http://v:" + secret + "@i/v1"},
			`--vary "base_ur=http://REDACTED@h/v1,http://REDACTED@i/v1"`},
		{"--vary with a value twice", []string{"batch", "--dry-run", scenario, "--vary", "agents[0].base_url=http://u:" + secret + "@h/v1,http://u:" + secret + "@h/v1"},
			`the value "http://REDACTED@h/v1" is listed twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, exitUsage, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("the password is shown:\n%s%s", out, errOut)
			}
		})
	}
}

// providers lists a preset that OPENAI_BASE_URL moves without the
// password or key that URL holds.
func TestProvidersHideAMovedPresetsSecrets(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "https://u:pw-SECRET123@proxy.example/v1?key=sk-test-SECRET123")
	for _, args := range [][]string{{"providers"}, {"providers", "--json"}} {
		code, out, errOut := parley(t, args...)
		if code != exitOK || !strings.Contains(out, "https://REDACTED@proxy.example/v1?key=REDACTED") || strings.Contains(out+errOut, "SECRET123") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// A key pasted where api_key_env names a variable, or api_key_file a
// file, is never repeated: validate, run, batch and doctor refuse it with
// a sentence that names the file, line, agent and field instead, and so
// does a --set that gives one, or one for provider:, or a --vary.
func TestAKeyPastedForAVariableOrAFileIsNeverRepeated(t *testing.T) {
	const key = "sk-test-SECRET123"
	dir := t.TempDir()
	write := func(name, field string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: m\n    "+field+": "+key+"\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
		return p
	}
	env, file := write("env.yaml", "api_key_env"), write("file.yaml", "api_key_file")
	plain := filepath.Join(dir, "plain.yaml")
	os.WriteFile(plain, []byte("agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: m\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	envSentence := `env.yaml:5: agent "A": api_key_env: looks like a key rather than the name of an environment variable; export the key in a variable`
	fileSentence := `agent "A": api_key_file: cannot read the file it names: no such file or directory, and it looks like a key rather than a file's path`
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"validate", []string{"validate", env}, exitUsage, envSentence},
		{"validate --json", []string{"validate", "--json", env}, exitUsage, `"line":5,"message":"agent \"A\": api_key_env: looks like a key`},
		{"run", []string{"run", "--no-tui", env}, exitUsage, envSentence},
		{"batch", []string{"batch", env, "-n", "1", "--out", filepath.Join(dir, "b")}, exitUsage, envSentence},
		{"doctor", []string{"doctor", env}, exitUsage, envSentence},
		{"doctor --json", []string{"doctor", "--json", env}, exitUsage, envSentence},
		{"--set api_key_env", []string{"validate", plain, "--set", "agents[0].api_key_env=" + key}, exitUsage,
			`with --set agents[0].api_key_env=REDACTED: agent "A": api_key_env: looks like a key`},
		{"validate, a key file", []string{"validate", file}, exitUsage, "file.yaml:5: " + fileSentence},
		{"run, a key file", []string{"run", "--no-tui", file}, exitUsage, "file.yaml:5: " + fileSentence},
		{"doctor, a key file", []string{"doctor", file}, exitFailure, fileSentence},
		{"--set api_key_file", []string{"validate", plain, "--set", "agents[0].api_key_file=" + key}, exitUsage,
			`agent "A": api_key_file: cannot read the file it names`},
		{"--set provider", []string{"validate", plain, "--set", "agents[0].provider=" + key}, exitUsage,
			`with --set agents[0].provider=REDACTED: agent "A": provider: looks like an API key`},
		{"run --set provider", []string{"run", "--no-tui", plain, "--set", "agents[0].provider=" + key}, exitUsage,
			`with --set agents[0].provider=REDACTED: `},
		{"batch --vary provider", []string{"batch", plain, "--dry-run", "--vary", "agents[0].provider=openai," + key}, exitUsage,
			`with --vary agents[0].provider=REDACTED: `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, c.code, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, key) {
				t.Errorf("the key is repeated:\n%s%s", out, errOut)
			}
		})
	}
}

// A key pasted where a name or an address goes (a model, a base URL, an
// --agent spec, an agent's name) is refused without being repeated, in a name parley made
// of it (--agent openai:KEY names its agent after the model) as well.
func TestAKeyPastedAsAModelOrAnAddressIsNeverRepeated(t *testing.T) {
	const key = "sk-proj-AbCdEf0123456789GhIjKlMn"
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.yaml")
	os.WriteFile(plain, []byte("agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: m\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	asModel := filepath.Join(dir, "model.yaml")
	os.WriteFile(asModel, []byte("agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: "+key+"\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	asURL := filepath.Join(dir, "url.yaml")
	os.WriteFile(asURL, []byte("agents:\n  - name: A\n    base_url: "+key+"\n    model: m\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	asReplica := filepath.Join(dir, "replicas.yaml")
	os.WriteFile(asReplica, []byte("agents:\n  - name: A\n    base_urls: ['"+key+"']\n    model: m\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	asName := filepath.Join(dir, "name.yaml")
	os.WriteFile(asName, []byte("agents:\n  - name: "+key+"\n    base_url: http://127.0.0.1:1/v1\n    model: m\n    temperature: 9\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"model", []string{"validate", asModel}, `model.yaml:4: agent "A": model: looks like an API key rather than a model's name`},
		{"run, model", []string{"run", "--no-tui", asModel}, `agent "A": model: looks like an API key`},
		{"base_url", []string{"validate", asURL}, `url.yaml:3: agent "A": base_url: looks like an API key rather than a URL`},
		{"base_urls", []string{"validate", asReplica}, `replicas.yaml:3: agent "A": base_urls[0]: looks like an API key rather than a URL`},
		{"run, base_urls", []string{"run", "--no-tui", asReplica}, `agent "A": base_urls[0]: looks like an API key`},
		{"--set base_urls", []string{"validate", plain, "--set", "agents[0].base_urls=[" + key + "]"}, `base_urls[0]: looks like an API key`},
		{"--vary base_urls", []string{"batch", plain, "--dry-run", "--vary", "agents[0].base_urls=[" + key + "]"}, `base_urls[0]: looks like an API key`},
		{"--set model", []string{"validate", plain, "--set", "agents[0].model=" + key}, `with --set agents[0].model=REDACTED: agent "A": model: looks like an API key`},
		{"--vary model", []string{"batch", plain, "--dry-run", "--vary", "agents[0].model=m," + key}, `with --vary agents[0].model=REDACTED: `},
		{"--agent PROVIDER:KEY", []string{"run", "--no-tui", "--agent", "openai:" + key, "--agent", "ollama:m"}, `agent "agent 1": model: looks like an API key`},
		{"--agent KEY", []string{"run", "--no-tui", "--agent", key, "--agent", "ollama:m"}, "--agent looks like an API key, not PROVIDER:MODEL"},
		{"type", []string{"validate", plain, "--set", "agents[0].type=" + key}, `agent "A": type: looks like an API key, not an agent type`},
		{"first", []string{"validate", plain, "--set", "first=" + key}, "first: looks like an API key, not an agent's name"},
		{"name", []string{"validate", asName}, `name.yaml:2: agents[0]: name: looks like an API key rather than the agent's name`},
		{"run, name", []string{"run", "--no-tui", asName}, `agents[0]: name: looks like an API key`},
		{"--set name", []string{"validate", plain, "--set", "agents[0].name=" + key}, `agents[0]: name: looks like an API key`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitUsage || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, exitUsage, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, "0123456789GhIj") {
				t.Errorf("the key is repeated:\n%s%s", out, errOut)
			}
		})
	}
}

// A key pasted into fork's --agent value (as the model, the provider, a
// base URL, the type or the seat, as a header's value or in a URL's
// password) is never repeated, in the flag as its sentence shows it or in
// a name parley made of it, on stderr, on stdout or in --json's events;
// nor is it in what a fork that runs records, where a server echoes it
// back.
func TestAKeyPastedIntoAForkAgentIsNeverRepeated(t *testing.T) {
	const key = "sk-test-SECRET123abcdefABCDEF1234567"
	const part = "SECRET123" // any stretch of the key
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(400, "the key "+key+" is not valid")
	})
	srv.Models = []string{"m"}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte("title: s\nagents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination: {max_messages: 6}\n"), 0o600)
	if code, out, errOut := parley(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "parent")); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	parent, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	withPassword := strings.Replace(srv.URL, "http://", "http://u:"+key+"@", 1)

	for _, c := range []struct {
		name  string
		value string
		code  int
		want  string
	}{
		{"PROVIDER:KEY", "B=ollama:" + key, exitUsage, `--agent 'B=ollama:[redacted]': agent "B": model: looks like an API key`},
		{"PROVIDER:PATH/KEY", "B=openrouter:openai/" + key, exitUsage, `--agent 'B=openrouter:[redacted]': agent "B": model: looks like an API key`},
		{"model:", "B={model: " + key + ", provider: ollama}", exitUsage, `--agent 'B={model: [redacted], provider: ollama}': agent "B": model: looks like an API key`},
		{"provider:", "B={provider: " + key + ", model: m}", exitUsage, `--agent 'B={provider: [redacted], model: m}': agent "m": provider: looks like an API key`},
		{"base_url:", "B={base_url: \"" + key + "\", model: m}", exitUsage, `--agent 'B={base_url: "[redacted]", model: m}': agent "m": base_url: looks like an API key`},
		{"type:", "B={model: m, type: " + key + "}", exitUsage, `--agent 'B={model: m, type: [redacted]}': type: looks like an API key`},
		{"the seat", key + "=ollama:m", exitUsage, `--agent REDACTED=ollama:m: the seat's name looks like an API key`},
		{"a value that does not read", "B={model: m, headers: {X-Key: " + key + "}", exitUsage, `--agent B=REDACTED: the value is not a mapping of agent fields`},
		{"a header's value", "B={model: m, base_url: " + srv.URL + ", headers: {X-Key: " + key + "}}", exitFailure, `is not valid`},
		{"a URL's password", "B={model: m, base_url: \"" + withPassword + "\"}", exitFailure, `is not valid`},
	} {
		for _, json := range []bool{false, true} {
			name := c.name
			if json {
				name += ", --json"
			}
			t.Run(name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "fork")
				args := []string{"fork", parent[0], "--at", "3", "--no-tui", "--out", out, "--agent", c.value}
				if json {
					args = append(args, "--json")
				}
				code, stdout, stderr := parley(t, args...)
				if code != c.code || !strings.Contains(stdout+stderr, c.want) {
					t.Errorf("exit %d, want %d and %q in\n%s%s", code, c.code, c.want, stdout, stderr)
				}
				outputs := []string{stdout, stderr}
				files, _ := filepath.Glob(filepath.Join(out, "*"))
				for _, f := range files {
					data, _ := os.ReadFile(f)
					outputs = append(outputs, string(data))
				}
				if c.code == exitFailure && len(files) == 0 {
					t.Errorf("the fork recorded nothing, so the test proves nothing")
				}
				for i, o := range outputs {
					if strings.Contains(o, part) {
						t.Errorf("output %d repeats the key:\n%s", i, o)
					}
				}
			})
		}
	}
}

// A short header value a server echoes in its error is hidden from what
// run prints and records, and from doctor --ask's sentence.
func TestAShortHeaderValueEchoedByAServerIsHidden(t *testing.T) {
	const secret = "S3CR7"
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(400, "unknown header X-Custom: "+secret)
	})
	srv.Models = []string{"m"}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "short.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - {name: A, type: scripted, lines: [one, two]}\n  - name: B\n    base_url: "+srv.URL+
		"\n    model: m\n    headers: {X-Custom: "+secret+"}\ntermination:\n  max_messages: 4\n"), 0o600)
	var outputs []string
	for _, args := range [][]string{{"run", "--no-tui", "--json", "--out", filepath.Join(dir, "run"), scenario}, {"doctor", "--ask", scenario}} {
		code, out, errOut := parley(t, args...)
		if code != exitFailure || !strings.Contains(out+errOut, "unknown header X-Custom: [redacted]") {
			t.Errorf("%v: exit %d, want %d and the server's error with the value hidden:\n%s%s", args, code, exitFailure, out, errOut)
		}
		outputs = append(outputs, out+errOut)
	}
	for _, jl := range countJSONL(t, filepath.Join(dir, "run")) {
		data, _ := os.ReadFile(jl)
		outputs = append(outputs, string(data))
	}
	if len(outputs) != 3 {
		t.Fatalf("the run recorded no JSONL")
	}
	if got := srv.Requests(); len(got) == 0 || got[len(got)-1].Header.Get("X-Custom") != secret {
		t.Fatal("the header was not sent, so the test proves nothing")
	}
	for i, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("output %d shows the header's value:\n%s", i, o)
		}
	}
}

// doctor --ask says what a run would say of each fault, and what a
// server echoes of the key or a header's value in the course of it (an
// error retried until the agent gives up, a first event that is not an
// OpenAI event, an error a judge's server sends mid-stream) is hidden in its sentences and
// its JSON, as in the run's.
func TestDoctorAskHidesWhatAServerEchoes(t *testing.T) {
	const key, header = "sk-doctor-ask-SECRET8", "hval-doctor-ask-SECRET9"
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		echo := r.Header.Get("Authorization") + " and " + r.Header.Get("X-Custom-Auth")
		switch r.Body.Model {
		case "refuses":
			return openaitest.Error(500, "upstream got "+echo)
		case "not-a-stream":
			return openaitest.Reply{ContentType: "text/event-stream", Body: "data: you sent " + echo + "\n\n"}
		}
		return openaitest.Reply{ContentType: "text/event-stream", Body: `data: {"error":{"message":"upstream got ` + echo + `"}}` + "\n\n"}
	})
	srv.Models = []string{"refuses", "not-a-stream", "mid-stream"}
	agent := func(name, model string) string {
		return "  - {name: " + name + ", base_url: " + srv.URL + ", model: " + model + ", api_key_env: ASK_KEY, retries: 2, backoff: 10ms, headers: {X-Custom-Auth: " + header + "}}\n"
	}
	scenario := filepath.Join(t.TempDir(), "ask.yaml")
	judge := strings.TrimSuffix(strings.TrimPrefix(agent("judge", "mid-stream"), "  - "), "\n")
	os.WriteFile(scenario, []byte("agents:\n"+agent("A", "refuses")+agent("B", "not-a-stream")+"termination:\n  judge: "+judge+"\n"), 0o600)
	t.Setenv("ASK_KEY", key)
	for _, args := range [][]string{{"doctor", "--ask", scenario}, {"doctor", "--ask", "--json", scenario}} {
		code, out, errOut := parley(t, args...)
		if code != exitFailure {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitFailure, out, errOut)
		}
		for _, want := range []string{
			"failed with 500 Internal Server Error: upstream got Bearer [redacted] and [redacted] (gave up after 2 attempts)",
			`did not answer with an OpenAI-compatible event stream (its first event was \"you sent Bearer [redacted] and [redacted]\")`,
			"upstream got Bearer [redacted] and [redacted]",
		} {
			if args[2] != "--json" {
				want = strings.ReplaceAll(want, `\"`, `"`)
			}
			if !strings.Contains(out, want) {
				t.Errorf("%v: %q is not in\n%s", args, want, out)
			}
		}
		for _, secret := range []string{key, header} {
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%v shows %q:\n%s%s", args, secret, out, errOut)
			}
		}
	}
}

// One agent's key and header values are hidden in every agent's errors:
// a server both sides reach through (a gateway, a proxy) may echo what the
// other side sent, and the run, its JSONL, a batch's summaries and doctor
// must not show it.
func TestOneAgentsSecretsAreHiddenInTheOthersErrors(t *testing.T) {
	const keyA, headerA, keyB = "sk-first-agent-123", "hval-first-XYZZY", "sk-second-agent-456"
	a := openaitest.Start(t, signOff)
	a.Models = []string{"m"}
	b := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(400, "bad gateway state; last auth was Bearer "+keyA+" with "+headerA)
	})
	b.Models = []string{"m"}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "two.yaml")
	os.WriteFile(scenario, []byte("agents:\n  - name: A\n    base_url: "+a.URL+"\n    model: m\n    api_key_env: KEY_A\n    headers: {X-Custom-Auth: "+headerA+"}\n"+
		"  - name: B\n    base_url: "+b.URL+"\n    model: m\n    api_key_env: KEY_B\ntermination:\n  max_messages: 4\n"), 0o600)
	t.Setenv("KEY_A", keyA)
	t.Setenv("KEY_B", keyB)
	var outputs []string
	for _, args := range [][]string{
		{"run", "--no-tui", "--json", "--out", filepath.Join(dir, "run"), scenario},
		{"batch", scenario, "-n", "1", "--out", filepath.Join(dir, "batch")},
		{"doctor", "--ask", scenario},
	} {
		code, out, errOut := parley(t, args...)
		if code != exitFailure || !strings.Contains(out+errOut, "last auth was Bearer [redacted] with [redacted]") {
			t.Errorf("%v: exit %d, want %d and B's server's error with A's secrets hidden:\n%s%s", args, code, exitFailure, out, errOut)
		}
		outputs = append(outputs, out+errOut)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != scenario {
			data, _ := os.ReadFile(p)
			outputs = append(outputs, p+": "+string(data))
		}
		return nil
	})
	if len(outputs) < 6 {
		t.Fatalf("the run and the batch wrote too little: %d outputs", len(outputs))
	}
	for _, o := range outputs {
		for _, secret := range []string{keyA, headerA, keyB} {
			if strings.Contains(o, secret) {
				t.Errorf("%q is shown:\n%s", secret, o)
			}
		}
	}
}

// A URL given where parley takes a file, or as an argument no command
// takes (a queue's address without --queue, or the second of a list of
// servers written with a space after its comma), is quoted back without
// its password or key.
func TestAURLGivenInPlaceOfAFileIsShownWithoutItsSecrets(t *testing.T) {
	const nats = "nats://u:pw-NATS-SECRET1@127.0.0.1:1"
	const base = "https://u:pw-URL-SECRET2@api.example/v1?key=sk-test-SECRET3"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"worker without --queue", []string{"worker", nats}, `unknown command "nats://REDACTED@127.0.0.1:1"`},
		{"collect without --queue", []string{"collect", nats}, `unknown command "nats://REDACTED@127.0.0.1:1"`},
		{"a list of servers split by a space", []string{"worker", "--queue", "nats://127.0.0.1:2,", nats}, `unknown command "nats://REDACTED@127.0.0.1:1"`},
		{"batch", []string{"batch", nats, "--dry-run"}, "nats://REDACTED@127.0.0.1:1: no such file"},
		{"run", []string{"run", "--no-tui", base}, "https://REDACTED@api.example/v1?key=REDACTED: no such file"},
		{"validate", []string{"validate", base}, "https://REDACTED@api.example/v1?key=REDACTED: no such file"},
		{"validate --json", []string{"validate", "--json", base}, `"file":"https://REDACTED@api.example/v1?key=REDACTED"`},
		{"check", []string{"check", nats}, "nats://REDACTED@127.0.0.1:1: no such transcript"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitUsage || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, exitUsage, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, "SECRET") {
				t.Errorf("a secret is shown:\n%s%s", out, errOut)
			}
		})
	}
}

// A batch whose batch.json holds a scenario with its secrets hidden (a
// header's value here) resumes from the scenario file only while the
// file still holds that scenario. Edited, moved away or removed, the
// resume is refused before anything is staged, in a sentence naming the
// file and the batch, and REDACTED is never sent as the header's value:
// of a roster or a two-agent scenario, run here or on an embedded queue.
// Restored, the file resumes the batch with its secret.
func TestBatchResumeRefusesAScenarioItCanOnlyRecallWithoutItsSecrets(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words("This is " + r.Body.Model + ". [END]")
	})
	t.Setenv("FAKE_KEY", "k")
	dir := t.TempDir()
	const secret = "hdrvalue-topsecret-123"
	roster := filepath.Join(dir, "r11.yaml")
	os.WriteFile(roster, []byte(`roster:
  defaults: {base_url: `+srv.URL+`, api_key_env: FAKE_KEY, system: You talk., headers: {X-Secret-Hdr: `+secret+`}}
  agents:
    - {name: Alpha, model: a}
    - {name: Beta, model: b}
    - {name: Gamma, model: c}
termination: {max_messages: 3}
`), 0o600)
	pair := filepath.Join(dir, "pair.yaml")
	os.WriteFile(pair, []byte(`agents:
  - {name: A, base_url: `+srv.URL+`, model: a, system: You talk., headers: {X-Secret-Hdr: `+secret+`}}
  - {name: B, base_url: `+srv.URL+`, model: b, system: You talk.}
termination: {max_messages: 3}
`), 0o600)
	// sentHeaders is every X-Secret-Hdr value the server has seen since
	// the last call.
	seen := 0
	sentHeaders := func() []string {
		reqs := srv.Requests()
		var out []string
		for _, r := range reqs[seen:] {
			if v := r.Header.Get("X-Secret-Hdr"); v != "" {
				out = append(out, v)
			}
		}
		seen = len(reqs)
		return out
	}
	// unrun forgets every conversation of the batch in b, as if it had
	// been interrupted before any began: a resume runs them all.
	unrun := func(b string) {
		os.Remove(filepath.Join(b, batch.StateFile))
		os.RemoveAll(filepath.Join(b, batch.RunsDir))
	}
	for _, c := range []struct {
		name, file string
		queue      []string
	}{
		{"roster", roster, nil},
		{"pair", pair, nil},
		{"roster on an embedded queue", roster, []string{"--queue", "embedded"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			orig, _ := os.ReadFile(c.file)
			defer os.WriteFile(c.file, orig, 0o600)
			b := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			args := append([]string{"batch", c.file, "-j", "2", "--plain", "--out", b}, c.queue...)
			if code, out, errOut := parley(t, args...); code != exitOK {
				t.Fatalf("batch: exit %d\n%s%s", code, out, errOut)
			}
			if got := sentHeaders(); len(got) == 0 || slices.ContainsFunc(got, func(v string) bool { return v != secret }) {
				t.Fatalf("the batch sent X-Secret-Hdr %q; want %q on every request", got, secret)
			}
			manifest := filepath.Join(b, batch.ManifestFile)
			resume := append([]string{"batch", "--resume", b, "--plain"}, c.queue...)
			edited := strings.Replace(string(orig), "You talk.", "You talk briefly.", -1)
			for _, step := range []struct {
				what string
				do   func()
				want string
			}{
				{"edited", func() { os.WriteFile(c.file, []byte(edited), 0o600) },
					c.file + " has changed since the batch in " + b + " began, and " + manifest + " holds the scenario it ran with its secrets hidden (header values, a URL's password or key), which --resume will not send as the credentials: to finish the batch, restore " + c.file + " as it was when the batch began; to run the edited file, start a new batch: parley batch " + c.file},
				{"removed", func() { os.Rename(c.file, c.file+".moved") },
					c.file + ", the scenario file of the batch in " + b + ", no longer exists, and " + manifest + " holds the scenario with its secrets hidden"},
			} {
				unrun(b)
				step.do()
				for _, args := range [][]string{resume, append(resume, "--dry-run")} {
					code, out, errOut := parley(t, args...)
					if code != exitUsage || out != "" || strings.Count(errOut, step.want) != 1 || strings.Contains(errOut, "warning") {
						t.Errorf("%s, %v: exit %d\nstdout: %s\nstderr: %s\nwant 2, nothing on stdout and the one sentence %q", step.what, args, code, out, errOut, step.want)
					}
				}
				if got := sentHeaders(); len(got) > 0 {
					t.Errorf("%s: the refused resume sent X-Secret-Hdr %q", step.what, got)
				}
				if _, err := os.Stat(filepath.Join(b, batch.RunsDir)); err == nil {
					t.Errorf("%s: the refused resume staged conversations in %s", step.what, b)
				}
				os.Remove(c.file + ".moved")
				os.WriteFile(c.file, orig, 0o600)
			}
			// Restored, the file finishes the batch with its secret.
			if code, out, errOut := parley(t, resume...); code != exitOK {
				t.Fatalf("resume with the file restored: exit %d\n%s%s", code, out, errOut)
			}
			if got := sentHeaders(); len(got) == 0 || slices.ContainsFunc(got, func(v string) bool { return v != secret }) {
				t.Errorf("the resumed batch sent X-Secret-Hdr %q; want %q on every request", got, secret)
			}
		})
	}
}

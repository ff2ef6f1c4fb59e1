package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// What would fail a run with no cause is refused before it: validate and
// run both name the agent, the line and the header or variable to fix.
func TestAHeaderOrAnAddressThatCannotBeSentIsNamedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		scenario string
		env      map[string]string
		want     string
	}{
		{"a space in a header's name", "agents:\n  - name: A\n    base_url: http://127.0.0.1:18081/v1\n    model: m\n    headers: {\"Bad Header\": x}\n  - name: B\n    type: scripted\n    lines: [hi]\n", nil,
			`s.yaml:5: agent "A": headers: "Bad Header" is not a valid header name`},
		{"a newline in a header's value", "agents:\n  - name: A\n    base_url: http://127.0.0.1:18081/v1\n    model: m\n    headers:\n      X-Note: \"a\\nb\"\n  - name: B\n    type: scripted\n    lines: [hi]\n", nil,
			`s.yaml:6: agent "A": headers: the value of header "X-Note" holds a line break`},
		{"OPENAI_BASE_URL without a scheme", "agents:\n  - name: A\n    provider: openai\n    api_key_env: PARLEY_TEST_KEY\n    model: m\n  - name: B\n    type: scripted\n    lines: [hi]\n",
			map[string]string{"OPENAI_BASE_URL": "127.0.0.1:18081/v1", "PARLEY_TEST_KEY": "sk-test-key-0123456789"},
			`s.yaml:3: agent "A": provider: openai takes its address from the environment, and OPENAI_BASE_URL is "127.0.0.1:18081/v1": it has no scheme`},
		{"OLLAMA_HOST with a port that is not one", "agents:\n  - name: A\n    provider: ollama\n    model: m\n  - name: B\n    type: scripted\n    lines: [hi]\n",
			map[string]string{"OLLAMA_HOST": "host:notaport"},
			`s.yaml:3: agent "A": provider: ollama takes its address from the environment, and OLLAMA_HOST is "host:notaport": its port "notaport" is not a number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			path := writeFile(t, dir, "s.yaml", c.scenario)
			for _, cmd := range []string{"validate", "run"} {
				args := []string{cmd, path}
				if cmd == "run" {
					args = append(args, "--no-tui", "--out", t.TempDir())
				}
				code, out, errOut := parley(t, args...)
				if code != exitUsage {
					t.Errorf("%s: exit %d, want %d\n%s%s", cmd, code, exitUsage, out, errOut)
				}
				if !strings.Contains(out+errOut, filepath.Join(dir, c.want)) {
					t.Errorf("%s says\n%s%s\nwant %q", cmd, out, errOut, c.want)
				}
			}
		})
	}
}

// A stream parley cannot read ends the run with a sentence that quotes it,
// not with an empty reply, and keeps every message before it.
func TestAnEventThatIsNotJSONFailsTheTurn(t *testing.T) {
	cases := []struct {
		name  string
		reply openaitest.Reply
		want  string
	}{
		{"an event that is not JSON, then [DONE]", openaitest.Reply{ContentType: "text/event-stream", Body: "data: {not json\n\ndata: [DONE]\n\n"},
			`parley: Alpha: %s sent a stream event parley could not read ("{not json"), so the reply was not taken`},
		{"text, then an event that is not JSON", openaitest.Reply{Pieces: []string{"Half", " a reply"}, Quirks: openaitest.BadEvent},
			`parley: Alpha: %s sent a stream event parley could not read ("{not json"), so the reply was not taken`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			// Alpha's second reply (message 4) is the broken one.
			srv := startE2E(t, func(r openaitest.Request) (openaitest.Reply, bool) {
				return c.reply, r.N == 2
			})
			sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: "Go.", Max: 10, Extra: "\n    retries: 1"})
			code, out, errOut := runParley(t, sc, dir)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errOut)
			}
			if want := fmt.Sprintf(c.want, srv.URL); !strings.Contains(errOut, want) {
				t.Errorf("stderr:\n%s\nwant %q", errOut, want)
			}
			if strings.Contains(out+errOut, "empty reply") {
				t.Errorf("the broken reply was taken for an empty one:\n%s%s", out, errOut)
			}
			_, jl := recorded(t, dir)
			if n := len(jl.Messages); n < 3 || jl.Messages[2].Speaker != "Beta" {
				t.Errorf("recorded %d messages; want the opening and both replies before the broken one", n)
			}
		})
	}
}

// Counts are said in the singular for one, and a short backoff in
// milliseconds, not as "retrying in 0s".
func TestCountsAndWaitsAreSaidAsReadable(t *testing.T) {
	t.Run("one conversation staged by --dry-run", func(t *testing.T) {
		dir := t.TempDir()
		sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n  - name: B\n    type: scripted\n    lines: [ho]\n")
		code, out, errOut := parley(t, "batch", sc, "-n", "1", "--dry-run")
		if code != exitOK || !strings.Contains(errOut, "parley: 1 conversation; none staged (--dry-run)") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("a 10ms backoff", func(t *testing.T) {
		dir := t.TempDir()
		srv := startE2E(t, func(r openaitest.Request) (openaitest.Reply, bool) {
			return openaitest.Error(500, ""), r.N == 0
		})
		sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: "Go.", Max: 3, Extra: "\n    backoff: 10ms"})
		code, out, errOut := runParley(t, sc, dir)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		shown := regexp.MustCompile(`retrying in (\d+)ms \(attempt 2 of 5\)`).FindStringSubmatch(out)
		if shown == nil || shown[1] == "0" {
			t.Errorf("the printed retry does not say its wait in milliseconds:\n%s", out)
		}
		_, jl := recorded(t, dir)
		if len(jl.Run.Events) == 0 || !regexp.MustCompile(`retrying in [1-9]\d*ms$`).MatchString(jl.Run.Events[0].Detail) {
			t.Errorf("recorded events %+v; want the retry's wait in milliseconds", jl.Run.Events)
		}
	})
}

// A flag given a value it cannot take is refused with a sentence, where
// it used to be ignored or to print help and exit 0.
func TestFlagsOutOfRangeAreRefused(t *testing.T) {
	dir := t.TempDir()
	sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n  - name: B\n    type: scripted\n    lines: [ho]\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a shell with no completions", []string{"completion", "tcsh"},
			`parley: completion: "tcsh" is not a shell parley writes completions for; it writes them for bash, zsh, fish, powershell`},
		{"--max-messages 0", []string{"resume", filepath.Join(dir, "x.jsonl"), "--max-messages", "0"},
			"parley: --max-messages 0: give the conversation's new limit, a number of messages above the ones it holds"},
		{"--max-messages -1", []string{"resume", filepath.Join(dir, "x.jsonl"), "--max-messages", "-1"}, "parley: --max-messages -1: give"},
		{"a negative text width", []string{"run", sc, "--no-tui", "--text-width", "-5"},
			`parley: invalid argument "-5" for "--text-width" flag: the text width is a number of columns, 0 or more (0 uses the whole window)`},
		{"a negative text width for show", []string{"show", sc, "--text-width", "-1"}, `invalid argument "-1" for "--text-width" flag`},
		{"--queue-listen without an embedded queue", []string{"batch", sc, "--dry-run", "--queue-listen", "0.0.0.0:4222"},
			"parley: --queue-listen 0.0.0.0:4222 applies to a queue this batch starts itself: add --queue embedded, or leave --queue-listen out"},
		// A worker says its job is alive a third of the wait apart, no
		// more often than every 100 ms: a shorter wait hands every
		// running job to a second worker.
		{"an --ack-wait too short to keep a job", []string{"batch", sc, "--queue", "embedded", "--ack-wait", "100ms", "--out", filepath.Join(dir, "b")},
			"parley: --ack-wait 100ms is too short: a job still running would be handed to a second worker and paid for twice; give 1s or more (the default is 30s)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nstdout:\n%.200s\nwant exit %d and %q", code, errOut, out, exitUsage, c.want)
			}
		})
	}
}

// batch names the problems of every scenario it is given, not only the
// first bad file's.
func TestBatchNamesEveryBadScenario(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n  - name: B\n    type: scripted\n    lines: [ho]\n")
	typo := writeFile(t, dir, "typo_key.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n    speling: 1\n  - name: B\n    type: scripted\n    lines: [ho]\n")
	temp := writeFile(t, dir, "temp_text.yaml", "agents:\n  - name: A\n    base_url: http://127.0.0.1:1/v1\n    model: m\n    temperature: hot\n  - name: B\n    type: scripted\n    lines: [ho]\n")
	code, out, errOut := parley(t, "batch", ok, typo, temp, "--dry-run")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
	}
	for _, want := range []string{
		typo + `:5: unknown field "speling" in an agent`,
		temp + `:5: agent "A": temperature: "hot" is text, not a number`,
		"2 of 3 scenarios have problems; nothing was staged",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr:\n%s\nlacks %q", errOut, want)
		}
	}
	if out != "" {
		t.Errorf("a conversation was listed: %s", out)
	}
}

// export and convert say what is wrong with the file or the folder given,
// in words about them, not a reader's or a temporary file's.
func TestExportAndConvertSayWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [hi, there]\n  - name: B\n    type: scripted\n    lines: [ho, hum]\ntermination:\n  max_messages: 3\n")
	if code, out, errOut := parley(t, "run", sc, "--no-tui", "--out", dir); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("recorded %v", jls)
	}
	jl, md := jls[0], strings.TrimSuffix(jls[0], ".jsonl")+".md"
	garbage := writeFile(t, dir, "g.jsonl", "garbage\nmore garbage\n")
	recorded, _ := os.ReadFile(jl)
	other := writeFile(t, dir, "other.jsonl", string(recorded))
	written, _ := os.ReadFile(md)
	missing := filepath.Join(dir, "nonexistent", "dir")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"export of a file that is not a transcript", []string{"export", garbage}, exitUsage,
			"parley: " + garbage + " is not a JSONL transcript; export rebuilds the Markdown from the JSONL parley records beside it (NAME.jsonl)"},
		{"export of the Markdown", []string{"export", md}, exitUsage,
			"parley: " + md + " is a Markdown transcript, not a JSONL one"},
		{"export into a folder that does not exist", []string{"export", jl, "-o", filepath.Join(missing, "x.md")}, exitFailure,
			"parley: cannot write " + filepath.Join(missing, "x.md") + ": the folder " + missing + " does not exist; create it first, or choose another\n"},
		{"convert into a folder that does not exist", []string{"convert", jl, filepath.Join(missing, "x.md")}, exitFailure,
			"the folder " + missing + " does not exist"},
		{"convert of a file that does not exist, to a scenario", []string{"convert", filepath.Join(dir, "nonexist.json"), filepath.Join(dir, "out.yaml")}, exitUsage,
			"parley: " + filepath.Join(dir, "nonexist.json") + ": no such file\n"},
		{"export over the JSONL it reads, forced", []string{"export", jl, "-o", jl, "--force"}, exitUsage,
			"parley: " + jl + " is the JSONL export reads; export writes its Markdown to another file (-o FILE.md)\n"},
		{"export over another JSONL transcript, forced", []string{"export", jl, "-o", other, "--force"}, exitUsage,
			"parley: " + other + " is a JSONL transcript, which --force does not replace with Markdown; choose another -o\n"},
		{"convert over the file it reads, forced", []string{"convert", md, md, "--force"}, exitUsage,
			"parley: " + md + " is the file convert reads; write the conversion to another file\n"},
		{"export of a folder", []string{"export", dir}, exitUsage,
			"parley: " + dir + " is a folder; export takes one JSONL transcript, such as export " + filepath.Join(dir, "NAME.jsonl") + "\n"},
		{"convert of a folder", []string{"convert", dir, filepath.Join(t.TempDir(), "x.md")}, exitUsage,
			"parley: " + dir + " is a folder; convert takes one file, such as convert chat.json chat.md (check, report and train read folders)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nstdout: %s\nwant exit %d and %q", code, errOut, out, c.code, c.want)
			}
			if strings.Contains(errOut, ".parley-convert-") {
				t.Errorf("the temporary file is named: %s", errOut)
			}
		})
	}
	for path, was := range map[string][]byte{jl: recorded, other: recorded, md: written} {
		if now, _ := os.ReadFile(path); !bytes.Equal(now, was) {
			t.Errorf("%s was written over:\n%.200s", path, now)
		}
	}
}

// Sentences that contradicted themselves now fit what the person can do.
func TestSentencesFitWhatCanBeDone(t *testing.T) {
	t.Run("the examples are pointed to only where they are", func(t *testing.T) {
		t.Chdir(t.TempDir())
		code, _, errOut := parley(t, "validate", "configs/demo.yaml")
		if code != exitUsage || !strings.Contains(errOut, "parley's examples are in the configs/ folder of its source repository, and parley demo stages one with no file") ||
			strings.Contains(errOut, "the examples are in configs/ (") {
			t.Errorf("outside the repository: exit %d\n%s", code, errOut)
		}
		if err := os.Mkdir("configs", 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, "configs", "x.yaml", "")
		code, _, errOut = parley(t, "validate", "configs/nothing-like-it.yaml")
		if code != exitUsage || !strings.Contains(errOut, "the examples are in configs/ (parley validate configs/*.yaml checks them)") {
			t.Errorf("beside a configs/ folder: exit %d\n%s", code, errOut)
		}
	})

	t.Run("a run read from standard input", func(t *testing.T) {
		dir := t.TempDir()
		scenario := "agents:\n  - name: A\n    type: scripted\n    lines: [hi]\n  - name: B\n    base_url: http://user:hunter22@127.0.0.1:1/v1\n    model: m\ntermination:\n  max_messages: 1\n"
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"run", "-", "--no-tui", "--out", dir}, strings.NewReader(scenario), &stdout, &stderr); code != exitOK {
			t.Fatalf("run -: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
		jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		code, _, errOut := parley(t, "resume", jls[0], "--max-messages", "5")
		want := jls[0] + " was staged from a scenario read from standard input, which it records with its secrets hidden, so the scenario cannot be read again; save it to a file and give it with --scenario FILE"
		if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "no such file") || strings.Contains(errOut, "hunter22") {
			t.Errorf("exit %d\n%s\nwant %q", code, errOut, want)
		}
	})

	t.Run("--max-messages counts the whole conversation", func(t *testing.T) {
		dir := t.TempDir()
		sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [a, b, c]\n  - name: B\n    type: scripted\n    lines: [d, e, f]\ntermination:\n  max_messages: 6\n")
		if code, out, errOut := parley(t, "run", sc, "--no-tui", "--out", dir); code != exitOK {
			t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
		}
		jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		code, _, errOut := parley(t, "resume", jls[0], "--max-messages", "3")
		want := jls[0] + " is finished: it holds 6 messages, and --max-messages 3 counts the whole conversation, not the messages to add; to continue it, give --max-messages above 6 (such as 16 for 10 more)"
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d\n%s\nwant %q", code, errOut, want)
		}
	})

	// Resumed with no flag, a conversation an earlier resume's budget
	// stopped names that budget, not a flag this command did not give;
	// given --policy and --max-messages, the budget given stops it, and
	// the sentence does not blame the policy file.
	t.Run("the budget an earlier resume set, and a budget beside --policy", func(t *testing.T) {
		dir := t.TempDir()
		sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [a, b, c, d, e]\n  - name: B\n    type: scripted\n    lines: [f, g, h, i, j]\ntermination:\n  max_messages: 4\n")
		pol := writeFile(t, dir, "pol.yaml", "max_messages: 12\n")
		if code, out, errOut := parley(t, "run", sc, "--no-tui", "--out", dir); code != exitOK {
			t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
		}
		jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if code, out, errOut := parley(t, "resume", jls[0], "--no-tui", "--max-messages", "6"); code != exitOK {
			t.Fatalf("resume --max-messages 6: exit %d\n%s%s", code, out, errOut)
		}
		code, _, errOut := parley(t, "resume", jls[0], "--no-tui")
		want := jls[0] + " is finished: it holds 6 messages, and the budget of 6 messages an earlier resume set (--max-messages 6) counts the whole conversation"
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("resumed with no flag: exit %d\n%s\nwant %q", code, errOut, want)
		}
		code, _, errOut = parley(t, "resume", jls[0], "--no-tui", "--policy", pol, "--max-messages", "3")
		want = jls[0] + " is finished: it holds 6 messages, and --max-messages 3 counts the whole conversation, not the messages to add; to continue it, give --max-messages above 6 (such as 16 for 10 more)\n"
		if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "which stop it") {
			t.Errorf("given --policy and --max-messages: exit %d\n%s\nwant %q", code, errOut, want)
		}
	})

	// A run given a secret with --set records its scenario with the
	// secret hidden, and unlike its file: resume says the --set is why,
	// not that the file changed, unless the file did change.
	t.Run("a secret given with --set", func(t *testing.T) {
		dir := t.TempDir()
		src := "agents:\n  - {name: A, type: scripted, lines: [a, b, c]}\n  - {name: B, type: scripted, lines: [d, e, f]}\ntermination: {max_messages: 2}\n"
		sc := writeFile(t, dir, "s.yaml", src)
		if code, out, errOut := parley(t, "run", sc, "--no-tui", "--out", dir, "--set", "agents[0].headers.X-Tok=abcdef123"); code != exitOK {
			t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
		}
		jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		code, _, errOut := parley(t, "resume", jls[0], "--no-tui", "--max-messages", "4")
		if code != exitUsage || !strings.Contains(errOut, "the run changed it with --set, and a value it set holds a secret") || strings.Contains(errOut, "has changed since") || strings.Contains(errOut, "abcdef123") {
			t.Errorf("file unchanged: exit %d\n%s", code, errOut)
		}
		writeFile(t, dir, "s.yaml", src+"# edited\n")
		code, _, errOut = parley(t, "resume", jls[0], "--no-tui", "--max-messages", "4")
		if code != exitUsage || !strings.Contains(errOut, sc+" has changed since") {
			t.Errorf("file edited: exit %d\n%s", code, errOut)
		}
	})

	t.Run("min_messages above max_messages", func(t *testing.T) {
		dir := t.TempDir()
		sc := writeFile(t, dir, "s.yaml", "agents:\n  - name: A\n    type: scripted\n    lines: [a]\n  - name: B\n    type: scripted\n    lines: [b]\ntermination:\n  all:\n    - min_messages: 50\n    - max_messages: 10\n")
		code, out, errOut := parley(t, "validate", sc)
		want := "parley: warning: " + sc + ":10: termination: min_messages: 50 is above max_messages: 10, which it guards, so no rule may stop the run before message 50 and the limit of 10 is not kept"
		if code != exitOK || !strings.Contains(errOut, want) {
			t.Errorf("exit %d\n%s%s\nwant %q", code, out, errOut, want)
		}
	})
}

// A scenario whose termination no budget bounds is warned of, when its
// agents would answer for ever: two models rarely stop on their own.
func TestATerminationThatBoundsNothingIsWarnedOf(t *testing.T) {
	models := "agents:\n  - {name: A, provider: ollama, model: m}\n  - {name: B, provider: ollama, model: m}\n"
	scripted := "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"
	const warning = "termination: no rule ends the run on its own"
	for _, c := range []struct {
		name, yaml string
		warned     bool
	}{
		{"an empty termination", models + "termination: {}\n", true},
		{"an empty list", models + "termination: []\n", true},
		{"rules that read the conversation only", models + "termination:\n  any: [loop: {}, repetition: {}]\n", true},
		{"a guard alone", models + "termination:\n  any: [min_messages: 5]\n", true},
		{"a budget under all: beside a loop rule", models + "termination:\n  all: [max_messages: 10, loop: {}]\n", true},
		{"the default set", models, false},
		{"a budget", models + "termination:\n  any: [loop: {}, max_messages: 200]\n", false},
		{"scripted sides, which run out", scripted + "termination: {}\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := writeFile(t, t.TempDir(), "s.yaml", c.yaml)
			code, out, errOut := parley(t, "validate", "--offline", sc)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if got := strings.Contains(errOut, "parley: warning: "+sc+":"); got != c.warned || c.warned && !strings.Contains(errOut, warning) {
				t.Errorf("warned %v, want %v:\n%s", got, c.warned, errOut)
			}
			// batch --dry-run, the check before a paid batch, warns alike.
			code, out, errOut = parley(t, "batch", sc, "--dry-run", "-n", "2")
			if got := strings.Contains(errOut, "parley: warning: "+sc+":"); code != exitOK || got != c.warned {
				t.Errorf("batch --dry-run: exit %d, warned %v, want %v:\n%s%s", code, got, c.warned, out, errOut)
			}
		})
	}
}

// A flag's value parley cannot read is said as a sentence naming the flag,
// the value and what to give, not as the flag parser's strconv error.
func TestAFlagValueThatIsNoNumber(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a count", []string{"train", "--folds", "abc", "x"}, `parley: --folds is "abc"; give a whole number, such as --folds 5` + "\n"},
		{"a one-letter flag", []string{"batch", "s.yaml", "-n", "abc"}, `parley: -n is "abc"; give a whole number, such as -n 1` + "\n"},
		{"a count with no default", []string{"fork", "t.jsonl", "--at", "ten"}, `parley: --at is "ten"; give a whole number` + "\n"},
		{"a fraction", []string{"resume", "t.jsonl", "--max-messages", "1.5"}, `parley: --max-messages is "1.5"; give a whole number` + "\n"},
		{"a switch", []string{"run", "--no-tui=maybe", "s.yaml"}, `parley: --no-tui is "maybe"; give true or false` + "\n"},
		{"a duration", []string{"worker", "--queue", "embedded", "--upload-every", "5"}, `parley: --upload-every is "5"; give a duration such as 500ms, 30s or 2m` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, c.args...)
			if code != exitUsage || errOut != c.want {
				t.Errorf("exit %d, stderr %q (stdout %q); want exit %d and %q", code, errOut, out, exitUsage, c.want)
			}
		})
	}
}

// An --out that names a file is refused before anything is asked of a
// model, as a usage mistake that says to give a folder.
func TestRunIntoAFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "notes.txt", "my notes\n")
	for _, args := range [][]string{{"demo", "--no-tui", "--out", file}, {"run", "--no-tui", "--out", file, "--agent", "ollama:m", "--agent", "ollama:n"}} {
		code, out, errOut := parley(t, args...)
		if want := "parley: " + file + " is a file, not a folder; give the folder to record the transcripts in"; code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, want %d and %q\n%s%s", args[0], code, exitUsage, want, out, errOut)
		}
		if data, _ := os.ReadFile(file); string(data) != "my notes\n" {
			t.Errorf("%s: the file holds %q", args[0], data)
		}
	}
}

// resume of a transcript parley did not record (another tool's layout, a
// Markdown whose JSONL is gone) says how to continue it: fork it after
// its last message, under a scenario.
func TestResumeOfAnotherToolsTranscriptSaysToForkIt(t *testing.T) {
	dir := t.TempDir()
	log := writeFile(t, dir, "log.txt", "### P ###\nhi\n\n### Q ###\nyo\n\n### P ###\nbye\n")
	md := writeFile(t, dir, "chat.md", "# P ↔ Q\n\n---\n\n### P\n\nhi\n\n---\n\n### Q\n\nyo\n\n---\n")
	// A run killed as it started: its files were created, and nothing
	// written to them.
	empty := writeFile(t, dir, "started.jsonl", "")
	writeFile(t, dir, "started.md", "")
	for _, c := range []struct {
		name, file, want string
	}{
		{"a log in another layout", log, "parley: " + log + " is not a JSONL transcript parley recorded, which is what resume continues in place; to continue it as a new transcript, fork it after its last message: parley fork " + log + " --at 3 --scenario FILE\n"},
		{"a Markdown without its JSONL", md, "parley: " + md + " has no JSONL transcript parley recorded beside it (" + filepath.Join(dir, "chat.jsonl") + "), which is what resume continues in place; to continue it as a new transcript, fork it after its last message: parley fork " + md + " --at 2 --scenario FILE\n"},
		{"a file that does not exist", filepath.Join(dir, "nope.md"), "parley: " + filepath.Join(dir, "nope.jsonl") + " does not exist; resume needs the JSONL sidecar parley recorded beside the Markdown\n"},
		{"a run killed before its first line", empty, "parley: cannot resume " + empty + ": " + empty + " is empty: the run that created it stopped before it wrote its first line, so there is nothing to continue; remove it and its Markdown, and start the run again\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := parley(t, "resume", c.file, "--no-tui")
			if code != exitUsage || errOut != c.want {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut, exitUsage, c.want)
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// A judge a --policy file gives a resumed run is connected as a
// scenario's judge is: to its address, with the key its api_key_env
// names, its headers and its retries, and it is asked only about the
// messages the resume adds. A later resume without --policy reads the
// file its last session recorded and connects that judge the same way.
func TestAResumedRunAsksThePolicyFilesJudge(t *testing.T) {
	const key = "judge-key-0123456789abcdef"
	t.Setenv("PARLEY_JUDGE_KEY", key)
	judge := openaitest.Start(t, openaitest.Queue(
		openaitest.Error(500, "boom"),
		openaitest.Words("CONTINUE\nAfter six."),
		openaitest.Words("CONTINUE\nAfter eight."),
		openaitest.Words("CONTINUE\nAfter eight, once more."),
	))
	dir := t.TempDir()
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination: {max_messages: 5}\n")
	pol := writeFile(t, dir, "more.yaml", "any:\n  - max_messages: 9\n  - judge: {base_url: \""+judge.URL+"\", model: moderator, api_key_env: PARLEY_JUDGE_KEY, every: 2, retries: 2, backoff: 1ms, headers: {X-Token: hush-value}}\n")
	for _, step := range []struct {
		name  string
		args  []string
		cut   bool     // the recording is cut after message 7 first, as a crash would leave it
		asked []string // all the questions so far, by the messages each asked about
	}{
		// A 500 and its retry after message 6, then a question after 8.
		{"resume --policy", []string{"--policy", pol}, false, []string{"6", "6", "8"}},
		// The recorded file's judge, asked after 8 again, not after 6.
		{"a later resume under the rules recorded", nil, true, []string{"6", "6", "8", "8"}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.cut {
				cutAfterMessage(t, jl, 7)
			}
			args := append([]string{"resume", "--no-tui"}, append(step.args, jl)...)
			code, out, errOut := parley(t, args...)
			if code != exitOK || !strings.Contains(out, "Stopped after message 9 (max_messages)") {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if got := judgeAsked(t, judge.Requests()); !slices.Equal(got, step.asked) {
				t.Errorf("the judge was asked about %q messages, want %q", got, step.asked)
			}
			for _, r := range judge.Requests() {
				if r.Header.Get("Authorization") != "Bearer "+key || r.Header.Get("X-Token") != "hush-value" {
					t.Errorf("request %d went without the judge's key or header: %v", r.N, r.Header)
				}
			}
			if strings.Contains(out+errOut, "hush-value") || strings.Contains(out+errOut, key) {
				t.Errorf("a secret was printed:\n%s%s", out, errOut)
			}
		})
	}
	if !strings.Contains(string(mustRead(t, jl)), "500 Internal Server Error") {
		t.Errorf("the judge's retry is not recorded:\n%s", mustRead(t, jl))
	}
	if got := recordedRulings(t, jl); !slices.Equal(got, []string{"6", "8"}) {
		t.Errorf("the recording holds rulings after messages %q, want one each after 6 and 8", got)
	}
}

// cutAfterMessage cuts the JSONL at path after the line of message n, as
// a crash after that message was written leaves it.
func cutAfterMessage(t *testing.T, path string, n int) {
	t.Helper()
	data := mustRead(t, path)
	mark := []byte(`{"type":"message","index":` + strconv.Itoa(n) + `,`)
	at := bytes.Index(data, mark)
	if at < 0 {
		t.Fatalf("%s holds no message %d:\n%s", path, n, data)
	}
	end := at + bytes.IndexByte(data[at:], '\n') + 1
	if err := os.WriteFile(path, data[:end], 0o600); err != nil {
		t.Fatal(err)
	}
}

// A policy file's judge is checked as an agent is, as validate checks a
// scenario's judge, in the same sentences, at the file's lines: check,
// show and report refuse a mistake in the file as they refuse any other,
// and resume --policy refuses it before anything is written, leaving the
// recording as it was and the judge unasked.
func TestAPolicyFilesJudgeIsCheckedAsAnAgentIs(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "set")
	judge := openaitest.Start(t, openaitest.Queue())
	cases := []struct{ name, judge, want string }{
		{"an unknown provider", `{model: m, provider: opnai, base_url: "` + judge.URL + `"}`,
			`:3: the judge (m): provider: "opnai" is not a known provider; did you mean "openai"? (parley providers lists them all)`},
		{"a temperature out of range", `{model: m, base_url: "` + judge.URL + `", temperature: 7}`,
			`:3: the judge (m): temperature: 7 is outside 0 to 2`},
		{"an address that is no URL", "{model: m, base_url: localhost/v1}",
			`:3: the judge (m): base_url: "localhost/v1" is not an http:// or https:// URL`},
		{"a header that cannot be sent, at its own line", "\n      name: second\n      base_url: \"" + judge.URL + "\"\n      model: m\n      headers: {\"Bad Name\": secret-value}",
			`:7: the judge "second": headers: "Bad Name" is not a valid header name`},
		{"retries: 0", `{model: m, base_url: "` + judge.URL + `", retries: 0}`,
			`:3: the judge (m): retries: is the most attempts per reply and must be at least 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			pol := writeFile(t, dir, "pol.yaml", "any:\n  - max_messages: 50\n  - judge: "+c.judge+"\n")
			tr := writeCase(t, dir, "t", words(3), "stop_after: 3\n")
			refusedEverywhere(t, pol, tr, dir, c.want)
			resumeRefused(t, pol, pol+c.want)
			if n := len(judge.Requests()); n > 0 {
				t.Errorf("the judge was asked %d times", n)
			}
		})
	}
	// The same block in a scenario: validate says the same.
	scn := writeFile(t, t.TempDir(), "s.yaml", "termination:\n  any:\n    - max_messages: 50\n    - judge: {model: m, provider: opnai, temperature: 7}\nagents:\n  - {name: S, type: scripted, lines: [a]}\n  - {name: T, type: scripted, lines: [b]}\n")
	pol := writeFile(t, t.TempDir(), "pol.yaml", "termination:\n  any:\n    - max_messages: 50\n    - judge: {model: m, provider: opnai, temperature: 7}\n")
	_, _, validated := parley(t, "validate", "--offline", scn)
	_, _, checked := parley(t, "check", "--policy", pol, writeCase(t, t.TempDir(), "t", words(3), ""))
	for _, said := range []string{
		`:4: termination: the judge (m): provider: "opnai" is not a known provider`,
		`:4: termination: the judge (m): temperature: 7 is outside 0 to 2`,
	} {
		if !strings.Contains(validated, scn+said) {
			t.Errorf("validate does not say %q:\n%s", said, validated)
		}
		if said := strings.Replace(said, "termination: ", "", 1); !strings.Contains(checked, pol+said) {
			t.Errorf("check does not say %q:\n%s", said, checked)
		}
	}
	if strings.Contains(validated+checked, "secret-value") {
		t.Errorf("a header's value was printed")
	}
}

// A judge's key is what a live run needs, not a mistake in the file:
// check, show and report, which never ask a judge, judge under a policy
// file whose judge's key variable is not set; resume refuses to continue
// under it, given with --policy or recorded by its last session, before
// anything is written.
func TestAPolicyFilesJudgeKeyIsNeededOnlyLive(t *testing.T) {
	judge := openaitest.Start(t, openaitest.Queue(
		openaitest.Words("CONTINUE\nAfter six."),
		openaitest.Words("CONTINUE\nAfter eight."),
	))
	polSrc := "any:\n  - max_messages: 9\n  - judge: {base_url: \"" + judge.URL + "\", model: moderator, every: 2,\n      api_key_env: PARLEY_JUDGE_KEY}\n"
	want := `:4: the judge (moderator) needs an API key: the environment variable PARLEY_JUDGE_KEY is not set`

	t.Setenv("PARLEY_JUDGE_KEY", "")
	dir := t.TempDir()
	pol := writeFile(t, dir, "pol.yaml", polSrc)
	tr := writeCase(t, dir, "t", words(3), "stop_after: 3\n")
	for _, args := range [][]string{
		{"check", "--policy", pol, tr},
		{"show", "--no-tui", "--policy", pol, tr},
		{"report", "--policy", pol, "--out", filepath.Join(t.TempDir(), "r"), dir},
	} {
		if code, out, errOut := parley(t, args...); code != exitOK {
			t.Errorf("%s: exit %d\n%s%s", args[0], code, out, errOut)
		}
	}
	for _, c := range []struct {
		name string
		// recorded resumes once under the file with the key set, and
		// cuts the recording after message 7, as a crash would.
		recorded bool
	}{
		{"resume --policy", false},
		{"a later resume under the file recorded", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.recorded {
				resumeRefused(t, pol, pol+want)
				return
			}
			resumeRefused(t, "", pol+want, func(jl string) {
				t.Setenv("PARLEY_JUDGE_KEY", "judge-key-0123456789abcdef")
				if code, out, errOut := parley(t, "resume", "--no-tui", "--policy", pol, jl); code != exitOK {
					t.Fatalf("resume --policy with the key set: exit %d\n%s%s", code, out, errOut)
				}
				cutAfterMessage(t, jl, 7)
				t.Setenv("PARLEY_JUDGE_KEY", "")
			})
		})
	}
	if n := len(judge.Requests()); n != 2 {
		t.Errorf("the judge was asked %d times, want twice (after 6 and 8, by the resume with its key)", n)
	}
}

// resumeRefused records a run of two scripts stopped by its budget after
// 5 messages, readies it with each of before, then holds that a resume
// (with --policy pol, unless pol is "") is refused as a usage mistake
// saying want, and leaves the JSONL and the Markdown byte for byte as
// they were.
func resumeRefused(t *testing.T, pol, want string, before ...func(jsonl string)) {
	t.Helper()
	jl := recordRun(t, t.TempDir(), "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination: {max_messages: 5}\n")
	for _, f := range before {
		f(jl)
	}
	md := strings.TrimSuffix(jl, ".jsonl") + ".md"
	beforeJL, beforeMD := mustRead(t, jl), mustRead(t, md)
	args := []string{"resume", "--no-tui"}
	if pol != "" {
		args = append(args, "--policy", pol)
	}
	code, out, errOut := parley(t, append(args, jl)...)
	if code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("resume: exit %d, stderr %q (stdout %q); want exit %d and %q", code, errOut, out, exitUsage, want)
	}
	if !bytes.Equal(mustRead(t, jl), beforeJL) || !bytes.Equal(mustRead(t, md), beforeMD) {
		t.Errorf("the refused resume changed the recording:\n%s", mustRead(t, jl))
	}
}

// A --policy file replaces the scenario's rules, judge and all: the
// scenario's judge is never asked on the resume, so the key it would need
// is not looked for either. This is how a run its judge stopped goes on
// without it (resume --policy FILE whose rules hold no judge).
func TestAResumeUnderAPolicyFileNeedsNoKeyForTheScenariosJudge(t *testing.T) {
	judge := openaitest.Start(t, openaitest.Queue(openaitest.Words("STOP\nNever asked.")))
	dir := t.TempDir()
	t.Setenv("PARLEY_SCENARIO_JUDGE_KEY", "judge-key-0123456789abcdef")
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\n"+
		"termination:\n  any:\n    - max_messages: 5\n    - judge: {base_url: \""+judge.URL+"\", model: moderator, every: 10, api_key_env: PARLEY_SCENARIO_JUDGE_KEY}\n")
	t.Setenv("PARLEY_SCENARIO_JUDGE_KEY", "")
	pol := writeFile(t, dir, "pol.yaml", "max_messages: 8\n")
	if code, out, errOut := parley(t, "resume", "--no-tui", "--policy", pol, jl); code != exitOK {
		t.Fatalf("resume --policy without a judge, the scenario's judge's key unset: exit %d\n%s%s", code, out, errOut)
	}
	if got, want := saidIn(t, jl), []string{"Hello.", "a1", "b1", "a2", "b2", "a3", "b3", "a4"}; !slices.Equal(got, want) {
		t.Errorf("the resumed recording says %q; want %q", got, want)
	}
	if n := len(judge.Requests()); n != 0 {
		t.Errorf("the scenario's judge was asked %d times; its rules were replaced", n)
	}
}

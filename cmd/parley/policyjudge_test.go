package main

import (
	"bytes"
	"os"
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
	pol := writeFile(t, dir, "more.yaml", "any:\n  - max_messages: 8\n  - judge: {base_url: \""+judge.URL+"\", model: moderator, api_key_env: PARLEY_JUDGE_KEY, every: 2, retries: 2, backoff: 1ms, headers: {X-Token: hush-value}}\n")
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
			if code != exitOK || !strings.Contains(out, "Stopped after message 8 (max_messages)") {
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

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

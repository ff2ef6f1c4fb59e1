package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// parley run --no-tui prints a judge's retries as they happen and, when
// they run out, a line saying the round has no verdict; the run goes on
// to its next rule and ends as usual.
func TestRunPrintsAJudgesRetriesAndOutage(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Queue(
		openaitest.Error(500, "boom"), openaitest.Error(500, "boom"),
		openaitest.Words("STOP: they only trade goodbyes."),
	))
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte(`agents:
  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}
  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}
termination:
  any:
    - max_messages: 20
    - judge: {base_url: "`+srv.URL+`", model: moderator, every: 2, retries: 2, backoff: 1ms, headers: {X-Token: hush-value}}
`), 0o600)
	code, out, errOut := parley(t, "run", "--no-tui", "--out", filepath.Join(dir, "out"), p)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"[judge: 500 Internal Server Error; retrying in",
		"[judge: moderator after message 2: NO VERDICT: the judge could not be asked",
		"Stopped after message 4 (judge): the judge (moderator) judged after message 4 that the conversation is going nowhere: they only trade goodbyes.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not hold %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "hush-value") {
		t.Errorf("a header's value was printed:\n%s%s", out, errOut)
	}
}

// A judge's retry asks its question again; the message it asks about is
// finished and recorded, so nothing is discarded: the printer says no
// text is, and the --json retry line is marked as the judge's, where a
// script reads an agent's retry as discarding its message's delta text.
func TestAJudgesRetryDiscardsNoMessage(t *testing.T) {
	for _, mode := range []string{"--no-tui", "--json"} {
		t.Run(mode, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(
				openaitest.RateLimited("0"),
				openaitest.Words("CONTINUE: they are still trading."),
				openaitest.Words("CONTINUE: they are still trading."),
			))
			dir := t.TempDir()
			p := filepath.Join(dir, "s.yaml")
			os.WriteFile(p, []byte(`agents:
  - {name: A, type: scripted, lines: [a1, a2, a3]}
  - {name: B, type: scripted, lines: [b1, b2, b3]}
termination:
  any:
    - max_messages: 6
    - judge: {base_url: "`+srv.URL+`", model: m, every: 2, retries: 2, backoff: 1ms}
`), 0o600)
			code, out, errOut := parley(t, "run", mode, "--out", filepath.Join(dir, "out"), p)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if mode == "--no-tui" {
				if !strings.Contains(out, "[judge: 429 Too Many Requests; retrying in") {
					t.Fatalf("no judge's retry printed:\n%s", out)
				}
				if strings.Contains(out, "discarded") {
					t.Errorf("a judge's retry said text was discarded:\n%s", out)
				}
				return
			}
			var retries, judges int
			for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
				var ev struct {
					Type    string `json:"type"`
					Index   int    `json:"index"`
					Speaker string `json:"speaker"`
					Judge   bool   `json:"judge"`
				}
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				if ev.Type != "retry" {
					continue
				}
				retries++
				if ev.Speaker == "judge" && ev.Judge && ev.Index == 2 {
					judges++
				}
			}
			if retries != 1 || judges != 1 {
				t.Errorf("%d retry lines, %d of them the judge's after message 2 marked \"judge\": true; want 1 and 1:\n%s", retries, judges, out)
			}
		})
	}
}

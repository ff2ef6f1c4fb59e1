package main

import (
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

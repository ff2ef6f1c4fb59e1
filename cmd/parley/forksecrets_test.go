package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// A fork that hands a seat to another model (fork --agent), of a
// scenario whose secrets its recording hides (a header's value, a URL's
// password), resumes under the seat --agent gave it, with the secrets of
// its scenario file, which it reads again with the --agent values applied
// as the fork applied them; nothing secret is written or printed. So does
// a fork of that fork, and a second resume. A fork whose --agent value
// held a secret of its own, or whose file has changed, is refused.
func TestAForkThatHandedASeatOverResumesWithItsScenarioFilesSecrets(t *testing.T) {
	const pass, header = "PASS-SECRET", "HDR-SECRET"
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words(fmt.Sprintf("%s, turn %d.", r.Body.Model, len(r.Body.Messages)))
	})
	dir := t.TempDir()
	t.Chdir(dir)
	base := strings.Replace(srv.URL, "http://", "http://u:"+pass+"@", 1)
	scenario := filepath.Join(dir, "keyed.yaml")
	os.WriteFile(scenario, []byte(fmt.Sprintf(`title: keyed

# A keeps its key; B is the seat handed over.
agents:
  - {name: A, base_url: %[1]s, model: a, headers: {X-Api-Key: %[2]s}}

  - {name: B, base_url: %[3]s, model: b}

termination: {max_messages: 4}
`, base, header, srv.URL)), 0o600)
	var outputs []string
	code, out, errOut := parley(t, "run", "--no-tui", "--out", "parent", scenario)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	outputs = append(outputs, out, errOut)
	parent, _ := filepath.Glob(filepath.Join(dir, "parent", "*.jsonl"))
	// fork runs parley fork of jsonl after message 3 into dir/out, and
	// returns the fork's JSONL.
	fork := func(jsonl, out string, args ...string) string {
		t.Helper()
		code, stdout, errOut := parley(t, append([]string{"fork", jsonl, "--at", "3", "--no-tui", "--out", filepath.Join(dir, out)}, args...)...)
		outputs = append(outputs, stdout, errOut)
		forks, _ := filepath.Glob(filepath.Join(dir, out, "*.jsonl"))
		if code != exitOK || len(forks) != 1 {
			t.Fatalf("fork: exit %d, wrote %v\n%s%s", code, forks, stdout, errOut)
		}
		return forks[0]
	}
	handed := fork(parent[0], "fork", "--agent", "B={base_url: "+srv.URL+", model: c}")
	// Each fork adds one message, its budget's fourth: it needs a resume.
	resume := func(jsonl string, to int) {
		t.Helper()
		served := len(srv.Requests())
		code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", fmt.Sprint(to), jsonl)
		outputs = append(outputs, out, errOut)
		if code != exitOK {
			t.Fatalf("resume %s: exit %d\n%s%s", filepath.Base(jsonl), code, out, errOut)
		}
		tr, err := transcripts.Read(jsonl)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Messages) != to {
			t.Errorf("resumed to %d messages, want %d", len(tr.Messages), to)
		}
		for _, m := range tr.Messages[3:] {
			if m.Speaker == "B" {
				t.Errorf("message by %q after the fork point: the seat handed over is c's", m.Speaker)
			}
		}
		sent := srv.Requests()[served:]
		if len(sent) == 0 {
			t.Fatalf("the resume sent no request")
		}
		for _, r := range sent {
			switch r.Body.Model {
			case "a", "a2":
				user, pw, _ := (&http.Request{Header: r.Header}).BasicAuth()
				if r.Header.Get("X-Api-Key") != header || user != "u" || pw != pass {
					t.Errorf("%s was asked with X-Api-Key %q and %q:%q; want the scenario's credentials", r.Body.Model, r.Header.Get("X-Api-Key"), user, pw)
				}
			case "c":
			default:
				t.Errorf("the resume asked model %q; want the seats --agent gave", r.Body.Model)
			}
		}
	}
	resume(handed, 6)
	resume(handed, 8)
	// A fork of the fork that hands its other seat over too, keeping
	// that seat's address and key, resumes with them.
	again := fork(handed, "again", "--agent", "A={model: a2}")
	resume(again, 6)
	// A fork whose --agent value held a secret of its own, which no
	// recording keeps, is refused, and said how to go on; its files are
	// left as they were.
	keyed := fork(parent[0], "keyed", "--agent", "B={base_url: "+srv.URL+", model: c, headers: {X-Api-Key: "+header+"}}")
	before, _ := os.ReadFile(keyed)
	code, out, errOut = parley(t, "resume", "--no-tui", "--max-messages", "6", keyed)
	outputs = append(outputs, out, errOut)
	if want := "a fork handed a seat over with fork --agent 'B={base_url: " + srv.URL + ", model: c, headers: {X-Api-Key: [redacted]}}', which held a secret no recording keeps, so the scenario cannot be read again; save it"; code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("resume of a fork whose --agent held a secret: exit %d, want %d and %q\n%s%s", code, exitUsage, want, out, errOut)
	}
	if after, _ := os.ReadFile(keyed); string(after) != string(before) {
		t.Errorf("the refused resume changed %s", keyed)
	}
	// A scenario file edited since refuses the resume: the fork is not
	// run under the file's seats, nor under the edit.
	written, _ := os.ReadFile(scenario)
	os.WriteFile(scenario, []byte(strings.Replace(string(written), "model: a,", "model: z,", 1)), 0o600)
	code, out, errOut = parley(t, "resume", "--no-tui", "--max-messages", "10", handed)
	outputs = append(outputs, out, errOut)
	if want := scenario + " has changed since " + handed + " was recorded, which keeps it with its secrets hidden and with the seat fork --agent 'B={base_url: " + srv.URL + ", model: c}' handed over;"; code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("resume under an edited scenario: exit %d, want %d and %q\n%s%s", code, exitUsage, want, out, errOut)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != scenario {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, s := range []string{pass, header} {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds %q", f, s)
			}
		}
	}
	for i, o := range outputs {
		for _, s := range []string{pass, header} {
			if strings.Contains(o, s) {
				t.Errorf("output %d holds %q", i, s)
			}
		}
	}
}

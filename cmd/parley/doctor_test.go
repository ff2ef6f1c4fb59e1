package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/doctor"
)

func TestDoctorSaysOneSentencePerAgent(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("tokens were spent") })
	srv.Models, srv.Key = []string{"llama3.2:1b", "qwen2.5"}, "sk-doctor"
	t.Setenv("DOCTOR_KEY", "sk-doctor")
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, base_url: "+srv.URL+", api_key_env: DOCTOR_KEY, model: qwen2.5}\n"+
		"  - {name: B, base_url: "+srv.URL+", api_key_env: DOCTOR_KEY, model: llama3.2}\n"), 0o600)
	code, out, errOut := parley(t, "doctor", p)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
	}
	want := "✓ agent \"A\": ok: " + srv.URL + " accepts the key in DOCTOR_KEY and serves qwen2.5\n" +
		"✗ agent \"B\": " + srv.URL + " does not serve model \"llama3.2\"; did you mean \"llama3.2:1b\"?\n"
	if out != want {
		t.Errorf("doctor printed\n%s\nwant\n%s", out, want)
	}
	if !strings.Contains(errOut, "1 of 2 agents would fail; fix it before running") {
		t.Errorf("stderr %q", errOut)
	}
	code, out, _ = parley(t, "doctor", "--json", p, "--set", "agents[B].model=llama3.2:1b")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var f doctor.Finding
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if err := json.Unmarshal([]byte(line), &f); err != nil || f.Status != doctor.OK {
			t.Errorf("%q: %v", line, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("doctor sent %s %s: it must spend no tokens", r.Method, r.Path)
		}
	}
	if strings.Contains(out+errOut, "sk-doctor") {
		t.Error("the key was printed")
	}
}

// --ask-timeout sets how long doctor waits for --ask's one-token request,
// which is 30s without it; a value that is no wait above zero, or the
// flag without --ask, which it would not bound, is refused in a sentence
// that names the flag.
func TestDoctorAskTimeout(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Pieces: []string{"OK"}, Fault: openaitest.Stall}
	})
	srv.Models = []string{"m"}
	p := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, base_url: "+srv.URL+", model: m}\n  - {name: B, type: scripted, lines: [hi]}\n"), 0o600)
	cases := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"a stall past the wait given", []string{"--ask", "--ask-timeout", "700ms"}, exitOK,
			`! agent "A": ` + srv.URL + ` had not finished a one-token request after 700ms, the longest doctor waits;`, ""},
		{"the flag written with =", []string{"--ask", "--ask-timeout=1s"}, exitOK,
			"after 1s, the longest doctor waits;", ""},
		{"not a duration", []string{"--ask", "--ask-timeout", "soon"}, exitUsage,
			"", `--ask-timeout "soon" is not a time to wait such as 30s or 2m`},
		{"a number without its unit", []string{"--ask", "--ask-timeout", "30"}, exitUsage,
			"", `--ask-timeout "30" is not a time to wait such as 30s or 2m`},
		{"zero", []string{"--ask", "--ask-timeout", "0s"}, exitUsage,
			"", `--ask-timeout "0s" is not a time to wait such as 30s or 2m: it must be above zero`},
		{"below zero", []string{"--ask", "--ask-timeout", "-5s"}, exitUsage,
			"", `--ask-timeout "-5s" is not a time to wait such as 30s or 2m: it must be above zero`},
		{"without --ask", []string{"--ask-timeout", "5s"}, exitUsage,
			"", "--ask-timeout bounds the one-token request --ask sends; give --ask with it, or leave --ask-timeout out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := parley(t, append([]string{"doctor", p}, c.args...)...)
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("doctor took %s", took)
			}
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr", code, out, errOut, c.code, c.out, c.err)
			}
		})
	}
	// The help names the flag and its default.
	_, out, _ := parley(t, "doctor", "--help")
	if !strings.Contains(out, "--ask-timeout DURATION") || !strings.Contains(out, `(default "30s")`) {
		t.Errorf("doctor --help does not give --ask-timeout and its default:\n%s", out)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

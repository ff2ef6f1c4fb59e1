package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents/openaitest"
)

// A provider whose error text holds escape sequences, a bell, a C1 CSI
// and a carriage return: summary.md, report.md and report.html quote it
// without them (cat in a terminal must not retitle the window or clear
// the screen; HTML allows none), while the transcripts, summary.json and
// report.json keep it as the provider sent it.
func TestWrittenViewsQuoteAProvidersErrorWithoutControlCharacters(t *testing.T) {
	const body = "down\x1b]0;retitled\x07 \u009b2J\rfor now"
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if r.Body.Model == "qwen2.5" {
			return openaitest.Error(http.StatusBadRequest, body)
		}
		return signOff(r)
	})
	dir := filepath.Join(t.TempDir(), "b")
	code, out, errOut := parley(t, "batch", "../../configs/ollama-pair.yaml", "-n", "1", "--out", dir, "--plain",
		"--vary", "agents[0].base_url="+srv.URL, "--vary", "agents[1].base_url="+srv.URL)
	if code != exitFailure {
		t.Fatalf("batch: exit %d; want 1\n%s%s", code, out, errOut)
	}
	jsonls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(jsonls) != 1 {
		t.Fatalf("recorded %v", jsonls)
	}
	recorded, err := os.ReadFile(jsonls[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(recorded), `down\u001b]0;retitled\u0007`) {
		t.Fatalf("the transcript does not keep the provider's error as sent:\n%s", recorded)
	}
	reportDir := filepath.Join(t.TempDir(), "report")
	if code, out, errOut := parley(t, "report", dir, "--out", reportDir); code != exitOK {
		t.Fatalf("report: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{filepath.Join(dir, "summary.md"), filepath.Join(reportDir, "report.md"), filepath.Join(reportDir, "report.html")} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range string(data) {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
				t.Errorf("%s holds the control character %U", filepath.Base(f), r)
				break
			}
		}
		if !strings.Contains(string(data), "0;retitled") {
			t.Errorf("%s does not quote the provider's error:\n%s", filepath.Base(f), data)
		}
	}
	for _, f := range []string{filepath.Join(dir, "summary.json"), filepath.Join(reportDir, "report.json")} {
		if data, _ := os.ReadFile(f); !strings.Contains(string(data), `down\u001b]0;retitled\u0007`) {
			t.Errorf("%s does not keep the provider's error as sent:\n%s", filepath.Base(f), data)
		}
	}
	if again, _ := os.ReadFile(jsonls[0]); string(again) != string(recorded) {
		t.Error("the transcript changed")
	}
}

// A file a command skips is named on standard error, and a file's name can
// hold bytes a terminal acts on: report and train drop them there, as
// check does, on any terminal, TERM=dumb among them.
func TestASkippedFileIsNamedOnATerminalWithoutControlSequences(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "in")
	os.Mkdir(folder, 0o700)
	os.WriteFile(filepath.Join(folder, "bad\x1b]0;PWNED\x07name.md"), []byte("just some text\n"), 0o600)
	seed, err := os.ReadFile("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(folder, "seed.md"), seed, 0o600)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"check", []string{"check", folder}},
		{"report", []string{"report", folder, "--out", filepath.Join(dir, "report")}},
		{"train", []string{"train", folder, "--out", filepath.Join(dir, "model")}},
	} {
		for _, term := range []string{"xterm", "dumb"} {
			t.Run(c.name+", TERM="+term, func(t *testing.T) {
				t.Setenv("TERM", term)
				shown, _, _ := runOnTerminal(t, true, c.args...)
				if b := actedOn(shown); b != "" {
					t.Fatalf("the terminal was sent %q:\n%q", b, shown)
				}
				if !strings.Contains(shown, "bad]0;PWNEDname.md: skipped") {
					t.Fatalf("the skipped file is not named without its control bytes:\n%q", shown)
				}
			})
		}
	}
}

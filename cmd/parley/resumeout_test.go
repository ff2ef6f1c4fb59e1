package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resume continues a recording in its own files: it does not list
// --out, and refuses it in a sentence naming the fork that continues the
// recording elsewhere, where it ignored it; the recording is left as it
// was, and nothing is written where --out pointed.
func TestResumeRefusesOutAndNamesTheFork(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination:\n  max_messages: 3\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d %s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	md := strings.TrimSuffix(jls[0], ".jsonl") + ".md"
	beforeJSONL, _ := os.ReadFile(jls[0])
	beforeMD, _ := os.ReadFile(md)
	other := filepath.Join(dir, "elsewhere")

	code, _, errOut := parley(t, "resume", "--no-tui", "--max-messages", "5", "--out", other, jls[0])
	want := "resume continues " + jls[0] + " in its own files, in the folder they are in, and takes no --out; to continue it as a new transcript in another folder, fork it: parley fork " + jls[0] + " --at 3 --out " + other
	if code != exitUsage || !strings.Contains(errOut, want) {
		t.Errorf("resume --out: exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, want)
	}
	if after, _ := os.ReadFile(jls[0]); !bytes.Equal(after, beforeJSONL) {
		t.Error("the refused resume changed the JSONL")
	}
	if after, _ := os.ReadFile(md); !bytes.Equal(after, beforeMD) {
		t.Error("the refused resume changed the Markdown")
	}
	if _, err := os.Stat(other); err == nil {
		t.Errorf("the refused resume made %s", other)
	}

	for _, c := range []struct {
		cmd    string
		listed bool
	}{
		{"resume", false},
		{"fork", true},
		{"run", true},
	} {
		_, help, _ := parley(t, c.cmd, "--help")
		if got := strings.Contains(help, "--out"); got != c.listed {
			t.Errorf("%s --help lists --out: %v; want %v\n%s", c.cmd, got, c.listed, help)
		}
	}
}

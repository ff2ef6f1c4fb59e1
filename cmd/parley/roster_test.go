package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvertTheTournamentConfigAndListItsConversations(t *testing.T) {
	config := "../../../shared/seed/attractors-config.json"
	if _, err := os.Stat(config); err != nil {
		config = "../../configs/testdata/attractors-config.json" // a copy of it
	}
	roster := filepath.Join(t.TempDir(), "roster.yaml")
	code, out, errOut := parley(t, "convert", config, roster)
	if code != exitOK || !strings.Contains(out, "8 models, 56 ordered pairs × 2 runs") {
		t.Fatalf("convert: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := parley(t, "validate", roster); code != exitOK {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = parley(t, "batch", roster, "--dry-run")
	if code != exitOK {
		t.Fatalf("batch --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 112 || lines[0] != "Kimi K2 ↔ 4o, run 1" || lines[111] != "deepseek 3.1 ↔ gemini-2.5-flash, run 2" {
		t.Fatalf("%d lines, first %q, last %q; want 112 from Kimi K2 ↔ 4o, run 1", len(lines), lines[0], lines[len(lines)-1])
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			t.Errorf("%q is listed twice", l)
		}
		seen[l] = true
	}
	if _, err := os.Stat("conversations"); err == nil { // output.dir, relative to where batch runs
		t.Error("--dry-run created the batch folder")
	}
	if code, _, errOut := parley(t, "convert", config, roster); code != exitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("converting over an existing file: exit %d, %s", code, errOut)
	}
	if code, _, errOut := parley(t, "run", roster, "--no-tui"); code != exitUsage || !strings.Contains(errOut, "stage its pairs with parley batch") {
		t.Errorf("run of a roster: exit %d, %s; want a sentence pointing at batch", code, errOut)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README quotes what `parley report` finds on the corpus's
// attractors/; those figures must be what report prints today, so a change
// to the rules or the report that moves them moves the README too.
func TestREADMEQuotesTheReportOnTheCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir, "attractors")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the labelled corpus is not at %s; the README's report figures are checked where it is", corpusDir)
	}
	out := filepath.Join(t.TempDir(), "r")
	if code, _, errOut := parley(t, "report", "--out", out, dir); code != 0 {
		t.Fatalf("report exited %d: %s", code, errOut)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	find := func(pattern string) []string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(string(md))
		if m == nil {
			t.Fatalf("report.md holds nothing like %q:\n%s", pattern, md)
		}
		return m
	}
	median := find(`Median messages of substance: ([0-9.]+)\.`)[1]
	after := find(`messages \(([0-9]+)%\) came after the substance ended`)[1]
	echoes := find(`\| \[END\] echo \| ([0-9]+) \|`)[1]
	find(`\| State \|[^\n]*\n\|[^\n]*\n\| \[END\] echo \|`) // the most common end
	grok := find(`\| grok-4 \| ([0-9]+) \|[^|\n]*\|[^|\n]*\| ([0-9]+) of [0-9]+ \|`)
	qwen := find(`\| qwen3-next \| ([0-9]+) \|[^|\n]*\|[^|\n]*\|[^|\n]*\| ([0-9]+) of [0-9]+ \|`)
	if qwen[1] != qwen[2] {
		t.Fatalf("qwen3-next signs off first in %s of its %s conversations; the README says all", qwen[2], qwen[1])
	}
	want := fmt.Sprintf("the default set finds a median of %s messages of substance, %s%% of all messages after the stop, and [END] echoes as the most common end (%s of 48); grok-4 refuses first in %s of its %s conversations and qwen3-next signs off first in all %s of its own",
		median, after, echoes, grok[2], grok[1], qwen[1])
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("the README's figures for the report on attractors/ are not what report prints; write:\n%s", want)
	}
}

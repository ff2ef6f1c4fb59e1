package transcripts

import (
	"strings"
	"testing"
)

// The readers' hot helpers take shortcuts past the standard library. Each
// test here holds one to the plain behaviour it stands for, on the lines
// where a shortcut could go wrong.

// lineEnds are lines that end, or almost end, in a rule's trailing space.
var lineEnds = []string{
	"", " ", "\t", "\r", " \t\r", "\r\r", "-", "--", "---", "----", "--- ",
	"---\t", "---\r", "--- \t \r", "---x", "--- x", " ---", "\t---", "-- -",
	"-- ", "---\n", "---\u00a0", "--—", "\\---", "\\--- \r", "\\\\---",
	"### A", "### A \r", "### A (interrupted)\t", "é \t", "x\r\n", "\x00 ",
}

func TestTrimLineEndIsTrimRight(t *testing.T) {
	for _, l := range lineEnds {
		if got, want := trimLineEnd(l), strings.TrimRight(l, " \t\r"); got != want {
			t.Errorf("trimLineEnd(%q) = %q, want %q", l, got, want)
		}
	}
}

func TestIsRuleIsTrimmedDashes(t *testing.T) {
	for _, l := range lineEnds {
		if got, want := isRule(l), strings.TrimRight(l, " \t\r") == "---"; got != want {
			t.Errorf("isRule(%q) = %v, want %v", l, got, want)
		}
	}
}

func FuzzIsRule(f *testing.F) {
	for _, l := range lineEnds {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if got, want := trimLineEnd(l), strings.TrimRight(l, " \t\r"); got != want {
			t.Errorf("trimLineEnd(%q) = %q, want %q", l, got, want)
		}
		if got, want := isRule(l), strings.TrimRight(l, " \t\r") == "---"; got != want {
			t.Errorf("isRule(%q) = %v, want %v", l, got, want)
		}
	})
}

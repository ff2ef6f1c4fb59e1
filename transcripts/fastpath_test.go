package transcripts

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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

// plainUntitledSpeakers is untitledSpeakers as it reads without stopping
// early: every heading after a rule counted first.
func plainUntitledSpeakers(titled map[string]bool, lines []string) map[string]bool {
	heads := ruleHeadings(lines)
	missing, most := 0, 0
	for name := range titled {
		if heads[name] == 0 {
			missing++
		}
		most = max(most, heads[name])
	}
	var others []string
	for name, n := range heads {
		if !titled[name] && n >= 2 && 2*n >= most {
			others = append(others, name)
		}
	}
	slices.SortFunc(others, func(a, b string) int { return cmp.Or(heads[b]-heads[a], strings.Compare(a, b)) })
	out := map[string]bool{}
	for _, name := range others[:min(missing, len(others))] {
		out[name] = true
	}
	return out
}

// blocks lays out a body of "---"-separated blocks headed by names.
func blocks(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "### %s\n\ntext of %s\n\n---\n\n", n, n)
	}
	return b.String()
}

func TestUntitledSpeakersStopsWhereCountingAllAgrees(t *testing.T) {
	for _, c := range []struct {
		name, title, body string
	}{
		{"both named", "A ↔ B", blocks("A", "B", "A", "B", "Notes", "Notes", "Notes", "A")},
		{"one named otherwise", "GPT ↔ B", blocks("GPT-4o", "B", "GPT-4o", "B", "GPT-4o")},
		{"both named otherwise", "GPT ↔ Claude", blocks("GPT-4o", "Opus", "GPT-4o", "Opus", "Notes")},
		{"named late", "A ↔ B", blocks("X", "X", "X", "A", "X", "B")},
		{"a moderator in the title", "A ↔ Moderator", blocks("A", "Moderator", "A", "C", "C")},
		{"a name heading only the first block", "A ↔ B", "### A\n\nhi\n\n---\n\n" + blocks("B", "C", "B", "C")},
		{"no blocks", "A ↔ B", "### A\n\nhi\n"},
		{"marks and space", "A ↔ B", blocks("A (interrupted)", "B \t", "A", "B (injected)")},
		{"three named", "A ↔ B ↔ C", blocks("A", "B", "A", "B", "D", "D", "D")},
	} {
		lines := strings.Split(c.body, "\n")
		titled := titleSpeakers(c.title)
		if got, want := untitledSpeakers(titled, lines), plainUntitledSpeakers(titled, lines); !maps.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("%s: untitledSpeakers = %v, counting every heading gives %v", c.name, got, want)
		}
	}
}

func TestUntitledSpeakersOfTheCorpus(t *testing.T) {
	files, _ := corpusFiles(t, "attractors", "backrooms")
	if len(files) == 0 {
		t.Skip("../shared/corpus is absent")
	}
	for _, f := range files {
		lines := strings.Split(string(f.data), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ") {
			continue
		}
		titled := titleSpeakers(strings.TrimSuffix(lines[0][2:], "\r"))
		if got, want := untitledSpeakers(titled, lines), plainUntitledSpeakers(titled, lines); !maps.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("%s: untitledSpeakers = %v, counting every heading gives %v", f.name, got, want)
		}
	}
}

// plainJoinContent is joinContent without its search for "\---": each
// line looked at, and the lines joined anew.
func plainJoinContent(lines []string) string {
	out := slices.Clone(lines)
	for k, l := range out {
		if strings.HasPrefix(l, `\`) && isSeparatorLike(l) && headingFollows(lines, k+1) {
			out[k] = l[1:]
		}
	}
	return strings.Join(out, "\n")
}

func TestJoinContentSkipsOnlyMessagesWithNoEscapedRule(t *testing.T) {
	for _, body := range []string{
		"plain text\nof two lines",
		"a rule\n---\n### Heading",
		`an escaped rule` + "\n\\---\n\n### B",
		`escaped twice` + "\n\\\\---\n### B",
		`escaped, space after` + "\n\\--- \t\r\n### B",
		`escaped, no heading after` + "\n\\---\ntext",
		`escaped, at the end` + "\n\\---",
		`inside a line: a\---b` + "\n### B",
		`after space` + "\n \\---\n### B",
		"\\---\n### B\n\\---\n### C",
		"\\----\n### B",
		"\\-- -\n### B",
		"",
	} {
		lines := strings.Split(body, "\n")
		lb := splitLines(body)
		got := joinContent(body, lb.lines, lb.starts, 0, len(lb.lines))
		lb.release()
		if want := plainJoinContent(lines); got != want {
			t.Errorf("joinContent(%q) = %q, want %q", body, got, want)
		}
	}
}

// plainNextHashes is the start of the first line after the line end at
// end that starts with "###", as a search for "\n###" finds it.
func plainNextHashes(s string, end int) int {
	if end > len(s) {
		return -1
	}
	i := strings.Index(s[end:], "\n###")
	if i < 0 {
		return -1
	}
	return end + i + 1
}

// hashTexts are texts where "###" stands at, inside and across lines.
var hashTexts = []string{
	"", "\n", "###", "\n###", "a\n###", "a ### b\n### B ###\n",
	"#\n##\n###", "####\n#####", "x###\n###", "\n\n###\n###", "## #\n# ##\n###x",
	"### A ###\nhi ###\n### B ###\nyo\n", "a\r\n### A ###\r\n", "###\n", "a\n##", "a\n#\n#",
}

func TestNextHashesIsASearchForALineOfHashes(t *testing.T) {
	for _, s := range hashTexts {
		for end := 0; end <= len(s); end++ {
			if end < len(s) && s[end] != '\n' {
				continue // headedHeadings asks only after a line end, or at the end
			}
			if got, want := nextHashes(s, end+1), plainNextHashes(s, end); got != want {
				t.Errorf("nextHashes(%q, %d) = %d, want %d", s, end+1, got, want)
			}
		}
	}
}

func FuzzNextHashes(f *testing.F) {
	for _, s := range hashTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for end := 0; end <= len(s); end++ {
			if end < len(s) && s[end] != '\n' {
				continue
			}
			if got, want := nextHashes(s, end+1), plainNextHashes(s, end); got != want {
				t.Errorf("nextHashes(%q, %d) = %d, want %d", s, end+1, got, want)
			}
		}
	})
}

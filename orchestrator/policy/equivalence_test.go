package policy

import (
	"strings"
	"testing"
)

// isRefusalUnfiltered is IsRefusal for the built-in patterns without the
// prefilter: every pattern is searched for around each of its words.
func isRefusalUnfiltered(content string) bool {
	head, tail := content, ""
	if len(content) > 2*refusalScan {
		head = clipRunes(content[:refusalScan], false)
		tail = clipRunes(content[len(content)-refusalScan:], true)
	}
	for _, part := range []string{head, tail} {
		low := lowerASCII(normalizeQuotes(part))
		for i, re := range builtinRefusal {
			if matchNear(re, low, refusalWords[i]) {
				return true
			}
		}
	}
	return false
}

var refusalSamples = []string{
	"I'm sorry, but I can't help with that.",
	"I’M SORRY, BUT I CAN’T CONTINUE.",
	"i am truly sorry, but no",
	"I CANNOT assist with this.",
	"I won’t roleplay that.",
	"I will not go along with it",
	"I must respectfully DECLINE.",
	"I have to stop here.",
	"I need to end this conversation now.",
	"That is Against my guidelines.",
	"This violates the content policy.",
	"As an AI, I can't.",
	"I'm not comfortable with continuing.",
	"I am not going to do this",
	"Unable to help with that, sorry.",
	"Sorry for the delay! Here's the summary.",
	"We can not only index, but also cache.",
	"The outside temperature conflicts with the forecast.",
	"Help with indexing: first, open the file.",
	"café — naïve 😊 绿茶",
	"",
	"abc",
}

// The prefilter rules out only text in which no built-in pattern can
// match: IsRefusal agrees with searching for every pattern's words.
func TestRefusalPrefilterKeepsEveryMatch(t *testing.T) {
	r := &Refusal{Builtin: true}
	for _, s := range refusalSamples {
		for _, v := range []string{s, strings.ToUpper(s), strings.Repeat("filler words here. ", 40) + s, s + strings.Repeat(" and more filler", 50)} {
			if got, want := r.IsRefusal(v), isRefusalUnfiltered(v); got != want {
				t.Errorf("IsRefusal(%q) = %v, unfiltered %v", v[:min(len(v), 70)], got, want)
			}
		}
	}
	// Each word a pattern needs, however it is cased or quoted, marks the
	// pattern as a candidate.
	for i, words := range refusalWords {
		for _, w := range words {
			for _, v := range []string{w, strings.ToUpper(w), "x " + strings.ReplaceAll(w, "'", "’") + " y"} {
				if refusalCandidates(v)&(1<<i) == 0 {
					t.Errorf("%q does not mark pattern %d (%s)", v, i, RefusalPatterns[i])
				}
			}
		}
	}
	if c := refusalCandidates("The weather is fine today; we walked by the river."); c != 0 {
		t.Errorf("plain prose marks patterns %08b", c)
	}
}

func FuzzRefusalPrefilter(f *testing.F) {
	for _, s := range refusalSamples {
		f.Add(s)
	}
	r := &Refusal{Builtin: true}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := r.IsRefusal(s), isRefusalUnfiltered(s); got != want {
			t.Fatalf("IsRefusal(%q) = %v, unfiltered %v", s, got, want)
		}
	})
}

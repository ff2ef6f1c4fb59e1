package policy

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/transcripts"
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

// termsFNV is how terms were read before ASCII text was split eight bytes
// at a time: byte by byte. It is kept to show that terms gives exactly the
// same hashes, so no similarity estimate and no verdict changes.
func termsFNV(dst []uint64, text string) []uint64 {
	var (
		h      uint64 = fnvOffset
		inWord bool
		prev   rune = -1 // the last character of a spaceless run, or -1
		single bool      // the run so far is one character, kept as a term
	)
	flush := func() {
		if inWord {
			dst = append(dst, mix(h))
			h, inWord = fnvOffset, false
		}
		prev, single = -1, false
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				flush()
				if c > ' ' && !isASCIIPunct(c) {
					dst = append(dst, mix(uint64(c)+1))
				}
				continue
			}
			if prev >= 0 {
				flush()
			}
			h = (h ^ uint64(c)) * fnvPrime
			inWord = true
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case 0x2000 <= r && r <= 0x206f: // general punctuation: dashes, quotes, spaces
			flush()
		case spaceless(r):
			if inWord {
				flush()
			}
			switch {
			case prev < 0:
				dst = append(dst, runeBigram(-2, r))
				single = true
			case single:
				// A run of two or more characters is read as its bigrams only.
				dst[len(dst)-1] = runeBigram(prev, r)
				single = false
			default:
				dst = append(dst, runeBigram(prev, r))
			}
			prev = r
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if prev >= 0 {
				flush()
			}
			h = addRune(h, unicode.ToLower(r))
			inWord = true
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			flush()
		default: // symbols such as emoji
			flush()
			dst = append(dst, mix(addRune(fnvOffset^0x5bd1e995, r)))
		}
	}
	flush()
	return dst
}

var termSamples = []string{
	"", "a", "Hello, World!", "Take care! You too :) [END]", "x\x7fy", "tab\tsep\nnew-line_under",
	"ABCDEFGH abcdefgh ABCDEFGHI abcdefghi 0123456789 Supercalifragilisticexpialidocious",
	"café CAFÉ naïve façade ÉLAN straße ΣΑΣ ǅemal",
	"abc绿茶def 绿茶红茶 茶 日本語のテキストです ไทยภาษา 한국어 텍스트",
	"I’m “quoted” — dash… emoji 👋🚀😊 ✓ ™ © x\u0301y\u200bz",
	"mixedÜMLAUTword1234X ЖЖЖ Привет,мир",
	"\xff\xfe broken \xe2\x80 utf8 ok",
	"Turn 3 of run 7. **Bold** `code` <tag> a/b c.d e,f g;h",
}

// terms gives exactly the hashes the byte-by-byte reading gave.
func TestTermsAsBefore(t *testing.T) {
	all := strings.Join(termSamples, " ")
	for _, s := range append(termSamples, all, strings.ToUpper(all), strings.Repeat(all, 3)) {
		if got, want := terms(nil, s), termsFNV(nil, s); !slices.Equal(got, want) {
			t.Errorf("terms(%q) = %x, before %x", s, got, want)
		}
	}
	// Distinct words hash apart; a word and its capitals do not.
	seen := map[uint64]string{}
	for _, w := range strings.Fields("a b ab ba abc abcdefg abcdefgh abcdefghi abcdefghij abcdefghijklmnop abcdefghijklmnopq 1 12 a1 1a é ée éé caféx") {
		ts := terms(nil, w)
		if len(ts) != 1 {
			t.Fatalf("%q gives %d terms", w, len(ts))
		}
		if other, dup := seen[ts[0]]; dup {
			t.Errorf("%q and %q hash alike", w, other)
		}
		seen[ts[0]] = w
		if up := terms(nil, strings.ToUpper(w)); len(up) != 1 || up[0] != ts[0] {
			t.Errorf("%q and its capitals differ", w)
		}
	}
}

func FuzzTermsAsBefore(f *testing.F) {
	for _, s := range termSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := terms(nil, s), termsFNV(nil, s); !slices.Equal(got, want) {
			t.Fatalf("terms(%q) = %x, before %x", s, got, want)
		}
	})
}

func isASCIIPunct(c byte) bool {
	switch {
	case c >= '!' && c <= '/', c >= ':' && c <= '@', c >= '[' && c <= '`', c >= '{' && c <= '~':
		return true
	}
	return false
}

// BenchmarkTerms compares splitting text into terms now and byte by byte,
// over the seed's messages, in one run.
//
//	go test ./orchestrator/policy -run XXX -bench BenchmarkTerms
func BenchmarkTerms(b *testing.B) {
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, m := range seed.Messages {
		size += len(m.Content)
	}
	for _, c := range []struct {
		name  string
		split func([]uint64, string) []uint64
	}{{"now", terms}, {"bytewise", termsFNV}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			var buf []uint64
			for b.Loop() {
				for _, m := range seed.Messages {
					buf = c.split(buf[:0], m.Content)
				}
			}
		})
	}
}

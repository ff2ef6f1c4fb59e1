package policy

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// RefusalPatterns are the built-in refusal patterns, matched without
// regard to case. They describe how assistants decline in general ("I'm
// sorry, but I can't…", "I must decline…", "against my guidelines"), not
// the wording of any one recording. Users add their own with patterns:.
// Hedges that share a refusal's words are not refusals: "I can't help
// but smile", "I can't help it", "As an AI, I don't have feelings, but…",
// "As an AI, I cannot overstate…"; a model that writes one in every
// message is not refusing.
var RefusalPatterns = []string{
	`\b(i'?m|i am) (very |so |truly |really )?sorry,? but\b`,
	`\bi (cannot|can't|can not|won't|will not|am unable to|'?m unable to|am not able to|'?m not able to) (help($|[^a-z' ]| (with|you|here|further|on|in|anyone|anybody)\b)|assist|comply|continue|engage|participate|provide|fulfil|fulfill|support|do that|go along|take part|write|generate|create|roleplay|role-play|pretend)`,
	`\bi (must|have to|need to|will have to) (respectfully |politely |kindly )?(decline|refuse|stop here|end (this|the) conversation)`,
	`\b(against|violates?|outside|conflicts? with) (my|the) (safety |content |usage )?(guidelines|instructions|policies|policy|principles|rules)`,
	`\bas an ai( language model| assistant)?,? i (cannot|can't|am not able to|'?m not able to)(\s*[.!]|\s*$| ([a-z]+ )?(help|assist|comply|continue|engage|participate|provide|fulfil|fulfill|support|do (that|this)|go along|take part|write|generate|create|roleplay|role-play|pretend|share|give)\b)`,
	`\bi('?m| am) not (comfortable|able|going|willing) (with|to) (continu|engag|participat|help|do|this|that|role)`,
	`\b(can't|cannot|won't|will not|unable to) (assist|help) with (that|this)\b`,
}

// refusalScan is how much of a message's start and end is searched for a
// refusal. Refusals are said up front or at the close; bounding the scan
// keeps the policy cheap on long answers.
const refusalScan = 300

// refusalWords holds, for each built-in pattern, the words one of which it
// cannot match without. A pattern is only tried around an occurrence of
// one of its words, so most text is ruled out by a fast substring search
// before any regular expression runs.
var refusalWords = [][]string{
	{"sorry"},
	{"cannot", "can't", "can not", "won't", "will not", "unable", "not able"},
	{"decline", "refuse", "stop here", "end this conversation", "end the conversation"},
	{"against", "violat", "outside", "conflict"},
	{"as an ai"},
	{"not comfortable", "not able", "not going", "not willing"},
	{"assist with", "help with"},
}

// builtinRefusal holds the built-in patterns, each compiled on first use
// (builtinPattern): most messages rule every pattern out before any
// regular expression runs, and a command that judges no message, such as
// parley --version, should not pay for compiling them at start-up.
var builtinRefusal = make([]struct {
	once sync.Once
	re   *regexp.Regexp
}, len(RefusalPatterns))

// builtinPattern is built-in pattern i, compiled. The patterns are matched
// against text lowercased beforehand, which is cheaper than matching
// without regard to case.
func builtinPattern(i int) *regexp.Regexp {
	b := &builtinRefusal[i]
	b.once.Do(func() { b.re = regexp.MustCompile(RefusalPatterns[i]) })
	return b.re
}

// refusalWord is one of refusalWords and the pattern that needs it.
type refusalWord struct {
	word    string
	pattern int
}

// refusalPrefixes maps the first four bytes of each of refusalWords, with
// the 0x20 bit set in every byte, to those words. A typographic apostrophe
// starts with the byte 0xe2, so "can’t" and "won’t" have prefixes of their
// own.
var refusalPrefixes = func() map[uint32][]refusalWord {
	out := map[uint32][]refusalWord{}
	for i, words := range refusalWords {
		for _, w := range words {
			variants := []string{w}
			if strings.Contains(w, "'") {
				variants = append(variants, strings.ReplaceAll(w, "'", "’"))
			}
			for _, v := range variants {
				if len(v) < 4 {
					panic("policy: refusal word " + w + " is shorter than four bytes")
				}
				out[prefix4(v)] = append(out[prefix4(v)], refusalWord{w, i})
			}
		}
	}
	if len(refusalWords) > 8 {
		panic("policy: more refusal patterns than refusalCandidates has bits for")
	}
	return out
}()

// refusalFilter is a 4096-bit Bloom filter over refusalPrefixes, so most
// places in a text are ruled out by one multiply and one bit test.
var refusalFilter = func() (f [64]uint64) {
	for k := range refusalPrefixes {
		h := filterSlot(k)
		f[h>>6] |= 1 << (h & 63)
	}
	return
}()

func prefix4(s string) uint32 {
	return (uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24) | 0x20202020
}

func filterSlot(k uint32) uint32 { return (k * 0x9e3779b1) >> 20 }

// refusalCandidates returns a bit for each built-in pattern one of whose
// words occurs in text once typographic apostrophes are made ASCII and
// ASCII letters lowercased, as matchNear sees it, so matchNear runs only
// for patterns that may match. Most places are ruled out by their first
// four bytes (setting the 0x20 bit lowercases letters and leaves the
// words' spaces and apostrophes as they are); the rest are compared in full.
func refusalCandidates(text string) uint8 {
	var cand uint8
	try := func(i int, k uint32) {
		if h := filterSlot(k); refusalFilter[h>>6]&(1<<(h&63)) != 0 {
			for _, w := range refusalPrefixes[k] {
				if cand&(1<<w.pattern) == 0 && foldedWordAt(text[i:], w.word) {
					cand |= 1 << w.pattern
				}
			}
		}
	}
	i := 0
	// Four places from each eight bytes read.
	for ; i+8 <= len(text); i += 4 {
		v := load64(text, i) | 0x2020202020202020
		try(i, uint32(v))
		try(i+1, uint32(v>>8))
		try(i+2, uint32(v>>16))
		try(i+3, uint32(v>>24))
	}
	for ; i+4 <= len(text); i++ {
		try(i, prefix4(text[i:]))
	}
	return cand
}

// load64 reads eight bytes of s from i, little-endian.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// foldedWordAt reports whether text starts with word (lower-case letters,
// spaces and apostrophes) when ASCII letters are lowercased and a
// typographic apostrophe counts as an ASCII one.
func foldedWordAt(text, word string) bool {
	k := 0
	for i := 0; i < len(word); i++ {
		if k >= len(text) {
			return false
		}
		switch w, c := word[i], text[k]; {
		case w == '\'' && strings.HasPrefix(text[k:], "’"):
			k += len("’")
			continue
		case 'a' <= w && w <= 'z':
			if c|0x20 != w {
				return false
			}
		case c != w:
			return false
		}
		k++
	}
	return true
}

// matchNear reports whether re matches low within a short stretch around
// an occurrence of one of words. Every built-in pattern spans well under
// 120 bytes on either side of its word.
func matchNear(re *regexp.Regexp, low string, words []string) bool {
	const reach = 120
	for _, w := range words {
		for off := 0; ; {
			i := strings.Index(low[off:], w)
			if i < 0 {
				break
			}
			i += off
			from, to := max(0, i-reach), min(len(low), i+len(w)+reach)
			// Start on a word boundary so \b means what it does in the whole text.
			for from > 0 && low[from-1] != ' ' && low[from-1] != '\n' && from < i {
				from++
			}
			if re.MatchString(low[from:to]) {
				return true
			}
			off = i + len(w)
		}
	}
	return false
}

// Refusal stops when a speaker keeps refusing: InARow of one speaker's
// messages in a row are refusals (what the other side says between them
// neither counts nor breaks the run), or Total refusal messages in all.
// A message is a refusal when one of the patterns (the built-in ones, then
// the user's) matches its first or last 300 bytes.
type Refusal struct {
	InARow   int
	Total    int
	Builtin  bool             // use RefusalPatterns
	Patterns []*regexp.Regexp // the user's, matched without regard to case; see NewRefusal

	m memo[refusalMark]
}

// refusalMark is what Refusal remembers of each message.
type refusalMark struct {
	speaker string
	refusal bool
	run     int   // this speaker's refusals in a row, ending here, up to InARow
	total   int   // refusals up to here
	last    int32 // the spoken index of the latest refusal up to here; -1 for none
}

// NewRefusal builds a refusal policy from the built-in patterns (unless
// builtin is false) and extra, with Go regular expression syntax; matching
// ignores case.
func NewRefusal(inARow, total int, builtin bool, extra []string) (*Refusal, error) {
	p := &Refusal{InARow: inARow, Total: total, Builtin: builtin}
	for _, s := range extra {
		re, err := regexp.Compile("(?i)" + s)
		if err != nil {
			return nil, fmt.Errorf("refusal pattern %q is not a valid regular expression: %v", s, err)
		}
		p.Patterns = append(p.Patterns, re)
	}
	return p, nil
}

// IsRefusal reports whether content reads as a refusal.
func (p *Refusal) IsRefusal(content string) bool {
	head, tail := content, ""
	if len(content) > 2*refusalScan {
		head = clipRunes(content[:refusalScan], false)
		tail = clipRunes(content[len(content)-refusalScan:], true)
	}
	for _, part := range []string{head, tail} {
		if part == "" {
			continue
		}
		part = plainSpaces(part)
		if p.Builtin {
			if cand := refusalCandidates(part); cand != 0 {
				low := lowerASCII(normalizeQuotes(part))
				for i := range builtinRefusal {
					if cand&(1<<i) != 0 && matchNear(builtinPattern(i), low, refusalWords[i]) {
						return true
					}
				}
			}
		}
		for _, re := range p.Patterns {
			if re.MatchString(part) || re.MatchString(normalizeQuotes(part)) {
				return true
			}
		}
	}
	return false
}

// lowerASCII lowercases ASCII letters only, leaving other bytes as they are.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// plainSpaces turns the no-break spaces that exported and copied text
// holds (U+00A0, and the narrow U+202F) into plain ones, so "I can't
// help" matches the patterns however its words are spaced.
func plainSpaces(s string) string {
	if !strings.Contains(s, "\u00a0") && !strings.Contains(s, "\u202f") {
		return s
	}
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

// normalizeQuotes turns typographic apostrophes into ASCII ones, so "I’m"
// matches the patterns as "I'm" does.
func normalizeQuotes(s string) string {
	if !strings.ContainsRune(s, '’') {
		return s
	}
	return strings.ReplaceAll(s, "’", "'")
}

// clipRunes drops a torn rune at the cut end of a slice of text.
func clipRunes(s string, cutAtStart bool) string {
	if cutAtStart {
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
		return s
	}
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

func (p *Refusal) mark(msg *transcripts.Message, prev []refusalMark) refusalMark {
	k := len(prev)
	r := refusalMark{speaker: msg.Speaker, refusal: p.IsRefusal(said(msg.Content)), last: -1}
	if k > 0 {
		r.total, r.last = prev[k-1].total, prev[k-1].last
	}
	if r.refusal {
		r.total++
		r.last = int32(k)
		// The run continues this speaker's previous message's, whatever
		// the other side said between them.
		r.run = 1
		j := k - 1
		for ; j >= 0 && prev[j].speaker != msg.Speaker; j-- {
		}
		visit(k - j)
		if j >= 0 {
			r.run = min(prev[j].run+1, max(p.InARow, 1))
		}
	}
	return r
}

// Check implements Policy.
func (p *Refusal) Check(msgs []transcripts.Message) Verdict {
	p.m.mu.Lock()
	marks, idx := p.m.values(msgs, p.mark, nil)
	var last refusalMark
	n := len(marks)
	if n > 0 {
		last = marks[n-1]
	}
	v := Verdict{}
	if p.InARow > 0 {
		run := min(last.run, p.InARow)
		if run >= p.InARow {
			v.Stop, v.Policy = true, "refusal"
			times := "" // in_a_row: 1, a single refusal
			if run > 1 {
				times = fmt.Sprintf(" %d times in a row", run)
			}
			v.Reason = fmt.Sprintf("%s refused%s (message %d: %q)", last.speaker, times, idx[n-1]+1, excerpt(said(msgs[idx[n-1]].Content)))
		}
		v.Progress = append(v.Progress, Progress{Policy: "refusal", Label: "refusals in a row", Count: run, Limit: p.InARow})
	}
	if p.Total > 0 {
		if last.total >= p.Total && !v.Stop {
			v.Stop, v.Policy = true, "refusal"
			v.Reason = fmt.Sprintf("%s (the last, message %d: %q)", phrase.Count(last.total, "message was a refusal", "messages were refusals"), idx[last.last]+1, excerpt(said(msgs[idx[last.last]].Content)))
		}
		v.Progress = append(v.Progress, Progress{Policy: "refusal", Label: "refusals", Count: min(last.total, p.Total), Limit: p.Total})
	}
	p.m.mu.Unlock()
	return v
}

// excerpt shortens a message for a reason line.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		s = string(r[:79]) + "…"
	}
	return s
}

// StopPattern stops at the first message that matches a regular expression.
type StopPattern struct {
	Pattern *regexp.Regexp

	m *memo[struct{}] // finds the spoken messages; nil finds them from scratch
}

// Check implements Policy.
func (p StopPattern) Check(msgs []transcripts.Message) Verdict {
	m := p.m.orFresh()
	m.mu.Lock()
	_, idx := m.values(msgs, nil, nil)
	n, lastAt := len(idx), -1
	if n > 0 {
		lastAt = int(idx[n-1])
	}
	m.mu.Unlock()
	visit(1)
	v := Verdict{Progress: []Progress{{Policy: "stop_pattern", Label: "/" + p.Pattern.String() + "/", Count: 0, Limit: 1}}}
	if lastAt >= 0 && p.Pattern.MatchString(said(msgs[lastAt].Content)) {
		v.Progress[0].Count = 1
		v.Stop, v.Policy = true, "stop_pattern"
		v.Reason = fmt.Sprintf("message %d matched /%s/: %q", lastAt+1, p.Pattern, excerpt(p.Pattern.FindString(said(msgs[lastAt].Content))))
	}
	return v
}

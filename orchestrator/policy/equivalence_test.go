package policy

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
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
		for i := range builtinRefusal {
			if matchNear(builtinPattern(i), low, refusalWords[i]) {
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
	// ... wherever it stands, as eight bytes are read four places at a time.
	for i, words := range refusalWords {
		for _, w := range words {
			for pad := 0; pad < 12; pad++ {
				v := strings.Repeat("x", pad) + strings.ToUpper(w) + strings.Repeat("y", pad%5)
				if refusalCandidates(v)&(1<<i) == 0 {
					t.Errorf("%q does not mark pattern %d", v, i)
				}
			}
		}
	}
	// foldedWordAt compares letters, spaces and apostrophes only.
	for _, words := range refusalWords {
		for _, w := range words {
			if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz '") != "" {
				t.Errorf("refusal word %q holds more than lower-case letters, spaces and apostrophes", w)
			}
		}
	}
	for _, s := range []string{
		"The weather is fine today; we walked by the river.",
		"It is not clear yet, but we can go on, and I will help you find the end of it.",
	} {
		if c := refusalCandidates(s); c != 0 {
			t.Errorf("plain prose %q marks patterns %08b", s, c)
		}
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

// termsRef reads text into terms as the README documents them, one
// character at a time and without shortcuts: lowercased words of letters
// and digits in any alphabet, each emoji or other symbol, and each pair of
// neighbouring characters in scripts written without spaces. Words are
// collected as strings and hashed by hashWordRef. terms must agree with it.
func termsRef(text string) []uint64 {
	var (
		dst    []uint64
		word   []byte
		prev   rune = -1 // the last character of a spaceless run, or -1
		single bool      // the run so far is one character, kept as a term
	)
	flush := func() {
		if len(word) > 0 {
			dst = append(dst, hashWordRef(word))
			word = word[:0]
		}
		prev, single = -1, false
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r < utf8.RuneSelf && ('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'):
			if prev >= 0 {
				flush()
			}
			word = append(word, byte(unicode.ToLower(r)))
		case r == 0x7f: // DEL, the one ASCII symbol that is not punctuation
			flush()
			dst = append(dst, mix(0x7f+1))
		case r < utf8.RuneSelf, 0x2000 <= r && r <= 0x206f: // ASCII punctuation and spaces; general punctuation
			flush()
		case spaceless(r):
			if len(word) > 0 {
				flush()
			}
			switch {
			case prev < 0:
				dst = append(dst, runeBigram(-2, r))
				single = true
			case single:
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
			word = utf8.AppendRune(word, unicode.ToLower(r))
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			flush()
		default: // symbols such as emoji: FNV-1a over their bytes
			flush()
			h := uint64(fnvOffset ^ 0x5bd1e995)
			for _, b := range []byte(string(r)) {
				h = (h ^ uint64(b)) * fnvPrime
			}
			dst = append(dst, mix(h))
		}
	}
	flush()
	return dst
}

// hashWordRef is the word hash as documented in text.go: the lowercased
// bytes as little-endian 64-bit chunks, the last padded with zeros, each
// folded in by a multiply, starting from the length; then mixed once.
func hashWordRef(w []byte) uint64 {
	h := uint64(wordSeed) ^ uint64(len(w))*wordMul
	full := len(w) / 8 * 8
	for k := 0; k < full; k += 8 {
		h = (h ^ binary.LittleEndian.Uint64(w[k:])) * wordMul
		h ^= h >> 29
	}
	var pad [8]byte
	copy(pad[:], w[full:])
	return mix(h ^ binary.LittleEndian.Uint64(pad[:]))
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

// terms gives exactly the hashes of the documented reading.
func TestTermsAsDocumented(t *testing.T) {
	all := strings.Join(termSamples, " ")
	for _, s := range append(termSamples, all, strings.ToUpper(all), strings.Repeat(all, 3)) {
		if got, want := terms(nil, s), termsRef(s); !slices.Equal(got, want) {
			t.Errorf("terms(%q) = %x, documented %x", s, got, want)
		}
	}
	// Every message of the seed and the corpus, and stretches of ASCII of
	// every length around words that run on into other letters.
	var texts []string
	for _, pattern := range []string{"../../transcripts/seed/*.md", "../../transcripts/corpus/*.jsonl"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			tr, err := transcripts.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tr.Messages {
				texts = append(texts, m.Content)
			}
		}
	}
	if len(texts) < 100 {
		t.Fatalf("read only %d messages", len(texts))
	}
	for n := 0; n < 140; n++ {
		ascii := strings.Repeat("Ab1 xyZ, ", 20)[:n]
		texts = append(texts, ascii, ascii+"é", "é"+ascii, ascii+"naïve"+ascii, ascii+"\x7f"+ascii, ascii+"绿茶"+ascii, ascii+"Word")
	}
	for _, s := range texts {
		if got, want := terms(nil, s), termsRef(s); !slices.Equal(got, want) {
			t.Fatalf("terms(%q) = %x, documented %x", s[:min(len(s), 80)], got, want)
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

// Term hashes are fixed, the same in every run and process: these values
// change only if the documented hash does.
func TestTermHashesArePinned(t *testing.T) {
	for _, c := range []struct {
		text string
		want uint64
	}{
		{"hello", 0x6efbc76368511c45},
		{"HeLLo", 0x6efbc76368511c45},
		{"Supercalifragilistic", 0x482a42f9e6adf531},
		{"naïve", 0xcfaf19f5ef82fad7},
		{"NAÏVE", 0xcfaf19f5ef82fad7},
		{"🚀", 0xe6004c15ccbbcd7b},
		{"绿茶", 0x60329739edcc1667},
	} {
		if got := terms(nil, c.text); len(got) != 1 || got[0] != c.want {
			t.Errorf("terms(%q) = %#x, want [%#x]", c.text, got, c.want)
		}
	}
}

func FuzzTermsAsDocumented(f *testing.F) {
	for _, s := range termSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := terms(nil, s), termsRef(s); !slices.Equal(got, want) {
			t.Fatalf("terms(%q) = %x, documented %x", s, got, want)
		}
	})
}

// BenchmarkTerms compares splitting text into terms now and by the
// documented reading, one character at a time, over the seed's messages,
// in one run.
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
	}{{"now", terms}, {"reference", func(_ []uint64, s string) []uint64 { return termsRef(s) }}} {
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

// shingleSketchSorted is how sketches were built before sketchInto: every
// shingle hashed by a closure and sorted by comparison.
func shingleSketchSorted(ts []uint64, n int) sketch {
	if len(ts) == 0 {
		return sketch{}
	}
	if len(ts) < n {
		n = len(ts)
	}
	m := len(ts) - n + 1
	shingle := func(i int) uint64 {
		// Terms are already well-mixed hashes: rotate each by its place,
		// add them up, and mix once.
		h := uint64(n) * 0x9e3779b97f4a7c15
		for j, t := range ts[i : i+n] {
			h += t<<(13*j%64) | t>>(64-13*j%64)
		}
		return mix(h)
	}
	if m > 2*sketchSize {
		// Hashes are uniform, so the sketchSize smallest of m lie below
		// about sketchSize/m of the range; keep those below twice that,
		// and fall back to all of them in the rare case too few pass.
		limit := ^uint64(0) / uint64(m) * 2 * sketchSize
		kept := make([]uint64, 0, 3*sketchSize)
		for i := 0; i < m; i++ {
			if h := shingle(i); h < limit {
				kept = append(kept, h)
			}
		}
		slices.Sort(kept)
		kept = slices.Compact(kept)
		if len(kept) >= sketchSize {
			return bottomRef(kept, false, m)
		}
	}
	all := make([]uint64, m)
	for i := range all {
		all[i] = shingle(i)
	}
	slices.Sort(all)
	return bottomRef(slices.Compact(all), true, m)
}

// bottomRef makes a sketch of sorted distinct hashes. When all is set they
// are every distinct shingle of the message; otherwise they are its
// smallest ones, of at most most shingles in all.
func bottomRef(sorted []uint64, all bool, most int) sketch {
	if all && len(sorted) <= sketchSize {
		return sketch{mins: sorted, n: len(sorted)}
	}
	mins := sorted[:sketchSize:sketchSize]
	n := len(sorted)
	if !all {
		// Estimate the number of distinct shingles from the k-th smallest hash.
		n = most
		if kth := float64(mins[sketchSize-1]) / float64(^uint64(0)); kth > 0 {
			n = min(most, max(sketchSize, int(float64(sketchSize-1)/kth)))
		}
	}
	return sketch{mins: mins, n: n}
}

// jaccardMerge, the branching merge jaccard replaced, estimates |A∩B| / |A∪B| from two sketches: exactly when both
// sets fit in a sketch, else from the smallest sketchSize hashes of the
// union. Two empty messages are identical.
func jaccardMerge(a, b sketch) float64 {
	if len(a.mins) == 0 || len(b.mins) == 0 {
		if len(a.mins) == 0 && len(b.mins) == 0 {
			return 1
		}
		return 0
	}
	exact := a.n <= sketchSize && b.n <= sketchSize
	i, j, union, both := 0, 0, 0, 0
	for (i < len(a.mins) || j < len(b.mins)) && (exact || union < sketchSize) {
		switch {
		case j >= len(b.mins) || (i < len(a.mins) && a.mins[i] < b.mins[j]):
			i++
		case i >= len(a.mins) || b.mins[j] < a.mins[i]:
			j++
		default:
			i++
			j++
			both++
		}
		union++
	}
	if union == 0 {
		return 0
	}
	return float64(both) / float64(union)
}

// randomTerms makes n terms drawn from vocab distinct ones, so that
// shingles repeat as they do in text.
func randomTerms(r *rand.Rand, n, vocab int) []uint64 {
	ts := make([]uint64, n)
	for i := range ts {
		ts[i] = mix(uint64(r.Intn(vocab)) + 1)
	}
	return ts
}

// Sketches and similarities are exactly those of sorting by comparison and
// merging with branches, for short and long messages, many repeats or none.
func TestSketchesAsBefore(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var scratch []uint64
	var prev sketch
	for k := 0; k < 3000; k++ {
		n := 1 + r.Intn([]int{5, 60, 300, 3000}[k%4])
		ts := randomTerms(r, n, 1+r.Intn(2*n))
		for _, sh := range []int{1, 2, 3, 5} {
			got, want := sketchInto(&scratch, ts, sh), shingleSketchSorted(ts, sh)
			if !slices.Equal(got.mins, want.mins) || got.n != want.n {
				t.Fatalf("%d terms, shingle %d: sketch of %d (n %d), before %d (n %d)", n, sh, len(got.mins), got.n, len(want.mins), want.n)
			}
		}
		sk := sketchInto(&scratch, ts, 3)
		if got, want := jaccard(sk, prev), jaccardMerge(sk, prev); got != want {
			t.Fatalf("jaccard %v, before %v", got, want)
		}
		prev = sk
	}
	if got, want := jaccard(sketch{}, sketch{}), jaccardMerge(sketch{}, sketch{}); got != want {
		t.Errorf("two empty messages: %v, before %v", got, want)
	}
}

// sortHashes sorts whatever it is given, spread evenly or not.
func TestSortHashes(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	cases := map[string]func(i int) uint64{
		"uniform":       func(int) uint64 { return r.Uint64() },
		"small values":  func(int) uint64 { return uint64(r.Intn(1000)) },
		"all equal":     func(int) uint64 { return 42 },
		"clustered":     func(i int) uint64 { return uint64(i%3)<<62 | uint64(r.Intn(5)) },
		"descending":    func(i int) uint64 { return ^uint64(i) },
		"zeros and max": func(i int) uint64 { return uint64(i%2) * ^uint64(0) },
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 31, 32, 33, 100, 257, 5000} {
				a := make([]uint64, n)
				for i := range a {
					a[i] = gen(i)
				}
				want := slices.Sorted(slices.Values(a))
				if got := sortHashes(a, make([]uint64, n)); !slices.Equal(got, want) {
					t.Fatalf("%d hashes not sorted", n)
				}
			}
		})
	}
}

func FuzzSketchesAsBefore(f *testing.F) {
	f.Add([]byte("take care you too take care"), uint8(3))
	f.Add([]byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz", 40)), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, sh uint8) {
		ts := make([]uint64, len(data))
		for i, b := range data {
			ts[i] = mix(uint64(b) + 1)
		}
		n := 1 + int(sh%8)
		var scratch []uint64
		got, want := sketchInto(&scratch, ts, n), shingleSketchSorted(ts, n)
		if !slices.Equal(got.mins, want.mins) || got.n != want.n {
			t.Fatalf("sketch of %d (n %d), before %d (n %d)", len(got.mins), got.n, len(want.mins), want.n)
		}
		half := sketchInto(&scratch, ts[:len(ts)/2], n)
		if a, b := jaccard(got, half), jaccardMerge(want, shingleSketchSorted(ts[:len(ts)/2], n)); a != b {
			t.Fatalf("jaccard %v, before %v", a, b)
		}
	})
}

// The term index counts what a map would, through growth, the key 0 and
// forgetting, which a diverging conversation causes: a message's distinct
// terms, each once however often it is used, and how many of those no
// earlier message used.
func TestTermIndexCountsAsAMap(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var idx termIndex
	firsts := map[uint64]int32{}
	var msgs [][]uint64
	for m := int32(0); m < 60; m++ {
		ts := randomTerms(r, 1+r.Intn(400), 3000)
		if m%7 == 0 {
			ts = append(ts, 0, 0, zeroKey+1)
		}
		msgs = append(msgs, ts)
	}
	count := func(ts []uint64, m int32) (fresh, distinct int) {
		inMessage := map[uint64]bool{}
		for _, k := range ts {
			if inMessage[k] {
				continue
			}
			inMessage[k] = true
			distinct++
			if _, ok := firsts[k]; !ok {
				firsts[k] = m
				fresh++
			}
		}
		return
	}
	for m, ts := range msgs {
		f, d := idx.addMessage(ts, int32(m))
		wf, wd := count(ts, int32(m))
		if f != wf || d != wd {
			t.Fatalf("message %d: fresh %d distinct %d, want %d %d", m, f, d, wf, wd)
		}
	}
	// Forget from message 30 and read it again.
	idx.dropFrom(30)
	for k, m := range firsts {
		if m >= 30 {
			delete(firsts, k)
		}
	}
	for m := 30; m < len(msgs); m++ {
		f, d := idx.addMessage(msgs[m], int32(m))
		if wf, wd := count(msgs[m], int32(m)); f != wf || d != wd {
			t.Fatalf("again, message %d: fresh %d distinct %d, want %d %d", m, f, d, wf, wd)
		}
	}
}

// TestCharTableMatchesUnicode checks the character table terms reads
// against the Unicode tables it stands for, for every character.
func TestCharTableMatchesUnicode(t *testing.T) {
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		cls, lower := classify(r)
		if want := classOf(r); cls != want {
			t.Fatalf("classify(%U) = class %d, want %d", r, cls, want)
		}
		if want := unicode.ToLower(r); lower != want {
			t.Fatalf("classify(%U) lowercases to %U, want %U", r, lower, want)
		}
		if cls == classSymbol && block(r).sym[r&0xff] != symbolHash(r) {
			t.Fatalf("the table's hash of the symbol %U is not symbolHash's", r)
		}
	}
}

// BenchmarkTermsNonASCII splits the lines of the real corpora in
// ../shared/corpus that hold text outside ASCII (box drawing, emoji,
// accented and other scripts), where every character is classified.
func BenchmarkTermsNonASCII(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/corpus/*/*.md")
	if len(files) == 0 {
		b.Skip("../shared/corpus is absent: no real non-ASCII text to split")
	}
	var lines []string
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			for i := 0; i < len(l); i++ {
				if l[i] >= utf8.RuneSelf {
					lines = append(lines, l)
					size += len(l)
					break
				}
			}
		}
	}
	b.SetBytes(int64(size))
	var buf []uint64
	for b.Loop() {
		for _, l := range lines {
			buf = terms(buf[:0], l)
		}
	}
}

// TestFarewellHashes holds the written-out farewellHashes to the words
// they stand for, read by the rule's own reading and by the plain one; when
// the words change it prints the table to paste in their place.
func TestFarewellHashes(t *testing.T) {
	for _, read := range []struct {
		name  string
		terms []uint64
	}{
		{"terms(plainText)", terms(nil, plainText(farewellText))},
		{"termsRef(plainTextRef)", termsRef(plainTextRef(farewellText))},
	} {
		want := slices.Compact(slices.Sorted(slices.Values(read.terms)))
		if slices.Equal(farewellHashes[:], want) {
			continue
		}
		var b strings.Builder
		for i, h := range want {
			if i%4 == 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%#016x,", h)
		}
		t.Errorf("farewellHashes are not the terms of farewellText as %s reads them; they are:%s", read.name, b.String())
	}
	for _, h := range farewellHashes {
		if farewellFilter[h%4096/64]&(1<<(h%64)) == 0 {
			t.Errorf("farewellFilter turns away %#x", h)
		}
	}
	// Thank, 谢谢 (one bigram) and 🙏 of six terms.
	const msg = "Thank you, dear friend, 谢谢 🙏"
	if got, _, _ := signOffs(nil, terms(nil, plainText(msg))); len(got) != 3 {
		t.Errorf("signOffs(%q) found %d of its six terms, want 3", msg, len(got))
	}
}

// A sign-off is a word of thanks or goodbye, in the scripts models close
// in; one written without spaces counts only whole, since its pairs of
// characters are in other words too.
func TestSignOffsAcrossScripts(t *testing.T) {
	cases := []struct {
		name, msg string
		want      int // terms read as sign-offs
	}{
		{"ありがとう, whole", "ありがとうございます", 4},
		{"あり of あります is no thanks", "それは動物ですか？はい、足があります。", 0},
		{"よう of ような and なら of ならない", "星のような形ですか？いいえ、違わなければならない。", 0},
		{"さようなら, whole", "では、さようなら。", 4},
		{"Russian", "Спасибо за беседу, до свидания!", 2},
		{"Arabic", "شكرا لك، وداعا", 2},
		{"Hindi", "आपका धन्यवाद, अलविदा", 2},
		{"Hebrew", "תודה רבה, להתראות", 2},
		{"Korean", "감사합니다. 안녕히 가세요", 2},
		{"a question with no thanks", "Is it bigger than a breadbox?", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _, _ := signOffs(nil, terms(nil, plainText(c.msg))); len(got) != c.want {
				t.Errorf("signOffs(%q) found %d terms, want %d", c.msg, len(got), c.want)
			}
		})
	}
}

// Short Japanese questions and answers that say あります and ような, with
// no thanks in them, raise no sign-off signal: the pairs of characters
// ありがとう and さようなら are read as count only whole.
func TestJapaneseQuestionsRaiseNoFarewell(t *testing.T) {
	lines := []string{"それは生き物ですか？", "いいえ、生き物ではありません。", "それは家にありますか？", "はい、たいてい家にあります。",
		"星のような形ですか？", "いいえ、そのような形ではありません。", "台所にありますか？", "はい、台所にあることが多いです。",
		"食べ物に使いますか？", "はい、料理に使うことがあります。", "それは鍋ですか？", "いいえ、鍋ではありません。"}
	var msgs []transcripts.Message
	for i, l := range lines {
		msgs = append(msgs, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: l})
	}
	for i, x := range loopSignalsRef(msgs, "[END]") {
		if x[fFarewell] != 0 || x[fBothFarewell] != 0 {
			t.Errorf("message %d (%q): farewell %.2f, both %.2f; want none", i+1, lines[i], x[fFarewell], x[fBothFarewell])
		}
	}
	sameSignals(t, msgs, "[END]")
}

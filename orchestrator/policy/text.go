package policy

import (
	"math/bits"
	"slices"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text features shared by repetition and stagnation.
//
// A message is read as a sequence of terms, whatever its language:
//
//   - a word is a run of letters, digits and combining marks, lowercased;
//     ASCII punctuation and all spaces separate words;
//   - in scripts written without spaces (Han, Hiragana, Katakana, Thai,
//     Lao, Khmer, Myanmar) every pair of adjacent characters is a term, so
//     Chinese and Japanese are compared by character bigrams, the usual
//     stand-in for words;
//   - every other symbol, such as an emoji, is a term of its own.
//
// Terms are kept as 64-bit hashes, so features cost one pass over the text
// and a few words of memory per term.

// Words are hashed eight bytes at a time: their lowercased UTF-8 bytes
// are read as little-endian 64-bit chunks (the last one padded with
// zeros), each folded in by a multiply, with the word's length, and the
// result mixed once. The hash is fixed: the same word hashes alike in
// every run and process. Symbols are hashed with FNV-1a over their UTF-8
// bytes.
const (
	wordSeed  = 0x243f6a8885a308d3
	wordMul   = 0x9fb21c651e98df25
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashWord hashes the bytes of w with fold ORed into each: 0x20 for a
// word of ASCII letters and digits, which it lowercases (digits already
// have the bit), or 0 for bytes already lowercased.
func hashWord(w string, fold byte) uint64 {
	f := uint64(fold) * ones
	n := len(w)
	h := wordSeed ^ uint64(n)*wordMul
	var t uint64
	if n >= 8 {
		// The last bytes, read as the top of the last eight.
		if rem := n % 8; rem > 0 {
			t = (load64(w, n-8) | f) >> (64 - 8*rem)
		}
		for i := 0; i+8 <= n; i += 8 {
			h = (h ^ (load64(w, i) | f)) * wordMul
			h ^= h >> 29
		}
		return mix(h ^ t)
	}
	for i := n - 1; i >= 0; i-- {
		t = t<<8 | uint64(w[i]|fold)
	}
	return mix(h ^ t)
}

// symbolHash hashes a symbol that is a term of its own, such as an emoji.
func symbolHash(r rune) uint64 {
	h := uint64(fnvOffset ^ 0x5bd1e995)
	var buf [utf8.UTFMax]byte
	for _, b := range utf8.AppendRune(buf[:0], r) {
		h = (h ^ uint64(b)) * fnvPrime
	}
	return mix(h)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// ge sets the top bit of each byte of x whose low seven bits are at
// least lo (lo < 0x80). Setting every top bit first keeps one byte's
// subtraction from borrowing from the next.
func ge(x uint64, lo byte) uint64 {
	return ((x | highs) - uint64(lo)*ones) & highs
}

// wordBytes sets the top bit of each byte of x that is an ASCII letter or
// digit, as wordByte does for one byte.
func wordBytes(x uint64) uint64 {
	xh := x | highs      // every top bit set, so no subtraction borrows
	yh := xh | 0x20*ones // letters lowercased
	return ((xh-'0'*ones)&^(xh-('9'+1)*ones) | (yh-'a'*ones)&^(yh-('z'+1)*ones)) & highs &^ x
}

// wordByte marks the ASCII bytes that make up words: letters and digits.
// Setting the 0x20 bit of such a byte lowercases it (digits have it).
var wordByte = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
	}
	return
}()

// spaceless reports whether r belongs to a script written without spaces
// between words.
func spaceless(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// The class of a character outside ASCII, as terms reads it.
const (
	classSymbol    = iota // a term of its own, such as an emoji
	classSeparator        // spaces, punctuation, format characters, invalid bytes
	classSpaceless        // a script written without spaces: read by bigrams
	classWord             // letters, digits and combining marks
)

// classOf is the class of r by the Unicode tables, in the order terms
// documents: general punctuation separates before anything else.
func classOf(r rune) uint8 {
	switch {
	case 0x2000 <= r && r <= 0x206f: // general punctuation: dashes, quotes, spaces
		return classSeparator
	case spaceless(r):
		return classSpaceless
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
		return classWord
	case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
		return classSeparator
	}
	return classSymbol
}

// charBlock holds the class and lowercase form of 256 consecutive
// characters, the ones sharing r>>8.
type charBlock struct {
	class [256]uint8
	lower [256]rune
	kind  [256]uint8  // kindOf, for the loop rule's line shapes and letter counts
	sym   [256]uint64 // symbolHash, for the characters of classSymbol
	plain [256]bool   // plainText keeps the character as it is (foldsNot)
}

// charBlocks is the table terms reads characters outside ASCII from: one
// lookup where the Unicode range tables cost a binary search or several.
// Blocks are filled on first use (a few microseconds each), so a run that
// meets only a few scripts builds only their blocks, and is safe for
// concurrent use: two goroutines filling a block at once build the same
// contents.
var charBlocks [(unicode.MaxRune + 1) >> 8]atomic.Pointer[charBlock]

// Kinds of character, as the loop rule's line shapes read them.
const (
	kindOther  = 's' // symbols, emoji, spaces outside ASCII
	kindLetter = 'a'
	kindMark   = 'm' // combining marks
	kindDigit  = '0'
	kindPunct  = 'p'
)

func kindOf(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return kindLetter
	case unicode.IsMark(r):
		return kindMark
	case unicode.IsDigit(r):
		return kindDigit
	case unicode.IsPunct(r):
		return kindPunct
	}
	return kindOther
}

// block returns the table block that holds r, filling it on first use.
func block(r rune) *charBlock {
	b := charBlocks[r>>8].Load()
	if b == nil {
		b = new(charBlock)
		base := r &^ 0xff
		for i := range b.class {
			c := base + rune(i)
			b.class[i] = classOf(c)
			b.lower[i] = unicode.ToLower(c)
			b.kind[i] = kindOf(c)
			if b.class[i] == classSymbol {
				b.sym[i] = symbolHash(c)
			}
			b.plain[i] = foldsNot(c)
		}
		charBlocks[r>>8].Store(b)
	}
	return b
}

// foldsNot reports whether plainText keeps r as it is: r has no
// compatibility decomposition and is not a combining mark, by the same
// norm lookup plainText makes.
func foldsNot(r rune) bool {
	if !utf8.ValidRune(r) {
		return false
	}
	var buf [utf8.UTFMax]byte
	enc := utf8.AppendRune(buf[:0], r)
	p := norm.NFKD.Properties(enc)
	return p.Decomposition() == nil && p.CCC() == 0 && p.Size() == len(enc)
}

// kind is r's kind (kindOf), from the table.
func kind(r rune) uint8 {
	if uint32(r) > unicode.MaxRune {
		return kindOther
	}
	return block(r).kind[r&0xff]
}

// classify returns r's class and, for a word character, its lowercase form.
func classify(r rune) (uint8, rune) {
	if uint32(r) > unicode.MaxRune {
		return classSeparator, r // not a character: read as an invalid byte
	}
	b := block(r)
	return b.class[r&0xff], b.lower[r&0xff]
}

// terms appends the hashes of text's terms, in order, to dst.
func terms(dst []uint64, text string) []uint64 {
	var (
		wbuf   [64]byte
		word   = wbuf[:0]      // the lowercased bytes of a word holding more than ASCII, so far
		inWord bool            // word holds a word in progress
		prev   rune       = -1 // the last character of a spaceless run, or -1
		single bool            // the run so far is one character, kept as a term
	)
	for i := 0; i < len(text); {
		if i+8 <= len(text) && !inWord && prev < 0 {
			// Eight bytes at a time, between words: a short ASCII word is
			// found and hashed at once, and ASCII separators are skipped.
			x := load64(text, i)
			w := wordBytes(x)
			// Where a separator run may end: a word, a non-ASCII
			// character or DEL.
			stop := w | x&highs | ge(x, 0x7f)&^x
			if w&0x80 != 0 { // a word starts here
				rest := ^w & highs
				if rest == 0 {
					// A word of eight letters or more: find its end eight
					// bytes at a time.
					j := i + 8
					for ; j+8 <= len(text); j += 8 {
						if r := ^wordBytes(load64(text, j)) & highs; r != 0 {
							j += bits.TrailingZeros64(r) >> 3
							break
						}
					}
					for j < len(text) && wordByte[text[j]] {
						j++
					}
					if j == len(text) || text[j] < utf8.RuneSelf {
						dst = append(dst, hashWord(text[i:j], 0x20))
						i = j
						continue
					}
				} else {
					n := bits.TrailingZeros64(rest) >> 3
					if x>>(8*n)&0x80 == 0 { // it ends at an ASCII byte
						// hashWord(text[i:i+n], 0x20), with the bytes at hand.
						below := uint64(1)<<(8*n) - 1
						dst = append(dst, mix(wordSeed^uint64(n)*wordMul^(x|0x20*ones)&below))
						// Skip the separators after it too.
						if stop &^= below; stop == 0 {
							i += 8
						} else {
							i += bits.TrailingZeros64(stop) >> 3
						}
						continue
					}
				}
			} else {
				if stop == 0 {
					i += 8
					continue
				}
				if n := bits.TrailingZeros64(stop) >> 3; n > 0 {
					i += n
					continue
				}
			}
		}
		c := text[i]
		if c < utf8.RuneSelf {
			if wordByte[c] {
				prev, single = -1, false // a spaceless run ends; inWord is false
				j := i + 1
				for j < len(text) && wordByte[text[j]] {
					j++
				}
				if !inWord && (j == len(text) || text[j] < utf8.RuneSelf) {
					// A word of ASCII alone, the common case: hashed in place.
					dst = append(dst, hashWord(text[i:j], 0x20))
				} else {
					for ; i < j; i++ {
						word = append(word, text[i]|0x20)
					}
					inWord = true
				}
				i = j
				continue
			}
			i++
			if inWord {
				dst = append(dst, hashWord(string(word), 0))
				word, inWord = word[:0], false
			}
			prev, single = -1, false
			if c == 0x7f { // DEL, the one ASCII symbol that is not punctuation
				dst = append(dst, mix(uint64(c)+1))
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		flush := func() {
			if inWord {
				dst = append(dst, hashWord(string(word), 0))
				word, inWord = word[:0], false
			}
			prev, single = -1, false
		}
		cls, lower := classify(r)
		switch cls {
		case classSeparator:
			flush()
		case classSpaceless:
			if inWord {
				flush()
			}
			dst, single = appendSpaceless(dst, prev, single, r)
			prev = r
		case classWord:
			if prev >= 0 {
				flush()
			}
			word = utf8.AppendRune(word, lower)
			inWord = true
		default: // symbols such as emoji
			flush()
			dst = append(dst, block(r).sym[r&0xff]) // symbolHash(r)
		}
	}
	if inWord {
		dst = append(dst, hashWord(string(word), 0))
	}
	return dst
}

// appendSpaceless appends the term r adds to a run of a script written
// without spaces, after prev (-1: r starts the run): a run's first
// character is a term of its own until a second comes, and from then on
// the run is read as its bigrams only. single says the run so far is one
// character, kept as a term; appendSpaceless returns it for r.
func appendSpaceless(dst []uint64, prev rune, single bool, r rune) ([]uint64, bool) {
	switch {
	case prev < 0:
		return append(dst, runeBigram(-2, r)), true
	case single:
		dst[len(dst)-1] = runeBigram(prev, r)
		return dst, false
	}
	return append(dst, runeBigram(prev, r)), false
}

func runeBigram(a, b rune) uint64 {
	return mix(uint64(uint32(a))<<32 | uint64(uint32(b)) ^ 0x9e3779b97f4a7c15)
}

// sketchSize is how many shingle hashes a sketch keeps. Messages with at
// most this many distinct shingles are compared exactly.
const sketchSize = 128

// sketch is a bottom-k summary of a message's set of shingles (runs of n
// consecutive terms): the sketchSize smallest distinct hashes, sorted, and
// how many distinct shingles there are in all.
type sketch struct {
	mins []uint64
	n    int // distinct shingles (exact when n <= sketchSize, else estimated)
}

// sketchInto builds the sketch of the n-term shingles of ts, in the
// caller's scratch space, which it grows as needed and which the sketch
// does not keep. A message shorter than n terms is one shingle of all its
// terms; an empty one has none. ts is not modified.
func sketchInto(scratch *[]uint64, ts []uint64, n int) sketch {
	if len(ts) == 0 {
		return sketch{}
	}
	if len(ts) < n {
		n = len(ts)
	}
	m := len(ts) - n + 1
	if cap(*scratch) < 2*m {
		*scratch = make([]uint64, 2*m)
	}
	buf := (*scratch)[:2*m]
	hashes, tmp := buf[:m], buf[m:]
	shingles(hashes, ts, n)
	if m > 2*sketchSize {
		// Hashes are uniform, so the sketchSize smallest of m lie below
		// about sketchSize/m of the range; keep those below twice that,
		// and fall back to all of them in the rare case too few pass.
		limit := ^uint64(0) / uint64(m) * 2 * sketchSize
		// Without a branch: about half of the hashes pass when m is
		// near 2*sketchSize, which no branch predictor guesses.
		k := 0
		for _, h := range hashes {
			tmp[k] = h
			k += b2i(h < limit)
		}
		kept := tmp[:k]
		kept = slices.Compact(sortHashes(kept, hashes[len(hashes)-len(kept):]))
		if len(kept) >= sketchSize {
			return bottom(kept, false, m)
		}
		shingles(hashes, ts, n)
	}
	return bottom(slices.Compact(sortHashes(hashes, tmp)), true, m)
}

// shingles fills dst with the hash of each run of n terms of ts. Terms are
// already well-mixed hashes: each is rotated by its place, they are added
// up, and the sum is mixed once.
func shingles(dst, ts []uint64, n int) {
	seed := uint64(n) * 0x9e3779b97f4a7c15
	if n == 3 {
		for i := range dst {
			dst[i] = mix(seed + ts[i] + bits.RotateLeft64(ts[i+1], 13) + bits.RotateLeft64(ts[i+2], 26))
		}
		return
	}
	for i := range dst {
		h := seed
		for j, t := range ts[i : i+n] {
			h += bits.RotateLeft64(t, 13*j%64)
		}
		dst[i] = mix(h)
	}
}

// sortHashes sorts a and returns it, or tmp (at least as long) holding a
// sorted; a's contents are then lost. Hashes are spread evenly over their
// range, so placing each by its top bits and then straightening the few
// in each place by insertion costs about one step per hash, where a
// comparison sort costs a dozen.
func sortHashes(a, tmp []uint64) []uint64 {
	n := len(a)
	if n < 32 {
		slices.Sort(a)
		return a
	}
	var top uint64
	for _, x := range a {
		top |= x
	}
	b := min(bits.Len(uint(n)), 12) // about one hash per place
	shift := max(bits.Len64(top)-b, 0)
	// Zero only as many places as a sketch's candidates need, unless
	// there are more of them.
	var small [1<<9 + 1]int32
	places := small[:]
	if b > 9 {
		var start [1<<12 + 1]int32
		places = start[:]
	}
	places = places[:1<<b+1]
	for _, x := range a {
		places[x>>shift+1]++
	}
	for i := 1; i < len(places); i++ {
		if places[i] > 64 { // not spread evenly after all
			slices.Sort(a)
			return a
		}
		places[i] += places[i-1]
	}
	out := tmp[:n]
	for _, x := range a {
		k := x >> shift
		out[places[k]] = x
		places[k]++
	}
	for i := 1; i < n; i++ {
		x := out[i]
		j := i
		for ; j > 0 && out[j-1] > x; j-- {
			out[j] = out[j-1]
		}
		out[j] = x
	}
	return out
}

// bottom makes a sketch of sorted distinct hashes. When all is set they
// are every distinct shingle of the message; otherwise they are its
// smallest ones, of at most most shingles in all.
func bottom(sorted []uint64, all bool, most int) sketch {
	if all && len(sorted) <= sketchSize {
		return sketch{mins: slices.Clone(sorted), n: len(sorted)}
	}
	mins := slices.Clone(sorted[:sketchSize])
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

// jaccard estimates |A∩B| / |A∪B| from two sketches: exactly when both
// sets fit in a sketch, else from the smallest sketchSize hashes of the
// union. Two empty messages are identical.
func jaccard(a, b sketch) float64 {
	if len(a.mins) == 0 || len(b.mins) == 0 {
		if len(a.mins) == 0 && len(b.mins) == 0 {
			return 1
		}
		return 0
	}
	// Merge the two sorted lists, without branches that depend on the
	// hashes, up to the sketchSize smallest of the union unless exact.
	limit := len(a.mins) + len(b.mins)
	if a.n > sketchSize || b.n > sketchSize {
		limit = sketchSize
	}
	i, j, union, both := 0, 0, 0, 0
	for i < len(a.mins) && j < len(b.mins) && union < limit {
		x, y := a.mins[i], b.mins[j]
		i += b2i(x <= y)
		j += b2i(y <= x)
		both += b2i(x == y)
		union++
	}
	// What is left of one list is in the union alone.
	union = min(union+len(a.mins)-i+len(b.mins)-j, limit)
	if union == 0 {
		return 0
	}
	return float64(both) / float64(union)
}

// overlapOf estimates |A∩B| / min(|A|,|B|) given j, the jaccard of a and
// b: 1 when the smaller set of shingles lies wholly inside the larger, as
// when a long block is repeated with text added around it.
func overlapOf(j float64, a, b sketch) float64 {
	if j == 0 || a.n == 0 || b.n == 0 {
		return j
	}
	inter := j / (1 + j) * float64(a.n+b.n)
	return min(1, inter/float64(min(a.n, b.n)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

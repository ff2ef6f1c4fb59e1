package policy

import (
	"slices"
	"unicode"
	"unicode/utf8"
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

// fnv-1a over bytes, then a final avalanche so hashes spread well.
const (
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

func addRune(h uint64, r rune) uint64 {
	if r < utf8.RuneSelf {
		return (h ^ uint64(r)) * fnvPrime
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, b := range buf[:n] {
		h = (h ^ uint64(b)) * fnvPrime
	}
	return h
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

// terms appends the hashes of text's terms, in order, to dst.
func terms(dst []uint64, text string) []uint64 {
	var (
		h      uint64 = fnvOffset
		inWord bool
		prev   rune = -1 // the last character of a spaceless run, or -1
		single bool      // the run so far is one character, kept as a term
	)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if wordByte[c] {
				if prev >= 0 { // a spaceless run ends; inWord is false
					prev, single = -1, false
				}
				// The ASCII stretch of a word, a byte at a time without
				// leaving the loop: most words are nothing else.
				for {
					h = (h ^ uint64(c|0x20)) * fnvPrime
					if i++; i >= len(text) {
						break
					}
					if c = text[i]; !wordByte[c] {
						break
					}
				}
				inWord = true
				continue
			}
			i++
			if inWord {
				dst = append(dst, mix(h))
				h, inWord = fnvOffset, false
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
				dst = append(dst, mix(h))
				h, inWord = fnvOffset, false
			}
			prev, single = -1, false
		}
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
	if inWord {
		dst = append(dst, mix(h))
	}
	return dst
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

// shingleSketch builds the sketch of the n-term shingles of ts. A message
// shorter than n terms is one shingle of all its terms; an empty one has
// none. ts is not modified.
func shingleSketch(ts []uint64, n int) sketch {
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
			return bottom(kept, false, m)
		}
	}
	all := make([]uint64, m)
	for i := range all {
		all[i] = shingle(i)
	}
	slices.Sort(all)
	return bottom(slices.Compact(all), true, m)
}

// bottom makes a sketch of sorted distinct hashes. When all is set they
// are every distinct shingle of the message; otherwise they are its
// smallest ones, of at most most shingles in all.
func bottom(sorted []uint64, all bool, most int) sketch {
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

// overlap estimates |A∩B| / min(|A|,|B|): 1 when the smaller set of
// shingles lies wholly inside the larger, as when a long block is repeated
// with text added around it.
func overlap(a, b sketch) float64 {
	j := jaccard(a, b)
	if j == 0 || a.n == 0 || b.n == 0 {
		return j
	}
	inter := j / (1 + j) * float64(a.n+b.n)
	return min(1, inter/float64(min(a.n, b.n)))
}

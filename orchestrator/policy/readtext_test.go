package policy

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// readTextSamples are lines where the one-pass reading could part from
// the two it replaces: words running from ASCII into other letters, digits
// inside words, words of seven, eight and nine letters against the eight
// bytes read at a time, a space after a word at the edge of those eight,
// scripts without spaces after ASCII, DEL, space outside ASCII at a line's
// ends, characters plainText folds, and bytes that are not UTF-8.
var readTextSamples = []string{
	"abcdefg hijklmno pqrstuvwx y", "abcdefg\thijklmn, o", "abc123def 4x4 x4 44", "caféx naïve CAFÉ12",
	"abc绿茶def 茶 a茶b", "x\x7fy \x7f", "\u00a0lead and trail\u00a0", "\u3000ideographic\u3000\n \u2003x\u2003",
	"dash… ﬁne 𝕋𝕙𝕖 ｆｕｌｌ", "Z̷̢a̸l̴g̶o̵ cafe\u0301", "bad \xff byte \xe2\x80 and \xed\xa0\x80\xc3",
	"  indented\r\n\ttabbed  \n\n\n   \n", "one two three four five six seven eight nine ten",
	"ALLCAPS Mixed lower UPPER7 x", "∞ │ ═══ → 👋🚀 ✓", "a\u200bb\u200cc", "\v\fform\f\v",
}

// readTextSame checks readText against plainText, terms and lineHashes,
// the passes it stands for, on s.
func readTextSame(t *testing.T, s string) {
	t.Helper()
	text := plainText(s)
	wantTerms := terms(nil, text)
	wantShapes, wantFrames, wantLetters := lineHashes(text, nil, nil)
	ts, shapes, frames, letters, folded := readText(s, nil, nil, nil)
	if !slices.Equal(ts, wantTerms) {
		t.Fatalf("readText(%q) terms = %x, want %x", s, ts, wantTerms)
	}
	if !slices.Equal(shapes, wantShapes) || !slices.Equal(frames, wantFrames) || letters != wantLetters {
		t.Fatalf("readText(%q) = shapes %x frames %x letters %d, want %x %x %d", s, shapes, frames, letters, wantShapes, wantFrames, wantLetters)
	}
	if folded != text {
		t.Fatalf("readText(%q) folds it to %q; plainText gives %q", s, folded, text)
	}
}

func TestReadTextAsTwoPasses(t *testing.T) {
	for _, s := range slices.Concat(readTextSamples, termSamples) {
		readTextSame(t, s)
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 5000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(loopPieces[r.IntN(len(loopPieces))])
			if r.IntN(3) > 0 {
				b.WriteByte(" \n"[r.IntN(2)])
			}
		}
		readTextSame(t, b.String())
	}
	// Bytes of every kind, at random.
	for range 5000 {
		buf := make([]byte, r.IntN(40))
		for i := range buf {
			buf[i] = byte(r.IntN(256))
			if r.IntN(2) == 0 {
				const common = "aZ09 \n\t.\x7f"
				buf[i] = common[r.IntN(len(common))]
			}
		}
		readTextSame(t, string(buf))
	}
}

func FuzzReadTextAsTwoPasses(f *testing.F) {
	for _, s := range slices.Concat(readTextSamples, termSamples) {
		f.Add(s)
	}
	f.Fuzz(readTextSame)
}

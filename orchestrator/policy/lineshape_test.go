package policy

import (
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// The loop rule reads line shapes together with terms, in one pass
// (readText). These are the same readings on their own, line by line,
// which the tests hold readText and the plain reference to.

// lineShapes returns the sorted distinct hashes of text's line shapes and
// of its frames, and how many letters and digits it holds, as lineHashes
// reads them.
func lineShapes(text string, shapes, frames []uint64) ([]uint64, []uint64, int) {
	shapes, frames, letters := lineHashes(text, shapes, frames)
	slices.Sort(shapes)
	slices.Sort(frames)
	return slices.Compact(shapes), slices.Compact(frames), letters
}

// lineHashes returns the hashes of text's line shapes and of its frames,
// one of each per line that holds more than space, in the order of the
// lines, and how many letters and digits it holds. In a line's
// shape each run of letters becomes "a" and each run of digits "0";
// punctuation, symbols, emoji and the line's layout stay. Its frame masks
// more: every run of words, spaces and non-ASCII symbols becomes one mark,
// so what stays is the ASCII punctuation a message's lines hang on.
// Leading and trailing space is dropped. Each is hashed with FNV-1a, one
// character a step. The slices are built in shapes and frames, which it
// may grow. The loop rule reads them with the terms in one pass
// (readText); this is the reading it is tested against.
func lineHashes(text string, shapes, frames []uint64) ([]uint64, []uint64, int) {
	shapes, frames = shapes[:0], frames[:0]
	letters := 0
	for len(text) > 0 {
		line := text
		if k := strings.IndexByte(text, '\n'); k >= 0 {
			line, text = text[:k], text[k+1:]
		} else {
			text = ""
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		hs, hf, n := lineShape(line)
		shapes = append(shapes, hs)
		frames = append(frames, hf)
		letters += n
	}
	return shapes, frames, letters
}

// lineShape returns the hashes of the shape and the frame of line, which
// holds more than space and has none at either end, and how many letters
// and digits it holds, as lineHashes reads them.
func lineShape(line string) (hs, hf uint64, letters int) {
	hs, hf = uint64(fnvOffset), uint64(fnvOffset)
	ps, pf := rune(-1), rune(-1)
	for i := 0; i < len(line); {
		var s, f rune
		if c := line[i]; c < utf8.RuneSelf {
			if asciiKind[c] == 'a' {
				// A run of letters reads as one "a" in both: find its
				// end eight bytes at a time.
				if ps != 'a' {
					hs = (hs ^ 'a') * fnvPrime
				}
				if pf != 'a' {
					hf = (hf ^ 'a') * fnvPrime
				}
				ps, pf = 'a', 'a'
				j := i + 1
				for ; j+8 <= len(line); j += 8 {
					if m := ^letterBytes(load64(line, j)) & highs; m != 0 {
						j += bits.TrailingZeros64(m) >> 3
						goto runEnd
					}
				}
				for j < len(line) && letterByte[line[j]] {
					j++
				}
			runEnd:
				letters += j - i
				i = j
				continue
			}
			s, f = asciiShape[c], asciiFrame[c]
			if s == '0' {
				letters++
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(line[i:])
			i += size
			var n int
			s, f, n = runeShape(r, kind(r))
			letters += n
		}
		hs, hf = mixShape(hs, hf, ps, pf, s, f)
		ps, pf = s, f
	}
	return hs, hf, letters
}

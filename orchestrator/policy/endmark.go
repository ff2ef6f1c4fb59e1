package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// defaultEndToken is the end token the loop model is trained with, and
// the one the loop rule looks for unless told another.
const defaultEndToken = "[END]"

// endMarks reads the end marks text holds: every occurrence of token and,
// when token is [END], every other spelling of that mark that scripts ask
// for and models write: any case, in square or angle brackets, spaced
// inside them, and spelled out (<END>, [end], [ END ], [END OF
// CONVERSATION], <END_CONVERSATION>, [End of dialogue]). n counts them,
// letters counts the letters and digits they hold, and spelled is the
// first such other spelling, as written, or "" when there is none. A
// spelling other than [END] itself counts only where it starts a word
// (x[end] indexes an array, N[End] names a diagram's node), and its
// letters are ASCII: it never splits a character.
func endMarks(text, token string) (n, letters int, spelled string) {
	if token == "" {
		return 0, 0, ""
	}
	if c := strings.Count(text, token); c > 0 {
		n, letters = c, c*lettersBesides(token, "")
	}
	if token != defaultEndToken {
		return n, letters, ""
	}
	for _, open := range [...]byte{'[', '<'} {
		for i := 0; ; {
			k := strings.IndexByte(text[i:], open)
			if k < 0 {
				break
			}
			i += k
			m, l := endMarkAt(text[i:])
			if m == 0 || text[i:i+m] == token || !startsWord(text[:i]) {
				i++
				continue
			}
			n, letters = n+1, letters+l
			if spelled == "" {
				spelled = text[i : i+m]
			}
			i += m
		}
	}
	return n, letters, spelled
}

// endMarkAt returns the length of the end mark s starts with and the
// letters it holds, or 0 when s does not start with one: an opening
// bracket ([ or <), spaces, "end", perhaps "of", "the" and the word for
// the conversation, spaces and the matching closing bracket, in any case,
// the words joined by a space, an underscore, a hyphen or nothing.
func endMarkAt(s string) (n, letters int) {
	if len(s) < 5 {
		return 0, 0
	}
	shut := byte(']')
	if s[0] == '<' {
		shut = '>'
	}
	i := skipSpaces(s, 1)
	if !hasPrefixFold(s[i:], "end") {
		return 0, 0
	}
	i += 3
	letters = 3
	// The rest of the phrase, each word after a joint.
	for _, w := range [...]string{"of", "the"} {
		if j := joint(s, i); hasPrefixFold(s[j:], w) {
			i, letters = j+len(w), letters+len(w)
		}
	}
	for _, w := range [...]string{"conversation", "discussion", "dialogue", "dialog", "chat"} {
		if j := joint(s, i); hasPrefixFold(s[j:], w) {
			i, letters = j+len(w), letters+len(w)
			break
		}
	}
	i = skipSpaces(s, i)
	if i >= len(s) || s[i] != shut {
		return 0, 0
	}
	return i + 1, letters
}

// joint skips the one space, underscore or hyphen at s[i], if there is
// one, that joins the words of an end mark.
func joint(s string, i int) int {
	if i < len(s) && (s[i] == ' ' || s[i] == '_' || s[i] == '-') {
		return i + 1
	}
	return i
}

// skipSpaces skips the spaces at s[i:].
func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// hasPrefixFold reports whether s starts with the lowercase ASCII word w
// in any case. (The closing bracket an end mark needs is what ends its
// words.)
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// startsWord reports whether what follows before starts a word: before is
// empty or ends in something other than a letter or digit.
func startsWord(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsNumber(r))
}

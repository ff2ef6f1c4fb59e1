// Package suggest finds the name a person most likely meant when they
// misspelt one (a field, a rule, a provider, an agent), for parley's
// "did you mean" sentences.
package suggest

import "fmt"

// Closest returns the candidate within two edits of s, the nearest when
// several are, or "" when none is.
func Closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Hint is "; did you mean "X"?" for the candidate Closest finds, to
// follow a sentence about s, or "" when none is close.
func Hint(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// Distance is the Levenshtein distance between a and b, byte by byte: how
// many single-byte insertions, deletions and substitutions turn one into
// the other.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

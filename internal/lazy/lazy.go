// Package lazy builds parley's package-level values on first use rather
// than at start-up: each command needs few of them, and every run of
// parley (a check of one file, --version) would otherwise pay to compile
// every regular expression of the binary before main starts.
package lazy

import (
	"regexp"
	"strings"
	"sync"
)

// Regexp returns a function giving expr compiled, compiled once on its
// first call. Like regexp.MustCompile, it panics if expr does not compile,
// at that first call.
func Regexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Set returns a function giving the set of the words of words (separated
// by white space), made once on its first call.
func Set(words string) func() map[string]bool {
	return sync.OnceValue(func() map[string]bool {
		set := map[string]bool{}
		for _, w := range strings.Fields(words) {
			set[w] = true
		}
		return set
	})
}

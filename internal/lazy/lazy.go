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
// at that first call; Expressions lets a test compile them all at once.
func Regexp(expr string) func() *regexp.Regexp {
	registered.Lock()
	registered.exprs = append(registered.exprs, expr)
	registered.Unlock()
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// registered holds every expression given to Regexp.
var registered struct {
	sync.Mutex
	exprs []string
}

// Expressions returns every expression given to Regexp so far: those of
// every package linked in, once their package-level variables are set. A
// test compiles them, so a bad one fails the tests rather than a command
// that first uses it.
func Expressions() []string {
	registered.Lock()
	defer registered.Unlock()
	return append([]string(nil), registered.exprs...)
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

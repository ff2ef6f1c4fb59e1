package phrase

import (
	"strconv"
	"strings"
)

// And joins items as a sentence lists them: "A", "A and B", "A, B and C";
// none is "".
func And(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Quote is each of items in Go's double quotes, as a sentence names a
// speaker, seat or key: And(Quote(names)) is `"A", "B" and "C"`.
func Quote(items []string) []string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return q
}

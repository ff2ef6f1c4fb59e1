package pricing

import (
	"strconv"
	"strings"
)

func strconvF(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

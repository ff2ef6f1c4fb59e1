//go:build !unix

package earlyterm

import (
	"os"
	"time"
)

// Query cannot ask a terminal here without risking a stall; it assumes a
// dark background.
func Query(in, out *os.File, timeout time.Duration) (isDark, answered bool) { return true, false }

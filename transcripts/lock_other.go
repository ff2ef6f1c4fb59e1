//go:build !unix

package transcripts

import "os"

// lockFile is a no-op where flock is not available.
func lockFile(f *os.File, path, what string) error { return nil }

//go:build linux

package transcripts

import (
	"os"
	"syscall"
)

// syncData makes f's data durable. fdatasync skips the metadata a plain
// fsync also writes (times, permissions) while still covering the file's
// growing size, which is all an append needs.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

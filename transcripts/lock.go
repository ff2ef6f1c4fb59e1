package transcripts

import (
	"fmt"
	"os"
)

// LockedError says another process writes a transcript or a batch folder.
type LockedError struct {
	Path string
	What string // "transcript", "batch folder"
	PID  int    // the process holding the lock; 0 when unknown
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("another parley process (pid %d)", e.PID)
	}
	return fmt.Sprintf("the %s %s is in use by %s; wait for it to finish, or stop it, and try again", e.What, e.Path, holder)
}

// LockDir takes the exclusive lock on a folder that one process at a time
// may write, such as a batch folder. The lock lasts until release is
// called or the process ends.
func LockDir(dir, what string) (release func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f, dir, what); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

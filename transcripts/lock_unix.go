//go:build unix

package transcripts

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile takes an exclusive lock on f for as long as f stays open, or
// reports who holds it. The lock is advisory (flock): every parley process
// that writes a transcript or a batch folder takes it, so two of them never
// write one at once, and it dies with its process.
func lockFile(f *os.File, path, what string) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return &LockedError{Path: path, What: what, PID: lockHolder(f)}
		}
		return &os.PathError{Op: "lock", Path: path, Err: err}
	}
}

// lockHolder finds the process holding a flock on f in /proc/locks
// (Linux); 0 when it cannot tell.
func lockHolder(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	ino := ":" + strconv.FormatUint(uint64(sys.Ino), 10)
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || !strings.HasSuffix(f[5], ino) {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil {
			return pid
		}
	}
	return 0
}

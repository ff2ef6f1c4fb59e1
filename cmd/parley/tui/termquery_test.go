//go:build unix

package tui

import (
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestSilentTerminalDoesNotStallStartup(t *testing.T) {
	t.Setenv("COLORFGBG", "")
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	// Drain the queries so the write does not block; answer nothing.
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := ptmx.Read(buf); err != nil {
				return
			}
		}
	}()
	// The wait given is the wait taken: given 50ms, a silent terminal is
	// given up on long before a guard sixty times that (a wait of its own,
	// or none at all, would hold startup until the guard).
	start := time.Now()
	dark, ok := darkBackground(tty, tty, 50*time.Millisecond)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a silent terminal held startup for %s, given 50ms", d)
	}
	if ok || !dark {
		t.Errorf("dark=%v ok=%v; a silent terminal is taken as dark, unknown", dark, ok)
	}
}

func TestTerminalThatAnswersIsRead(t *testing.T) {
	t.Setenv("COLORFGBG", "")
	for reply, wantDark := range map[string]bool{
		"\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[5;1R":   false,
		"\x1b]11;rgb:1e1e/1e1e/2e2e\x1b\\\x1b[5;1R": true,
	} {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		go func() {
			buf := make([]byte, 64)
			n, _ := ptmx.Read(buf)
			if n > 0 {
				ptmx.WriteString(reply)
			}
		}()
		// Reading ends at the cursor report, not at the wait given.
		start := time.Now()
		dark, ok := darkBackground(tty, tty, 60*time.Second)
		if !ok || dark != wantDark {
			t.Errorf("reply %q: dark=%v ok=%v, want dark=%v", reply, dark, ok, wantDark)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("reading an answer took %s of the 60s given; it should end at the cursor report", d)
		}
		ptmx.Close()
		tty.Close()
	}
}

func TestColorFgBgIsTrustedWithoutAsking(t *testing.T) {
	t.Setenv("COLORFGBG", "0;15")
	if dark, ok := darkBackground(nil, nil, time.Hour); dark || !ok {
		t.Errorf("COLORFGBG=0;15: dark=%v ok=%v", dark, ok)
	}
	t.Setenv("COLORFGBG", "15;default;0")
	if dark, ok := darkBackground(nil, nil, time.Hour); !dark || !ok {
		t.Errorf("COLORFGBG=15;default;0: dark=%v ok=%v", dark, ok)
	}
}

package main

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// The startup query is bounded only if earlyterm initializes before Bubble
// Tea, whose init asks the terminal with termenv's 5 s timeout.
func TestEarlyTermInitializesBeforeBubbleTea(t *testing.T) {
	cmd := exec.Command(parleyBinary(t), "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	order := regexp.MustCompile(`init (\S+) @`).FindAllSubmatch(out, -1)
	early, tea := -1, -1
	for i, m := range order {
		switch string(m[1]) {
		case "github.com/parleyhq/parley/cmd/parley/internal/earlyterm":
			early = i
		case "github.com/charmbracelet/bubbletea":
			tea = i
		}
	}
	if early < 0 || tea < 0 || early > tea {
		t.Fatalf("earlyterm initializes at %d, bubbletea at %d; earlyterm must come first", early, tea)
	}
}

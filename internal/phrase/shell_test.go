package phrase

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestShellWord(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"a plain word", "B=openai:gpt-5", "B=openai:gpt-5"},
		{"a path", "runs/a_1/x.jsonl", "runs/a_1/x.jsonl"},
		{"empty", "", "''"},
		{"a space", "B={model: end}", "'B={model: end}'"},
		{"a single quote", "it's", `'it'\''s'`},
		{"a dollar", "$HOME", "'$HOME'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ShellWord(c.in); got != c.want {
				t.Errorf("ShellWord(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// A command reaches the program, through the shell, as the words it was
// made of.
func TestCommand(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("needs sh")
	}
	for _, c := range []struct {
		name  string
		words []string
	}{
		{"plain words", []string{"parley", "batch", "--resume", "runs/b-1"}},
		{"a space", []string{"parley", "batch", "--resume", "my batch", "--retry-failed"}},
		{"a quote", []string{"parley", "batch", "--resume", "it's here"}},
		{"what a shell expands", []string{"parley", "resume", "$HOME/*.jsonl", "~x", "a;b", "#c", "`d`", ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := Command(c.words...)
			out, err := exec.Command(sh, "-c", `printf '%s\n' `+cmd).Output()
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); !slices.Equal(got, c.words) {
				t.Errorf("%s reached the program as %q; want %q", cmd, got, c.words)
			}
		})
	}
}

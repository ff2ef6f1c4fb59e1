package phrase

import "testing"

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

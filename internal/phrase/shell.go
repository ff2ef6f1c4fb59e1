package phrase

import "strings"

// ShellWord is s as one word of a shell command, as a sentence shows a
// command or flag to type: quoted when it holds anything but letters,
// digits and -_./=:,@+.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command is a command line to type, as a sentence suggests one: its
// words joined with spaces, each a ShellWord, so that a path with a space
// or a quote in it is copied and run as the one word it is.
func Command(words ...string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = ShellWord(w)
	}
	return strings.Join(quoted, " ")
}

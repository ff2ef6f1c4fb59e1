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

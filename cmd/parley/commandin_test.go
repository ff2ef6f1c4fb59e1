package main

import (
	"slices"
	"strings"
	"testing"
)

// commandIn reads the n words of the command that begins at the first
// "parley " in s after the text after, as a POSIX shell splits them:
// blanks part words, single quotes keep all up to the next, double quotes
// all but \ $ and `, and a backslash outside single quotes keeps the
// character after it. An unquoted ';' ends the command, as the shell
// ends it, and so does an unquoted ',' before a blank: the sentence's
// own, as a reader takes it.
func commandIn(t *testing.T, s, after string, n int) []string {
	t.Helper()
	i := strings.Index(s, after)
	if i < 0 {
		t.Fatalf("%q is not in %q", after, s)
		return nil
	}
	s = s[i+len(after):]
	j := strings.Index(s, "parley ")
	if j < 0 {
		t.Fatalf("no command follows %q in %q", after, s)
		return nil
	}
	s = s[j:]
	var words []string
	var w strings.Builder
	inWord := false
	for k := 0; k < len(s) && len(words) < n; k++ {
		switch c := s[k]; {
		case c == ';' || c == ',' && (k+1 == len(s) || s[k+1] == ' '):
			k = len(s)
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[k+1:], '\'')
			if end < 0 {
				t.Fatalf("an unclosed ' in %q", s)
			}
			w.WriteString(s[k+1 : k+1+end])
			k += end + 1
			inWord = true
		case c == '"':
			k++
			for ; k < len(s) && s[k] != '"'; k++ {
				if s[k] == '\\' && k+1 < len(s) && strings.IndexByte("\\$`\"", s[k+1]) >= 0 {
					k++
				}
				w.WriteByte(s[k])
			}
			inWord = true
		case c == '\\' && k+1 < len(s):
			k++
			w.WriteByte(s[k])
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord && len(words) < n {
		words = append(words, w.String())
	}
	return words
}

func TestCommandIn(t *testing.T) {
	for _, c := range []struct {
		name, s string
		want    []string
	}{
		{"plain words", "go on with: parley batch --resume out; then", []string{"parley", "batch", "--resume", "out"}},
		{"a comma after", "with: parley batch --resume out, or", []string{"parley", "batch", "--resume", "out"}},
		{"a quoted semicolon", "with: parley resume 'a;b'", []string{"parley", "resume", "a;b"}},
		{"a quoted space", "with: parley resume 'sp ace/x.jsonl' and", []string{"parley", "resume", "sp ace/x.jsonl"}},
		{"a quote in quotes", `with: parley batch --resume 'it'\''s here' --retry-failed`, []string{"parley", "batch", "--resume", "it's here", "--retry-failed"}},
		{"a space cut by the shell", "with: parley batch --resume my batch --retry-failed", []string{"parley", "batch", "--resume", "my", "batch"}},
		{"double quotes", `with: parley run "a \"b\" c"`, []string{"parley", "run", `a "b" c`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := commandIn(t, c.s, "with:", len(c.want)); !slices.Equal(got, c.want) {
				t.Errorf("commandIn = %q, want %q", got, c.want)
			}
		})
	}
}

// Package yamlpos finds where a YAML file's syntax error is, so that a
// sentence about it can name the line and column to fix.
package yamlpos

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Syntax finds where a YAML syntax error in data is: its line, its column
// and what is wrong, in words; ok is false when the parser finds none.
// yaml.v3 reports only a line, and sometimes that of the enclosing block
// rather than the fault; goccy/go-yaml's parser points at the token, with
// its column.
func Syntax(data []byte) (line, col int, what string, ok bool) {
	_, err := goccyparser.ParseBytes(data, 0)
	var ye goccy.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return 0, 0, "", false
	}
	p := ye.GetToken().Position
	line, col, what = p.Line, p.Column, ye.GetMessage()
	if open := unclosed(ye.GetToken()); open != nil && strings.Contains(what, "must be specified") {
		// The parser stops at the token after the list or mapping that
		// was never closed, often on a later line; the fault is its "[".
		closing := map[string]string{"[": "]", "{": "}"}[open.Value]
		return open.Position.Line, open.Position.Column, fmt.Sprintf("this %q is never closed; end what it opens with %q", open.Value, closing), true
	}
	if tk := ye.GetToken(); strings.Contains(what, "not allowed in this context") && plainRunOn(tk) {
		// A plain value that runs on to an indented "key:" line: the
		// parser points at where the value starts, the fault is the
		// last line.
		line += strings.Count(strings.TrimSpace(tk.Origin), "\n")
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) {
			l := lines[line-1]
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			col = utf8.RuneCountInString(indent) + 1
			if strings.Contains(indent, "\t") {
				what = "a tab character; YAML indents with spaces"
				col = strings.IndexByte(indent, '\t') + 1
			} else {
				what = "this line is indented under the value on the line before, as if to continue it; indent it as the fields beside it are"
			}
		}
		return line, col, what, true
	}
	if strings.Contains(what, "\t") || strings.Contains(what, "tab character") {
		what = "a tab character; YAML indents with spaces"
		// The parser points past the tab, at the token after it.
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) {
			if i := strings.IndexByte(lines[line-1], '\t'); i >= 0 {
				col = utf8.RuneCountInString(lines[line-1][:i]) + 1
			}
		}
	}
	return line, col, what, true
}

// unclosed is the "[" or "{" before t that no "]" or "}" closes, or nil.
func unclosed(t *token.Token) *token.Token {
	depth := 0
	for p := t.Prev; p != nil; p = p.Prev {
		switch p.Type {
		case token.SequenceEndType, token.MappingEndType:
			depth++
		case token.SequenceStartType, token.MappingStartType:
			if depth == 0 {
				return p
			}
			depth--
		}
	}
	return nil
}

// plainRunOn reports whether t is a plain (unquoted) value that the
// parser read on over more than one line.
func plainRunOn(t *token.Token) bool {
	o := strings.TrimSpace(t.Origin)
	return t.Type == token.StringType && strings.Contains(o, "\n") && !strings.HasPrefix(o, "'") && !strings.HasPrefix(o, `"`)
}

package yamlpos

import "testing"

func TestSyntax(t *testing.T) {
	cases := []struct {
		name      string
		data      string
		line, col int
		what      string
	}{
		{"a list never closed is named at its bracket", "a: 1\nb: [x, y\nc: 3\n", 2, 4, `this "[" is never closed; end what it opens with "]"`},
		{"the bracket left open, not an inner one that closed", "a: [1, [2, 3]\nb: 3\n", 1, 4, `this "[" is never closed; end what it opens with "]"`},
		{"a mapping never closed", "a:\n  - {name: A, model: m\n  - name: B\n", 2, 5, `this "{" is never closed; end what it opens with "}"`},
		{"a tab is named at its column", "a: 1\n  \tb: 2\n", 2, 3, "a tab character; YAML indents with spaces"},
		{"a field indented under a value is named on its own line", "a: 1\n  b: [\n", 2, 3, "this line is indented under the value on the line before, as if to continue it; indent it as the fields beside it are"},
		{"blank lines between the value and the field under it", "a: x\n\n\n  b: 2\n", 4, 3, "this line is indented under the value on the line before, as if to continue it; indent it as the fields beside it are"},
		{"a quoted value is left where the parser points", "a: 'x\n  y'\n  b: 2\n", 3, 3, "value is not allowed in this context. map key-value is pre-defined"},
		{"a quote never closed", "a: 1\nb: \"x\n", 2, 4, "could not find end character of double-quoted text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, col, what, ok := Syntax([]byte(c.data))
			if !ok || line != c.line || col != c.col || what != c.what {
				t.Errorf("Syntax = %d:%d %q (%v), want %d:%d %q", line, col, what, ok, c.line, c.col, c.what)
			}
		})
	}
	if _, _, _, ok := Syntax([]byte("a: [1, 2]\nb: {c: 3}\n")); ok {
		t.Error("valid YAML reported as an error")
	}
}

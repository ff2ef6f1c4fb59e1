package controls

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"plain text passes", []string{"Hello, world.\n\tindented\n"}, "Hello, world.\n\tindented\n"},
		{"a colour sequence loses its escape", []string{"\x1b[31mred\x1b[0m"}, "[31mred[0m"},
		{"OSC 52 cannot write the clipboard", []string{"a\x1b]52;c;aGk=\x07b"}, "a]52;c;aGk=b"},
		{"OSC 0 cannot retitle the window", []string{"\x1b]0;owned\x1b\\x"}, "]0;owned\\x"},
		{"a carriage return cannot overwrite a line", []string{"shown\rhidden"}, "shownhidden"},
		{"DEL and NUL are dropped", []string{"a\x7fb\x00c"}, "abc"},
		{"a C1 CSI is dropped", []string{"a\u009b31mb"}, "a31mb"},
		{"a C1 control split across writes", []string{"a\xc2", "\x9b31mb"}, "a31mb"},
		{"a letter split across writes is kept", []string{"caf\xc2", "\xa9!"}, "caf©!"},
		{"Latin-1 letters and other scripts pass", []string{"© é ü — 再见 🙏"}, "© é ü — 再见 🙏"},
		{"a lead byte then another lead byte", []string{"x\xc2", "\xc2\x85y"}, "x\xc2y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			f := NewFilter(&b)
			for _, w := range tc.writes {
				if n, err := f.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", w, n, err, len(w))
				}
			}
			if b.String() != tc.want {
				t.Fatalf("passed on %q; want %q", b.String(), tc.want)
			}
		})
	}
}

func TestStrip(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain text is kept", "boom: 500\tInternal\nServer Error", "boom: 500\tInternal\nServer Error"},
		{"a title sequence loses its escape and bell", "boom\x1b]0;owned\x07!", "boom]0;owned!"},
		{"C1, DEL, NUL and a carriage return are dropped", "a\u009b2Jb\x7fc\x00d\re", "a2Jbcde"},
		{"a trailing lead byte is kept as written", "caf\xc2", "caf\xc2"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Strip(tc.in); got != tc.want {
				t.Errorf("Strip(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

// JSON written for reading keeps every character, but DEL and the C1
// controls, which encoding/json leaves raw, are written as escapes: the
// file reads back the same and `cat` of it shows them rather than obeys.
func TestEscapeJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain JSON is kept", `{"a":"é ü © — 再见"}`, `{"a":"é ü © — 再见"}`},
		{"a C1 CSI is escaped", "{\"e\":\"a\u009b2Jb\"}", `{"e":"a\u009b2Jb"}`},
		{"DEL is escaped", "{\"e\":\"a\x7fb\"}", `{"e":"a\u007fb"}`},
		{"the last C1 control and the first letter after them", "[\"\u009f\u00a0\"]", "[\"\\u009f\u00a0\"]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := EscapeJSON([]byte(tc.in))
			if string(got) != tc.want {
				t.Fatalf("EscapeJSON(%q) = %q; want %q", tc.in, got, tc.want)
			}
			var before, after any
			if err := json.Unmarshal([]byte(tc.in), &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &after); err != nil || !reflect.DeepEqual(before, after) {
				t.Fatalf("reads back as %v (%v); want %v", after, err, before)
			}
		})
	}
}

package controls

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
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
		{"a lead byte then another lead byte", []string{"x\xc2", "\xc2\x85y"}, "x\uFFFDy"},
		{"a raw 8-bit CSI is shown as a replacement character", []string{"a\x9b2Jb"}, "a\uFFFD2Jb"},
		{"every byte that is not UTF-8 is a replacement character", []string{"caf\xe9 \x80\x9f \xff"}, "caf\uFFFD \uFFFD\uFFFD \uFFFD"},
		{"a cut character is a replacement character for each byte", []string{"\xe2\x80x"}, "\uFFFD\uFFFDx"},
		{"an overlong CSI is not read as one", []string{"\xc0\x9b2J"}, "\uFFFD\uFFFD2J"},
		{"a surrogate's bytes are not a character", []string{"\xed\xa0\x80"}, "\uFFFD\uFFFD\uFFFD"},
		{"a character of four bytes split across three writes", []string{"a\xf0", "\x9f\x99", "\x8fb"}, "a🙏b"},
		{"a character of three bytes split after each byte", []string{"\xe2", "\x80", "\x94"}, "—"},
		{"a cut character, then what follows in the next write", []string{"a\xe2\x80", "b"}, "a\uFFFD\uFFFDb"},
		{"a replacement character as written passes", []string{"\uFFFD"}, "\uFFFD"},
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

// Standard error is written from several goroutines at once (a batch's
// conversations warn as they run): through a Filter, each write still
// arrives whole, none cut into or run into another.
func TestFilterTakesWritesFromSeveralGoroutines(t *testing.T) {
	const writers, lines = 8, 500
	var b bytes.Buffer
	f := NewFilter(&b)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(f, "warning %d.%d: \x1b]0;title\x07 caf\xc3\xa9 from writer %d\n", w, i, w)
			}
		}()
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines passed on; want %d", len(got), writers*lines)
	}
	seen := map[string]bool{}
	for _, l := range got {
		var w, i, again int
		if _, err := fmt.Sscanf(l, "warning %d.%d: ]0;title café from writer %d", &w, &i, &again); err != nil || w != again || seen[l] {
			t.Fatalf("a line passed on cut, run into another or twice: %q", l)
		}
		seen[l] = true
	}
}

func TestStrip(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain text is kept", "boom: 500\tInternal\nServer Error", "boom: 500\tInternal\nServer Error"},
		{"a title sequence loses its escape and bell", "boom\x1b]0;owned\x07!", "boom]0;owned!"},
		{"C1, DEL, NUL and a carriage return are dropped", "a\u009b2Jb\x7fc\x00d\re", "a2Jbcde"},
		{"a trailing lead byte is a replacement character", "caf\xc2", "caf\uFFFD"},
		{"a raw 8-bit CSI is a replacement character", "a\x9b2Jb", "a\uFFFD2Jb"},
		{"Latin-1 text read as UTF-8", "na\xefve caf\xe9", "na\uFFFDve caf\uFFFD"},
		{"a cut character at the end", "ok \xf0\x9f\x99", "ok \uFFFD\uFFFD\uFFFD"},
		{"an encoded C1 control beside a byte that is not UTF-8", "\u009b\x9b", "\uFFFD"},
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

// Whatever the text and however it is cut into writes, what a Filter
// passes on is what Strip gives of the whole: UTF-8 with no control
// character but newline and tab, no DEL and no C1 control.
func FuzzFilterIsStrip(f *testing.F) {
	for _, s := range []string{"Hello\tworld\n", "a\x1b]0;t\x07b", "a\u009bb\xc2", "caf\xe9 \xe2\x80 \xf0\x9f\x99\x8f\xed\xa0\x80\xc0\x9b\x7f\r"} {
		f.Add(s, uint8(1), uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, a, b uint8) {
		want := Strip(s)
		if !utf8.ValidString(want) {
			t.Fatalf("Strip(%q) = %q, not UTF-8", s, want)
		}
		for _, r := range want {
			if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 {
				t.Fatalf("Strip(%q) = %q holds %U", s, want, r)
			}
		}
		i, j := min(int(a), len(s)), min(int(a)+int(b), len(s))
		var got bytes.Buffer
		w := NewFilter(&got)
		for _, p := range []string{s[:i], s[i:j], s[j:], "\n"} {
			w.Write([]byte(p))
		}
		if got.String() != want+"\n" {
			t.Fatalf("written in three at %d and %d, %q passed on %q; Strip gives %q", i, j, s, got.String(), want)
		}
	})
}

package lazy

import (
	"regexp"
	"testing"
)

func TestRegexpIsMustCompileOnce(t *testing.T) {
	re := Regexp(`^line (\d+): `)
	if first, second := re(), re(); first != second {
		t.Error("a second call compiled the expression again")
	}
	if got, want := re().String(), regexp.MustCompile(`^line (\d+): `).String(); got != want {
		t.Errorf("compiled %q, want %q", got, want)
	}
	if m := re().FindStringSubmatch("line 12: x"); len(m) != 2 || m[1] != "12" {
		t.Errorf("matched %q", m)
	}
}

func TestRegexpPanicsAtFirstUse(t *testing.T) {
	re := Regexp(`(`) // made without a panic
	defer func() {
		if recover() == nil {
			t.Error("a bad expression compiled")
		}
	}()
	re()
}

func TestSetHoldsEachWord(t *testing.T) {
	set := Set(`a b
		c  a`)
	if got := set(); len(got) != 3 || !got["a"] || !got["b"] || !got["c"] || got[""] {
		t.Errorf("Set made %v", got)
	}
}

func TestExpressionsListsEveryRegexp(t *testing.T) {
	before := len(Expressions())
	Regexp(`a+`)
	Regexp(`b+`)
	got := Expressions()
	if len(got) != before+2 || got[len(got)-2] != `a+` || got[len(got)-1] != `b+` {
		t.Errorf("Expressions() = %q after registering a+ and b+", got)
	}
}

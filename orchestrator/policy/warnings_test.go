package policy

import (
	"strings"
	"testing"
)

func TestWarningsNameAGuardAboveItsBudget(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string // "": no warning
	}{
		{"the default set", DefaultYAML, ""},
		{"a guard below the budget", "any: [min_messages: 4, max_messages: 10]", ""},
		{"a guard above the budget", "all: [min_messages: 50, max_messages: 10]",
			"min_messages: 50 is above max_messages: 10, which it guards, so no rule may stop the run before message 50 and the limit of 10 is not kept; lower min_messages below 10, or raise max_messages"},
		{"a budget nested under the guard", "any: [min_messages: 20, {any: [max_messages: 8, loop: {}]}]", "min_messages: 20 is above max_messages: 8"},
		{"a guard in another branch", "any: [{all: [min_messages: 50, loop: {}]}, max_messages: 10]", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseYAML([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			ws := Warnings(p)
			switch {
			case c.want == "" && len(ws) > 0:
				t.Errorf("warnings %+v, want none", ws)
			case c.want != "" && (len(ws) != 1 || !strings.HasPrefix(ws[0].Msg, c.want)):
				t.Errorf("warnings %+v, want one starting %q", ws, c.want)
			}
		})
	}
}

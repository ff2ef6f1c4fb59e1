package earlyterm

import "testing"

func TestMayShowView(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want bool
	}{
		{"the demo", []string{"demo"}, true},
		{"a run", []string{"run", "s.yaml"}, true},
		{"show", []string{"show", "t.md"}, true},
		{"a batch", []string{"batch", "-n", "3", "s.yaml"}, true},
		{"a run printed as text", []string{"run", "s.yaml", "--no-tui"}, false},
		{"show printed as text", []string{"show", "--no-tui", "t.md"}, false},
		{"--no-tui=false keeps the view", []string{"run", "--no-tui=false", "s.yaml"}, true},
		{"--no-tui after -- is an argument", []string{"run", "--", "--no-tui"}, true},
		{"check", []string{"check", "corpus/"}, false},
		{"report", []string{"report", "dir", "--out", "r"}, false},
		{"validate", []string{"validate", "s.yaml"}, false},
		{"the help", nil, false},
		{"--help alone", []string{"--help"}, false},
		{"a file named like a command, given to check", []string{"check", "run"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := MayShowView(c.args); got != c.want {
				t.Errorf("MayShowView(%q) = %v, want %v", c.args, got, c.want)
			}
		})
	}
}

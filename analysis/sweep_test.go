package analysis

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// An end_token sweep varies the rules that count the way it names: the
// default set's hang-up rules count messages, so an exchanges sweep
// leaves them alone instead of making each rule take both.
func TestSweepEndTokenCountsTheWayItsRulesDo(t *testing.T) {
	tests := []struct {
		name, policy, sweep string
		want                []string // in every point's policy
		wantErr             string
	}{
		{"exchanges over the default set", policy.DefaultYAML, "end_token.exchanges=3,6", []string{`token: "[END]", exchanges: `, `token: "^C^C", messages: 1`, `token: "<CAMEL_TASK_DONE>", messages: 1`}, ""},
		{"messages over the default set", policy.DefaultYAML, "end_token.messages=2", []string{`token: "[END]", exchanges: 10`, `token: "^C^C", messages: 2`}, ""},
		{"the short form", "any:\n  - end_token: \"[END]\"\n", "end_token.exchanges=3", []string{"[END]", "exchanges"}, ""},
		{"only rules that count the other way", "any:\n  - end_token: {token: \"^C^C\", messages: 1}\n", "end_token.exchanges=3", nil,
			`the policy's end_token rules count messages, not exchanges; sweep end_token.messages instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.policy), &n); err != nil {
				t.Fatal(err)
			}
			grid, err := ParseSweeps([]string{tt.sweep})
			if err != nil {
				t.Fatal(err)
			}
			points, err := Points(&n, grid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, pt := range points {
				out, err := yaml.Marshal(pt.Node)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := policy.Parse(pt.Node); err != nil {
					t.Errorf("%v: %v\n%s", pt.Settings, err, out)
				}
				for _, w := range tt.want {
					if w == `token: "[END]", exchanges: ` {
						w += pt.Settings["end_token.exchanges"]
					}
					if !strings.Contains(string(out), w) {
						t.Errorf("%v: the policy lacks %q:\n%s", pt.Settings, w, out)
					}
				}
			}
		})
	}
}

// A field swept by two --sweep flags is refused: the second would set the
// field over the first at every point, and the rows would be labelled
// with values never tried.
func TestParseSweepsRefusesAFieldSweptTwice(t *testing.T) {
	tests := []struct {
		name    string
		specs   []string
		wantErr string
	}{
		{"the same field twice", []string{"loop.count=3,4", "loop.count=5"},
			`--sweep "loop.count=5": loop.count is already swept by --sweep "loop.count=3,4"; give all its values in one --sweep, such as --sweep loop.count=3,4,5`},
		{"a range and a list", []string{"loop.count=3..5", "loop.threshold=0.7", "loop.count=5,6"},
			`--sweep "loop.count=5,6": loop.count is already swept by --sweep "loop.count=3..5"; give all its values in one --sweep, such as --sweep loop.count=3,4,5,6`},
		{"too many values to write out", []string{"max_messages=1..20", "max_messages=30"},
			`--sweep "max_messages=30": max_messages is already swept by --sweep "max_messages=1..20"; give all its values in one --sweep`},
		{"a value given twice", []string{"loop.count=3,4,3"}, `--sweep "loop.count=3,4,3": 3 is given twice; give each value once`},
		{"an empty value", []string{"loop.count=3,,4"}, `--sweep "loop.count=3,,4": value 2 is empty; list the values with one comma between each, such as loop.count=3,4`},
		{"a comma at the end", []string{"loop.count=3,4,"}, `--sweep "loop.count=3,4,": value 3 is empty; list the values with one comma between each, such as loop.count=3,4`},
		{"two fields of one rule", []string{"loop.count=3,4", "loop.within=6,7"}, ""},
		{"one field of two rules", []string{"repetition.count=2", "stagnation.count=3"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grid, err := ParseSweeps(tt.specs)
			if tt.wantErr == "" {
				if err != nil || len(grid) != len(tt.specs) {
					t.Fatalf("ParseSweeps(%q) = %d axes, %v; want %d axes", tt.specs, len(grid), err, len(tt.specs))
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
			}
		})
	}
}

// A grid is counted before it is built: one beyond MaxPoints is refused
// with a sentence that names the cap and the count asked for, and so is
// a range longer than the cap, whose sentence names the cap too.
func TestSweepGridsHaveACap(t *testing.T) {
	tests := []struct {
		name    string
		specs   []string
		points  int
		wantErr string
	}{
		{"the README's corpus sweep", []string{"loop.count=3..5", "loop.threshold=0.55,0.7,0.85"}, 9, ""},
		{"a grid at the cap", []string{"max_messages=1..100", "end_token.exchanges=1..10"}, 1000, ""},
		{"a range at the cap", []string{"max_messages=1..1000"}, 1000, ""},
		{"two ranges of a thousand", []string{"loop.count=1..1000", "loop.within=1..1000"}, 0,
			"--sweep: the grid holds 1000000 points (1000 × 1000 values), and a sweep tries at most 1000; give fewer values, or sweep one field at a time"},
		{"one point over", []string{"max_messages=1..1000", "end_token.exchanges=1,2"}, 0,
			"--sweep: the grid holds 2000 points (1000 × 2 values), and a sweep tries at most 1000"},
		{"more points than an int holds", []string{"max_messages=1..1000", "min_messages=1..1000", "loop.count=1..1000", "loop.within=1..1000",
			"end_token.exchanges=1..1000", "end_token.messages=1..1000", "repetition.count=1..1000"}, 0,
			"--sweep: the grid holds 1000000000000000000000 points (1000 × 1000 × 1000 × 1000 × 1000 × 1000 × 1000 values)"},
		{"a range beyond the cap", []string{"loop.count=1..100000"}, 0,
			`--sweep "loop.count=1..100000": the range holds 100000 values, and a sweep tries at most 1000 points; narrow it, such as 1..1000`},
		{"a range as wide as ints go", []string{"loop.count=-9223372036854775808..9223372036854775807"}, 0,
			"the range holds 18446744073709551616 values"},
		{"a backward range", []string{"loop.count=5..3"}, 0, `--sweep "loop.count=5..3": the range runs down from 5 to 3; write the low end first, 3..5`},
		{"a range of fractions", []string{"loop.threshold=0.5..0.9"}, 0,
			`a range is two whole numbers, low..high, such as 1..4; list other values with commas, such as loop.threshold=0.5,0.7,0.9`},
		{"a list beyond the cap", []string{"loop.count=" + strings.TrimSuffix(strings.Repeat("1,", 1001), ",")}, 0,
			`1001 values, and a sweep tries at most 1000 points; give fewer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grid, err := ParseSweeps(tt.specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v\nwant one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(policy.DefaultYAML), &n); err != nil {
				t.Fatal(err)
			}
			points, err := Points(&n, grid)
			if err != nil || len(points) != tt.points {
				t.Fatalf("Points = %d points, %v; want %d", len(points), err, tt.points)
			}
		})
	}
	// Points refuses a grid beyond the cap too, before it makes a point.
	big := []Axis{{Rule: "max_messages", Values: make([]string, 1000)}, {Rule: "min_messages", Values: make([]string, 1000)}}
	if _, err := Points(&yaml.Node{}, big); err == nil || !strings.Contains(err.Error(), "1000000 points") {
		t.Errorf("Points over 1000 × 1000 values: err = %v", err)
	}
}

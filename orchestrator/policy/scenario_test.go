package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ParseScenarioFrom reads a scenario's termination: block alone: a
// scenario without one names no rules (it runs under the default set),
// and its other fields are never read as rules; a loop rule's model: is
// found beside the scenario, as its run found it.
func TestParseScenarioFromReadsTheTerminationBlockAlone(t *testing.T) {
	dir := t.TempDir()
	model, err := os.ReadFile("loopmodel.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.json"), model, 0o600); err != nil {
		t.Fatal(err)
	}
	const agents = "title: two scripts\nagents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\nfirst: B\n"
	cases := []struct {
		name, yaml string
		want       string // the policy's type; "" for none
		wantErr    string
	}{
		{"no termination: block", agents, "", ""},
		{"a roster and no block", "roster:\n  agents: [{name: A, model: m}, {name: B, model: m}]\n", "", ""},
		{"a block", agents + "termination:\n  max_messages: 7\n", "policy.MaxMessages", ""},
		{"a block before the agents", "termination: {stop_pattern: bye}\n" + agents, "policy.StopPattern", ""},
		{"a block whose model is beside the scenario", agents + "termination:\n  loop: {model: m.json}\n", "*policy.Loop", ""},
		{"a block's mistake, with its line", agents + "termination:\n  max_mesages: 7\n", "", `line 7: unknown termination policy "max_mesages"`},
		{"YAML that does not parse", "agents: [\n", "", "did not find expected node content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseScenarioFrom([]byte(c.yaml), dir)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want %q", err, c.wantErr)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case c.want == "" && p != nil:
				t.Errorf("got %T, want no rules", p)
			case c.want != "" && fmt.Sprintf("%T", p) != c.want:
				t.Errorf("got %T, want %s", p, c.want)
			}
		})
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// complete asks the command line what completes args, as a shell does.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	code, out, errOut := parley(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q: exit %d %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var d int
	fmt.Sscanf(lines[len(lines)-1], ":%d", &d)
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "Completion ended") {
			vals = append(vals, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return vals, cobra.ShellCompDirective(d)
}

func TestCompletion(t *testing.T) {
	cases := []struct {
		args []string
		want []string
		dir  cobra.ShellCompDirective
	}{
		{[]string{"run", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"validate", "a.yaml", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"doctor", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"check", ""}, []string{"md", "jsonl", "json", "txt"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"show", ""}, []string{"md", "jsonl", "json", "txt"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"resume", ""}, []string{"md", "jsonl", "json", "txt"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"export", ""}, []string{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"run", "--agent", "oll"}, []string{"ollama:"}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"batch", "--queue", ""}, []string{"embedded", "nats://"}, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"run", "--set", "agents[1].tem"}, []string{"agents[1].temperature="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"batch", "--vary", "agents[0].api_key_f"}, []string{"agents[0].api_key_file="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"run", "--set", "agents[A].base_url"}, []string{"agents[A].base_url=", "agents[A].base_urls="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"check", "--sweep", "stag"}, []string{"stagnation."}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"show", "--policy", ""}, []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"run", "--out", ""}, nil, cobra.ShellCompDirectiveFilterDirs},
		{[]string{"demo", ""}, nil, cobra.ShellCompDirectiveNoFileComp},
	}
	for _, c := range cases {
		got, dir := complete(t, c.args...)
		// The shell filters by prefix; parley may offer more.
		var kept []string
		prefix := c.args[len(c.args)-1]
		for _, g := range got {
			if strings.HasPrefix(g, prefix) || dir&cobra.ShellCompDirectiveFilterFileExt != 0 {
				kept = append(kept, g)
			}
		}
		if strings.Join(kept, " ") != strings.Join(c.want, " ") || dir != c.dir {
			t.Errorf("%q: %q directive %d, want %q directive %d", c.args, kept, dir, c.want, c.dir)
		}
	}
}

func TestCompletionScriptsAreOffered(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := parley(t, "completion", sh)
		if code != exitOK || !strings.Contains(out, "parley") {
			t.Errorf("completion %s: exit %d %s", sh, code, errOut)
		}
	}
}

// The completions are attached only when the command line asks for them:
// both of cobra's completion commands must find them.
func TestCompletionWithoutDescriptions(t *testing.T) {
	code, out, errOut := parley(t, cobra.ShellCompNoDescRequestCmd, "batch", "--queue", "")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "embedded\n") || !strings.HasSuffix(strings.TrimSpace(out), fmt.Sprintf(":%d", cobra.ShellCompDirectiveNoFileComp)) {
		t.Errorf("__completeNoDesc batch --queue offered:\n%s", out)
	}
	if !completing([]string{"--no-tui", cobra.ShellCompRequestCmd, "run"}) || completing([]string{"check", "a.md"}) {
		t.Error("completing misreads a command line")
	}
}

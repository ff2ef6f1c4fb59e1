package main

import (
	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/agents"
)

// completeAgent offers the provider presets for --agent PROVIDER:MODEL.
func completeAgent(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, p := range agents.Providers() {
		out = append(out, p.Name+":\t"+p.Note)
	}
	return out, cobra.ShellCompDirectiveNoSpace
}

// completeScenarios offers scenario files.
func completeScenarios(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeTranscripts offers transcripts in the layouts parley reads.
func completeTranscripts(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"md", "jsonl", "json", "txt"}, cobra.ShellCompDirectiveFilterFileExt
}

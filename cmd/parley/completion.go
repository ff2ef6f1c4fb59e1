package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/configs"
)

// Shell completion (`parley completion bash|zsh|fish|powershell`) offers
// scenario files where a command takes scenarios, transcripts where it
// takes transcripts, and the values of flags with a closed set.

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// argCompletions are what each command's arguments complete to.
var argCompletions = map[string]completeFunc{
	"run": completeScenarios, "validate": completeScenarios, "doctor": completeScenarios, "batch": completeScenarios,
	"check": completeTranscripts, "show": completeTranscripts, "fork": completeTranscripts, "report": completeTranscripts,
	"resume": completeRecordings, "export": completeJSONL,
	"convert": completeConvert,
	"demo":    noFiles, "providers": noFiles, "version": noFiles, "worker": noFiles, "collect": noFiles,
}

// flagCompletions are what a flag of that name completes to, in any command.
var flagCompletions = map[string]completeFunc{
	"agent":      completeAgent,
	"policy":     completeScenarios,
	"scenario":   completeScenarios,
	"out":        completeDirs,
	"resume":     completeDirs,
	"queue-dir":  completeDirs,
	"output":     completeMarkdown,
	"set":        completeFieldPaths,
	"vary":       completeFieldPaths,
	"sweep":      completeSweep,
	"queue":      fixed("embedded\tthe queue inside this process", "nats://\ta NATS JetStream server, such as nats://HOST:4222"),
	"pace":       fixed("0\tinstant", "1ms", "5ms", "20ms"),
	"text-width": fixed("0\tthe whole window", "80", "100\tthe default", "120"),
}

// completionShells are the shells cobra's completion command writes a
// script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// refuseOtherShells makes `parley completion SHELL` refuse a shell it has
// no script for, where cobra would print its help and exit 0.
func refuseOtherShells(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(fmt.Errorf("completion: %q is not a shell parley writes completions for; it writes them for %s", args[0], strings.Join(completionShells, ", ")))
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
}

// completing reports whether args ask for shell completions: cobra's
// hidden __complete (or __completeNoDesc) command, which the scripts of
// `parley completion` run at each press of Tab. Only it reads the
// completions addCompletions attaches, so other commands skip attaching
// them, a quarter of the time it takes to set up parley's commands.
func completing(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == cobra.ShellCompRequestCmd || a == cobra.ShellCompNoDescRequestCmd
	})
}

// addCompletions attaches the completions to every command.
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		if f, ok := argCompletions[c.Name()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = f
		}
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if f, ok := flagCompletions[fl.Name]; ok {
				if _, has := c.GetFlagCompletionFunc(fl.Name); !has {
					_ = c.RegisterFlagCompletionFunc(fl.Name, f)
				}
			}
		})
	}
}

func fixed(values ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func noFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeAgent offers the provider presets for --agent PROVIDER:MODEL.
func completeAgent(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, p := range agents.Providers() {
		out = append(out, p.Name+":\t"+p.Note)
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// completeScenarios offers scenario files.
func completeScenarios(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeTranscripts offers the files parley reads as transcripts when
// named (and folders, which it searches for them).
func completeTranscripts(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return analysis.TranscriptExts(), cobra.ShellCompDirectiveFilterFileExt
}

// completeRecordings offers what resume continues: a recording parley
// made, by its JSONL or its Markdown.
func completeRecordings(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"jsonl", "md"}, cobra.ShellCompDirectiveFilterFileExt
}

func completeJSONL(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
}

func completeMarkdown(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"md"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeConvert offers a transcript (or a tournament config) to read,
// then a file to write: a transcript's Markdown or JSONL, a config's
// roster scenario, or, when the file to read cannot be read, any of them.
func completeConvert(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return completeTranscripts(cmd, args, toComplete)
	case 1:
		data, err := os.ReadFile(args[0])
		switch {
		case err != nil:
			return slices.Concat(transcriptOuts, rosterOuts), cobra.ShellCompDirectiveFilterFileExt
		case configs.LooksLikeAttractorsConfig(data):
			return rosterOuts, cobra.ShellCompDirectiveFilterFileExt
		}
		return transcriptOuts, cobra.ShellCompDirectiveFilterFileExt
	}
	return noFiles(cmd, args, toComplete)
}

func completeDirs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// fieldPaths are the scenario paths --set and --vary take most often.
var fieldPaths = []string{
	"title=", "first=", "opening=", "history.max_messages=", "output.dir=",
	"termination.max_messages=", "termination.any[0].",
	"agents[0].", "agents[1].",
	"model=", "temperature=", "top_p=", "max_tokens=", "seed=", "system=", "provider=", "base_url=",
}

// agentFields complete the part after agents[N]: every field an agent
// has, as configs reads them.
func agentFields() []string {
	var out []string
	for _, f := range configs.AgentFields() {
		out = append(out, f+"=")
	}
	return out
}

func completeFieldPaths(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	dir := cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	if i := strings.Index(toComplete, "]."); i >= 0 && strings.HasPrefix(toComplete, "agents[") {
		var out []string
		for _, f := range agentFields() {
			out = append(out, toComplete[:i+2]+f)
		}
		return out, dir
	}
	return fieldPaths, dir
}

// completeSweep offers what check --sweep can vary, in the form it takes:
// RULE= for a rule written as its value alone, RULE. for one with
// settings, and after RULE. each of its settings as RULE.FIELD=.
func completeSweep(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	rule, _, inRule := strings.Cut(toComplete, ".")
	for _, name := range analysis.Sweepable() {
		r, _, hasField := strings.Cut(name, ".")
		switch {
		case inRule && r == rule && hasField:
			out = append(out, name+"=")
		case inRule:
		case hasField:
			if !slices.Contains(out, r+".") {
				out = append(out, r+".")
			}
		default:
			out = append(out, name+"=")
		}
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

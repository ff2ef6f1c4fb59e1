package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newResumeCmd, newExportCmd) }

func newResumeCmd() *cobra.Command {
	var (
		f           runFlags
		scenario    string
		maxMessages int
		policyFile  string
	)
	c := &cobra.Command{
		Use:   "resume TRANSCRIPT",
		Short: "Continue a stopped, interrupted or crashed conversation from its last completed message",
		Long: `resume continues a recorded conversation in the same transcript files. It
uses the scenario recorded in the JSONL sidecar, or the one given with
--scenario. The termination policies see the whole conversation, so a run
that a budget stopped needs --max-messages or --policy to go further.`,
		Args: exactArgs(1, "resume takes one transcript, NAME.jsonl or NAME.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			jsonl := sidecar(args[0])
			rec, t, err := transcripts.Open(jsonl)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("%s does not exist; resume needs the JSONL sidecar parley recorded beside the Markdown", jsonl))
				}
				return usageErr(fmt.Errorf("cannot resume %s: %w", jsonl, err))
			}
			for _, w := range t.Run.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", jsonl, w)
			}
			var s *configs.Scenario
			switch {
			case scenario != "":
				s, err = configs.Load(scenario)
			case t.Run.Scenario != "":
				s, err = configs.Parse(t.Run.ScenarioPath, []byte(t.Run.Scenario))
			default:
				err = fmt.Errorf("%s records no scenario; give one with --scenario", jsonl)
			}
			if err != nil {
				rec.Close()
				return usageErr(err)
			}
			res := &resumption{recording: rec, started: t.Started}
			switch {
			case policyFile != "":
				p, err := configs.LoadPolicy(policyFile)
				if err != nil {
					rec.Close()
					return usageErr(err)
				}
				res.policy = func(policy.Policy) policy.Policy { return p }
			case maxMessages > 0:
				res.policy = func(p policy.Policy) policy.Policy { return withMaxMessages(p, maxMessages) }
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "parley: resuming %s after message %d\n", jsonl, len(rec.Messages()))
			_, err = stage(cmd.Context(), cmd, s, f, res)
			return err
		},
	}
	f.register(c)
	c.Flags().StringVar(&scenario, "scenario", "", "run under this scenario instead of the one recorded in the JSONL")
	c.Flags().IntVar(&maxMessages, "max-messages", 0, "raise (or set) the max_messages budget, to extend a conversation a budget stopped")
	c.Flags().StringVar(&policyFile, "policy", "", "a YAML file with the termination policies to continue under")
	return c
}

// sidecar maps a transcript path to its JSONL sidecar.
func sidecar(path string) string {
	if strings.HasSuffix(path, ".md") {
		return strings.TrimSuffix(path, ".md") + ".jsonl"
	}
	return path
}

// withMaxMessages replaces every max_messages budget in p with n, or adds
// one when p has none.
func withMaxMessages(p policy.Policy, n int) policy.Policy {
	budget, err := policy.ParseYAML([]byte(fmt.Sprintf("max_messages: %d", n)))
	if err != nil {
		// n comes from an int flag; a budget of it always parses.
		panic(err)
	}
	replaced := false
	p = policy.Map(p, func(q policy.Policy) policy.Policy {
		if _, ok := q.(policy.MaxMessages); ok {
			replaced = true
			return budget
		}
		return q
	})
	if !replaced {
		return policy.Any{p, budget}
	}
	return p
}

func newExportCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "export TRANSCRIPT.jsonl",
		Short: "Rebuild a transcript's Markdown from its JSONL sidecar",
		Args:  exactArgs(1, "export takes one JSONL transcript"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := transcripts.Read(args[0])
			if err != nil {
				return usageErr(err)
			}
			if t.Run == nil {
				return usageErr(fmt.Errorf("%s is not a JSONL transcript", args[0]))
			}
			for _, w := range t.Run.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", args[0], w)
			}
			if out == "" || out == "-" {
				return transcripts.WriteMarkdown(cmd.OutOrStdout(), t)
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				if errors.Is(err, fs.ErrExist) {
					return usageErr(fmt.Errorf("%s already exists; parley never overwrites a transcript (choose another -o)", out))
				}
				return failureErr(err)
			}
			if err := transcripts.WriteMarkdown(f, t); err != nil {
				f.Close()
				return failureErr(err)
			}
			return f.Close()
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the Markdown to this new file (default: standard output)")
	return c
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newForkCmd) }

func newForkCmd() *cobra.Command {
	var (
		f        runFlags
		at       int
		scenario string
		replace  []string
	)
	c := &cobra.Command{
		Use:   "fork TRANSCRIPT --at N [--scenario FILE] [--agent SEAT=SPEC]...",
		Short: "Continue a recorded conversation from message N, under another scenario or with a seat handed to another model",
		Long: `fork keeps the first N messages of a recorded conversation and continues it
as a new transcript, whose JSONL run line and Markdown header name the
parent and the message it branched at. The seat whose turn comes after
message N speaks first. The parent is never changed.

It runs under the scenario recorded in the parent's JSONL (from its file,
when the recording hides the scenario's secrets), or --scenario FILE. The parent may be in any layout check reads ("### Name ###" logs,
speaker-labelled text, JSON); one that records no scenario needs
--scenario. --agent hands one seat to another model from message N on:

  --agent 'grok-4=openrouter:openai/gpt-5'                 PROVIDER:MODEL
  --agent 'grok-4={base_url: http://127.0.0.1:8080/v1, model: m, name: M}'

The seat keeps its system prompt and other settings unless the spec sets
them, takes the new model's name (or name:), and sees the messages it
spoke before as its own. The rules read the kept messages but stop the
fork only after one of its own, so a loop the parent was in stops it only
if the new seat carries the loop on. For example, to see which model
breaks a loop, fork message 40 once per model:

  parley fork loop.jsonl --at 40 --agent 'grok-4=openrouter:openai/gpt-5'`,
		Args: exactArgs(1, "fork takes one transcript, such as NAME.jsonl or NAME.md, and --at N"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if at < 1 {
				return usageErr(errors.New("fork needs --at N, the last message of the parent to keep (from 1)"))
			}
			path := args[0]
			if jl := sidecar(path); jl != path {
				if _, err := os.Stat(jl); err == nil {
					path = jl
				}
			}
			parent, err := transcripts.ReadOne(path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("%s does not exist", path))
				}
				return usageErr(err)
			}
			rec := recordedYAML{path: scenario}
			if scenario != "" {
				if rec.src, err = os.ReadFile(scenario); err != nil {
					return usageErr(fmt.Errorf("reading the scenario: %w", err))
				}
			} else if rec, err = recordedScenario(parent.Run, path); err != nil {
				return usageErr(err)
			}
			s, err := rec.seated(replace)
			if err != nil {
				return usageErr(err)
			}
			_, err = stage(cmd.Context(), cmd, s, f, nil, &forking{parent: parent, path: path, at: at})
			return err
		},
	}
	f.register(c)
	c.Flags().IntVar(&at, "at", 0, "the last message of the parent to keep; the fork continues after it")
	c.Flags().StringVar(&scenario, "scenario", "", "continue under this scenario instead of the one recorded in the parent's JSONL")
	c.Flags().StringArrayVar(&replace, "agent", nil, "SEAT=PROVIDER:MODEL or SEAT={agent fields}: hand a seat to another model (repeatable)")
	return c
}

// forkStillStopped refuses a fork whose max_messages its kept messages
// already reach: the limit counts the whole conversation, the parent's
// messages included, as message numbers do, so the fork could add nothing
// within it. kept is the parent's first N messages, as the fork's seats
// name them. The other rules judge the kept messages but stop a fork only
// after one of its own (policy.Ends): a loop the parent was in stops the
// fork only if its new seat carries it on, which is what forking at a loop
// is for.
func forkStillStopped(s *configs.Scenario, kept []transcripts.Message, fork *forking) error {
	p, err := s.Policy()
	if err != nil {
		return nil // the run itself reports a bad policy
	}
	pr, ok := budgetReached(p.Check(kept), "max_messages")
	if !ok {
		return nil
	}
	earlier := "an earlier --at"
	if pr.Limit > 1 {
		earlier = fmt.Sprintf("--at %d or below", pr.Limit-1)
	}
	return fmt.Errorf("%s forked after message %d would stop at once, adding nothing: the scenario's max_messages budget of %s counts the whole conversation, the parent's %s included; fork at an earlier message (%s), or give a scenario whose max_messages is above %d with --scenario FILE",
		fork.path, fork.at, phrase.Count(pr.Limit, "message", "messages"), phrase.Count(pr.Count, "message", "messages"), earlier, pr.Count)
}

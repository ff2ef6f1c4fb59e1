package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate SCENARIO.yaml...",
		Short: "Check scenarios without running them",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(fmt.Errorf("validate takes one or more scenario files"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				s, err := configs.Load(path)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					bad++
					continue
				}
				if s.IsRoster() {
					if err := checkPairs(s); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), err)
						bad++
						continue
					}
					r := s.Roster
					fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %s, %d %s pairs × %d runs; stage it with parley batch\n",
						path, s.Title, len(r.PairList()), r.Pairs, r.Runs)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %s, %s opens\n", path, s.Title, s.First)
			}
			if bad > 0 {
				return usageErr(fmt.Errorf("%d of %d scenarios have problems", bad, len(args)))
			}
			return nil
		},
	}
}

// checkPairs loads every pair of a roster scenario as its own scenario.
func checkPairs(s *configs.Scenario) error {
	for _, p := range s.Roster.PairList() {
		if _, err := s.ForPair(p); err != nil {
			return err
		}
	}
	return nil
}

func newProvidersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "providers",
		Short: "List the provider presets a scenario can name with provider:",
		Args:  exactArgs(0, "providers takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PROVIDER\tBASE URL\tKEY VARIABLE\tNOTES")
			for _, p := range agents.Providers() {
				key := p.KeyEnv
				if key == "" {
					key = "(none)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, p.BaseURL, key, p.Note)
			}
			return w.Flush()
		},
	}
}

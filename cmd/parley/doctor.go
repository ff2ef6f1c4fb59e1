package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/doctor"
)

func init() { commands = append(commands, newDoctorCmd) }

func newDoctorCmd() *cobra.Command {
	var sf scenarioFlags
	var asJSON, ask bool
	c := &cobra.Command{
		Use:   "doctor SCENARIO.yaml",
		Short: "Reach each agent's endpoint before a run: is the key accepted, is the model served? (spends no tokens)",
		Long: `Reach each agent's endpoint before a run, as a paid batch would, and say in
one sentence per agent whether it would work: the endpoint answers, the key
is accepted, the model is served. parley asks only for the endpoint's model
list (GET /models), so no tokens are spent; --ask also sends each model a
one-token request, sent and read as a run sends and reads a reply (with the
agent's retries, timeout: and idle_timeout:), so that each fault is told in
the run's own sentence.

  parley doctor configs/kimi-k2-vs-grok-4.yaml
  parley doctor --agent ollama:llama3.2 --agent openai:gpt-4o-mini`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := sf.load(cmd, args)
			if err != nil {
				return usageErr(err)
			}
			fs := doctor.Check(cmd.Context(), s, doctor.Options{Ask: ask})
			failed := 0
			enc := json.NewEncoder(cmd.OutOrStdout())
			for _, f := range fs {
				if f.Status == doctor.Fail {
					failed++
				}
				if asJSON {
					if err := enc.Encode(f); err != nil {
						return failureErr(err)
					}
					continue
				}
				mark := map[doctor.Status]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗", doctor.Skipped: "-"}[f.Status]
				fmt.Fprintln(cmd.OutOrStdout(), mark, f.Sentence)
			}
			if failed > 0 {
				return failureErr(fmt.Errorf("%d of %d %s would fail; fix %s before running", failed, len(fs),
					phrase.Noun(len(fs), "agent", "agents"), phrase.Noun(failed, "it", "them")))
			}
			return nil
		},
	}
	sf.register(c)
	c.Flags().BoolVar(&ask, "ask", false, "also send each model a one-token request (spends a few tokens) to show it answers")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per agent: agent, status (ok, warning, fail, skipped), url, sentence")
	return c
}

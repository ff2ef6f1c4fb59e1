package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/doctor"
)

func init() { commands = append(commands, newDoctorCmd) }

func newDoctorCmd() *cobra.Command {
	var sf scenarioFlags
	var asJSON, ask bool
	var askTimeout string
	c := &cobra.Command{
		Use:   "doctor SCENARIO.yaml",
		Short: "Reach each agent's endpoint before a run: is the key accepted, is the model served? (spends no tokens)",
		Long: `Reach each agent's endpoint before a run, as a paid batch would, and say in
one sentence per agent whether it would work: the endpoint answers, the key
is accepted, the model is served. parley asks only for the endpoint's model
list (GET /models), so no tokens are spent; --ask also sends each model a
one-token request, sent and read as a run sends and reads a reply (with the
agent's retries, timeout: and idle_timeout:), so that each fault is told in
the run's own sentence. Doctor waits up to --ask-timeout (30s) for each
endpoint's answer, its retries included; a reply or retry that would come
later is a warning that says what the run would do.

  parley doctor configs/kimi-k2-vs-grok-4.yaml
  parley doctor --ask --ask-timeout 2m configs/kimi-k2-vs-grok-4.yaml
  parley doctor --agent ollama:llama3.2 --agent openai:gpt-4o-mini`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wait, err := parseAskTimeout(askTimeout, ask, cmd.Flags().Changed("ask-timeout"))
			if err != nil {
				return usageErr(err)
			}
			s, err := sf.load(cmd, args)
			if err != nil {
				return usageErr(err)
			}
			fs := doctor.Check(cmd.Context(), s, doctor.Options{Ask: ask, AskTimeout: wait})
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
	c.Flags().StringVar(&askTimeout, "ask-timeout", doctor.DefaultAskTimeout.String(), "with --ask: wait at most `DURATION` (such as 30s or 2m) for each endpoint's answer, retries included")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per agent: agent, status (ok, warning, fail, skipped), url, sentence")
	return c
}

// parseAskTimeout reads doctor's --ask-timeout, given says it was typed:
// a time to wait above zero, which bounds only the request --ask sends.
func parseAskTimeout(s string, ask, given bool) (time.Duration, error) {
	if given && !ask {
		return 0, errors.New("--ask-timeout bounds the one-token request --ask sends; give --ask with it, or leave --ask-timeout out")
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("--ask-timeout %q is not a time to wait such as 30s or 2m", s)
	case d <= 0:
		return 0, fmt.Errorf("--ask-timeout %q is not a time to wait such as 30s or 2m: it must be above zero", s)
	}
	return d, nil
}

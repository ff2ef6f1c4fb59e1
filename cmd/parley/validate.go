package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
)

// validation is validate --json's object for one scenario.
type validation struct {
	File     string       `json:"file"`
	OK       bool         `json:"ok"`
	Title    string       `json:"title,omitempty"`
	First    string       `json:"first,omitempty"`
	Agents   []agentBrief `json:"agents,omitempty"`
	Roster   string       `json:"roster,omitempty"` // for a roster: the pairs and runs it stages
	Problems []problem    `json:"problems"`
	// Warnings are settings that do not do what they seem to; the
	// scenario still runs.
	Warnings []string `json:"warnings,omitempty"`
}

type agentBrief struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	BaseURL  string `json:"base_url,omitempty"`
	KeyEnv   string `json:"api_key_env,omitempty"`
}

type problem struct {
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	Text    string `json:"text"` // the whole sentence, with the file and line
}

func newValidateCmd() *cobra.Command {
	var asJSON, offline bool
	var sf scenarioFlags
	c := &cobra.Command{
		Use:   "validate SCENARIO.yaml...",
		Short: "Check scenarios without running them: every problem in each file, and the API keys they need",
		Long: `Check scenarios without running them. Every problem in each file is
reported with its line, and each agent's API key variable must be set
(--offline skips that check). - reads a scenario from standard input.
--set checks each file as run --set would stage it, and --agent twice
checks the scenario run --agent would stage. parley doctor SCENARIO also
reaches each endpoint.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !sf.quick() {
				return usageErr(fmt.Errorf("validate takes one or more scenario files, such as configs/demo.yaml, or two --agent PROVIDER:MODEL flags"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			enc := json.NewEncoder(cmd.OutOrStdout())
			paths := args
			if sf.quick() {
				if len(args) > 0 {
					return usageErr(fmt.Errorf("give scenario files or --agent twice, not both"))
				}
				paths = []string{configs.QuickSource}
			}
			for _, path := range paths {
				load := func() (*configs.Scenario, error) { return loadScenario(cmd.InOrStdin(), path) }
				if sf.quick() || len(sf.sets) > 0 || sf.system != "" || sf.opening != "" || sf.title != "" {
					load = func() (*configs.Scenario, error) {
						if sf.quick() {
							return sf.load(cmd, nil)
						}
						s, err := sf.load(cmd, []string{path})
						var probs configs.Problems
						if len(sf.sets) > 0 && errors.As(err, &probs) {
							// Each problem in the scenario says it is the
							// file with --set.
							for _, p := range probs {
								p.Msg = sf.setsClause() + ": " + p.Msg
							}
							return nil, err // the problems, changed in place
						}
						return s, err
					}
				}
				v := validateOne(path, load, offline)
				if !v.OK {
					bad++
				}
				if asJSON {
					if err := enc.Encode(v); err != nil {
						return failureErr(err)
					}
					continue
				}
				printValidation(cmd.OutOrStdout(), cmd.ErrOrStderr(), v)
			}
			if bad > 0 {
				return usageErr(fmt.Errorf("%s %s problems", ofN(bad, len(paths), "scenario", "scenarios"), phrase.Noun(bad, "has", "have")))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per scenario: file, ok, title, agents and problems")
	c.Flags().BoolVar(&offline, "offline", false, "do not require the API key variables to be set")
	sf.register(c)
	return c
}

// validateOne checks the scenario that load reads from path.
func validateOne(path string, load func() (*configs.Scenario, error), offline bool) validation {
	// A URL given for a file is named without its password or key.
	v := validation{File: agents.RedactURLsIn(path), Problems: []problem{}}
	if path == "-" {
		v.File = "stdin"
	}
	s, err := load()
	var probs configs.Problems
	if err != nil {
		probs = configs.AsProblems(err)
		// The keys a run would lack, and what keeps a replay agent from
		// replaying, are said in the same round as the file's problems,
		// not after they are fixed.
		if u := configs.Unchecked(err); u != nil {
			probs = append(probs, orchestrator.ReplayProblems(u)...)
			if !offline {
				probs = append(probs, u.KeyProblems(nil)...)
			}
			sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		}
	} else {
		v.Title, v.First = s.Title, s.First
		v.Warnings = append(s.Warnings(), orchestrator.ReplayWarnings(s)...)
		if s.IsRoster() {
			if err := checkPairs(s); err != nil {
				probs = append(probs, configs.AsProblems(err)...)
			}
			r := s.Roster
			v.Roster = fmt.Sprintf("%d %s %s × %s", len(r.PairList()), r.Pairs, phrase.Noun(len(r.PairList()), "pair", "pairs"), phrase.Count(r.Runs, "run", "runs"))
		}
		for _, a := range s.Agents {
			b := agentBrief{Name: a.Name, Type: a.Type, Provider: a.Provider, Model: a.Model}
			if a.Type == configs.TypeOpenAI {
				b.BaseURL = agents.RedactURL(a.Endpoint())
				b.KeyEnv = a.KeyEnv()
			}
			v.Agents = append(v.Agents, b)
		}
		probs = append(probs, orchestrator.ReplayProblems(s)...)
		if !offline {
			probs = append(probs, s.KeyProblems(nil)...)
		}
	}
	for _, p := range probs {
		line := p.Line
		if p.File == configs.QuickSource {
			line = 0 // a line of the YAML the --agent flags make, which the user never sees
		}
		v.Problems = append(v.Problems, problem{Line: line, Message: agents.RedactURLsIn(p.Msg), Text: agents.RedactURLsIn(p.Error())})
	}
	v.OK = len(v.Problems) == 0
	return v
}

func printValidation(stdout, stderr io.Writer, v validation) {
	for _, w := range v.Warnings {
		fmt.Fprintln(stderr, "parley: warning:", w)
	}
	if v.OK && v.Roster != "" {
		fmt.Fprintf(stdout, "%s: ok: %s, %s; stage it with parley batch\n", v.File, v.Title, v.Roster)
		return
	}
	if v.OK {
		fmt.Fprintf(stdout, "%s: ok: %s, %s opens\n", v.File, v.Title, v.First)
		return
	}
	for _, p := range v.Problems {
		fmt.Fprintln(stderr, p.Text)
	}
}

// ofN writes "1 of 1 conversation", "1 of 3 conversations".
func ofN(k, n int, one, many string) string {
	return fmt.Sprintf("%d of %d %s", k, n, phrase.Noun(n, one, many))
}

// providerJSON is providers --json's object for one preset.
type providerJSON struct {
	Name       string `json:"name"`
	BaseURL    string `json:"base_url"`
	KeyEnv     string `json:"api_key_env"`
	BaseURLEnv string `json:"base_url_env,omitempty"`
	Note       string `json:"note"`
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
	var asJSON bool
	c := &cobra.Command{
		Use:   "providers",
		Short: "List the provider presets a scenario can name with provider:",
		Args:  exactArgs(0, "providers takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				var out []providerJSON
				for _, p := range agents.Providers() {
					out = append(out, providerJSON{Name: p.Name, BaseURL: agents.RedactURL(p.BaseURL), KeyEnv: p.KeyEnv, BaseURLEnv: p.BaseURLEnv(), Note: p.Note})
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PROVIDER\tBASE URL\tKEY VARIABLE\tNOTES")
			for _, p := range agents.Providers() {
				key := p.KeyEnv
				if key == "" {
					key = "(none)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, agents.RedactURL(p.BaseURL), key, p.Note)
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the presets as a JSON array")
	return c
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

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
			var src []byte
			scenarioPath := scenario
			if scenario != "" {
				if src, err = os.ReadFile(scenario); err != nil {
					return usageErr(fmt.Errorf("reading the scenario: %w", err))
				}
			} else if scenarioPath, src, err = recordedScenario(parent.Run, path); err != nil {
				return usageErr(err)
			}
			s, err := seatedScenario(scenarioPath, src, replace)
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

// seatFlag is one of fork's --agent values: the seat it names, the agent
// it hands the seat to, and the flag as a sentence shows it.
type seatFlag struct {
	word       string // --agent 'B=openai:gpt-5', its secrets hidden
	seat, spec string
	index      int // the seat's place in the scenario's agents: list
}

// readSeatFlags reads fork's --agent values against the seats the
// scenario YAML src names: each names one of them, once.
func readSeatFlags(values []string, seats []string) ([]seatFlag, error) {
	var flags []seatFlag
	given := map[string]string{} // a seat, the flag that named it
	for _, v := range values {
		word := "--agent " + phrase.ShellWord(configs.ShownSeatSpec(v))
		seat, spec, ok := strings.Cut(v, "=")
		if !ok || seat == "" || strings.TrimSpace(spec) == "" {
			return nil, fmt.Errorf("%s: write SEAT=PROVIDER:MODEL, such as grok-4=openrouter:openai/gpt-5", word)
		}
		if first, ok := given[seat]; ok {
			return nil, fmt.Errorf("%s and %s both hand seat %q to a model; give each seat one --agent", first, word, seat)
		}
		given[seat] = word
		i := slices.Index(seats, seat)
		if i < 0 {
			return nil, fmt.Errorf("%s: no seat is named %q; the seats are %s", word, seat, phrase.And(phrase.Quote(seats)))
		}
		flags = append(flags, seatFlag{word: word, seat: seat, spec: spec, index: i})
	}
	return flags, nil
}

// seatedScenario is the scenario a fork runs under: the YAML src read from
// name, each seat --agent names (values) handed to its model. A mistake
// an --agent value makes is said of the flag, without a line, which would
// be a line of YAML the person never saw; the scenario's own mistakes
// are said at their lines in name. So are the API keys the fork lacks:
// a seat --agent hands over needs its key said of the flag.
func seatedScenario(name string, src []byte, values []string) (*configs.Scenario, error) {
	base, baseErr := configs.Parse(name, src)
	if len(values) == 0 {
		return base, baseErr
	}
	seats, err := configs.SeatNames(src)
	if err != nil {
		if baseErr != nil {
			return nil, baseErr // the scenario's own mistake, at its line
		}
		return nil, fmt.Errorf("--agent hands over a seat of a scenario's agents: list, and %s has none", name)
	}
	flags, err := readSeatFlags(values, seats)
	if err != nil {
		return nil, err
	}
	steps := make([][]byte, len(flags)) // the YAML as each flag left it
	cur := src
	for i, f := range flags {
		if cur, err = configs.ReplaceAgent(cur, f.seat, f.spec); err != nil {
			return nil, fmt.Errorf("%s: %w", f.word, err)
		}
		steps[i] = cur
	}
	s, err := configs.Parse(name, cur)
	if err != nil {
		return nil, blameSeatFlags(name, steps, flags, baseErr, err)
	}
	if err := forkKeyProblems(s, base, flags); err != nil {
		return nil, err
	}
	return s, nil
}

// blameSeatFlags sorts the problems err, of the scenario with every
// --agent value spliced in, into the scenario's own, said at their lines
// as baseErr (the scenario's problems as written) says them, and the
// flags': each said of the first flag after which it appears, without a
// line or the file's name.
func blameSeatFlags(name string, steps [][]byte, flags []seatFlag, baseErr, err error) error {
	var probs configs.Problems
	if !errors.As(err, &probs) {
		return fmt.Errorf("%s: %w", flags[len(flags)-1].word, err)
	}
	own := map[string]*configs.Error{}
	if baseErr != nil {
		for _, p := range configs.AsProblems(baseErr) {
			own[p.Msg] = p
		}
	}
	after := make([]map[string]bool, len(steps)) // each step's problems, read when needed
	blame := func(msg string) string {
		for i, step := range steps {
			if after[i] == nil {
				after[i] = map[string]bool{}
				if _, err := configs.Parse(name, step); err != nil {
					for _, p := range configs.AsProblems(err) {
						after[i][p.Msg] = true
					}
				}
			}
			if after[i][msg] {
				return flags[i].word
			}
		}
		return flags[len(flags)-1].word
	}
	var out configs.Problems
	for _, p := range probs {
		if o, ok := own[p.Msg]; ok {
			out = append(out, o)
			continue
		}
		out = append(out, &configs.Error{Msg: blame(p.Msg) + ": " + p.Msg})
	}
	return out
}

// forkKeyProblems is keyProblems of the fork's scenario s: a key a seat
// --agent hands over lacks is said of the flag; the scenario's own
// agents and judges are named at their lines in base, the scenario as
// written (nil when it does not read alone: then without lines).
func forkKeyProblems(s, base *configs.Scenario, flags []seatFlag) error {
	word := map[string]string{} // a handed-over seat's new name, its flag
	for _, f := range flags {
		if f.index < len(s.Agents) {
			word[s.Agents[f.index].Name] = f.word
		}
	}
	type need struct{ kind, name, env string }
	lines := map[need]int{}
	ownMsgs := map[string]*configs.Error{}
	if base != nil {
		n, p := base.KeyNeeds(nil)
		for _, k := range n {
			lines[need{k.Kind, k.Name, k.Env}] = k.Line
		}
		for _, e := range p {
			ownMsgs[e.Msg] = e
		}
	}
	needs, probs := s.KeyNeeds(nil)
	var out configs.Problems
	var own []configs.KeyNeed
	for _, k := range needs {
		if w, ok := word[k.Name]; ok && k.Kind == "agent" {
			out = append(out, &configs.Error{Msg: fmt.Sprintf("%s: %s needs an API key: the environment variable %s is not set", w, k.Who, k.Env)})
			continue
		}
		k.Line = lines[need{k.Kind, k.Name, k.Env}]
		own = append(own, k)
	}
	for _, e := range probs {
		if o, ok := ownMsgs[e.Msg]; ok {
			out = append(out, o)
			continue
		}
		for name, w := range word {
			if strings.HasPrefix(e.Msg, fmt.Sprintf("agent %q", name)) {
				e = &configs.Error{Msg: w + ": " + e.Msg}
				break
			}
		}
		e.Line = 0
		out = append(out, e)
	}
	out = append(configs.GroupKeyNeeds(own), out...)
	if len(out) == 0 {
		return nil
	}
	return out
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

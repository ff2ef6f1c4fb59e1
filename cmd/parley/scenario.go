package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

// outEnv names the variable that sets the default folder for transcripts.
const outEnv = "PARLEY_OUT"

// defaultOut is where transcripts go when neither --out nor the scenario
// says: $PARLEY_OUT, else transcripts.
func defaultOut() string {
	if d := os.Getenv(outEnv); d != "" {
		return d
	}
	return "transcripts"
}

// scenarioFlags give a scenario on the command line, or adjust one read
// from a file: the quick form (--agent provider:model twice, --system,
// --opening) and --set FIELD=VALUE.
type scenarioFlags struct {
	agents  []string
	system  string
	opening string
	title   string
	sets    []string
}

func (f *scenarioFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringArrayVar(&f.agents, "agent", nil, "an agent as PROVIDER:MODEL, such as ollama:llama3.2, or NAME=PROVIDER:MODEL to name it; give two instead of a scenario file")
	fl.StringVar(&f.system, "system", "", "with --agent: the system prompt both agents get")
	fl.StringVar(&f.opening, "opening", "", "with --agent: the line handed to the first speaker")
	fl.StringVar(&f.title, "title", "", "with --agent: the conversation's title")
	fl.StringArrayVar(&f.sets, "set", nil, "set a scenario field, FIELD=VALUE, with the paths batch --vary takes (repeatable)")
}

// setsClause is "with --set A=1 --set B=2", naming the values --set gave,
// for a sentence about what they made of the scenario.
func (f *scenarioFlags) setsClause() string {
	shown := make([]string, len(f.sets))
	for i, spec := range f.sets {
		shown[i] = batch.ShownSpec(spec, false) // a URL's password, a header's value stay hidden
	}
	return "with --set " + strings.Join(shown, " --set ")
}

// quick reports whether the flags give the whole scenario.
func (f *scenarioFlags) quick() bool { return len(f.agents) > 0 }

// load reads the scenario the arguments and flags give. Errors are
// sentences; the caller gives them the usage exit code.
func (f *scenarioFlags) load(cmd *cobra.Command, args []string) (*configs.Scenario, error) {
	var name string
	var src []byte
	switch {
	case f.quick() && len(args) > 0:
		return nil, fmt.Errorf("give a scenario file or --agent twice, not both")
	case f.quick():
		var err error
		if src, err = (configs.Quick{Agents: f.agents, System: f.system, Opening: f.opening, Title: f.title}).YAML(); err != nil {
			return nil, err
		}
		name = configs.QuickSource
	case f.system != "" || f.opening != "" || f.title != "":
		return nil, fmt.Errorf("--system, --opening and --title go with --agent; in a scenario file set them with --set, such as --set opening=Hello")
	case len(args) != 1:
		return nil, fmt.Errorf("%s takes one scenario file (or - for standard input), such as configs/kimi-k2-vs-grok-4.yaml, or two --agent PROVIDER:MODEL flags", cmd.Name())
	default:
		var err error
		name, src, err = readScenario(cmd.InOrStdin(), args[0])
		if err != nil {
			return nil, err
		}
	}
	orig := src
	if len(f.sets) > 0 {
		sets, err := batch.ParseSets(f.sets)
		if err != nil {
			return nil, err
		}
		if err := batch.SameFields(name, src, sets); err != nil {
			return nil, err
		}
		vals := map[string]string{}
		for _, s := range sets {
			vals[s.Path] = s.Values[0]
		}
		out, err := batch.Apply(src, vals)
		if err != nil {
			return nil, fmt.Errorf("%s: --set %w", name, err)
		}
		src = out
	}
	s, err := configs.Parse(name, src)
	if err != nil && len(f.sets) == 0 {
		return nil, transcriptNotScenario(name, src, err)
	}
	if err != nil && len(f.sets) > 0 {
		var probs configs.Problems
		if _, origErr := configs.Parse(name, orig); origErr == nil && errors.As(err, &probs) {
			// The file is fine without --set: the mistake is in a value
			// --set gave, whose lines are in YAML the person never saw.
			for _, p := range probs {
				p.Line = 0
			}
		}
		return nil, fmt.Errorf("%s: %w", f.setsClause(), err)
	}
	return s, err
}

// stdinName is the name a scenario read from standard input goes by, in
// sentences and in the transcripts it is recorded in.
const stdinName = configs.StdinSource

// readScenario reads a scenario file, or standard input for "-".
func readScenario(stdin io.Reader, path string) (name string, data []byte, err error) {
	if path == "-" {
		data, err = io.ReadAll(stdin)
		if err != nil {
			return "", nil, fmt.Errorf("reading the scenario from standard input: %w", err)
		}
		return stdinName, data, nil
	}
	data, err = configs.ReadFile(path)
	return path, data, err
}

// loadScenario reads and validates one scenario argument ("-" is
// standard input).
func loadScenario(stdin io.Reader, path string) (*configs.Scenario, error) {
	name, data, err := readScenario(stdin, path)
	if err != nil {
		return nil, err
	}
	s, err := configs.Parse(name, data)
	if err != nil {
		return nil, transcriptNotScenario(name, data, err)
	}
	return s, nil
}

// scenarioNotTranscript is err, a transcript reader's, unless the file is
// a scenario given where a transcript goes: then a sentence saying so.
func scenarioNotTranscript(path string, err error) error {
	if !errors.Is(err, transcripts.ErrUnknownLayout) {
		return err
	}
	data, rerr := os.ReadFile(path)
	if rerr != nil {
		return err
	}
	if !looksLikeScenario(data) {
		return err
	}
	return fmt.Errorf("%s is a scenario, not a transcript; parley run stages it and parley validate checks it, and the transcript a run records can be shown, checked or converted", path)
}

// looksLikeScenario reports whether data is a YAML mapping with agents:
// or roster:, as every scenario is, whatever mistakes it holds.
func looksLikeScenario(data []byte) bool {
	_, root, err := configs.ParseMapping(data)
	if err != nil {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k == "agents" || k == "roster" {
			return true
		}
	}
	return false
}

// transcriptNotScenario is err, a scenario's problems, unless the file is
// a transcript given where a scenario goes: then a sentence saying so and
// naming the commands that take it, in place of a YAML error about
// Markdown.
func transcriptNotScenario(name string, data []byte, err error) error {
	if looksLikeScenario(data) {
		return err // a scenario, with mistakes of its own
	}
	ts, _, ierr := transcripts.Import(data)
	if ierr != nil || len(ts) == 0 || len(ts[0].Messages) == 0 {
		return err
	}
	return fmt.Errorf("%s is a transcript (%s), not a scenario; parley show, resume and fork take a transcript, and a scenario's replay agent re-speaks one side of it",
		name, phrase.Count(len(ts[0].Messages), "message", "messages"))
}

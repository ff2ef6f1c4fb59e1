package configs

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Seated is the scenario a fork runs under: the YAML src read from name,
// each seat an --agent SEAT=SPEC value (values, as typed) names handed to
// its model with ReplaceAgent. A mistake an --agent value makes is said
// of the flag, as typed with its secrets hidden, without a line, which
// would be a line of YAML the person never saw; the scenario's own
// mistakes are said at their lines in name. So are the API keys the fork
// lacks: a seat --agent hands over needs its key said of the flag. The
// scenario keeps the lines of name as written, for its warnings, and
// what it says of a seat handed over (FieldError) it says of the flag.
// Its Handovers record values, their secrets hidden. With no values it
// is Parse(name, src).
func Seated(name string, src []byte, values []string) (*Scenario, error) {
	return Reseated(name, src, nil, values)
}

// Reseated is Seated of a scenario earlier forks handed seats of over:
// src, the YAML of name as written, given each of prior's --agent values
// in turn, as each fork gave them to the YAML the one before it recorded,
// so that its Source is the YAML the last of them recorded, byte for
// byte; then values, as Seated gives them. Its sentences name the lines
// of name as written, and say what they say of a seat an earlier fork
// handed over of that fork's flag ("fork --agent B=…"). Its Handovers
// are prior's and values'. A prior handover whose values held a secret,
// which its recording hides, cannot be given again, and is refused.
func Reseated(name string, src []byte, prior []transcripts.Handover, values []string) (*Scenario, error) {
	return reseat(name, src, prior, values, false)
}

// SeatedRecorded is Seated of src, the YAML a recording holds of a
// scenario read from name, which name no longer holds (edited since, or
// gone, or never held: the forks handed seats over, handovers, its
// --agent values, are in src already): its sentences name name without
// lines, which would be no file's, and what they say of a seat a fork
// handed over they say of that fork's flag ("fork --agent B=…"), or of
// values' flag. Its Handovers are handovers' and values'.
func SeatedRecorded(name string, src []byte, handovers []transcripts.Handover, values []string) (*Scenario, error) {
	s, err := reseat(name, src, nil, values, true)
	if err != nil {
		return nil, err
	}
	// The seat each value handed over, by the name it had then: the
	// agent that has it, or lists it under formerly:. The last fork to
	// hand a seat over names it, unless values hand it over again.
	handedBy := map[int]string{}
	for _, h := range handovers {
		words := HandoverWords(h)
		for i, v := range h.Agents {
			seat, _, _ := strings.Cut(v, "=")
			for j, a := range s.Agents {
				if a.Name == seat || slices.Contains(a.Formerly, seat) {
					handedBy[j] = words[i]
				}
			}
		}
	}
	for j, word := range handedBy {
		if s.Agents[j].seatedBy == "" {
			s.Agents[j].seatedBy = word
		}
	}
	s.Handovers = append(slices.Clone(handovers), s.Handovers...)
	return s, nil
}

// reseat is Reseated, or, lineless, SeatedRecorded of src with no
// handovers of its own.
func reseat(name string, src []byte, prior []transcripts.Handover, values []string, lineless bool) (*Scenario, error) {
	parse, parseMapping := Parse, ParseMapping
	if lineless {
		parse, parseMapping = parseLineless, parseMappingLineless
	}
	if len(prior) == 0 && len(values) == 0 {
		return parse(name, src)
	}
	base, baseErr := parse(name, src)
	// Each fork's values, in the order the forks gave them: the last
	// are values.
	stages := make([][]string, 0, len(prior)+1)
	for _, h := range prior {
		if h.Hidden {
			return nil, fmt.Errorf("a fork handed a seat of %s over with %s, which held a secret its recording keeps hidden, so it cannot be given again", name, phrase.And(HandoverWords(h)))
		}
		stages = append(stages, h.Agents)
	}
	if len(values) > 0 {
		stages = append(stages, values)
	}
	// The seats are handed over in the document as read, whose nodes keep
	// their lines: the scenario's sentences (its warnings, a replay's
	// problems) name the lines of name as written, which the YAML written
	// back, with the seats' new settings and without its blank lines,
	// would move. Source is written as each fork wrote it, from the YAML
	// the fork before it recorded.
	doc, root, err := parseMapping(src)
	if err != nil {
		if baseErr != nil {
			return nil, baseErr // the scenario's own mistake, at its line
		}
		return nil, err
	}
	var all []seatFlag
	var steps [][]byte // the YAML as each flag left it
	written := src
	for i, stage := range stages {
		seats, err := SeatNames(written)
		if err != nil {
			if baseErr != nil {
				return nil, baseErr
			}
			return nil, fmt.Errorf("--agent hands over a seat of a scenario's agents: list, and %s has none", name)
		}
		flags, err := readSeatFlags(stage, seats)
		if err != nil {
			return nil, err
		}
		if i < len(prior) {
			for j := range flags {
				flags[j].word = "fork " + flags[j].word
			}
		}
		for _, f := range flags {
			if err := replaceAgent(root, f.seat, f.spec); err != nil {
				return nil, hideFlagSecrets(fmt.Errorf("%s: %w", f.word, err), flags)
			}
			step, err := encodeYAML(doc)
			if err != nil {
				return nil, err
			}
			steps = append(steps, step)
		}
		if written, err = handOver(written, stage); err != nil {
			return nil, err // replaceAgent took each flag above
		}
		all = append(all, flags...)
	}
	s, err := parseDocument(name, written, doc)
	if err != nil {
		return nil, hideFlagSecrets(blameSeatFlags(name, steps, all, baseErr, err), all)
	}
	// A fork says the keys it lacks of its flags; the scenario a
	// recording is resumed under leaves them to the run, which may
	// replace its rules, judges and all.
	if len(values) > 0 {
		if err := forkKeyProblems(s, base, all); err != nil {
			return nil, hideFlagSecrets(err, all)
		}
	}
	for _, f := range all {
		if f.index < len(s.Agents) {
			s.Agents[f.index].seatedBy = f.word
		}
	}
	s.Handovers = slices.Clone(prior)
	if len(values) > 0 {
		h := transcripts.Handover{}
		for _, v := range values {
			shown := ShownSeatSpec(v)
			h.Agents, h.Hidden = append(h.Agents, shown), h.Hidden || shown != v
		}
		s.Handovers = append(s.Handovers, h)
	}
	return s, nil
}

// parseLineless is Parse, its sentences naming file without lines.
func parseLineless(file string, data []byte) (*Scenario, error) {
	doc, _, err := parseMappingLineless(data)
	if err != nil {
		return Parse(file, data) // its sentence says what does not read
	}
	return parseDocument(file, data, doc)
}

// parseMappingLineless is ParseMapping, its nodes without lines.
func parseMappingLineless(src []byte) (doc, root *yaml.Node, err error) {
	doc, root, err = ParseMapping(src)
	if err == nil {
		clearPositions(doc)
	}
	return doc, root, err
}

// Handed is the YAML src with each of handovers' --agent values given in
// turn, each fork's to the YAML the fork before it wrote, as each fork
// gave them: the Source of Reseated(name, src, handovers, nil), without
// reading it as a scenario. Values that hid a secret are given as
// recorded, secrets hidden.
func Handed(src []byte, handovers []transcripts.Handover) ([]byte, error) {
	var err error
	for _, h := range handovers {
		if src, err = handOver(src, h.Agents); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// handOver is the YAML src with the seat each of one fork's --agent
// values (SEAT=SPEC) names handed to its model, written back as that
// fork wrote it.
func handOver(src []byte, values []string) ([]byte, error) {
	doc, root, err := ParseMapping(src)
	if err != nil {
		return nil, err
	}
	for _, v := range values {
		seat, spec, _ := strings.Cut(v, "=")
		if err := replaceAgent(root, seat, spec); err != nil {
			return nil, fmt.Errorf("--agent %s: %w", phrase.ShellWord(ShownSeatSpec(v)), err)
		}
	}
	return encodeYAML(doc)
}

// HandoverWords is each --agent value of a fork's handover h as a
// sentence names it, the fork's flag as it was given, its secrets hidden:
// fork --agent 'B=openai:gpt-5'.
func HandoverWords(h transcripts.Handover) []string {
	out := make([]string, len(h.Agents))
	for i, v := range h.Agents {
		out[i] = "fork --agent " + phrase.ShellWord(v)
	}
	return out
}

// hideFlagSecrets is err, a mistake of the scenario with --agent values
// spliced in, without the secrets the values hold: a sentence after a
// flag may quote what the flag set (a header's value an agent's error
// repeats, a name taken from a key pasted as the model), where the flag
// itself is shown with them hidden.
func hideFlagSecrets(err error, flags []seatFlag) error {
	var secrets []string
	for _, f := range flags {
		secrets = append(secrets, specSecrets(f.spec)...)
	}
	if len(secrets) == 0 {
		return err
	}
	var probs Problems
	if !errors.As(err, &probs) {
		if hidden := agents.RedactSecrets(err.Error(), secrets...); hidden != err.Error() {
			return errors.New(hidden)
		}
		return err
	}
	out := make(Problems, len(probs))
	for i, p := range probs {
		q := *p
		q.Msg = agents.RedactSecrets(p.Msg, secrets...)
		out[i] = &q
	}
	return out
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
		word := "--agent " + phrase.ShellWord(ShownSeatSpec(v))
		seat, spec, ok := strings.Cut(v, "=")
		if !ok || seat == "" || strings.TrimSpace(spec) == "" {
			return nil, fmt.Errorf("%s: write SEAT=PROVIDER:MODEL, such as grok-4=openrouter:openai/gpt-5", word)
		}
		if first, ok := given[seat]; ok {
			return nil, fmt.Errorf("%s and %s both hand seat %q to a model; give each seat one --agent", first, word, seat)
		}
		given[seat] = word
		i := slices.Index(seats, seat)
		if i < 0 && isPastedKey(seat) {
			return nil, fmt.Errorf("%s: the seat's name looks like an API key; the seats are %s: name one as SEAT=PROVIDER:MODEL, and give the key through the provider's environment variable (parley providers names it)", word, phrase.And(phrase.Quote(seats)))
		}
		if i < 0 {
			return nil, fmt.Errorf("%s: no seat is named %q; the seats are %s", word, seat, phrase.And(phrase.Quote(seats)))
		}
		flags = append(flags, seatFlag{word: word, seat: seat, spec: spec, index: i})
	}
	return flags, nil
}

// blameSeatFlags sorts the problems err, of the scenario with every
// --agent value spliced in, into the scenario's own, said at their lines
// as baseErr (the scenario's problems as written) says them, and the
// flags': each said of the first flag after which it appears, without a
// line or the file's name.
func blameSeatFlags(name string, steps [][]byte, flags []seatFlag, baseErr, err error) error {
	var probs Problems
	if !errors.As(err, &probs) {
		return fmt.Errorf("%s: %w", flags[len(flags)-1].word, err)
	}
	own := map[string]*Error{}
	if baseErr != nil {
		for _, p := range AsProblems(baseErr) {
			own[p.Msg] = p
		}
	}
	after := make([]map[string]bool, len(steps)) // each step's problems, read when needed
	blame := func(msg string) string {
		for i, step := range steps {
			if after[i] == nil {
				after[i] = map[string]bool{}
				if _, err := Parse(name, step); err != nil {
					for _, p := range AsProblems(err) {
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
	var out Problems
	for _, p := range probs {
		if o, ok := own[p.Msg]; ok {
			out = append(out, o)
			continue
		}
		out = append(out, &Error{Msg: blame(p.Msg) + ": " + p.Msg})
	}
	return out
}

// forkKeyProblems are the API keys the fork's scenario s lacks, said as
// a run says them (GroupKeyNeeds), but a key a seat --agent hands over
// lacks is said of the flag; the scenario's own agents and judges are
// named at their lines in base, the scenario as written (nil when it does
// not read alone: then without lines).
func forkKeyProblems(s, base *Scenario, flags []seatFlag) error {
	word := map[string]string{} // a handed-over seat's new name, its flag
	for _, f := range flags {
		if f.index < len(s.Agents) {
			word[s.Agents[f.index].Name] = f.word
		}
	}
	type need struct{ kind, name, env string }
	lines := map[need]int{}
	ownMsgs := map[string]*Error{}
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
	var out Problems
	var own []KeyNeed
	for _, k := range needs {
		if w, ok := word[k.Name]; ok && k.Kind == "agent" {
			out = append(out, &Error{Msg: fmt.Sprintf("%s: %s needs an API key: the environment variable %s is not set", w, k.Who, k.Env)})
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
				e = &Error{Msg: w + ": " + e.Msg}
				break
			}
		}
		e.Line = 0
		out = append(out, e)
	}
	out = append(GroupKeyNeeds(own), out...)
	if len(out) == 0 {
		return nil
	}
	return out
}

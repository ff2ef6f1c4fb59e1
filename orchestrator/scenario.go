package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Options adjust how a scenario is turned into a run.
type Options struct {
	// Getenv looks up environment variables; nil means os.Getenv.
	Getenv func(string) string
	// Pace, when set, overrides every replay and scripted agent's pace
	// (tests and `--pace 0` make replays instant).
	Pace *time.Duration
	// HTTPClient, when set, carries every OpenAI-compatible agent's requests.
	HTTPClient *http.Client
	// Prior holds the messages already recorded, when resuming.
	Prior []transcripts.Message
	// PriorAgents are the seats the recording of Prior ran (its run
	// line's agents), when it records them: a scripted or replay seat
	// that the recording seated otherwise starts at its first line.
	PriorAgents []transcripts.AgentInfo
	// PriorPath is the recording Prior was read from, when a fork
	// continues it: where that recording does not say how it seated a
	// seat (another tool's), a replay seat carries on after its speaker's
	// messages there only when it replays that very recording.
	PriorPath string
	// PriorForkedAt is the message the recording of Prior kept from its
	// own parent (its Run.Parent.At), when that recording is a fork: where
	// it does not record seated_at for a scripted or replay seat (an
	// earlier parley's fork), seatedAt infers it from the messages kept.
	PriorForkedAt int
	// Human builds the agent for a type: human seat; nil means none can be
	// seated, and NoHuman says why: a clause that names what keeps the
	// live view closed (a flag given, an output that is not a terminal, a
	// terminal that cannot draw it) and what to do, ending the sentence
	// that refuses the seat.
	Human   func(name string) (agents.Agent, error)
	NoHuman string
	// Warn receives warnings, such as a key sent over plain HTTP.
	Warn func(string)
	// Rules, when set, makes the run's rules from the scenario's: a
	// resume's --policy FILE, or its --max-messages budget. The judges
	// among the rules it gives are connected as a scenario's are, and a
	// judge of the scenario's that they leave out is not.
	Rules func(policy.Policy) policy.Policy

	// secrets are the conversation's: every model agent's and judge's,
	// each hidden in all of their errors.
	secrets *agents.Secrets
}

// OneConversation refuses a roster, which names many conversations, with a
// sentence pointing at parley batch; nil for a scenario of one.
func OneConversation(s *configs.Scenario) error {
	if s.IsRoster() {
		return fmt.Errorf("%s names a roster of %d agents, not one conversation; stage its pairs with %s",
			s.Path, len(s.Roster.Agents), phrase.Command("parley", "batch", s.Path))
	}
	return nil
}

// FromScenario builds a run's configuration from a scenario. Its errors are
// sentences that name the agent and the field or variable to fix.
func FromScenario(s *configs.Scenario, opt Options) (Config, error) {
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	opt.secrets = new(agents.Secrets)
	if err := OneConversation(s); err != nil {
		return Config{}, err
	}
	p, err := s.Policy()
	if err != nil {
		return Config{}, fmt.Errorf("%s: termination: %w", s.Path, err)
	}
	if opt.Rules != nil {
		p = opt.Rules(p)
	}
	if err := attachJudges(p, &opt); err != nil {
		return Config{}, err
	}
	recorded := opt.Prior
	opt.Prior = asSeats(s, opt.Prior)
	cfg := Config{
		Recorded: recorded,
		Run: transcripts.Run{
			Title:        s.Title,
			ScenarioPath: recordedPath(s.Path),
		},
		First:         s.FirstIndex(),
		HistoryWindow: s.History.MaxMessages,
		Policy:        p,
		Prior:         opt.Prior,
	}
	// Secrets a scenario holds never reach the transcript.
	cfg.Run.Scenario, cfg.Run.ScenarioRedacted = configs.RedactSource(s.Source)
	// How the scenario came from its file, for a resume that reads the
	// file again.
	cfg.Run.Handovers = s.Handovers
	if s.Opening != nil {
		cfg.Opening = *s.Opening
	}
	cfg.EmptyReply = s.EmptyReply
	for i := range s.Agents {
		a := &s.Agents[i]
		var opening *string
		if s.Opening == nil && i != cfg.First {
			opening = &cfg.Opening
		}
		ag, info, err := buildAgent(s, a, &opt, i == cfg.First, opening)
		if err != nil {
			return Config{}, err
		}
		cfg.Seats[i] = Seat{Name: a.Name, Agent: ag, Model: a.Model}
		cfg.Run.Agents = append(cfg.Run.Agents, info)
	}
	return cfg, nil
}

// linesSaid is where seat a's agent, a scripted or replay one, took the
// seat in opt.Prior (seatedAt), and how many of its lines it said there
// since, which it skips. opens says the seat speaks first; replays is the
// recording a replay seat replays, as read ("" for a script); lines are
// the agent's lines from its first, in order.
func linesSaid(a *configs.Agent, opt *Options, opens bool, replays string, lines []string) (at, said int) {
	at = seatedAt(a, opt.Prior, opt.PriorAgents, opt.PriorForkedAt, sameRecording(replays, opt.PriorPath), opens, lines)
	return at, len(seatMessages(opt.Prior, a.Name, at, opens))
}

// seatMessages are the indexes in prior, from message from on, of the
// messages that could be lines of the agent in seat name: the seat's own
// replies, whole. opens says the seat speaks first: message 1 by the side
// that does not open is the opening it handed over, never one of its
// lines, even where a recording another tool wrote leaves it unmarked
// (the seed's blank initial message): counting it would skip a line.
func seatMessages(prior []transcripts.Message, name string, from int, opens bool) []int {
	var idx []int
	for i := from; i < len(prior); i++ {
		if i == 0 && !opens {
			continue
		}
		if m := prior[i]; m.Speaker == name && m.Origin == transcripts.OriginAgent && !m.Partial {
			idx = append(idx, i)
		}
	}
	return idx
}

// sameRecording reports whether a replay's recording, as read, is the
// recording prior was read from (FILE or FILE#N, under any path naming the
// same file).
func sameRecording(replays, prior string) bool {
	if replays == "" || prior == "" {
		return false
	}
	fr, nr := transcripts.SplitConversation(replays)
	fp, np := transcripts.SplitConversation(prior)
	if nr != np {
		return false
	}
	ir, errR := os.Stat(fr)
	ip, errP := os.Stat(fp)
	if errR == nil && errP == nil {
		return os.SameFile(ir, ip)
	}
	return filepath.Clean(fr) == filepath.Clean(fp)
}

// seatedAt is the message of prior after which seat a's agent, a
// scripted or replay one, took the seat: the seat's messages after it are
// lines the agent said, which it skips, and those up to it were another
// agent's. The agent carries on from the recording (prior recorded under
// the seats agents, a fork's parent's or a resumed recording's own) when
// the recording seated an agent of its kind under its name (or, failing
// that, under a name it lists under formerly:), and then holds the seat
// from where that agent took it, so a script given more lines, or a
// replay of a longer recording, goes on after those said, and never
// counts the lines another agent spoke in that seat before. Otherwise (a
// model, or a script where it now replays, or the other way round) it
// takes the seat now, after the last message of prior, and its lines
// start at the first. A recording that does not say how it seated the
// seat (another tool's) was never a script's lines, nor a replay's of
// another recording, so they take the seat anew; a replay of that very
// recording (replaysPrior) carries on after its speaker's messages there.
//
// Fork and resume build a seat by this one rule, so a fork resumed goes
// on as the fork would have gone on uninterrupted, and the run line
// records where each agent took its seat (AgentInfo.SeatedAt).
//
// A recording an earlier parley made does not say where its agent took
// the seat (no seated_at reads as 0, as it does for an agent seated from
// the start): inferSeatedAt reads it from the messages (lines are the
// agent's, from its first, and opens says the seat speaks first), and
// forkedAt is the recording's Parent.At when it is a fork.
func seatedAt(a *configs.Agent, prior []transcripts.Message, agents []transcripts.AgentInfo, forkedAt int, replaysPrior, opens bool, lines []string) int {
	recorded, ok := recordedSeat(a, agents)
	switch {
	case ok && recorded.Type == a.Type:
		at := recorded.SeatedAt
		if at == 0 {
			at = inferSeatedAt(prior, a.Name, recorded.Model, forkedAt, opens, lines)
		}
		return max(0, min(at, len(prior))) // a hand-edited number stays within prior
	case !ok && a.Type == configs.TypeReplay && replaysPrior:
		return 0
	}
	return len(prior)
}

// inferSeatedAt is where the agent in seat name took it, for a
// recording that does not say (seated_at 0): an earlier parley's, whose
// forks record none, or one whose agent has held the seat from the start.
//
// The seat's messages since the agent took it are its lines from its
// first, in order, and the messages before were another agent's (a
// model's, a replay's, another tool's speaker's), or the agent's own when
// it held the seat from the start. So the agent's messages are the
// longest run of the seat's last messages that say its lines 1 to k, in
// order, and it took the seat after the seat's message before them: any
// message from that one up to the first of the run says the same, and it
// is the fork point (forkedAt) when that is among them, as parley records
// it on a fork, else just before the first of the run. When the run is
// all of the seat's messages, the agent has held the seat from the start
// (0), as a recording that records no seated_at for it says.
//
// When none of the seat's last messages is its first line (the agent has
// said nothing since it took the seat, or its lines are not those it
// said), the recording is read as before: a fork that kept a model's
// message under the seat's name (one recording a model other than the
// recorded agent's label) seats the agent at the fork point, and any
// other reads as seated from the start.
func inferSeatedAt(prior []transcripts.Message, name, label string, forkedAt int, opens bool, lines []string) int {
	idx := seatMessages(prior, name, 0, opens)
	n := len(idx)
	for k := min(n, len(lines)); k > 0; k-- {
		run := idx[n-k:]
		if !slices.EqualFunc(run, lines[:k], func(i int, line string) bool {
			return strings.TrimSpace(prior[i].Content) == strings.TrimSpace(line)
		}) {
			continue
		}
		if k == n {
			return 0
		}
		from, first := idx[n-k-1]+1, run[0]
		if from <= forkedAt && forkedAt <= first {
			return forkedAt
		}
		return first
	}
	if forkedAt > 0 && slices.ContainsFunc(prior[:min(forkedAt, len(prior))], func(m transcripts.Message) bool {
		return m.Speaker == name && m.Origin == transcripts.OriginAgent && m.Model != "" && m.Model != label
	}) {
		return forkedAt
	}
	return 0
}

// recordedSeat is the agent a recording seated where seat a sits: under
// a's name, or failing that under a name a lists under formerly:.
func recordedSeat(a *configs.Agent, agents []transcripts.AgentInfo) (transcripts.AgentInfo, bool) {
	for _, p := range agents {
		if p.Name == a.Name {
			return p, true
		}
	}
	for _, p := range agents {
		if slices.Contains(a.Formerly, p.Name) {
			return p, true
		}
	}
	return transcripts.AgentInfo{}, false
}

// LinesLeft is how many lines seat a of s, a scripted or replay agent,
// has left to say after the messages prior, built as a resume builds it
// (prior recorded under run, its seats and, for a fork, the message it
// branched at; nil when the recording records none); 0 for any other
// seat.
func LinesLeft(s *configs.Scenario, a *configs.Agent, prior []transcripts.Message, run *transcripts.Run) (int, error) {
	if a.Type != configs.TypeScripted && a.Type != configs.TypeReplay {
		return 0, nil
	}
	opt := Options{Prior: asSeats(s, prior)}
	opt.PriorAgents, opt.PriorForkedAt = RecordedSeats(run)
	first := s.FirstIndex()
	opens := first >= 0 && first < len(s.Agents) && s.Agents[first].Name == a.Name
	var opening *string
	if s.Opening == nil && !opens {
		opening = new(string)
	}
	ag, _, err := buildAgent(s, a, &opt, opens, opening)
	if err != nil {
		return 0, err
	}
	if r, is := ag.(interface{ Remaining() int }); is {
		return r.Remaining(), nil
	}
	return 0, nil
}

// RecordedSeats is what a recording's run says of how its seats were
// taken, as Options' PriorAgents and PriorForkedAt hold it: its agents,
// and the message it kept from its parent when it is a fork. nil gives
// nothing.
func RecordedSeats(run *transcripts.Run) (agents []transcripts.AgentInfo, forkedAt int) {
	if run == nil {
		return nil, 0
	}
	if run.Parent != nil {
		forkedAt = run.Parent.At
	}
	return run.Agents, forkedAt
}

// recordedPath is the scenario's path as a recording names it: a file
// that exists by its absolute path, so that resume and fork find it from
// any folder; anything else (standard input, the command line, an example
// in the binary, a path this host does not have) as it is.
func recordedPath(p string) string {
	if p == "" || p == configs.StdinSource || p == configs.QuickSource || strings.HasPrefix(p, "embedded:") || filepath.IsAbs(p) {
		return p
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		return p
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// asSeats relabels messages recorded under a seat's former names (an
// agent's formerly:) with the seat's name, so each side sees that seat's
// earlier messages as its own. prior itself is left as it is.
func asSeats(s *configs.Scenario, prior []transcripts.Message) []transcripts.Message {
	renamed := map[string]string{}
	for _, a := range s.Agents {
		for _, f := range a.Formerly {
			renamed[f] = a.Name
		}
	}
	if len(renamed) == 0 || len(prior) == 0 {
		return prior
	}
	out := make([]transcripts.Message, len(prior))
	for i, m := range prior {
		if to, ok := renamed[m.Speaker]; ok && m.Origin != transcripts.OriginModerator {
			m.Speaker = to
		}
		out[i] = m
	}
	return out
}

// buildAgent builds one seat's agent. opens says the seat speaks first;
// opening, when not nil, is where a replay seated on the side that does
// not open puts its recording's opening (nil when the scenario gives an
// opening: of its own, which takes that opening's place).
//
// It and what it calls take the agent and the options by pointer: a batch
// job builds its conversation on the goroutine that then runs it, whose
// stack keeps whatever depth the building reached (see
// TestAConversationFitsInEightKiBOfStack).
func buildAgent(s *configs.Scenario, a *configs.Agent, opt *Options, opens bool, opening *string) (agents.Agent, transcripts.AgentInfo, error) {
	info := transcripts.AgentInfo{Name: a.Name, Type: a.Type, Provider: a.Provider, Model: a.Model, APIKeyEnv: a.APIKeyEnv, Formerly: a.Formerly}
	pace := time.Duration(a.Pace)
	if opt.Pace != nil {
		pace = *opt.Pace
	}
	switch a.Type {
	case configs.TypeScripted:
		sc := agents.NewScripted(a.Lines, pace)
		var spoken int
		info.SeatedAt, spoken = linesSaid(a, opt, opens, "", sc.Upcoming())
		sc.Skip(spoken)
		info.Settings = map[string]any{"lines": len(a.Lines)}
		return sc, info, nil
	case configs.TypeReplay:
		t, src, err := readReplay(s, a.Transcript)
		if err != nil {
			return nil, info, fmt.Errorf("agent %q: transcript: %w", a.Name, err)
		}
		r, err := agents.NewReplay(t, src, a.Speaker, pace)
		if err != nil {
			return nil, info, fmt.Errorf("agent %q: %s: %w", a.Name, replayField(t), err)
		}
		// Seated on the side that does not open, the replay's recording's
		// opening is message 1: handed over as the opening, or, when the
		// scenario gives an opening: of its own, replaced by it. Either
		// way it is never one of the replay's replies.
		if !opens {
			if text, ok := r.TakeOpening(); ok && opening != nil {
				*opening = text
			}
		}
		var spoken int
		info.SeatedAt, spoken = linesSaid(a, opt, opens, src, r.Upcoming())
		r.Skip(spoken)
		info.Settings = map[string]any{"transcript": a.Transcript, "speaker": a.Speaker}
		return r, info, nil
	case configs.TypeHuman:
		if opt.Human == nil {
			why := opt.NoHuman
			if why == "" {
				why = "this command does not open it"
			}
			return nil, info, fmt.Errorf("agent %q is type: human, which needs the live view, and %s", a.Name, why)
		}
		h, err := opt.Human(a.Name)
		return h, info, err
	}
	oc, err := openAIConfig(a, opt)
	if err != nil {
		return nil, info, err
	}
	info.BaseURL = agents.RedactURL(oc.BaseURL)
	info.APIKeyEnv = oc.KeyEnv
	info.Settings = settings(a)
	return agents.NewOpenAI(oc), info, nil
}

// RequestConfig is model agent a's configuration as its requests carry
// it, without its key (KeyEnv names the variable it comes from) or a
// client: what doctor's one-token request sends too.
func RequestConfig(a *configs.Agent) agents.OpenAIConfig {
	oc := agents.OpenAIConfig{
		Name: a.Name, Model: a.Model, BaseURL: a.BaseURL, System: a.System,
		Temperature: a.Temperature, TopP: a.TopP, MaxTokens: a.MaxTokens, Seed: a.Seed,
		Stop: a.Stop, Headers: a.Headers, KeyEnv: a.APIKeyEnv,
		Retries: a.Retries, Timeout: time.Duration(a.Timeout), IdleTimeout: time.Duration(a.IdleTimeout),
		Backoff: time.Duration(a.Backoff), Route: a.ReplicaKey(),
	}
	if a.Provider != "" {
		p, _ := agents.LookupProvider(a.Provider)
		if oc.BaseURL == "" {
			oc.BaseURL, oc.BaseURLEnv, oc.Preset = p.BaseURL, p.MovedBy(), p.Name
		}
		if oc.KeyEnv == "" {
			oc.KeyEnv = p.KeyEnv
		}
	}
	oc.ReportCost = agents.ReportsCost(a.Provider, oc.BaseURL)
	oc.RandomSeed = agents.SeedAsRandomSeed(a.Provider, oc.BaseURL)
	return oc
}

func openAIConfig(a *configs.Agent, opt *Options) (agents.OpenAIConfig, error) {
	oc := RequestConfig(a)
	oc.HTTPClient, oc.Secrets = opt.HTTPClient, opt.secrets
	switch {
	case a.APIKeyFile != "":
		data, err := os.ReadFile(a.APIKeyFile)
		if err != nil {
			return oc, errors.New(configs.KeyFileUnreadable(fmt.Sprintf("agent %q", a.Name), a.APIKeyFile, err))
		}
		if oc.APIKey, err = configs.CleanKey(string(data), "api_key_file: "+configs.KeyFileName(a.APIKeyFile)); err != nil {
			return oc, fmt.Errorf("agent %q: %w", a.Name, err)
		}
		oc.KeyEnv = ""
		if oc.APIKey == "" {
			return oc, fmt.Errorf("agent %q: api_key_file: %s is empty", a.Name, configs.KeyFileName(a.APIKeyFile))
		}
	case oc.KeyEnv != "":
		var err error
		if oc.APIKey, err = configs.CleanKey(opt.Getenv(oc.KeyEnv), "the environment variable "+oc.KeyEnv); err != nil {
			return oc, fmt.Errorf("agent %q: %w", a.Name, err)
		}
		if oc.APIKey == "" {
			return oc, fmt.Errorf("agent %q needs an API key: set the environment variable %s", a.Name, oc.KeyEnv)
		}
	}
	if oc.APIKey != "" && opt.Warn != nil {
		if u, err := url.Parse(oc.BaseURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			opt.Warn(a.FieldError("", "base_url", fmt.Sprintf("agent %q sends its API key over plain http:// to %s; use https://", a.Name, u.Host)).Error())
		}
	}
	return oc, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	return strings.HasPrefix(host, "127.") || host == "::1"
}

func settings(a *configs.Agent) map[string]any {
	m := map[string]any{}
	if a.System != "" {
		m["system"] = a.System
	}
	if a.Temperature != nil {
		m["temperature"] = *a.Temperature
	}
	if a.TopP != nil {
		m["top_p"] = *a.TopP
	}
	if a.MaxTokens != nil {
		m["max_tokens"] = *a.MaxTokens
	}
	if a.Seed != nil {
		m["seed"] = *a.Seed
	}
	if len(a.Stop) > 0 {
		m["stop"] = a.Stop
	}
	if len(a.Headers) > 0 {
		// Header values can hold credentials; record only their names.
		var names []string
		for k := range a.Headers {
			names = append(names, k)
		}
		m["headers"] = names
	}
	return m
}

// ReplayProblems lists the replay agents of s whose recording cannot be
// found or read, or holds no message by the speaker they replay, each
// sentence with the line of the field to fix, so validate and run say so
// before a run starts.
func ReplayProblems(s *configs.Scenario) configs.Problems {
	var probs configs.Problems
	for i := range s.Agents {
		if err := ReplayProblem(s, &s.Agents[i]); err != nil {
			probs = append(probs, err)
		}
	}
	return probs
}

// ReplayProblem is what keeps replay agent a of s from replaying: its
// recording cannot be found or read, or holds no message by its speaker.
// It is nil for an agent of another type, or one whose fields validation
// already refuses.
func ReplayProblem(s *configs.Scenario, a *configs.Agent) *configs.Error {
	if a.Type != configs.TypeReplay || a.Transcript == "" {
		return nil
	}
	t, src, err := readReplay(s, a.Transcript)
	if err != nil {
		return &configs.Error{File: s.Path, Line: a.FieldLine("transcript"), Msg: fmt.Sprintf("agent %q: transcript: %v", a.Name, err)}
	}
	if _, err := agents.NewReplay(t, src, a.Speaker, 0); err != nil {
		field := replayField(t)
		return &configs.Error{File: s.Path, Line: a.FieldLine(field), Msg: fmt.Sprintf("agent %q: %s: %v", a.Name, field, err)}
	}
	return nil
}

// replayField is the field to fix when a recording gives a replay's
// speaker nothing to say: its transcript when it holds no message at all
// (an export's empty conversation), else its speaker.
func replayField(t *transcripts.Transcript) string {
	if len(t.Messages) == 0 {
		return "transcript"
	}
	return "speaker"
}

// ReplayWarnings says of each replay agent of s that would send a blank
// first reply what to change: one that speaks first (first:), whose
// recording's message 1 is its own and blank, as the seed's system
// records its blank opening. It would re-speak that blank as a reply to
// parley's cue, or to the scenario's opening:; seated second, the
// recording's message 1 is the conversation's opening, as it was (or the
// scenario's opening: takes its place), and the other side answers it
// first. Recordings that cannot be read are ReplayProblems' to say;
// what the reader of one that can be skipped or guessed (a last line cut
// off mid-write, a file that is not UTF-8) is said here, with the agent.
func ReplayWarnings(s *configs.Scenario) []string {
	var out []string
	for _, a := range s.Agents {
		if a.Type != configs.TypeReplay || a.Transcript == "" {
			continue
		}
		t, _, err := readReplay(s, a.Transcript)
		if err != nil {
			continue
		}
		for _, w := range t.ReaderWarnings() {
			e := &configs.Error{File: s.Path, Line: a.FieldLine("transcript"), Msg: fmt.Sprintf("agent %q: its recording %s: %s", a.Name, a.Transcript, w)}
			out = append(out, e.Error())
		}
	}
	if s.IsRoster() || len(s.Agents) != 2 {
		return out
	}
	for i, a := range s.Agents {
		if a.Type != configs.TypeReplay || a.Transcript == "" || a.Name != s.First {
			continue
		}
		t, _, err := readReplay(s, a.Transcript)
		if err != nil || len(t.Messages) == 0 {
			continue
		}
		m := t.Messages[0]
		if m.Speaker != a.Speaker || m.Origin == transcripts.OriginModerator || strings.TrimSpace(m.Content) != "" {
			continue
		}
		other := s.Agents[1-i].Name
		msg := fmt.Sprintf("agent %q speaks first, and its recording's message 1 is its own blank opening, which it would send as its first reply; "+
			"add first: %s to let %s answer that opening first, as in the recording (parley then records the opening as message 1)", a.Name, other, other)
		if s.Opening != nil {
			msg = fmt.Sprintf("agent %q speaks first, and its recording's message 1 is its own blank opening, which it would send as its first reply, to the scenario's opening:; "+
				"add first: %s to let %s answer first, the opening: then standing in for that blank message as message 1, under %q's name", a.Name, other, other, a.Name)
		}
		e := &configs.Error{File: s.Path, Line: a.FieldLine("transcript"), Msg: msg}
		out = append(out, e.Error())
	}
	return out
}

// readReplay finds a replay transcript: as given, then beside the
// scenario, then among the recordings shipped in the binary.
func readReplay(s *configs.Scenario, path string) (*transcripts.Transcript, string, error) {
	candidates := []string{path}
	if !filepath.IsAbs(path) && s.Path != "" && !strings.HasPrefix(s.Path, "embedded:") {
		candidates = append(candidates, filepath.Join(filepath.Dir(s.Path), path))
	}
	for _, c := range candidates {
		t, err := transcripts.ReadOne(c)
		if err == nil {
			return t, c, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, c, err
		}
	}
	if t, ok := transcripts.ReadEmbedded(path); ok {
		return t, path, nil
	}
	return nil, path, fmt.Errorf("%s does not exist", path)
}

// attachJudges connects every judge policy to its moderator model, an
// OpenAI-compatible agent built as an agent of the scenario is, with the
// same fault settings and headers.
func attachJudges(p policy.Policy, opt *Options) error {
	var err error
	policy.Walk(p, func(q policy.Policy) {
		if j, ok := q.(*policy.Judge); ok && err == nil {
			err = attachJudge(j, opt)
		}
	})
	return err
}

// attachJudge connects one judge to its moderator model. It is a function
// of its own so that walking rules that hold no judge keeps a small frame.
func attachJudge(j *policy.Judge, opt *Options) error {
	c := j.Config
	name := c.Name
	if name == "" {
		name = "judge"
	}
	a := &configs.Agent{Name: name, Provider: c.Provider, Model: c.Model, BaseURL: c.BaseURL,
		APIKeyEnv: c.APIKeyEnv, System: c.System, Temperature: c.Temperature, Headers: c.Headers,
		Retries: c.Retries, Timeout: configs.Duration(c.Timeout), IdleTimeout: configs.Duration(c.IdleTimeout),
		Backoff: configs.Duration(c.Backoff)}
	oc, err := openAIConfig(a, opt)
	if err != nil {
		return fmt.Errorf("termination: %w", err)
	}
	j.Asker = modelAsker{name: name, agent: agents.NewOpenAI(oc)}
	return nil
}

// modelAsker puts a judge's question to a model as one user message.
type modelAsker struct {
	name  string // the judge's, as its retries are shown
	agent agents.Agent
}

var _ policy.Asker = modelAsker{}

// sentenceError is an error that reads as its Sentence: a judge that could
// not be asked says why as a run that an agent's fault stopped says it,
// without the client's own text, which repeats what the server said. It
// still unwraps to the error, so a cancelled question is known as one.
type sentenceError struct{ err error }

func (e sentenceError) Error() string { return Sentence(e.err) }
func (e sentenceError) Unwrap() error { return e.err }

// askWatcher is what a run hands a judge's question, in its context, to
// show the question's retries and waits as they happen, as an agent's
// are. It returns an error when recording them failed.
type askWatcher func(judge string, ch *agents.Chunk) error

type askWatcherKey struct{}

func (m modelAsker) Ask(ctx context.Context, prompt string) (policy.Answer, error) {
	watch, _ := ctx.Value(askWatcherKey{}).(askWatcher)
	var b strings.Builder
	var a policy.Answer
	for ch, err := range m.agent.Reply(ctx, []agents.Message{{Role: agents.RoleUser, Content: prompt}}) {
		if err != nil {
			return policy.Answer{}, sentenceError{err}
		}
		if ch.Retry != nil || ch.Wait != nil {
			if ch.Retry != nil {
				b.Reset()
				a = policy.Answer{} // the failed attempt's model and usage go with its text
			}
			if watch != nil {
				if err := watch(m.name, &ch); err != nil {
					return policy.Answer{}, err
				}
			}
			continue
		}
		b.WriteString(ch.Text)
		if ch.Model != "" {
			a.Model = ch.Model
		}
		if ch.Usage != nil {
			a.Usage = ch.Usage
		}
	}
	a.Text = b.String()
	return a, nil
}

package orchestrator

import (
	"fmt"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Fork builds the run that continues a recorded conversation from its
// message at under scenario s: the parent's first at completed messages
// are kept, and the seat whose turn is next speaks first. It returns the
// run's configuration, whose Run names the parent and the message it
// branched at, and the kept messages, which the new transcript starts
// with (Recorder.Inherited).
//
// Each kept message must be by a seat of s, under its name or one it
// lists under formerly:; a seat handed to another model sees the
// messages it spoke before as its own.
func Fork(s *configs.Scenario, parent *transcripts.Transcript, parentPath string, at int, opt Options) (Config, []transcripts.Message, error) {
	var kept []transcripts.Message
	for _, m := range parent.Messages {
		if !m.Partial {
			kept = append(kept, m)
		}
	}
	if at < 1 || at > len(kept) {
		return Config{}, nil, fmt.Errorf("%s holds %d completed messages; --at must be from 1 to %d", parentPath, len(kept), len(kept))
	}
	inherited := append([]transcripts.Message(nil), kept[:at]...)
	for i := range inherited {
		// The parent's run spoke them, and paid for them.
		inherited[i].Inherited = true
	}
	if s.IsRoster() {
		return Config{}, nil, fmt.Errorf("%s names a roster; fork continues one conversation, so give a two-agent scenario", s.Path)
	}
	seats := map[string]bool{}
	var names []string
	for _, a := range s.Agents {
		seats[a.Name] = true
		names = append(names, fmt.Sprintf("%q", a.Name))
		for _, f := range a.Formerly {
			seats[f] = true
		}
	}
	for i, m := range inherited {
		if m.Origin != transcripts.OriginModerator && !seats[m.Speaker] {
			return Config{}, nil, fmt.Errorf("message %d of %s is by %q, who has no seat in the scenario (the seats are %s); hand a seat over with --agent, or list %q in that agent's formerly list",
				i+1, parentPath, m.Speaker, phrase.And(names), m.Speaker)
		}
	}
	opt.Prior, opt.PriorPath = inherited, parentPath
	opt.PriorAgents, opt.PriorForkedAt = RecordedSeats(parent.Run)
	cfg, err := FromScenario(s, opt)
	if err != nil {
		return Config{}, nil, err
	}
	// Named by its absolute path, as the scenario is, so the fork finds
	// its parent from wherever it is read.
	cfg.Run.Parent = &transcripts.Parent{Path: recordedPath(parentPath), Title: parent.Title, At: at}
	return cfg, inherited, nil
}

package orchestrator

import (
	"strings"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/transcripts"
)

// Perspective is the conversation as the agent named self sees it: its own
// messages as assistant, the other side's as user, oldest first.
//
//   - opening, when not blank, comes first as if the other side had said it;
//   - window > 0 keeps only the most recent window messages (the opening
//     goes with the oldest once the window slides past it);
//   - moderator notes reach both sides as user messages marked [Moderator];
//   - interrupted and blank messages are left out, since providers reject
//     empty content;
//   - consecutive messages with the same role are joined with a blank line,
//     so no provider is sent two in a row.
//
// The agent adds its own system prompt.
func Perspective(msgs []transcripts.Message, self, opening string, window int) []agents.Message {
	kept := make([]transcripts.Message, 0, len(msgs))
	for _, m := range msgs {
		if !m.Partial {
			kept = append(kept, m)
		}
	}
	if window > 0 && len(kept) > window {
		kept = kept[len(kept)-window:]
		opening = ""
	}
	out := make([]agents.Message, 0, len(kept)+1)
	add := func(role, content string) {
		if strings.TrimSpace(content) == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content += "\n\n" + content
			return
		}
		out = append(out, agents.Message{Role: role, Content: content})
	}
	add(agents.RoleUser, opening)
	for _, m := range kept {
		switch {
		case m.Origin == transcripts.OriginModerator:
			add(agents.RoleUser, "[Moderator] "+m.Content)
		case m.Speaker == self:
			add(agents.RoleAssistant, m.Content)
		default:
			add(agents.RoleUser, m.Content)
		}
	}
	return out
}

package orchestrator

import (
	"strings"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/transcripts"
)

// Cue is what the first speaker is shown when the scenario's opening is
// blank: providers reject an empty first message. It is recorded as the
// opening, message 1, like any other opening.
const Cue = "Hello."

// DefaultEmptyReply is the placeholder an empty or whitespace-only message
// is shown as, unless the scenario sets empty_reply.
const DefaultEmptyReply = "(no reply)"

// Perspective is the conversation as the agent named self sees it: its own
// messages as assistant, the other side's as user, oldest first. It always
// has the shape strict providers demand (the agent adds its system prompt
// in front): turns that alternate, starting and ending with user, none of
// them blank.
//
//   - the opening (message 1, see transcripts.OriginOpening) reaches the
//     first speaker as the other side's message; its nominal speaker never
//     saw it, and is not shown it;
//   - window > 0 keeps only the most recent window messages;
//   - moderator notes reach both sides as user messages marked [Moderator];
//   - interrupted messages are left out;
//   - an empty or whitespace-only message is shown as placeholder
//     (DefaultEmptyReply when placeholder is blank), never as nothing;
//   - consecutive messages with the same role are joined with a blank line;
//   - assistant messages before the first user message are left out, and
//     when the agent's own message is the last, placeholder follows it as
//     the other side's turn;
//   - when nothing is left, the agent is shown Cue.
func Perspective(msgs []transcripts.Message, self string, window int, placeholder string) []agents.Message {
	if strings.TrimSpace(placeholder) == "" {
		placeholder = DefaultEmptyReply
	}
	kept := make([]transcripts.Message, 0, len(msgs))
	for _, m := range msgs {
		if m.Partial || (m.Origin == transcripts.OriginOpening && m.Speaker == self) {
			continue
		}
		kept = append(kept, m)
	}
	if window > 0 && len(kept) > window {
		kept = kept[len(kept)-window:]
	}
	out := make([]agents.Message, 0, len(kept)+1)
	add := func(role, content string) {
		if strings.TrimSpace(content) == "" {
			content = placeholder
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content += "\n\n" + content
			return
		}
		if len(out) == 0 && role == agents.RoleAssistant {
			return
		}
		out = append(out, agents.Message{Role: role, Content: content})
	}
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
	switch {
	case len(out) == 0:
		out = append(out, agents.Message{Role: agents.RoleUser, Content: Cue})
	case out[len(out)-1].Role == agents.RoleAssistant:
		out = append(out, agents.Message{Role: agents.RoleUser, Content: placeholder})
	}
	return out
}

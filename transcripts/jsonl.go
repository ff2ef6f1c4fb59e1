package transcripts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The JSONL sidecar holds one JSON object a line, each with a "type":
//
//	{"type":"run", ...}      once at the start, and again on each resume
//	{"type":"message", ...}  one per completed (or interrupted) message
//	{"type":"event", ...}    retries, waits, errors and operator actions
//	{"type":"stop", ...}     the stop reason; the last one counts
//
// Lines are only ever appended. A reader skips a torn last line (a crash in
// the middle of a write) and reports it in Warnings.

// Run is what the JSONL records about a whole conversation.
type Run struct {
	ID           string    `json:"id,omitempty"`
	Title        string    `json:"title,omitempty"`
	Started      time.Time `json:"started,omitzero"`
	Ended        time.Time `json:"ended,omitzero"`
	ScenarioPath string    `json:"scenario_path,omitempty"`
	Scenario     string    `json:"scenario,omitempty"` // the scenario's YAML, as run
	// ScenarioRedacted says Scenario has URL passwords and header values
	// hidden; resuming reads the scenario from ScenarioPath instead.
	ScenarioRedacted bool              `json:"scenario_redacted,omitempty"`
	Agents           []AgentInfo       `json:"agents,omitempty"`
	Vary             map[string]string `json:"vary,omitempty"` // batch values this run used
	Stop             *Stop             `json:"stop,omitempty"`
	Events           []Event           `json:"events,omitempty"`
	Resumes          int               `json:"resumes,omitempty"`
	// System is the system prompt of an imported conversation (the leading
	// "system" messages of OpenAI or ShareGPT JSON); runs parley staged
	// record each agent's prompt in its Settings instead.
	System string `json:"system,omitempty"`
	// Preamble is the text an imported headed or speaker-labelled file
	// holds before its first message (a log's setup lines, say). It is no
	// message, so it does not shift the messages' numbers.
	Preamble string `json:"preamble,omitempty"`
	// Pairing places the run in a roster tournament: its two roster
	// agents (opener and responder) and its run number for that pair.
	Pairing *Pairing `json:"pairing,omitempty"`
	// Parent, for a fork, names the transcript it continues and the
	// message it branched at.
	Parent *Parent `json:"parent,omitempty"`
	// Termination, on a resume's run line, is the rules that session ran
	// under in place of the scenario's, as --policy FILE gave them: the
	// file's YAML (with its secrets hidden when TerminationRedacted says
	// so) and its path.
	Termination         string `json:"termination,omitempty"`
	TerminationPath     string `json:"termination_path,omitempty"`
	TerminationRedacted bool   `json:"termination_redacted,omitempty"`
	// MaxMessages, on a resume's run line, is the max_messages budget
	// --max-messages gave that session, over the rules it ran under.
	MaxMessages int `json:"max_messages,omitempty"`

	// Warnings lists lines a reader skipped, such as a torn last line.
	Warnings []string `json:"-"`
}

// Pairing is a run's place in a roster tournament.
type Pairing struct {
	Opener    string `json:"opener"`
	Responder string `json:"responder"`
	Run       int    `json:"run"`
}

// Parent is the recorded conversation a fork continues: its transcript,
// its title and the last of its messages the fork keeps.
type Parent struct {
	Path  string `json:"path"`
	Title string `json:"title,omitempty"`
	At    int    `json:"at"`
}

// AgentInfo records one agent's settings. It never holds an API key: only
// the name of the variable the key came from.
type AgentInfo struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Provider  string         `json:"provider,omitempty"`
	Model     string         `json:"model,omitempty"`
	BaseURL   string         `json:"base_url,omitempty"`
	APIKeyEnv string         `json:"api_key_env,omitempty"`
	Settings  map[string]any `json:"settings,omitempty"`
}

// SendsNoRequest reports whether the agent answers without asking a model:
// a replay of a recording, scripted lines or a person at the keyboard.
// Its messages cost nothing.
func (a AgentInfo) SendsNoRequest() bool {
	switch a.Type {
	case "replay", "scripted", "human":
		return true
	}
	return false
}

// Event is something that happened during a run that is not a message:
// a retry, a wait, an error, an operator action.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"` // "retry", "wait", "error", "operator", "policy", …
	Speaker string    `json:"speaker,omitempty"`
	Detail  string    `json:"detail"`
	// Model and Usage are what a request made outside the conversation
	// (a judge's question) used and cost, as a message records its own.
	Model string `json:"model,omitempty"`
	Usage *Usage `json:"usage,omitempty"`
}

type jsonlLine struct {
	Type string `json:"type"`
}

type runLine struct {
	Type string `json:"type"`
	Run
}

// runLineOf encodes as runLine does, from a run held by reference.
type runLineOf struct {
	Type string `json:"type"`
	*Run
}

// MessageRecord is how a message is written as JSON: in the JSONL
// sidecar's message lines, and in the event stream of run --json.
type MessageRecord struct {
	Index        int       `json:"index"`
	Speaker      string    `json:"speaker"`
	Content      string    `json:"content"`
	Model        string    `json:"model,omitempty"`
	Endpoint     string    `json:"endpoint,omitempty"`
	Started      time.Time `json:"started,omitzero"`
	Ended        time.Time `json:"ended,omitzero"`
	LatencyMS    float64   `json:"latency_ms,omitempty"`
	TTFTMS       float64   `json:"ttft_ms,omitempty"`
	Usage        *Usage    `json:"usage,omitempty"`
	FinishReason string    `json:"finish_reason,omitempty"`
	Origin       string    `json:"origin,omitempty"`
	Partial      bool      `json:"partial,omitempty"`
}

// NewMessageRecord is message m, the index-th of its conversation, as JSON writes it.
func NewMessageRecord(index int, m Message) MessageRecord {
	return MessageRecord{
		Index: index, Speaker: m.Speaker, Content: m.Content, Model: m.Model, Endpoint: m.Endpoint,
		Started: m.Started, Ended: m.Ended, LatencyMS: ms(m.Latency), TTFTMS: ms(m.TTFT),
		Usage: m.Usage, FinishReason: m.FinishReason, Origin: m.Origin, Partial: m.Partial,
	}
}

type messageLine struct {
	Type string `json:"type"`
	MessageRecord
}

type eventLine struct {
	Type string `json:"type"`
	Event
}

type stopLine struct {
	Type  string    `json:"type"`
	Ended time.Time `json:"ended,omitzero"`
	Stop  Stop      `json:"stop"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fromMS(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// JSONLRun encodes the run line.
func JSONLRun(r Run) []byte {
	return line(runLine{Type: "run", Run: r})
}

// JSONLMessage encodes one message line; index is 1-based.
func JSONLMessage(index int, m Message) []byte {
	return line(messageLine{Type: "message", MessageRecord: NewMessageRecord(index, m)})
}

// JSONLEvent encodes an event line.
func JSONLEvent(e Event) []byte { return line(eventLine{Type: "event", Event: e}) }

// JSONLStop encodes a stop line.
func JSONLStop(ended time.Time, s Stop) []byte {
	return line(stopLine{Type: "stop", Ended: ended, Stop: s})
}

func line(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every field is a plain value; this cannot fail for valid UTF-8 or
		// otherwise. json.Marshal replaces invalid UTF-8 rather than failing.
		panic(fmt.Sprintf("transcripts: encoding a JSONL line: %v", err))
	}
	return append(b, '\n')
}

// WriteJSONL writes a whole transcript as JSONL.
func WriteJSONL(w io.Writer, t *Transcript) error {
	bw := bufio.NewWriter(w)
	run := Run{Title: t.Title, Started: t.Started}
	if t.Run != nil {
		run = *t.Run
		run.Stop, run.Events = nil, nil
		if run.Title == "" {
			run.Title = t.Title
		}
		if run.Started.IsZero() {
			run.Started = t.Started
		}
	}
	if t.Run == nil || t.Run.Stop == nil {
		// No stop line follows to carry the end (a conversation another
		// tool recorded, a Markdown's **Ended:**): the run line does.
		run.Ended = t.Ended
	}
	// Each session after the first starts with a run line of its own, as
	// a resume writes one, so that its messages read back as that
	// session's (max_duration counts each session's own span).
	run.Resumes = 0
	bw.Write(JSONLRun(run))
	session := 0
	for i, m := range t.Messages {
		for ; session < m.Session; session++ {
			bw.Write(JSONLRun(run))
		}
		bw.Write(JSONLMessage(i+1, m))
	}
	if t.Run != nil {
		for ; session < t.Run.Resumes; session++ {
			bw.Write(JSONLRun(run)) // a session that recorded no message
		}
		for _, e := range t.Run.Events {
			bw.Write(JSONLEvent(e))
		}
		if t.Run.Stop != nil {
			bw.Write(JSONLStop(t.Ended, *t.Run.Stop))
		}
	}
	return bw.Flush()
}

// ParseJSONL reads a JSONL sidecar. A line that cannot be decoded is
// skipped and noted in Run.Warnings when it is the last line (a torn
// write); in the middle of the file it is an error naming the line.
func ParseJSONL(data []byte) (*Transcript, error) {
	t := &Transcript{Run: &Run{}}
	lines := bytes.Split(data, []byte("\n"))
	last := len(lines) - 1
	for last >= 0 && len(bytes.TrimSpace(lines[last])) == 0 {
		last--
	}
	for i := 0; i <= last; i++ {
		l := bytes.TrimSpace(lines[i])
		if len(l) == 0 {
			continue
		}
		if err := decodeLine(t, l); err != nil {
			if i == last {
				t.Run.Warnings = append(t.Run.Warnings,
					fmt.Sprintf("line %d is incomplete (the run was cut off while writing it) and was skipped", i+1))
				continue
			}
			return nil, &ParseError{Line: i + 1, Msg: err.Error()}
		}
	}
	markInherited(t)
	return t, nil
}

// markInherited marks the messages a fork kept from its parent: the
// first Parent.At of its recording.
func markInherited(t *Transcript) {
	if t.Run == nil || t.Run.Parent == nil {
		return
	}
	for i := range min(t.Run.Parent.At, len(t.Messages)) {
		t.Messages[i].Inherited = true
	}
}

func decodeLine(t *Transcript, l []byte) error {
	var head jsonlLine
	if err := json.Unmarshal(l, &head); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	switch head.Type {
	case "run":
		var r runLine
		if err := json.Unmarshal(l, &r); err != nil {
			return fmt.Errorf("run line: %v", err)
		}
		if t.Run.Title != "" || !t.Run.Started.IsZero() {
			// A resume: keep the first start, take the newer settings.
			r.Run.Started = t.Run.Started
			r.Run.Resumes = t.Run.Resumes + 1
			// What places the run (a tournament pairing, a fork's parent)
			// stays with it when a resume does not restate it.
			if r.Run.Pairing == nil {
				r.Run.Pairing = t.Run.Pairing
			}
			if r.Run.Parent == nil {
				r.Run.Parent = t.Run.Parent
			}
		}
		r.Run.Events, r.Run.Stop, r.Run.Warnings = t.Run.Events, t.Run.Stop, t.Run.Warnings
		*t.Run = r.Run
		t.Title = r.Title
		t.Started = t.Run.Started
		if !r.Run.Ended.IsZero() {
			// The end of a conversation recorded with no stop (see
			// WriteJSONL); a stop line after it says when it ended.
			t.Ended = r.Run.Ended
		}
	case "message":
		var m messageLine
		if err := json.Unmarshal(l, &m); err != nil {
			return fmt.Errorf("message line: %v", err)
		}
		msg := Message{
			Speaker: m.Speaker, Content: m.Content, Model: m.Model, Endpoint: m.Endpoint, Started: m.Started, Ended: m.Ended,
			Latency: fromMS(m.LatencyMS), TTFT: fromMS(m.TTFTMS), Usage: m.Usage,
			FinishReason: m.FinishReason, Origin: m.Origin, Partial: m.Partial,
			Session: t.Run.Resumes,
		}
		// A resumed run replaces an interrupted (partial) last message.
		if n := len(t.Messages); n > 0 && t.Messages[n-1].Partial && m.Index == n {
			t.Messages[n-1] = msg
		} else {
			t.Messages = append(t.Messages, msg)
		}
	case "event":
		var e eventLine
		if err := json.Unmarshal(l, &e); err != nil {
			return fmt.Errorf("event line: %v", err)
		}
		t.Run.Events = append(t.Run.Events, e.Event)
	case "stop":
		var s stopLine
		if err := json.Unmarshal(l, &s); err != nil {
			return fmt.Errorf("stop line: %v", err)
		}
		st := s.Stop
		t.Run.Stop = &st
		t.Run.Ended = s.Ended
		t.Ended = s.Ended
	default:
		return fmt.Errorf("unknown line type %q", head.Type)
	}
	return nil
}

// LooksLikeJSONL reports whether data starts like a parley JSONL sidecar:
// with its run line, which parley writes first ({"type":"run", …}; a
// script writing the same layout may space it as Python does). Other
// tools' JSON and JSONL may open with a "type" field too ({"type":
// "conversation", …}, a Responses API item's {"type": "message", …}).
func LooksLikeJSONL(data []byte) bool {
	d := data
	for _, tok := range []string{"{", `"type"`, ":", `"run"`} {
		d = bytes.TrimLeft(d, " \r\n\t")
		if !bytes.HasPrefix(d, []byte(tok)) {
			return false
		}
		d = d[len(tok):]
	}
	return true
}

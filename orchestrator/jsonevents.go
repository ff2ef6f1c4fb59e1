package orchestrator

import (
	"bufio"
	"encoding/json"
	"io"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// JSONLines is a sink that writes every event as one JSON object a line,
// for scripts (`parley run --json`). Each object has a "type": started,
// turn, delta, retry, message, progress, notice or stopped. It carries no
// secrets: agents appear with the name of their key variable, never the
// key, and the scenario's YAML is left out.
type JSONLines struct {
	w     *bufio.Writer
	enc   *json.Encoder
	paths func() (markdown, jsonl string)
}

var _ Sink = (*JSONLines)(nil)

// NewJSONLines writes to w. paths, when set, gives the transcript files
// named in the stopped line.
func NewJSONLines(w io.Writer, paths func() (markdown, jsonl string)) *JSONLines {
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLines{w: bw, enc: enc, paths: paths}
}

type jsonProgress struct {
	Policy string `json:"policy"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
	Limit  int    `json:"limit"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Handle implements Sink.
func (j *JSONLines) Handle(e Event) error {
	var v any
	switch e := e.(type) {
	case Started:
		agents := make([]transcripts.AgentInfo, len(e.Run.Agents))
		copy(agents, e.Run.Agents)
		v = struct {
			Type     string                  `json:"type"`
			Title    string                  `json:"title"`
			Started  time.Time               `json:"started,omitzero"`
			Speakers [2]string               `json:"speakers"`
			Limit    int                     `json:"limit,omitempty"`
			Agents   []transcripts.AgentInfo `json:"agents"`
			Prior    int                     `json:"prior,omitempty"`
		}{"started", e.Run.Title, e.Run.Started, e.Speakers, e.Limit, agents, len(e.Prior)}
	case TurnStarted:
		v = struct {
			Type    string    `json:"type"`
			Index   int       `json:"index"`
			Speaker string    `json:"speaker"`
			Time    time.Time `json:"time"`
		}{"turn", e.Index, e.Speaker, e.Time}
	case Delta:
		v = struct {
			Type    string `json:"type"`
			Index   int    `json:"index"`
			Speaker string `json:"speaker"`
			Text    string `json:"text"`
		}{"delta", e.Index, e.Speaker, e.Text}
	case Retrying:
		v = struct {
			Type    string  `json:"type"`
			Index   int     `json:"index"`
			Speaker string  `json:"speaker"`
			Attempt int     `json:"attempt"`
			Max     int     `json:"max"`
			WaitMS  float64 `json:"wait_ms"`
			Reason  string  `json:"reason"`
			Judge   bool    `json:"judge,omitempty"`
		}{"retry", e.Index, e.Speaker, e.Attempt + 1, e.Max, ms(e.Wait), e.Reason, e.Judge}
	case MessageFinished:
		v = struct {
			Type string `json:"type"`
			transcripts.MessageRecord
		}{"message", transcripts.NewMessageRecord(e.Index, e.Message)}
	case Progress:
		ps := make([]jsonProgress, len(e.Progress))
		for i, p := range e.Progress {
			ps[i] = jsonProgress{p.Policy, p.Label, p.Count, p.Limit}
		}
		v = struct {
			Type     string         `json:"type"`
			Index    int            `json:"index"`
			Policies []jsonProgress `json:"policies"`
		}{"progress", e.Index, ps}
	case Notice:
		v = struct {
			Type    string             `json:"type"`
			Kind    string             `json:"kind"`
			Speaker string             `json:"speaker,omitempty"`
			Detail  string             `json:"detail"`
			Model   string             `json:"model,omitempty"`
			Usage   *transcripts.Usage `json:"usage,omitempty"`
			Time    time.Time          `json:"time,omitzero"`
		}{"notice", e.Kind, e.Speaker, e.Detail, e.Model, e.Usage, e.Time}
	case Stopped:
		var md, jl string
		if j.paths != nil {
			md, jl = j.paths()
		}
		var partial *transcripts.MessageRecord
		if e.Partial != nil {
			p := transcripts.NewMessageRecord(e.Stop.At+1, *e.Partial)
			partial = &p
		}
		v = struct {
			Type     string                     `json:"type"`
			Stop     transcripts.Stop           `json:"stop"`
			Ended    time.Time                  `json:"ended,omitzero"`
			Partial  *transcripts.MessageRecord `json:"partial,omitempty"`
			Markdown string                     `json:"transcript,omitempty"`
			JSONL    string                     `json:"jsonl,omitempty"`
		}{"stopped", e.Stop, e.Ended, partial, md, jl}
	default:
		return nil
	}
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	return j.w.Flush()
}

package policy

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/transcripts"
)

// Asker reaches the moderator model a Judge consults.
type Asker interface {
	// Ask sends prompt as one user message and returns the model's whole
	// reply. It honours ctx: when ctx is cancelled it stops waiting and
	// returns ctx's error. Errors should be sentences a user can act on
	// (a missing key variable, an unreachable URL) and never hold a key.
	Ask(ctx context.Context, prompt string) (Answer, error)
}

// Answer is a moderator's reply, with what asking cost.
type Answer struct {
	Text  string
	Model string             // the model the server says answered, when it said
	Usage *transcripts.Usage // as the server reported it (Cost when it reported one), or nil
}

// JudgeConfig is how a judge: rule is written: the moderator model is
// configured like an agent, with the same fault settings and headers.
type JudgeConfig struct {
	Name        string            `yaml:"name"`        // shown in reasons (default "judge")
	Provider    string            `yaml:"provider"`    // a provider preset, as for agents
	Model       string            `yaml:"model"`       // required
	BaseURL     string            `yaml:"base_url"`    // overrides the preset
	APIKeyEnv   string            `yaml:"api_key_env"` // the variable holding the key
	System      string            `yaml:"system"`      // a system prompt for the moderator
	Prompt      string            `yaml:"prompt"`      // the question (default DefaultJudgePrompt)
	Temperature *float64          `yaml:"temperature"`
	Headers     map[string]string `yaml:"headers"`      // sent with each request, as an agent's
	Retries     *int              `yaml:"retries"`      // most attempts per question (an agent's default)
	Timeout     Duration          `yaml:"timeout"`      // per request (an agent's default)
	IdleTimeout Duration          `yaml:"idle_timeout"` // no token for this long is a fault (an agent's default)
	Backoff     Duration          `yaml:"backoff"`      // the first wait between attempts (an agent's default)
	Every       int               `yaml:"every"`        // ask after every N messages (default 10)
	Window      int               `yaml:"window"`       // show the moderator the last N messages (default 20)
}

// Duration is a time.Duration written in YAML as "30s", "2m".
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		// A TypeError lets the decoder go on with the other fields.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration such as 30s or 2m", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// DefaultJudgePrompt is the question a judge asks when none is configured.
const DefaultJudgePrompt = `You are moderating a conversation between two AI models. Read the latest messages below and decide whether the conversation is still going somewhere (new ideas, real questions, progress on a task) or has stalled (goodbyes, thanks, echoes, repetition, refusals, going in circles).

Answer on the first line with exactly one word, CONTINUE or STOP, then one short sentence saying why.`

// Ruling is what the moderator said after one message.
type Ruling struct {
	At        int    // the last message it judged, numbered as the conversation is (moderator notes count)
	Stop      bool   // it said STOP
	Rationale string // its one-line reason, or why it could not rule
	// Failed says the moderator could not be asked (its retries ran out,
	// its server refused): the round has no verdict and the conversation
	// goes on. Rationale then holds the sentence saying why.
	Failed bool
	// Model and Usage are what asking used, as the server reported them.
	Model string
	Usage *transcripts.Usage
}

// Judge asks a moderator model, every Every messages, whether the
// conversation is still going somewhere, and stops the run when it says
// STOP. Asking happens in Prepare, which a live run calls before each
// Check; Check only reads the ruling stored for exactly those messages, so
// it stays pure. When the Asker fails (after its own retries), Prepare
// stores a ruling marked Failed, which never stops, and returns nil: the
// run goes on without that round's verdict. Only a cancelled ctx makes
// Prepare fail then. Without an Asker (as in `parley check`, which runs
// offline) Prepare fails with a sentence saying so, and Check never stops.
type Judge struct {
	Config JudgeConfig
	Asker  Asker

	mu      sync.Mutex
	seed    maphash.Seed
	rulings map[judgeKey]Ruling
	order   []Ruling

	m memo[uint64] // a hash of each spoken message and all before it
}

// judgeKey names a conversation: its spoken messages and a hash of them all.
type judgeKey struct {
	n    int
	hash uint64
}

// NewJudge builds a judge; attach the model with the Asker field.
func NewJudge(c JudgeConfig) *Judge {
	if c.Every <= 0 {
		c.Every = 10
	}
	if c.Window <= 0 {
		c.Window = 20
	}
	if c.Prompt == "" {
		c.Prompt = DefaultJudgePrompt
	}
	if c.Name == "" {
		c.Name = "judge"
	}
	return &Judge{Config: c, seed: maphash.MakeSeed(), rulings: map[judgeKey]Ruling{}}
}

// ErrNoAsker is returned by Prepare when no model was attached.
var ErrNoAsker = errors.New("the judge has no model connection")

// chain hashes a message together with the hash of those before it, so
// the hash of a conversation grows by one message at a time.
func (j *Judge) chain(msg *transcripts.Message, prev []uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(j.seed)
	var before [8]byte
	if n := len(prev); n > 0 {
		binary.LittleEndian.PutUint64(before[:], prev[n-1])
	}
	h.Write(before[:])
	h.WriteString(msg.Speaker)
	h.WriteByte(0)
	h.WriteString(msg.Content)
	h.WriteByte(0)
	return h.Sum64()
}

// spokenKey returns the key of msgs and the index in msgs of each of its
// spoken messages. The caller must hold j.m.mu.
func (j *Judge) spokenKey(msgs []transcripts.Message) (judgeKey, []int32) {
	hashes, idx := j.m.values(msgs, j.chain, nil)
	k := judgeKey{n: len(idx)}
	if k.n > 0 {
		k.hash = hashes[k.n-1]
	}
	return k, idx
}

// Prepare implements Preparer: after every Every messages it asks the
// moderator and stores the ruling.
func (j *Judge) Prepare(ctx context.Context, msgs []transcripts.Message) error {
	j.m.mu.Lock()
	k, idx := j.spokenKey(msgs)
	n := k.n
	if n == 0 || n%j.Config.Every != 0 {
		j.m.mu.Unlock()
		return nil
	}
	shown := make([]transcripts.Message, 0, min(n, j.Config.Window))
	for _, i := range idx[max(0, n-j.Config.Window):] {
		shown = append(shown, msgs[i])
	}
	j.m.mu.Unlock()
	j.mu.Lock()
	_, done := j.rulings[k]
	j.mu.Unlock()
	if done {
		return nil
	}
	if j.Asker == nil {
		return fmt.Errorf("termination: judge (%s): %w; it needs a live run with its provider set up", j.Config.Model, ErrNoAsker)
	}
	reply, err := j.Asker.Ask(ctx, j.prompt(n, shown))
	var r Ruling
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("termination: judge (%s) after message %d: %w", j.Config.Model, n, err)
	case err != nil:
		// A moderator's outage does not end, or stall, the conversation
		// it moderates: this round has no verdict, and the record says so.
		r = Ruling{Failed: true, Rationale: err.Error()}
	default:
		r = ParseRuling(reply.Text)
		r.Model, r.Usage = reply.Model, reply.Usage
	}
	r.At = int(idx[n-1]) + 1
	j.mu.Lock()
	j.rulings[k] = r
	j.order = append(j.order, r)
	j.mu.Unlock()
	return nil
}

// due reports whether Prepare would ask the moderator about msgs: they
// end on its every-th spoken message, and it has not ruled on them yet.
func (j *Judge) due(msgs []transcripts.Message) bool {
	j.m.mu.Lock()
	k, _ := j.spokenKey(msgs)
	j.m.mu.Unlock()
	if k.n == 0 || k.n%j.Config.Every != 0 {
		return false
	}
	j.mu.Lock()
	_, done := j.rulings[k]
	j.mu.Unlock()
	return !done
}

// Rulings returns every ruling so far, oldest first, for the record.
func (j *Judge) Rulings() []Ruling {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Ruling(nil), j.order...)
}

// prompt asks about a conversation of n spoken messages, the latest of
// which are shown.
func (j *Judge) prompt(n int, shown []transcripts.Message) string {
	var b strings.Builder
	b.WriteString(j.Config.Prompt)
	from := n - len(shown)
	fmt.Fprintf(&b, "\n\nThe conversation so far has %d messages. The latest:\n", n)
	for i, m := range shown {
		c := m.Content
		if len(c) > 2000 {
			c = clipRunes(c[:2000], false) + " […]"
		}
		fmt.Fprintf(&b, "\n[%d] %s: %s\n", from+i+1, m.Speaker, c)
	}
	return b.String()
}

// ParseRuling reads a moderator's reply. The verdict is the answer's
// first word, as the prompt asks: CONTINUE or STOP, in any case, once
// leading white space, Markdown emphasis or heading marks (**STOP**,
// _Continue_, # STOP, > STOP, `STOP`) and a reasoning block are set aside.
// A reasoning block is <think>…</think> (or <thinking>, <reasoning>): a
// reply that holds such a closing tag is read from after the last one, so
// a reasoning model's deliberation, which may name either word, never
// decides. The rationale is what follows the verdict on its line, past
// punctuation such as ":" or "—", or else the next non-blank line.
//
// A reply whose first word is neither (an empty reply, "Verdict: STOP", a
// reasoning block left open) continues, and its rationale says so and
// quotes the reply: an unclear judge never ends a conversation, and the
// recorded ruling shows the user what it said.
func ParseRuling(reply string) Ruling {
	answer := afterReasoning(reply)
	rest := strings.TrimLeft(answer, " \t\r\n*_#>`\"'")
	word := rest
	if i := strings.IndexFunc(rest, func(r rune) bool { return r >= utf8.RuneSelf || r == '_' || !isWordByte(byte(r)) }); i >= 0 {
		word, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	var r Ruling
	switch strings.ToUpper(word) {
	case "STOP":
		r.Stop = true
	case "CONTINUE":
	default:
		what := excerpt(answer)
		if what == "" {
			what = "nothing"
		}
		return Ruling{Rationale: "the judge's reply did not begin with CONTINUE or STOP, so the conversation goes on; it said: " + what}
	}
	line, next, _ := strings.Cut(rest, "\n")
	why := strings.TrimSpace(strings.TrimLeft(line, " \t\r*_`\"':.,;-—–"))
	for why == "" && next != "" {
		line, next, _ = strings.Cut(next, "\n")
		why = strings.TrimSpace(line)
	}
	r.Rationale = excerpt(why)
	return r
}

// reasoningEnds are the closing tags of the reasoning blocks models write
// before their answer.
var reasoningEnds = []string{"</think>", "</thinking>", "</reasoning>"}

// reasoningOpens are their opening tags.
var reasoningOpens = []string{"<think>", "<thinking>", "<reasoning>"}

// said is what a message says to the other side, as every rule that
// reads a message's text reads it: a reasoning model's deliberation,
// which some recorders keep before its answer as a <think>…</think> block
// (or <thinking>, <reasoning>), is set aside as the judge sets it aside
// in its own replies (afterReasoning), so a fixed preamble of thinking is
// not a side repeating itself, and an [END] or a refusal it weighs and
// drops is not said. Only a message that opens with such a block is read
// for one, so the rest cost a glance at their first bytes. A message
// exported with its line breaks escaped is read with them (unescapedLines).
func said(content string) string {
	content = unescapedLines(content)
	head := strings.TrimLeft(content[:min(len(content), 64)], " \t\r\n")
	if len(head) < len("<think>") || head[0] != '<' {
		return content
	}
	for _, open := range reasoningOpens {
		if len(head) >= len(open) && strings.EqualFold(head[:len(open)], open) {
			return afterReasoning(content)
		}
	}
	return content
}

// unescapedLines is content with its line breaks, when an export wrote
// them escaped: a message that holds no line break and at least two
// literal "\n" (as a tool that escapes text twice, or a table that keeps
// each message on one row, writes it) has them read as line breaks, so
// its lines and words read as the model wrote them. Any other message is
// returned as it is, most after a search for their first line break.
func unescapedLines(content string) string {
	if strings.IndexByte(content, '\n') >= 0 || strings.Count(content, `\n`) < 2 {
		return content
	}
	return strings.ReplaceAll(strings.ReplaceAll(content, `\r\n`, "\n"), `\n`, "\n")
}

// afterReasoning is reply without its reasoning: what follows the last
// closing tag of a reasoning block, or reply itself when it holds none. A
// reply that opens a block and never closes it is all reasoning: "".
func afterReasoning(reply string) string {
	lower := strings.ToLower(reply)
	cut := -1
	for _, tag := range reasoningEnds {
		if i := strings.LastIndex(lower, tag); i >= 0 && i+len(tag) > cut {
			cut = i + len(tag)
		}
	}
	if cut >= 0 {
		return reply[cut:]
	}
	trimmed := strings.TrimSpace(lower)
	for _, open := range reasoningOpens {
		if strings.HasPrefix(trimmed, open) {
			return ""
		}
	}
	return reply
}

func isWordByte(c byte) bool {
	return c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// Check implements Policy: it stops when the ruling stored for exactly
// these messages says STOP.
func (j *Judge) Check(msgs []transcripts.Message) Verdict {
	j.m.mu.Lock()
	k, idx := j.spokenKey(msgs)
	last := 0 // the last spoken message's number
	if k.n > 0 {
		last = int(idx[k.n-1]) + 1
	}
	j.m.mu.Unlock()
	n := k.n
	v := Verdict{Progress: []Progress{{Policy: "judge", Label: "messages to the judge", Count: n % j.Config.Every, Limit: j.Config.Every}}}
	if n == 0 || n%j.Config.Every != 0 {
		return v
	}
	j.mu.Lock()
	r, ok := j.rulings[k]
	j.mu.Unlock()
	if !ok {
		return v
	}
	label := "judge said continue"
	switch {
	case r.Stop:
		label = "judge said stop"
	case r.Failed:
		label = "judge could not rule"
	}
	v.Progress[0] = Progress{Policy: "judge", Label: label, Count: j.Config.Every, Limit: j.Config.Every}
	if r.Stop {
		v.Stop, v.Policy = true, "judge"
		v.Reason = fmt.Sprintf("the %s (%s) judged after message %d that the conversation is going nowhere: %s",
			j.Config.Name, j.Config.Model, last, r.Rationale)
	}
	return v
}

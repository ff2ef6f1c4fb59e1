package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Controller is what the view asks of a running conversation. Every method
// returns at once; *orchestrator.Conversation is one.
type Controller interface {
	Pause()
	Resume()
	Step()
	End()
	Inject(speaker, text string) error
}

var _ Controller = (*orchestrator.Conversation)(nil)

// Seat is a seat a person types for, such as *agents.Human. Say hands over
// the person's message without blocking, or says why it cannot.
type Seat interface {
	Say(text string) error
}

// drafter is a Seat that keeps what the person has typed and not sent,
// handed over as it changes, such as *agents.Human.
type drafter interface {
	Draft(text string)
}

// A person's seat is an agents.Human: the view hands it each message, and
// each draft as it changes, by these two interfaces.
var (
	_ Seat    = (*agents.Human)(nil)
	_ drafter = (*agents.Human)(nil)
)

// Config sets up the view.
type Config struct {
	Control Controller
	// Cancel cancels the run's context; quitting calls it so the message
	// in flight is recorded as interrupted.
	Cancel func()
	// Humans are the seats a person types for, by speaker name.
	Humans map[string]Seat
	// Renderer draws the styles; nil means lipgloss's default for stdout.
	Renderer *lipgloss.Renderer
	// Now is the clock for the status line; nil means time.Now.
	Now func() time.Time
	// TextWidth caps the columns a message's text takes: 0 means
	// DefaultTextWidth, a negative value the whole window.
	TextWidth int
}

// eventsMsg carries events from the Sink to Update, in order.
type eventsMsg []item

// item is one event with the time the sink took it in, and for Stopped
// the transcript paths.
type item struct {
	ev        orchestrator.Event
	at        time.Time // when the sink took it in
	last      time.Time // for joined deltas, when the last piece arrived
	md, jsonl string
}

type tickMsg time.Time

// entry is a finished message, or a note the view says between messages,
// and its cached rendering.
type entry struct {
	msg   transcripts.Message
	index int
	note  *note // not a message: a line the view says in the conversation
	lines []string
	w     int
	raw   bool
}

// note is something the view says in the conversation, where it happened,
// rather than under the status line: it stays true, and scrolls as the
// messages do.
type note struct {
	text string
	warn bool
}

// live is the message in flight.
type live struct {
	index   int
	speaker string
	started time.Time
	firstAt time.Time
	lastAt  time.Time
	text    strings.Builder
	bytes   int
	words   int
	inWord  bool
	doc     liveDoc // its rendering so far, for the view
}

// pos is a line of the conversation: line of item.
type pos struct{ item, line int }

type stopInfo struct {
	stop      transcripts.Stop
	ended     time.Time
	md, jsonl string
	partial   bool // the message in flight is kept, marked interrupted
	err       error
}

// ends says what makes a notice untrue, besides the stop, which ends every
// notice: the conversation is over, and what it said of the run with it.
type ends uint8

const (
	// endsAtToken: a token of the message in flight, a turn starting or a
	// message finishing (a retry's or a rate limit's wait is over).
	endsAtToken ends = 1 << iota
	// endsAtMessage: a message finishing.
	endsAtMessage
	// endsAtEdit: the person changing what the box holds, or closing it.
	endsAtEdit
	// endsAtClose: the input box closing.
	endsAtClose
	// endsAtJoin: a line the operator injected joining the conversation.
	endsAtJoin
)

// notice is the line under the status: what holds the conversation up (a
// retry, a rate limit's wait) or what the person just did. It goes once
// it is no longer true.
type notice struct {
	text string
	warn bool
	ends ends
	// A retry's notice counts down to its attempt: the text is said
	// around the time left, "in 3s" (or "now").
	until      time.Time
	after      string
	countsDown bool
}

// input modes
const (
	inputNone = iota
	inputInject
	inputHuman
)

// Model is the live view. Update and View are plain functions of the
// model's state and the messages it is given; the model is a pointer so
// View can fill its rendering caches.
type Model struct {
	cfg  Config
	now  func() time.Time
	st   *styles
	keys keyMap
	help help.Model

	width, height int

	title    string
	speakers [2]string
	limit    int
	started  time.Time
	entries  []*entry
	last     int // the index of the last message entries hold
	live     *live
	progress []policy.Progress
	tokens   int
	counted  int     // finished messages that count toward the budget (not moderator notes, not interrupted)
	lastRate float64 // tokens/s of the last finished reply
	lastTTFT time.Duration
	notice   notice
	paused   bool
	dropped  []transcripts.Message // lines injected that the conversation ended before they joined
	stopped  *stopInfo
	quitting bool

	follow   bool
	top      pos
	raw      bool
	showHelp bool

	mode         int
	target       int // inject as: 0 moderator, 1 and 2 the seats
	humanTurn    string
	ta           textarea.Model
	short        string // the key reminder line, laid out for shortW
	shortW       int
	shortStopped bool
	ruleCache    struct {
		w      int
		follow bool
		s      string
	}
	colours map[string]lipgloss.Color
	gutters map[string]string

	// A recording reopened with parley show: notes under messages, tags
	// beside their speakers and the banner's lines.
	marks  map[int][]string
	tags   map[int]string
	review []string
}

// New makes the view.
func New(cfg Config) *Model {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.SetHeight(3)
	ta.Placeholder = "Type here. Enter starts a new line; ctrl+s or alt+enter sends."
	h := help.New()
	h.ShowAll = false
	return &Model{
		cfg:     cfg,
		now:     now,
		st:      newStyles(cfg.Renderer),
		keys:    newKeyMap(),
		help:    h,
		follow:  true,
		ta:      ta,
		colours: map[string]lipgloss.Color{},
		gutters: map[string]string{},
	}
}

// Init starts the clock that keeps the status line's times current.
func (m *Model) Init() tea.Cmd { return tick() }

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update applies events, keys and resizes.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case eventsMsg:
		for _, it := range msg {
			m.apply(it)
		}
		return m, nil
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.ta.SetWidth(max(msg.Width-2, 10))
		m.help.Width = msg.Width
		if m.review != nil && !m.follow && m.top == (pos{}) && m.atEnd(m.bodyHeight()) {
			// A recording that fits the window has nothing below.
			m.follow = true
		}
		return m, nil
	case tickMsg:
		if m.stopped != nil || m.quitting {
			return m, nil
		}
		return m, tick()
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.mode != inputNone {
		before := m.ta.Value()
		var cmd tea.Cmd
		m.ta, cmd = m.ta.Update(msg)
		m.typed(before)
		return m, cmd
	}
	return m, nil
}

func (m *Model) apply(it item) {
	switch e := it.ev.(type) {
	case orchestrator.Started:
		m.title, m.speakers, m.limit, m.started = plainLine(e.Run.Title), e.Speakers, e.Limit, e.Run.Started
		for i, p := range e.Prior {
			m.addEntry(i+1, p)
		}
	case orchestrator.TurnStarted:
		m.endNotice(endsAtToken)
		m.live = &live{index: e.Index, speaker: e.Speaker, started: e.Time}
		if _, ok := m.cfg.Humans[e.Speaker]; ok && m.stopped == nil {
			m.humanTurn = e.Speaker
			if m.mode == inputInject && strings.TrimSpace(m.ta.Value()) != "" {
				// A note being typed is not swapped for the turn's
				// message: it is sent or dropped first (closeInput then
				// opens the turn's box).
				m.setNotice(false, endsAtClose, "your turn as %s: send the note first (ctrl+s), or esc to drop it", e.Speaker)
			} else {
				m.openInput(inputHuman)
			}
		}
	case orchestrator.Delta:
		if lv := m.live; lv != nil && lv.index == e.Index {
			// The wait is over: the reply streams.
			m.endNotice(endsAtToken)
			if lv.firstAt.IsZero() {
				lv.firstAt = it.at
			}
			lv.lastAt = it.at
			if !it.last.IsZero() {
				lv.lastAt = it.last
			}
			lv.add(e.Text)
		}
	case orchestrator.Retrying:
		// A judge's retry comes between turns and leaves every message
		// as it is; an agent's starts its message over.
		if lv := m.live; lv != nil && lv.index == e.Index && !e.Judge {
			m.live = &live{index: lv.index, speaker: lv.speaker, started: e.Time.Add(e.Wait)}
		}
		m.setNotice(true, endsAtToken, "%s: %s, retrying", e.Speaker, e.Reason)
		m.notice.countsDown, m.notice.until, m.notice.after = true, e.Time.Add(e.Wait), fmt.Sprintf("(attempt %d of %d)", e.Attempt+1, e.Max)
	case orchestrator.MessageFinished:
		if m.live != nil && m.live.index == e.Index {
			m.live = nil
		}
		msg := e.Message
		if msg.Origin == transcripts.OriginModerator || msg.Origin == transcripts.OriginInjected {
			m.endNotice(endsAtJoin)
		}
		m.endNotice(endsAtToken | endsAtMessage)
		if msg.Origin == transcripts.OriginAgent && msg.Usage != nil {
			// A reply that came whole at once (a scripted line, a cache)
			// has no rate to speak of: a few microseconds would make one
			// of millions of tokens a second.
			m.lastRate, m.lastTTFT = 0, msg.TTFT
			if span := msg.Latency - msg.TTFT; span >= minRateSpan {
				m.lastRate = float64(msg.Usage.CompletionTokens) / span.Seconds()
			}
		}
		m.addEntry(e.Index, msg)
		if m.paused && msg.Origin == transcripts.OriginAgent {
			// The pause has taken effect: say so instead of "pausing…".
			m.setNotice(false, 0, "paused after message %d; n takes one more, space resumes, q quits", e.Index)
		}
		if msg.Speaker == m.humanTurn {
			m.humanTurn = ""
			if m.mode == inputHuman {
				m.closeInput()
			}
		}
	case orchestrator.Progress:
		m.progress = e.Progress
	case orchestrator.Notice:
		if e.Kind == "wait" {
			// A rate limit holds the reply up until it streams.
			m.setNotice(false, endsAtToken, "%s: %s", e.Kind, e.Detail)
			break
		}
		// A warning, a judge's ruling, a context cut: true for good, so
		// said in the conversation, after the message it follows.
		m.addNote(e.Kind == "warning" || e.Kind == "error" || e.Failed, "%s: %s", e.Kind, e.Detail)
	case orchestrator.Operator:
		// The view showed what the operator did as they did it; only a
		// line that never joined is news.
		if e.Dropped != nil {
			m.dropped = append(m.dropped, *e.Dropped)
		}
	case orchestrator.Stopped:
		if e.Partial != nil {
			index := m.last + 1
			if m.live != nil {
				index = m.live.index
			}
			m.addEntry(index, *e.Partial)
		}
		for _, d := range m.dropped {
			// The line was promised to join after the message in flight,
			// which is the last: it is said here, with what it said.
			what := "The moderator note you injected"
			if d.Origin == transcripts.OriginInjected {
				what = "The line you injected as " + d.Speaker
			}
			kept := "Its text"
			if it.jsonl != "" {
				kept = "Its text, which the JSONL keeps"
			}
			m.addNote(true, "%s was not recorded: the conversation ended before it could join. %s: “%s”", what, kept, d.Content)
		}
		m.dropped = nil
		m.live = nil
		m.paused = false
		m.humanTurn = ""
		// A retry, a wait, "taking one more message" and the like are
		// over with the conversation.
		m.notice = notice{}
		if m.mode != inputNone {
			m.closeInput()
		}
		stop := e.Stop
		stop.Kind, stop.Policy, stop.Reason = plainLine(stop.Kind), plainLine(stop.Policy), plainLine(stop.Reason)
		m.stopped = &stopInfo{stop: stop, ended: e.Ended, md: plainLine(it.md), jsonl: plainLine(it.jsonl), err: e.Err,
			partial: e.Partial != nil && it.md != ""}
	}
}

func (m *Model) addEntry(index int, msg transcripts.Message) {
	if msg.Usage != nil {
		m.tokens += msg.Usage.TotalTokens
	}
	if msg.Origin != transcripts.OriginModerator && !msg.Partial {
		m.counted++
	}
	m.entries = append(m.entries, &entry{msg: msg, index: index})
	m.last = index
}

// addNote says something in the conversation, after the last message; what
// it quotes (a provider's error, a judge's rationale, a line typed) is made
// plain first.
func (m *Model) addNote(warn bool, format string, args ...any) {
	m.entries = append(m.entries, &entry{note: &note{text: plainLine(fmt.Sprintf(format, args...)), warn: warn}})
}

// setNotice sets the line under the status, to last until what ends says
// (0: until another notice or the stop); what it quotes (a provider's
// error) is made plain first.
func (m *Model) setNotice(warn bool, until ends, format string, args ...any) {
	m.notice = notice{text: plainLine(fmt.Sprintf(format, args...)), warn: warn, ends: until}
}

// endNotice clears the notice when one of what makes it untrue happened.
func (m *Model) endNotice(happened ends) {
	if m.notice.ends&happened != 0 {
		m.notice = notice{}
	}
}

// noticeText is the notice as said now: a retry's counts down to its
// attempt.
func (m *Model) noticeText() string {
	n := m.notice
	if !n.countsDown {
		return n.text
	}
	if left := n.until.Sub(m.now()); left > 0 {
		return fmt.Sprintf("%s in %s %s", n.text, roundDur(left), n.after)
	}
	return fmt.Sprintf("%s now %s", n.text, n.after)
}

// add takes in a piece of the message in flight: O(len(s)), whatever the
// length of the message or the conversation.
func (lv *live) add(s string) {
	lv.text.WriteString(s)
	lv.bytes += len(s)
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' ' || s[i] == '\n' || s[i] == '\t'
		if !sp && !lv.inWord {
			lv.words++
		}
		lv.inWord = !sp
	}
}

// tokens estimates the tokens streamed so far, as agents.EstimateTokens does.
func (lv *live) tokens() int {
	if lv.bytes == 0 {
		return 0
	}
	return max((lv.bytes+3)/4, lv.words)
}

func (m *Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && m.mode != inputNone && m.ta.Focused() {
		// Typed into the text box, keys read together are text, inserted
		// whole: handed to the box as one key event, "up" would read as
		// the arrow key, and one event a rune made a long text pasted
		// without bracketed paste take time quadratic in its length.
		before := m.ta.Value()
		m.ta.InsertString(string(msg.Runes))
		m.typed(before)
		return m, nil
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		// Keys typed faster than they are read arrive together ("kk?", or
		// "up", which would read as the arrow key): take them one by one.
		var cmds []tea.Cmd
		for _, r := range msg.Runes {
			_, cmd := m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
	}
	k := m.keys
	if msg.String() == "ctrl+c" || (m.mode == inputNone || !m.ta.Focused()) && key.Matches(msg, k.Quit) {
		m.quitting = true
		m.keepDraft()
		if m.cfg.Cancel != nil {
			m.cfg.Cancel()
		}
		return m, tea.Quit
	}
	if m.mode != inputNone && m.ta.Focused() {
		switch {
		case key.Matches(msg, k.Send):
			m.send()
			return m, nil
		case key.Matches(msg, k.Cancel):
			if m.mode == inputHuman {
				m.ta.Blur()
			} else {
				m.closeInput()
			}
			return m, nil
		case key.Matches(msg, k.Target) && m.mode == inputInject:
			m.target = (m.target + 1) % 3
			return m, nil
		}
		before := m.ta.Value()
		var cmd tea.Cmd
		m.ta, cmd = m.ta.Update(msg)
		m.typed(before)
		return m, cmd
	}
	h := m.bodyHeight()
	switch {
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-max(h-1, 1))
	case key.Matches(msg, k.PageDown):
		m.scroll(max(h-1, 1))
	case key.Matches(msg, k.Home):
		m.follow, m.top = false, pos{}
	case key.Matches(msg, k.End):
		m.follow = true
	case key.Matches(msg, k.Raw):
		m.raw = !m.raw
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
	case m.stopped != nil:
		// The run is over: only scrolling, help and quit remain.
	case key.Matches(msg, k.Pause):
		if m.paused {
			m.cfg.Control.Resume()
			m.paused = false
			m.setNotice(false, endsAtMessage, "resumed")
		} else {
			m.cfg.Control.Pause()
			m.paused = true
			if m.live == nil {
				m.setNotice(false, 0, "paused; n takes one more message, space resumes")
			} else {
				m.setNotice(false, 0, "pausing after the message in flight; n takes one more, space resumes")
			}
		}
	case key.Matches(msg, k.Step):
		if !m.paused {
			m.setNotice(false, endsAtMessage, "n takes one more message while paused; press space to pause")
			break
		}
		m.cfg.Control.Step()
		m.setNotice(false, 0, "taking one more message")
	case key.Matches(msg, k.Stop):
		m.cfg.Control.End()
		m.setNotice(false, 0, "ending the conversation")
	case key.Matches(msg, k.Inject), msg.Type == tea.KeyEnter && m.humanTurn != "":
		if m.humanTurn != "" {
			m.openInput(inputHuman)
		} else {
			m.openInput(inputInject)
		}
		return m, textarea.Blink
	}
	return m, nil
}

func (m *Model) openInput(mode int) {
	if m.mode != mode {
		m.ta.Reset()
	}
	m.mode = mode
	m.ta.Focus()
}

// typed follows a key given to the input box: a notice about what the box
// held (nothing to send, a refusal) ends once the person changes it, and
// the draft is kept.
func (m *Model) typed(before string) {
	if m.ta.Value() != before {
		m.endNotice(endsAtEdit)
	}
	m.keepDraft()
}

// keepDraft hands what the person has typed for their turn to their seat
// as it changes: however the run ends (q, Ctrl-C, e, a signal, a closed
// terminal), the turn's context is cancelled and the seat records it as
// the message in flight, marked interrupted, rather than lose it.
func (m *Model) keepDraft() {
	if d, ok := m.cfg.Humans[m.humanTurn].(drafter); ok && m.mode == inputHuman {
		d.Draft(strings.TrimRight(m.ta.Value(), " \n"))
	}
}

func (m *Model) closeInput() {
	m.endNotice(endsAtEdit | endsAtClose)
	wasInject := m.mode == inputInject
	m.mode = inputNone
	m.ta.Reset()
	m.ta.Blur()
	if wasInject && m.humanTurn != "" {
		// The note is sent or dropped; the person's turn waits.
		m.openInput(inputHuman)
	}
}

// targets are who an injected line can speak as; "" is the moderator.
func (m *Model) targetName(i int) string {
	if i == 0 {
		return ""
	}
	return m.speakers[i-1]
}

func (m *Model) send() {
	text := strings.TrimRight(m.ta.Value(), " \n")
	if strings.TrimSpace(text) == "" {
		m.setNotice(true, endsAtEdit|endsAtMessage, "nothing to send; type a message first")
		return
	}
	switch m.mode {
	case inputHuman:
		seat := m.cfg.Humans[m.humanTurn]
		if seat == nil {
			return
		}
		if err := seat.Say(text); err != nil {
			m.setNotice(true, endsAtEdit|endsAtMessage, "%s", err)
			return
		}
		if d, ok := seat.(drafter); ok {
			d.Draft("") // said: no longer a draft
		}
		m.humanTurn = ""
	case inputInject:
		who := m.targetName(m.target)
		if err := m.cfg.Control.Inject(who, text); err != nil {
			m.setNotice(true, endsAtEdit|endsAtMessage, "%s", err)
			return
		}
		if who == "" {
			who = "a moderator note"
		}
		m.setNotice(false, endsAtJoin, "injected as %s; it joins the conversation after the message in flight", who)
	}
	m.closeInput()
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

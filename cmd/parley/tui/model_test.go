package tui

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

var update = flag.Bool("update", false, "rewrite the golden views in testdata")

var t0 = time.Date(2025, 10, 26, 13, 8, 38, 0, time.UTC)

// fakeControl records the control calls the view makes.
type fakeControl struct {
	calls []string
	err   error
}

func (f *fakeControl) Pause()  { f.calls = append(f.calls, "pause") }
func (f *fakeControl) Resume() { f.calls = append(f.calls, "resume") }
func (f *fakeControl) Step()   { f.calls = append(f.calls, "step") }
func (f *fakeControl) End()    { f.calls = append(f.calls, "end") }
func (f *fakeControl) Inject(speaker, text string) error {
	f.calls = append(f.calls, fmt.Sprintf("inject %q %q", speaker, text))
	return f.err
}

// fakeSeat records what a person sent, and the draft the view last
// handed it.
type fakeSeat struct {
	said  []string
	draft string
}

func (s *fakeSeat) Say(text string) error { s.said = append(s.said, text); return nil }
func (s *fakeSeat) Draft(text string)     { s.draft = text }

func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	return r
}

// harness drives a model as the program would, with a clock it controls.
type harness struct {
	t     *testing.T
	m     *Model
	ctl   *fakeControl
	clock time.Time
	quit  bool
}

func newHarness(t *testing.T, w, h int, humans map[string]Seat) *harness {
	hs := &harness{t: t, ctl: &fakeControl{}, clock: t0}
	hs.m = New(Config{Control: hs.ctl, Cancel: func() { hs.quit = true }, Humans: humans,
		Renderer: renderer(termenv.Ascii), Now: func() time.Time { return hs.clock }})
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

func (hs *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := hs.m.Update(msg)
	return cmd
}

// events feeds events, each stamped with the harness clock.
func (hs *harness) events(evs ...orchestrator.Event) {
	batch := make(eventsMsg, len(evs))
	for i, e := range evs {
		batch[i] = item{ev: e, at: hs.clock}
	}
	hs.send(batch)
}

func (hs *harness) paths(stop orchestrator.Stopped, md, jl string) {
	hs.send(eventsMsg{{ev: stop, at: hs.clock, md: md, jsonl: jl}})
}

func (hs *harness) keys(keys ...string) {
	for _, k := range keys {
		hs.send(keyMsg(k))
	}
}

func (hs *harness) typeText(s string) {
	for _, r := range s {
		if r == '\n' {
			hs.send(tea.KeyMsg{Type: tea.KeyEnter})
			continue
		}
		hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// typeShown types s as typeText does, drawing the view after each key as
// the program does: the input box scrolls to the line being typed among
// the lines it last drew.
func (hs *harness) typeShown(s string) {
	for _, r := range s {
		hs.typeText(string(r))
		hs.m.View()
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "alt+enter":
		return tea.KeyMsg{Type: tea.KeyEnter, Alt: true}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// view is the screen as text, without styles.
func (hs *harness) view() string { return ansi.Strip(hs.m.View()) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("view differs from %s (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

const grokReply = "### Classes of Questions 🚀\nFrom the examples you mentioned, all three—probabilistic forecasting and **nuanced ethical dilemmas**—can be `hard`.\n\n1. **Probabilistic Forecasting**:\n   - **Why it's rough**: the future ↔ the past.\n   - Second point 👋\n\nThat is all."

func started() orchestrator.Started {
	return orchestrator.Started{Run: transcripts.Run{Title: "Kimi K2 ↔ grok-4", Started: t0},
		Speakers: [2]string{"Kimi K2", "grok-4"}, Limit: 100}
}

func finished(i int, speaker, text string) orchestrator.MessageFinished {
	return orchestrator.MessageFinished{Index: i, Message: transcripts.Message{Speaker: speaker, Content: text,
		Started: t0, Ended: t0.Add(2 * time.Second), Latency: 2 * time.Second, TTFT: 500 * time.Millisecond,
		Usage: &transcripts.Usage{PromptTokens: 40, CompletionTokens: 30, TotalTokens: 70}}}
}

func progress(i, ends, msgs int) orchestrator.Progress {
	return orchestrator.Progress{Index: i, Progress: []policy.Progress{
		{Policy: "end_token", Label: "[END] exchanges", Count: ends, Limit: 2},
		{Policy: "max_messages", Label: "messages", Count: msgs, Limit: 100}}}
}

// stream sends text as deltas of n runes, advancing the clock 10ms a piece.
func (hs *harness) stream(index int, speaker, text string, n int) {
	r := []rune(text)
	for i := 0; i < len(r); i += n {
		hs.clock = hs.clock.Add(10 * time.Millisecond)
		hs.events(orchestrator.Delta{Index: index, Speaker: speaker, Text: string(r[i:min(i+n, len(r))])})
	}
}

// spacedReply lines its columns up with spaces, in a code fence and out.
const spacedReply = "name      qty   price\napple       3    1.20\n\n```\nx   =  1\n```\nA long line that is wider   than the   window wraps."

// conversation is a scripted opening: two messages and one in flight.
func conversation(hs *harness) {
	hs.events(started(), finished(1, "Kimi K2", " "), progress(1, 0, 1),
		finished(2, "grok-4", "I'm sorry, but I must adhere to my safety instructions."), progress(2, 0, 2),
		finished(3, "Kimi K2", "Understood. I respect your boundary and won’t pursue the scenario. [END]"), progress(3, 0, 3))
	hs.clock = t0.Add(30 * time.Second)
	hs.events(orchestrator.TurnStarted{Index: 4, Speaker: "grok-4", Time: hs.clock})
	hs.clock = hs.clock.Add(800 * time.Millisecond)
	hs.stream(4, "grok-4", grokReply, 4)
}

func TestGoldenViews(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		humans map[string]Seat
		script func(hs *harness)
	}{
		{name: "streaming", w: 72, h: 30, script: conversation},
		{name: "narrow", w: 36, h: 30, script: conversation},
		{name: "raw", w: 72, h: 30, script: func(hs *harness) { conversation(hs); hs.keys("r") }},
		{name: "raw_spacing", w: 40, h: 30, script: func(hs *harness) {
			// Raw text keeps its runs of spaces and its tabs (to the next
			// tab stop), a finished message's and the streaming one's, in
			// code fences and out, and still wraps a long line.
			hs.events(started(), finished(1, "Kimi K2", spacedReply), progress(1, 0, 1),
				orchestrator.TurnStarted{Index: 2, Speaker: "grok-4", Time: hs.clock})
			hs.stream(2, "grok-4", "Tabs:\tcol1\tcol2\n  a    b", 3)
			hs.keys("r")
		}},
		{name: "help", w: 100, h: 40, script: func(hs *harness) { conversation(hs); hs.keys("?") }},
		{name: "scrolled_up", w: 72, h: 16, script: func(hs *harness) {
			conversation(hs)
			hs.keys("pgup", "up")
			hs.stream(4, "grok-4", "\n\nMore text that must not move the view.", 8)
		}},
		{name: "paused_inject", w: 72, h: 30, script: func(hs *harness) {
			conversation(hs)
			hs.keys("space", "i")
			hs.typeText("Please wrap up 🙂")
			hs.keys("tab")
		}},
		{name: "retrying", w: 72, h: 24, script: func(hs *harness) {
			conversation(hs)
			hs.events(orchestrator.Retrying{Index: 4, Speaker: "grok-4", Attempt: 1, Max: 5, Wait: 4 * time.Second, Reason: "429 Too Many Requests", Time: hs.clock})
		}},
		{name: "stopped", w: 72, h: 30, script: func(hs *harness) {
			conversation(hs)
			hs.events(finished(4, "grok-4", grokReply), progress(4, 2, 4))
			hs.clock = hs.clock.Add(time.Minute)
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "end_token",
				Reason: "both sides said [END] in 2 consecutive exchanges", At: 4}, Ended: hs.clock},
				"transcripts/2025-10-26T130838-kimi-k2-vs-grok-4.md", "transcripts/2025-10-26T130838-kimi-k2-vs-grok-4.jsonl")
		}},
		{name: "interrupted", w: 72, h: 24, script: func(hs *harness) {
			conversation(hs)
			partial := transcripts.Message{Speaker: "grok-4", Content: grokReply[:60], Partial: true}
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "the run was interrupted", At: 3},
				Ended: hs.clock, Partial: &partial}, "t.md", "t.jsonl")
		}},
		{name: "warning_stopped", w: 72, h: 30, script: func(hs *harness) {
			conversation(hs)
			hs.events(finished(4, "grok-4", " "), orchestrator.Notice{Kind: "warning",
				Detail: `grok-4: message 4 is an empty reply (finish reason "length"); the agents are shown "(no reply)" in its place`}, progress(4, 0, 4),
				orchestrator.TurnStarted{Index: 5, Speaker: "Kimi K2", Time: hs.clock})
			hs.stream(5, "Kimi K2", "Let me try", 4)
			hs.events(orchestrator.Retrying{Index: 5, Speaker: "Kimi K2", Attempt: 1, Max: 2, Wait: 744 * time.Millisecond, Reason: "stream cut off", Time: hs.clock})
			hs.stream(5, "Kimi K2", "Let me try again, then", 4)
			partial := transcripts.Message{Speaker: "Kimi K2", Content: "Let me try again, then", Partial: true}
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopError, Reason: "Kimi K2: the stream was cut off after 2 attempts", At: 4},
				Ended: hs.clock, Partial: &partial}, "t.md", "t.jsonl")
		}},
		{name: "human_turn", w: 72, h: 24, humans: map[string]Seat{"Ada": &fakeSeat{}}, script: func(hs *harness) {
			hs.events(orchestrator.Started{Run: transcripts.Run{Title: "Ada ↔ grok-4", Started: t0}, Speakers: [2]string{"Ada", "grok-4"}},
				finished(1, "grok-4", "Hello! What shall we talk about?"),
				orchestrator.TurnStarted{Index: 2, Speaker: "Ada", Time: t0})
			hs.typeText("Tell me about **calibration**.\nBriefly, please.")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, tc.w, tc.h, tc.humans)
			tc.script(hs)
			v := hs.view()
			checkFits(t, v, tc.w, tc.h)
			golden(t, tc.name, v)
		})
	}
}

// checkFits checks the view fills the screen exactly and no line is wider.
func checkFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, lw, w, l)
		}
	}
}

func TestControls(t *testing.T) {
	tests := []struct {
		name      string
		keys      []string
		text      string // typed after the keys, then sent with ctrl+s
		wantCalls []string
		wantQuit  bool
	}{
		{name: "pause", keys: []string{"space"}, wantCalls: []string{"pause"}},
		{name: "pause and resume", keys: []string{"space", "space"}, wantCalls: []string{"pause", "resume"}},
		{name: "step while paused", keys: []string{"space", "n", "n"}, wantCalls: []string{"pause", "step", "step"}},
		{name: "step while running does nothing", keys: []string{"n"}},
		{name: "end", keys: []string{"e"}, wantCalls: []string{"end"}},
		{name: "inject as moderator", keys: []string{"i"}, text: "Wrap up, please.", wantCalls: []string{`inject "" "Wrap up, please."`}},
		{name: "inject as first seat", keys: []string{"i", "tab"}, text: "I'll take it from here.", wantCalls: []string{`inject "Kimi K2" "I'll take it from here."`}},
		{name: "inject as second seat", keys: []string{"i", "tab", "tab"}, text: "two\nlines", wantCalls: []string{`inject "grok-4" "two\nlines"`}},
		{name: "inject cancelled", keys: []string{"i", "x", "esc", "e"}, wantCalls: []string{"end"}},
		{name: "keys type while injecting", keys: []string{"i", "q", "e", "n", "space"}, text: "!", wantCalls: []string{`inject "" "qen !"`}},
		{name: "quit", keys: []string{"q"}, wantQuit: true},
		{name: "ctrl+c quits while typing", keys: []string{"i", "ctrl+c"}, wantQuit: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, 80, 24, nil)
			conversation(hs)
			var last tea.Cmd
			for _, k := range tc.keys {
				last = hs.send(keyMsg(k))
			}
			if tc.text != "" {
				hs.typeText(tc.text)
				hs.keys("ctrl+s")
			}
			if strings.Join(hs.ctl.calls, ";") != strings.Join(tc.wantCalls, ";") {
				t.Errorf("calls = %q, want %q", hs.ctl.calls, tc.wantCalls)
			}
			if hs.quit != tc.wantQuit {
				t.Errorf("run cancelled = %v, want %v", hs.quit, tc.wantQuit)
			}
			if tc.wantQuit {
				if last == nil {
					t.Fatal("quit returned no command")
				}
				if _, ok := last().(tea.QuitMsg); !ok {
					t.Errorf("quit's command gives %T, want tea.QuitMsg", last())
				}
			}
		})
	}
}

func TestAltEnterSends(t *testing.T) {
	hs := newHarness(t, 80, 24, nil)
	conversation(hs)
	hs.keys("i")
	hs.typeText("note")
	hs.keys("alt+enter")
	if want := []string{`inject "" "note"`}; strings.Join(hs.ctl.calls, ";") != want[0] {
		t.Fatalf("calls = %q, want %q", hs.ctl.calls, want)
	}
}

func TestStoppedViewIgnoresControls(t *testing.T) {
	hs := newHarness(t, 80, 24, nil)
	conversation(hs)
	hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: 3}}, "a.md", "a.jsonl")
	hs.keys("space", "n", "e", "i")
	if len(hs.ctl.calls) != 0 {
		t.Fatalf("after the stop, keys called %q", hs.ctl.calls)
	}
	if v := hs.view(); !strings.Contains(v, "(operator): the operator ended the conversation") || !strings.Contains(v, "a.jsonl") {
		t.Fatalf("banner missing:\n%s", v)
	}
	if hs.quit {
		t.Fatal("the view closed by itself after the stop")
	}
	hs.keys("q")
	if !hs.quit {
		t.Fatal("q did not quit after the stop")
	}
}

func TestHumanSeat(t *testing.T) {
	seat := &fakeSeat{}
	hs := newHarness(t, 80, 24, map[string]Seat{"Ada": seat})
	hs.events(orchestrator.Started{Run: transcripts.Run{Title: "Ada ↔ grok-4", Started: t0}, Speakers: [2]string{"Ada", "grok-4"}},
		orchestrator.TurnStarted{Index: 1, Speaker: "Ada", Time: t0})
	// Esc leaves the box to scroll; q then quits nothing because typing… no:
	// it is scrolling mode, so keys are controls again.
	hs.typeText("Hello 👋\nsecond line")
	hs.keys("esc", "space")
	if len(hs.ctl.calls) != 1 || hs.ctl.calls[0] != "pause" {
		t.Fatalf("after esc, space should pause; calls = %q", hs.ctl.calls)
	}
	hs.keys("enter") // back to the box, text kept
	hs.typeText("!")
	hs.keys("ctrl+s")
	if len(seat.said) != 1 || seat.said[0] != "Hello 👋\nsecond line!" {
		t.Fatalf("said %q", seat.said)
	}
	if strings.Contains(hs.view(), "Your turn") {
		t.Fatal("the input box stayed open after sending")
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	hs := newHarness(t, 160, 50, nil)
	hs.keys("?")
	v := hs.view()
	km := newKeyMap()
	listed := map[string]bool{}
	for _, col := range km.FullHelp() {
		for _, b := range col {
			listed[b.Help().Key] = true
		}
	}
	all := []key.Binding{km.Up, km.Down, km.PageUp, km.PageDown, km.Home, km.End, km.Pause, km.Step, km.Stop,
		km.Inject, km.Raw, km.Help, km.Quit, km.Send, km.Cancel, km.Target}
	for _, b := range all {
		if !listed[b.Help().Key] {
			t.Errorf("%q is not in the full help", b.Help().Key)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(b.Help().Key) + ` +` + regexp.QuoteMeta(b.Help().Desc)).MatchString(v) {
			t.Errorf("the ? view does not show %q %q", b.Help().Key, b.Help().Desc)
		}
	}
	// Every key the issue names is bound.
	for _, k := range []string{"up", "down", "j", "k", "pgup", "pgdown", "home", "end", " ", "n", "e", "i", "q", "ctrl+c", "?", "r"} {
		found := false
		for _, b := range all {
			for _, bk := range b.Keys() {
				found = found || bk == k
			}
		}
		if !found {
			t.Errorf("no binding for %q", k)
		}
	}
}

func TestSpeakerColours(t *testing.T) {
	hs := newHarness(t, 80, 24, nil)
	hs.m = New(Config{Control: hs.ctl, Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return t0 }})
	hs.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	hs.events(started(), finished(1, "Kimi K2", "hi"), finished(2, "grok-4", "hello"))
	headers := map[string]string{}
	for _, l := range strings.Split(hs.m.View(), "\n") {
		for _, sp := range []string{"Kimi K2", "grok-4"} {
			if strings.Contains(ansi.Strip(l), sp+" #") {
				headers[sp] = l
			}
		}
	}
	if len(headers) != 2 {
		t.Fatalf("headers found: %q", headers)
	}
	if !strings.Contains(headers["Kimi K2"], "38;5;39") || !strings.Contains(headers["grok-4"], "38;5;213") {
		t.Fatalf("speakers are not in their own colours: %q", headers)
	}
}

func TestFollowAndScroll(t *testing.T) {
	hs := newHarness(t, 60, 14, nil)
	conversation(hs)
	bottom := hs.view()
	if !strings.Contains(bottom, "That is all.") {
		t.Fatalf("following view does not end with the newest text:\n%s", bottom)
	}
	hs.keys("up", "up", "up")
	up := hs.view()
	if up == bottom || !strings.Contains(up, "more below") {
		t.Fatalf("scrolling up did not move or did not say so:\n%s", up)
	}
	hs.stream(4, "grok-4", "\n\nA new paragraph arrives.\n\nAnd a new sentence arrives.", 5)
	// The conversation stays put; the status line's token count moves on.
	body := func(v string) string { b, _, _ := strings.Cut(v, "\n─"); return b }
	if got := hs.view(); body(got) != body(up) {
		t.Fatalf("new text moved a scrolled-back view:\n%s\nwas:\n%s", got, up)
	}
	hs.keys("home")
	if v := hs.view(); !strings.Contains(v, "Kimi K2 #1") {
		t.Fatalf("home does not show the first message:\n%s", v)
	}
	hs.keys("end")
	if v := hs.view(); !strings.Contains(v, "new sentence arrives.") || strings.Contains(v, "more below") {
		t.Fatalf("end does not follow again:\n%s", v)
	}
	// Scrolling down to the end follows again too.
	hs.keys("k", "k", "j", "j", "j")
	if !hs.m.follow {
		t.Fatal("scrolling back down to the end did not resume following")
	}
}

// words returns the conversation's words as shown, without gutters.
func words(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "│")
		out = append(out, strings.Fields(l)...)
	}
	return out
}

func TestResizeReflows(t *testing.T) {
	hs := newHarness(t, 100, 200, nil)
	conversation(hs)
	hs.events(finished(4, "grok-4", grokReply))
	wide := hs.m.body(150)
	hs.send(tea.WindowSizeMsg{Width: 30, Height: 200})
	narrow := hs.m.body(150)
	for i, l := range narrow {
		if w := lipgloss.Width(l); w > 30 {
			t.Errorf("after resize line %d is %d wide: %q", i, w, ansi.Strip(l))
		}
	}
	ww, nw := words(ansi.Strip(strings.Join(wide, "\n"))), words(ansi.Strip(strings.Join(narrow, "\n")))
	if strings.Join(ww, " ") != strings.Join(nw, " ") {
		t.Errorf("reflow changed the words:\nwide:   %q\nnarrow: %q", ww, nw)
	}
	if len(nonEmpty(narrow)) <= len(nonEmpty(wide)) {
		t.Errorf("narrowing did not add lines: %d → %d", len(nonEmpty(wide)), len(nonEmpty(narrow)))
	}
}

func nonEmpty(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(ansi.Strip(l)) != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestStreamingMatchesFinished streams every seed message and checks the
// lines shown while it streams, a paragraph at a time, are the lines of
// the finished message, in both modes and at two widths.
func TestStreamingMatchesFinished(t *testing.T) {
	seed, ok := transcripts.ReadEmbedded("transcripts/seed/kimi-k2-vs-grok-4.md")
	if !ok {
		t.Fatal("no embedded seed")
	}
	for _, w := range []int{100, 41} {
		for _, raw := range []bool{false, true} {
			t.Run(fmt.Sprintf("width %d raw %v", w, raw), func(t *testing.T) {
				hs := newHarness(t, w, 40, nil)
				hs.m.raw = raw
				hs.events(started())
				for i, msg := range seed.Messages {
					hs.events(orchestrator.TurnStarted{Index: i + 1, Speaker: msg.Speaker, Time: hs.clock})
					r := []rune(msg.Content)
					for j := 0; j < len(r); j += 7 {
						hs.events(orchestrator.Delta{Index: i + 1, Speaker: msg.Speaker, Text: string(r[j:min(j+7, len(r))])})
						if j%49 == 0 {
							hs.m.block(i) // render mid-stream, as View would
						}
					}
					streamed := append([]string(nil), hs.m.block(i)[1:]...)
					hs.events(orchestrator.MessageFinished{Index: i + 1, Message: msg})
					done := hs.m.block(i)[1:]
					if strings.Join(streamed, "\n") != strings.Join(done, "\n") {
						t.Fatalf("message %d streams differently from how it finishes:\n--- streamed ---\n%s\n--- finished ---\n%s",
							i+1, ansi.Strip(strings.Join(streamed, "\n")), ansi.Strip(strings.Join(done, "\n")))
					}
				}
			})
		}
	}
}

func TestKeysArrivingTogether(t *testing.T) {
	hs := newHarness(t, 80, 24, nil)
	conversation(hs)
	hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("i")})
	hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("wrap up")}) // one read, as a fast typist or a loaded machine gives
	hs.keys("ctrl+s")
	hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" n")})
	want := `inject "" "wrap up";pause;step`
	if got := strings.Join(hs.ctl.calls, ";"); got != want {
		t.Fatalf("calls = %q, want %q", got, want)
	}
}

// fivePolicies is the progress of a default-like set of rules.
func fivePolicies(i int) orchestrator.Progress {
	return orchestrator.Progress{Index: i, Progress: []policy.Progress{
		{Policy: "end_token", Label: "[END] exchanges", Count: 1, Limit: 2},
		{Policy: "repetition", Label: "repeats in a row", Count: 0, Limit: 3},
		{Policy: "stagnation", Label: "messages adding little", Count: 2, Limit: 4},
		{Policy: "refusal", Label: "refusals in a row", Count: 0, Limit: 3},
		{Policy: "max_messages", Label: "messages", Count: i, Limit: 300}}}
}

// TestGoldenWidths draws the same moments at every width from 40 to 200
// columns: the status keeps its most useful parts, the key line keeps
// quit, policies wrap whole and the banner never breaks a path.
func TestGoldenWidths(t *testing.T) {
	const md = "transcripts/2026-11-26T184108-kimi-k2-vs-grok-4.md"
	moments := []struct {
		name   string
		script func(hs *harness)
	}{
		{"streaming", func(hs *harness) {
			conversation(hs)
			hs.events(fivePolicies(3))
		}},
		{"help", func(hs *harness) {
			conversation(hs)
			hs.keys("?")
		}},
		{"inject", func(hs *harness) {
			conversation(hs)
			hs.events(fivePolicies(3))
			hs.keys("space", "i")
			hs.typeText("Please wrap up 🙂")
		}},
		{"stopped", func(hs *harness) {
			conversation(hs)
			hs.events(finished(4, "grok-4", grokReply), fivePolicies(4))
			hs.clock = hs.clock.Add(time.Minute)
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "end_token",
				Reason: "both sides signed off with [END], one right after the other", At: 4}, Ended: hs.clock},
				md, strings.TrimSuffix(md, ".md")+".jsonl")
		}},
	}
	for _, w := range []int{40, 60, 80, 120, 200} {
		for _, mo := range moments {
			name := fmt.Sprintf("width%d_%s", w, mo.name)
			t.Run(name, func(t *testing.T) {
				hs := newHarness(t, w, 30, nil)
				mo.script(hs)
				v := hs.view()
				checkFits(t, v, w, 30)
				if mo.name != "inject" && !strings.Contains(v, "q quit") && !strings.Contains(v, "q/ctrl+c quit") {
					t.Errorf("the key line lost quit:\n%s", v)
				}
				if _, footer, _ := strings.Cut(v, "\n─"); strings.Contains(footer, "…") {
					t.Errorf("something under the conversation is cut with …:\n%s", v)
				}
				for _, l := range strings.Split(v, "\n") {
					if tw := textWidth(strings.TrimRight(strings.TrimLeft(l, "│ "), " │")); strings.HasPrefix(l, "│ ") && tw > DefaultTextWidth+1 {
						t.Errorf("a line of text is %d columns wide, more than the measure %d: %q", tw, DefaultTextWidth, l)
					}
				}
				if mo.name == "stopped" {
					flat := strings.ReplaceAll(v, "\n", "")
					if !strings.Contains(v, "2026-11-26T184108-kimi-k2-vs-grok-4.md") || !strings.Contains(flat, md) {
						t.Errorf("the banner breaks the transcript's path:\n%s", v)
					}
					for _, stale := range []string{"space pause", "n step", "e end", "i inject"} {
						if strings.Contains(v, stale) {
							t.Errorf("after the stop the key line still offers %q:\n%s", stale, v)
						}
					}
				}
				golden(t, name, v)
			})
		}
	}
}

// footerText is the screen below the conversation.
func footerText(hs *harness) string {
	_, f, _ := strings.Cut(hs.view(), "\n─")
	return f
}

func TestStatusIsNeverStale(t *testing.T) {
	t.Run("a pause says when it took effect", func(t *testing.T) {
		hs := newHarness(t, 100, 30, nil)
		conversation(hs)
		hs.keys("space")
		if f := footerText(hs); !strings.Contains(f, "pausing after the message in flight") {
			t.Fatalf("before the message ends:\n%s", f)
		}
		hs.events(finished(4, "grok-4", grokReply), progress(4, 0, 4))
		f := footerText(hs)
		if strings.Contains(f, "pausing") || !strings.Contains(f, "paused after message 4") || !strings.Contains(f, "q quits") {
			t.Fatalf("after the message ended:\n%s", f)
		}
		hs.keys("n")
		hs.events(orchestrator.TurnStarted{Index: 5, Speaker: "Kimi K2", Time: hs.clock}, finished(5, "Kimi K2", "more"), progress(5, 0, 5))
		if f := footerText(hs); strings.Contains(f, "taking one more") || !strings.Contains(f, "paused after message 5") {
			t.Fatalf("after the step:\n%s", f)
		}
	})
	t.Run("a notice wraps rather than being cut at 40 columns", func(t *testing.T) {
		hs := newHarness(t, 40, 30, nil)
		conversation(hs)
		hs.keys("space")
		v := hs.view()
		checkFits(t, v, 40, 30)
		if f := footerText(hs); !strings.Contains(f, "space resumes") {
			t.Errorf("the pause notice is cut:\n%s", f)
		}
	})
	t.Run("nothing of the running state outlives the stop", func(t *testing.T) {
		hs := newHarness(t, 100, 30, nil)
		conversation(hs)
		hs.keys("space", "n")
		hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", Reason: "r", At: 3},
			Ended: hs.clock}, "t.md", "t.jsonl")
		f := footerText(hs)
		for _, stale := range []string{"taking one more", "resumed", "pausing", "PAUSED", "space pause", "n step", "e end", "i inject"} {
			if strings.Contains(f, stale) {
				t.Errorf("after the stop the footer still says %q:\n%s", stale, f)
			}
		}
	})
	t.Run("the count agrees with the banner after e", func(t *testing.T) {
		hs := newHarness(t, 100, 30, nil)
		conversation(hs)
		hs.keys("e")
		partial := transcripts.Message{Speaker: "grok-4", Content: grokReply[:40], Partial: true}
		hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: 3},
			Ended: hs.clock, Partial: &partial}, "t.md", "t.jsonl")
		f := footerText(hs)
		if !strings.Contains(f, "Stopped after message 3") || !strings.Contains(f, "message 3 of 100") {
			t.Errorf("banner and status disagree:\n%s", f)
		}
	})
	t.Run("a moderator note is not counted against the budget", func(t *testing.T) {
		hs := newHarness(t, 100, 30, nil)
		conversation(hs)
		hs.events(finished(4, "grok-4", grokReply), progress(4, 0, 4),
			orchestrator.MessageFinished{Index: 5, Message: transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "wrap up", Origin: transcripts.OriginModerator}})
		if f := footerText(hs); !strings.Contains(f, "message 4 of 100") || !strings.Contains(f, "messages 4/100") {
			t.Errorf("after a moderator note:\n%s", f)
		}
	})
	t.Run("the opening is marked as such", func(t *testing.T) {
		hs := newHarness(t, 100, 24, nil)
		hs.events(started(), orchestrator.MessageFinished{Index: 1, Message: transcripts.Message{Speaker: "grok-4", Content: "Hello.", Origin: transcripts.OriginOpening}})
		if v := hs.m.View(); !strings.Contains(v, "opening") {
			t.Errorf("the opening is not marked:\n%s", v)
		}
	})
	t.Run("a person's turn is not waiting for a token", func(t *testing.T) {
		hs := newHarness(t, 100, 24, map[string]Seat{"Ada": &fakeSeat{}})
		hs.events(orchestrator.Started{Run: transcripts.Run{Title: "Ada ↔ grok-4", Started: t0}, Speakers: [2]string{"Ada", "grok-4"}},
			finished(1, "grok-4", "Hello!"), orchestrator.TurnStarted{Index: 2, Speaker: "Ada", Time: t0})
		if f := footerText(hs); strings.Contains(f, "waiting for the first token") || !strings.Contains(f, "your turn") {
			t.Errorf("on a person's turn:\n%s", f)
		}
	})
}

func TestTextWidthIsCapped(t *testing.T) {
	long := strings.Repeat("word ", 80)
	for _, c := range []struct{ cfg, w, want int }{{0, 200, DefaultTextWidth}, {60, 200, 60}, {-1, 200, 198}, {0, 50, 48}} {
		hs := newHarness(t, c.w, 40, nil)
		hs.m.cfg.TextWidth = c.cfg
		hs.events(started(), finished(1, "Kimi K2", long))
		widest := 0
		for _, l := range strings.Split(hs.view(), "\n") {
			if strings.HasPrefix(l, "│ ") {
				widest = max(widest, textWidth(strings.TrimRight(strings.TrimPrefix(l, "│ "), " ")))
			}
		}
		if widest > c.want || widest < c.want-5 {
			t.Errorf("TextWidth %d at %d columns: text %d wide, want about %d", c.cfg, c.w, widest, c.want)
		}
	}
}

func TestRecordingView(t *testing.T) {
	rec := Recording{Title: "Kimi K2 ↔ grok-4", Speakers: [2]string{"Kimi K2", "grok-4"},
		Messages: []transcripts.Message{
			{Speaker: "Kimi K2", Content: "Shall we talk about tides?"},
			{Speaker: "grok-4", Content: "Gladly. [END]"},
			{Speaker: "Kimi K2", Content: "Thanks! [END]"},
			{Speaker: "grok-4", Content: "[END]"},
		},
		Marks:    map[int][]string{3: {"end_token would fire here: both sides signed off with [END], one right after the other"}},
		Tags:     map[int]string{1: "loop 2%", 2: "loop 41%", 3: "loop 88%", 4: "loop 99%"},
		Progress: fivePolicies(3).Progress,
		Banner: []string{"■ Recorded: stopped after message 4 by max_messages: the conversation reached its limit of 4 messages",
			"◆ Under the default rules it would stop after message 3 by end_token (saving 1 message)", "From transcripts/x.md"},
		Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", At: 4},
	}
	for _, w := range []int{40, 80} {
		m := NewRecording(Config{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return t0 }}, rec)
		m.Update(tea.WindowSizeMsg{Width: w, Height: 30})
		v := ansi.Strip(m.View())
		checkFits(t, v, w, 30)
		if !strings.Contains(v, "◆ end_token would fire here") || !strings.Contains(v, "RECORDED") {
			t.Errorf("the recording view lacks the mark or the badge:\n%s", v)
		}
		// Each message's tag stands beside its speaker.
		if !strings.Contains(v, "grok-4 #2 · loop 41%") || !strings.Contains(v, "Kimi K2 #3 · loop 88%") {
			t.Errorf("the recording view lacks the speakers' tags:\n%s", v)
		}
		golden(t, fmt.Sprintf("recording_%d", w), v)
		// It scrolls, and keys that steer a run do nothing.
		m.Update(keyMsg("e"))
		m.Update(keyMsg("down"))
		if _, cmd := m.Update(keyMsg("q")); cmd == nil {
			t.Error("q does not quit the recording view")
		}
	}
}

// A message's own tag (an opening, an injected line) and the recording's
// tag for it stand together beside the speaker.
func TestRecordingTagsJoinAMessagesOwn(t *testing.T) {
	rec := Recording{Title: "A ↔ B", Speakers: [2]string{"A", "B"},
		Messages: []transcripts.Message{
			{Speaker: "A", Content: "Hello.", Origin: transcripts.OriginOpening},
			{Speaker: "B", Content: "Hi."},
		},
		Tags: map[int]string{1: "loop 3%", 2: "loop 5%"},
	}
	m := NewRecording(Config{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return t0 }}, rec)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	v := ansi.Strip(m.View())
	for _, want := range []string{"A #1 · opening · loop 3%", "B #2 · loop 5%"} {
		if !strings.Contains(v, want) {
			t.Errorf("the view lacks %q:\n%s", want, v)
		}
	}
}

// Once the run is over, `?` lists the keys that still do something.
func TestStoppedHelpListsWhatWorks(t *testing.T) {
	hs := newHarness(t, 100, 40, nil)
	conversation(hs)
	hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: 3}}, "a.md", "a.jsonl")
	hs.keys("?")
	f := footerText(hs)
	for _, want := range []string{"scroll", "raw", "quit"} {
		if !strings.Contains(f, want) {
			t.Errorf("the help lacks %q:\n%s", want, f)
		}
	}
	for _, gone := range []string{"pause", "inject", "step", "send"} {
		if strings.Contains(f, gone) {
			t.Errorf("the help offers %q, which does nothing once the run is over:\n%s", gone, f)
		}
	}
}

// A reply that came whole at once has no rate; a streamed one does.
func TestNoRateForAReplyThatCameAtOnce(t *testing.T) {
	hs := newHarness(t, 120, 30, nil)
	conversation(hs)
	at := finished(4, "grok-4", "instant")
	at.Message.Latency, at.Message.TTFT = 30*time.Microsecond, 20*time.Microsecond
	hs.events(at, progress(4, 0, 4))
	if f := footerText(hs); strings.Contains(f, "tok/s") {
		t.Errorf("a rate for a reply that took 10 µs:\n%s", f)
	}
	hs.events(finished(5, "Kimi K2", "streamed"), progress(5, 0, 5))
	if f := footerText(hs); !strings.Contains(f, "last reply 20 tok/s") {
		t.Errorf("no rate for a reply streamed over 1.5 s:\n%s", f)
	}
}

// The stop's banner fits the window it is in: on a short one it keeps its
// first line and leaves lines of the conversation to scroll; on a narrow
// one its box, when it has one, is whole, and a path in it loses nothing.
func TestTheBannerFitsShortAndNarrowWindows(t *testing.T) {
	const path = "/work/shared/corpus/attractors/4o_vs_grok-4_20251026_130838_run1"
	stop := orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "loop", At: 20,
		Reason: "4 of the last 6 messages look like a loop (each at least 70% likely to belong to one): 16 (grok-4, 89%): the message before said goodbye"}}
	for _, sz := range [][2]int{{40, 10}, {80, 14}, {40, 24}} {
		hs := newHarness(t, sz[0], sz[1], nil)
		conversation(hs)
		hs.paths(stop, path+".md", path+".jsonl")
		v := ansi.Strip(hs.view())
		checkFits(t, v, sz[0], sz[1])
		body, _, _ := strings.Cut(v, "\n─")
		if !strings.Contains(v, "■ Stopped after message 20 (loop)") || strings.Count(body, "\n") < 2 {
			t.Errorf("%dx%d: the banner's first line, and three lines of the conversation, should show:\n%s", sz[0], sz[1], v)
		}
	}
	// show's banner names the recording: at 45 columns the path breaks
	// after a slash, inside the box, and every character of it is there.
	rec := Recording{Title: "4o ↔ grok-4", Speakers: [2]string{"4o", "grok-4"},
		Messages: []transcripts.Message{{Speaker: "4o", Content: "Hello."}, {Speaker: "grok-4", Content: "Hi."}},
		Banner:   []string{"■ Recorded: 2 messages, no stop recorded", "◆ Under the default rules nothing would stop it", "From " + path + ".md"},
		Stop:     transcripts.Stop{Kind: "end of the recording", At: 2},
	}
	for _, w := range []int{40, 45, 50} {
		m := NewRecording(Config{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return t0 }}, rec)
		m.Update(tea.WindowSizeMsg{Width: w, Height: 30})
		v := ansi.Strip(m.View())
		checkFits(t, v, w, 30)
		var got strings.Builder
		_, foot, _ := strings.Cut(v, "\n─")
		for _, l := range strings.Split(foot, "\n") {
			if strings.HasPrefix(l, "│") != strings.HasSuffix(l, "│") || strings.HasPrefix(l, "╭") != strings.HasSuffix(l, "╮") {
				t.Errorf("%d columns: a line of the box is cut: %q", w, l)
			}
			got.WriteString(strings.TrimSpace(strings.Trim(l, "│")))
		}
		if !strings.Contains(got.String(), path+".md") {
			t.Errorf("%d columns: the path lost characters:\n%s", w, v)
		}
	}
}

// On a short window the conversation keeps some lines: the policies'
// progress, wrapped onto several lines where there is room, shrinks to
// one line, and then the key reminder goes; the status line always stays.
func TestAShortWindowKeepsTheConversation(t *testing.T) {
	var every []policy.Progress
	for _, name := range []string{"end_token", "end_token", "loop", "refusal", "stagnation", "max_messages"} {
		every = append(every, policy.Progress{Policy: name, Label: name + " count", Count: 1, Limit: 20})
	}
	for _, sz := range [][2]int{{40, 10}, {40, 12}, {20, 5}, {30, 7}, {80, 40}} {
		hs := newHarness(t, sz[0], sz[1], nil)
		conversation(hs)
		hs.events(orchestrator.Progress{Index: 3, Progress: every})
		v := ansi.Strip(hs.view())
		checkFits(t, v, sz[0], sz[1])
		body, foot, _ := strings.Cut(v, "\n─")
		rows := strings.Count(body, "\n") + 1
		if want := min(3, sz[1]-2); rows < want {
			t.Errorf("%dx%d: %d lines of the conversation, want at least %d:\n%s", sz[0], sz[1], rows, want, v)
		}
		if !strings.Contains(foot, "message 4") {
			t.Errorf("%dx%d: the status line is gone:\n%s", sz[0], sz[1], v)
		}
		if sz[1] >= 40 && !strings.Contains(foot, "max_messages count") {
			t.Errorf("%dx%d: a tall window should show every policy's progress:\n%s", sz[0], sz[1], v)
		}
	}
}

// A judge's round without a verdict is shown as a warning, as the printer
// and the JSONL mark it; a ruling is shown as a plain note. Both are said
// in the conversation, after the message they follow.
func TestAJudgeRoundWithoutAVerdictIsAWarning(t *testing.T) {
	cases := []struct {
		name   string
		notice orchestrator.Notice
		mark   string
	}{
		{"a ruling", orchestrator.Notice{Kind: "judge", Detail: "m after message 3: CONTINUE: they build on each other"}, "◇ "},
		{"no verdict", orchestrator.Notice{Kind: "judge", Detail: "m after message 3: NO VERDICT: the judge could not be asked", Failed: true}, "⚠ "},
		{"a warning", orchestrator.Notice{Kind: "warning", Detail: "an empty reply"}, "⚠ "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, 100, 30, nil)
			hs.events(started(), finished(1, "Kimi K2", "Hello"), finished(2, "grok-4", "Hi"), finished(3, "Kimi K2", "Well"), c.notice)
			body, _, _ := strings.Cut(hs.view(), "\n─")
			if !strings.Contains(body, c.mark+c.notice.Kind+": "+c.notice.Detail) {
				t.Errorf("the conversation does not say %q:\n%s", c.mark+c.notice.Kind+": "+c.notice.Detail, body)
			}
			if strings.Index(body, c.notice.Kind+": ") < strings.Index(body, "Kimi K2 #3") {
				t.Errorf("the note is not after message 3:\n%s", body)
			}
		})
	}
}

// hostile is text a model, a provider or a file may hand the view outside
// a message's own Markdown: a title, a window clear, a clipboard write, a
// tab, line breaks, an 8-bit CSI and a byte that is not UTF-8.
const hostile = "a\x1b]0;owned\x07b\x1b[2Jc\x1b]52;c;aGk=\x07d\te\r\nf\u009b31mg\xffh"

// controlIn returns the first control character in a frame that is not a
// line break or a style (SGR) sequence, or "".
func controlIn(frame string) string {
	s := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(frame, "")
	for i, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\uFFFD' && !strings.HasPrefix(s[i:], "\uFFFD")) {
			return fmt.Sprintf("%U in %q", r, s[max(i-20, 0):min(i+20, len(s))])
		}
	}
	return ""
}

// Names, titles, notices, reasons and paths come from outside the
// Markdown renderer (a judge's rationale, a provider's error, an imported
// file's speakers, a recorded stop): none of them reaches the terminal
// as a control sequence, and each is as wide on screen as it is measured.
func TestOutsideTextCannotSteerTheTerminal(t *testing.T) {
	hostileProgress := orchestrator.Progress{Index: 1, Progress: []policy.Progress{{Policy: "end_token", Label: hostile, Count: 0, Limit: 2}}}
	live := func(script func(hs *harness)) func(w, h int) *Model {
		return func(w, h int) *Model {
			hs := &harness{t: t, ctl: &fakeControl{err: fmt.Errorf("refused: %s", hostile)}, clock: t0}
			hs.m = New(Config{Control: hs.ctl, Humans: map[string]Seat{hostile: &fakeSeat{}}, Renderer: renderer(termenv.ANSI256),
				Now: func() time.Time { return hs.clock }})
			hs.send(tea.WindowSizeMsg{Width: w, Height: h})
			script(hs)
			return hs.m
		}
	}
	recording := func(rec Recording) func(w, h int) *Model {
		return func(w, h int) *Model {
			m := NewRecording(Config{Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return t0 }}, rec)
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			return m
		}
	}
	msgs := []transcripts.Message{{Speaker: hostile, Content: "hello"}, {Speaker: "B", Content: "hi"}}
	tests := []struct {
		name string
		view func(w, h int) *Model
	}{
		{"a title", live(func(hs *harness) {
			hs.events(orchestrator.Started{Run: transcripts.Run{Title: hostile, Started: t0}, Speakers: [2]string{"A", "B"}})
		})},
		{"a speaker's name, speaking and finished", live(func(hs *harness) {
			hs.events(orchestrator.Started{Run: transcripts.Run{Title: "t", Started: t0}, Speakers: [2]string{hostile, "B"}},
				finished(1, hostile, "hello"), orchestrator.TurnStarted{Index: 2, Speaker: hostile, Time: t0})
		})},
		{"a judge's rationale", live(func(hs *harness) {
			conversation(hs)
			hs.events(orchestrator.Notice{Kind: "judge", Detail: "m after message 3: CONTINUE: " + hostile})
		})},
		{"a provider's error", live(func(hs *harness) {
			conversation(hs)
			hs.events(orchestrator.Retrying{Index: 4, Speaker: "grok-4", Attempt: 1, Max: 5, Wait: time.Second, Reason: hostile, Time: hs.clock})
		})},
		{"a policy's label", live(func(hs *harness) {
			conversation(hs)
			hs.events(hostileProgress)
		})},
		{"an injection refused", live(func(hs *harness) {
			conversation(hs)
			hs.keys("i")
			hs.typeText("note")
			hs.keys("tab", "ctrl+s")
		})},
		{"a person's seat", live(func(hs *harness) {
			hs.events(orchestrator.Started{Run: transcripts.Run{Title: "t", Started: t0}, Speakers: [2]string{hostile, "B"}},
				orchestrator.TurnStarted{Index: 1, Speaker: hostile, Time: t0})
			hs.keys("esc")
		})},
		{"a stop's reason and paths", live(func(hs *harness) {
			conversation(hs)
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", Reason: hostile, At: 3}},
				"out/"+hostile+".md", "out/"+hostile+".jsonl")
		})},
		{"a recording's title, speakers, marks, tags and banner", recording(Recording{Title: hostile, Speakers: [2]string{hostile, "B"},
			Messages: msgs, Marks: map[int][]string{1: {"judge would fire here: " + hostile}}, Tags: map[int]string{1: hostile},
			Progress: hostileProgress.Progress, Banner: []string{"■ Recorded: stopped after message 2 by judge: " + hostile, "From " + hostile},
			Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", Reason: hostile, At: 2}})},
	}
	for _, tc := range tests {
		for _, w := range []int{40, 100} {
			t.Run(fmt.Sprintf("%s at %d columns", tc.name, w), func(t *testing.T) {
				frame := tc.view(w, 30).View()
				if c := controlIn(frame); c != "" {
					t.Errorf("the frame holds %s", c)
				}
				checkFits(t, ansi.Strip(frame), w, 30)
			})
		}
	}
}

// messageLines is the text of the first message in a frame drawn without
// styles: the lines under its header that carry its gutter, without it.
func messageLines(frame string) []string {
	var out []string
	for _, l := range strings.Split(frame, "\n")[1:] {
		if !strings.HasPrefix(l, "│") {
			break
		}
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(l, "│"), " "))
	}
	return out
}

// A message's text reaches the screen through the filter everything else
// parley prints to a terminal goes through (controls.Strip): the live
// view drops what that drops and shows a byte that is not UTF-8 as it
// does, while the message streams and once it is finished, in both modes.
// A character or a C1 control cut across deltas is read whole.
func TestMessageTextIsShownAsTheSharedFilterShowsIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deltas []string
		shown  []string
	}{
		{"escape sequences lose their escapes", []string{"a\x1b]0;owned\x07b \x1b[2Jc \x1b]52;c;aGk=\x07d"}, []string{"a]0;ownedb [2Jc ]52;c;aGk=d"}},
		{"a carriage return, DEL and NUL are dropped", []string{"shown\rhidden\x7f\x00!"}, []string{"shownhidden!"}},
		{"a C1 CSI is dropped", []string{"a\u009b31mb"}, []string{"a31mb"}},
		{"a C1 CSI cut across deltas is dropped", []string{"a\xc2", "\x9b31mb"}, []string{"a31mb"}},
		{"a raw 8-bit CSI is a replacement character", []string{"a\x9b31mb"}, []string{"a\uFFFD31mb"}},
		{"Latin-1 text shows a replacement character for each byte", []string{"caf\xe9 na\xefve"}, []string{"caf\uFFFD na\uFFFDve"}},
		{"a character cut across deltas is shown whole", []string{"caf\xc3", "\xa9 ok"}, []string{"café ok"}},
		{"a character cut short", []string{"ok \xf0\x9f\x99", " then\nnext"}, []string{"ok \uFFFD\uFFFD\uFFFD then", "next"}},
		{"an overlong CSI is not read as one", []string{"x\xc0\x9b2Jy"}, []string{"x\uFFFD\uFFFD2Jy"}},
	} {
		text := strings.Join(tc.deltas, "")
		if want := strings.Split(controls.Strip(text), "\n"); !slices.Equal(want, tc.shown) {
			t.Errorf("%s: the shared filter shows %q, where the case says %q", tc.name, want, tc.shown)
		}
		for _, raw := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, raw %v", tc.name, raw), func(t *testing.T) {
				hs := newHarness(t, 80, 20, nil)
				if raw {
					hs.keys("r")
				}
				hs.events(started(), orchestrator.TurnStarted{Index: 1, Speaker: "grok-4", Time: hs.clock})
				for _, d := range tc.deltas {
					hs.events(orchestrator.Delta{Index: 1, Speaker: "grok-4", Text: d})
				}
				check := func(when string) {
					frame := hs.view()
					if c := controlIn(frame); c != "" {
						t.Errorf("%s, the frame holds %s", when, c)
					}
					if got := messageLines(frame); !slices.Equal(got, tc.shown) {
						t.Errorf("%s, the message shows %q; want %q\n%s", when, got, tc.shown, frame)
					}
				}
				check("streaming")
				hs.events(finished(1, "grok-4", text))
				check("finished")
			})
		}
	}
}

// A recording's status line gives the conversation's span: up to its
// recorded end, else up to its last message (a run that crashed records
// no end), never the time since it started, which grows each day.
func TestRecordingSpanEndsWithTheRecording(t *testing.T) {
	msgs := []transcripts.Message{
		{Speaker: "A", Content: "Hello.", Started: t0, Ended: t0.Add(20 * time.Second)},
		{Speaker: "B", Content: "Hi.", Started: t0.Add(20 * time.Second), Ended: t0.Add(95 * time.Second)},
	}
	untimed := []transcripts.Message{{Speaker: "A", Content: "Hello."}, {Speaker: "B", Content: "Hi."}}
	tests := []struct {
		name string
		rec  Recording
		want string // the status line's end, "" for no time
	}{
		{name: "its end recorded", rec: Recording{Messages: msgs, Started: t0, Ended: t0.Add(2 * time.Minute)}, want: "tokens · 2:00"},
		{name: "no end recorded", rec: Recording{Messages: msgs, Started: t0}, want: "tokens · 1:35"},
		{name: "no end and no message times", rec: Recording{Messages: untimed, Started: t0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.rec.Title, tc.rec.Speakers = "A ↔ B", [2]string{"A", "B"}
			m := NewRecording(Config{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return t0.Add(1000 * time.Hour) }}, tc.rec)
			m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
			status := ansi.Strip(m.statusLine())
			if tc.want != "" && !strings.HasSuffix(status, tc.want) {
				t.Errorf("status line %q, want it to end %q", status, tc.want)
			}
			if tc.want == "" && !strings.HasSuffix(status, " tokens") {
				t.Errorf("status line %q gives a time the recording does not hold", status)
			}
		})
	}
}

// Whatever the length of the transcript's path, the stop banner fits
// every width, its box whole or drawn without, and the path is shown
// whole.
func TestTheBannerFitsEveryPathLength(t *testing.T) {
	for w := 8; w <= 50; w++ {
		for n := 1; n <= 50; n++ {
			md := "out/" + strings.Repeat("a", n) + ".md"
			jsonl := strings.TrimSuffix(md, ".md") + ".jsonl"
			if n%2 == 0 {
				jsonl = "o/b.jsonl" // not beside it
			}
			hs := newHarness(t, w, 30, nil)
			conversation(hs)
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "end_token", Reason: "both said [END]", At: 3}},
				md, jsonl)
			v := hs.view()
			for i, l := range strings.Split(v, "\n") {
				if lw := lipgloss.Width(l); lw > w {
					t.Fatalf("%d columns, a %d-character path: line %d is %d wide: %q\n%s", w, len(md), i+1, lw, l, v)
				}
			}
			if flat := strings.ReplaceAll(strings.ReplaceAll(v, "│", ""), "\n", ""); !strings.Contains(strings.ReplaceAll(flat, " ", ""), md) {
				t.Fatalf("%d columns: the path %s is not shown whole:\n%s", w, md, v)
			}
		}
	}
}

// withPerson is a harness on a conversation of Ada and grok-4 begun,
// where a person types Ada's messages.
func withPerson(t *testing.T) (*harness, *fakeSeat) {
	seat := &fakeSeat{}
	hs := newHarness(t, 100, 24, map[string]Seat{"Ada": seat})
	hs.events(orchestrator.Started{Run: transcripts.Run{Title: "Ada ↔ grok-4", Started: t0}, Speakers: [2]string{"Ada", "grok-4"}})
	return hs, seat
}

// What a person types for their turn is with their seat as they type it,
// so however the run ends (a signal, a closed terminal, "end now") the
// turn records it, marked interrupted; once sent, it is no draft.
func TestAPersonsDraftIsKeptAsTheyType(t *testing.T) {
	hs, seat := withPerson(t)
	hs.events(finished(1, "grok-4", "Hello!"), orchestrator.TurnStarted{Index: 2, Speaker: "Ada", Time: t0})
	hs.typeText("a long careful draft\nsecond paragraph")
	if want := "a long careful draft\nsecond paragraph"; seat.draft != want {
		t.Fatalf("draft = %q, want %q", seat.draft, want)
	}
	// Keys read together arrive as one event: into the box, they are
	// text, "up" too, which as a key event reads as the arrow key.
	hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" and more, typed fast: kq?")})
	hs.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" up")})
	if want := "a long careful draft\nsecond paragraph and more, typed fast: kq? up"; seat.draft != want || hs.quit {
		t.Fatalf("draft = %q (quit %v), want %q", seat.draft, hs.quit, want)
	}
	hs.keys("ctrl+s")
	if len(seat.said) != 1 || seat.draft != "" {
		t.Fatalf("said %q, draft %q after sending; want the message said and no draft", seat.said, seat.draft)
	}
}

// A note being typed when the person's turn starts is not swapped for
// the turn's message: the view says to send or drop it first, and then
// opens the turn's box.
func TestANoteBeingTypedOutlivesTheStartOfAPersonsTurn(t *testing.T) {
	hs, seat := withPerson(t)
	hs.events(finished(1, "Ada", "Hi"), orchestrator.TurnStarted{Index: 2, Speaker: "grok-4", Time: t0})
	hs.keys("i")
	hs.typeText("note being typed")
	hs.events(finished(2, "grok-4", "Hello!"), orchestrator.TurnStarted{Index: 3, Speaker: "Ada", Time: t0})
	if hs.m.mode != inputInject || hs.m.ta.Value() != "note being typed" || !strings.Contains(hs.view(), "your turn as Ada: send the note first") {
		t.Fatalf("mode %d, box %q; want the note kept and the turn said:\n%s", hs.m.mode, hs.m.ta.Value(), hs.view())
	}
	hs.keys("ctrl+s")
	if !slices.Contains(hs.ctl.calls, `inject "" "note being typed"`) {
		t.Errorf("calls %q; want the note injected", hs.ctl.calls)
	}
	if hs.m.mode != inputHuman || hs.m.ta.Value() != "" {
		t.Errorf("after the note, mode %d, box %q; want the turn's box, empty", hs.m.mode, hs.m.ta.Value())
	}
	hs.typeText("my reply")
	hs.keys("ctrl+s")
	if len(seat.said) != 1 || seat.said[0] != "my reply" {
		t.Errorf("said %q; want the reply alone", seat.said)
	}
}

// A note injected while the last message streams, which the conversation
// ends before it can join, is said not to have been recorded, quoting what
// the operator typed, where the view had said it would join.
func TestANoteThatNeverJoinedIsSaid(t *testing.T) {
	cases := []struct {
		name    string
		tab     int    // tab presses: 0 injects a moderator note, 2 a line as grok-4
		partial bool   // the message in flight is cut off and kept
		jsonl   string // "" when no transcript was kept
		want    string
	}{
		{name: "a moderator note", jsonl: "t.jsonl",
			want: "The moderator note you injected was not recorded: the conversation ended before it could join. Its text, which the JSONL keeps: “Moderator: please summarise.”"},
		{name: "a line as a seat, after a message cut off", tab: 2, partial: true, jsonl: "t.jsonl",
			want: "The line you injected as grok-4 was not recorded: the conversation ended before it could join. Its text, which the JSONL keeps: “Moderator: please summarise.”"},
		{name: "no transcript kept",
			want: "The moderator note you injected was not recorded: the conversation ended before it could join. Its text: “Moderator: please summarise.”"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, 80, 30, nil)
			conversation(hs)
			hs.keys("i")
			for range c.tab {
				hs.keys("tab")
			}
			hs.typeText("Moderator: please summarise.")
			hs.keys("ctrl+s")
			if f := footerText(hs); !strings.Contains(strings.Join(strings.Fields(f), " "), "it joins the conversation after the message in flight") {
				t.Fatalf("the injection is not confirmed:\n%s", f)
			}
			dropped := transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "Moderator: please summarise.", Origin: transcripts.OriginModerator}
			if c.tab == 2 {
				dropped.Speaker, dropped.Origin = "grok-4", transcripts.OriginInjected
			}
			stop := orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages",
				Reason: "the conversation reached its limit of 4 messages", At: 4}, Ended: hs.clock}
			if c.partial {
				stop.Stop = transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: 3}
				stop.Partial = &transcripts.Message{Speaker: "grok-4", Content: grokReply[:40], Partial: true}
			} else {
				hs.events(finished(4, "grok-4", grokReply), progress(4, 0, 4))
			}
			hs.events(orchestrator.Operator{Detail: "a moderator note the operator injected was not recorded: the conversation ended before it could join",
				Time: hs.clock, Dropped: &dropped})
			md := strings.TrimSuffix(c.jsonl, ".jsonl") + ".md"
			if c.jsonl == "" {
				md = ""
			}
			hs.paths(stop, md, c.jsonl)
			v := hs.view()
			checkFits(t, v, 80, 30)
			flat := strings.Join(strings.Fields(v), " ")
			if !strings.Contains(flat, "⚠ "+c.want) {
				t.Errorf("the view does not say %q:\n%s", c.want, v)
			}
			if strings.Contains(flat, "it joins the conversation") {
				t.Errorf("the view still says the note joins:\n%s", v)
			}
			// The note is said after the last message, the one cut off
			// included, as it would have joined.
			body, _, _ := strings.Cut(v, "\n─")
			if last := strings.LastIndex(body, "grok-4 #4"); last < 0 || strings.Index(body, "⚠ The") < last {
				t.Errorf("the note is not said after message 4:\n%s", v)
			}
			if c.name == "a moderator note" {
				golden(t, "dropped_note", v)
			}
		})
	}
}

// keyLineIn reports whether the footer ends with the key reminder, as it
// always does, a notice or not.
func keyLineIn(f string) bool {
	lines := strings.Split(strings.TrimRight(f, "\n"), "\n")
	last := lines[len(lines)-1]
	return strings.HasSuffix(last, "q/ctrl+c quit") || strings.HasSuffix(last, "q quit") || strings.HasSuffix(last, "ctrl+c quit")
}

// A notice under the status says what holds the conversation up or what
// the person just did, and goes once it is no longer true; the key line
// stays beside it. What stays true (a warning, a judge's ruling) is said
// in the conversation, where it happened, and scrolls with it.
func TestNoticesLastWhileTheyAreTrue(t *testing.T) {
	retry := func(hs *harness, wait time.Duration) {
		hs.events(orchestrator.Retrying{Index: 4, Speaker: "grok-4", Attempt: 1, Max: 2, Wait: wait, Reason: "stream cut off", Time: hs.clock})
	}
	stop := func(hs *harness) {
		partial := transcripts.Message{Speaker: "grok-4", Content: "half", Partial: true}
		hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopError, Reason: "grok-4: stream cut off after 2 attempts", At: 3},
			Ended: hs.clock, Partial: &partial}, "t.md", "t.jsonl")
	}
	empty := orchestrator.Notice{Kind: "warning", Detail: `grok-4: message 4 is an empty reply (finish reason "length"); the agents are shown "(no reply)" in its place`}
	cases := []struct {
		name    string
		humans  map[string]Seat
		script  func(hs *harness)
		during  string // in the footer before the last step
		last    func(hs *harness)
		gone    string // not in the footer after it
		body    string // in the conversation after it
		nowhere string // in neither
	}{
		{name: "a retry, once its attempt streams", script: func(hs *harness) { retry(hs, 744*time.Millisecond) },
			during: "grok-4: stream cut off, retrying in 744ms (attempt 2 of 2)",
			last:   func(hs *harness) { hs.stream(4, "grok-4", "again", 5) }, gone: "retrying"},
		{name: "a retry, once the message is in", script: func(hs *harness) { retry(hs, time.Second) },
			during: "retrying in 1s",
			last:   func(hs *harness) { hs.events(finished(4, "grok-4", "done"), progress(4, 0, 4)) }, gone: "retrying"},
		{name: "a retry, at the stop", script: func(hs *harness) { retry(hs, 744*time.Millisecond) },
			during: "retrying in 744ms", last: stop, nowhere: "retrying"},
		{name: "a retry's wait, counted down", script: func(hs *harness) { retry(hs, 4*time.Second); hs.clock = hs.clock.Add(3 * time.Second) },
			during: "retrying in 1s (attempt 2 of 2)",
			last:   func(hs *harness) { hs.clock = hs.clock.Add(2 * time.Second) }, gone: "retrying in", body: ""},
		{name: "a rate limit's wait, once the reply streams", script: func(hs *harness) {
			hs.events(orchestrator.TurnStarted{Index: 5, Speaker: "Kimi K2", Time: hs.clock},
				orchestrator.Notice{Kind: "wait", Detail: "Kimi K2: waiting 2s (rate limit)"})
		}, during: "wait: Kimi K2: waiting 2s (rate limit)",
			last: func(hs *harness) { hs.stream(5, "Kimi K2", "hello", 5) }, nowhere: "waiting 2s"},
		{name: "nothing to send, once the person types", humans: map[string]Seat{"Ada": &fakeSeat{}}, script: func(hs *harness) {
			hs.events(orchestrator.TurnStarted{Index: 5, Speaker: "Ada", Time: hs.clock})
			hs.keys("ctrl+s")
		}, during: "nothing to send; type a message first", last: func(hs *harness) { hs.typeText("h") }, gone: "nothing to send"},
		{name: "nothing to send, at the stop", humans: map[string]Seat{"Ada": &fakeSeat{}}, script: func(hs *harness) {
			hs.events(orchestrator.TurnStarted{Index: 5, Speaker: "Ada", Time: hs.clock})
			hs.keys("ctrl+s")
		}, during: "nothing to send", last: stop, nowhere: "nothing to send"},
		{name: "an injected note, once it joins", script: func(hs *harness) {
			hs.keys("i")
			hs.typeText("be brief")
			hs.keys("ctrl+s")
		}, during: "injected as a moderator note; it joins the conversation after the message in flight",
			last: func(hs *harness) {
				hs.events(finished(4, "grok-4", "done"), progress(4, 0, 4), orchestrator.MessageFinished{Index: 5,
					Message: transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "be brief", Origin: transcripts.OriginModerator}})
			}, nowhere: "injected as"},
		{name: "a warning, through the stop", script: func(hs *harness) {
			hs.events(finished(4, "grok-4", " "), empty, progress(4, 0, 4))
		}, last: stop, body: "⚠ warning: grok-4: message 4 is an empty reply"},
		{name: "a judge's ruling", script: func(hs *harness) {},
			last: func(hs *harness) {
				hs.events(orchestrator.Notice{Kind: "judge", Detail: "m after message 3: CONTINUE: they build on each other"})
			}, body: "◇ judge: m after message 3: CONTINUE: they build on each other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, 100, 30, c.humans)
			conversation(hs)
			c.script(hs)
			f := strings.Join(strings.Fields(footerText(hs)), " ")
			if !strings.Contains(f, c.during) {
				t.Errorf("before, the footer does not say %q:\n%s", c.during, footerText(hs))
			}
			if !keyLineIn(footerText(hs)) && hs.m.mode == inputNone {
				t.Errorf("before, the key line is gone:\n%s", footerText(hs))
			}
			c.last(hs)
			v := hs.view()
			checkFits(t, v, 100, 30)
			body, foot, _ := strings.Cut(v, "\n─")
			flatBody, flatFoot := strings.Join(strings.Fields(body), " "), strings.Join(strings.Fields(foot), " ")
			if c.gone != "" && strings.Contains(flatFoot, c.gone) {
				t.Errorf("after, the footer still says %q:\n%s", c.gone, v)
			}
			if c.nowhere != "" && strings.Contains(flatFoot+flatBody, c.nowhere) {
				t.Errorf("after, the view still says %q:\n%s", c.nowhere, v)
			}
			if c.body != "" && !strings.Contains(flatBody, c.body) {
				t.Errorf("after, the conversation does not say %q:\n%s", c.body, v)
			}
			if c.body != "" && strings.Contains(flatFoot, strings.TrimLeft(c.body, "⚠◇ ")) {
				t.Errorf("after, the footer says %q in place of the key line:\n%s", c.body, v)
			}
			if hs.m.mode == inputNone && !keyLineIn(foot) {
				t.Errorf("after, the key line is gone:\n%s", v)
			}
		})
	}
}

// The view never draws more lines than the window has: on a short window
// the key help shrinks, with a line saying a taller window shows every
// key, and the input box keeps its label and the line being typed.
func TestTheViewFitsAShortWindow(t *testing.T) {
	moments := []struct {
		name   string
		humans map[string]Seat
		script func(hs *harness)
		typed  string // the line being typed, which must show
		label  string // the input box's label, which must show
	}{
		{name: "help", script: func(hs *harness) { conversation(hs); hs.keys("?") }},
		{name: "help, then inject", script: func(hs *harness) {
			conversation(hs)
			hs.keys("?", "i")
			hs.typeShown("first line\nsecond line\nthird line\nthe line being typed")
		}, typed: "the line being typed", label: "Inject as"},
		{name: "a person's turn with help", humans: map[string]Seat{"grok-4": &fakeSeat{}}, script: func(hs *harness) {
			hs.events(started(), finished(1, "Kimi K2", "Hello"), orchestrator.TurnStarted{Index: 2, Speaker: "grok-4", Time: hs.clock})
			hs.keys("esc", "?", "enter")
			hs.typeShown("one\ntwo\nthree\nfour, being typed")
		}, typed: "four, being typed", label: "Your turn as grok-4"},
		{name: "stopped, with help", script: func(hs *harness) {
			conversation(hs)
			hs.events(fivePolicies(3))
			hs.keys("?")
			hs.paths(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages",
				Reason: "the conversation reached its limit of 3 messages", At: 3}, Ended: hs.clock}, "transcripts/a.md", "transcripts/a.jsonl")
		}},
		{name: "paused, a notice, injecting, with help", script: func(hs *harness) {
			conversation(hs)
			hs.events(fivePolicies(3))
			hs.keys("?", "space", "i")
			hs.typeText("note")
		}, typed: "note", label: "Inject as"},
	}
	for _, mo := range moments {
		for _, w := range []int{40, 60, 80} {
			for h := 3; h <= 24; h++ {
				hs := newHarness(t, w, h, mo.humans)
				mo.script(hs)
				v := hs.view()
				lines := strings.Split(v, "\n")
				if len(lines) != h {
					t.Errorf("%s at %dx%d: the view has %d lines for a window of %d:\n%s", mo.name, w, h, len(lines), h, v)
					continue
				}
				checkFits(t, v, w, h)
				if h < 8 {
					// Too short for the box's label, the line being
					// typed and the status: no more lines than the
					// window is all that is asked.
					continue
				}
				if mo.label != "" && !strings.Contains(v, mo.label) {
					t.Errorf("%s at %dx%d: the input box lost its label %q:\n%s", mo.name, w, h, mo.label, v)
				}
				if mo.typed != "" && !strings.Contains(v, mo.typed) {
					t.Errorf("%s at %dx%d: the input box lost the line being typed %q:\n%s", mo.name, w, h, mo.typed, v)
				}
				if h < 12 {
					// Too short for the key line and the help's cut
					// beside the box and three lines of the conversation.
					continue
				}
				if !strings.Contains(v, "quit") {
					t.Errorf("%s at %dx%d: the key line is gone:\n%s", mo.name, w, h, v)
				}
				// Help cut short says so.
				for _, l := range hs.m.fullHelp() {
					if l = strings.TrimRight(ansi.Strip(l), " "); !strings.Contains(v, l) && !strings.Contains(v, "a taller window shows every key") {
						t.Errorf("%s at %dx%d: the help's line %q is not shown and nothing says so:\n%s", mo.name, w, h, l, v)
						break
					}
				}
			}
		}
	}
	t.Run("golden", func(t *testing.T) {
		hs := newHarness(t, 80, 15, nil)
		conversation(hs)
		hs.keys("?")
		golden(t, "help_80x15", hs.view())
		hs = newHarness(t, 60, 20, nil)
		conversation(hs)
		hs.keys("?", "i")
		hs.typeText("Please wrap up.\nThen summarise.")
		golden(t, "help_inject_60x20", hs.view())
	})
}

// The input box that shrank for a short window shows its lines again,
// those above the line being typed, when the window grows.
func TestTheInputBoxGrowsBack(t *testing.T) {
	hs := newHarness(t, 60, 40, nil)
	conversation(hs)
	hs.keys("?", "i")
	hs.typeShown("one\ntwo\nthree")
	hs.keys("up") // the cursor on "two", after its last letter
	hs.m.View()
	hs.send(tea.WindowSizeMsg{Width: 60, Height: 10})
	v := hs.view()
	if !strings.Contains(v, "┃ two") || strings.Contains(v, "┃ one") || strings.Contains(v, "┃ three") {
		t.Fatalf("the short window should show the line being typed alone:\n%s", v)
	}
	hs.send(tea.WindowSizeMsg{Width: 60, Height: 40})
	v = hs.view()
	for _, l := range []string{"┃ one", "┃ two", "┃ three"} {
		if !strings.Contains(v, l) {
			t.Errorf("after the window grew, the box lacks %q:\n%s", l, v)
		}
	}
	// The cursor is where it was: what is typed next ends "two".
	hs.typeShown("!")
	if got := hs.m.ta.Value(); got != "one\ntwo!\nthree" {
		t.Errorf("after the window grew, typing gives %q", got)
	}
}

// The banner says where the run stopped as parley says it once the view
// closes, one sentence for both: that no transcript was kept when the
// first reply failed, and that the message cut off is kept; an error's own
// sentence follows, which parley prints apart once the view closes.
func TestTheBannerSaysWhatTheEndLineSays(t *testing.T) {
	cut := &transcripts.Message{Speaker: "grok-4", Content: "half a reply", Partial: true}
	cases := []struct {
		name       string
		stop       transcripts.Stop
		partial    *transcripts.Message
		md, jsonl  string
		want, also string
	}{
		{name: "the first reply failed", stop: transcripts.Stop{Kind: transcripts.StopError, At: 1, Reason: "grok-4: 500 Internal Server Error after 3 attempts"},
			want: "Stopped before any reply was recorded (error); no transcript was kept.", also: "grok-4: 500 Internal Server Error after 3 attempts"},
		{name: "a stream cut off", stop: transcripts.Stop{Kind: transcripts.StopError, At: 3, Reason: "grok-4: the stream was cut off after 2 attempts"},
			partial: cut, md: "t.md", jsonl: "t.jsonl",
			want: "Stopped after message 3 (error); message 4 was cut off and is kept, marked (interrupted), so the transcript holds 4 messages.",
			also: "grok-4: the stream was cut off after 2 attempts"},
		{name: "the operator, mid-message", stop: transcripts.Stop{Kind: transcripts.StopOperator, At: 3, Reason: "the operator ended the conversation"},
			partial: cut, md: "t.md", jsonl: "t.jsonl",
			want: "Stopped after message 3 (operator): the operator ended the conversation; message 4 was cut off and is kept, marked (interrupted), so the transcript holds 4 messages."},
		{name: "a rule", stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", At: 3, Reason: "the conversation reached its limit of 3 messages"},
			md: "t.md", jsonl: "t.jsonl", want: "Stopped after message 3 (max_messages): the conversation reached its limit of 3 messages."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, 100, 30, nil)
			if c.stop.At == 1 {
				// The opening, and grok-4's reply failing.
				hs.events(started(), orchestrator.MessageFinished{Index: 1, Message: transcripts.Message{Speaker: "Kimi K2",
					Content: "Shall we talk about tides?", Origin: transcripts.OriginOpening}},
					orchestrator.TurnStarted{Index: 2, Speaker: "grok-4", Time: hs.clock},
					orchestrator.Retrying{Index: 2, Speaker: "grok-4", Attempt: 2, Max: 3, Wait: 2 * time.Second, Reason: "500 Internal Server Error", Time: hs.clock})
			} else {
				conversation(hs)
			}
			hs.paths(orchestrator.Stopped{Stop: c.stop, Ended: hs.clock, Partial: c.partial}, c.md, c.jsonl)
			if end := orchestrator.Ending(c.stop, c.md != "", c.partial != nil && c.md != ""); end != c.want {
				t.Fatalf("the end line is %q, want %q", end, c.want)
			}
			_, foot, _ := strings.Cut(hs.view(), "\n─")
			flat := strings.Join(strings.Fields(strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "─", " ").Replace(foot)), " ")
			if !strings.Contains(flat, "■ "+c.want) {
				t.Errorf("the banner does not say %q:\n%s", c.want, foot)
			}
			if c.also != "" && !strings.Contains(flat, c.also) {
				t.Errorf("the banner does not give the error %q:\n%s", c.also, foot)
			}
			if c.name == "the first reply failed" {
				golden(t, "stopped_no_transcript", hs.view())
			}
		})
	}
}

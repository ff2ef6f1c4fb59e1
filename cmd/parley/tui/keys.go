package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the view answers to; `?` lists them all.
type keyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Pause, Step, Stop, Inject, Raw        key.Binding
	Help, Quit                            key.Binding
	// While typing in the input box.
	Send, Cancel, Target key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up (stops following)")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "go to the first message")),
		End:      key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "go to the end and follow new text")),
		Pause:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "pause after this message / resume")),
		Step:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "one more message while paused")),
		Stop:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "end the conversation now")),
		Inject:   key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inject a line (moderator or a speaker)")),
		Raw:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw text / rendered Markdown")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "show / hide all keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit (saves every completed message)")),
		Send:     key.NewBinding(key.WithKeys("ctrl+s", "alt+enter"), key.WithHelp("ctrl+s/alt+enter", "send what you typed")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close the input box (your turn: back to scrolling)")),
		Target:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "inject as moderator / either speaker")),
	}
}

// ShortHelp is the one-line reminder under the status line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Pause, k.Step, k.Stop, k.Inject, k.Quit}
}

// StoppedHelp is the reminder once the run is over: only scrolling, the
// raw view, help and quit remain.
func (k keyMap) StoppedHelp() []key.Binding {
	scroll := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
	return []key.Binding{scroll, k.Raw, k.Help, k.Quit}
}

// dropOrder is the order in which the reminder leaves keys out as the
// window narrows; quit is never left out.
func (k keyMap) dropOrder() []key.Binding {
	return []key.Binding{k.Step, k.Raw, k.Inject, k.Stop, k.Help, k.Pause}
}

// FullHelp is what `?` shows: every key, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Pause, k.Step, k.Stop, k.Inject, k.Raw, k.Help, k.Quit},
		{k.Send, k.Cancel, k.Target},
	}
}

// StoppedFullHelp is what `?` shows once the run is over (and in a
// recording reopened with show): the keys that still do something.
func (k keyMap) StoppedFullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Raw, k.Help, k.Quit},
	}
}

// inputHelp is the reminder shown with the input box.
func (k keyMap) inputHelp() []key.Binding { return []key.Binding{k.Send, k.Target, k.Cancel} }

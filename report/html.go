package report

import (
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/pricing"
)

//go:embed page.html
var pageHTML string

// page is parsed when a report is first written, not when parley starts:
// most commands write none.
var page = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageHTML)) })

// stateColor is each terminal state's colour, the same everywhere on the page.
var stateColor = map[analysis.State]string{
	analysis.Healthy:     "#2e9e6b",
	analysis.Farewell:    "#e9a23b",
	analysis.EndEcho:     "#8e6cd1",
	analysis.Refusals:    "#d64545",
	analysis.Template:    "#3b8bd9",
	analysis.Verbatim:    "#e36fae",
	analysis.PingPong:    "#17a9b0",
	analysis.Silence:     "#8d96a0",
	analysis.Circling:    "#b07d48",
	analysis.Failed:      "#5b6472",
	analysis.Interrupted: "#a9b1bd",
}

// The heat scale of the matrix: few messages of substance are pale, many dark.
var heatLow, heatHigh = [3]float64{0xf1, 0xf0, 0xfb}, [3]float64{0x2c, 0x3a, 0x96}

type stateView struct {
	Key, Title, Meaning, Color string
	Count                      int
	Share                      string
	Width                      float64 // percent, for stacked bars
}

type cellView struct {
	Empty      bool
	Pair       int // index into Pairs
	Title      string
	Median     string
	Dominant   stateView
	N          int
	Background string
	Ink        string
	States     []stateView
	Tip        string
}

type rowView struct {
	Model string
	Cells []cellView
}

type modelView struct {
	analysis.ModelFigures
	Median                  string
	Loop, Refuse, SignOff   float64 // shares, in percent
	LoopT, RefuseT, SignOfT string
	TokensT, CostT          string
}

type convView struct {
	Pair              int
	Title, File, Href string
	Name              string // the file's name, with its "#N" when it holds several
	State             stateView
	StateText         string
	Messages, Stop    int
	Partial           string
	StopText, Rule    string
	Spent, LoopStart  int
	Tokens, Cost      string
	Reason            string
	Cut               string // how the recording says it was cut short, and why
	Firings           string
	Strip             template.HTML
	Models            string
	Opener, Responder string
}

type pageView struct {
	Summary           string
	Policy            string
	Conversations     int
	ConversationsT    string // with thousands marked, as the page shows it
	Models            []string
	Who               string // what the matrix's rows are: models or speakers
	One               string // one of them: model or speaker
	Pairs             int
	Median            string
	Spent, Messages   int
	SpentT, MessagesT string
	SpentShare        string
	Top               stateView
	Cost, Tokens      string
	CostNote          string // what the big figure leaves out
	States            []stateView
	Rows              []rowView
	HeatMin, HeatMax  string
	HeatLow, HeatHigh string
	PerModel          []modelView
	Convs             []convView
	PairTitles        []string
	Responders        []string // the matrix's columns
}

// isolated is names, each isolated from the text around it.
func isolated(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = isolate(n)
	}
	return out
}

// plainText leaves a name as it is: the page's template escapes what it
// shows.
func plainText(s string) string { return s }

// HTML writes the report as one self-contained page: inline CSS, SVG and
// a little JavaScript, no network, openable from disk. It opens with the
// doctype and the comment that mark it as parley's (analysis.ReportHead),
// which html/template would take out of page.html. The page holds no
// control character but tab and newline, which HTML does not allow: what
// it quotes from the transcripts is shown without them (controls.Filter),
// its script's pair titles too; report.json keeps them as written.
func HTML(w io.Writer, r analysis.Report) error {
	w = controls.NewFilter(w)
	v := pageView{Summary: summary(r, plainText), Policy: r.Policy, Conversations: len(r.Conversations), ConversationsT: thousandsOrZero(len(r.Conversations)), Models: isolated(r.Models),
		Pairs: len(r.Pairs), Median: median(r.MedianSubstance, len(r.Conversations), r.CutShort), Spent: r.Spent, Messages: r.Messages, SpentT: thousandsOrZero(r.Spent), MessagesT: thousandsOrZero(r.Messages),
		Cost: costFigure(r.Cost), CostNote: costNote(r.Cost), Tokens: thousands(r.Tokens), HeatLow: rgb(heatLow), HeatHigh: rgb(heatHigh)}
	_, v.Who = who(r)
	v.One = strings.TrimSuffix(v.Who, "s")
	if r.Messages > 0 {
		v.SpentShare = pct(float64(r.Spent) / float64(r.Messages))
	}
	for _, s := range analysis.States {
		sv := stateOf(s)
		for _, x := range r.States {
			if x.State == s {
				sv.Count, sv.Share, sv.Width = x.Count, pct(x.Share), 100*x.Share
			}
		}
		v.States = append(v.States, sv)
	}
	if len(r.States) > 0 {
		v.Top = v.stateByKey(r.States[0].State)
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range r.Pairs {
		if p.CutShort < p.Conversations {
			lo, hi = math.Min(lo, p.MedianSubstance), math.Max(hi, p.MedianSubstance)
		}
	}
	v.HeatMin, v.HeatMax = num(lo), num(hi)
	index := map[[2]string]int{}
	for i, p := range r.Pairs {
		index[[2]string{p.Opener, p.Responder}] = i
		v.PairTitles = append(v.PairTitles, controls.Strip(pairTitle(p.Opener, p.Responder)))
	}
	openers, responders := matrixAxes(r)
	v.Responders = isolated(responders)
	for _, o := range openers {
		row := rowView{Model: isolate(o)}
		for _, x := range responders {
			i, ok := index[[2]string{o, x}]
			if !ok {
				row.Cells = append(row.Cells, cellView{Empty: true, Title: pairTitle(o, x) + ": no conversations"})
				continue
			}
			p := r.Pairs[i]
			t := 0.5
			if hi > lo {
				t = (p.MedianSubstance - lo) / (hi - lo)
			}
			c := cellView{Pair: i, Title: pairTitle(o, x), Median: median(p.MedianSubstance, p.Conversations, p.CutShort), Dominant: stateOf(p.Dominant),
				N: p.Conversations, Background: rgb(mix(heatLow, heatHigh, 0.08+0.92*t)), Ink: "#1d2330"}
			switch {
			case p.CutShort == p.Conversations:
				// No substance measured: no shade.
				c.Background = "#ffffff"
			case 0.08+0.92*t > 0.5:
				c.Ink = "#ffffff"
			}
			var tip []string
			for _, s := range p.States {
				sv := stateOf(s.State)
				sv.Count, sv.Share, sv.Width = s.Count, pct(s.Share), 100*s.Share
				c.States = append(c.States, sv)
				tip = append(tip, fmt.Sprintf("%s %s", sv.Title, sv.Share))
			}
			c.Tip = fmt.Sprintf("%s: %s, median %s messages of substance; %s; %s after the stop; cost %s", c.Title, plural(p.Conversations, "conversation", "conversations"), c.Median, strings.Join(tip, ", "),
				plural(p.Spent, "message", "messages"), p.Cost)
			if p.Tokens > 0 {
				c.Tip += fmt.Sprintf(", %s tokens", thousands(p.Tokens))
			}
			row.Cells = append(row.Cells, c)
		}
		v.Rows = append(v.Rows, row)
	}

	for _, m := range r.PerModel {
		m.Model = isolate(m.Model)
		mv := modelView{ModelFigures: m, Median: median(m.MedianSubstance, m.Conversations, m.CutShort), TokensT: thousands(m.Tokens), CostT: modelCost(m)}
		if m.Conversations > 0 {
			n := float64(m.Conversations)
			mv.Loop, mv.Refuse, mv.SignOff = 100*float64(m.FirstToLoop)/n, 100*float64(m.FirstToRefuse)/n, 100*float64(m.FirstToSignOff)/n
		}
		mv.LoopT, mv.RefuseT, mv.SignOfT = share(m.FirstToLoop, m.Conversations), share(m.FirstToRefuse, m.Conversations), share(m.FirstToSignOff, m.Conversations)
		v.PerModel = append(v.PerModel, mv)
	}

	for i := range r.Conversations {
		c := &r.Conversations[i]
		cv := convView{Pair: index[c.Pair()], Title: convTitle(c), File: c.File, Name: fileName(c), Href: href(c.Link), State: stateOf(c.State),
			StateText: stateText(c), Messages: c.Messages, Partial: partialText(c), Stop: c.Stop, StopText: stopText(c), Rule: c.Rule, Spent: c.Spent,
			LoopStart: c.LoopStart, Tokens: thousands(c.Tokens), Cost: c.Cost.String(), Reason: isolate(c.Reason), Firings: firingsText(c),
			Strip: strip(c), Opener: isolate(c.Opener), Responder: isolate(c.Responder)}
		if len(c.Models) == 2 {
			cv.Models = strings.Join(isolated(c.Models), " ↔ ")
		}
		if c.Link == "" {
			cv.Href = ""
		}
		if c.CutShort != "" {
			cv.Cut = "The recording says it was " + cutVerb(c) + ": " + c.CutReason
		}
		v.Convs = append(v.Convs, cv)
	}
	if _, err := io.WriteString(w, analysis.ReportHead(HTMLFile)); err != nil {
		return err
	}
	return page().Execute(w, v)
}

func (v pageView) stateByKey(s analysis.State) stateView {
	for _, x := range v.States {
		if x.Key == string(s) {
			return x
		}
	}
	return stateOf(s)
}

func stateOf(s analysis.State) stateView {
	return stateView{Key: string(s), Title: s.Title(), Meaning: stateMeaning[s], Color: stateColor[s]}
}

func mix(a, b [3]float64, t float64) [3]float64 {
	t = math.Max(0, math.Min(1, t))
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func rgb(c [3]float64) string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c[0])), int(math.Round(c[1])), int(math.Round(c[2])))
}

// strip draws one conversation's timeline as SVG: a bar per message for
// its loop chance (the opener's above the line, the responder's below),
// coloured by the pattern the message shows; the threshold; the messages
// after the stop shaded; the loop's start; and where each rule alone
// would fire.
func strip(c *analysis.Conversation) template.HTML {
	const W, H, top, mid, half = 1000.0, 92.0, 22.0, 57.0, 30.0
	n := max(1, c.Messages)
	bw := W / float64(n)
	x := func(i int) float64 { return float64(i) * bw } // left edge of message i+1
	var b strings.Builder
	f := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	f(`<svg class="strip" viewBox="0 0 %g %g" preserveAspectRatio="none" role="img" aria-label="loop chance by message">`, W, H)
	if c.Stop > 0 && c.Stop < c.Messages {
		f(`<rect class="spent" x="%.1f" y="%g" width="%.1f" height="%g"><title>%d messages after the stop</title></rect>`,
			x(c.Stop), top-6, W-x(c.Stop), H-top+6, c.Spent)
	}
	thr := half * float64(c.Threshold) / 100
	f(`<line class="thr" x1="0" x2="%g" y1="%.1f" y2="%.1f"/><line class="thr" x1="0" x2="%g" y1="%.1f" y2="%.1f"/>`, W, mid-thr, mid-thr, W, mid+thr, mid+thr)
	f(`<line class="axis" x1="0" x2="%g" y1="%g" y2="%g"/>`, W, mid, mid)
	gap := math.Min(1.5, bw*0.18)
	for i, ch := range c.Chance {
		h := math.Max(1.2, half*float64(ch)/100)
		y := mid - h
		if i < len(c.Speakers) && c.Speakers[i] == 1 {
			y = mid
		}
		color := "#c3cad6"
		kind := "substance"
		if i < len(c.Kinds) && c.Kinds[i] != "" {
			color, kind = stateColor[c.Kinds[i]], c.Kinds[i].Title()
		}
		f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>#%d %d%% · %s</title></rect>`,
			x(i)+gap/2, y, math.Max(0.5, bw-gap), h, color, i+1, ch, html.EscapeString(kind))
	}
	// Labels are HTML over the SVG, placed in percent, so that the strip
	// can stretch without stretching its text.
	var labels strings.Builder
	label := func(cls string, at float64, line int, text, tip string) {
		side := fmt.Sprintf("left:%.2f%%", 100*at/W)
		if at > W*0.75 {
			side = fmt.Sprintf("right:%.2f%%", 100-100*at/W)
		}
		fmt.Fprintf(&labels, `<span class="tl %s" style="%s;top:%dpx" title="%s">%s</span>`, cls, side, line, html.EscapeString(tip), html.EscapeString(text))
	}
	if c.LoopStart > 0 {
		lx := x(c.LoopStart - 1)
		f(`<line class="loop" x1="%.1f" x2="%.1f" y1="%g" y2="%g"/>`, lx, lx, top-4, H)
		label("loop", lx, int(H)-14, fmt.Sprintf("loop from %d", c.LoopStart), fmt.Sprintf("the loop began at message %d", c.LoopStart))
	}
	// Each rule's first firing: a tick and its name; the stop in full ink.
	line := 0
	for _, fr := range c.Rules {
		if fr.At == 0 {
			continue
		}
		fx := x(fr.At)
		cls := "fire"
		if fr.At == c.Stop && strings.HasPrefix(fr.Rule, c.Rule) {
			cls = "fire stop"
		}
		f(`<line class="%s" x1="%.1f" x2="%.1f" y1="0" y2="%g"/>`, cls, fx, fx, H)
		label(cls, fx, 12*(line%2), fmt.Sprintf("%s · %d", fr.Rule, fr.At), fmt.Sprintf("%s alone would stop it after message %d", fr.Rule, fr.At))
		line++
	}
	b.WriteString(`</svg>`)
	return template.HTML(`<div class="timeline">` + b.String() + labels.String() + `</div>`)
}

// costFigure is a cost as one short figure: "$0.016", "unknown".
func costFigure(t pricing.Total) string {
	if t.Reported == 0 && t.Estimated == 0 {
		return t.String()
	}
	return pricing.FormatUSD(t.USD)
}

// costNote says what costFigure leaves out: estimates and unknown messages.
func costNote(t pricing.Total) string {
	var parts []string
	if t.Estimated > 0 {
		parts = append(parts, "partly estimated")
		if t.Reported == 0 {
			parts[0] = "estimated"
		}
	}
	if t.Unknown > 0 && (t.Reported > 0 || t.Estimated > 0) {
		parts = append(parts, fmt.Sprintf("%s of unknown cost", thousands(t.Unknown)+" messages"))
	}
	return strings.Join(parts, ", ")
}

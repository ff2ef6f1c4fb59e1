package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
)

// Markdown writes the report as Markdown: the same figures as the HTML
// page, with each conversation's loop chance as a line of block letters,
// under the comment that marks it as parley's (analysis.ReportHead).
// What it quotes from the transcripts (names, model ids, reasons, a
// provider's error) is shown without the bytes a terminal acts on (see
// controls.Filter), so that `cat report.md` shows it rather than obeys
// it; report.json and the transcripts keep it as written.
func Markdown(w io.Writer, r analysis.Report) error {
	b := bufio.NewWriter(controls.NewFilter(w))
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }

	p("%s", analysis.ReportHead(MarkdownFile))
	p("# Attractor report\n\n")
	p("%s\n\n", summary(r, mdText))

	p("## Terminal states\n\n")
	p("What each conversation fell into once its substance ended.\n\n")
	p("| State | Conversations | Share | What it is |\n|---|---:|---:|---|\n")
	for _, s := range r.States {
		p("| %s | %d | %s | %s |\n", s.State.Title(), s.Count, pct(s.Share), cell(stateMeaning[s.State]))
	}

	p("\n## Matrix: opener × responder\n\n")
	p("Rows open, columns respond. Each cell: the median messages of substance, the dominant terminal state, and the number of conversations.\n\n")
	cells := map[[2]string]*analysis.Pair{}
	for i := range r.Pairs {
		cells[[2]string{r.Pairs[i].Opener, r.Pairs[i].Responder}] = &r.Pairs[i]
	}
	openers, responders := matrixAxes(r)
	p("| opener \\ responder |")
	for _, m := range responders {
		p(" %s |", nameCell(m))
	}
	p("\n|---|")
	for range responders {
		p("---|")
	}
	p("\n")
	for _, o := range openers {
		p("| **%s** |", nameCell(o))
		for _, x := range responders {
			if c := cells[[2]string{o, x}]; c != nil {
				p(" %s · %s (%d) |", median(c.MedianSubstance, c.Conversations, c.CutShort), c.Dominant.Title(), c.Conversations)
			} else {
				p(" |")
			}
		}
		p("\n")
	}

	p("\n## Pairs\n\n")
	p("| Opener | Responder | Conversations | Median substance | Dominant state | States | Spent after the stop | Tokens | Cost |\n")
	p("|---|---|---:|---:|---|---|---:|---:|---|\n")
	for _, c := range r.Pairs {
		var ss []string
		for _, s := range c.States {
			ss = append(ss, fmt.Sprintf("%s %s", s.State.Title(), pct(s.Share)))
		}
		p("| %s | %s | %d | %s | %s | %s | %d | %s | %s |\n", nameCell(c.Opener), nameCell(c.Responder), c.Conversations,
			median(c.MedianSubstance, c.Conversations, c.CutShort), c.Dominant.Title(), cell(strings.Join(ss, ", ")), c.Spent, thousands(c.Tokens), c.Cost)
	}

	// Seats (Claude 1, Claude 2) and names with no model recorded are
	// speakers, as the summary calls them.
	_, whom := who(r)
	one := strings.TrimSuffix(whom, "s")
	p("\n## %s\n\n", title(whom))
	p("How often each %s, in the conversations it took part in, sent the first message of the loop, refused first, and signed off first (the end token or a farewell). Tokens and cost are of its own messages.\n\n", one)
	p("| %s | Conversations | Median substance | First to loop | First to refuse | First to sign off | Tokens | Cost |\n", title(one))
	p("|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, m := range r.PerModel {
		p("| %s | %d | %s | %s | %s | %s | %s | %s |\n", nameCell(m.Model), m.Conversations, median(m.MedianSubstance, m.Conversations, m.CutShort),
			share(m.FirstToLoop, m.Conversations), share(m.FirstToRefuse, m.Conversations), share(m.FirstToSignOff, m.Conversations),
			thousands(m.Tokens), modelCost(m))
	}

	p("\n## Conversations\n\n")
	p("| Transcript | Opener | Responder | Messages | Substance ended | Loop from | State | Spent | Tokens | Cost |\n")
	p("|---|---|---|---:|---|---:|---|---:|---:|---|\n")
	for i := range r.Conversations {
		c := &r.Conversations[i]
		loop := "–"
		if c.LoopStart > 0 {
			loop = fmt.Sprint(c.LoopStart)
		}
		p("| %s | %s | %s | %d | %s | %s | %s | %d | %s | %s |\n", transcriptLink(c), nameCell(c.Opener), nameCell(c.Responder),
			c.Messages, stopText(c), loop, cell(stateText(c)), c.Spent, thousands(c.Tokens), c.Cost)
	}
	for i := range r.Conversations {
		c := &r.Conversations[i]
		p("\n### %s\n\n", mdText(convTitle(c)))
		p("%s · %s%s · %s · %s", transcriptLink(c), plural(c.Messages, "message", "messages"), partialText(c), mdText(stopPhrase(c)), mdText(stateText(c)))
		if c.Stop > 0 {
			p(" · %d spent after", c.Spent)
		}
		p("\n\n")
		p("Loop chance by message (▁ none … █ certain; the threshold is %d%%):\n\n", c.Threshold)
		p("    %s\n\n", sparkline(c))
		p("Each rule alone: %s.\n", mdText(firingsText(c)))
		if c.LoopStart > 0 {
			p("The loop began at message %d", c.LoopStart)
			if c.FirstLoop != "" {
				p(", sent by %s", mdText(isolate(c.FirstLoop)))
			}
			p(".\n")
		}
		if c.Reason != "" {
			p("\n> %s\n", mdText(isolate(strings.ReplaceAll(c.Reason, "\n", " "))))
		}
		if c.CutShort != "" {
			p("\nThe recording says it was %s: %s\n", cutVerb(c), mdText(strings.ReplaceAll(c.CutReason, "\n", " ")))
		}
	}
	return b.Flush()
}

// summary is the report's opening paragraph; esc makes a name or a path
// the transcripts gave safe to show as text (the Markdown's escaping; the
// page's template escapes for itself).
func summary(r analysis.Report, esc func(string) string) string {
	n := len(r.Conversations)
	s := fmt.Sprintf("%s between %s, in %s, judged by %s. Median messages of substance: %s. ",
		plural(n, "conversation", "conversations"), between(r), plural(len(r.Pairs), "pair", "pairs"), esc(r.Policy), median(r.MedianSubstance, len(r.Conversations), r.CutShort))
	if cut := cutShortText(r); cut != "" {
		s += cut + " "
	}
	if left := leftOutText(r, esc); left != "" {
		s += left + " "
	}
	if r.Messages > 0 {
		s += fmt.Sprintf("%s of %s messages (%s) came after the substance ended.", thousandsOrZero(r.Spent), thousandsOrZero(r.Messages), pct(float64(r.Spent)/float64(r.Messages)))
	}
	if r.Tokens > 0 {
		s += fmt.Sprintf(" Tokens: %s.", thousands(r.Tokens))
	}
	s += fmt.Sprintf(" Cost: %s.", r.Cost)
	return s
}

// cutShortText says how many conversations an error or an interruption
// stopped, and how they enter the figures; "" when none did.
func cutShortText(r analysis.Report) string {
	var parts []string
	if r.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%s on an error", plural(r.Failed, "conversation stopped", "conversations stopped")))
	}
	if r.Interrupted > 0 {
		if len(parts) == 0 {
			parts = append(parts, plural(r.Interrupted, "conversation was interrupted", "conversations were interrupted"))
		} else {
			parts = append(parts, fmt.Sprintf("%d %s interrupted", r.Interrupted, pick(r.Interrupted, "was", "were")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	s := phrase.And(parts)
	switch n := r.Failed + r.Interrupted; {
	case r.CutShort == 0:
		s += fmt.Sprintf(", after a rule had stopped %s: %s counted as usual, marked so.", pick(n, "it", "them"), pick(n, "it is", "they are"))
	case r.CutShort == n:
		s += fmt.Sprintf(" before any rule stopped %s: %s shown as failed or interrupted, not healthy, and left out of the medians of substance.", pick(n, "it", "them"), pick(n, "it is", "each is"))
	default:
		s += fmt.Sprintf("; the %d that no rule had stopped before are shown as failed or interrupted, not healthy, and left out of the medians of substance.", r.CutShort)
	}
	return s
}

// leftOutText names the conversations left out of every figure: those
// that hold no message, and those in which no one replied.
func leftOutText(r analysis.Report, esc func(string) string) string {
	names := func(paths []string) string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = esc(p)
		}
		return strings.Join(out, ", ")
	}
	var parts []string
	if e := len(r.Empty); e > 0 {
		parts = append(parts, fmt.Sprintf("%s no message (%s)", plural(e, "conversation holds", "conversations hold"), names(r.Empty)))
	}
	if n := len(r.NoReply); n > 0 {
		parts = append(parts, fmt.Sprintf("%s no reply, nothing beyond the opening or only blank messages (%s)", plural(n, "conversation holds", "conversations hold"), names(r.NoReply)))
	}
	if len(parts) == 0 {
		return ""
	}
	n := len(r.Empty) + len(r.NoReply)
	return fmt.Sprintf("%s; %s left out of every figure.", strings.Join(parts, ", and "), pick(n, "it is", "they are"))
}

// between says who the conversations were between: models where the
// transcripts record one for every speaker ("3 models", or "4 speakers,
// recorded as 2 models" when seats share one), else speakers, with the
// models recorded for some of them.
func between(r analysis.Report) string {
	speakers, models := len(r.Models), len(r.RecordedModels)
	switch {
	case models == 0:
		return plural(speakers, "speaker", "speakers")
	case r.Recorded == speakers && models == speakers:
		return plural(models, "model", "models")
	case r.Recorded == speakers:
		return fmt.Sprintf("%s, recorded as %s", plural(speakers, "speaker", "speakers"), plural(models, "model", "models"))
	}
	return fmt.Sprintf("%s (%d of them recorded as %s)", plural(speakers, "speaker", "speakers"), r.Recorded, plural(models, "model", "models"))
}

// title is word with its first letter in capitals.
func title(word string) string {
	if word == "" {
		return ""
	}
	return strings.ToUpper(word[:1]) + word[1:]
}

// who names the matrix's rows and columns for the page's figure: models
// where the transcripts record one for every speaker and no two share one,
// else speakers.
func who(r analysis.Report) (int, string) {
	if len(r.RecordedModels) > 0 && r.Recorded == len(r.Models) && len(r.RecordedModels) == len(r.Models) {
		return len(r.Models), "models"
	}
	return len(r.Models), "speakers"
}

// stateMeaning says what each state is, for the legends.
var stateMeaning = map[analysis.State]string{
	analysis.Healthy:     "no rule stopped it: substance to the last message",
	analysis.Farewell:    "thanks and goodbyes that keep finding new words",
	analysis.EndEcho:     "the end token traded back and forth, alone or nearly",
	analysis.Refusals:    "one side (or both) keeps declining",
	analysis.Template:    "the same message shape re-sent with its words swapped",
	analysis.Verbatim:    "the same text again, from either side",
	analysis.PingPong:    "single words, symbols or emoji traded",
	analysis.Silence:     "empty messages, ellipses, *silence*",
	analysis.Circling:    "stopped, but no one pattern holds what followed: paraphrase, a mix",
	analysis.Failed:      "an error (a provider's, say) stopped the run before any rule did; its substance enters no median",
	analysis.Interrupted: "interrupted (Ctrl-C, a signal) before any rule stopped it; its substance enters no median",
}

var blocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws loop chance by message, one block letter each, with a
// bar after the message where the substance ended.
func sparkline(c *analysis.Conversation) string {
	var b strings.Builder
	for i, v := range c.Chance {
		b.WriteRune(blocks[min(len(blocks)-1, v*len(blocks)/100)])
		if i+1 == c.Stop && i+1 < len(c.Chance) {
			b.WriteRune('|')
		}
	}
	return b.String()
}

func transcriptLink(c *analysis.Conversation) string {
	if c.Link == "" {
		return cell(c.File)
	}
	return fmt.Sprintf("[%s](%s)", cell(fileName(c)), href(c.Link))
}

// nameCell is a speaker's or a model's name as a table cell, isolated from
// the cells around it (isolate).
func nameCell(s string) string { return cell(isolate(s)) }

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = mdText(s)
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// mdEscaper escapes what Markdown would read as markup in a name or a
// title: emphasis, code, links, HTML and entities.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "&", "&amp;", "#", `\#`)

// mdText is s as Markdown text that shows s as written.
func mdText(s string) string { return mdEscaper.Replace(s) }

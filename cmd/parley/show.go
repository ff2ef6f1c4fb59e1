package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/cmd/parley/tui"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/orchestrator/review"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newShowCmd) }

func newShowCmd() *cobra.Command {
	var policyFile string
	var noTUI bool
	var width int
	c := &cobra.Command{
		Use:   "show TRANSCRIPT",
		Short: "Reopen a recording in the live view, marked where each rule would have fired",
		Long: `Reopen a recording, parley's own or imported (the layouts check reads), in
the live view. It scrolls, marks each message after which a termination
rule would have fired, and says where the whole policy would have stopped
the run and why, beside the stop that was recorded. Beside each speaker
it gives the loop rule's chance that the message belongs to a loop.

The rules are those the recording's last session ran under, as its JSONL
records them (its scenario's, or a resume's --policy and --max-messages), else
parley's default set; --policy FILE judges it under others. Without a
terminal that can draw the view (TERM=dumb cannot), or with --no-tui, it
prints the same as text, with the loop rule's reading of each message in
full: what weighed most towards a loop, or against one when the message
does not count towards a stop.`,
		Args: exactArgs(1, "show takes one transcript, such as transcripts/seed/kimi-k2-vs-grok-4.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := textWidthEnv(cmd); err != nil {
				return usageErr(err)
			}
			rec, loop, err := recordingFor(args[0], policyFile)
			if err != nil {
				return usageErr(err)
			}
			if noTUI || !tui.CanDraw(cmd.OutOrStdout()) {
				printRecording(terminalSafe(cmd.OutOrStdout()), rec, loop)
				return nil
			}
			if err := tui.Show(cmd.Context(), rec, tui.Options{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), TextWidth: textWidthOption(width)}); err != nil {
				return failureErr(err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&policyFile, "policy", "", "judge the recording under the termination rules in this YAML file")
	c.Flags().BoolVar(&noTUI, "no-tui", false, "print the recording and its marks as text")
	width = textWidthDefault()
	c.Flags().Var((*columns)(&width), "text-width", "wrap message text at most this wide; 0 uses the whole window ($PARLEY_TEXT_WIDTH)")
	return c
}

// recordingFor reads a transcript and judges it. It returns the loop
// rule's reading of each message beside the view's recording, which tags
// each speaker with its chance; nil when the rules have no loop rule.
func recordingFor(path, policyFile string) (tui.Recording, []policy.LoopReading, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		var names []string
		for _, ext := range []string{"*.md", "*.jsonl", "*.json"} {
			m, _ := filepath.Glob(filepath.Join(path, ext))
			names = append(names, m...)
		}
		// The example given is a file that reads as a transcript, not
		// merely the first with a transcript's extension.
		i := slices.IndexFunc(names, func(n string) bool {
			ts, _, err := transcripts.ReadAny(n)
			return err == nil && len(ts) > 0
		})
		if i < 0 {
			return tui.Recording{}, nil, fmt.Errorf("%s is a directory with no transcripts in it; show takes one transcript file", path)
		}
		return tui.Recording{}, nil, fmt.Errorf("%s is a directory; show takes one transcript, such as %s (%s there)", path, names[i], phrase.Count(len(names), "file", "files"))
	}
	file, which := transcripts.SplitConversation(path)
	ts, layout, err := transcripts.ReadAny(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return tui.Recording{}, nil, fmt.Errorf("%s does not exist", path)
		}
		if err2 := scenarioNotTranscript(file, err); err2 != err {
			return tui.Recording{}, nil, err2
		}
		if err2 := analysis.LabelNotTranscript(file, err); err2 != err {
			return tui.Recording{}, nil, err2
		}
		if strings.HasPrefix(err.Error(), file) {
			return tui.Recording{}, nil, err // it names the file already
		}
		return tui.Recording{}, nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(ts) == 0 {
		return tui.Recording{}, nil, fmt.Errorf("%s holds no messages to show", path)
	}
	t, err := transcripts.PickConversation(file, which, ts)
	if err != nil {
		return tui.Recording{}, nil, err
	}
	if len(t.Messages) == 0 {
		return tui.Recording{}, nil, emptyConversation(path, file, which, ts)
	}
	if (t.Run == nil || layout == transcripts.LayoutMarkdown) && strings.HasSuffix(file, ".md") {
		// parley's Markdown has its JSONL beside it, with the scenario and
		// the stop (a fork's Markdown names only its parent).
		if j, err := transcripts.Read(strings.TrimSuffix(file, ".md") + ".jsonl"); err == nil {
			t.Run = j.Run
		}
	}
	newPolicy, under, unread, err := showPolicy(t, policyFile)
	if err != nil {
		return tui.Recording{}, nil, err
	}
	// Judged as the live run judged it: a seat a fork handed to another
	// model owns what it spoke under its former name.
	r := review.Judge(newPolicy, t.Run.Seated(t.Messages))
	rec := tui.Recording{Title: t.Title, Messages: t.Messages, Marks: map[int][]string{}, Progress: r.Progress,
		Started: t.Started, Ended: t.Ended}
	if rec.Title == "" {
		rec.Title = filepath.Base(path)
	}
	sp := t.Speakers()
	for i := 0; i < len(sp) && i < 2; i++ {
		rec.Speakers[i] = sp[i]
	}
	for _, mk := range r.Marks {
		rec.Marks[mk.At] = append(rec.Marks[mk.At], fmt.Sprintf("%s would fire here: %s", mk.Policy, mk.Reason))
	}
	if r.Loop != nil {
		// One for each message judged: an interrupted last one has none.
		rec.Tags = map[int]string{}
		for i, rd := range r.Loop {
			if t.Messages[i].Origin != transcripts.OriginModerator {
				rec.Tags[i+1] = fmt.Sprintf("loop %d%%", policy.Percent(rd.Chance))
			}
		}
	}
	for _, w := range t.ReaderWarnings() {
		rec.Banner = append(rec.Banner, "▲ "+w)
	}
	// The messages counted, as check counts them: those a live run's
	// policy judged, an interrupted last one left out, and said so.
	judged, partial := transcripts.Judged(t.Messages)
	if partial > 0 {
		rec.Banner = append(rec.Banner, "▲ "+transcripts.PartialLeftOut(len(judged)))
	}
	if len(ts) > 1 && which == 1 && file == path {
		rec.Banner = append(rec.Banner, fmt.Sprintf("▲ %s holds %d conversations; this is the first (show %s#2 for the second, as check names them)", file, len(ts), file))
	}
	rec.Stop = transcripts.Stop{At: len(judged), Kind: "end of the recording", Reason: "the recording ends here"}
	if t.Run != nil && t.Run.Stop != nil {
		rec.Stop = *t.Run.Stop
		rec.Banner = append(rec.Banner, fmt.Sprintf("■ Recorded: stopped after message %d by %s: %s", rec.Stop.At, orchestrator.StopName(rec.Stop), rec.Stop.Reason))
	} else {
		rec.Banner = append(rec.Banner, fmt.Sprintf("■ Recorded: %s%s, no stop recorded", phrase.Count(len(judged), "message", "messages"), moderatorNotes(judged)))
	}
	if r.StopAt > 0 {
		line := fmt.Sprintf("◆ Under %s it would stop after message %d by %s: %s", under, r.StopAt, r.Stop.Policy, r.Stop.Reason)
		if saved := analysis.Spoken(judged) - r.StopAt; saved > 0 {
			line += fmt.Sprintf(" (saving %s)", phrase.Count(saved, "message", "messages"))
		}
		rec.Banner = append(rec.Banner, line)
	} else {
		rec.Banner = append(rec.Banner, fmt.Sprintf("◆ Under %s nothing would stop it", under))
	}
	if policyFile == "" && under != defaultRules && under != scenarioDefault {
		// check and report judge a recording under the default set
		// unless told otherwise: where that stops it elsewhere, say so,
		// so the two readings of one transcript are not taken for one.
		d := review.Judge(policy.Default, t.Run.Seated(t.Messages))
		switch {
		case d.StopAt == r.StopAt:
		case d.StopAt > 0:
			rec.Banner = append(rec.Banner, fmt.Sprintf("◆ Under the default rules, which check and report use unless given --policy, it would stop after message %d by %s", d.StopAt, d.Stop.Policy))
		default:
			rec.Banner = append(rec.Banner, "◆ Under the default rules, which check and report use unless given --policy, nothing would stop it")
		}
	}
	if unread != "" {
		rec.Banner = append(rec.Banner, "◆ "+unread)
	}
	rec.Banner = append(rec.Banner, "From "+path)
	return rec, r.Loop, nil
}

// moderatorNotes says how many of msgs are moderator notes, which the
// budgets and the status line's count leave out, so that the two counts
// are not taken for one; "" when there are none.
func moderatorNotes(msgs []transcripts.Message) string {
	n := 0
	for _, m := range msgs {
		if m.Origin == transcripts.OriginModerator {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s, which budgets do not count)", phrase.Count(n, "of them a moderator note", "of them moderator notes"))
}

// emptyConversation says that conversation which of file, given as path,
// holds no messages, and names one of the file's others that does, as
// check names them: an export's first conversation may be empty where
// the rest are not.
func emptyConversation(path, file string, which int, ts []*transcripts.Transcript) error {
	if len(ts) < 2 {
		return fmt.Errorf("%s holds no messages to show", path)
	}
	// The first with messages after it, else the first before it.
	next := 0
	for j, t := range ts {
		if len(t.Messages) > 0 && (next == 0 || next < which && j+1 > which) {
			next = j + 1
		}
	}
	what := fmt.Sprintf("%s#%d holds no messages to show", file, which)
	if path == file {
		what = fmt.Sprintf("%s holds %d conversations, and the first, %s#1, has no messages to show", file, len(ts), file)
	} else {
		what += fmt.Sprintf(" (%s holds %d conversations)", file, len(ts))
	}
	if next == 0 {
		return fmt.Errorf("%s; none of its %d conversations has any", what, len(ts))
	}
	return fmt.Errorf("%s; show %s#%d, which has %s, as check names them", what, file, next, phrase.Count(len(ts[next-1].Messages), "message", "messages"))
}

// defaultRules names the default set in show's banner; scenarioDefault
// names it as the rules of a recording whose scenario has no termination:
// block, which ran under it.
const (
	defaultRules    = "the default rules"
	scenarioDefault = defaultRules + " (its scenario names no rules, so it ran under them)"
)

// showPolicy picks the rules to judge a recording under, and names them.
// When the rules its last session ran under cannot be read again, it
// judges under the default set and unread says why, for the banner.
func showPolicy(t *transcripts.Transcript, policyFile string) (rules func() policy.Policy, under, unread string, err error) {
	if policyFile != "" {
		if _, err := configs.LoadPolicy(policyFile); err != nil {
			return nil, "", "", err
		}
		return func() policy.Policy { p, _ := configs.LoadPolicy(policyFile); return p }, policyFile, "", nil
	}
	if t.Run == nil {
		return policy.Default, defaultRules, "", nil
	}
	// The rules the last session ran under, as its run line records
	// them: a resume's --policy FILE, else the scenario's, and a resume's
	// --max-messages over them.
	rules, under = policy.Default, defaultRules
	if r := t.Run; r.Termination != "" {
		p, err := configs.ParsePolicy(r.TerminationPath, []byte(r.Termination))
		switch {
		case err != nil:
			unread = fmt.Sprintf("The rules its last session ran under (--policy %s) cannot be read here (%v), so it is judged under the default rules", r.TerminationPath, err)
		case p != nil:
			rules = func() policy.Policy { p, _ := configs.ParsePolicy(r.TerminationPath, []byte(r.Termination)); return p }
			under = "the rules its last session ran under (--policy " + r.TerminationPath + ")"
		}
	} else if r.Scenario != "" {
		// A loop rule's model: file is looked for beside the scenario's
		// file, as the run looked for it, wherever show runs from.
		dir := ""
		if r.ScenarioPath != "" {
			dir = filepath.Dir(r.ScenarioPath)
		}
		p, err := policy.ParseScenarioFrom([]byte(r.Scenario), dir)
		switch {
		case err != nil:
			from := ""
			if r.ScenarioPath != "" {
				from = " (" + r.ScenarioPath + ")"
			}
			unread = fmt.Sprintf("Its scenario's rules%s cannot be read here (%v), so it is judged under the default rules", from, err)
		case p != nil:
			rules, under = func() policy.Policy { p, _ := policy.ParseScenarioFrom([]byte(r.Scenario), dir); return p }, "its scenario's rules"
		default:
			// No termination: block: the run was under the default set.
			under = scenarioDefault
		}
	}
	if n := t.Run.MaxMessages; n > 0 {
		base := rules
		rules = func() policy.Policy { return withMaxMessages(base(), n) }
		budget := fmt.Sprintf(" with --max-messages %d, as its last session ran", n)
		if under == scenarioDefault {
			under = defaultRules + budget + " (its scenario names no rules)"
		} else {
			under += budget
		}
	}
	return rules, under, unread, nil
}

// printRecording is show without the live view: the transcript's own layout
// with, after each message, the loop rule's reading of it and the marks,
// then the banner.
func printRecording(w io.Writer, rec tui.Recording, loop []policy.LoopReading) {
	fmt.Fprintf(w, "# %s\n\n", rec.Title)
	spoken := 0
	for i, m := range rec.Messages {
		transcripts.AppendMarkdownMessage(w, m)
		if i < len(loop) && m.Origin != transcripts.OriginModerator {
			spoken++
			if spoken == 1 && !loop[i].Counts {
				// Its signals compare it with messages before it, and there are none.
				fmt.Fprintf(w, "◇ message %d is %d%% likely to belong to a loop: it is the first, with nothing before it to repeat\n\n", i+1, policy.Percent(loop[i].Chance))
			} else {
				fmt.Fprintf(w, "◇ %s\n\n", describeReading(i+1, loop[i]))
			}
		}
		for _, mk := range rec.Marks[i+1] {
			fmt.Fprintf(w, "◆ after message %d, %s\n\n", i+1, mk)
		}
	}
	for _, l := range rec.Banner {
		fmt.Fprintln(w, l)
	}
	if len(rec.Progress) > 0 {
		fmt.Fprintln(w, "policies:", policy.FormatProgress(rec.Progress))
	}
}

// describeReading says how the loop rule read message n: its chance, and
// what weighed most towards a loop when the message counts towards a
// stop, else that and what weighed against one.
func describeReading(n int, r policy.LoopReading) string {
	if r.Counts {
		return fmt.Sprintf("message %d looks like a loop (%d%%): %s", n, policy.Percent(r.Chance), r.For)
	}
	var why []string
	if r.For != "" {
		why = append(why, "towards one, "+r.For)
	}
	if r.Against != "" {
		why = append(why, "against one, "+r.Against)
	}
	s := fmt.Sprintf("message %d is %d%% likely to belong to a loop", n, policy.Percent(r.Chance))
	if len(why) > 0 {
		s += ": " + strings.Join(why, "; ")
	}
	return s
}

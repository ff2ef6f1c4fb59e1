package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/atomicfile"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newResumeCmd, newExportCmd) }

func newResumeCmd() *cobra.Command {
	var (
		f           runFlags
		scenario    string
		maxMessages int
		policyFile  string
	)
	c := &cobra.Command{
		Use:   "resume TRANSCRIPT",
		Short: "Continue a stopped, interrupted or crashed conversation from its last completed message",
		Long: `resume continues a recorded conversation in the same transcript files. It
uses the scenario recorded in the JSONL sidecar, or the one given with
--scenario. The termination policies see the whole conversation, so a run
that a budget stopped needs --max-messages or --policy to go further; the
resumed session's run line records them, and a later resume continues
under them. A conversation its rules still end, that the judge stopped,
or whose replayed or scripted side ran out is refused, and its files are
left as they were.`,
		Args: exactArgs(1, "resume takes one transcript, NAME.jsonl or NAME.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("max-messages") && maxMessages < 1 {
				return usageErr(fmt.Errorf("--max-messages %d: give the conversation's new limit, a number of messages above the ones it holds", maxMessages))
			}
			jsonl := sidecar(args[0])
			ask := resumeAsk{scenario: scenario, policyFile: policyFile, maxMessages: maxMessages}
			if cmd.Flags().Changed("out") {
				return usageErr(resumeElsewhere(args[0], jsonl, f.out, ask))
			}
			// Whether the conversation may go on is judged on a read of
			// the files, before opening them to write: opening readies
			// them (it cuts a torn line, rewrites the Markdown's header),
			// and a refused resume leaves them exactly as they were.
			if t, err := transcripts.Read(jsonl); err == nil {
				s, res, err := resumeSetup(t, jsonl, scenario, policyFile, maxMessages)
				if err != nil {
					return usageErr(err)
				}
				msgs := t.Messages
				if n := len(msgs); n > 0 && msgs[n-1].Partial {
					msgs = msgs[:n-1] // resume speaks it again
				}
				if err := stillEnded(s, res, t, msgs, jsonl, ask); err != nil {
					return usageErr(err)
				}
				if err := stillStopped(s, res, msgs, jsonl); err != nil {
					return usageErr(err)
				}
				// A key not set, or a recording a replay cannot use,
				// would refuse it once the files were opened.
				if err := stageable(s, res); err != nil {
					return err
				}
			}
			rec, t, err := transcripts.Open(jsonl)
			if err != nil {
				if other := forkInstead(args[0], ""); other != nil {
					return usageErr(other)
				}
				if errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("%s does not exist; resume needs the JSONL sidecar parley recorded beside the Markdown", jsonl))
				}
				if _, busy := errors.AsType[*transcripts.LockedError](err); busy {
					return failureErr(err) // a state of the machine, not a mistake in the command
				}
				return usageErr(fmt.Errorf("cannot resume %s: %w", jsonl, err))
			}
			for _, w := range t.Run.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", jsonl, w)
			}
			s, res, err := resumeSetup(t, jsonl, scenario, policyFile, maxMessages)
			if err != nil {
				rec.Close()
				return usageErr(err)
			}
			res.recording = rec
			// Judged again as opened: another process may have written
			// since the read above.
			if err := stillEnded(s, res, t, rec.Messages(), jsonl, ask); err != nil {
				rec.Close()
				return usageErr(err)
			}
			if err := stillStopped(s, res, rec.Messages(), jsonl); err != nil {
				rec.Close()
				return usageErr(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "parley: resuming %s after message %d\n", jsonl, len(rec.Messages()))
			_, err = stage(cmd.Context(), cmd, s, f, res, nil)
			return err
		},
	}
	f.register(c)
	// A resume continues the recording in its own files: --out, which
	// names where a new transcript goes, is not listed, and refused.
	c.Flags().MarkHidden("out")
	c.Flags().StringVar(&scenario, "scenario", "", "run under this scenario instead of the one recorded in the JSONL")
	c.Flags().IntVar(&maxMessages, "max-messages", 0, "raise (or set) the max_messages budget, to extend a conversation a budget stopped; it counts the whole conversation, not the messages to add")
	c.Flags().StringVar(&policyFile, "policy", "", "a YAML file with the termination policies to continue under")
	return c
}

// resumeElsewhere is the sentence that refuses resume --out DIR: a resume
// continues the recording in its own files, and a fork continues it
// elsewhere, after its last completed message. The fork it names is one
// fork accepts, carrying what the resume was asked for (forkCarrying). A
// transcript that cannot be read is told so first, as resume would tell
// it.
func resumeElsewhere(in, jsonl, dir string, ask resumeAsk) error {
	t, err := transcripts.Read(jsonl)
	if err != nil {
		if other := forkInstead(in, dir); other != nil {
			return other
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist; resume needs the JSONL sidecar parley recorded beside the Markdown", jsonl)
		}
		return fmt.Errorf("cannot resume %s: %w", jsonl, err)
	}
	refusal := fmt.Sprintf("resume continues %s in its own files, in the folder they are in, and takes no --out", jsonl)
	n := len(completed(t))
	if n == 0 {
		what := "SCENARIO"
		if ask.scenario != "" {
			what = phrase.ShellWord(ask.scenario)
		}
		return fmt.Errorf("%s; it holds no completed message to fork after, so to begin it again in another folder, run its scenario: parley run %s --out %s",
			refusal, what, phrase.ShellWord(dir))
	}
	return errors.New(forkCarrying(refusal, "to continue it as a new transcript in another folder", t, jsonl, n, ask, "--out", phrase.ShellWord(dir)))
}

// resumeAsk is what resume was asked to continue under, as given: its
// --scenario, --policy and --max-messages ("" and 0 when not given).
type resumeAsk struct {
	scenario, policyFile string
	maxMessages          int
}

// forkCarrying is refusal, a sentence of resume's that will not continue
// jsonl in its own files, followed by how to continue it as a new
// transcript after its completed message n (to says to what end, such as
// "to continue it with a model in that seat"): a fork fork accepts, with
// flags after --at N, carrying what the resume was asked for. Fork takes
// neither --max-messages nor --policy, so a new limit or rules go in a
// copy of the scenario given with --scenario FILE, whose max_messages is
// to be above n where --max-messages would add nothing; without either,
// it is forkAfter's fork, under resume's --scenario.
func forkCarrying(refusal, to string, t *transcripts.Transcript, jsonl string, n int, ask resumeAsk, flags ...string) string {
	its := "its scenario"
	if ask.scenario != "" {
		its = ask.scenario
	}
	fork := forkCommand(jsonl, n, "FILE", flags...)
	if ask.maxMessages > 0 && ask.maxMessages <= n {
		return fmt.Sprintf("%s, and --max-messages %d would add nothing to its %s, as it counts the whole conversation; %s, fork it with a copy of %s whose max_messages is above %d: %s",
			refusal, ask.maxMessages, phrase.Count(n, "message", "messages"), to, its, n, fork)
	}
	if ask.maxMessages > 0 || ask.policyFile != "" {
		var under, sets []string
		if ask.policyFile != "" {
			under, sets = append(under, "the rules of "+ask.policyFile), append(sets, "holds those rules")
		}
		if ask.maxMessages > 0 {
			under = append(under, fmt.Sprintf("max_messages: %d", ask.maxMessages))
			sets = append(sets, fmt.Sprintf("sets max_messages: %d", ask.maxMessages))
		}
		return fmt.Sprintf("%s; %s under %s, fork it with a copy of %s whose termination: %s (fork takes neither --max-messages nor --policy): %s",
			refusal, to, phrase.And(under), its, phrase.And(sets), fork)
	}
	return fmt.Sprintf("%s; %s, %s", refusal, to, forkAfter(t, jsonl, ask.scenario, n, flags...))
}

// completed is the messages of t a fork can keep: an interrupted message
// is no fork point, as fork counts them.
func completed(t *transcripts.Transcript) []transcripts.Message {
	return slices.DeleteFunc(slices.Clone(t.Messages), func(m transcripts.Message) bool { return m.Partial })
}

// forkCommand is the fork of jsonl after its message n, under the
// scenario word given with --scenario (none: the recorded one), with
// flags after it, each a word as the shell reads it.
func forkCommand(jsonl string, n int, scenarioWord string, flags ...string) string {
	words := []string{"parley fork", phrase.ShellWord(jsonl), "--at", strconv.Itoa(n)}
	if scenarioWord != "" {
		words = append(words, "--scenario", scenarioWord)
	}
	return strings.Join(append(words, flags...), " ")
}

// forkAfter is how resume's refusals tell to continue jsonl as a new
// transcript after its completed message n: "fork it: parley fork …",
// naming a fork that fork accepts, with flags (an --agent, an --out) after
// --at N. The fork runs under scenario (--scenario), or the recorded one;
// where the recording cannot give that again, or where its max_messages
// budget is already reached at n (fork refuses a fork that would add
// nothing), the fork names a --scenario FILE, and the sentence what the
// file is to hold.
func forkAfter(t *transcripts.Transcript, jsonl, scenario string, n int, flags ...string) string {
	its, word := "its scenario", ""
	var s *configs.Scenario
	var err error
	if scenario != "" {
		its, word = scenario, phrase.ShellWord(scenario)
		s, err = configs.Load(scenario)
	} else {
		rec, recErr := recordedScenario(t.Run, jsonl)
		if recErr != nil {
			return "fork it with the scenario to continue under, which the recording cannot give again: " + forkCommand(jsonl, n, "FILE", flags...)
		}
		s, err = rec.seated(nil)
	}
	if err == nil {
		if p, err := s.Policy(); err == nil {
			kept := completed(t)
			if pr, ok := budgetReached(p.Check(kept[:min(n, len(kept))]), "max_messages"); ok {
				return fmt.Sprintf("fork it with a copy of %s whose max_messages is above %d, as its budget of %s counts the whole conversation and is reached (fork takes no --max-messages): %s",
					its, n, phrase.Count(pr.Limit, "message", "messages"), forkCommand(jsonl, n, "FILE", flags...))
			}
		}
	}
	return "fork it: " + forkCommand(jsonl, n, word, flags...)
}

// resumeSetup reads the scenario a recording continues under (the one it
// records, or --scenario) and the rules --policy or --max-messages give it.
func resumeSetup(t *transcripts.Transcript, jsonl, scenario, policyFile string, maxMessages int) (*configs.Scenario, *resumption, error) {
	var s *configs.Scenario
	var err error
	if scenario != "" {
		s, err = configs.Load(scenario)
	} else {
		var rec recordedYAML
		if rec, err = recordedScenario(t.Run, jsonl); err == nil {
			s, err = rec.seated(nil)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if scenario != "" {
		if err := sameSeats(s, t, jsonl); err != nil {
			return nil, nil, err
		}
	}
	res := &resumption{started: t.Started, session: t.Run.Resumes + 1, maxMessages: maxMessages}
	res.agents, res.forkedAt = orchestrator.RecordedSeats(t.Run)
	if policyFile == "" && scenario == "" {
		// Continue under the rules the last session ran under, as its
		// run line records them, not the scenario's alone; a new
		// --max-messages is set over them, in place of its budget.
		if maxMessages == 0 {
			res.maxMessages, res.maxRecorded = t.Run.MaxMessages, t.Run.MaxMessages > 0
		}
		if t.Run.Termination != "" {
			if policyFile, err = recordedTermination(t.Run, jsonl); err != nil {
				return nil, nil, err
			}
		}
	}
	if policyFile != "" {
		n, err := configs.LoadPolicyNode(policyFile)
		if err != nil {
			return nil, nil, err
		}
		data, err := os.ReadFile(policyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the policy file: %w", err)
		}
		res.termination, res.terminationRedacted = configs.RedactSource(string(data))
		res.terminationPath = recordedFile(policyFile)
		res.rulesFile, res.rules = policyFile, n
		// Rules of their own each time: a judge keeps what it has
		// judged, and the run connects its judges to their models.
		res.policy = func(policy.Policy) policy.Policy {
			p, _ := policy.Parse(n) // checked by LoadPolicyNode: cannot fail
			return p
		}
	}
	if n := res.maxMessages; n > 0 {
		base := res.policy
		res.policy = func(p policy.Policy) policy.Policy {
			if base != nil {
				p = base(p)
			}
			return withMaxMessages(p, n)
		}
	}
	return s, res, nil
}

// judgeKeys refuses a resume whose --policy file (given, or the one its
// last session recorded) holds a judge whose API key is not set, as
// stageable refuses a scenario's, before anything is written: the run
// would stop at the judge's first question.
func (r *resumption) judgeKeys() error {
	if r == nil || r.rules == nil {
		return nil
	}
	if probs := configs.PolicyKeyProblems(r.rulesFile, r.rules, nil); len(probs) > 0 {
		return usageErr(probs)
	}
	return nil
}

// sameSeats refuses a scenario (resume --scenario) that seats an agent
// under a name the recording's seats do not have, neither as its name nor
// among its formerly: names: it would speak beside the recorded seat's
// messages as a third speaker, seeing them as the other side's. Handing a
// seat to another model is what fork --agent does.
func sameSeats(s *configs.Scenario, t *transcripts.Transcript, jsonl string) error {
	if t.Run == nil || len(t.Run.Agents) == 0 {
		return nil
	}
	var recorded, named []string
	for _, a := range t.Run.Agents {
		recorded, named = append(recorded, a.Name), append(named, strconv.Quote(a.Name))
	}
	for _, a := range s.Agents {
		if slices.Contains(recorded, a.Name) || slices.ContainsFunc(a.Formerly, func(f string) bool { return slices.Contains(recorded, f) }) {
			continue
		}
		refusal := fmt.Sprintf("%s seats agent %q, and %s was recorded with %s; resume continues the recorded seats: name the agent as its seat was named (or list that name under formerly:)",
			s.Path, a.Name, jsonl, phrase.And(named))
		n := len(completed(t))
		if n == 0 {
			return errors.New(refusal) // no message to fork after, nor a seat's to hand over
		}
		return fmt.Errorf("%s, or, to hand the seat to another model as a new transcript, %s",
			refusal, forkAfter(t, jsonl, "", n, "--agent", "'SEAT=PROVIDER:MODEL'"))
	}
	return nil
}

// recordedTermination is the file of the rules a recording's last session
// ran under (--policy FILE), to continue under them: the file it records,
// as long as it still holds the rules recorded.
func recordedTermination(run *transcripts.Run, name string) (string, error) {
	path := run.TerminationPath
	src, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s ran its last session under the rules of %s (--policy), and %w; give the rules to continue under with --policy FILE", name, path, err)
	}
	if again, _ := configs.RedactSource(string(src)); again != run.Termination {
		return "", fmt.Errorf("%s has changed since %s ran its last session under it (--policy); give the rules to continue under with --policy FILE", path, name)
	}
	return path, nil
}

// recordedFile is a file's path as a recording names it: absolute, so it
// is found from any folder.
func recordedFile(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// recordedScenario is the scenario a recording ran under, as resume and
// fork continue it: the YAML the JSONL records, or, when that hides the
// scenario's secrets (a URL's password, a header's value), the file
// itself, as long as it still holds the same scenario, with the seats
// the forks before the recording handed over (fork --agent, its
// Handovers) handed over again as they were. A recording names the file
// by its absolute path, so it is found from any folder; an older one by
// the path it was given, read from the working folder as it always was.
// What is said of the scenario names the file's lines only while the file
// holds it (see recordedInFull). name is the recording, for sentences.
func recordedScenario(run *transcripts.Run, name string) (recordedYAML, error) {
	switch {
	case run == nil || run.Scenario == "":
		return recordedYAML{}, fmt.Errorf("%s records no scenario; give one with --scenario", name)
	case !run.ScenarioRedacted:
		return recordedInFull(run), nil
	}
	// Sending REDACTED as the credentials would fail, or worse, be taken:
	// run it from its file.
	if where := unreadable(run.ScenarioPath); where != "" {
		return recordedYAML{}, fmt.Errorf("%s was staged from a scenario read from %s, which it records with its secrets hidden, so the scenario cannot be read again; save it to a file and give it with --scenario FILE", name, where)
	}
	for _, h := range run.Handovers {
		if h.Hidden {
			return recordedYAML{}, fmt.Errorf("%s records its scenario with its secrets hidden, and a fork handed a seat over with %s, which held a secret no recording keeps, so the scenario cannot be read again; save it, with the seat's settings and secrets, to a file and give it with --scenario FILE",
				name, phrase.And(configs.HandoverWords(h)))
		}
	}
	path := run.ScenarioPath
	src, err := configs.ReadFile(path)
	if err != nil {
		return recordedYAML{}, fmt.Errorf("%s records its scenario with its secrets hidden, and %w; give the scenario with --scenario", name, err)
	}
	handed, err := configs.Handed(src, run.Handovers)
	if again, _ := configs.RedactSource(string(handed)); err != nil || again != run.Scenario {
		if fi, err := os.Stat(path); err == nil && !run.Started.IsZero() && fi.ModTime().Before(run.Started) && len(run.Handovers) == 0 {
			// The file is as it was when the run began: the run changed
			// it with --set, whose values the recording keeps hidden.
			return recordedYAML{}, fmt.Errorf("%s records its scenario with its secrets hidden, and it is not %s as written, which has not changed since the run began: the run changed it with --set, and a value it set holds a secret; save the scenario with the values the run set to a file and give it with --scenario FILE", name, path)
		}
		var with string
		if len(run.Handovers) > 0 {
			var words []string
			for _, h := range run.Handovers {
				words = append(words, configs.HandoverWords(h)...)
			}
			with = fmt.Sprintf(" and with the %s %s handed over", phrase.Noun(len(words), "seat", "seats"), phrase.And(words))
		}
		return recordedYAML{}, fmt.Errorf("%s has changed since %s was recorded, which keeps it with its secrets hidden%s; give the scenario to continue under with --scenario", path, name, with)
	}
	return recordedYAML{path: path, src: src, prior: run.Handovers}, nil
}

// recordedInFull is the scenario of run, a recording that holds it in
// full, as recordedScenario reads it again: from its file, with the
// forks' seats handed over again, where the file still holds it (for
// sentences at the file's lines), else as the recording holds it, its
// sentences naming the file without lines: the YAML the recording holds
// is not what the file holds now (edited, or gone), or never was (a fork
// wrote the seats it handed over into it).
func recordedInFull(run *transcripts.Run) recordedYAML {
	path := run.ScenarioPath
	recorded := recordedYAML{path: path, src: []byte(run.Scenario), prior: run.Handovers, recorded: true}
	if unreadable(path) != "" {
		// Read from standard input or flags, as the recording holds
		// it, which is no file's once a fork handed a seat over.
		recorded.recorded = len(run.Handovers) > 0
		return recorded
	}
	for _, h := range run.Handovers {
		if h.Hidden {
			return recorded // its secret is in the recording alone
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return recorded
	}
	if handed, err := configs.Handed(src, run.Handovers); err != nil || string(handed) != run.Scenario {
		return recorded
	}
	return recordedYAML{path: path, src: src, prior: run.Handovers}
}

// recordedYAML is a recorded scenario as recordedScenario reads it again:
// the YAML of path, src, which the --agent values of prior, each a fork's,
// are still to be given, as each fork gave them; or, recorded, the YAML
// the recording holds, which they were given already, and which is not
// what path holds.
type recordedYAML struct {
	path     string
	src      []byte
	prior    []transcripts.Handover
	recorded bool
}

// seated is the recorded scenario with the seats values (a fork's --agent
// values, as typed) name handed over, as configs.Seated hands them; with
// none, the scenario the recording ran under. Its Handovers are every
// fork's, the recording's and values'.
func (r recordedYAML) seated(values []string) (*configs.Scenario, error) {
	if r.recorded {
		return configs.SeatedRecorded(r.path, r.src, r.prior, values)
	}
	return configs.Reseated(r.path, r.src, r.prior, values)
}

// budgetReached returns the progress of v's budget rule that is at or
// past its limit (the last, when several are), if any is.
func budgetReached(v policy.Verdict, rule string) (reached policy.Progress, ok bool) {
	for _, pr := range v.Progress {
		if pr.Policy == rule && pr.Count >= pr.Limit {
			reached, ok = pr, true
		}
	}
	return reached, ok
}

// stillStopped refuses to resume a conversation its policy (the
// scenario's, as --max-messages or --policy change it) already ends:
// resuming it would only record the same stop again.
func stillStopped(s *configs.Scenario, res *resumption, msgs []transcripts.Message, jsonl string) error {
	maxMessages := res.maxMessages
	p, err := s.Policy()
	if err != nil {
		return nil // the run itself reports a bad policy
	}
	if res.policy != nil {
		p = res.policy(p)
	}
	// Judged as the resumed run will judge it: a seat a fork handed to
	// another model owns what it spoke under its former name.
	msgs = seatedBy(s, msgs)
	v := p.Check(msgs)
	if !v.Stop {
		return nil
	}
	if !policy.Ends(v, msgs) {
		// A fork resumed before its first message of its own: the rules
		// its kept messages fire do not end it, but a max_messages they
		// reach does.
		if _, ok := budgetReached(v, "max_messages"); !ok {
			return nil
		}
		v.Policy = "max_messages"
	}
	n := len(msgs)
	other := "other rules with --policy FILE"
	if res.terminationPath != "" {
		// The rules it would run under are a policy file's already.
		other = fmt.Sprintf("rules with --policy FILE other than those of %s, which stop it", res.terminationPath)
	}
	if v.Policy == "max_messages" {
		// Only the budget can be raised from the command line. It
		// counts the whole conversation, not the messages to add.
		limit := n
		if pr, ok := budgetReached(v, "max_messages"); ok {
			n, limit = pr.Count, pr.Limit
		}
		given := "its max_messages budget of " + phrase.Count(limit, "message", "messages")
		switch {
		case maxMessages > 0 && res.maxRecorded:
			given = fmt.Sprintf("the budget of %s an earlier resume set (--max-messages %d)", phrase.Count(limit, "message", "messages"), maxMessages)
		case maxMessages > 0:
			// The budget given stops it, whatever the rules: raising it
			// is the way on.
			given, other = fmt.Sprintf("--max-messages %d", maxMessages), ""
		}
		if other != "" {
			other = ", or " + other
		}
		return fmt.Errorf("%s is finished: it holds %s, and %s counts the whole conversation, not the messages to add; to continue it, give --max-messages above %d (such as %d for 10 more)%s",
			jsonl, phrase.Count(n, "message", "messages"), given, n, n+10, other)
	}
	return fmt.Errorf("%s is finished: %s stops it at message %d (%s); to continue it, give %s",
		jsonl, v.Policy, n, v.Reason, other)
}

// seatedBy is msgs with each message a seat of s spoke under a former
// name (its formerly:) named by the seat, as a run of s names it.
func seatedBy(s *configs.Scenario, msgs []transcripts.Message) []transcripts.Message {
	run := &transcripts.Run{}
	for _, a := range s.Agents {
		run.Agents = append(run.Agents, transcripts.AgentInfo{Name: a.Name, Formerly: a.Formerly})
	}
	return run.Seated(msgs)
}

// stillEnded refuses to resume a conversation whose recorded stop would
// only be recorded again, though no rule checked offline says so: a
// judge's STOP, when the rules continued under still hold a judge (asking
// it again is a paid call for the same ruling), and a replayed or scripted
// side that ran out of lines, when it is still the side to speak. The
// fork it names for that side carries what resume was asked for (ask),
// as resume --out's does.
func stillEnded(s *configs.Scenario, res *resumption, t *transcripts.Transcript, msgs []transcripts.Message, jsonl string, ask resumeAsk) error {
	if t.Run == nil || t.Run.Stop == nil || t.Run.Stop.At != len(msgs) {
		return nil // messages came after the stop, or none was recorded
	}
	st := *t.Run.Stop
	switch {
	case st.Kind == transcripts.StopPolicy && st.Policy == "judge":
		p, err := s.Policy()
		if err != nil {
			return nil // the run itself reports a bad policy
		}
		if res.policy != nil {
			p = res.policy(p)
		}
		judged := false
		policy.Walk(p, func(q policy.Policy) {
			if _, ok := q.(*policy.Judge); ok {
				judged = true
			}
		})
		if !judged {
			return nil
		}
		return fmt.Errorf("%s is finished: the judge stopped it at message %d (%s), and asking it again would cost a call for the same ruling; to continue it, give rules without the judge with --policy FILE",
			jsonl, st.At, st.Reason)
	case st.Kind == transcripts.StopExhausted:
		last := orchestrator.LastSpeaker(msgs)
		for _, a := range s.Agents {
			if a.Name == last || slices.Contains(a.Formerly, last) || (a.Type != configs.TypeReplay && a.Type != configs.TypeScripted) {
				continue
			}
			// A recording it cannot replay is the run's to report.
			if left, err := orchestrator.LinesLeft(s, &a, msgs, t.Run); err != nil || left > 0 {
				continue // --scenario gave it more lines
			}
			seat := phrase.ShellWord(a.Name + "=PROVIDER:MODEL")
			if !strings.HasPrefix(seat, "'") {
				seat = "'" + seat + "'" // as fork's own examples quote it
			}
			refusal := fmt.Sprintf("%s is finished: %s has no lines left to say after message %d, and it speaks next", jsonl, a.Name, st.At)
			return errors.New(forkCarrying(refusal, "to continue it with a model in that seat", t, jsonl, st.At, ask, "--agent", seat))
		}
	}
	return nil
}

// forkInstead says how to continue in, a transcript resume cannot
// continue in place because parley did not record it (another tool's
// layout, or a Markdown whose JSONL is gone): fork it into a new
// transcript. nil when in is no transcript another command could read,
// or is one of parley's JSONL transcripts.
func forkInstead(in, out string) error {
	if _, err := os.Stat(sidecar(in)); err == nil && sidecar(in) != in {
		return nil // its JSONL is there: Open says what is wrong with it
	}
	if data, err := os.ReadFile(in); err != nil || transcripts.LooksLikeJSONL(data) {
		return nil
	}
	t, err := transcripts.ReadOne(in)
	if err != nil || len(t.Messages) == 0 {
		return nil
	}
	n := len(completed(t))
	what := fmt.Sprintf("%s is not a JSONL transcript parley recorded", in)
	if sidecar(in) != in {
		what = fmt.Sprintf("%s has no JSONL transcript parley recorded beside it (%s)", in, sidecar(in))
	}
	var flags []string
	if out != "" {
		flags = []string{"--out", phrase.ShellWord(out)}
	}
	return fmt.Errorf("%s, which is what resume continues in place; to continue it as a new transcript, fork it after its last message: %s",
		what, forkCommand(in, n, "FILE", flags...))
}

// notJSONL says why export cannot rebuild the Markdown from in, which is
// not the JSONL sidecar parley records: a Markdown transcript, or
// something else.
func notJSONL(in string, data []byte) error {
	if _, err := transcripts.ParseMarkdown(data); err == nil {
		return fmt.Errorf("%s is a Markdown transcript, not a JSONL one; export rebuilds the Markdown from the JSONL parley records beside it (NAME.jsonl)", in)
	}
	return fmt.Errorf("%s is not a JSONL transcript; export rebuilds the Markdown from the JSONL parley records beside it (NAME.jsonl)", in)
}

// unreadable names where a scenario that cannot be read again came from:
// standard input or the command line; "" for a file.
func unreadable(path string) string {
	switch {
	case path == stdinName:
		return "standard input"
	case path == configs.QuickSource:
		return "--agent flags on the command line"
	}
	return ""
}

// sidecar maps a transcript path to its JSONL sidecar.
func sidecar(path string) string {
	if strings.HasSuffix(path, ".md") {
		return strings.TrimSuffix(path, ".md") + ".jsonl"
	}
	return path
}

// withMaxMessages replaces every max_messages budget in p with n, or adds
// one when p has none.
func withMaxMessages(p policy.Policy, n int) policy.Policy {
	budget, err := policy.ParseYAML([]byte(fmt.Sprintf("max_messages: %d", n)))
	if err != nil {
		// n comes from an int flag; a budget of it always parses.
		panic(err)
	}
	replaced := false
	p = policy.Map(p, func(q policy.Policy) policy.Policy {
		if _, ok := q.(policy.MaxMessages); ok {
			replaced = true
			return budget
		}
		return q
	})
	if !replaced {
		return policy.Any{p, budget}
	}
	return p
}

func newExportCmd() *cobra.Command {
	var (
		out   string
		force bool
	)
	c := &cobra.Command{
		Use:   "export NAME.jsonl",
		Short: "Rebuild a transcript's Markdown (NAME.md, beside it) from its JSONL sidecar",
		Long: `export rebuilds NAME.md from NAME.jsonl, beside it: after a crash, or when
the Markdown was lost or edited. It never replaces an existing file unless
given --force, and never a JSONL transcript (the one it reads included).
-o FILE writes elsewhere, -o - to standard output.`,
		Args: exactArgs(1, "export takes one JSONL transcript"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := args[0]
			data, err := os.ReadFile(in)
			if errors.Is(err, fs.ErrNotExist) {
				return usageErr(fmt.Errorf("%s does not exist", in))
			}
			if isDir(in) {
				return usageErr(fmt.Errorf("%s is a folder; export takes one JSONL transcript, such as export %s", in, filepath.Join(in, "NAME.jsonl")))
			}
			if err != nil {
				return usageErr(err)
			}
			if !transcripts.LooksLikeJSONL(data) {
				return usageErr(notJSONL(in, data))
			}
			t, err := transcripts.ParseJSONL(data)
			if err != nil {
				return usageErr(fmt.Errorf("%s: %w", in, err))
			}
			for _, w := range t.Run.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", in, w)
			}
			lacks := func() {
				for _, lack := range t.MarkdownLacks(filepath.Base(in) + " keeps %s") {
					fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", in, lack)
				}
			}
			if out == "-" {
				lacks()
				return transcripts.WriteFile(cmd.OutOrStdout(), t)
			}
			if out == "" {
				out = strings.TrimSuffix(in, ".jsonl") + ".md"
				if out == in {
					return usageErr(fmt.Errorf("%s does not end in .jsonl; name the Markdown to write with -o", in))
				}
			}
			// What --force cannot replace is said first, so its sentence
			// never offers --force for it.
			if atomicfile.SameFile(in, out) {
				return usageErr(fmt.Errorf("%s is the JSONL export reads; export writes its Markdown to another file (-o FILE.md)", out))
			}
			if holdsJSONL(out) {
				return usageErr(fmt.Errorf("%s is a JSONL transcript, which --force does not replace with Markdown; choose another -o", out))
			}
			if _, err := os.Stat(out); err == nil && !force {
				return usageErr(fmt.Errorf("%s already exists; parley never overwrites a transcript unless given --force (or choose another -o)", out))
			}
			if err := writeTranscript(out, t, false); err != nil {
				return failureErr(err)
			}
			lacks()
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s → %s\n", in, phrase.Count(len(t.Messages), "message", "messages"), out)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the Markdown to this file instead of NAME.md beside the JSONL (- for standard output)")
	c.Flags().BoolVar(&force, "force", false, "replace the Markdown file if it exists")
	return c
}

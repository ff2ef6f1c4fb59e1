package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/report"
)

func init() { commands = append(commands, newReportCmd) }

func newReportCmd() *cobra.Command {
	var (
		policyFile, out string
		force           bool
	)
	c := &cobra.Command{
		Use:   "report [--policy FILE] --out REPORTDIR TRANSCRIPT|DIR...",
		Short: "Write the attractor report: where each pair's conversations end up",
		Long: `report reads recorded conversations (parley's own, a batch or a tournament,
the folder of the attractors script with its .md and .json side by side,
"### Name ###" logs, speaker-labelled text, OpenAI or ShareGPT JSON, other
JSON or YAML lists of turns or of numbered messages, CSV or TSV tables) and writes report.html, report.md and report.json into
REPORTDIR.

For each conversation it finds where the substance ended (the first stop of
parley's default policy set, or of --policy, as check finds it), the
terminal state it then fell into (farewell spiral, [END] echo, refusal loop,
template loop, verbatim repeat, token ping-pong, silence, or healthy to the
end; failed or interrupted when its recording says an error or a signal cut
it short before any rule stopped it), the messages spent after that point,
and tokens and cost where they were recorded. Conversations in which no one
replied (nothing beyond the opening, or only blank messages) are named and
left out. It sums them as a matrix of opener × responder and per
model. report.html is one self-contained page: open it from disk.

report replaces the report files it wrote before, and no other file unless
given --force (a link itself, never the file it points to), nor ever a
transcript it reads, even then.

  parley report transcripts/batch-20261130T081500 --out report
  parley report ../shared/corpus/attractors --out /tmp/attractors-report`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("report takes one or more transcripts or directories, such as transcripts/batch-20261130T081500"))
			}
			if out == "" {
				return usageErr(errors.New("report needs --out REPORTDIR, the folder to write report.html, report.md and report.json into"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			node, source, err := loadPolicyNode(policyFile)
			if err != nil {
				return usageErr(err)
			}
			newPolicy := policy.Default
			if policyFile != "" {
				newPolicy = func() policy.Policy {
					p, _ := policy.Parse(node) // parsed by loadPolicyNode: cannot fail
					return p
				}
			}
			files, err := analysis.Gather(args)
			if err != nil {
				return usageErr(err)
			}
			errw := cmd.ErrOrStderr()
			// The report scores no labels: a faulty one is named and
			// left out, and its transcript read all the same.
			type described struct {
				conv     analysis.Conversation
				warnings []string
			}
			var convs []analysis.Conversation
			unread := unjudged{w: errw}
			notRead := map[string]bool{} // files found that hold no conversation
			analysis.EachUnscored(files, func(it analysis.Item) described {
				return described{analysis.Describe(it, newPolicy), it.Warnings}
			}, func(d described) {
				for _, w := range d.warnings {
					fmt.Fprintln(errw, "parley: warning:", w)
				}
				convs = append(convs, d.conv)
			}, func(f analysis.File, err error) {
				if errors.Is(err, analysis.ErrNotTranscript) {
					notRead[f.Path] = true
				}
				unread.add(f, err)
			})
			if len(convs) == 0 {
				return failureErr(fmt.Errorf("no conversations could be read in %s; report takes parley Markdown or JSONL, \"### Name ###\" logs, speaker-labelled text, or OpenAI or ShareGPT JSON", strings.Join(args, ", ")))
			}
			r := analysis.Build(source, convs)
			if len(r.Conversations) == 0 {
				return failureErr(fmt.Errorf("every conversation read in %s is empty or holds no reply; the report needs conversations in which someone replied", strings.Join(args, ", ")))
			}
			// The transcripts read are never replaced; a file found that
			// is no conversation (notes, a report of another version) is
			// as any other file in --out.
			guard := report.Guard{Force: force}
			for _, f := range files {
				if !notRead[f.Path] {
					guard.Read = append(guard.Read, f.Path)
				}
				if f.Copy != "" {
					guard.Read = append(guard.Read, f.Copy)
				}
			}
			if err := report.Write(out, r, guard); err != nil {
				if _, ok := errors.AsType[*report.Refused](err); ok {
					return usageErr(err)
				}
				return failureErr(err)
			}
			var notes, left []string
			if len(r.Empty) > 0 {
				left = append(left, phrase.Count(len(r.Empty), "empty conversation", "empty conversations"))
			}
			if len(r.NoReply) > 0 {
				left = append(left, phrase.Count(len(r.NoReply), "conversation", "conversations")+" with no reply")
			}
			if len(left) > 0 {
				notes = append(notes, phrase.And(left)+" left out")
			}
			if r.Failed > 0 {
				notes = append(notes, fmt.Sprintf("%d failed", r.Failed))
			}
			if r.Interrupted > 0 {
				notes = append(notes, fmt.Sprintf("%d interrupted", r.Interrupted))
			}
			empty := ""
			if len(notes) > 0 {
				empty = " (" + strings.Join(notes, "; ") + ")"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s, %s%s: %s\n", phrase.Count(len(r.Conversations), "conversation", "conversations"), phrase.Count(len(r.Pairs), "pair", "pairs"), empty, filepath.Join(out, report.HTMLFile))
			if unread.any() {
				return unread.err()
			}
			return nil
		},
	}
	c.Flags().StringVar(&policyFile, "policy", "", "YAML file with the policy that finds where substance ends (default: parley's default set)")
	c.Flags().StringVar(&out, "out", "", "folder to write report.html, report.md and report.json into")
	c.Flags().BoolVar(&force, "force", false, "replace a report.html, report.md or report.json in --out that parley did not write (never a transcript the report reads)")
	return c
}

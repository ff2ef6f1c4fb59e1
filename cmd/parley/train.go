package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/internal/phrase"
)

func init() { commands = append(commands, newTrainCmd) }

func newTrainCmd() *cobra.Command {
	var (
		out      string
		folds    int
		shuffles int
		token    string
	)
	c := &cobra.Command{
		Use:   "train [--out FILE] [--folds K] [--shuffles N] DIR...",
		Short: "Fit the loop rule's model on labelled transcripts and report cross-validated figures",
		Long: `train fits the loop rule's model (a small logistic model over each
message's signals) on labelled transcripts: NAME.md (or any layout check
reads) with NAME.expect.yaml beside it, or a row in the nearest
labels.json above it, as check reads labels. It prints how the fitted model
scores on each folder, K-fold cross-validated figures within each folder
and, given several folders, each folder scored by a model fitted on the
others. Where a folder's speakers are models (at least three, each in at
most half its conversations), it also judges each one's conversations by
a model fitted without them: how the rule does on a model it never saw.
Where the cross-validated figures fall far below the fitted ones, the
model is too specific to its training set. --shuffles N cross-validates
each folder again over N other deals of it into folds (the same deals on
every run) and prints the lowest, median and highest figures: how much
of a difference between two models is the split's.

With --out it writes the model as JSON, for a scenario's
loop: {model: FILE}. parley's built-in model is retrained with

  parley train --out orchestrator/policy/loopmodel.json ../shared/corpus/attractors ../shared/corpus/backrooms`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("train takes one or more folders of labelled transcripts, such as ../shared/corpus/attractors"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if folds < 2 {
				return usageErr(fmt.Errorf("--folds is %d; cross-validation splits each folder into 2 folds or more, up to its labelled transcripts (the default is 5)", folds))
			}
			if shuffles < 0 {
				return usageErr(fmt.Errorf("--shuffles is %d; give how many other deals of each folder into folds to cross-validate over, 0 (the default) or more", shuffles))
			}
			if strings.TrimSpace(token) == "" {
				return usageErr(fmt.Errorf("--token is %q; give the end token the signals look for, such as [END] (the default)", token))
			}
			files, err := analysis.Gather(args)
			if err != nil {
				return usageErr(err)
			}
			var examples []analysis.Example
			errw := cmd.ErrOrStderr()
			unread := unjudged{w: errw}
			// What the readers noticed (a label table whose files are not
			// there, a label counting other messages than parley reads, a
			// torn last line) is said as check says it: a label misread
			// would train the model on the wrong messages.
			type read struct {
				example  *analysis.Example
				warnings []string
			}
			analysis.Each(files, func(it analysis.Item) read {
				r := read{warnings: it.Warnings}
				if it.Label != nil {
					e := analysis.NewExample(it, token)
					r.example = &e
				}
				return r
			}, func(r read) {
				for _, w := range r.warnings {
					fmt.Fprintln(errw, "parley: warning:", w)
				}
				if r.example != nil {
					examples = append(examples, *r.example)
				}
			}, unread.add)
			// Each folder is cross-validated within itself: folds beyond
			// every folder's labelled transcripts would cross-validate none.
			// With the default, a folder too small for it says so in its row.
			if most, in := largestFolder(examples); cmd.Flags().Changed("folds") && len(examples) > 0 && folds > most {
				if most < 2 {
					return usageErr(fmt.Errorf("--folds is %d, and each folder is cross-validated within itself: the largest given, %s, holds 1 labelled transcript, too few to split; leave --folds out to train without cross-validating", folds, in))
				}
				return usageErr(fmt.Errorf("--folds is %d, and each folder is cross-validated within itself: the largest given, %s, holds %d labelled transcripts; give --folds from 2 to %d", folds, in, most, most))
			}
			report, model, err := analysis.Train(examples, folds, token, shuffles)
			if err != nil {
				return usageErr(err)
			}
			w := cmd.OutOrStdout()
			eased := ""
			if model.Lower > 0 && model.Lower < model.Threshold {
				eased = fmt.Sprintf(", or at least %.0f%% beside one at least %.0f%%", 100*model.Lower, 100*model.Sure)
			}
			fmt.Fprintf(w, "Trained on %s; the loop rule stops when %d of the last %d messages, the newest among them, are each at least %.0f%% likely to belong to a loop%s.\n\n",
				phrase.Count(len(examples), "labelled transcript", "labelled transcripts"), model.Count, model.Within, 100*model.Threshold, eased)
			report.Print(w)
			for _, warning := range report.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), "parley: warning:", warning)
			}
			if out != "" {
				b, _ := json.MarshalIndent(model, "", "  ")
				if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
					return failureErr(fmt.Errorf("writing the model: %w", err))
				}
				fmt.Fprintf(w, "\nWrote the model to %s.\n", out)
			}
			if unread.any() {
				return unread.err()
			}
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "", "write the model to FILE")
	c.Flags().IntVar(&folds, "folds", 5, "folds for cross-validation within each folder, 2 or more")
	c.Flags().IntVar(&shuffles, "shuffles", 0, "cross-validate again over N other deals of each folder into folds, and print the lowest, median and highest figures")
	c.Flags().StringVar(&token, "token", "[END]", "the end token the signals look for")
	return c
}

// largestFolder is the most labelled examples one folder holds, and that
// folder.
func largestFolder(examples []analysis.Example) (int, string) {
	by := map[string]int{}
	most, in := 0, ""
	for _, e := range examples {
		by[e.Folder]++
		if by[e.Folder] > most {
			most, in = by[e.Folder], e.Folder
		}
	}
	return most, in
}

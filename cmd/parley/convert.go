package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newConvertCmd) }

func newConvertCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "convert IN OUT.md",
		Short: "Write a transcript from another tool in parley's own layout",
		Long: `convert reads a transcript in any layout parley knows ("### Name ###"
headed blocks, OpenAI "messages" JSON, ShareGPT "conversations" JSON, or
parley's own Markdown and JSONL) and writes it in parley's Markdown layout,
or as parley JSONL when OUT ends in .jsonl.

A file holding several conversations is written as OUT-1.md, OUT-2.md, ….
convert never overwrites a file unless given --force.`,
		Args: exactArgs(2, "convert takes an input transcript and an output path, such as convert chat.json chat.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			ts, layout, err := transcripts.ReadAny(in)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("%s: no such file", in))
				}
				return usageErr(err)
			}
			ext := filepath.Ext(out)
			if ext != ".md" && ext != ".jsonl" {
				return usageErr(fmt.Errorf("%s: the output must end in .md (parley Markdown) or .jsonl (parley JSONL)", out))
			}
			paths := []string{out}
			if len(ts) > 1 {
				paths = paths[:0]
				for i := range ts {
					paths = append(paths, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(out, ext), i+1, ext))
				}
			}
			if !force {
				for _, p := range paths {
					if _, err := os.Stat(p); err == nil {
						return usageErr(fmt.Errorf("%s already exists; choose another name or pass --force", p))
					}
				}
			}
			for i, t := range ts {
				if err := writeTranscript(paths[i], t, ext == ".jsonl"); err != nil {
					return failureErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %d messages → %s\n", in, layout, len(t.Messages), paths[i])
				if t.Run != nil && t.Run.System != "" && ext == ".md" {
					fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: the system prompt has no place in Markdown; convert to .jsonl to keep it\n", in)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite existing output files")
	return c
}

// writeTranscript writes t to path through a temporary file, so a failure
// never leaves half a file under the final name.
func writeTranscript(path string, t *transcripts.Transcript, jsonl bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".parley-convert-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if jsonl {
		err = transcripts.WriteJSONL(tmp, t)
	} else {
		err = transcripts.WriteFile(tmp, t)
	}
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/atomicfile"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newConvertCmd) }

// The extensions, without their dot, of what convert writes: a
// transcript's Markdown or JSONL, and a tournament config's roster
// scenario.
var (
	transcriptOuts = []string{"md", "jsonl"}
	rosterOuts     = []string{"yaml", "yml"}
)

// hasExt reports whether path ends in one of exts.
func hasExt(exts []string, path string) bool {
	return slices.Contains(exts, strings.TrimPrefix(filepath.Ext(path), "."))
}

func newConvertCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "convert IN OUT.md | CONFIG.json ROSTER.yaml",
		Short: "Write a transcript, or a tournament config, from another tool in parley's own layout",
		Long: `convert reads a transcript in any layout parley knows ("### Name ###"
headed blocks, speaker-labelled text ("## Name", "**Name:**", "Name:",
"> Name:", "- Name:", "=== Name ===", "<Name>", "[12:00] Name:",
"Turn 3 - Name:"), OpenAI "messages" JSON, ShareGPT "conversations" JSON,
other JSON or YAML lists of turns, JSON of numbered messages ("message_1",
…), CSV or TSV tables with a speaker and a text column, or parley's own
Markdown and JSONL) and writes it in parley's Markdown layout,
or as parley JSONL when OUT ends in .jsonl.

Given the config of the attractors tournament script (a JSON file with
models, system_prompt, initial_message, max_turns, end_codeword,
conversations_per_pair, max_workers), convert writes a parley roster
scenario instead: parley batch ROSTER.yaml stages the same tournament.

A file holding several conversations is written as OUT-1.md, OUT-2.md, …;
FILE#N converts its Nth conversation alone, as check names it.
convert never overwrites a file unless given --force, nor the file it reads
even then, nor the JSONL of a conversation parley staged.`,
		Args: exactArgs(2, "convert takes an input and an output path, such as convert chat.json chat.md or convert config.json roster.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			// FILE#N is the Nth conversation of a file that holds several,
			// as check names it.
			file, which := transcripts.SplitConversation(in)
			data, err := os.ReadFile(file)
			if errors.Is(err, fs.ErrNotExist) {
				return usageErr(fmt.Errorf("%s: no such file", file))
			}
			if isDir(file) {
				return usageErr(fmt.Errorf("%s is a folder; convert takes one file, such as convert chat.json chat.md (check, report and train read folders)", file))
			}
			if err == nil && file == in && configs.LooksLikeAttractorsConfig(data) {
				return convertConfig(cmd, in, out, data, force)
			}
			if hasExt(rosterOuts, out) {
				if err == nil && meantAsConfig(data) {
					// A config with a fault of its own: the converter names it.
					return convertConfig(cmd, in, out, data, force)
				}
				return usageErr(fmt.Errorf("%s: only a tournament config (JSON with models, each with a model_id) converts to a scenario; a transcript converts to .md or .jsonl", in))
			}
			ts, layout, err := transcripts.ReadAny(file)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("%s: no such file", file))
				}
				return usageErr(scenarioNotTranscript(file, err))
			}
			if file != in {
				t, err := transcripts.PickConversation(file, which, ts)
				if err != nil {
					return usageErr(err)
				}
				ts = []*transcripts.Transcript{t}
			}
			ext := filepath.Ext(out)
			if !hasExt(transcriptOuts, out) {
				return usageErr(fmt.Errorf("%s: the output must end in .md (parley Markdown) or .jsonl (parley JSONL)", out))
			}
			paths := []string{out}
			if len(ts) > 1 {
				paths = paths[:0]
				for i := range ts {
					paths = append(paths, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(out, ext), i+1, ext))
				}
			}
			for _, p := range paths {
				if _, err := os.Stat(p); err == nil && !force {
					return usageErr(fmt.Errorf("%s already exists; choose another name or pass --force", p))
				}
				if atomicfile.SameFile(file, p) {
					return usageErr(fmt.Errorf("%s is the file convert reads; write the conversion to another file", p))
				}
				if stagedRecording(p) {
					return usageErr(fmt.Errorf("%s is a recording parley staged, whose JSONL holds what a conversion cannot (the scenario, usage, times, the stop) and resume continues from; convert does not replace it, even with --force: write the conversion to another file", p))
				}
			}
			// parley's own JSONL is in the layout asked for already: it is
			// copied as recorded, line for line, since a transcript read
			// from it holds one run of its sessions (the last one's
			// settings, its events after its messages, its last stop).
			copyJSONL := layout == transcripts.LayoutJSONL && ext == ".jsonl" && len(ts) == 1
			for i, t := range ts {
				var err error
				if copyJSONL {
					err = writeThrough(paths[i], func(w io.Writer) error {
						_, err := w.Write(data)
						return err
					})
				} else {
					err = writeTranscript(paths[i], t, ext == ".jsonl")
				}
				if err != nil {
					return failureErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %s → %s\n", in, layout, phrase.Count(len(t.Messages), "message", "messages"), paths[i])
				for _, w := range t.ReaderWarnings() {
					fmt.Fprintf(cmd.ErrOrStderr(), "parley: warning: %s: %s\n", in, w)
				}
				if ext == ".jsonl" && !copyJSONL && t.LocalTimes {
					fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: its times name no time zone; %s records them in this machine's local time, %s\n", in, paths[i], zoneOf(firstTime(t)))
				}
				if ext == ".md" {
					keep := "convert to .jsonl to keep %s"
					if layout == transcripts.LayoutJSONL {
						keep = filepath.Base(file) + " keeps %s" // as export says
					}
					for _, lack := range t.MarkdownLacks(keep) {
						fmt.Fprintf(cmd.ErrOrStderr(), "parley: %s: %s\n", in, lack)
					}
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite existing output files")
	return c
}

// convertConfig writes the roster scenario of a tournament config.
func convertConfig(cmd *cobra.Command, in, out string, data []byte, force bool) error {
	if !hasExt(rosterOuts, out) {
		return usageErr(fmt.Errorf("%s is a tournament config; convert writes it as a roster scenario, so the output must end in .yaml", in))
	}
	src, err := configs.ConvertAttractors(in, data)
	if err != nil {
		return usageErr(err)
	}
	s, err := configs.Parse(out, src) // ConvertAttractors checked it loads
	if err != nil {
		return usageErr(fmt.Errorf("%s: the roster it converts to is refused: %w", in, err))
	}
	if !force {
		if _, err := os.Stat(out); err == nil {
			return usageErr(fmt.Errorf("%s already exists; choose another name or pass --force", out))
		}
	}
	if atomicfile.SameFile(in, out) {
		return usageErr(fmt.Errorf("%s is the file convert reads; write the roster to another file", out))
	}
	if err := atomicfile.WriteFile(out, src, 0o644); err != nil {
		return failureErr(err)
	}
	r := s.Roster
	fmt.Fprintf(cmd.OutOrStdout(), "%s (tournament config): %d models, %d %s %s × %s → %s\n",
		in, len(r.Agents), len(r.PairList()), r.Pairs, phrase.Noun(len(r.PairList()), "pair", "pairs"), phrase.Count(r.Runs, "run", "runs"), out)
	return nil
}

// holdsJSONL reports whether path is a parley JSONL transcript, which
// holds what no Markdown does.
func holdsJSONL(path string) bool {
	return transcripts.LooksLikeJSONL(transcripts.Head(path))
}

// stagedRecording reports whether path is the JSONL of a conversation
// parley staged (its run line holds the scenario it ran), which no
// conversion can stand in for, as it can for an earlier conversion.
func stagedRecording(path string) bool {
	if !holdsJSONL(path) {
		return false
	}
	t, err := transcripts.Read(path)
	// One that does not read is kept too: what it holds cannot be told.
	return err != nil || t.Run != nil && t.Run.Scenario != ""
}

// writeTranscript writes t to path through a temporary file, so a failure
// never leaves half a file under the final name: as parley JSONL when
// jsonl is set, else in parley's Markdown layout.
func writeTranscript(path string, t *transcripts.Transcript, jsonl bool) error {
	return writeThrough(path, func(w io.Writer) error {
		if jsonl {
			return transcripts.WriteJSONL(w, t)
		}
		return transcripts.WriteFile(w, t)
	})
}

// writeThrough writes to path what write writes, through a temporary
// file made as a transcript is (0600), so a failure never leaves half a
// file under the final name.
func writeThrough(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, write)
}

// isDir reports whether path names a folder, where a command takes one
// file.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// meantAsConfig reports whether data, given to convert to a scenario, was
// meant as a tournament config: a JSON object with a models field, or
// JSON that opens as an object and does not parse.
func meantAsConfig(data []byte) bool {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	}
	_, ok := probe["models"]
	return ok
}

// firstTime is the first time t records: its start, else its first
// message's.
func firstTime(t *transcripts.Transcript) time.Time {
	if !t.Started.IsZero() {
		return t.Started
	}
	for _, m := range t.Messages {
		if !m.Started.IsZero() {
			return m.Started
		}
	}
	return t.Ended
}

// zoneOf names the zone of this machine's local time at t, and its
// offset from UTC: "UTC", "CEST (UTC+02:00)".
func zoneOf(t time.Time) string {
	name, secs := t.Local().Zone()
	if secs == 0 && (name == "UTC" || name == "") {
		return "UTC"
	}
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	off := fmt.Sprintf("UTC%c%02d:%02d", sign, secs/3600, secs/60%60)
	if name == "" || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return off
	}
	return name + " (" + off + ")"
}

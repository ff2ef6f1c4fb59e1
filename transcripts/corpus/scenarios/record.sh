#!/usr/bin/env bash
# Re-records the labelled corpus from its scenarios with parley itself.
#
#   transcripts/corpus/scenarios/record.sh            # every scenario
#   transcripts/corpus/scenarios/record.sh NAME...    # some of them
#
# Each scenario's scripted agents speak their lines; its termination is a
# high max_messages so the whole script is recorded. The recording
# (NAME.md and NAME.jsonl) lands in transcripts/corpus/, beside the
# hand-written NAME.expect.yaml that labels where a policy should stop.
set -euo pipefail
cd "$(dirname "$0")/../../.."

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in transcripts/corpus/scenarios/*.yaml; do names+=("$(basename "$f" .yaml)"); done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${names[@]}"; do
  out="$tmp/$name"
  go run ./cmd/parley run --no-tui --pace 0 --out "$out" "transcripts/corpus/scenarios/$name.yaml" >/dev/null
  mv "$out"/*.md "transcripts/corpus/$name.md"
  mv "$out"/*.jsonl "transcripts/corpus/$name.jsonl"
  echo "recorded transcripts/corpus/$name.md"
done

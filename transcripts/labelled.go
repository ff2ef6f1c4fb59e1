package transcripts

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/lazy"
)

// LayoutLabelled is a conversation written as text or Markdown in which
// each message starts with a label naming its speaker, the way many
// scripts and chat exports write one:
//
//	## Claude                **Claude:** Hello.          Claude: Hello.
//	Hello.                   **GPT**: Hi.                GPT: Hi.
//	## GPT
//	Hi.
//
// A label is a heading (any level, an optional colon or closing marks
// after the name), a bold name followed by a colon or alone on its line,
// or a name and a colon at the start of a line; either of the last two in
// a blockquote or as a list item ("> **Claude:** Hello", "- GPT: Hi"); a
// name between runs of one mark ("=== Claude ==="); a name in angle
// brackets as chat logs write it ("<claude> hi", or "<claude>" and the
// message up to "</claude>"); ChatML's "<|im_start|>user" and the message
// up to "<|im_end|>"; or, after a time or turn as chat logs and
// scripts write them, a name and a colon, a name in angle brackets, or a
// name alone ("[2024-05-01 12:00] Claude: Hello", "[12:00] <claude> hi",
// "[5/1/2024 12:00 PM] claude", "[Turn 3] GPT:", "Turn 3 - GPT:"). The
// text after a label on its line, and the lines after it up to the next
// one, are the message (a blockquote's marks and a list item's indent
// taken off); blank lines and separator lines ("---", "***", "___")
// around it are not.
//
// Which lines are labels is read from the whole file: of the labels of one
// form (one heading level, bold, plain, timed, quoted, listed or framed),
// the speakers are the names that recur, each at least twice and at least
// a quarter as often as the commonest, and at least two of them must take
// turns (or, under a "# A ↔ A" title, A alone: a model staged against
// itself, whose sides sidesByTurn tells apart). So a heading or a "Note:"
// that a message holds once or twice does not split it, and a document
// that merely has headings is not read as a conversation. A conversation
// of two or three messages, too short for its names to recur, reads when
// its first line is a label and two names take turns, one of them a
// model's or a chat's side ("Claude", "GPT-4o", "User"; shortConversation).
//
// Models write labels of their own inside their messages: bold headings
// ("**Summary**", "**New puzzle:**"), list items ("- implications: …"),
// role-playing fields ("Instruction: …"). A recurring name is such a field,
// not a speaker (fieldNames):
//
//   - when a title ("# A ↔ B", "# A vs B") names two speakers or more who
//     speak in the form, unless the title names it;
//   - when the first label's name and another that speaks as often take
//     turns with each other, and it labels fewer messages than they do by
//     a tenth and by two at least (a third party who speaks as often, in
//     turn, stays a speaker: a field in almost every message of one side
//     cannot be told from one);
//   - when two or more speakers' labels stand alone on their lines ("AI
//     User:" and then the message) and its label never does ("Input:
//     None"), however often it recurs; or when two or more speakers'
//     labels always open a paragraph and its label never does ("Input:
//     None" on the line after "AI User: Instruction: …");
//   - when it names a part of a message ("Note:", "Q:" and "A:",
//     "Summary:", "Thought:", "Action:"; messageParts) and two other names
//     recur: "Q:" and "A:" alone taking turns are speakers.
//
// A form whose every name is a kind of change ("- Fix: …", "- Add: …",
// "feat: …") is a changelog's or a commit log's list, not speakers: a
// message that lists changes so does not split into messages either.
//
// The form whose speakers label the most lines wins (headings, then bold,
// plain, timed, quoted, listed and framed labels, on a tie), unless its
// labels are the fields of another form's messages (fieldsOf): they start
// after that form's first label and name more than it does, whose
// speakers take turns. A name that a title gives is a speaker however
// rarely it speaks. Text before the first label is the run's Preamble,
// but for a "# Title" line, which is the title. A "System" (or
// "Developer") label is read as the JSON layouts read that role: before
// the first message it is the run's system prompt, later a moderator's
// note; a "Moderator" label is a moderator's note. Rules do not count
// notes. A date and a time on a label's line are when its message was
// sent (stamps.go).
const LayoutLabelled = "speaker-labelled"

// chooseLabels finds the lines that start messages: the labels of the form
// whose recurring names take turns on the most lines (see LayoutLabelled).
// A name the title gives as a speaker ("# A ↔ B", "# A vs B") is one
// however often it speaks, so a short conversation with such a title reads.
func chooseLabels(lines []string) []speakerLabel {
	plain := chooseLabelsOutside(lines, nil)
	if len(plain) == 0 {
		return nil
	}
	fenced := fencedLines(lines)
	if fenced != nil && allFenced(plain, fenced) {
		// Every label of the form that labels the most lines is inside a
		// code block: a message showing an example log ("User: hi"), or
		// a document showing YAML keys ("agents:", "limits:"). The
		// speakers are then those outside the blocks, if any.
		if plain = chooseLabelsOutside(lines, fenced); len(plain) == 0 {
			return nil
		}
	}
	if fenced != nil {
		// An example log in a code block whose labels take turns, as the
		// speakers' own do, repeats no speaker: see quotedLog.
		if skip := quotedLog(lines, plain, fenced); skip != nil {
			if skipped := chooseLabelsOutside(lines, skip); twoSpeakers(labelNames(skipped)) {
				plain = skipped
			}
		}
	}
	if repeatedLabels(plain) == 0 {
		return plain
	}
	// A speaker that follows itself may be a label quoted inside a
	// message: in a code block (see fence.go), or inside a paragraph
	// ("You said:" and the other's label on the next line) where every
	// other label opens one. Each is skipped when that mends it.
	if fenced != nil {
		if skipped := chooseLabelsOutside(lines, fenced); betterSkipping(labelNames(plain), labelNames(skipped)) {
			plain = skipped
		}
	}
	if inside := insideParagraphs(lines, plain); inside != nil {
		if skipped := chooseLabelsOutside(lines, inside); betterSkipping(labelNames(plain), labelNames(skipped)) {
			plain = skipped
		}
	}
	return plain
}

// changelog reports whether every name seq's labels give is a kind of
// change, as changelogs and commit logs label their entries ("- Fix: …",
// "- Add: …", "feat: …"): a list of changes, not a conversation.
func changelog(seq []speakerLabel) bool {
	for _, lb := range seq {
		if !changeKinds()[strings.ToLower(lb.name)] {
			return false
		}
	}
	return true
}

// changeKinds are the labels of a changelog's entries.
var changeKinds = lazy.Set(`add added adds addition change changed changes changing deprecate deprecated
	remove removed removes removal fix fixed fixes bugfix security feat feature features new
	improve improved improvement improvements enhancement enhancements update updated updates
	bump docs doc documentation chore refactor perf performance test tests build ci style
	revert breaking`)

// quotedLog marks the labels of seq inside code blocks that are a
// message's example log, not messages, when two names or more speak
// outside the blocks: those of a name that speaks only inside them
// ("Human:" and "AI:" in a message's example), and, when every label
// outside them opens a paragraph, those inside that do not (the
// speakers' own names in a log of consecutive lines). A fence left open
// pairs with a later message's and marks messages that took turns; but
// their speakers speak outside blocks too, and their labels open
// paragraphs as every other does, so they are not marked. nil when no
// label is marked.
func quotedLog(lines []string, seq []speakerLabel, fenced []bool) []bool {
	var names [8]string
	outside := names[:0] // the names heard outside the blocks
	opening := true      // every label outside the blocks opens a paragraph
	for _, lb := range seq {
		if !fenced[lb.line] {
			if !slices.Contains(outside, lb.name) {
				outside = append(outside, lb.name)
			}
			opening = opening && opensParagraph(lines, lb.line)
		}
	}
	if len(outside) < 2 {
		return nil
	}
	var skip []bool
	for _, lb := range seq {
		if fenced[lb.line] && (!slices.Contains(outside, lb.name) || opening && !opensParagraph(lines, lb.line)) {
			if skip == nil {
				skip = make([]bool, len(lines))
			}
			skip[lb.line] = true
		}
	}
	return skip
}

// opensParagraph reports whether line i opens a paragraph: it is the
// first, or follows a blank line or a separator line.
func opensParagraph(lines []string, i int) bool {
	return i == 0 || blank(lines[i-1]) || separatorLine(lines[i-1])
}

// insideParagraphs marks the labels of seq that do not open a paragraph,
// when at least three in four of them do; nil otherwise.
func insideParagraphs(lines []string, seq []speakerLabel) []bool {
	var inside []bool
	n := 0
	for _, lb := range seq {
		if lb.line > 0 && !blank(lines[lb.line-1]) && !separatorLine(lines[lb.line-1]) {
			if inside == nil {
				inside = make([]bool, len(lines))
			}
			inside[lb.line] = true
			n++
		}
	}
	if 4*n > len(seq) {
		return nil
	}
	return inside
}

// allFenced reports whether every label of seq is inside a code block.
func allFenced(seq []speakerLabel, fenced []bool) bool {
	for _, lb := range seq {
		if !fenced[lb.line] {
			return false
		}
	}
	return true
}

// repeatedLabels counts the labels that name the speaker before them.
func repeatedLabels(seq []speakerLabel) int {
	n := 0
	for k := 1; k < len(seq); k++ {
		if seq[k].name == seq[k-1].name {
			n++
		}
	}
	return n
}

func labelNames(seq []speakerLabel) []string {
	out := make([]string, len(seq))
	for i, lb := range seq {
		out[i] = lb.name
	}
	return out
}

// chooseLabelsOutside is chooseLabels on the lines that skip does not
// mark (nil: all of them).
func chooseLabelsOutside(lines []string, skip []bool) []speakerLabel {
	var all []speakerLabel
	titled, self := map[string]bool{}, ""
	for i, l := range lines {
		if skip != nil && skip[i] {
			continue
		}
		if len(all) == 0 && len(titled) == 0 && strings.HasPrefix(l, "# ") {
			titled = namedInTitle(strings.TrimSpace(l[2:]))
			if len(titled) == 1 {
				for name := range titled {
					self = name // "# gpt-5 ↔ gpt-5": a model staged against itself
				}
			}
		}
		if form, name, rest, ok := labelOf(l); ok {
			all = append(all, speakerLabel{line: i, form: form, name: name, rest: rest})
		}
	}
	var forms [][]speakerLabel // each form's speakers' labels, where they take turns
	for form := uint8(1); form <= lastForm; form++ {
		// A form whose every name is a kind of change lists changes.
		if seq := speakersOf(lines, all, form, titled, self); seq != nil && !changelog(seq) {
			forms = append(forms, seq)
		}
	}
	// A title that names the speakers settles which form is theirs: a
	// scene the two write holds its characters' lines ("Alice: …") in
	// the messages of "## Claude" and "## GPT" under "# Claude vs GPT".
	if len(titled) >= 2 {
		var theirs [][]speakerLabel
		for _, seq := range forms {
			named := map[string]bool{}
			for _, lb := range seq {
				if titled[lb.name] {
					named[lb.name] = true
				}
			}
			if len(named) >= 2 {
				theirs = append(theirs, seq)
			}
		}
		if len(theirs) > 0 {
			forms = theirs
		}
	}
	if len(forms) == 0 && len(titled) == 0 {
		return shortConversation(lines, skip, all)
	}
	// The form that labels the most lines, unless its labels are the
	// fields of another's messages.
	var best []speakerLabel
	for _, seq := range forms {
		if len(seq) > len(best) {
			best = seq
		}
	}
	for changed := true; changed; {
		changed = false
		for _, seq := range forms {
			if fieldsOf(best, seq) {
				best, changed = seq, true
			}
		}
	}
	return best
}

// shortConversation reads a conversation of two or three messages with
// no title, too short for its speakers to recur: the labels of one form
// are two names taking turns, the first of them is the file's first line
// but for blank ones and a "# Title" (after which it is no heading),
// neither name labels a part of a message ("Note:",
// "Summary:"; messageParts) or a change, and one of them is a model's or
// a chat's side ("Claude", "GPT-4o", "User", "Model A"; sideName). A
// document's sections or fields do not read so. nil when it is none.
func shortConversation(lines []string, skip []bool, all []speakerLabel) []speakerLabel {
	if len(all) < 2 {
		return nil
	}
	first := nextNonBlank(lines, 0)
	titled := first < len(lines) && strings.HasPrefix(lines[first], "# ")
	if titled {
		// A title naming no one: the first label follows it, unless it
		// is a heading, as a document's sections are.
		first = nextNonBlank(lines, first+1)
	}
	for _, lb := range all {
		if lb.line != first || titled && lb.form <= 6 {
			continue
		}
		var seq []speakerLabel
		for _, o := range all {
			if o.form == lb.form {
				seq = append(seq, o)
			}
		}
		if len(seq) < 2 || len(seq) > 3 || seq[0].name == seq[1].name || len(seq) == 3 && seq[2].name != seq[0].name {
			return nil
		}
		side := false
		for _, o := range seq[:2] {
			low := strings.ToLower(o.name)
			if messageParts()[low] || changeKinds()[low] || noteKind(o.name) != "" {
				return nil
			}
			side = side || sideName(low)
		}
		if !side {
			return nil
		}
		return seq
	}
	return nil
}

// sideName reports whether a lowercased name is a model's or a chat's
// side: it starts with a model family's name ("claude 3 opus",
// "gpt-4o", "llama3:8b"), is a chat's role ("user", "assistant"), or is a
// side and its letter or number ("model a", "agent 2").
func sideName(low string) bool {
	word, rest, _ := strings.Cut(low, " ")
	if roleNames()[word] && rest == "" {
		return true
	}
	if sideWords()[word] && rest != "" && !strings.Contains(rest, " ") && len(rest) <= 3 {
		return true // "model a", "agent 2", "ai 1"
	}
	for _, family := range modelFamilies {
		if strings.HasPrefix(low, family) {
			return true
		}
	}
	return false
}

var (
	roleNames = lazy.Set(`user assistant human ai bot`)
	sideWords = lazy.Set(`model agent speaker bot ai llm participant instance persona side player assistant user claude gpt`)
	// modelFamilies are the names models' names start with.
	modelFamilies = []string{"claude", "gpt", "chatgpt", "o1", "o3", "o4", "gemini", "gemma", "bard", "llama", "grok", "kimi", "qwen", "deepseek",
		"mistral", "mixtral", "codestral", "opus", "sonnet", "haiku", "phi-", "command-r", "hermes", "glm", "ernie", "copilot", "nemotron", "olmo", "falcon", "vicuna", "yi-"}
)

// speakersOf is the labels of one form that name its speakers (see
// LayoutLabelled), in order, or nil when its names do not take turns as
// speakers do.
func speakersOf(lines []string, all []speakerLabel, form uint8, titled map[string]bool, self string) []speakerLabel {
	counts, alone, opens := map[string]int{}, map[string]int{}, map[string]int{}
	most := 0
	for _, lb := range all {
		if lb.form == form {
			counts[lb.name]++
			most = max(most, counts[lb.name])
			if lb.rest == "" {
				alone[lb.name]++
			}
			if lb.line == 0 || blank(lines[lb.line-1]) || separatorLine(lines[lb.line-1]) {
				opens[lb.name]++
			}
		}
	}
	recurs0 := func(name string) bool {
		c := counts[name]
		return titled[name] && c > 0 || c >= 2 && 4*c >= most
	}
	field := partNames(counts, titled, recurs0, fieldNames(all, form, counts, titled, recurs0))
	recurs := func(name string) bool { return recurs0(name) && !field[name] }
	// When the speakers' labels stand alone on their lines, a
	// recurring name that never does is a field their messages hold
	// ("Instruction: …", "Input: None", "Solution: …" in a role-playing
	// framework's log), not a speaker.
	// So too when the speakers' labels each open a paragraph ("AI
	// User: Instruction: …" after a blank line), a recurring name whose
	// label never does ("Input: None" on the next line).
	standing, opening := 0, 0
	for name, c := range counts {
		if recurs(name) && alone[name] == c {
			standing++
		}
		if recurs(name) && opens[name] == c {
			opening++
		}
	}
	// A field may stand alone now and then ("Solution:" and then a code
	// block): a name whose label stands alone at most half the time,
	// where the speakers' labels always do, is still a field.
	speaks := func(name string) bool {
		return recurs(name) && (standing < 2 || 2*alone[name] > counts[name]) && (opening < 2 || opens[name] > 0)
	}
	var seq []speakerLabel
	speakers := 0 // not counting a system prompt's or a moderator's labels
	for name := range counts {
		if speaks(name) && noteKind(name) == "" {
			speakers++
		}
	}
	// Two speakers or more, or the one a title names on both sides,
	// whose labels are all there is to take turns (sidesByTurn tells
	// its sides apart).
	alone1 := speakers == 1 && speaks(self)
	if speakers < 2 && !alone1 {
		return nil
	}
	turns := 0
	for _, lb := range all {
		// A system prompt's label before every speaker's is the run's
		// system prompt, however rarely it recurs ("<|im_start|>system").
		opening := len(seq) == 0 && noteKind(lb.name) == "system"
		// A moderator's label is a note however rarely it comes.
		note := noteKind(lb.name) == "moderator"
		if lb.form == form && (speaks(lb.name) || opening || note) {
			if len(seq) > 0 && seq[len(seq)-1].name != lb.name {
				turns++
			}
			seq = append(seq, lb)
		}
	}
	// The speakers take turns: most labels name someone else than the
	// label before them.
	if !alone1 && 2*turns < len(seq)-1 {
		return nil
	}
	return seq
}

// fieldNames finds, among the names that recur in labels of one form, those
// that are fields inside the speakers' messages, as a model's bold
// headings are ("**New puzzle:**" in the messages of a conversation written
// "**gpt-5:** …"):
//
//   - when a title names two speakers or more and they speak here, every
//     other name;
//   - when the first label's name and another that labels as many
//     messages (within a tenth, or one) take turns with each other
//     nineteen times in twenty, every name that labels fewer messages than
//     those two by a tenth, and by two at least. A third party who speaks
//     as often, in turn, stays a speaker.
func fieldNames(all []speakerLabel, form uint8, counts map[string]int, titled map[string]bool, recurs func(string) bool) map[string]bool {
	var names []string
	inTitle := 0
	for name := range counts {
		if recurs(name) {
			names = append(names, name)
			inTitle += b2i(titled[name])
		}
	}
	if len(names) < 3 {
		return nil
	}
	field := map[string]bool{}
	if inTitle >= 2 {
		for _, name := range names {
			field[name] = !titled[name]
		}
		return field
	}
	a := "" // the first speaker: a system prompt or a moderator's note may come first
	for _, lb := range all {
		if lb.form == form && recurs(lb.name) && noteKind(lb.name) == "" {
			a = lb.name
			break
		}
	}
	ca, b := counts[a], ""
	for _, name := range names {
		if c := counts[name]; name != a && noteKind(name) == "" && 10*abs(c-ca) <= max(ca, 10) && (b == "" || c > counts[b] || c == counts[b] && name < b) {
			b = name
		}
	}
	if b == "" {
		return nil
	}
	turns, n, last := 0, 0, ""
	for _, lb := range all {
		if lb.form == form && (lb.name == a || lb.name == b) {
			turns += b2i(n > 0 && lb.name != last)
			n, last = n+1, lb.name
		}
	}
	if 20*turns < 19*(n-1) {
		return nil
	}
	least := min(ca, counts[b])
	for _, name := range names {
		field[name] = name != a && name != b && 10*counts[name] <= 9*least && counts[name] <= least-2
	}
	return field
}

// partNames adds to field (which it may make) the recurring names that
// label a part of a message, not a speaker ("Note:", "Q:" and "A:",
// "Summary:", "Thought:", "Action:"), when two other names recur, which
// are the speakers. A conversation whose only labels are such names ("Q:"
// and "A:" taking turns) keeps them as its speakers; so does one whose
// title names them.
func partNames(counts map[string]int, titled map[string]bool, recurs func(string) bool, field map[string]bool) map[string]bool {
	var parts []string
	others := 0
	quiz := false // a "Q:" recurs, so "A:" is its answer
	for name := range counts {
		if !recurs(name) || field[name] {
			continue
		}
		switch {
		case titled[name]:
			others++
		case isMessagePart(name) || name == "a" || name == "A":
			parts = append(parts, name)
			quiz = quiz || name == "q" || name == "Q"
		case noteKind(name) == "":
			others++
		}
	}
	if others < 2 || len(parts) == 0 {
		return field
	}
	for _, name := range parts {
		if !strings.EqualFold(name, "a") || quiz {
			if field == nil {
				field = map[string]bool{}
			}
			field[name] = true
		}
	}
	return field
}

// isMessagePart reports whether name is one of messageParts in any case.
func isMessagePart(name string) bool {
	return inFolded(messageParts(), name)
}

// messageParts are the labels models write on the parts of a message: a
// note, a question and its answer, a summary, an agent's thought and
// action. "A" is one only beside "Q".
var messageParts = lazy.Set(`note notes nb n.b ps p.s q question answer example examples input output
	summary tldr tl;dr warning caution tip hint important edit update source sources reference
	result results error reminder disclaimer context todo fyi caveat observation conclusion
	takeaway pros cons definition translation explanation reasoning thought thoughts action
	hypothesis prediction`)

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fieldsOf reports whether the labels fields are the fields that the
// messages labelled by msgs hold: a template's headings ("**Summary**",
// "**Testing**", …) or a list's items ("- implications: …") inside the
// messages of a conversation written "=== Claude 1 ===". They start
// inside a message, after the first of msgs, and name more than the
// speakers do, whose labels take turns nine times in ten.
func fieldsOf(fields, msgs []speakerLabel) bool {
	names := func(seq []speakerLabel) int {
		set := map[string]bool{}
		for _, lb := range seq {
			set[lb.name] = true
		}
		return len(set)
	}
	if len(msgs) < 4 || len(fields) == 0 || fields[0].line <= msgs[0].line {
		return false
	}
	turns := 0
	for k := 1; k < len(msgs); k++ {
		turns += b2i(msgs[k].name != msgs[k-1].name)
	}
	if 10*turns < 9*(len(msgs)-1) {
		return false
	}
	if names(fields) > names(msgs) {
		return true
	}
	// As many names, but held in every one of the messages: a scene's
	// characters ("Alice: …", "Bob: …") in the messages of "## Claude"
	// and "## GPT".
	k := 0
	for i, m := range msgs {
		end := math.MaxInt
		if i+1 < len(msgs) {
			end = msgs[i+1].line
		}
		for k < len(fields) && fields[k].line <= m.line {
			k++
		}
		if k >= len(fields) || fields[k].line >= end {
			return false
		}
	}
	return names(fields) >= 2
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// namedInTitle is the speakers a title names: "A ↔ B", "A vs B", "A vs. B".
func namedInTitle(title string) map[string]bool {
	for _, sep := range []string{" ↔ ", " vs. ", " vs ", " VS "} {
		if names, ok := namesAround(title, sep); ok {
			return names
		}
	}
	return map[string]bool{}
}

// looksLabelled reports whether text reads as a speaker-labelled
// conversation.
func looksLabelled(text string) bool {
	lb := splitLines(text)
	defer lb.release()
	return len(chooseLabels(lb.lines)) > 0
}

// parseLabelled reads a speaker-labelled conversation (LayoutLabelled).
// Messages' contents slice text where they can.
func parseLabelled(text string) (*Transcript, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	lb := splitLines(text)
	defer lb.release()
	lines, starts := lb.lines, lb.starts
	labels := chooseLabels(lines)
	if len(labels) == 0 {
		return nil, errors.New(`no speaker labels found: expected messages that each start with a heading, a "**Name:**", a "Name:", a "> Name:", a "- Name:", a "=== Name ===", a "<Name>", a "[12:00] Name" or a "Turn 3 - Name:" line naming their speaker, two speakers or more taking turns, each named twice or more, or in a "# A ↔ B" title`)
	}
	// body is the text of lines[from:to], without the blank lines around
	// it and the separator lines after it, and before it when head is set.
	body := func(from, to int, head bool) string {
		for from < to && (blank(lines[from]) || head && separatorLine(lines[from])) {
			from++
		}
		for to > from && (blank(lines[to-1]) || separatorLine(lines[to-1]) || sectionMark(lines[to-1])) {
			to--
		}
		if from >= to {
			return ""
		}
		end := len(text)
		if to < len(starts) {
			end = starts[to] - 1 // without the line end
		}
		return blockText(text[starts[from]:end])
	}
	t := &Transcript{}
	pre := 0
	if first := nextNonBlank(lines, 0); first < labels[0].line {
		if title, ok := strings.CutPrefix(trimLineEnd(lines[first]), "# "); ok {
			t.Title = strings.TrimSpace(title)
			pre = first + 1
		}
	}
	if note := body(pre, labels[0].line, true); note != "" {
		t.Run = &Run{Preamble: note}
	}
	// When each message was sent, where its label's line gives a date
	// and a time (see stamps.go).
	times, local, timeWarning := labelTimes(lines, labels)
	t.Started, t.Ended = timeSpan(times)
	t.LocalTimes = local
	if timeWarning != "" {
		t.Warnings = append(t.Warnings, timeWarning)
	}
	var system []string // the system prompt's parts, before the first message
	for k, lb := range labels {
		next := len(lines)
		if k+1 < len(labels) {
			next = labels[k+1].line
		}
		// A separator after text on the label's line is the message's own.
		content := body(lb.line+1, next, lb.rest == "")
		switch lb.form {
		case labelQuoted:
			content = eachLine(content, func(l string) string { return strings.TrimPrefix(strings.TrimPrefix(l, ">"), " ") })
		case labelListed:
			content = eachLine(content, func(l string) string {
				if indent, ok := strings.CutPrefix(l, "  "); ok {
					return indent
				}
				return strings.TrimPrefix(l, "\t")
			})
		case labelStamped:
			// "<claude>" alone on its line, the message, then "</claude>".
			if i := strings.LastIndexByte(content, '\n') + 1; strings.EqualFold(strings.TrimSpace(content[i:]), "</"+lb.name+">") {
				content = strings.TrimRight(content[:max(i-1, 0)], " \t\n")
			}
			// ChatML's "<|im_end|>", after the message or on a line of its own.
			if c, ok := strings.CutSuffix(strings.TrimRight(content, " \t\n"), chatMLEnd); ok {
				content = strings.TrimRight(c, " \t\n")
			}
		}
		if lb.rest != "" {
			if content != "" {
				sep := "\n"
				if blank(lines[lb.line+1]) {
					sep = "\n\n" // the text on the label's line is a paragraph of its own
				}
				content = lb.rest + sep + content
			} else {
				content = lb.rest
			}
		}
		system = addLabelled(t, Message{Speaker: lb.name, Content: content, Started: times[k]}, system)
	}
	if len(system) > 0 {
		if t.Run == nil {
			t.Run = &Run{}
		}
		t.Run.System = strings.Join(system, "\n\n")
	}
	footerOfLast(t)
	if t.Title == "" {
		t.Title = defaultTitle(t)
	}
	return t, nil
}

// footerOfLast moves the footer an exporter wrote after the last message
// of t (cutFooter) out of that message, into the run's Footer.
func footerOfLast(t *Transcript) {
	if len(t.Messages) == 0 {
		return
	}
	m := &t.Messages[len(t.Messages)-1]
	body, footer := cutFooter(m.Content)
	if footer == "" {
		return
	}
	m.Content = body
	if t.Run == nil {
		t.Run = &Run{}
	}
	t.Run.Footer = footer
}

// cutFooter cuts from the end of a message the footer a chat exporter
// writes after the last message: a line that says what exported or
// generated the file ("Exported 4 message(s)", "*Exported with … on …*",
// "Generated by …"; footerLine), and the blank and rule lines ("=====",
// "---") around it, set apart from the message by a blank or rule line.
// It returns the message without the footer, and the footer ("" when
// there is none).
func cutFooter(s string) (body, footer string) {
	top, said := -1, false // where the footer's lines start; whether one says what exported the file
	for end, n := len(s), 0; n < 8; n++ {
		start := strings.LastIndexByte(s[:end], '\n') + 1
		l := strings.TrimSpace(s[start:end])
		switch {
		case l == "" || ruleLine(l):
			top = start
		case footerLine(l):
			top, said = start, true
		default:
			n = 8
			continue
		}
		if start == 0 {
			return s, "" // all footer: the message is what it holds
		}
		end = start - 1
	}
	if !said {
		return s, ""
	}
	first, _, _ := strings.Cut(s[top:], "\n")
	if l := strings.TrimSpace(first); l != "" && !ruleLine(l) {
		return s, "" // not set apart from the message
	}
	return strings.TrimRight(s[:top], " \t\r\n"), strings.TrimSpace(s[top:])
}

// ruleLine reports whether l, trimmed, is a row of one mark, as
// exporters frame their headers and footers: "=====", "-----", "*****".
func ruleLine(l string) bool {
	if len(l) < 3 || !strings.ContainsRune("=-*_~#", rune(l[0])) {
		return separatorLine(l)
	}
	return strings.Trim(l, l[:1]) == "" || separatorLine(l)
}

// footerLine reports whether l, trimmed, is an exporter's line about the
// file: "Exported 4 message(s)", "Exported with …", "Generated by …",
// "This conversation was exported …", in emphasis or not.
func footerLine(l string) bool {
	l = strings.Trim(l, " \t*_>")
	if len(l) > 200 {
		return false
	}
	// Cased as it comes: the line is not lowered into a copy.
	cut := func(s, prefix string) (string, bool) {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			return s[len(prefix):], true
		}
		return s, false
	}
	if n, ok := cut(l, "exported "); ok {
		if digits := len(n) - len(strings.TrimLeft(n, "0123456789")); digits > 0 && strings.HasPrefix(n[digits:], " message") {
			return true
		}
	}
	for _, verb := range []string{"exported ", "generated ", "export generated ", "saved ", "archived "} {
		if rest, ok := cut(l, verb); ok {
			for _, by := range []string{"by ", "with ", "using ", "from ", "on ", "at ", "via "} {
				if _, ok := cut(rest, by); ok {
					return true
				}
			}
		}
	}
	for _, what := range []string{"this conversation was ", "this chat was ", "this transcript was "} {
		if rest, ok := cut(l, what); ok {
			verb, _, _ := strings.Cut(rest, " ")
			for _, v := range []string{"exported", "generated", "saved", "archived", "downloaded"} {
				if strings.EqualFold(verb, v) {
					return true
				}
			}
		}
	}
	return false
}

// parseIndented reads a speaker-labelled conversation indented as a
// whole, as one pasted from a quote, a list or a terminal is: its labels
// are at the left edge of its text (see dedented).
func parseIndented(text string) (*Transcript, error) {
	lb := splitLines(strings.TrimPrefix(text, "\ufeff"))
	d, ok := dedented(lb.lines)
	lb.release()
	if !ok {
		return nil, errors.New("not indented")
	}
	return parseLabelled(d)
}

// dedented is the text of lines without the indent they all share (a
// tab counting to the next multiple of four columns), and true; false
// when they share none. Blank lines are left empty.
func dedented(lines []string) (string, bool) {
	width := func(l string) (cols, bytes int) {
		for bytes < len(l) && (l[bytes] == ' ' || l[bytes] == '\t') {
			if l[bytes] == '\t' {
				cols += 4 - cols%4
			} else {
				cols++
			}
			bytes++
		}
		return cols, bytes
	}
	indent := -1
	for _, l := range lines {
		if blank(l) {
			continue
		}
		c, _ := width(l)
		if indent < 0 || c < indent {
			indent = c
		}
	}
	if indent <= 0 {
		return "", false
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if blank(l) {
			continue
		}
		cols, at := 0, 0
		for cols < indent {
			if l[at] == '\t' {
				cols += 4 - cols%4
			} else {
				cols++
			}
			at++
		}
		if cols > indent { // a tab reaching past the shared indent
			b.WriteString(strings.Repeat(" ", cols-indent))
		}
		b.WriteString(l[at:])
	}
	return b.String(), true
}

// sectionMark reports whether l is a heading that numbers a turn or a
// round ("## Turn 2", "### Round 3:"), as scripts write between
// exchanges: it ends the message before it as a separator line does.
func sectionMark(l string) bool {
	t := strings.TrimLeft(strings.TrimSpace(l), "#")
	if len(t) == len(strings.TrimSpace(l)) || !strings.HasPrefix(t, " ") {
		return false // not a heading
	}
	word, num, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(t), ":"), " ")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return false
	}
	switch strings.ToLower(word) {
	case "turn", "round", "exchange", "step", "part", "iteration":
		return true
	}
	return false
}

// noteKind tells the labels that are not a speaker's, as the JSON layouts
// tell their roles: "system" for a system (or developer) prompt, which
// before the first message is the run's system prompt and later a
// moderator note; "moderator" for a moderator's note; "" for a speaker.
func noteKind(name string) string {
	// EqualFold, not a lowered copy: readers ask of every message.
	switch {
	case strings.EqualFold(name, "system"), strings.EqualFold(name, "developer"):
		return "system"
	case strings.EqualFold(name, ModeratorSpeaker):
		return "moderator"
	}
	return ""
}

// addLabelled appends m, whose speaker is the name its label gives, to t
// as noteKind reads the name: a system prompt's before every message is
// added to system (returned), later a moderator's note, as a moderator's
// is; anyone else's is a message.
func addLabelled(t *Transcript, m Message, system []string) []string {
	switch noteKind(m.Speaker) {
	case "system":
		if len(t.Messages) == 0 {
			return append(system, m.Content)
		}
		m.Speaker, m.Origin = ModeratorSpeaker, OriginModerator
	case "moderator":
		m.Speaker, m.Origin = ModeratorSpeaker, OriginModerator
	}
	t.Messages = append(t.Messages, m)
	return system
}

// eachLine is s with f applied to each of its lines: a quoted message's
// "> " marks taken off, a list item's indent.
func eachLine(s string, f func(string) string) string {
	if s == "" {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = f(l)
	}
	return strings.Join(lines, "\n")
}

// separatorLine reports whether a line is a Markdown thematic break made
// of one character: "---", "***", "___", "* * *" and the like.
func separatorLine(l string) bool {
	l = strings.TrimSpace(l)
	if len(l) < 3 {
		return false
	}
	c, n := l[0], 0
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case c:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

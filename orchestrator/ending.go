package orchestrator

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Ending says where a run stopped, in the sentence parley prints once the
// run is over and the live view's banner shows while it stays open, so the
// two agree. kept is whether a transcript was kept (a run that failed
// before any reply keeps none); partial is whether the message in flight
// was kept, marked interrupted. An error's own sentence is left to be said
// on its own, as the error it is.
func Ending(stop transcripts.Stop, kept, partial bool) string {
	switch {
	case stop.Kind == transcripts.StopError && !kept:
		// Nobody replied, or the first reply could not be written (a
		// full disk): nothing but the opening would be kept.
		return "Stopped before any reply was recorded (error); no transcript was kept."
	case stop.Kind == transcripts.StopError:
		return fmt.Sprintf("Stopped after message %d (error)%s.", stop.At, cutOff(stop, partial))
	}
	reason := stop.Reason
	if c := cutOff(stop, partial); c != "" {
		// The reason's own period would come before the clause.
		reason = strings.TrimRight(strings.TrimSpace(reason), ".") + c
	}
	return fmt.Sprintf("Stopped after message %d (%s): %s", stop.At, StopName(stop), phrase.Sentence(reason))
}

// cutOff says, when the run kept the message in flight, that the files
// hold it as one more message, marked interrupted: the stop names the
// last message completed, and the Markdown's count holds both.
func cutOff(stop transcripts.Stop, partial bool) string {
	if !partial {
		return ""
	}
	return fmt.Sprintf("; message %d was cut off and is kept, marked (interrupted), so the transcript holds %s",
		stop.At+1, phrase.Count(stop.At+1, "message", "messages"))
}

// StopName names what stopped a run: the rule, else the kind of stop.
func StopName(s transcripts.Stop) string {
	if s.Policy != "" {
		return s.Policy
	}
	return s.Kind
}

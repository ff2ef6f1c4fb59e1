//go:build !race

package orchestrator

// raceDetector says the tests run under the race detector, whose
// instrumentation makes every frame larger.
const raceDetector = false

package agents

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: an
// agent must release its connection however a reply ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package handlers

import (
	"os"
	"testing"
)

// TestMain shows the server log when SINAU_TEST_LOG is set, for debugging a
// failing test; otherwise the log is discarded.
func TestMain(m *testing.M) {
	if os.Getenv("SINAU_TEST_LOG") != "" {
		testLogOut = os.Stderr
	}
	os.Exit(m.Run())
}

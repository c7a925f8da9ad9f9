package vm

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	RunGuestIfInit() // the test binary is the guest's /init when a test boots a VM
	runHelperIfAsked()
	os.Exit(m.Run())
}

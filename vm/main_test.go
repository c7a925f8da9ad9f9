package vm

import (
	"os"
	"testing"

	"github.com/lvslab/lvslab/vm/guest"
)

func TestMain(m *testing.M) {
	guest.RunIfInit(nil) // the test binary is the guest's /init when a test boots a VM
	runHelperIfAsked()
	os.Exit(m.Run())
}

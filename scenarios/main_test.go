package scenarios

import (
	"testing"

	"github.com/lvslab/lvslab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

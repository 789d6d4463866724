package workplaceweb

import (
	"testing"

	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

package server_test

import (
	"testing"

	"github.com/motcua/motcua/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

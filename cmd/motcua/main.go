// Command motcua is the one binary of the motcua one-stop backend: serve,
// migrate, token, and the operator commands. See `motcua --help`.
package main

import (
	"os"

	"github.com/motcua/motcua/internal/cli"
)

func main() { os.Exit(cli.Main()) }

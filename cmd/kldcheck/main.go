// Command kldcheck answers, before anyone types kldload, whether FreeBSD kernel
// modules will load and whether their code will reach the right VNET and DPCPU
// memory once they run. See kldcheck(8) and docs/architecture.md.
package main

import (
	"os"

	"github.com/kldcheck/kldcheck/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

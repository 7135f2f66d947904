// Package kldcheck is the root of the kldcheck module. It carries the sample
// kernels and modules built from testdata/src (see testdata/README.md), embedded
// so that `kldcheck demo` runs anywhere.
package kldcheck

import "embed"

// Samples holds the fixture kernels and modules of testdata/<config>/, as
// testdata/build.sh built them.
//
//go:embed testdata/*/kernel testdata/*/*.ko
var Samples embed.FS

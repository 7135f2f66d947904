package check_test

import (
	"errors"
	"testing"

	"github.com/kldcheck/kldcheck/check"
	"github.com/kldcheck/kldcheck/kobj"
)

// Bad input is an error naming the file; a module the kernel refuses is a
// finding, not an error.
func TestModulesErrors(t *testing.T) {
	_, err := check.Modules(check.Options{}, "../testdata/README.md")
	var ke *kobj.Error
	if !errors.As(err, &ke) || ke.Path != "../testdata/README.md" {
		t.Errorf("README.md: %v", err)
	}
	if _, err := check.Modules(check.Options{Profile: "freebsd-3"}, "../testdata/arm64/nodep.ko"); err == nil {
		t.Error("an unknown profile is not an error")
	}
	res, err := check.Modules(check.Options{Kernel: "../testdata/arm64/kernel"}, "../testdata/arm64/undef.ko")
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := res.Worst(); !ok || w.String() != "error" {
		t.Errorf("undef.ko: worst %v %v, findings %v", w, ok, res.Findings)
	}
	for _, name := range res.Loaded {
		if name == "undef.ko" {
			t.Error("undef.ko reported loaded")
		}
	}
}

package check_test

import (
	"fmt"
	"log"

	"github.com/kldcheck/kldcheck/check"
)

// Check a module that uses another module's VNET variable, on the kernel of
// FreeBSD 8.2, before the 2011 fix for cross-module references
// (the ipfw_nat.ko and V_layer3_chain report): the kernel loads it, but its
// references still point into the owner's image.
func Example() {
	res, err := check.Modules(check.Options{
		Kernel:  "../testdata/arm64/kernel",
		Profile: "freebsd-8.2",
	}, "../testdata/arm64/vnet_owner.ko", "../testdata/arm64/vnet_user.ko")
	if err != nil {
		log.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range res.Findings {
		counts[f.Rule]++
	}
	worst, _ := res.Worst()
	fmt.Println(res.Profile, res.Loaded, worst, counts["set-ref-unrelocated"] > 0)
	// Output: freebsd-8.2 [kernel vnet_owner.ko vnet_user.ko] error true
}

// The same modules on today's kernel: the cross-module references are
// redirected, and nothing is found.
func ExampleModules() {
	res, err := check.Modules(check.Options{Kernel: "../testdata/arm64/kernel"},
		"../testdata/arm64/vnet_owner.ko", "../testdata/arm64/vnet_user.ko")
	if err != nil {
		log.Fatal(err)
	}
	_, any := res.Worst()
	fmt.Println(res.Profile, len(res.Findings), any)
	// Output: freebsd-14 0 false
}

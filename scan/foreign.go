package scan

import (
	"strings"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
)

// dominantArch is the architecture of the tree: the kernel's, else the one
// most of the readable files share (the first such in path order on a
// tie). kldxref takes the first file of each directory as its
// architecture (usr.sbin/kldxref/kldxref.c read_kld, FreeBSD 15); the
// majority stands in for it so that one stray file sorting first does not
// turn a whole tree foreign.
func dominantArch(kernel *kobj.File, files []*kobj.File) *arch.Arch {
	if kernel != nil {
		return kernel.Arch
	}
	count := map[*arch.Arch]int{}
	var best *arch.Arch
	for _, f := range files {
		if f == nil {
			continue
		}
		count[f.Arch]++
		if best == nil || count[f.Arch] > count[best] {
			best = f.Arch
		}
	}
	return best
}

// foreignFinding is the warning on a module of another architecture than
// the tree's. It is not checked further: the kernel of the tree cannot
// load it, and kldxref leaves it out of linker.hints, so scan leaves it
// out of its index too.
func foreignFinding(f *kobj.File, tree *arch.Arch, haveKernel bool) rules.Finding {
	whose := "most modules of the tree are " + tree.Name
	if haveKernel {
		whose = "the kernel is " + tree.Name
	}
	msg := f.Arch.Name + " module, but " + whose + ": kldxref leaves it out of linker.hints and kldload refuses it"
	if mods := declaredModules(f); len(mods) > 0 {
		msg += "; no dependency on " + strings.Join(mods, ", ") + " is resolved to it"
	}
	return rules.New(rules.ForeignArch, f.Path, "%s", msg)
}

// declaredModules lists the module versions a file declares (MODULE_VERSION,
// the records kldxref writes to linker.hints and dependencies match).
func declaredModules(f *kobj.File) []string {
	var out []string
	for _, m := range f.Metadata {
		if m.Type == kobj.MDTVersion {
			out = append(out, m.Name)
		}
	}
	return out
}

// kernelProvides reports the dependencies the kernel file satisfies with
// its own MODULE_VERSION records (nil without a kernel).
func kernelProvides(kernel *kobj.File) func(kobj.Metadata) bool {
	if kernel == nil {
		return nil
	}
	return func(d kobj.Metadata) bool {
		for _, m := range kernel.Metadata {
			if m.Type == kobj.MDTVersion && m.Name == d.Name && m.ModVersion >= d.Min && m.ModVersion <= d.Max {
				return true
			}
		}
		return false
	}
}

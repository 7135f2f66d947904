package linker

import (
	"errors"
	"sync"

	"github.com/kldcheck/kldcheck/rules"
)

// Outcomes remembers, for the simulated kernels of one scan, how each file's
// own relocation passes went: whether link_elf_reloc_local and relocate_file
// (link_elf.c, link_elf_obj.c) accepted every record, and if not the finding
// that refused the load. Both depend only on the file, the kernel, the
// profile and the files its dependencies resolved to (a symbol is looked up
// in the file, then its direct dependencies: kern_linker.c's
// linker_file_lookup_symbol), not on what else is loaded or where. So a file
// loaded as a dependency of many modules is relocated once: later loads give
// it its address and module space, resolve its dependencies and register its
// modules as before, and take the passes' verdict from here. Where the
// dependencies resolve to other files, the passes run again.
//
// Its methods may be called from several goroutines.
type Outcomes struct {
	mu     sync.Mutex
	byPath map[string]*Outcome
}

// Outcome is how one file's relocation passes went.
type Outcome struct {
	// Deps are the paths its dependencies resolved to, in order.
	Deps []string
	// Refused is the pass that refused the load, or 0; Finding its reason.
	refused passStage
	finding rules.Finding
	// code says the file's code scan ran (codeErr its verdict on bad input).
	code    bool
	codeErr error
}

// passStage names a relocation pass of the class loaders.
type passStage int

const (
	passNone   passStage = iota
	passLocal            // link_elf_reloc_local / elf_reloc_local
	passGlobal           // relocate_file
)

// NewOutcomes returns an empty memory of outcomes.
func NewOutcomes() *Outcomes { return &Outcomes{byPath: map[string]*Outcome{}} }

func (o *Outcomes) get(path string) *Outcome {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	oc := o.byPath[path]
	if oc == nil {
		return nil
	}
	c := *oc // recordCode may complete the original meanwhile
	return &c
}

// record keeps f's outcome when every pass ran or one refused the load.
func (o *Outcomes) record(f *File) {
	if o == nil || f.known != nil || !f.linked && f.refused == passNone {
		return
	}
	oc := &Outcome{Deps: depPaths(f), refused: f.refused, finding: f.refusal}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byPath[f.Obj.Path] == nil {
		o.byPath[f.Obj.Path] = oc
	}
}

// recordCode keeps the verdict of f's code scan (checkCode) beside its
// outcome, so that a file loaded again as a dependency, perhaps parsed again
// too, is not read again.
func (o *Outcomes) recordCode(f *File, err error) {
	if o == nil || f.known != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if oc := o.byPath[f.Obj.Path]; oc != nil && !oc.code {
		oc.code, oc.codeErr = true, err
	}
}

func depPaths(f *File) []string {
	out := make([]string, len(f.Deps))
	for i, d := range f.Deps {
		out[i] = d.Obj.Path
	}
	return out
}

func (oc *Outcome) sameDeps(f *File) bool {
	if len(oc.Deps) != len(f.Deps) {
		return false
	}
	for i, d := range f.Deps {
		if d.Obj.Path != oc.Deps[i] {
			return false
		}
	}
	return true
}

// link runs what every class loader does once its image and sets are laid
// out: the local relocation pass, the dependencies, then the global pass. A
// file whose outcome is known skips the passes (and is never mapped) unless
// its dependencies resolved otherwise.
func (l *Linker) link(f *File, local, global func() error) error {
	if f.known == nil {
		if err := l.pass(f, passLocal, local); err != nil {
			return err
		}
	} else if f.known.refused == passLocal {
		return l.fail(f, f.known.finding)
	}
	if err := l.loadDependencies(f); err != nil {
		return err
	}
	if f.known != nil && !f.known.sameDeps(f) {
		// The local pass reads no other file, so running it after the
		// dependencies changes nothing.
		f.known = nil
		if err := l.pass(f, passLocal, local); err != nil {
			return err
		}
	}
	if f.known != nil {
		if f.known.refused == passGlobal {
			return l.fail(f, f.known.finding)
		}
		return nil
	}
	if err := l.pass(f, passGlobal, global); err != nil {
		return err
	}
	f.linked = true
	return nil
}

// pass runs one relocation pass, noting a refusal and the finding it made.
func (l *Linker) pass(f *File, stage passStage, run func() error) error {
	err := run()
	var le *LoadError
	if errors.As(err, &le) && len(l.Findings) > 0 {
		f.refused, f.refusal = stage, l.Findings[len(l.Findings)-1]
	}
	return err
}

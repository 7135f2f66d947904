package linker

import (
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
)

// Find resolves what a user gives kldload(8) (or loader.conf, or
// kld_list) to a file, as kern_kldload does (sys/kern/kern_linker.c,
// FreeBSD 15): a name with a '/' is a path; a name with a '.' is a file
// name searched for in each module-path directory, as is and with ".ko"
// (linker_search_kld); any other name is a module name, looked up in each
// directory's linker.hints, else NAME or NAME.ko there
// (linker_search_module). An existing file is taken as is, so that
// `kldcheck check obj/foo.ko` reads that file wherever it is.
//
// It needs only the options' module path, hints and Exists, so a command
// can resolve its arguments before booting a kernel.
func (o *Options) Find(arg string) (string, bool) {
	o.defaults()
	if strings.Contains(arg, "/") || o.Exists(arg) {
		return arg, o.Exists(arg)
	}
	if strings.Contains(arg, ".") {
		for _, dir := range o.ModulePath {
			if p, ok := o.lookupFile(dir, arg); ok {
				return p, true
			}
		}
		return "", false
	}
	return o.searchModule(kobj.Metadata{Name: arg})
}

// Find is Options.Find with the linker's own options.
func (l *Linker) Find(arg string) (string, bool) { return l.opts.Find(arg) }

// lookupFile is linker_lookup_file: dir/name, then dir/name.ko.
func (o *Options) lookupFile(dir, name string) (string, bool) {
	for _, ext := range []string{"", ".ko"} {
		if p := filepath.Join(dir, name+ext); o.Exists(p) {
			return p, true
		}
	}
	return "", false
}

// defaults fills in the file-system functions left nil.
func (o *Options) defaults() {
	if o.indexed == nil {
		o.indexed = map[string]bool{}
	}
	if o.Hints == nil {
		o.Hints = Hints{}
	}
	if o.Open == nil {
		o.Open = kobj.Open
	}
	if o.Exists == nil {
		o.Exists = regfile.IsRegular
	}
}

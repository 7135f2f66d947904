package kobj

// ViaDebugELF reads the file's symbol tables through debug/elf, the reader
// symbolTable decodes plain tables without.
func ViaDebugELF(f *File) (syms, dyn []Symbol, err error) {
	if syms, err = f.convertSymbols(f.ef.Symbols); err != nil {
		return nil, nil, err
	}
	dyn, err = f.convertSymbols(f.ef.DynamicSymbols)
	return syms, dyn, err
}

# Makefile for packagers (FreeBSD ports, Debian) and anyone who wants an
# installed kldcheck. Works with GNU make and BSD make (bmake): it uses only
# VAR ?= value, VAR != command, $(VAR), $@ and .PHONY.
#
#	make				build bin/kldcheck
#	make test			the README's test command
#	make install DESTDIR=/tmp/stage PREFIX=/usr/local
#	make uninstall
#	make clean			remove bin/
#	make lint-man			mandoc -T lint docs/kldcheck.8
#	make completions		bin/completions/ for bash, zsh and fish
#
# Variables: GO, VERSION, PREFIX, DESTDIR, BINDIR, MANDIR, DOCDIR, SCHEMADIR, BASHCOMPDIR,
# ZSHCOMPDIR, FISHCOMPDIR, INSTALL, MANDOC, MANLINTFLAGS.

GO ?=		go
INSTALL ?=	install
MANDOC ?=	mandoc
# Extra mandoc flags for lint-man, e.g. MANLINTFLAGS=-Wwarning where the
# FreeBSD section 8 pages it cross-references are not installed.
MANLINTFLAGS ?=

# The version stamped into the binary (kldcheck version). Packagers set it
# (make VERSION=1.2.3); otherwise git describe of this checkout, or "devel"
# outside one. The .git test keeps a tarball unpacked inside another git
# tree (a ports tree, say) from taking that tree's description.
GIT_VERSION !=	if [ -e .git ]; then git describe --tags --always --dirty 2>/dev/null || echo devel; else echo devel; fi
VERSION ?=	$(GIT_VERSION)

PREFIX ?=	/usr/local
DESTDIR ?=
BINDIR ?=	$(PREFIX)/bin
MANDIR ?=	$(PREFIX)/share/man
DOCDIR ?=	$(PREFIX)/share/doc/kldcheck
SCHEMADIR ?=	$(PREFIX)/share/kldcheck/schema
BASHCOMPDIR ?=	$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?=	$(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?=	$(PREFIX)/share/fish/vendor_completions.d

GOBUILD =	$(GO) build -trimpath -ldflags "-X github.com/kldcheck/kldcheck.version=$(VERSION)"
COMPLETIONS =	bin/completions/kldcheck.bash bin/completions/_kldcheck bin/completions/kldcheck.fish

.PHONY: all test install uninstall clean lint-man completions

# all always asks go build, which knows whether anything changed.
all:
	mkdir -p bin
	$(GOBUILD) -o bin/kldcheck ./cmd/kldcheck

# install and completions use an existing bin/kldcheck as it is, so that
# "make && make install" does not build again as root.
bin/kldcheck:
	mkdir -p bin
	$(GOBUILD) -o bin/kldcheck ./cmd/kldcheck

test:
	$(GO) vet ./... && $(GO) test ./...

completions: $(COMPLETIONS)

bin/completions/kldcheck.bash: bin/kldcheck
	mkdir -p bin/completions
	bin/kldcheck completion bash > $@.tmp && mv $@.tmp $@

bin/completions/_kldcheck: bin/kldcheck
	mkdir -p bin/completions
	bin/kldcheck completion zsh > $@.tmp && mv $@.tmp $@

bin/completions/kldcheck.fish: bin/kldcheck
	mkdir -p bin/completions
	bin/kldcheck completion fish > $@.tmp && mv $@.tmp $@

install: bin/kldcheck $(COMPLETIONS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SCHEMADIR) \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 0755 bin/kldcheck $(DESTDIR)$(BINDIR)/kldcheck
	$(INSTALL) -m 0444 docs/kldcheck.8 $(DESTDIR)$(MANDIR)/man8/kldcheck.8
	$(INSTALL) -m 0444 docs/json.md docs/rules.md docs/ci.md $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0444 docs/schema/*.json $(DESTDIR)$(SCHEMADIR)
	$(INSTALL) -m 0444 bin/completions/kldcheck.bash $(DESTDIR)$(BASHCOMPDIR)/kldcheck
	$(INSTALL) -m 0444 bin/completions/_kldcheck $(DESTDIR)$(ZSHCOMPDIR)/_kldcheck
	$(INSTALL) -m 0444 bin/completions/kldcheck.fish $(DESTDIR)$(FISHCOMPDIR)/kldcheck.fish

uninstall:
	rm -f $(DESTDIR)$(DOCDIR)/json.md $(DESTDIR)$(DOCDIR)/rules.md $(DESTDIR)$(DOCDIR)/ci.md
	-rmdir $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(SCHEMADIR)/*.json
	-rmdir $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(PREFIX)/share/kldcheck
	rm -f $(DESTDIR)$(BINDIR)/kldcheck $(DESTDIR)$(MANDIR)/man8/kldcheck.8 \
	    $(DESTDIR)$(BASHCOMPDIR)/kldcheck $(DESTDIR)$(ZSHCOMPDIR)/_kldcheck \
	    $(DESTDIR)$(FISHCOMPDIR)/kldcheck.fish

clean:
	rm -rf bin

lint-man:
	$(MANDOC) -T lint $(MANLINTFLAGS) docs/kldcheck.8

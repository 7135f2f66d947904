package bootset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testdata(t *testing.T, name string) string {
	return filepath.Join("..", "testdata", "boot", name)
}

// A kldstat -v listing reads back as kldstat(8) prints it
// (sbin/kldstat/kldstat.c): files in order, their paths and modules.
func TestParseKldstat(t *testing.T) {
	fh, err := os.Open(testdata(t, "kldstat-v.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	files, err := ParseKldstat("kldstat-v.txt", fh)
	if err != nil {
		t.Fatal(err)
	}
	want := []LoadedFile{
		{ID: 1, Refs: 3, Address: 0xffffffff80200000, Size: 0x4a1000, Name: "kernel", Path: "/boot/kernel/kernel", Modules: []string{"kernel", "pci", "ether"}},
		{ID: 2, Refs: 1, Address: 0xffffffff82a00000, Size: 0x21000, Name: "boot_r1.ko", Path: "/boot/modules/boot_r1.ko", Modules: []string{"boot_r1", "rival"}},
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("got %+v\nwant %+v", files, want)
	}
	// Plain kldstat (no -v): names only.
	plain := "Id Refs Address                Size Name\n 1    3 0xffffffff80200000   4a1000 kernel\n 2    1 0xffffffff82a00000    21000 if_wg.ko\n"
	files, err = ParseKldstat("plain", strings.NewReader(plain))
	if err != nil || len(files) != 2 || files[1].Name != "if_wg.ko" || files[1].Path != "" {
		t.Errorf("plain kldstat: %+v %v", files, err)
	}
	for name, bad := range map[string]string{
		"no header": " 1    3 0xffffffff80200000   4a1000 kernel\n",
		"garbage":   "Id Refs Address Size Name\nthis is not kldstat\n",
		"empty":     "",
	} {
		if _, err := ParseKldstat(name, strings.NewReader(bad)); err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming the input", name, err)
		}
	}
}

// loader.conf: X_load="YES" in order, X_name and X_type, module_path and
// kernel, a later file's setting winning; rc.conf: kld_list with its
// ${kld_list} appends.
func TestConf(t *testing.T) {
	var c Conf
	if err := c.ReadLoaderConf("a", strings.NewReader(`
# comment
kernel="kernel.GENERIC"
module_path="/boot/kernel;/boot/modules"
if_wg_load="YES"
cc_htcp_load="yes"   # case does not matter
vmm_load="NO"
mfsroot_load="YES"
mfsroot_type="md_image"
zfs_load="YES"
`)); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadLoaderConf("b", strings.NewReader("zfs_load=\"NO\"\nif_wg_name=\"/boot/modules/if_wg.ko\"\n")); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Preloads {
		got = append(got, p.Module+"="+p.File+":"+p.Type)
	}
	want := []string{"if_wg=/boot/modules/if_wg.ko:", "cc_htcp=cc_htcp:", "mfsroot=mfsroot:md_image"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("preloads %q, want %q", got, want)
	}
	if c.Preloads[2].IsModule() || !c.Preloads[0].IsModule() || c.Preloads[0].Where != "a:5" {
		t.Errorf("types or places: %+v", c.Preloads)
	}
	if c.ModulePath != "/boot/kernel;/boot/modules" || c.Kernel != "kernel.GENERIC" {
		t.Errorf("module_path %q kernel %q", c.ModulePath, c.Kernel)
	}
	if err := c.ReadRCConf("rc", strings.NewReader("kld_list=\"linux64 fusefs\"\nif [ -f /x ]; then\nkld_list=\"${kld_list} if_wg\"\nfi\n")); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.KldList, []string{"linux64", "fusefs", "if_wg"}) {
		t.Errorf("kld_list %q", c.KldList)
	}
	if err := new(Conf).ReadLoaderConf("bad", strings.NewReader("this is not an assignment\n")); err == nil || !strings.HasPrefix(err.Error(), "bad:1:") {
		t.Errorf("bad loader.conf: %v", err)
	}
}

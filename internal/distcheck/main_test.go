package main

import (
	"archive/tar"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// archiveOf writes lvslab-v-OS-ARCH.tar.gz holding the files given (name in the archive -> source).
func archiveOf(t *testing.T, goos, goarch string, files map[string]string) string {
	t.Helper()
	name := "lvslab-v1-" + goos + "-" + goarch
	path := filepath.Join(t.TempDir(), name+".tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for inside, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		tw.WriteHeader(&tar.Header{Name: name + "/" + inside, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	f.Close()
	return path
}

// An archive named for arm64 whose lvslab is this machine's amd64 build is refused, as is one that lacks
// the other architecture's Linux lvslab.
func TestDistcheckReadsTheExecutablesHeaders(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the test passes this linux/amd64 test binary off as the archives' executables")
	}
	self, _ := os.Executable()
	if checkELF(self, guestArches["amd64"]) != nil {
		t.Skip("this test binary is not a static executable (make test builds it with CGO_ENABLED=0)")
	}
	if err := check(archiveOf(t, "linux", "arm64", map[string]string{"lvslab": self, "lvslab-linux-amd64": self})); err == nil || !strings.Contains(err.Error(), "expected an executable for EM_AARCH64") {
		t.Errorf("an amd64 lvslab in the arm64 archive: got %v", err)
	}
	if err := check(archiveOf(t, "linux", "amd64", map[string]string{"lvslab": self})); err == nil || !strings.Contains(err.Error(), "lvslab-linux-arm64") {
		t.Errorf("an archive without the arm64 guest's lvslab: got %v", err)
	}
}

// machoHeader writes the header of a 64-bit Mach-O executable for cpu, which is all checkMachO reads.
func machoHeader(t *testing.T, cpu macho.Cpu) string {
	t.Helper()
	var b []byte
	for _, v := range []uint32{macho.Magic64, uint32(cpu), 0, uint32(macho.TypeExec), 0, 0, 0, 0} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	path := filepath.Join(t.TempDir(), "lvslab")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// A macOS archive must hold a Mach-O lvslab for its CPU, and lvslab for Linux on both guest architectures.
func TestDistcheckMacArchives(t *testing.T) {
	self, _ := os.Executable()
	if err := check(archiveOf(t, "darwin", "arm64", map[string]string{"lvslab": self})); err == nil || !strings.Contains(err.Error(), "expected a macOS executable") {
		t.Errorf("a Linux lvslab in the darwin archive: got %v", err)
	}
	intel := machoHeader(t, macho.CpuAmd64)
	if err := check(archiveOf(t, "darwin", "arm64", map[string]string{"lvslab": intel})); err == nil || !strings.Contains(err.Error(), "for CpuArm64") {
		t.Errorf("an Intel lvslab in the Apple Silicon archive: got %v", err)
	}
	silicon := machoHeader(t, macho.CpuArm64)
	if err := check(archiveOf(t, "darwin", "arm64", map[string]string{"lvslab": silicon})); err == nil || !strings.Contains(err.Error(), "lvslab-linux-") {
		t.Errorf("a macOS archive without the guests' lvslab: got %v", err)
	}
	whole := map[string]string{"lvslab": silicon, "lvslab-linux-amd64": elfHeader(t, elf.EM_X86_64), "lvslab-linux-arm64": elfHeader(t, elf.EM_AARCH64)}
	if err := check(archiveOf(t, "darwin", "arm64", whole)); err != nil {
		t.Errorf("a whole Apple Silicon archive: %v", err)
	}
}

// elfHeader writes the header of a static 64-bit ELF executable for machine, which is all checkELF reads.
func elfHeader(t *testing.T, machine elf.Machine) string {
	t.Helper()
	b := []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)}
	b = append(b, make([]byte, 16-len(b))...)
	b = binary.LittleEndian.AppendUint16(b, uint16(elf.ET_EXEC))
	b = binary.LittleEndian.AppendUint16(b, uint16(machine))
	b = binary.LittleEndian.AppendUint32(b, uint32(elf.EV_CURRENT))
	b = append(b, make([]byte, 8*3+4)...)       // entry, phoff, shoff, flags
	b = binary.LittleEndian.AppendUint16(b, 64) // ehsize
	b = append(b, make([]byte, 2*5)...)         // phentsize, phnum, shentsize, shnum, shstrndx
	path := filepath.Join(t.TempDir(), "lvslab-linux")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// windowsProgram builds a do-nothing Windows program for amd64, with ldflags (-H=windowsgui: a window's
// program, not a console's).
func windowsProgram(t *testing.T, ldflags string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("needs the go command to build a Windows program: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lvslab.exe")
	cmd := exec.Command(goTool, "build", "-ldflags="+ldflags, "-o", out, src)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a Windows program: %v\n%s", err, b)
	}
	return out
}

// A Windows archive must hold lvslab.exe, a console program for amd64, and lvslab for Linux on both guest
// architectures.
func TestDistcheckWindowsArchives(t *testing.T) {
	guests := map[string]string{"lvslab-linux-amd64": elfHeader(t, elf.EM_X86_64), "lvslab-linux-arm64": elfHeader(t, elf.EM_AARCH64)}
	with := func(exe string) map[string]string {
		files := map[string]string{"lvslab.exe": exe}
		for k, v := range guests {
			files[k] = v
		}
		return files
	}
	console := windowsProgram(t, "")
	if err := check(archiveOf(t, "windows", "amd64", with(console))); err != nil {
		t.Errorf("a whole Windows archive: %v", err)
	}
	if err := check(archiveOf(t, "windows", "amd64", with(windowsProgram(t, "-H=windowsgui")))); err == nil || !strings.Contains(err.Error(), "console program") {
		t.Errorf("a window's program as lvslab.exe: got %v", err)
	}
	self, _ := os.Executable()
	if err := check(archiveOf(t, "windows", "amd64", with(self))); err == nil || !strings.Contains(err.Error(), "expected a Windows executable") {
		t.Errorf("a Linux lvslab in the Windows archive: got %v", err)
	}
	if err := check(archiveOf(t, "windows", "amd64", map[string]string{"lvslab.exe": console})); err == nil || !strings.Contains(err.Error(), "lvslab-linux-") {
		t.Errorf("a Windows archive without the guests' lvslab: got %v", err)
	}
}

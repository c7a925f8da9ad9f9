package bootload

import (
	"errors"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var (
	planned  bool          // this is the guest's /init, and its initramfs holds a plan
	started  time.Duration // when loading began, on the guest's clock (0 if the clock could not be read)
	finished = make(chan struct{})
	loadErr  error
)

func init() {
	if sysFinitModule == 0 || syscall.Getpid() != 1 {
		close(finished)
		return
	}
	mods, err := ReadPlan()
	if errors.Is(err, syscall.ENOENT) {
		close(finished) // no plan: not the guest's /init
		return
	}
	planned = true
	if err != nil {
		loadErr = err
		close(finished)
		return
	}
	started = sinceBoot()
	go func() {
		defer close(finished)
		cmdline, err := kernelCmdline()
		if err != nil {
			loadErr = errors.New("boot modules: reading the kernel command line for their parameters: " + err.Error())
			return
		}
		loadErr = loadAll(mods, ModuleParams(cmdline))
	}()
}

// Started tells whether the boot modules are being loaded, and since when on the guest's clock.
func Started() (time.Duration, bool) { return started, planned }

// Wait returns once the boot modules are loaded, with what failed; planned is false, and nothing loaded,
// when this is not the guest's /init or its initramfs holds no plan.
func Wait() (planned bool, err error) {
	<-finished
	return planned, loadErr
}

// loadAll loads each module as soon as those it comes after are in: package guest's loadAll for the lab's
// modules does the same over vm/kernel's steps, which this package must not import (Go would initialise it
// after vm/kernel's compression libraries).
func loadAll(mods []Module, params map[string]string) error {
	done := map[string]chan struct{}{}
	errs := make([]error, len(mods))
	var wg sync.WaitGroup
	for i, m := range mods {
		var before []chan struct{}
		for _, a := range m.After {
			before = append(before, done[a])
		}
		finished := make(chan struct{})
		done[m.Name] = finished
		wg.Go(func() {
			defer close(finished)
			for _, c := range before {
				<-c
			}
			errs[i] = load(m.Name, params[m.Name])
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func load(name, params string) error {
	path := BootModuleDir + "/" + name + ".ko"
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return errors.New("loading module " + name + ": " + err.Error())
	}
	defer syscall.Close(fd)
	p, err := syscall.BytePtrFromString(params)
	if err != nil {
		return errors.New("loading module " + name + ": its parameters hold a NUL")
	}
	_, _, errno := syscall.Syscall(sysFinitModule, uintptr(fd), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 && errno != syscall.EEXIST {
		return errors.New("loading module " + name + " from " + path + ": " + errno.Error())
	}
	return nil
}

// ReadPlan reads the initramfs's plan (PlanPath), bounded, as untrusted data: a syscall.Errno when it cannot
// be read (ENOENT: there is none), else Parse's error.
func ReadPlan() ([]Module, error) {
	data, err := readFile(PlanPath, maxPlanBytes+1)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// readFile reads at most limit bytes of path.
func readFile(path string, limit int) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, limit)
	n := 0
	for n < len(buf) {
		r, err := syscall.Read(fd, buf[n:])
		if err != nil {
			return nil, err
		}
		if r == 0 {
			break
		}
		n += r
	}
	return buf[:n], nil
}

// kernelCmdline reads /proc/cmdline through a proc mounted for the moment on a folder of its own: /init
// mounts /proc itself, later.
func kernelCmdline() (string, error) {
	const dir = "/lvslab/proc"
	if err := syscall.Mkdir(dir, 0o555); err != nil && err != syscall.EEXIST {
		return "", err
	}
	defer syscall.Rmdir(dir)
	if err := syscall.Mount("proc", dir, "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return "", err
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	data, err := readFile(dir+"/cmdline", 64<<10)
	return string(data), err
}

// sinceBoot is the guest's CLOCK_BOOTTIME, as /init's timings are.
func sinceBoot() time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

const clockBoottime = 7

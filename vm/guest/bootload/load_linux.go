package bootload

import (
	"errors"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var (
	started  time.Duration // on the guest's clock; 0 when the plan was not there (not /init)
	finished = make(chan struct{})
	loadErr  error
)

func init() {
	if syscall.Getpid() != 1 {
		close(finished)
		return
	}
	data, err := readPlan()
	if err != nil {
		close(finished) // no plan: /init loads the modules itself, later
		return
	}
	started = sinceBoot()
	mods, err := Parse(data)
	if err != nil {
		loadErr = err
		close(finished)
		return
	}
	go func() {
		loadErr = loadAll(mods)
		close(finished)
	}()
}

// Started is when loading began, on the guest's clock; 0 if it did not (see Wait).
func Started() time.Duration { return started }

// Wait returns once the boot modules are loaded: when loading started (0 if it did not: the binary is not
// the guest's /init, or its initramfs holds no plan), and what failed.
func Wait() (time.Duration, error) {
	<-finished
	return started, loadErr
}

// loadAll loads each module as soon as those it comes after are in.
func loadAll(mods []Module) error {
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
			errs[i] = load(m.Name)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func load(name string) error {
	path := BootModuleDir + "/" + name + ".ko"
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return errors.New("loading module " + name + ": " + err.Error())
	}
	defer syscall.Close(fd)
	empty := [1]byte{} // no parameters
	_, _, errno := syscall.Syscall(sysFinitModule, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])), 0)
	if errno != 0 && errno != syscall.EEXIST {
		return errors.New("loading module " + name + " from " + path + ": " + errno.Error())
	}
	return nil
}

func readPlan() ([]byte, error) {
	fd, err := syscall.Open(PlanPath, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, maxPlanBytes+1)
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

// sinceBoot is the guest's CLOCK_BOOTTIME, as /init's timings are.
func sinceBoot() time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

const clockBoottime = 7
